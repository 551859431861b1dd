//! Recognition back-fills (成绩补录认定): finalising results after the recognition deadline,
//! into a term that has ended, or with rows for students who neither signed up nor checked in
//! is not done by the organiser alone. `POST /api/activities/{id}/results/finalize` files the
//! request with a reason; the organisation above approves (the results become points, their
//! ledger entries marked back-fill) or rejects with a reason. Until approved the activity stays
//! in the overdue list.

use actix_web::{get, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    activity::ReviewDecision,
    attendance::{RecognitionGround, RecognitionRequest, RecognitionRequestStatus},
    auth::Permission,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change, recognition_requests::Filter},
    error::AppError,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `incoming` (default): what waits for the caller's organisation to decide (needs
    /// `review_activities`). `outgoing`: what the caller's subtree asked (needs
    /// `recognise_results`).
    #[param(pattern = "^(incoming|outgoing)$")]
    pub scope: Option<String>,
    /// Only pending ones.
    #[serde(default)]
    pub pending: bool,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Recognition back-fill requests
///
/// What waits for the caller's organisation to decide (`scope=incoming`), or what its subtree
/// has asked (`scope=outgoing`), newest first, with the grounds (late, ended term,
/// non-participants) and the organiser's reason.
#[utoipa::path(
    tag = "results",
    params(RequestQuery),
    responses(
        (status = 200, description = "One page, newest first", body = Page<RecognitionRequest>),
        (status = 400, description = "An unknown scope or a bad page", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/recognition-requests")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<RequestQuery>,
) -> Result<web::Json<Page<RecognitionRequest>>, AppError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let pending = query.pending;
    let filter = match query.scope.as_deref().unwrap_or("incoming") {
        "incoming" => {
            actor.require(Permission::ReviewActivities)?;
            Filter::Approver {
                org: actor.org.id,
                pending,
            }
        }
        "outgoing" => {
            actor.require(Permission::RecogniseResults)?;
            Filter::AskedWithin {
                org: actor.org.id,
                pending,
            }
        }
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("unknown scope `{other}`: use incoming or outgoing"),
            )
            .with_field("scope")
            .into());
        }
    };
    let mut conn = state.db.conn().await?;
    let (items, total) = db::recognition_requests::list(&mut conn, filter, page).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// Approve a recognition back-fill
///
/// Only the organisation the request waits for, with `review_activities`. The results are
/// recognised at once: the ledger gets their points, each entry marked back-fill (source
/// `backfill`) and approved by the caller.
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "Request id")),
    request_body(content = ReviewDecision, description = "An optional note"),
    responses(
        (status = 200, description = "Approved; the results are points", body = RecognitionRequest),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not the deciding organisation", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Already decided, or the activity was recognised meanwhile", body = ApiError),
        (status = 422, description = "A note longer than 500 characters", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/recognition-requests/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: crate::error::OptionalJson<ReviewDecision>,
) -> Result<web::Json<RecognitionRequest>, AppError> {
    decide(
        state,
        actor,
        id.into_inner(),
        true,
        body.0.and_then(|b| b.reason),
    )
    .await
}

/// Reject a recognition back-fill
///
/// With a reason the organiser sees; the results may then be corrected and finalised again.
/// Only the organisation the request waits for, with `review_activities`.
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "Request id")),
    request_body = ReviewDecision,
    responses(
        (status = 200, description = "Rejected", body = RecognitionRequest),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not the deciding organisation", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Already decided", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/recognition-requests/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReviewDecision>,
) -> Result<web::Json<RecognitionRequest>, AppError> {
    let reason = body
        .into_inner()
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.is_none() {
        return Err(ApiError::invalid("reason", "say why the request is rejected").into());
    }
    decide(state, actor, id.into_inner(), false, reason).await
}

async fn decide(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    approving: bool,
    note: Option<String>,
) -> Result<web::Json<RecognitionRequest>, AppError> {
    actor.require(Permission::ReviewActivities)?;
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid("reason", "at most 500 characters").into());
    }
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let db::recognition_requests::Locked {
            activity_id,
            status,
            approver_org_id: approver,
            grounds,
            organizer_id,
            requested_by,
        } = db::recognition_requests::lock(conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("request"))?;
        crate::attendance::requests::require_decider(conn, &actor, approver, organizer_id).await?;
        if status != "pending" {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("the request is already {status}"),
            ));
        }
        let outcome = if approving {
            RecognitionRequestStatus::Approved
        } else {
            RecognitionRequestStatus::Rejected
        };
        let mut ledger = None;
        if approving {
            // The same row lock as a results edit and a finalisation.
            if db::activities::lock_recognised_at(conn, activity_id)
                .await?
                .is_some()
            {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the results were recognised meanwhile",
                ));
            }
            // Late or into an ended term, every row is a back-fill; otherwise only the rows
            // of students who did not take part.
            let all = grounds.iter().any(|g| {
                matches!(
                    RecognitionGround::parse(g),
                    Some(RecognitionGround::Late | RecognitionGround::EndedTerm)
                )
            });
            db::results::mark_backfilled(conn, activity_id, all).await?;
            db::results::mark_recognised(conn, activity_id, actor.account_id).await?;
            crate::cache::ACTIVITY_WRITES.bump();
            crate::cache::STANDINGS_WRITES.bump();
            ledger = Some(
                db::points::recognise_activity(
                    conn,
                    activity_id,
                    requested_by,
                    Some(actor.account_id),
                )
                .await?,
            );
        }
        db::recognition_requests::decide(conn, id, outcome, actor.account_id, note.as_deref())
            .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer_id),
                action: if approving {
                    "results.backfill_approve"
                } else {
                    "results.backfill_reject"
                },
                target_type: "recognition_request",
                target_id: id.to_string(),
                details: json!({
                    "activity_id": activity_id,
                    "note": note,
                    "ledger_entries": ledger.as_ref().map(|l| l.written),
                }),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    one(&mut conn, id).await.map(web::Json)
}

/// One request by id.
pub async fn one(
    conn: &mut diesel_async::AsyncPgConnection,
    id: i64,
) -> Result<RecognitionRequest, AppError> {
    let page = PageRequest::try_from(PageParams {
        page: Some(1),
        per_page: Some(1),
    })?;
    let (mut items, _) = db::recognition_requests::list(conn, Filter::Id(id), page).await?;
    items.pop().ok_or_else(|| AppError::not_found("request"))
}
