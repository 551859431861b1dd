//! The organisation tree: `GET/POST /api/organizations`, `GET/PATCH /api/organizations/{id}`,
//! and the organisation accounts under `/api/organizations/{id}/accounts`.

use actix_web::{HttpResponse, get, patch, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    organization::{
        CreateOrganization, CreateSubAccount, OrgAccount, OrgKind, Organization, UpdateOrganization,
    },
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, accounts::NewAccount, audit::Change, organizations::OrgRow},
    error::AppError,
};

/// Filters of the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// Only this organisation and everything under it.
    pub within: Option<i64>,
    pub kind: Option<OrgKind>,
    /// Name or code containing this text.
    pub q: Option<String>,
    /// Also deactivated organisations (organisation accounts only).
    #[serde(default)]
    pub include_inactive: bool,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// List organisations
///
/// The tree in depth-first order (each item carries `path`, its ids from the root), so a client
/// can indent it. Any signed-in account may read the tree — students pick colleges in filters —
/// but only organisation accounts see deactivated organisations.
#[utoipa::path(
    tag = "organizations",
    params(OrgQuery),
    responses(
        (status = 200, description = "One page of organisations", body = Page<Organization>),
        (status = 401, description = "Not signed in", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/organizations")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<OrgQuery>,
) -> Result<web::Json<Page<Organization>>, AppError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let filter = db::organizations::Filter {
        within: query.within,
        kind: query.kind,
        include_inactive: query.include_inactive && actor.role.is_organization(),
        search: query.q,
    };
    let mut conn = state.db.conn().await?;
    let (items, total) = db::organizations::list(&mut conn, &filter, page).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

async fn load(conn: &mut diesel_async::AsyncPgConnection, id: i64) -> Result<OrgRow, AppError> {
    db::organizations::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("organisation"))
}

