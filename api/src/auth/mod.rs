//! Who is asking, and may they: the [`Actor`] extractor authenticates the bearer token against
//! its live session and account, and its `require…` methods are the one authorisation mechanism
//! every handler uses — an account acts only inside its organisation's subtree, and only with
//! the permissions it holds.

pub mod password;
pub mod proxies;
pub mod secret;
pub mod throttle;
pub mod token;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use shared::{
    ErrorCode,
    auth::{AccountKind, Me, Permission, Role},
    organization::OrganizationRef,
};
use std::{future::Future, pin::Pin};

use crate::{AppState, db, error::AppError};

/// Authentication services shared by the handlers.
pub struct Auth {
    pub keys: token::TokenKeys,
    pub hasher: password::PasswordHasher,
    /// Whose `X-Forwarded-For` names the client.
    pub proxies: proxies::TrustedProxies,
}

impl Auth {
    pub fn new(secret: &[u8], proxies: proxies::TrustedProxies) -> Auth {
        Auth {
            keys: token::TokenKeys::new(secret),
            hasher: password::PasswordHasher::new(),
            proxies,
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub role: Role,
    pub org: OrganizationRef,
    /// Effective permissions: all for a main account, the granted ones for a sub-account,
    /// none for students and staff.
    pub permissions: Vec<Permission>,
    pub session_id: uuid::Uuid,
    pub must_change_password: bool,
}

impl Actor {
    pub fn me(&self) -> Me {
        Me {
            id: self.account_id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            organization: self.org.clone(),
            permissions: self.permissions.clone(),
            must_change_password: self.must_change_password,
        }
    }

    /// The actor an account's row and its session make.
    pub fn from_row(row: db::accounts::ActorRow, session_id: uuid::Uuid) -> Actor {
        let kind = AccountKind::parse(&row.kind).unwrap_or(AccountKind::Student);
        let (role, permissions) = shared::auth::role_and_permissions(
            kind,
            row.is_main,
            row.org.parent_id.is_none(),
            &row.permissions,
        );
        Actor {
            account_id: row.id,
            username: row.username,
            display_name: row.display_name,
            kind,
            role,
            org: row.org.to_ref(),
            permissions,
            session_id,
            must_change_password: row.must_change_password,
        }
    }

    /// Whether an organisation with this path lies in the actor's subtree.
    pub fn is_within(&self, path: &[i64]) -> bool {
        self.org.contains(path)
    }

    /// The actor is an organisation account holding `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.permissions.contains(&permission) {
            Ok(())
        } else if !self.role.is_organization() {
            Err(AppError::new(
                ErrorCode::Forbidden,
                "only organisation accounts may do this",
            ))
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "this account lacks the permission `{}`",
                    permission.as_str()
                ),
            ))
        }
    }

    /// Before a student is looked up: a student (who may ask for their own) or an organisation
    /// account holding any of `any_of`; a sub-account without them gets 403 whatever the id,
    /// so the answer reveals nothing about it.
    pub fn require_any(&self, any_of: &[Permission]) -> Result<(), AppError> {
        if self.kind == AccountKind::Student || any_of.iter().any(|p| self.permissions.contains(p))
        {
            Ok(())
        } else {
            self.require(any_of[0])
        }
    }

    /// A student's own data, or an organisation over the student's college (given by its path)
    /// holding any of `any_of`. To everyone else the student is not there (404, exactly as an
    /// id that is no student), so the answer does not tell who is a student.
    pub fn require_student_or_within(
        &self,
        student: i64,
        college_path: &[i64],
        any_of: &[Permission],
    ) -> Result<(), AppError> {
        if self.kind == AccountKind::Student {
            return if self.account_id == student {
                Ok(())
            } else {
                Err(AppError::not_found("student"))
            };
        }
        self.require_any(any_of)?;
        if self.is_within(college_path) {
            Ok(())
        } else {
            Err(AppError::not_found("student"))
        }
    }

    /// The school committee itself (the root organisation) with `manage_accounts`: what the
    /// school keeps (the calendar, terms, scoring rules). `what` completes "… kept by the
    /// school committee" in the 403.
    pub fn require_school_admin(&self, what: &str) -> Result<(), AppError> {
        self.require(Permission::ManageAccounts)?;
        if self.org.path.len() == 1 {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                format!("{what} kept by the school committee"),
            ))
        }
    }

    /// As [`Actor::require`], on an organisation (given by its path) inside the actor's
    /// subtree; anything outside answers 403.
    pub fn require_within(&self, permission: Permission, path: &[i64]) -> Result<(), AppError> {
        self.require(permission)?;
        if self.is_within(path) {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                "outside your organisation's subtree",
            ))
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<&str, AppError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        AppError::new(
            ErrorCode::Unauthenticated,
            "sign in first: send Authorization: Bearer <access token>",
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unauthenticated,
                "the Authorization header must be `Bearer <access token>`",
            )
        })
}

