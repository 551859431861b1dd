//! `GET /api/school`: the school's public profile.

use actix_web::{get, web};
use shared::school::School;

use crate::{AppState, db, error::AppError};

/// The school's public profile
///
/// Names as printed on transcripts and shown in the app. 404 `not_found` until the school has
/// been configured (the demo data configures 示范大学). No authentication.
#[utoipa::path(
    tag = "school",
    responses(
        (status = 200, description = "The profile", body = School),
        (status = 404, description = "Not configured yet", body = shared::ApiError),
        (status = 503, description = "Database unavailable", body = shared::ApiError),
    ),
    security(()),
)]
#[get("/school")]
pub async fn get_school(state: web::Data<AppState>) -> Result<web::Json<School>, AppError> {
    let mut conn = state.db.conn().await?;
    db::school::get(&mut conn)
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("school profile"))
}
