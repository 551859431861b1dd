//! Sign-ups (报名): a student signs up with answers to the activity's form; places go first come
//! first served (with a waitlist), by the organiser's review, or by a recorded lottery. Capacity
//! holds under concurrent sign-ups because every change locks the activity row first.

use actix_web::{HttpResponse, delete, get, http::header, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    activity::{
        ActivityStatus, EnrolmentMode, LotteryResult, Phase, RegisterRequest, Registration,
        RegistrationStatus, draw_lottery, validate_answers,
    },
    auth::{AccountKind, Permission},
    integrity::Excuse,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use super::{require_manage, require_student, student_facts, visible};
use crate::{
    AppState,
    auth::Actor,
    db::{self, activities::ActivityRow, audit::Change, organizations::OrgRow},
    error::AppError,
};

async fn one(conn: &mut AsyncPgConnection, id: i64) -> Result<Registration, AppError> {
    let (items, _) =
        db::registrations::list(conn, &db::registrations::Filter::default_for(id), None).await?;
    items
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("registration"))
}

/// Fills a freed place from the waitlist (first come, first served), notifying the student.
async fn promote_next(
    conn: &mut AsyncPgConnection,
    activity: &ActivityRow,
) -> Result<(), AppError> {
    if activity.enrolment_mode() != EnrolmentMode::FirstCome {
        return Ok(());
    }
    let confirmed =
        db::registrations::count(conn, activity.id, RegistrationStatus::Confirmed).await?;
    let free = activity
        .capacity
        .map(|c| i64::from(c) - confirmed)
        .unwrap_or(i64::MAX);
    if free <= 0 {
        return Ok(());
    }
    let waiting =
        db::registrations::in_order(conn, activity.id, RegistrationStatus::Waitlisted).await?;
    for (registration, student) in waiting.into_iter().take(free.min(10_000) as usize) {
        crate::cache::ACTIVITY_WRITES.bump();
        db::registrations::set_status(conn, registration, RegistrationStatus::Confirmed, None)
            .await?;
        let title = format!("候补成功：{}", activity.title);
        db::notifications::notify(
            conn,
            &[student],
            "waitlist_promoted",
            &title,
            "你已从候补转为报名成功。",
            Some(activity.id),
        )
        .await?;
    }
    Ok(())
}

/// Sign up
///
/// For students, while registration is open, if eligible (else 403 `forbidden` saying why), with
/// answers to the activity's form (each checked against its field: 422 naming `answers.<key>`).
/// First come first served confirms while places last, then waitlists; review and lottery modes
/// answer `pending`. Signing up twice is 409; after cancelling, a student may sign up again (at
/// the back of the queue).
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Signed up: confirmed, waitlisted or pending", body = Registration),
        (status = 403, description = "Not a student, or not eligible", body = ApiError,
            example = json!({"code": "forbidden", "message": "not eligible: not open to your year of enrolment", "field": "eligibility"})),
        (status = 409, description = "Already signed up, or registration not open", body = ApiError),
        (status = 422, description = "An answer breaks its field's rule", body = ApiError,
            example = json!({"code": "validation_failed", "message": "choose one of the options", "field": "answers.language"})),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/registrations")]
