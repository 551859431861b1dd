//! In-app notifications (站内通知): `GET /api/notifications`, marking them read.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use shared::{
    ApiError, Page,
    page::{PageParams, PageRequest},
};
use utoipa::{IntoParams, ToSchema};

use crate::{AppState, auth::Actor, db::schema::notifications, error::AppError};

/// One notification.
#[derive(Debug, Serialize, Deserialize, ToSchema, Queryable)]
pub struct Notification {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// `activity_cancelled`, `waitlist_promoted`, `registration_decided`, `lottery_drawn` …
    pub kind: String,
    pub title: String,
    pub body: String,
    pub activity_id: Option<i64>,
    pub read_at: Option<DateTime<Utc>>,
}

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
    let base = || {
        let mut q = notifications::table
            .filter(notifications::account_id.eq(actor.account_id))
            .into_boxed();
        if unread {
            q = q.filter(notifications::read_at.is_null());
        }
        q
    };
    let mut conn = state.db.conn().await?;
    let total: i64 = base().count().get_result(&mut conn).await?;
    let items: Vec<Notification> = base()
        .order(notifications::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .select((
            notifications::id,
            notifications::created_at,
            notifications::kind,
            notifications::title,
            notifications::body,
            notifications::activity_id,
            notifications::read_at,
        ))
        .load(&mut conn)
        .await?;
    Ok(web::Json(Page::new(items, page, total.max(0) as u64)))
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
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(actor.account_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(diesel::dsl::now))
    .execute(&mut conn)
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
