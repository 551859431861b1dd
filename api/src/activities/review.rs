//! The review workflow (三级发布审核): submit → approved level by level up to the claimed level
//! → published; a rejection returns the activity to draft with its reason. Also withdrawal,
//! cancellation, and each reviewing organisation's queue.

use actix_web::{get, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    activity::{
        Activity, ActivityStatus, CancelRequest, CreditLevel, ReviewDecision, ReviewItem,
        is_past_dated, submission_chain,
    },
    auth::Permission,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use super::{detail, require_manage, visible};
use crate::{
    AppState,
    auth::Actor,
    db::{self, activities::NewTransition, audit::Change, organizations::OrgRow},
    error::AppError,
};

/// The organisations above the organiser, from its parent up to the root, with their kinds.
async fn ancestors(
    conn: &mut AsyncPgConnection,
    organizer: &OrgRow,
) -> Result<Vec<(i64, shared::organization::OrgKind)>, AppError> {
    let mut out = Vec::new();
    for id in organizer.path.iter().rev().skip(1) {
        let org = db::organizations::get(conn, *id)
            .await?
            .ok_or_else(|| AppError::Internal("broken organisation path".into()))?;
        out.push((org.id, org.kind()));
    }
    Ok(out)
}

/// Starts (another) round of review: to `submitted` with the chain for `claimed`, or straight to
/// `published` when no approval is needed.
pub async fn resubmit(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
    organizer: &OrgRow,
    claimed: CreditLevel,
    action: &str,
) -> Result<ActivityStatus, AppError> {
    let current = db::activities::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    let now = Utc::now();
    let past_dated = is_past_dated(current.starts_at, now);
    let chain = submission_chain(claimed, &ancestors(conn, organizer).await?, past_dated);
    let to = if chain.is_empty() {
        ActivityStatus::Published
    } else {
        ActivityStatus::Submitted
    };
    crate::cache::ACTIVITY_WRITES.bump();
    db::activities::set_state(conn, id, to, &chain, 0, Some(now), actor.account_id).await?;
    let transition = |action, from, to| NewTransition {
        activity_id: id,
        action,
        from,
        to,
        actor_id: actor.account_id,
        organization_id: organizer.id,
        reason: None,
    };
    // Why it waits for the level above: shown with the review history.
    let note = past_dated.then(|| {
        format!(
            "dated in the past: it began {} and was submitted {}",
            current
                .starts_at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M"),
            now.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M"),
        )
    });
    db::activities::record_transition(
        conn,
        NewTransition {
            reason: note.as_deref(),
            ..transition(action, current.status(), ActivityStatus::Submitted)
        },
    )
    .await?;
    if to == ActivityStatus::Published {
        db::activities::record_transition(
            conn,
            transition(
                "publish",
                ActivityStatus::Submitted,
                ActivityStatus::Published,
            ),
        )
        .await?;
    }
    Ok(to)
}

async fn audit(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    organization_id: i64,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    db::audit::record(
        conn,
        Some(actor.account_id),
        Change {
            organization_id: Some(organization_id),
            action,
            target_type: "activity",
            target_id: id.to_string(),
            details,
        },
    )
    .await?;
    Ok(())
}

/// Submit for review
///
/// A draft goes to the first organisation of its review chain — every level above the
/// organiser up to the level it claims. An activity that needs no approval (a club's club-level
/// one, a college's college-level one) is published at once — unless it is dated in the past
/// (it began more than an hour before it is submitted): then it goes to the level above all the
/// same, and the review history says why. Permission `publish_activities`.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "Submitted (or published)", body = Activity),
        (status = 409, description = "Not a draft", body = ApiError,
            example = json!({"code": "conflict", "message": "only a draft can be submitted (it is published)"})),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Activity>, AppError> {
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let current = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            if current.status() != ActivityStatus::Draft {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "only a draft can be submitted (it is {})",
                        current.status().as_str()
                    ),
                ));
            }
            let to = resubmit(
                conn,
                &actor,
                id,
                &organizer,
                current.credit_level(),
                "submit",
            )
            .await?;
            audit(
                conn,
                &actor,
                organizer.id,
                "activity.submit",
                id,
                json!({"to": to.as_str()}),
            )
            .await?;
            db::activities::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))
        })
        .await?;
    Ok(web::Json(detail(&mut conn, &actor, row, &organizer).await?))
}