pub async fn register(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    require_student(&actor)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (row, organizer) = visible(&mut conn, &actor, id).await?;
    let answers = validate_answers(&row.form(), &body.answers)?;
    let facts = student_facts(&mut conn, &actor)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "no student record"))?;
    let reasons = row.eligibility().check(facts);
    if !reasons.is_empty() {
        let why: Vec<&str> = reasons.iter().map(|r| r.message_en()).collect();
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("not eligible: {}", why.join("; ")),
        )
        .with_field("eligibility")
        .into());
    }
    if row.enrolment_mode() == EnrolmentMode::FirstCome {
        let standing = crate::integrity::standings(&mut conn, &[actor.account_id], Utc::now())
            .await?
            .remove(&actor.account_id);
        if let Some(until) = standing.and_then(|s| s.blocked_until) {
            let day = until
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M");
            return Err(AppError::new(
                ErrorCode::SignupBlocked,
                format!(
                    "your no-shows this term refuse first-come sign-up until {day} (诚信记录); \
                     activities with review or a lottery still take your sign-up"
                ),
            ));
        }
    }
    let registration_id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let activity = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            if activity.status() != ActivityStatus::Published
                || activity.phase(Utc::now()) != Some(Phase::RegistrationOpen)
            {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "registration is not open",
                ));
            }
            if let Some(existing) =
                db::registrations::of_student(conn, id, actor.account_id).await?
                && existing.status() != RegistrationStatus::Cancelled
            {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("already signed up ({})", existing.status().as_str()),
                ));
            }
            let status = match activity.enrolment_mode() {
                EnrolmentMode::Review | EnrolmentMode::Lottery => RegistrationStatus::Pending,
                EnrolmentMode::FirstCome => {
                    let confirmed =
                        db::registrations::count(conn, id, RegistrationStatus::Confirmed).await?;
                    let waiting =
                        db::registrations::count(conn, id, RegistrationStatus::Waitlisted).await?;
                    let full = activity.capacity.is_some_and(|c| confirmed >= i64::from(c));
                    // Nobody jumps the waitlist: while anyone waits, newcomers wait too.
                    if full || waiting > 0 {
                        RegistrationStatus::Waitlisted
                    } else {
                        RegistrationStatus::Confirmed
                    }
                }
            };
            crate::cache::ACTIVITY_WRITES.bump();
            let registration =
                db::registrations::upsert(conn, id, actor.account_id, status, &answers).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(organizer.id),
                    action: "registration.create",
                    target_type: "registration",
                    target_id: registration.to_string(),
                    details: json!({"activity_id": id, "status": status.as_str()}),
                },
            )
            .await?;
            Ok(registration)
        })
        .await?;
    let registration = one(&mut conn, registration_id).await?;
    Ok(HttpResponse::Created().json(registration))
}

