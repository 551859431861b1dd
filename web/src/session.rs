//! The signed-in session: who is signed in ([`Me`]) as a signal for the UI, and the token pair
//! the API client sends. Both are kept in localStorage, so a reload keeps the session, and a
//! sign-in or sign-out in another tab is followed through the `storage` event.
//!
//! The API client reads and rotates the tokens here (always from storage, so two tabs never
//! trade the same refresh token twice) and ends the session when the server says it is over.

use std::cell::Cell;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::auth::{LoginResponse, Me, Permission};

const KEY: &str = "session";

/// The tokens of the current session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// What localStorage holds under [`KEY`].
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    tokens: Tokens,
    me: Me,
}

/// The session context: cheap to copy, reactive where it is read.
#[derive(Clone, Copy)]
pub struct Session {
    me: RwSignal<Option<Me>>,
    /// Bumped each time the server ends the session under us (expired, revoked, disabled).
    expired: RwSignal<u32>,
}

thread_local! {
    // The API client runs after `.await`s, outside any reactive owner: it finds the session here.
    static CURRENT: Cell<Option<Session>> = const { Cell::new(None) };
}

impl Session {
    /// The signed-in account, if any (tracked).
    pub fn me(self) -> Option<Me> {
        self.me.get()
    }

    /// The signed-in account, if any (not tracked).
    pub fn me_untracked(self) -> Option<Me> {
        self.me.get_untracked()
    }

    /// Reads the signed-in account without cloning it (tracked).
    pub fn with_me<R>(self, f: impl FnOnce(Option<&Me>) -> R) -> R {
        self.me.with(|me| f(me.as_ref()))
    }

    /// Whether the signed-in account holds `permission` (tracked).
    pub fn can(self, permission: Permission) -> bool {
        self.with_me(|me| me.is_some_and(|me| me.can(permission)))
    }

    /// Whether an organisation account is signed in (tracked).
    pub fn is_organization(self) -> bool {
        self.with_me(|me| me.is_some_and(|me| me.role.is_organization()))
    }

    /// How many times the server has ended the session under us (tracked).
    pub fn expired(self) -> u32 {
        self.expired.get()
    }

    /// Starts the session a sign-in answered.
    pub fn begin(self, login: LoginResponse) {
        save(&Stored {
            tokens: Tokens {
                access_token: login.tokens.access_token,
                refresh_token: login.tokens.refresh_token,
            },
            me: login.user.clone(),
        });
        self.me.set(Some(login.user));
    }

    /// Replaces the account (after `GET /api/me` or a password change).
    pub fn update_me(self, me: Me) {
        if let Some(mut stored) = load() {
            stored.me = me.clone();
            save(&stored);
            self.me.set(Some(me));
        }
    }

    /// Forgets the session on this device (the caller has told the server, or cannot).
    pub fn clear(self) {
        remove();
        self.me.set(None);
    }
}

/// Creates the session from storage, makes it the app's context, and checks it with the
/// server in the background (permissions may have changed since it was stored).
pub fn provide() -> Session {
    let stored = load();
    let session = Session {
        me: RwSignal::new(stored.as_ref().map(|s| s.me.clone())),
        expired: RwSignal::new(0),
    };
    CURRENT.with(|current| current.set(Some(session)));
    provide_context(session);
    // Another tab signed in or out.
    let _ = window_event_listener(leptos::ev::storage, move |ev| {
        if ev.key().as_deref() == Some(KEY) {
            let stored = load().map(|s| s.me);
            // Token rotations in the other tab leave the account as it was.
            session.me.maybe_update(|me| {
                let changed = *me != stored;
                if changed {
                    *me = stored;
                }
                changed
            });
        }
    });
    if stored.is_some() {
        leptos::task::spawn_local(async move {
            if let Ok(me) = crate::api::me().await {
                session.update_me(me);
            }
        });
    }
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The stored tokens, for the API client.
pub(crate) fn tokens() -> Option<Tokens> {
    load().map(|stored| stored.tokens)
}

/// Stores a refreshed pair (the old refresh token is spent).
pub(crate) fn replace_tokens(tokens: Tokens) {
    if let Some(mut stored) = load() {
        stored.tokens = tokens;
        save(&stored);
    }
}

/// The server ended the session: forget it and let the app send the user to sign in.
pub(crate) fn expire() {
    remove();
    after_this_response(|session| {
        session.me.set(None);
        session.expired.update(|n| *n += 1);
    });
}

/// The server refuses everything until the password is changed.
pub(crate) fn require_password_change() {
    after_this_response(|session| {
        if let Some(mut me) = session.me.get_untracked()
            && !me.must_change_password
        {
            me.must_change_password = true;
            session.update_me(me);
        }
    });
}

/// Runs `change` once the response being handled has settled the page's resources. Both
/// changes make the guard take the page down; done at once, a view woken by the same response
/// would then read its page's resource after the page disposed it, and panic.
fn after_this_response(change: impl FnOnce(Session) + 'static) {
    if let Some(session) = CURRENT.with(Cell::get) {
        set_timeout(move || change(session), std::time::Duration::ZERO);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load() -> Option<Stored> {
    let text = storage()?.get_item(KEY).ok()??;
    serde_json::from_str(&text).ok()
}

fn save(stored: &Stored) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(stored)) {
        let _ = storage.set_item(KEY, &text);
    }
}

fn remove() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(KEY);
    }
}
