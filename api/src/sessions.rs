//! Signing in and out: `POST /api/auth/login`, `/refresh`, `/logout`, `/logout-all`.

use actix_web::{HttpRequest, HttpResponse, http::header, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    auth::{LoginRequest, LoginResponse, RefreshRequest, TokenPair},
};

use crate::{
    AppState,
    auth::{SignedIn, client_ip, token},
    db::{self, audit::Change},
    error::AppError,
};

/// Starts a session: a refresh token stored hashed, and an access token bound to the session.
async fn open_session(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    account_id: i64,
    user_agent: Option<&str>,
    client: &str,
) -> Result<(TokenPair, uuid::Uuid), AppError> {
    let session = db::accounts::start_session(conn, account_id, user_agent, client).await?;
    Ok((issue_pair(conn, state, account_id, session).await?, session))
}

async fn issue_pair(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    account_id: i64,
    session: uuid::Uuid,
) -> Result<TokenPair, AppError> {
    let refresh_token = token::new_refresh_token();
    let expires_at = Utc::now() + token::REFRESH_TTL;
    db::accounts::store_refresh_token(
        conn,
        session,
        &token::hash_refresh_token(&refresh_token),
        expires_at,
    )
    .await?;
    Ok(TokenPair {
        access_token: state.auth.keys.issue(account_id, session)?,
        token_type: "Bearer".to_owned(),
        expires_in: token::ACCESS_TTL.as_secs(),
        refresh_token,
        refresh_expires_in: token::REFRESH_TTL.as_secs(),
    })
}

fn too_many(wait: std::time::Duration) -> HttpResponse {
    let seconds = wait.as_secs().max(1);
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, seconds.to_string()))
        .json(ApiError::new(
            ErrorCode::RateLimited,
            format!("too many failed sign-ins; retry in {seconds} seconds"),
        ))
}

/// Sign in
///
/// With an account name (student number, staff number or organisation account) and password.
/// Answers an access token (15 minutes; send it as `Authorization: Bearer …`), a refresh token
/// (30 days, single use) and the account. Five failures for one account from one client, or
/// thirty from one client, within 15 minutes lock further tries for a while; failures of one
/// account from many clients only space its tries out (up to a minute apart): 429 with
/// `Retry-After`, on whichever API process is asked. When
/// `user.must_change_password` is true, every other endpoint answers
/// `password_change_required` until `POST /api/me/password`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong account name or password", body = ApiError,
            example = json!({"code": "invalid_credentials", "message": "wrong account name or password"})),
        (status = 403, description = "The account is deactivated", body = ApiError),
        (status = 429, description = "Too many failures; see Retry-After", body = ApiError),
    ),
    security(()),
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let LoginRequest { username, password } = body.into_inner();
    let username = username.trim().to_owned();
    if username.is_empty() {
        return Err(ApiError::invalid("username", "enter your account name").into());
    }
    if password.is_empty() || password.len() > 1024 {
        return Err(ApiError::invalid("password", "enter your password").into());
    }
    let client = client_ip(&req);
    let mut conn = state.db.conn().await?;
    let attempt = match crate::auth::throttle::try_one(&mut conn, &username, &client).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(too_many(wait)),
    };
    let found = db::accounts::for_login(&mut conn, &username).await?;
    let (row, hash) = match found {
        Some((row, hash)) => (Some(row), Some(hash)),
        None => (None, None),
    };
    let matches = state.auth.hasher.verify(password, hash).await?;
    // A wrong password leaves the try recorded: a failure.
    let Some(row) = row.filter(|_| matches) else {
        return Err(AppError::new(
            ErrorCode::InvalidCredentials,
            "wrong account name or password",
        ));
    };
    db::login_attempts::succeeded(&mut conn, attempt, &username, &client).await?;
    if !row.active || !row.org.active {
        return Err(AppError::new(
            ErrorCode::AccountDisabled,
            "this account has been deactivated",
        ));
    }
    let account_id = row.id;
    let organization_id = row.org.id;
    // What the transaction needs of the request (which cannot cross threads).
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (tokens, session) = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let (tokens, session) =
                open_session(conn, &state, account_id, user_agent.as_deref(), &client).await?;
            db::audit::record(
                conn,
                Some(account_id),
                Change {
                    organization_id: Some(organization_id),
                    action: "session.login",
                    target_type: "account",
                    target_id: account_id.to_string(),
                    details: json!({"session": session, "client_ip": client}),
                },
            )
            .await?;
            Ok((tokens, session))
        })
        .await?;
    let user = crate::auth::Actor::from_row(row, session).me();
    Ok(HttpResponse::Ok().json(LoginResponse { tokens, user }))
}

