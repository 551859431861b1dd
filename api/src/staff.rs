//! Staff (instructors, 指导老师): `GET/POST /api/staff` and `GET/PATCH /api/staff/{id}`. A staff
//! member belongs to any organisation; organisation accounts see the staff of their subtree, and
//! staff outside it do not exist for them (404).

use actix_web::{HttpResponse, get, patch, post, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    page::{PageParams, PageRequest},
    people::{NewStaff, Staff, StaffCreated, UpdateStaff},
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::{Actor, password::temporary_password},
    db::{
        self,
        accounts::{AccountChanges, NewAccount},
        audit::Change,
        people::{StaffChanges, StaffDetails},
    },
    error::AppError,
    students::{changed, placement, require_organization},
};

/// Filters of the staff list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// Name or staff number containing this text.
    pub q: Option<String>,
    /// Only staff of exactly this organisation.
    pub organization_id: Option<i64>,
    /// Also deactivated staff.
    #[serde(default)]
    pub include_inactive: bool,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// A staff member inside the actor's subtree; any other id answers 404.
async fn visible(conn: &mut AsyncPgConnection, actor: &Actor, id: i64) -> Result<Staff, AppError> {
    db::people::staff_member(conn, id)
        .await?
        .filter(|record| actor.is_within(&record.organization_path))
        .map(|record| record.staff)
        .ok_or_else(|| AppError::not_found("staff member"))
}

