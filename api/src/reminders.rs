//! Reminders (站内通知 on a schedule): an activity starting within the hour, registration of a
//! watched activity closing within a day, and — once a term, on its mid-term day — the students
//! behind the requirement. A job runs [`run`] every minute in every process; each reminder is
//! sent once per account and subject (`notifications_once`), and the mid-term sweep is claimed
//! by one process (`reminder_sweeps`), so any number of processes send each exactly once.
//!
//! Also `PUT/DELETE/GET /api/activities/{id}/watch`: a student watches an activity (关注).

use std::time::Duration;

use actix_web::{HttpResponse, delete, get, put, web};
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use shared::rules::Points;
use utoipa::ToSchema;

use crate::{
    AppState,
    activities::{require_student, visible},
    auth::Actor,
    db,
    error::AppError,
};

/// How often the job looks.
const EVERY: Duration = Duration::from_secs(60);

/// How long before the start the registered are told.
pub const STARTING_WITHIN_MINUTES: i64 = 60;

/// How long before registration closes the watchers are told.
pub const CLOSING_WITHIN_HOURS: i64 = 24;

/// How many reminders one run sent, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub starting: usize,
    pub closing: usize,
    pub behind: usize,
}

/// Sends whatever is due at `now`.
pub async fn run(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> Result<Sent, AppError> {
    let mut sent = Sent::default();
    let local = |t: DateTime<Utc>| t.with_timezone(&Shanghai).format("%m-%d %H:%M").to_string();
    for due in db::reminders::starting(
        conn,
        now,
        chrono::Duration::minutes(STARTING_WITHIN_MINUTES),
    )
    .await?
    {
        sent.starting += db::notifications::notify_once(
            conn,
            &due.students,
            "activity_starting",
            &due.activity_id.to_string(),
            &format!("即将开始：{}", due.title),
            &format!(
                "{} 开始，地点：{}。记得到场签到。",
                local(due.at),
                due.place
            ),
            Some(due.activity_id),
        )
        .await?;
    }
    for due in
        db::reminders::closing(conn, now, chrono::Duration::hours(CLOSING_WITHIN_HOURS)).await?
    {
        sent.closing += db::notifications::notify_once(
            conn,
            &due.students,
            "registration_closing",
            &due.activity_id.to_string(),
            &format!("报名即将截止：{}", due.title),
            &format!("你关注的活动报名于 {} 截止。", local(due.at)),
            Some(due.activity_id),
        )
        .await?;
    }
    let today = now.with_timezone(&Shanghai).date_naive();
    if let Some((code, name)) = db::reminders::at_midterm(conn, today).await? {
        sent.behind = midterm(conn, &code, &name).await?;
    }
    Ok(sent)
}

/// Tells every student behind the requirement, once for the term.
async fn midterm(conn: &mut AsyncPgConnection, code: &str, name: &str) -> Result<usize, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        if !db::reminders::claim(conn, &format!("midterm:{code}")).await? {
            return Ok(0);
        }
        let Some(root) = db::organizations::root(conn).await? else {
            return Ok(0);
        };
        let behind = crate::points::behind_under(conn, root.id, None).await?;
        let names = db::categories::names(conn).await?;
        let mut sent = 0;
        for student in behind {
            let missing: Vec<String> = student
                .missing
                .iter()
                .map(|m| {
                    let name = match names.get(&m.category) {
                        Some(name) => name.as_str(),
                        None if m.category == "total" => "总积分",
                        None => m.category.as_str(),
                    };
                    if m.earned < m.required {
                        format!("{name} {} 分", Points(m.required.0 - m.earned.0))
                    } else {
                        format!("{name} {:.1} 小时", m.required_hours - m.earned_hours)
                    }
                })
                .collect();
            sent += db::notifications::notify_once(
                conn,
                &[student.student_id],
                "behind_midterm",
                code,
                &format!("{name}已过半：你的第二课堂积分尚未达标"),
                &format!(
                    "还差：{}。打开“我的积分”看看能补齐差距的活动。",
                    missing.join("；")
                ),
                None,
            )
            .await?;
        }
        tracing::info!(term = code, sent, "mid-term reminders sent");
        Ok(sent)
    })
    .await
}

/// Runs [`run`] now and every minute for as long as the server runs.
pub fn start(state: std::sync::Arc<AppState>) {
    tokio::spawn(async move {
        loop {
            let outcome = async {
                let mut conn = state.db.conn().await?;
                run(&mut conn, Utc::now()).await
            }
            .await;
            if let Err(error) = outcome {
                tracing::warn!(%error, "the reminder job failed; it runs again later");
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// Whether the student watches an activity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Watch {
    pub watching: bool,
}

/// Do I watch this activity?
///
/// Students only.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "Whether the student watches it", body = Watch),
        (status = 403, description = "Not a student", body = shared::ApiError),
        (status = 404, description = "No such activity, or not visible", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/watch")]
pub async fn get_watch(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Watch>, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let (row, _) = visible(&mut conn, &actor, *id).await?;
    Ok(web::Json(Watch {
        watching: db::reminders::watching(&mut conn, row.id, actor.account_id).await?,
    }))
}

/// Watch an activity (关注)
///
/// The student is told when its registration is about to close (a day before) if they have
/// not signed up by then. Idempotent. Students only.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "Watching", body = Watch),
        (status = 403, description = "Not a student", body = shared::ApiError),
        (status = 404, description = "No such activity, or not visible", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/activities/{id}/watch")]
pub async fn put_watch(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Watch>, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let (row, _) = visible(&mut conn, &actor, *id).await?;
    db::reminders::set_watch(&mut conn, row.id, actor.account_id, true).await?;
    Ok(web::Json(Watch { watching: true }))
}

/// Stop watching an activity
///
/// Idempotent. Students only.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 204, description = "No longer watching"),
        (status = 403, description = "Not a student", body = shared::ApiError),
        (status = 404, description = "No such activity, or not visible", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/activities/{id}/watch")]
pub async fn delete_watch(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let (row, _) = visible(&mut conn, &actor, *id).await?;
    db::reminders::set_watch(&mut conn, row.id, actor.account_id, false).await?;
    Ok(HttpResponse::NoContent().finish())
}
