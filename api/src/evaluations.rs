//! Activity evaluations (活动评价): after an activity ends, each checked-in participant may rate
//! it (1–5 stars and an optional comment) once, and change the rating for 30 days. The
//! organiser (`publish_activities` or `view_reports` over it) sees the average, the
//! distribution and the comments, never who gave them; the dashboard counts them.

use actix_web::{get, put, web};
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    auth::{AccountKind, Permission},
    survey::{self, EVALUATION_DAYS, EvaluationSummary, NewEvaluation, PendingEvaluation},
};

use crate::{AppState, auth::Actor, db, db::audit::Change, error::AppError};

/// My evaluations
///
/// The activities the signed-in student checked in to that ended in the last 30 days, each
/// with the student's rating so far (none: still to rate) and the last day it may change.
#[utoipa::path(
    tag = "surveys",
    responses(
        (status = 200, description = "Most recently ended first", body = Vec<PendingEvaluation>),
        (status = 403, description = "Not a student", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/evaluations")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<PendingEvaluation>>, AppError> {
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students evaluate",
        ));
    }
    let mut conn = state.db.conn().await?;
    Ok(web::Json(
        db::surveys::pending_evaluations(&mut conn, actor.account_id, Utc::now(), EVALUATION_DAYS)
            .await?,
    ))
}

/// Rate an activity
///
/// The signed-in student's rating of an activity they checked in to: 1–5 stars and an optional
/// comment, once; sending again within 30 days of the end replaces it. Refused: not a
/// participant (403), not ended yet (409 `conflict`), more than 30 days after (409
/// `deadline_passed`). Audited.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Activity id", minimum = 1)),
    request_body = NewEvaluation,
    responses(
        (status = 200, description = "Stored", body = PendingEvaluation),
        (status = 403, description = "Not a student, or not a checked-in participant", body = ApiError),
        (status = 404, description = "No such published activity", body = ApiError),
        (status = 409, description = "Not ended yet, or the 30 days have passed", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/activities/{id}/evaluation")]
pub async fn evaluate(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NewEvaluation>,
) -> Result<web::Json<PendingEvaluation>, AppError> {
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students evaluate",
        ));
    }
    let input = body.into_inner();
    let id = *id;
    let mut conn = state.db.conn().await?;
    let activity = db::surveys::activity(&mut conn, id)
        .await?
        .filter(|a| a.published)
        .ok_or_else(|| AppError::not_found("activity"))?;
    let ends_at = db::surveys::participation(&mut conn, id, actor.account_id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Forbidden,
                "only the activity's checked-in participants rate it",
            )
        })?;
    let now = Utc::now();
    if ends_at > now {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the activity has not ended",
        ));
    }
    if now - ends_at > chrono::Duration::days(EVALUATION_DAYS) {
        return Err(AppError::new(
            ErrorCode::DeadlinePassed,
            "ratings are taken for 30 days after the activity ends",
        ));
    }
    input.validate()?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let changed =
            db::surveys::evaluate(conn, id, actor.account_id, input.rating, &input.comment).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: activity.organizer_path.last().copied(),
                action: "activity.evaluate",
                target_type: "activity",
                target_id: id.to_string(),
                details: json!({"rating": input.rating, "changed": changed}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(PendingEvaluation {
        activity_id: id,
        title: activity.title,
        organizer: String::new(),
        ends_at,
        until: db::surveys::evaluation_until(ends_at, EVALUATION_DAYS),
        rating: Some(input.rating),
        comment: Some(input.comment.trim().to_owned()),
    }))
}

/// An activity's evaluations
///
/// The ratings its participants gave: how many (of how many checked in), the average, the
/// distribution over 1–5 stars and the comments sorted by their text — never who gave them.
/// Needs `publish_activities` or `view_reports` over the organiser.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Activity id", minimum = 1)),
    responses(
        (status = 200, description = "The evaluations", body = EvaluationSummary),
        (status = 403, description = "Permission missing, or an organiser outside the subtree", body = ApiError),
        (status = 404, description = "No such activity", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/evaluations")]
pub async fn summary(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<EvaluationSummary>, AppError> {
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisation accounts may do this",
        ));
    }
    actor.require_any(&[Permission::PublishActivities, Permission::ViewReports])?;
    let mut conn = state.db.conn().await?;
    let activity = db::surveys::activity(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    if !actor.is_within(&activity.organizer_path) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "outside your organisation's subtree",
        ));
    }
    let (ratings, comments, participants) = db::surveys::evaluations_of(&mut conn, *id).await?;
    let (average, distribution) = survey::rating_distribution(&ratings);
    Ok(web::Json(EvaluationSummary {
        activity_id: *id,
        title: activity.title,
        count: ratings.len() as i64,
        participants,
        average,
        distribution,
        comments,
    }))
}
