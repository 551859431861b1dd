//! Back-fill (补录) past the make-up window: the organiser asks with a reason and evidence; the
//! organisation above decides; an approved request becomes an attendance record marked
//! `backfill`.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    activity::ReviewDecision,
    attendance::{AttendanceMethod, AttendanceRequest, NewAttendanceRequest},
    auth::Permission,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use super::managed;
use crate::{
    AppState,
    auth::Actor,
    db::{self, attendance_requests::Filter, audit::Change},
    error::AppError,
};

/// Ask to back-fill a check-in
///
/// For an activity that has ended, past the make-up window: with a reason and evidence, decided
/// by the organisation above the organiser (the school decides for itself). Permission
/// `record_attendance`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = NewAttendanceRequest,
    responses(
        (status = 201, description = "Filed", body = AttendanceRequest),
        (status = 404, description = "No such student", body = ApiError),
        (status = 409, description = "The activity has not ended, the student is checked in, or a request is pending", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/attendance-requests")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NewAttendanceRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (row, organizer) = managed(&mut conn, &actor, id, Permission::RecordAttendance).await?;
    if Utc::now() < row.ends_at {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the activity has not ended: record attendance directly",
        ));
    }
    let (student, _) = db::attendance::student_by_number(&mut conn, &request.student_no)
        .await?
        .ok_or_else(|| {
            AppError::from(
                ApiError::new(ErrorCode::NotFound, "no such student").with_field("student_no"),
            )
        })?;
    let approver = organizer.parent_id.unwrap_or(organizer.id);
    let request_id = conn
        .transaction::<_, AppError, _>(async |conn| {
            if db::attendance_requests::is_checked_in(conn, id, student).await? {
                return Err(AppError::new(ErrorCode::AlreadyCheckedIn, "the student is already checked in"));
            }
            let request_id = db::attendance_requests::insert(
                conn,
                &db::attendance_requests::NewRequest {
                    activity_id: id,
                    student_id: student,
                    reason: request.reason.trim(),
                    evidence: request.evidence.as_deref().map(str::trim),
                    approver_org_id: approver,
                    requested_by: actor.account_id,
                },
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(organizer.id),
                    action: "attendance.request",
                    target_type: "attendance_request",
                    target_id: request_id.to_string(),
                    details: json!({"activity_id": id, "student_no": request.student_no, "approver_org_id": approver}),
                },
            )
            .await?;
            Ok(request_id)
        })
        .await?;
    let page = PageRequest::try_from(PageParams {
        page: Some(1),
        per_page: Some(1),
    })?;
    let (mut items, _) =
        db::attendance_requests::list(&mut conn, Filter::Id(request_id), page).await?;
    let item = items
        .pop()
        .ok_or_else(|| AppError::Internal("request vanished".into()))?;
    Ok(HttpResponse::Created().json(item))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `incoming` (default): what waits for the caller's organisation to decide (needs
    /// `review_activities`). `outgoing`: what the caller's subtree asked.
    #[param(pattern = "^(incoming|outgoing)$")]
    pub scope: Option<String>,
    /// Only pending ones.
    #[serde(default)]
    pub pending: bool,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// Back-fill requests