/// Refresh the tokens
///
/// Trades a refresh token for a new pair. Each refresh token works once: presenting a used one
/// again means it was stolen or replayed, so the whole session ends (`refresh_token_reused`)
/// and both holders must sign in again.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenPair),
        (status = 401, description = "Unknown, expired or reused refresh token; or the session ended", body = ApiError,
            example = json!({"code": "refresh_token_reused", "message": "this refresh token was already used; the session has been ended"})),
        (status = 403, description = "The account is deactivated", body = ApiError),
    ),
    security(()),
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, AppError> {
    let hash = token::hash_refresh_token(body.refresh_token.trim());
    let mut conn = state.db.conn().await?;
    // The reuse verdict must be committed even though the request fails: decide inside the
    // transaction, answer after it.
    let outcome = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let Some(row) = db::accounts::refresh_token_for_update(conn, &hash).await? else {
                return Ok(Err(AppError::new(
                    ErrorCode::InvalidToken,
                    "unknown refresh token",
                )));
            };
            if row.session_ended {
                return Ok(Err(AppError::new(
                    ErrorCode::SessionEnded,
                    "the session has ended; sign in again",
                )));
            }
            if row.used {
                db::accounts::end_session(conn, row.session_id, "refresh_token_reused").await?;
                db::audit::record(
                    conn,
                    Some(row.account_id),
                    Change {
                        organization_id: None,
                        action: "session.refresh_token_reused",
                        target_type: "account",
                        target_id: row.account_id.to_string(),
                        details: json!({"session": row.session_id}),
                    },
                )
                .await?;
                return Ok(Err(AppError::new(
                    ErrorCode::RefreshTokenReused,
                    "this refresh token was already used; the session has been ended",
                )));
            }
            if row.expires_at < Utc::now() {
                return Ok(Err(AppError::new(
                    ErrorCode::TokenExpired,
                    "the refresh token has expired; sign in again",
                )));
            }
            let account = db::accounts::by_id(conn, row.account_id).await?;
            if !account.is_some_and(|a| a.active && a.org.active) {
                return Ok(Err(AppError::new(
                    ErrorCode::AccountDisabled,
                    "this account has been deactivated",
                )));
            }
            db::accounts::mark_refresh_token_used(conn, &hash).await?;
            db::accounts::touch_session(conn, row.session_id).await?;
            Ok(Ok(
                issue_pair(conn, &state, row.account_id, row.session_id).await?
            ))
        })
        .await?;
    outcome.map(web::Json)
}

/// Sign out
///
/// Ends the current session: its access token stops working at once and its refresh token
/// can no longer be used.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, actor: SignedIn) -> Result<HttpResponse, AppError> {
    let actor = actor.0;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        db::accounts::end_session(conn, actor.session_id, "logout").await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "session.logout",
                target_type: "account",
                target_id: actor.account_id.to_string(),
                details: json!({"session": actor.session_id}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End all my sessions
///
/// Signs the account out everywhere, this session included (e.g. after losing a phone).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, description = "Not signed in", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/auth/logout-all")]
pub async fn logout_all(
    state: web::Data<AppState>,
    actor: SignedIn,
) -> Result<HttpResponse, AppError> {
    let actor = actor.0;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let ended = db::accounts::end_sessions(conn, actor.account_id, None, "logout_all").await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "session.logout_all",
                target_type: "account",
                target_id: actor.account_id.to_string(),
                details: json!({"sessions_ended": ended}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
