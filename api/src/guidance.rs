//! Guidance (精准育人): the open activities that close a student's gap to the graduation
//! requirement (or, for a student who meets it, that match their interests), for the student
//! and their advisers, and an adviser's reminder to a student behind.

use actix_web::{HttpResponse, get, post, web};
use chrono::{TimeZone, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    activity::StudentFacts,
    auth::{AccountKind, Permission},
    guidance::{self, Reminder, Student, Suggestions},
    rules::{self, Points},
};
use std::collections::BTreeMap;

use crate::{
    AppState,
    auth::Actor,
    db::{
        self,
        audit::Change,
        points::{self as ledger, StudentInfo, student},
    },
    error::AppError,
};

/// Who may guide a student: whoever may see the students behind the requirement.
const ADVISERS: [Permission; 2] = [Permission::ViewReports, Permission::RecogniseResults];

/// The kind of the notification a reminder sends.
pub const REMINDER_KIND: &str = "guidance_reminder";

/// The student's suggestions under the rules of the current term.
async fn suggestions_for(
    conn: &mut AsyncPgConnection,
    row: &StudentInfo,
) -> Result<Suggestions, AppError> {
    let today = ledger::today();
    let term = ledger::term_on(conn, today).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::Conflict,
            format!("no term contains today ({today}): the school admin adds one"),
        )
    })?;
    let (_, rules) = ledger::rules_for(conn, &term).await?;
    let mut earned: BTreeMap<String, rules::Earned> = BTreeMap::new();
    let mut this_term: BTreeMap<String, Points> = BTreeMap::new();
    for t in ledger::totals_of(conn, row.id).await? {
        let e = earned.entry(t.category.clone()).or_default();
        e.points.0 += t.points;
        e.hours += t.hours;
        if t.term_id == term.id {
            this_term.entry(t.category).or_default().0 += t.points;
        }
    }
    let degree = row.degree();
    let student = Student {
        facts: StudentFacts {
            college_id: row.college_id,
            enrolment_year: row.enrolment_year,
            degree,
        },
        progress: rules::progress(rules.requirements.for_degree(degree), &earned),
        this_term,
        history: db::guidance::history(conn, row.id)
            .await?
            .into_iter()
            .collect(),
        names: db::categories::names(conn).await?.into_iter().collect(),
    };
    let candidates = db::guidance::open_activities(conn, row.id).await?;
    Ok(guidance::rank(
        &rules,
        &student,
        &candidates,
        guidance::LIMIT,
    ))
}

/// My suggested activities
///
/// For the signed-in student: when behind their degree's graduation requirement, the open
/// activities that close the gap — the missing categories first, each with the points and
/// hours a participant is granted under the rules in force, the places left and how much of
/// the gap it closes, by share of the gap closed, then the soonest close of registration; when
/// meeting it, open activities of the categories they took part in most, then the soonest.
/// Activities they signed up to, may not sign up to, or that are full without a waitlist are
/// left out. At most six.
#[utoipa::path(
    tag = "guidance",
    responses(
        (status = 200, description = "The gap and the suggestions, best first", body = Suggestions),
        (status = 403, description = "Not a student", body = ApiError),
        (status = 409, description = "No term contains today", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/suggestions")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Suggestions>, AppError> {
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students have suggestions",
        ));
    }
    let mut conn = state.db.conn().await?;
    let row = student(&mut conn, actor.account_id).await?;
    Ok(web::Json(suggestions_for(&mut conn, &row).await?))
}

/// A student's suggested activities
///
/// As `GET /api/me/suggestions`, for the student themself or an adviser: an organisation over
/// the student's college with `view_reports` or `recognise_results` (who may see the students
/// behind the requirement).
#[utoipa::path(
    tag = "guidance",
    params(("id" = i64, Path, description = "Student account id")),
    responses(
        (status = 200, description = "The gap and the suggestions, best first", body = Suggestions),
        (status = 403, description = "An organisation account without the permission", body = ApiError),
        (status = 404, description = "No such student, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/students/{id}/suggestions")]
pub async fn of_student(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Suggestions>, AppError> {
    actor.require_any(&ADVISERS)?;
    let mut conn = state.db.conn().await?;
    let row = student(&mut conn, *id).await?;
    actor.require_student_or_within(row.id, &row.college_path, &ADVISERS)?;
    Ok(web::Json(suggestions_for(&mut conn, &row).await?))
}

/// Remind a student
///
/// An adviser (an organisation over the student's college with `view_reports` or
/// `recognise_results`) sends the student an in-app notification (kind `guidance_reminder`):
/// a title saying what they miss and a body naming up to three suggested activities. Once a
/// day (Asia/Shanghai) per adviser and student: again the same day is 409 `already_reminded`.
/// Audited as `guidance.remind`.
#[utoipa::path(
    tag = "guidance",
    params(("id" = i64, Path, description = "Student account id")),
    responses(
        (status = 201, description = "The notification sent", body = Reminder),
        (status = 403, description = "A student, or an organisation account without the permission", body = ApiError),
        (status = 404, description = "No such student, or not one the caller may see", body = ApiError),
        (status = 409, description = "Already reminded today by this account (`already_reminded`)", body = ApiError,
            example = json!({"code": "already_reminded", "message": "you already reminded this student today; again tomorrow"})),
    ),
    security(("bearer" = [])),
)]
#[post("/students/{id}/reminders")]
pub async fn remind(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only advisers send reminders",
        ));
    }
    actor.require_any(&ADVISERS)?;
    let mut conn = state.db.conn().await?;
    let row = student(&mut conn, *id).await?;
    actor.require_student_or_within(row.id, &row.college_path, &ADVISERS)?;
    let suggestions = suggestions_for(&mut conn, &row).await?;
    let reminder = guidance::reminder(row.id, &suggestions);
    let midnight = ledger::today()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| chrono_tz::Asia::Shanghai.from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let sent = reminder.clone();
    conn.transaction::<_, AppError, _>(async |conn| {
        if db::guidance::reminded_since(conn, actor.account_id, row.id, midnight).await? {
            return Err(AppError::new(
                ErrorCode::AlreadyReminded,
                "you already reminded this student today; again tomorrow",
            ));
        }
        db::notifications::notify(
            conn,
            &[row.id],
            REMINDER_KIND,
            &sent.title,
            &sent.body,
            sent.activity_ids.first().copied(),
        )
        .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(row.college_id),
                action: "guidance.remind",
                target_type: "student",
                target_id: row.id.to_string(),
                details: json!({
                    "behind": suggestions.behind,
                    "activity_ids": sent.activity_ids,
                }),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(reminder))
}