/// List staff
///
/// The staff of the organisations in the caller's subtree, ordered by staff number; `q` finds a
/// name or staff number containing the text. Deactivated staff only with `include_inactive`.
/// Any organisation account may read its subtree's staff; students and staff may not.
#[utoipa::path(
    tag = "people",
    params(StaffQuery),
    responses(
        (status = 200, description = "One page of staff", body = Page<Staff>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an organisation account", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/staff")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StaffQuery>,
) -> Result<web::Json<Page<Staff>>, AppError> {
    require_organization(&actor)?;
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let filter = db::people::StaffFilter {
        within: actor.org.id,
        search: query.q,
        organization_id: query.organization_id,
        include_inactive: query.include_inactive,
    };
    let mut conn = state.db.conn().await?;
    let (items, total) = db::people::list_staff(&mut conn, &filter, page).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// One staff member
///
/// A staff member of an organisation in the caller's subtree; any other id answers 404.
/// Organisation accounts only.
#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "The staff member's account id")),
    responses(
        (status = 200, description = "The staff member", body = Staff),
        (status = 403, description = "Not an organisation account", body = ApiError),
        (status = 404, description = "No such staff member in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/staff/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Staff>, AppError> {
    require_organization(&actor)?;
    let mut conn = state.db.conn().await?;
    Ok(web::Json(visible(&mut conn, &actor, *id).await?))
}

/// Create a staff member
///
/// A staff account in an organisation of the caller's subtree (permission `manage_accounts`).
/// The staff number is the account name; the answer carries a one-time password, shown once,
/// that must be changed at the first sign-in.
#[utoipa::path(
    tag = "people",
    request_body = NewStaff,
    responses(
        (status = 201, description = "Created, with the one-time password", body = StaffCreated),
        (status = 403, description = "Organisation outside the caller's subtree, or permission missing", body = ApiError),
        (status = 404, description = "No such organisation", body = ApiError),
        (status = 409, description = "The staff number is taken", body = ApiError,
            example = json!({"code": "conflict", "message": "the staff number is taken", "field": "staff_no"})),
        (status = 422, description = "Invalid field, or a deactivated organisation", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/staff")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewStaff>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    actor.require(Permission::ManageAccounts)?;
    let mut conn = state.db.conn().await?;
    let org = placement(
        &mut conn,
        &actor,
        request.organization_id,
        "organization_id",
    )
    .await?;
    let temporary = temporary_password();
    let hash = state.auth.hasher.hash(temporary.clone()).await?;
    let staff = conn
        .transaction::<_, AppError, _>(async move |conn| {
            if db::accounts::username_taken(conn, &request.staff_no).await? {
                return Err(
                    ApiError::new(ErrorCode::Conflict, "the staff number is taken")
                        .with_field("staff_no")
                        .into(),
                );
            }
            let id = db::people::insert_staff(
                conn,
                &NewAccount {
                    username: &request.staff_no,
                    display_name: request.name.trim(),
                    password_hash: &hash,
                    kind: AccountKind::Staff.as_str(),
                    organization_id: org.id,
                    is_main: false,
                    permissions: vec![],
                    must_change_password: true,
                    created_by: Some(actor.account_id),
                    updated_by: Some(actor.account_id),
                },
                StaffDetails {
                    account_id: 0,
                    title: request.title.as_deref().map(|t| t.trim().to_owned()),
                    phone: request.phone.clone(),
                },
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(org.id),
                    action: "staff.create",
                    target_type: "account",
                    target_id: id.to_string(),
                    details: json!({
                        "staff_no": request.staff_no, "name": request.name.trim(),
                        "organization_id": org.id,
                    }),
                },
            )
            .await?;
            visible(conn, &actor, id).await
        })
        .await?;
    Ok(HttpResponse::Created().json(StaffCreated {
        staff,
        temporary_password: temporary,
    }))
}

/// Change a staff member
///
/// Any subset of name, organisation, title and phone (`null` clears title or phone), and
/// `active`: `false` deactivates the account and ends its sessions at once. Moving a staff
/// member needs both organisations in the caller's subtree. Needs `manage_accounts`; staff
/// outside the subtree answer 404.
#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "The staff member's account id")),
    request_body = UpdateStaff,
    responses(
        (status = 200, description = "The staff member as they are now", body = Staff),
        (status = 403, description = "Permission missing, or a new organisation outside the caller's subtree", body = ApiError),
        (status = 404, description = "No such staff member in the caller's subtree", body = ApiError),
        (status = 422, description = "Invalid field, or a deactivated organisation", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[patch("/staff/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<UpdateStaff>,
) -> Result<web::Json<Staff>, AppError> {
    let request = body.into_inner();
    request.validate()?;
    actor.require(Permission::ManageAccounts)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let staff = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let current = visible(conn, &actor, id).await?;
            let mut details = json!({});
            let name = request.name.as_deref().map(|n| n.trim().to_owned());
            let name = name.filter(|n| changed(&mut details, "name", &current.name, Some(n)));
            let organization_id = match request.organization_id {
                Some(to) if to != current.organization_id => {
                    placement(conn, &actor, to, "organization_id").await?;
                    changed(
                        &mut details,
                        "organization_id",
                        &current.organization_id,
                        Some(&to),
                    );
                    Some(to)
                }
                _ => None,
            };
            let active = request
                .active
                .filter(|a| changed(&mut details, "active", &current.active, Some(a)));
            let changes = StaffChanges {
                title: request
                    .title
                    .as_ref()
                    .map(|t| t.as_deref().map(|t| t.trim().to_owned()))
                    .filter(|t| changed(&mut details, "title", &current.title, Some(t))),
                phone: request
                    .phone
                    .clone()
                    .filter(|p| changed(&mut details, "phone", &current.phone, Some(p))),
            };
            if details.as_object().is_some_and(|d| d.is_empty()) {
                return Ok(current);
            }
            db::accounts::update(
                conn,
                id,
                &AccountChanges {
                    display_name: name,
                    active,
                    organization_id,
                    updated_by: Some(actor.account_id),
                    ..Default::default()
                },
            )
            .await?;
            db::people::update_staff(conn, id, &changes).await?;
            if active == Some(false) {
                let ended = db::accounts::end_sessions(conn, id, None, "account_disabled").await?;
                details["sessions_ended"] = json!(ended);
            }
            details["staff_no"] = json!(current.staff_no);
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(current.organization_id),
                    action: "staff.update",
                    target_type: "account",
                    target_id: id.to_string(),
                    details,
                },
            )
            .await?;
            visible(conn, &actor, id).await
        })
        .await?;
    Ok(web::Json(staff))
}