/// One organisation
///
/// Its place in the tree (`path`), kind, code, state and main account name. Any signed-in
/// account may read it, as it may read the tree.
#[utoipa::path(
    tag = "organizations",
    params(("id" = i64, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = Organization),
        (status = 404, description = "No such organisation", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/organizations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Organization>, AppError> {
    let mut conn = state.db.conn().await?;
    let row = load(&mut conn, *id).await?;
    let main = db::organizations::main_account(&mut conn, row.id).await?;
    Ok(web::Json(row.into_organization(main)))
}

/// Create an organisation
///
/// Under a parent inside the caller's subtree (permission `manage_accounts`), together with its
/// main account. The tree's shape is kept: the school holds colleges and school-level
/// organisations, which hold clubs.
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = Organization),
        (status = 403, description = "Parent outside the caller's subtree, or permission missing", body = ApiError),
        (status = 404, description = "No such parent", body = ApiError),
        (status = 409, description = "Code or account name taken", body = ApiError,
            example = json!({"code": "conflict", "message": "the code is taken", "field": "code"})),
        (status = 422, description = "Invalid field, or a kind the parent may not hold", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/organizations")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CreateOrganization>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let mut conn = state.db.conn().await?;
    let parent = load(&mut conn, request.parent_id)
        .await
        .map_err(|e| field(e, "parent_id"))?;
    actor.require_within(Permission::ManageAccounts, &parent.path)?;
    check_shape(&parent, request.kind, "kind")?;
    let hash = state
        .auth
        .hasher
        .hash(request.main_account.password.clone())
        .await?;
    let organization = conn
        .transaction::<_, AppError, _>(async move |conn| {
                if db::organizations::by_code(conn, &request.code).await?.is_some() {
                    return Err(ApiError::new(ErrorCode::Conflict, "the code is taken").with_field("code").into());
                }
                if db::accounts::username_taken(conn, &request.main_account.username).await? {
                    return Err(ApiError::new(ErrorCode::Conflict, "the account name is taken")
                        .with_field("main_account.username")
                        .into());
                }
                let row = db::organizations::insert(
                    conn,
                    db::organizations::NewOrg {
                        parent_id: Some(parent.id),
                        kind: request.kind.as_str(),
                        code: &request.code,
                        name: request.name.trim(),
                        path: vec![],
                        created_by: Some(actor.account_id),
                        updated_by: Some(actor.account_id),
                    },
                )
                .await?;
                let main_id = db::accounts::insert(
                    conn,
                    &NewAccount {
                        username: &request.main_account.username,
                        display_name: request.name.trim(),
                        password_hash: &hash,
                        kind: AccountKind::Organization.as_str(),
                        organization_id: row.id,
                        is_main: true,
                        permissions: vec![],
                        must_change_password: false,
                        created_by: Some(actor.account_id),
                        updated_by: Some(actor.account_id),
                    },
                )
                .await?;
                db::audit::record(
                    conn,
                    Some(actor.account_id),
                    Change {
                        organization_id: Some(row.id),
                        action: "organization.create",
                        target_type: "organization",
                        target_id: row.id.to_string(),
                        details: json!({
                            "name": row.name, "code": row.code, "kind": row.kind, "parent_id": parent.id,
                            "main_account": {"id": main_id, "username": request.main_account.username},
                        }),
                    },
                )
                .await?;
                Ok(row.into_organization(Some(request.main_account.username.clone())))
            }
        )
        .await?;
    Ok(HttpResponse::Created().json(organization))
}

/// Rename, move or (de)activate an organisation
///
/// Renaming works on the caller's own organisation and anything under it; moving and
/// (de)activating only strictly below it. Deactivating takes the whole subtree with it, and its
/// accounts can no longer sign in. Needs `manage_accounts`.
#[utoipa::path(
    tag = "organizations",
    params(("id" = i64, Path, description = "Organisation id")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The organisation as it is now", body = Organization),
        (status = 403, description = "Outside the caller's subtree, or permission missing", body = ApiError),
        (status = 404, description = "No such organisation", body = ApiError),
        (status = 422, description = "A move that would break the tree", body = ApiError,
            example = json!({"code": "validation_failed", "message": "an organisation cannot move under itself", "field": "parent_id"})),
    ),
    security(("bearer" = [])),
)]
#[patch("/organizations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<UpdateOrganization>,
) -> Result<web::Json<Organization>, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let organization = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let target = db::organizations::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("organisation"))?;
            actor.require_within(Permission::ManageAccounts, &target.path)?;
            let strictly_below = target.id != actor.org.id;
            let mut details = json!({});
            if let Some(name) = &request.name {
                db::organizations::rename(conn, target.id, name.trim(), actor.account_id).await?;
                details["name"] = json!({"from": target.name, "to": name.trim()});
            }
            if let Some(parent_id) = request.parent_id.filter(|p| Some(*p) != target.parent_id) {
                if !strictly_below {
                    return Err(ApiError::new(
                        ErrorCode::Forbidden,
                        "your own organisation can only be moved from above",
                    )
                    .with_field("parent_id")
                    .into());
                }
                let parent = db::organizations::get(conn, parent_id)
                    .await?
                    .ok_or_else(|| {
                        AppError::from(
                            ApiError::new(ErrorCode::NotFound, "no such parent")
                                .with_field("parent_id"),
                        )
                    })?;
                actor
                    .require_within(Permission::ManageAccounts, &parent.path)
                    .map_err(|e| field(e, "parent_id"))?;
                if parent.path.contains(&target.id) {
                    return Err(ApiError::invalid(
                        "parent_id",
                        "an organisation cannot move under itself",
                    )
                    .into());
                }
                check_shape(&parent, target.kind(), "parent_id")?;
                db::organizations::move_subtree(conn, &target, &parent, actor.account_id).await?;
                details["parent_id"] = json!({"from": target.parent_id, "to": parent.id});
            }
            if let Some(active) = request.active.filter(|a| *a != target.active) {
                if !strictly_below {
                    return Err(ApiError::new(
                        ErrorCode::Forbidden,
                        "your own organisation can only be deactivated from above",
                    )
                    .with_field("active")
                    .into());
                }
                if active {
                    let parent_active = match target.parent_id {
                        Some(parent) => load(conn, parent).await?.active,
                        None => true,
                    };
                    if !parent_active {
                        return Err(ApiError::invalid(
                            "active",
                            "reactivate the parent organisation first",
                        )
                        .into());
                    }
                }
                let changed =
                    db::organizations::set_active(conn, &target, active, actor.account_id).await?;
                details["active"] = json!({"to": active, "organizations": changed});
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(target.id),
                    action: "organization.update",
                    target_type: "organization",
                    target_id: target.id.to_string(),
                    details,
                },
            )
            .await?;
            let row = load(conn, target.id).await?;
            let main = db::organizations::main_account(conn, row.id).await?;
            Ok(row.into_organization(main))
        })
        .await?;
    Ok(web::Json(organization))
}