/// Cancel my sign-up
///
/// Until the activity starts, unless checked in already (409 `already_checked_in`). A
/// cancellation later than the activity's cut-off (`cancel_cutoff_hours` before the start) is
/// kept on the student's no-show record (诚信记录) as a late cancellation. A freed place goes
/// to the first on the waitlist, in the same transaction.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "Cancelled", body = Registration),
        (status = 404, description = "Not signed up", body = ApiError),
        (status = 409, description = "The activity has started, checked in already (`already_checked_in`), or nothing to cancel", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/activities/{id}/registrations/mine")]
pub async fn cancel_mine(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Registration>, AppError> {
    require_student(&actor)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    let registration_id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let activity = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            let own = db::registrations::of_student(conn, id, actor.account_id)
                .await?
                .ok_or_else(|| AppError::not_found("registration"))?;
            if db::integrity::checked_in(conn, id, actor.account_id).await? {
                return Err(AppError::new(
                    ErrorCode::AlreadyCheckedIn,
                    "you have checked in: a sign-up cannot be cancelled after that",
                ));
            }
            let now = Utc::now();
            if now >= activity.starts_at {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the activity has started; ask the organiser",
                ));
            }
            if !matches!(
                own.status(),
                RegistrationStatus::Pending
                    | RegistrationStatus::Confirmed
                    | RegistrationStatus::Waitlisted
            ) {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("nothing to cancel ({})", own.status().as_str()),
                ));
            }
            crate::cache::ACTIVITY_WRITES.bump();
            db::registrations::set_status(
                conn,
                own.id,
                RegistrationStatus::Cancelled,
                Some(actor.account_id),
            )
            .await?;
            db::integrity::mark_cancelled(conn, own.id).await?;
            let late = own.status() == RegistrationStatus::Confirmed
                && shared::integrity::is_late_cancel(
                    now,
                    activity.starts_at,
                    activity.cancel_cutoff_hours.max(0) as u32,
                );
            if own.status() == RegistrationStatus::Confirmed {
                promote_next(conn, &activity).await?;
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(organizer.id),
                    action: "registration.cancel",
                    target_type: "registration",
                    target_id: own.id.to_string(),
                    details: json!({"activity_id": id, "was": own.status().as_str(), "late": late}),
                },
            )
            .await?;
            Ok(own.id)
        })
        .await?;
    Ok(web::Json(one(&mut conn, registration_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub status: Option<RegistrationStatus>,
    /// Student number or name containing this.
    pub q: Option<String>,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// My sign-ups
///
/// The student's activities with the state of each sign-up, newest first.
#[utoipa::path(
    tag = "registrations",
    params(RegistrationQuery),
    responses((status = 200, description = "One page of sign-ups", body = Page<Registration>)),
    security(("bearer" = [])),
)]
#[get("/me/registrations")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<RegistrationQuery>,
) -> Result<web::Json<Page<Registration>>, AppError> {
    require_student(&actor)?;
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let filter = db::registrations::Filter {
        student_id: Some(actor.account_id),
        status: query.status,
        ..Default::default()
    };
    let mut conn = state.db.conn().await?;
    let (mut items, total) = db::registrations::list(&mut conn, &filter, Some(page)).await?;
    crate::integrity::annotate_excuses(&mut conn, &mut items).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// The organiser may see and decide sign-ups.
fn require_registrations(actor: &Actor, organizer: &OrgRow) -> Result<(), AppError> {
    require_manage(actor, organizer, Permission::PublishActivities)
        .or_else(|_| require_manage(actor, organizer, Permission::RecordAttendance))
}

/// An activity's sign-ups
///
/// In sign-up order with the students' answers. Permission `publish_activities` or
/// `record_attendance` over the organiser.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id"), RegistrationQuery),
    responses(
        (status = 200, description = "One page of sign-ups", body = Page<Registration>),
        (status = 403, description = "Not the organiser's subtree, or permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/registrations")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<RegistrationQuery>,
) -> Result<web::Json<Page<Registration>>, AppError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let (row, organizer) = visible(&mut conn, &actor, *id).await?;
    require_registrations(&actor, &organizer)?;
    let filter = db::registrations::Filter {
        activity_id: Some(row.id),
        status: query.status,
        search: query.q,
        ..Default::default()
    };
    let (mut items, total) = db::registrations::list(&mut conn, &filter, Some(page)).await?;
    crate::integrity::annotate(&mut conn, &mut items).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// Approve a sign-up (review mode)
///
/// Confirms a pending sign-up while places last (409 when full). Permission
/// `publish_activities` over the organiser.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Registration id")),
    responses(
        (status = 200, description = "Confirmed", body = Registration),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such sign-up, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not pending, or no place left", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/registrations/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Registration>, AppError> {
    decide(state, actor, id.into_inner(), true).await
}

/// Reject a sign-up (review mode)
///
/// Permission `publish_activities` over the organiser.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Registration id")),
    responses(
        (status = 200, description = "Rejected", body = Registration),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such sign-up, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not pending", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/registrations/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Registration>, AppError> {
    decide(state, actor, id.into_inner(), false).await
}

/// Excuse a registered student's absence (准假)
///
/// An absence the organiser approved is never a no-show (诚信记录); the reason is shown to the
/// student. Allowed until the activity's results are recognised. Permission
/// `publish_activities` or `record_attendance` over the organiser. Recorded in the audit log.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Registration id")),
    request_body = Excuse,
    responses(
        (status = 200, description = "Excused", body = Registration),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such sign-up, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not a confirmed sign-up, or the results are recognised", body = ApiError),
        (status = 422, description = "No reason, or a reason too long", body = ApiError,
            example = json!({"code": "validation_failed", "message": "1 to 200 characters", "field": "reason"})),
    ),
    security(("bearer" = [])),
)]
#[post("/registrations/{id}/excuse")]
pub async fn excuse(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<Excuse>,
) -> Result<web::Json<Registration>, AppError> {
    let body = body.into_inner();
    body.validate()?;
    set_excuse(state, actor, id.into_inner(), Some(body)).await
}

/// Withdraw an excuse
///
/// The absence counts again (if the student did not check in). Same permission as excusing.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Registration id")),
    responses(
        (status = 200, description = "Withdrawn", body = Registration),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such sign-up, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not excused, or the results are recognised", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/registrations/{id}/excuse")]
pub async fn unexcuse(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Registration>, AppError> {
    set_excuse(state, actor, id.into_inner(), None).await
}

async fn set_excuse(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    given: Option<Excuse>,
) -> Result<web::Json<Registration>, AppError> {
    let mut conn = state.db.conn().await?;
    let activity_id = {
        let (items, _) =
            db::registrations::list(&mut conn, &db::registrations::Filter::default_for(id), None)
                .await?;
        items
            .first()
            .map(|r| r.activity_id)
            .ok_or_else(|| AppError::not_found("registration"))?
    };
    let (_, organizer) = visible(&mut conn, &actor, activity_id)
        .await
        .map_err(|_| AppError::not_found("registration"))?;
    if !actor.is_within(&organizer.path) {
        return Err(AppError::not_found("registration"));
    }
    require_registrations(&actor, &organizer)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if db::activities::lock_recognised_at(conn, activity_id)
            .await?
            .is_some()
        {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the results are recognised: the record is final",
            ));
        }
        let own = db::registrations::get_for_update(conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("registration"))?;
        if own.status() != RegistrationStatus::Confirmed {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "only a confirmed sign-up is excused ({})",
                    own.status().as_str()
                ),
            ));
        }
        let had = db::integrity::excuses(conn, &[id]).await?.remove(&id);
        if given.is_none() && had.is_none() {
            return Err(AppError::new(ErrorCode::Conflict, "not excused"));
        }
        db::integrity::set_excuse(conn, id, given.as_ref(), actor.account_id).await?;
        crate::cache::ACTIVITY_WRITES.bump();
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer.id),
                action: if given.is_some() {
                    "registration.excuse"
                } else {
                    "registration.unexcuse"
                },
                target_type: "registration",
                target_id: id.to_string(),
                details: json!({
                    "activity_id": activity_id,
                    "reason": given.as_ref().map(|e| e.reason.trim()),
                    "was": had,
                }),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let mut items = vec![one(&mut conn, id).await?];
    crate::integrity::annotate(&mut conn, &mut items).await?;
    Ok(web::Json(items.remove(0)))
}

