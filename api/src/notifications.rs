//! In-app notifications (站内通知): `GET /api/notifications`, marking them read.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use shared::{
    ApiError, Page,
    notification::Notification,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{AppState, auth::Actor, db, error::AppError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones (their `total` is the badge count).
    #[serde(default)]
    pub unread: bool,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// My notifications
///
/// Newest first. `?unread=true&per_page=1` gives the unread count in `total`.
#[utoipa::path(
    tag = "notifications",
    params(NotificationQuery),
    responses((status = 200, description = "One page", body = Page<Notification>), (status = 401, description = "Not signed in", body = ApiError)),
    security(("bearer" = [])),
)]
#[get("/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<NotificationQuery>,
) -> Result<web::Json<Page<Notification>>, AppError> {
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let unread = query.unread;
    let mut conn = state.db.conn().await?;
    let (items, total) = db::notifications::list(&mut conn, actor.account_id, unread, page).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// Mark all my notifications read
///
/// Clears the unread badge; the notifications themselves stay in the list.
#[utoipa::path(
    tag = "notifications",
    responses((status = 204, description = "Done"), (status = 401, description = "Not signed in", body = ApiError)),
    security(("bearer" = [])),
)]
#[post("/notifications/read")]
pub async fn read_all(state: web::Data<AppState>, actor: Actor) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    // Reading one's own notifications is not an audited change of the platform's records.
    db::notifications::read_all(&mut conn, actor.account_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