/// The organisation accounts of an organisation
///
/// Its main account first, then its sub-accounts with their permissions. Needs
/// `manage_accounts` over the organisation.
#[utoipa::path(
    tag = "organizations",
    params(("id" = i64, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The accounts (an organisation has a handful; one page)", body = Page<OrgAccount>),
        (status = 403, description = "Outside the caller's subtree, or permission missing", body = ApiError),
        (status = 404, description = "No such organisation", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/organizations/{id}/accounts")]
pub async fn list_accounts(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Page<OrgAccount>>, AppError> {
    let mut conn = state.db.conn().await?;
    let org = load(&mut conn, *id).await?;
    actor.require_within(Permission::ManageAccounts, &org.path)?;
    let accounts = db::accounts::of_organization(&mut conn, org.id).await?;
    let total = accounts.len() as u64;
    let page = PageRequest::try_from(PageParams {
        page: Some(1),
        per_page: Some(100),
    })?;
    Ok(web::Json(Page::new(accounts, page, total)))
}

/// Create a sub-account
///
/// A sub-account (子账号) of the organisation with a subset of the caller's own permissions —
/// nobody grants what they do not hold. Needs `manage_accounts` over the organisation.
#[utoipa::path(
    tag = "organizations",
    params(("id" = i64, Path, description = "Organisation id")),
    request_body = CreateSubAccount,
    responses(
        (status = 201, description = "Created", body = OrgAccount),
        (status = 403, description = "Outside the subtree, permission missing, or granting more than the caller holds", body = ApiError,
            example = json!({"code": "forbidden", "message": "you cannot grant `view_reports`, which you do not hold", "field": "permissions"})),
        (status = 409, description = "Account name taken", body = ApiError),
        (status = 422, description = "Invalid field", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/organizations/{id}/accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<CreateSubAccount>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let mut conn = state.db.conn().await?;
    let org = load(&mut conn, *id).await?;
    actor.require_within(Permission::ManageAccounts, &org.path)?;
    if !org.active {
        return Err(ApiError::invalid("organization", "the organisation is deactivated").into());
    }
    check_grant(&actor, &request.permissions)?;
    let hash = state.auth.hasher.hash(request.password.clone()).await?;
    let account = conn
        .transaction::<_, AppError, _>(async move |conn| {
            if db::accounts::username_taken(conn, &request.username).await? {
                return Err(
                    ApiError::new(ErrorCode::Conflict, "the account name is taken")
                        .with_field("username")
                        .into(),
                );
            }
            let mut permissions: Vec<String> = request
                .permissions
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect();
            permissions.sort();
            permissions.dedup();
            let account_id = db::accounts::insert(
                conn,
                &NewAccount {
                    username: &request.username,
                    display_name: request.display_name.trim(),
                    password_hash: &hash,
                    kind: AccountKind::Organization.as_str(),
                    organization_id: org.id,
                    is_main: false,
                    permissions: permissions.clone(),
                    must_change_password: false,
                    created_by: Some(actor.account_id),
                    updated_by: Some(actor.account_id),
                },
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(org.id),
                    action: "account.create",
                    target_type: "account",
                    target_id: account_id.to_string(),
                    details: json!({"username": request.username, "permissions": permissions}),
                },
            )
            .await?;
            let accounts = db::accounts::of_organization(conn, org.id).await?;
            accounts
                .into_iter()
                .find(|a| a.id == account_id)
                .ok_or_else(|| AppError::Internal("account vanished".into()))
        })
        .await?;
    Ok(HttpResponse::Created().json(account))
}

/// Whether `parent` may hold a child of `kind`.
fn check_shape(parent: &OrgRow, kind: OrgKind, field_name: &str) -> Result<(), AppError> {
    if parent.kind().may_contain(kind) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field_name,
            format!(
                "a {} cannot hold a {}",
                parent.kind().as_str(),
                kind.as_str()
            ),
        )
        .into())
    }
}

/// Nobody grants a permission they do not hold.
pub fn check_grant(actor: &Actor, permissions: &[Permission]) -> Result<(), AppError> {
    match permissions.iter().find(|p| !actor.permissions.contains(p)) {
        Some(missing) => Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "you cannot grant `{}`, which you do not hold",
                missing.as_str()
            ),
        )
        .with_field("permissions")
        .into()),
        None => Ok(()),
    }
}

/// The same error, naming `field` when it named none.
pub(crate) fn field(error: AppError, field: &str) -> AppError {
    match error {
        AppError::Api(mut api) if api.field.is_none() => {
            api.field = Some(field.to_owned());
            AppError::Api(api)
        }
        other => other,
    }
}
