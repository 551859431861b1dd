//! `GET /api/audit`: the audit log of the caller's subtree.

use actix_web::{get, web};
use serde::Deserialize;
use shared::{
    ApiError, Page,
    audit::AuditEntry,
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{AppState, auth::Actor, db, error::AppError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this organisation's subtree (must lie inside the caller's); default the caller's own.
    pub organization_id: Option<i64>,
    /// Actions starting with this, e.g. `account.` or `organization.create`.
    pub action: Option<String>,
    /// Only what this account did.
    pub actor_id: Option<i64>,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// Browse the audit log
///
/// Who did what, newest first, for the caller's organisation and everything under it. Any
/// organisation account may read its subtree's log; it is append-only (the database refuses
/// UPDATE and DELETE on it).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of entries", body = Page<AuditEntry>),
        (status = 403, description = "Not an organisation account, or an organisation outside the subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, AppError> {
    if !actor.role.is_organization() {
        return Err(AppError::new(
            shared::ErrorCode::Forbidden,
            "only organisation accounts may read the audit log",
        ));
    }
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let within = match query.organization_id {
        Some(id) => {
            let org = db::organizations::get(&mut conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("organisation"))?;
            if !actor.is_within(&org.path) {
                return Err(AppError::new(
                    shared::ErrorCode::Forbidden,
                    "outside your organisation's subtree",
                ));
            }
            id
        }
        None => actor.org.id,
    };
    let filter = db::audit::Filter {
        within,
        action: query.action,
        actor_id: query.actor_id,
    };
    let (entries, total) = db::audit::list(&mut conn, &filter, page).await?;
    Ok(web::Json(Page::new(entries, page, total)))
}