async fn authenticate(req: HttpRequest) -> Result<Actor, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let (account_id, session_id) = token_claims(&req, state)?;
    let mut conn = state.db.conn().await?;
    let row = db::accounts::actor(&mut conn, account_id, session_id).await?;
    // The password change is the extractors' to require: `SignedIn` works without it.
    admit(row.as_ref().map(|row| SessionState {
        ended: row.session_ended,
        active: row.active && row.org.active,
        must_change_password: false,
    }))?;
    row.map(|row| Actor::from_row(row, session_id))
        .ok_or_else(|| AppError::Internal("a missing session was admitted".into()))
}

/// The account and session a bearer token names, checked only cryptographically. Whoever calls
/// this must still confirm the session against the database as [`admit`] does — the
/// `Actor` extractor does; `POST /api/checkin` does it in the statement that records the scan.
pub fn token_claims(req: &HttpRequest, state: &AppState) -> Result<(i64, uuid::Uuid), AppError> {
    state.auth.keys.verify(bearer(req)?)
}

/// What the database says of a token's session and account.
#[derive(Debug, Clone, Copy)]
pub struct SessionState {
    pub ended: bool,
    /// The account and its organisation are both active.
    pub active: bool,
    pub must_change_password: bool,
}

/// Whether a token's session may act (`None`: no such session): not when ended, deactivated,
/// or waiting for a password change.
pub fn admit(session: Option<SessionState>) -> Result<(), AppError> {
    let Some(session) = session else {
        return Err(AppError::new(
            ErrorCode::SessionEnded,
            "the session no longer exists; sign in again",
        ));
    };
    if session.ended {
        return Err(AppError::new(
            ErrorCode::SessionEnded,
            "the session has ended; sign in again",
        ));
    }
    if !session.active {
        return Err(AppError::new(
            ErrorCode::AccountDisabled,
            "this account has been deactivated",
        ));
    }
    if session.must_change_password {
        return Err(password_change_required());
    }
    Ok(())
}

fn password_change_required() -> AppError {
    AppError::new(
        ErrorCode::PasswordChangeRequired,
        "change your password first (POST /api/me/password)",
    )
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// Extracting an `Actor` authenticates the request and refuses accounts that must change their
/// password first (`password_change_required`).
impl FromRequest for Actor {
    type Error = AppError;
    type Future = Extracted<Actor>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let actor = authenticate(req).await?;
            if actor.must_change_password {
                return Err(password_change_required());
            }
            Ok(actor)
        })
    }
}

/// An authenticated caller who may still have to change their password: for the few endpoints
/// that must work then (`/api/me`, password change, logout).
pub struct SignedIn(pub Actor);

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Extracted<SignedIn>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(SignedIn) })
    }
}

/// The caller's address, for throttling and the session record: the peer's, or behind a
/// trusted proxy the one its `X-Forwarded-For` names (see [`proxies`]).
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|addr| addr.ip()) else {
        return "unknown".to_owned();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .collect();
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.auth.proxies.client(peer, &forwarded).to_string(),
        None => peer.to_string(),
    }
}