/// Withdraw from review
///
/// Takes a submitted activity back to draft so it can be edited. Permission
/// `publish_activities` over the organiser.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "Back to draft", body = Activity),
        (status = 409, description = "Not under review", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Activity>, AppError> {
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let current = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            if current.status() != ActivityStatus::Submitted {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "only an activity under review can be withdrawn",
                ));
            }
            crate::cache::ACTIVITY_WRITES.bump();
            db::activities::set_state(
                conn,
                id,
                ActivityStatus::Draft,
                &current.review_chain,
                0,
                None,
                actor.account_id,
            )
            .await?;
            db::activities::record_transition(
                conn,
                NewTransition {
                    activity_id: id,
                    action: "withdraw",
                    from: ActivityStatus::Submitted,
                    to: ActivityStatus::Draft,
                    actor_id: actor.account_id,
                    organization_id: organizer.id,
                    reason: None,
                },
            )
            .await?;
            audit(
                conn,
                &actor,
                organizer.id,
                "activity.withdraw",
                id,
                json!({}),
            )
            .await?;
            db::activities::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))
        })
        .await?;
    Ok(web::Json(detail(&mut conn, &actor, row, &organizer).await?))
}

/// Approve at the caller's level
///
/// Only the organisation the activity waits for may approve, with `review_activities`. The
/// last approval of the chain publishes the activity.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    request_body(content = ReviewDecision, description = "An optional note"),
    responses(
        (status = 200, description = "Approved at this level (and published if it was the last)", body = Activity),
        (status = 403, description = "Not the organisation it waits for, or permission missing", body = ApiError),
        (status = 409, description = "Not under review", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: crate::error::OptionalJson<ReviewDecision>,
) -> Result<web::Json<Activity>, AppError> {
    let note = body
        .0
        .and_then(|b| b.reason)
        .filter(|r| !r.trim().is_empty());
    decide(state, actor, id.into_inner(), true, note).await
}

/// Reject at the caller's level
///
/// Returns the activity to draft with the reason, which the organiser sees in its history.
/// Only the organisation it waits for, with `review_activities`.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = ReviewDecision,
    responses(
        (status = 200, description = "Back to draft", body = Activity),
        (status = 403, description = "Not the organisation it waits for, or permission missing", body = ApiError),
        (status = 409, description = "Not under review", body = ApiError),
        (status = 422, description = "No reason given", body = ApiError,
            example = json!({"code": "validation_failed", "message": "say why the activity is rejected", "field": "reason"})),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReviewDecision>,
) -> Result<web::Json<Activity>, AppError> {
    let reason = body
        .into_inner()
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let Some(reason) = reason else {
        return Err(ApiError::invalid("reason", "say why the activity is rejected").into());
    };
    if reason.chars().count() > 500 {
        return Err(ApiError::invalid("reason", "at most 500 characters").into());
    }
    decide(state, actor, id.into_inner(), false, Some(reason)).await
}

async fn decide(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    approving: bool,
    reason: Option<String>,
) -> Result<web::Json<Activity>, AppError> {
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    actor.require(Permission::ReviewActivities)?;
    // Only organisations above the organiser (or the organiser's own) ever review it: anyone
    // else is refused whatever state it is in.
    if !actor.is_within(&organizer.path) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "the activity does not wait for your organisation's review",
        ));
    }
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let current = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            if current.status() != ActivityStatus::Submitted {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "the activity is not under review (it is {})",
                        current.status().as_str()
                    ),
                ));
            }
            if current.awaiting() != Some(actor.org.id) {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "the activity does not wait for your organisation's review",
                ));
            }
            let step = current.review_step + 1;
            let (action, to, new_step) = if !approving {
                ("reject", ActivityStatus::Draft, 0)
            } else if step as usize >= current.review_chain.len() {
                ("approve", ActivityStatus::Published, step)
            } else {
                ("approve", ActivityStatus::Submitted, step)
            };
            crate::cache::ACTIVITY_WRITES.bump();
            db::activities::set_state(
                conn,
                id,
                to,
                &current.review_chain,
                new_step,
                current.submitted_at,
                actor.account_id,
            )
            .await?;
            db::activities::record_transition(
                conn,
                NewTransition {
                    activity_id: id,
                    action,
                    from: ActivityStatus::Submitted,
                    to: if approving {
                        ActivityStatus::Submitted
                    } else {
                        ActivityStatus::Draft
                    },
                    actor_id: actor.account_id,
                    organization_id: actor.org.id,
                    reason: reason.as_deref(),
                },
            )
            .await?;
            if to == ActivityStatus::Published {
                db::activities::record_transition(
                    conn,
                    NewTransition {
                        activity_id: id,
                        action: "publish",
                        from: ActivityStatus::Submitted,
                        to: ActivityStatus::Published,
                        actor_id: actor.account_id,
                        organization_id: actor.org.id,
                        reason: None,
                    },
                )
                .await?;
            }
            audit(
                conn,
                &actor,
                organizer.id,
                &format!("activity.{action}"),
                id,
                json!({"to": to.as_str(), "reason": reason}),
            )
            .await?;
            db::activities::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))
        })
        .await?;
    Ok(web::Json(detail(&mut conn, &actor, row, &organizer).await?))
}

