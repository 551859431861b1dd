//! The no-show record (诚信记录): `GET /api/me/no-shows`, and where students stand for the
//! sign-up, lottery and registrant-list code that applies the school's policy.

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use shared::{
    activity::Registration,
    integrity::{NoShowRecord, NoShowStanding},
};

use crate::{AppState, activities::require_student, auth::Actor, db, error::AppError};

/// Where each of the students stands with this term's no-shows under the school's policy
/// (students without a no-show are absent from the map).
pub async fn standings(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, NoShowStanding>, AppError> {
    let policy = db::school::checkin_policy(conn).await?.no_shows;
    let (_, from, to) = db::integrity::counted_span(conn, now).await?;
    let ends = db::integrity::ends_of(conn, students, (from, to), now).await?;
    Ok(ends
        .into_iter()
        .map(|(student, ends)| (student, policy.standing(&ends, now)))
        .collect())
}

/// The organiser's view of sign-ups: each student's no-shows this term, and the excuses.
pub async fn annotate(
    conn: &mut AsyncPgConnection,
    items: &mut [Registration],
) -> Result<(), AppError> {
    let students: Vec<i64> = items.iter().map(|r| r.student_id).collect();
    let standings = standings(conn, &students, Utc::now()).await?;
    for item in items.iter_mut() {
        item.no_shows = Some(standings.get(&item.student_id).map_or(0, |s| s.count));
    }
    annotate_excuses(conn, items).await
}

/// The organiser's excuses of the sign-ups.
pub async fn annotate_excuses(
    conn: &mut AsyncPgConnection,
    items: &mut [Registration],
) -> Result<(), AppError> {
    let ids: Vec<i64> = items.iter().map(|r| r.id).collect();
    let mut excuses = db::integrity::excuses(conn, &ids).await?;
    for item in items.iter_mut() {
        item.excuse = excuses.remove(&item.id);
    }
    Ok(())
}

/// My no-show record
///
/// This term's no-shows (a confirmed sign-up without a check-in or an organiser's excuse once
/// the activity ended — counted only where the activity took attendance — and cancellations
/// after the activity's cut-off), the school's policy and where the student stands: how many
/// more before it applies, or until when first-come sign-up is refused. Students only.
#[utoipa::path(
    tag = "registrations",
    responses(
        (status = 200, description = "The record", body = NoShowRecord),
        (status = 401, description = "Not signed in", body = shared::ApiError),
        (status = 403, description = "Not a student", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/no-shows")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<NoShowRecord>, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let now = Utc::now();
    let policy = db::school::checkin_policy(&mut conn).await?.no_shows;
    let (term, from, to) = db::integrity::counted_span(&mut conn, now).await?;
    let items = db::integrity::of_student(&mut conn, actor.account_id, (from, to), now).await?;
    let ends: Vec<DateTime<Utc>> = items.iter().map(|n| n.ended_at).collect();
    Ok(web::Json(NoShowRecord {
        term,
        policy,
        standing: policy.standing(&ends, now),
        items,
    }))
}
