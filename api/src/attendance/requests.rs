//! Back-fill (补录) past the make-up window: the organiser asks with a reason and evidence; the
//! organisation above decides; an approved request becomes an attendance record marked
//! `backfill`.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    activity::ReviewDecision,
    attendance::{AttendanceMethod, AttendanceRequest, NewAttendanceRequest, RequestStatus},
    auth::Permission,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use super::managed;
use crate::{
    AppState,
    auth::Actor,
    db::{
        self,
        audit::Change,
        schema::{accounts, activities, attendance_requests, organizations},
    },
    error::AppError,
};

type Row = (
    (
        i64,
        i64,
        String,
        String,
        Option<String>,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
    ),
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

async fn load(
    conn: &mut AsyncPgConnection,
    filter: impl Fn(
        attendance_requests::BoxedQuery<'static, diesel::pg::Pg>,
    ) -> attendance_requests::BoxedQuery<'static, diesel::pg::Pg>,
    page: PageRequest,
) -> QueryResult<(Vec<AttendanceRequest>, u64)> {
    let (student, requester, decider) = diesel::alias!(
        accounts as student,
        accounts as requester,
        accounts as decider
    );
    let ids: Vec<i64> = filter(attendance_requests::table.into_boxed())
        .order((
            attendance_requests::requested_at.desc(),
            attendance_requests::id.desc(),
        ))
        .select(attendance_requests::id)
        .load(conn)
        .await?;
    let total = ids.len() as u64;
    let page_ids: Vec<i64> = ids
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    let rows: Vec<Row> = attendance_requests::table
        .inner_join(activities::table)
        .inner_join(
            organizations::table.on(organizations::id.eq(attendance_requests::approver_org_id)),
        )
        .inner_join(
            student.on(student
                .field(accounts::id)
                .eq(attendance_requests::student_id)),
        )
        .inner_join(
            requester.on(requester
                .field(accounts::id)
                .eq(attendance_requests::requested_by)),
        )
        .left_join(
            decider.on(decider
                .field(accounts::id)
                .nullable()
                .eq(attendance_requests::decided_by)),
        )
        .filter(attendance_requests::id.eq_any(&page_ids))
        .order((
            attendance_requests::requested_at.desc(),
            attendance_requests::id.desc(),
        ))
        .select((
            (
                attendance_requests::id,
                attendance_requests::activity_id,
                attendance_requests::reason,
                attendance_requests::status,
                attendance_requests::evidence,
                activities::title,
                attendance_requests::requested_at,
                attendance_requests::decided_at,
                attendance_requests::decision_note,
            ),
            student.field(accounts::username),
            student.field(accounts::display_name),
            organizations::name,
            requester.field(accounts::display_name),
            activities::category,
            decider.field(accounts::display_name).nullable(),
        ))
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(
            |(
                (
                    id,
                    activity_id,
                    reason,
                    status,
                    evidence,
                    activity_title,
                    requested_at,
                    decided_at,
                    decision_note,
                ),
                student_no,
                student_name,
                approver,
                requested_by,
                _,
                decided_by,
            )| {
                AttendanceRequest {
                    id,
                    activity_id,
                    activity_title,
                    student_no,
                    student_name,
                    reason,
                    evidence,
                    status: match status.as_str() {
                        "approved" => RequestStatus::Approved,
                        "rejected" => RequestStatus::Rejected,
                        _ => RequestStatus::Pending,
                    },
                    approver_organization: approver,
                    requested_by,
                    requested_at,
                    decided_by,
                    decided_at,
                    decision_note,
                }
            },
        )
        .collect();
    Ok((items, total))
}

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
            let exists: bool = diesel::select(diesel::dsl::exists(
                db::schema::attendance::table
                    .filter(db::schema::attendance::activity_id.eq(id))
                    .filter(db::schema::attendance::student_id.eq(student)),
            ))
            .get_result(conn)
            .await?;
            if exists {
                return Err(AppError::new(ErrorCode::AlreadyCheckedIn, "the student is already checked in"));
            }
            let request_id: i64 = diesel::insert_into(attendance_requests::table)
                .values((
                    attendance_requests::activity_id.eq(id),
                    attendance_requests::student_id.eq(student),
                    attendance_requests::reason.eq(request.reason.trim()),
                    attendance_requests::evidence.eq(request.evidence.as_deref().map(str::trim)),
                    attendance_requests::approver_org_id.eq(approver),
                    attendance_requests::requested_by.eq(actor.account_id),
                ))
                .returning(attendance_requests::id)
                .get_result(conn)
                .await
                .map_err(|e| match e {
                    diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                        AppError::new(ErrorCode::Conflict, "a request for this student is already pending")
                    }
                    other => other.into(),
                })?;
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
    let (mut items, _) = load(
        &mut conn,
        |q| q.filter(attendance_requests::id.eq(request_id)),
        page,
    )
    .await?;
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
            let org = actor.org.id;
            load(
                &mut conn,
                |q| {
                    let q = q.filter(attendance_requests::approver_org_id.eq(org));
                    if pending {
                        q.filter(attendance_requests::status.eq("pending"))
                    } else {
                        q
                    }
                },
                page,
            )
            .await?
        }
        "outgoing" => {
            actor.require(Permission::RecordAttendance)?;
            let subtree: Vec<i64> = organizations::table
                .filter(organizations::path.contains(vec![actor.org.id]))
                .select(organizations::id)
                .load(&mut conn)
                .await?;
            let mine: Vec<i64> = activities::table
                .filter(activities::organizer_id.eq_any(&subtree))
                .select(activities::id)
                .load(&mut conn)
                .await?;
            load(
                &mut conn,
                |q| {
                    let q = q.filter(attendance_requests::activity_id.eq_any(mine.clone()));
                    if pending {
                        q.filter(attendance_requests::status.eq("pending"))
                    } else {
                        q
                    }
                },
                page,
            )
            .await?
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
        (status = 409, description = "Already decided", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/attendance-requests/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<ReviewDecision>>,
) -> Result<web::Json<AttendanceRequest>, AppError> {
    decide(
        state,
        actor,
        id.into_inner(),
        true,
        body.and_then(|b| b.into_inner().reason),
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
        let found: Option<(i64, i64, i64, String, i64, i64)> = attendance_requests::table
            .inner_join(activities::table)
            .filter(attendance_requests::id.eq(id))
            .select((
                attendance_requests::activity_id,
                attendance_requests::student_id,
                attendance_requests::approver_org_id,
                attendance_requests::status,
                activities::organizer_id,
                attendance_requests::requested_by,
            ))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let (activity_id, student, approver, status, organizer_id, requested_by) =
            found.ok_or_else(|| AppError::not_found("request"))?;
        if approver != actor.org.id {
            // Others' requests do not exist for the caller unless it sits above the approver.
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "this request waits for another organisation",
            ));
        }
        if status != "pending" {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("the request is already {status}"),
            ));
        }
        let outcome = if approving { "approved" } else { "rejected" };
        diesel::update(attendance_requests::table.find(id))
            .set((
                attendance_requests::status.eq(outcome),
                attendance_requests::decided_by.eq(actor.account_id),
                attendance_requests::decided_at.eq(diesel::dsl::now),
                attendance_requests::decision_note.eq(note.as_deref()),
            ))
            .execute(conn)
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
            let finalised: Option<chrono::DateTime<Utc>> = activities::table
                .find(activity_id)
                .select(activities::recognized_at)
                .first(conn)
                .await?;
            if finalised.is_some() {
                db::prepared::sql(
                    "INSERT INTO results (activity_id, student_id, attended, backfilled, recognized_by)
                     VALUES ($1, $2, true, true, $3)
                     ON CONFLICT (activity_id, student_id) DO UPDATE
                     SET attended = true, backfilled = true, recognized_by = excluded.recognized_by,
                         recognized_at = now()",
                )
                .bind::<diesel::sql_types::BigInt, _>(activity_id)
                .bind::<diesel::sql_types::BigInt, _>(student)
                .bind::<diesel::sql_types::BigInt, _>(requested_by)
                .execute(conn)
                .await?;
                crate::cache::STANDINGS_WRITES.bump();
                db::points::recognise_student(conn, activity_id, student, actor.account_id)
                    .await?;
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
    let (mut items, _) = load(
        &mut conn,
        |q| q.filter(attendance_requests::id.eq(id)),
        page,
    )
    .await?;
    Ok(web::Json(
        items.pop().ok_or_else(|| AppError::not_found("request"))?,
    ))
}
