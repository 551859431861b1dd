//! Acting on one account: `PATCH /api/accounts/{id}` (sub-account permissions, display name,
//! (de)activation) and `POST /api/accounts/{id}/reset-password`.

use actix_web::{patch, post, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    auth::{AccountKind, Permission, check_name},
    organization::{OrgAccount, PasswordReset, UpdateAccount},
};

use crate::{
    AppState,
    auth::{Actor, password::temporary_password},
    db::{
        self,
        accounts::{AccountChanges, ActorRow},
        audit::Change,
    },
    error::AppError,
    organizations::check_grant,
};

/// Loads an account the actor may manage: inside its subtree (else 404: accounts outside do not
/// exist for it), with `manage_accounts`, not itself, not its own organisation's main account,
/// and not an account holding a permission the actor lacks, anywhere in the subtree (a
/// sub-account with `manage_accounts` cannot take over a club's main account below it).
pub async fn manageable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<ActorRow, AppError> {
    let target = db::accounts::by_id(conn, id)
        .await?
        .filter(|t| actor.is_within(&t.org.path))
        .ok_or_else(|| AppError::not_found("account"))?;
    actor.require(Permission::ManageAccounts)?;
    if target.id == actor.account_id {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "use /api/me for your own account",
        ));
    }
    if target.kind == AccountKind::Organization.as_str() {
        if target.is_main && target.org.id == actor.org.id {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "a main account is managed from the organisation above",
            ));
        }
        let (_, held) = shared::auth::role_and_permissions(
            AccountKind::Organization,
            target.is_main,
            target.org.parent_id.is_none(),
            &target.permissions,
        );
        if held.iter().any(|p| !actor.permissions.contains(p)) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "this account holds permissions you do not",
            ));
        }
    }
    Ok(target)
}

/// Change an organisation account
///
/// Rename it, replace a sub-account's permissions (never beyond the caller's own), or
/// (de)activate it — deactivation ends its sessions at once. Needs `manage_accounts` over the
/// account's organisation.
#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    request_body = UpdateAccount,
    responses(
        (status = 200, description = "The account as it is now", body = OrgAccount),
        (status = 403, description = "Permission missing, or granting more than the caller holds", body = ApiError),
        (status = 404, description = "No such organisation account in the caller's subtree", body = ApiError),
        (status = 422, description = "Invalid field (e.g. permissions on a main account)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[patch("/accounts/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<UpdateAccount>,
) -> Result<web::Json<OrgAccount>, AppError> {
    let request = body.into_inner();
    if let Some(name) = &request.display_name {
        check_name("display_name", name)?;
    }
    if let Some(permissions) = &request.permissions {
        check_grant(&actor, permissions)?;
    }
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let account = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let target = manageable(conn, &actor, id).await?;
            if target.kind != AccountKind::Organization.as_str() {
                return Err(AppError::not_found("organisation account"));
            }
            if target.is_main && request.permissions.is_some() {
                return Err(ApiError::invalid(
                    "permissions",
                    "a main account holds every permission",
                )
                .into());
            }
            let permissions = request.permissions.as_ref().map(|list| {
                let mut names: Vec<String> = list.iter().map(|p| p.as_str().to_owned()).collect();
                names.sort();
                names.dedup();
                names
            });
            let changes = AccountChanges {
                display_name: request.display_name.as_ref().map(|n| n.trim().to_owned()),
                permissions: permissions.clone(),
                active: request.active,
                updated_by: Some(actor.account_id),
                ..Default::default()
            };
            db::accounts::update(conn, target.id, &changes).await?;
            let mut ended = 0;
            if request.active == Some(false) {
                ended =
                    db::accounts::end_sessions(conn, target.id, None, "account_disabled").await?;
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(target.org.id),
                    action: "account.update",
                    target_type: "account",
                    target_id: target.id.to_string(),
                    details: json!({
                        "display_name": request.display_name, "permissions": permissions,
                        "active": request.active, "sessions_ended": ended,
                    }),
                },
            )
            .await?;
            let accounts = db::accounts::of_organization(conn, target.org.id).await?;
            accounts
                .into_iter()
                .find(|a| a.id == target.id)
                .ok_or_else(|| AppError::Internal("account vanished".into()))
        })
        .await?;
    Ok(web::Json(account))
}

/// Reset a password
///
/// Sets a one-time password (answered once) that the account must change at its next sign-in,
/// and ends its sessions. Works on organisation accounts, students and staff inside the
/// caller's subtree; needs `manage_accounts`.
#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "The one-time password", body = PasswordReset),
        (status = 403, description = "Permission missing, or a main account of the caller's own organisation", body = ApiError),
        (status = 404, description = "No such account in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/accounts/{id}/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<PasswordReset>, AppError> {
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let target = manageable(&mut conn, &actor, id).await?;
    let temporary = temporary_password();
    let hash = state.auth.hasher.hash(temporary.clone()).await?;
    let username = target.username.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let changes = AccountChanges {
            password_hash: Some(hash),
            must_change_password: Some(true),
            updated_by: Some(actor.account_id),
            ..Default::default()
        };
        db::accounts::update(conn, target.id, &changes).await?;
        let ended = db::accounts::end_sessions(conn, target.id, None, "password_reset").await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(target.org.id),
                action: "account.reset_password",
                target_type: "account",
                target_id: target.id.to_string(),
                details: json!({"username": target.username, "sessions_ended": ended}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(PasswordReset {
        username,
        temporary_password: temporary,
    }))
}
