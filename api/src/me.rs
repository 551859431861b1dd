//! The signed-in account: `GET /api/me`, `POST /api/me/password`.

use actix_web::{HttpResponse, get, post, web};
use diesel_async::AsyncConnection;
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    auth::{ChangePasswordRequest, Me, check_password},
};

use crate::{
    AppState,
    auth::SignedIn,
    db::{self, accounts::AccountChanges, audit::Change},
    error::AppError,
};

/// The signed-in account
///
/// Its role, organisation (with its path from the root) and effective permissions — what the
/// web app uses to show exactly what the user may do. Works even when a password change is
/// pending.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The account", body = Me),
        (status = 401, description = "Not signed in, or the session ended", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me")]
pub async fn me(actor: SignedIn) -> web::Json<Me> {
    web::Json(actor.0.me())
}

/// Change my password
///
/// Needs the current password. Ends every other session of the account and clears a pending
/// forced change.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "The current password is wrong", body = ApiError,
            example = json!({"code": "invalid_credentials", "message": "the current password is wrong", "field": "current_password"})),
        (status = 422, description = "The new password breaks the policy", body = ApiError,
            example = json!({"code": "validation_failed", "message": "the password needs at least one letter and one digit", "field": "new_password"})),
    ),
    security(("bearer" = [])),
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    actor: SignedIn,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = actor.0;
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    check_password("new_password", &new_password, &actor.username)?;
    if new_password == current_password {
        return Err(ApiError::invalid(
            "new_password",
            "the new password must differ from the current one",
        )
        .into());
    }
    let mut conn = state.db.conn().await?;
    let stored = db::accounts::password_hash(&mut conn, actor.account_id).await?;
    if !state
        .auth
        .hasher
        .verify(current_password, Some(stored))
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "the current password is wrong",
        )
        .with_field("current_password")
        .into());
    }
    let hash = state.auth.hasher.hash(new_password).await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let changes = AccountChanges {
            password_hash: Some(hash),
            must_change_password: Some(false),
            updated_by: Some(actor.account_id),
            ..Default::default()
        };
        db::accounts::update(conn, actor.account_id, &changes).await?;
        let ended = db::accounts::end_sessions(
            conn,
            actor.account_id,
            Some(actor.session_id),
            "password_changed",
        )
        .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "account.change_password",
                target_type: "account",
                target_id: actor.account_id.to_string(),
                details: json!({"other_sessions_ended": ended}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