async fn decide(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    approving: bool,
) -> Result<web::Json<Registration>, AppError> {
    let mut conn = state.db.conn().await?;
    let (activity_id, student_id) = {
        let (items, _) =
            db::registrations::list(&mut conn, &db::registrations::Filter::default_for(id), None)
                .await?;
        items
            .first()
            .map(|r| (r.activity_id, r.student_id))
            .ok_or_else(|| AppError::not_found("registration"))?
    };
    let (_, organizer) = visible(&mut conn, &actor, activity_id)
        .await
        .map_err(|_| AppError::not_found("registration"))?;
    // A sign-up is seen by its student and the organiser's subtree; to anyone else it is not
    // there, exactly as an id that is no sign-up.
    let own = actor.kind == AccountKind::Student && actor.account_id == student_id;
    if !own && !actor.is_within(&organizer.path) {
        return Err(AppError::not_found("registration"));
    }
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let activity = db::activities::get_for_update(conn, activity_id)
            .await?
            .ok_or_else(|| AppError::not_found("activity"))?;
        let registration = db::registrations::get_for_update(conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("registration"))?;
        if registration.status() != RegistrationStatus::Pending {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "the sign-up is not pending ({})",
                    registration.status().as_str()
                ),
            ));
        }
        let status = if approving {
            let confirmed =
                db::registrations::count(conn, activity_id, RegistrationStatus::Confirmed).await?;
            if activity.capacity.is_some_and(|c| confirmed >= i64::from(c)) {
                return Err(AppError::new(ErrorCode::Conflict, "no place left"));
            }
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Rejected
        };
        crate::cache::ACTIVITY_WRITES.bump();
        db::registrations::set_status(conn, id, status, Some(actor.account_id)).await?;
        let title = format!("{}：{}", status.label_zh(), activity.title);
        db::notifications::notify(
            conn,
            &[registration.student_id],
            "registration_decided",
            &title,
            "",
            Some(activity_id),
        )
        .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer.id),
                action: if approving {
                    "registration.approve"
                } else {
                    "registration.reject"
                },
                target_type: "registration",
                target_id: id.to_string(),
                details: json!({"activity_id": activity_id}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(one(&mut conn, id).await?))
}