///
/// What waits for the caller's organisation to decide (`scope=incoming`), or what its subtree
/// has asked (`scope=outgoing`), newest first.
#[utoipa::path(
    tag = "attendance",
    params(RequestQuery),
    responses((status = 200, description = "One page, newest first", body = Page<AttendanceRequest>), (status = 403, description = "Permission missing", body = ApiError)),
    security(("bearer" = [])),
)]
#[get("/attendance-requests")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<RequestQuery>,
) -> Result<web::Json<Page<AttendanceRequest>>, AppError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let pending = query.pending;
    let mut conn = state.db.conn().await?;
    let (items, total) = match query.scope.as_deref().unwrap_or("incoming") {
        "incoming" => {
            actor.require(Permission::ReviewActivities)?;
            let filter = Filter::Approver {
                org: actor.org.id,
                pending,
            };
            db::attendance_requests::list(&mut conn, filter, page).await?
        }
        "outgoing" => {
            actor.require(Permission::RecordAttendance)?;
            let filter = Filter::AskedWithin {
                org: actor.org.id,
                pending,
            };
            db::attendance_requests::list(&mut conn, filter, page).await?
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
    Ok(web::Json(Page::new(items, page, total)))
}

/// Approve a back-fill
///
/// Only the organisation the request waits for, with `review_activities`. The student's
/// attendance is recorded, marked `backfill`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Request id")),
    request_body(content = ReviewDecision, description = "An optional note"),
    responses(
        (status = 200, description = "Approved", body = AttendanceRequest),
        (status = 403, description = "Not the deciding organisation", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Already decided", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/attendance-requests/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: crate::error::OptionalJson<ReviewDecision>,
) -> Result<web::Json<AttendanceRequest>, AppError> {
    decide(
        state,
        actor,
        id.into_inner(),
        true,
        body.0.and_then(|b| b.reason),
    )
    .await
}

/// Reject a back-fill
///
/// With a reason the organiser sees. Only the organisation the request waits for, with
/// `review_activities`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Request id")),
    request_body = ReviewDecision,
    responses(
        (status = 200, description = "Rejected", body = AttendanceRequest),
        (status = 403, description = "Not the deciding organisation", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Already decided", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/attendance-requests/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReviewDecision>,
) -> Result<web::Json<AttendanceRequest>, AppError> {
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

/// The caller may decide a request waiting for `approver` about an activity of `organizer`:
/// it is the approver. A request is seen by the organiser's subtree and the approver's; to
/// anyone else it is not there (404), and those who see it but are not the approver may not
/// decide (403). Back-fill and recognition requests alike.
pub async fn require_decider(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Actor,
    approver: i64,
    organizer: i64,
) -> Result<(), AppError> {
    if approver == actor.org.id {
        return Ok(());
    }
    let mut sees = false;
    for org in [approver, organizer] {
        if let Some(org) = db::organizations::get(conn, org).await? {
            sees |= actor.is_within(&org.path);
        }
    }
    Err(if sees {
        AppError::new(
            ErrorCode::Forbidden,
            "this request waits for another organisation",
        )
    } else {
        AppError::not_found("request")
    })
}

async fn decide(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    approving: bool,
    note: Option<String>,
) -> Result<web::Json<AttendanceRequest>, AppError> {
    actor.require(Permission::ReviewActivities)?;
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid("reason", "at most 500 characters").into());
    }
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let db::attendance_requests::Locked {
            activity_id,
            student_id: student,
            approver_org_id: approver,
            status,
            organizer_id,
            requested_by,
        } = db::attendance_requests::lock(conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("request"))?;
        require_decider(conn, &actor, approver, organizer_id).await?;
        if status != "pending" {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("the request is already {status}"),
            ));
        }
        let outcome = if approving { "approved" } else { "rejected" };
        db::attendance_requests::decide(conn, id, outcome, actor.account_id, note.as_deref())
            .await?;
        if approving {
            let registered = db::attendance::is_registered(conn, activity_id, student).await?;
            let reason = format!("back-fill request #{id}");
            let new = db::attendance::NewAttendance {
                activity_id,
                student_id: student,
                checked_in_at: Utc::now(),
                method: AttendanceMethod::Backfill.as_str(),
                device_id: None,
                client_ip: None,
                user_agent: None,
                code_lag_ms: None,
                distance_m: None,
                registered,
                recorded_by: Some(actor.account_id),
                reason: Some(&reason),
            };
            db::attendance::check_in(conn, &new).await?;
            // After the results were finalised, the back-fill is a recognition of its own:
            // the student gets a result and the points at once.
            if db::activities::recognised_at(conn, activity_id)
                .await?
                .is_some()
            {
                db::results::backfill(conn, activity_id, student, requested_by).await?;
                crate::cache::STANDINGS_WRITES.bump();
                db::points::recognise_student(conn, activity_id, student, actor.account_id).await?;
            }
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer_id),
                action: if approving {
                    "attendance.request_approve"
                } else {
                    "attendance.request_reject"
                },
                target_type: "attendance_request",
                target_id: id.to_string(),
                details: json!({"activity_id": activity_id, "note": note}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let page = PageRequest::try_from(PageParams {
        page: Some(1),
        per_page: Some(1),
    })?;
    let (mut items, _) = db::attendance_requests::list(&mut conn, Filter::Id(id), page).await?;
    Ok(web::Json(
        items.pop().ok_or_else(|| AppError::not_found("request"))?,
    ))
}