/// Cancel an activity
///
/// Calls off a published (or submitted) activity; everyone signed up or waiting is notified in
/// the app. Permission `publish_activities` over the organiser.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = CancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = Activity),
        (status = 409, description = "A draft (delete nothing: edit it) or already cancelled", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<CancelRequest>,
) -> Result<web::Json<Activity>, AppError> {
    let reason = body.into_inner().reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::invalid("reason", "say why, in at most 500 characters").into());
    }
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let current = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            let from = current.status();
            if !matches!(from, ActivityStatus::Published | ActivityStatus::Submitted) {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("a {} activity cannot be cancelled", from.as_str()),
                ));
            }
            crate::cache::ACTIVITY_WRITES.bump();
            db::activities::set_state(
                conn,
                id,
                ActivityStatus::Cancelled,
                &current.review_chain,
                current.review_step,
                current.submitted_at,
                actor.account_id,
            )
            .await?;
            db::activities::record_transition(
                conn,
                NewTransition {
                    activity_id: id,
                    action: "cancel",
                    from,
                    to: ActivityStatus::Cancelled,
                    actor_id: actor.account_id,
                    organization_id: organizer.id,
                    reason: Some(&reason),
                },
            )
            .await?;
            let students = db::registrations::active_students(conn, id).await?;
            let title = format!("活动已取消：{}", current.title);
            db::notifications::notify(
                conn,
                &students,
                "activity_cancelled",
                &title,
                &reason,
                Some(id),
            )
            .await?;
            audit(
                conn,
                &actor,
                organizer.id,
                "activity.cancel",
                id,
                json!({"reason": reason, "notified": students.len()}),
            )
            .await?;
            db::activities::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))
        })
        .await?;
    Ok(web::Json(detail(&mut conn, &actor, row, &organizer).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// My review queue
///
/// What waits for the caller's organisation to review, oldest submission first, with how long
/// each has waited. Permission `review_activities`.
#[utoipa::path(
    tag = "activities",
    params(QueueQuery),
    responses(
        (status = 200, description = "One page of the queue", body = Page<ReviewItem>),
        (status = 403, description = "Permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/reviews")]
pub async fn queue(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<QueueQuery>,
) -> Result<web::Json<Page<ReviewItem>>, AppError> {
    actor.require(Permission::ReviewActivities)?;
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let (rows, total) = db::activities::awaiting(&mut conn, actor.org.id, page).await?;
    let ids: Vec<i64> = rows.iter().map(|(row, _, _)| row.id).collect();
    let counts = db::activities::counts(&mut conn, &ids).await?;
    let now = Utc::now();
    let items = rows
        .into_iter()
        .zip(counts)
        .map(
            |((row, organizer_name, category_name), (_, confirmed, _, _))| {
                let submitted_at = row.submitted_at.unwrap_or(row.updated_at);
                ReviewItem {
                    activity: db::activities::summary(
                        &row,
                        organizer_name,
                        category_name,
                        confirmed,
                        now,
                    ),
                    submitted_at,
                    waiting_seconds: (now - submitted_at).num_seconds().max(0),
                    past_dated: is_past_dated(row.starts_at, submitted_at),
                }
            },
        )
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}