/// Draw the lottery
///
/// Once registration has closed: picks as many pending applicants as there are places, from a
/// fresh seed that is recorded on the activity (so the draw can be re-run and checked by anyone
/// with the applicants in sign-up order). The rest are `not_selected`; everyone is notified.
/// Permission `publish_activities` over the organiser.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The draw", body = LotteryResult),
        (status = 409, description = "Not a lottery, registration still open, or already drawn", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/lottery")]
pub async fn lottery(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<LotteryResult>, AppError> {
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    let result = conn
        .transaction::<_, AppError, _>(async |conn| {
            let activity = db::activities::get_for_update(conn, id).await?.ok_or_else(|| AppError::not_found("activity"))?;
            if activity.enrolment_mode() != EnrolmentMode::Lottery {
                return Err(AppError::new(ErrorCode::Conflict, "this activity does not use a lottery"));
            }
            if activity.status() != ActivityStatus::Published || Utc::now() < activity.registration_closes_at {
                return Err(AppError::new(ErrorCode::Conflict, "draw after registration closes"));
            }
            if activity.lottery_seed.is_some() {
                return Err(AppError::new(ErrorCode::Conflict, "the lottery has been drawn"));
            }
            let applicants = db::registrations::in_order(conn, id, RegistrationStatus::Pending).await?;
            let ids: Vec<i64> = applicants.iter().map(|(r, _)| *r).collect();
            let seed = crate::auth::secret::hex(128);
            let places = activity.capacity.map(|c| c as usize).unwrap_or(ids.len());
            // The school's policy may draw students over the no-show threshold after the rest.
            let students: Vec<i64> = applicants.iter().map(|(_, s)| *s).collect();
            let standings = crate::integrity::standings(conn, &students, Utc::now()).await?;
            let (last, first): (Vec<_>, Vec<_>) = applicants
                .iter()
                .partition(|(_, s)| standings.get(s).is_some_and(|st| st.lottery_last));
            let first: Vec<i64> = first.iter().map(|(r, _)| *r).collect();
            let last: Vec<i64> = last.iter().map(|(r, _)| *r).collect();
            let mut selected = draw_lottery(&seed, &first, places);
            let left = places.saturating_sub(selected.len());
            selected.extend(draw_lottery(&seed, &last, left));
            for (registration, student) in &applicants {
                let won = selected.contains(registration);
                let status = if won { RegistrationStatus::Confirmed } else { RegistrationStatus::NotSelected };
                crate::cache::ACTIVITY_WRITES.bump();
                db::registrations::set_status(conn, *registration, status, Some(actor.account_id)).await?;
                let title = format!("{}：{}", if won { "中签" } else { "未中签" }, activity.title);
                db::notifications::notify(conn, &[*student], "lottery_drawn", &title, "", Some(id)).await?;
            }
            crate::cache::ACTIVITY_WRITES.bump();
            db::activities::set_lottery(conn, id, &seed).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(organizer.id),
                    action: "activity.lottery",
                    target_type: "activity",
                    target_id: id.to_string(),
                    details: json!({"seed": seed, "applicants": ids.len(), "selected": selected.len(), "drawn_last": last.len()}),
                },
            )
            .await?;
            Ok(LotteryResult { seed, applicants: ids.len() as u32, selected: selected.len() as u32 })
        })
        .await?;
    Ok(web::Json(result))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv`.
    #[param(pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
}

/// Export the sign-ups
///
/// Every sign-up with the student's details and one column per form question, as an Excel
/// workbook or UTF-8 CSV (with a byte-order mark so Excel reads the Chinese). Permission
/// `publish_activities` or `record_attendance` over the organiser.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id"), ExportQuery),
    responses(
        (status = 200, description = "The workbook (or CSV with `format=csv`)",
            content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv"))),
        (status = 403, description = "Permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/registrations/export")]
pub async fn export(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, organizer) = visible(&mut conn, &actor, *id).await?;
    require_registrations(&actor, &organizer)?;
    let filter = db::registrations::Filter {
        activity_id: Some(row.id),
        ..Default::default()
    };
    let (items, _) = db::registrations::list(&mut conn, &filter, None).await?;
    let form = row.form();
    let mut header: Vec<String> = ["学号", "姓名", "学院", "班级", "状态", "报名时间"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(form.iter().map(|f| f.label.clone()));
    let tz = chrono_tz::Asia::Shanghai;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|r| {
            let mut cells = vec![
                r.student_no.clone(),
                r.student_name.clone(),
                r.college_name.clone(),
                r.class_name.clone(),
                r.status.label_zh().to_owned(),
                r.registered_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ];
            cells.extend(form.iter().map(|f| {
                match r.answers.get(&f.key) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Array(items)) => items
                        .iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                    Some(other) => other.to_string(),
                    None => String::new(),
                }
            }));
            cells
        })
        .collect();
    let name = format!("registrations-{}", row.id);
    match query.format.as_deref().unwrap_or("xlsx") {
        "csv" => {
            let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
            for record in std::iter::once(&header).chain(rows.iter()) {
                writer
                    .write_record(
                        record
                            .iter()
                            .map(|cell| crate::imports::sheet::csv_cell(cell).into_owned()),
                    )
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ))
                .body(bytes))
        }
        "xlsx" => {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, title) in header.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, title, &bold)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            for (r, cells) in rows.iter().enumerate() {
                for (c, value) in cells.iter().enumerate() {
                    sheet
                        .write_string(r as u32 + 1, c as u16, value)
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                }
            }
            let bytes = workbook
                .save_to_buffer()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(HttpResponse::Ok()
                .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.xlsx\""),
                ))
                .body(bytes))
        }
        other => Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("unknown format `{other}`: use xlsx or csv"),
        )
        .with_field("format")
        .into()),
    }
}
