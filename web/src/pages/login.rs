//! Sign in with an account name (student number, staff number or organisation account) and
//! password. Fields are checked as the user types; the server's answer shows next to the field
//! it concerns, and a lock-out after repeated failures says how long to wait.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError, ErrorCode,
    auth::{LoginRequest, LoginResponse, check_username},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        field::Field,
    },
    i18n::use_i18n,
    session::use_session,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    // Where to go afterwards: a path of this app, never another site.
    let next = move || {
        query
            .read_untracked()
            .get("next")
            .filter(|next| next.starts_with('/') && !next.starts_with("//"))
            .filter(|next| !next.starts_with("/login"))
    };
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    // Seconds left of a lock-out, counted down on screen.
    let wait = RwSignal::new(0u64);
    let ticker = set_interval_with_handle(
        move || {
            if wait.get_untracked() > 0 {
                wait.update(|w| *w -= 1);
                if wait.get_untracked() == 0 {
                    server_error.set(None);
                }
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(ticker) = ticker {
            ticker.clear();
        }
    });

    // Signed in — just now, or already (a reload of /login, the back button): go on.
    Effect::new(move |_| {
        let Some(must_change) = session.with_me(|me| me.map(|me| me.must_change_password)) else {
            return;
        };
        let target = if must_change {
            "/account".to_owned()
        } else {
            next().unwrap_or_else(|| "/".to_owned())
        };
        navigate(
            &target,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });

    let username_error = Signal::derive(move || {
        if let Some(error) = server_error.with(|e| {
            e.as_ref()
                .filter(|e| e.field.as_deref() == Some("username"))
                .map(|e| message(i18n, e))
        }) {
            return Some(error);
        }
        let name = username.get();
        let name = name.trim();
        if name.is_empty() {
            return submitted
                .get()
                .then(|| i18n.t("请输入账号", "Enter your account name").to_owned());
        }
        check_username("username", name).err().map(|_| {
            i18n.t(
                "账号为学号、工号或组织账号名（字母、数字或 _ . @ -）",
                "Your student number, staff number or organisation account (letters, digits, _ . @ -)",
            )
            .to_owned()
        })
    });
    let password_error = Signal::derive(move || {
        if let Some(error) = server_error.get() {
            let field = error.field.as_deref();
            return match error.code {
                ErrorCode::RateLimited => Some(message(
                    i18n,
                    &ApiError::new(
                        ErrorCode::RateLimited,
                        format!("retry in {} seconds", wait.get()),
                    ),
                )),
                ErrorCode::InvalidCredentials => Some(message(i18n, &error)),
                _ if field == Some("password") => Some(message(i18n, &error)),
                _ => None,
            };
        }
        (submitted.get() && password.with(String::is_empty))
            .then(|| i18n.t("请输入密码", "Enter your password").to_owned())
    });
    // Errors that belong to no field (a deactivated account, an unreachable server).
    let general_error = move || {
        server_error.get().filter(|e| {
            e.field.is_none()
                && !matches!(
                    e.code,
                    ErrorCode::InvalidCredentials | ErrorCode::RateLimited
                )
        })
    };

    let sign_in = Action::new_local(move |request: &LoginRequest| {
        let request = request.clone();
        async move {
            let outcome: Result<LoginResponse, ApiError> = api::login(&request).await;
            match outcome {
                Ok(login) => {
                    server_error.set(None);
                    // The effect above moves on once the session is set.
                    session.begin(login);
                }
                Err(error) => {
                    if let Some(seconds) = api::retry_after(&error) {
                        wait.set(seconds);
                    }
                    server_error.set(Some(error));
                }
            }
        }
    });
    let locked = move || wait.get() > 0;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        let incomplete =
            username_error.get_untracked().is_some() || password.with_untracked(String::is_empty);
        if incomplete || locked() {
            return;
        }
        sign_in.dispatch(LoginRequest {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        });
    };
    let forget_server_error = Callback::new(move |()| {
        if !locked() {
            server_error.set(None);
        }
    });

    view! {
        <section class="auth-card">
            <h1>{move || i18n.t("登录", "Sign in")}</h1>
            <p class="muted">{move || i18n.t(
                "学生用学号，老师用工号，组织用组织账号登录。",
                "Students sign in with their student number, staff with their staff number, organisations with their account name.",
            )}</p>
            {move || next().and_then(|next| crate::components::pending_scan::pending_title(&next)).map(|title| view! {
                <p class="notice" data-testid="login-for-checkin">
                    {move || i18n.t("为签到登录：", "Sign in to check in: ")}<strong>{title.clone()}</strong>
                    <br />
                    <span class="small">{move || i18n.t("扫码时间已记录，3 分钟内登录即可完成签到。", "Your scan is recorded: sign in within 3 minutes to finish checking in.")}</span>
                </p>
            })}
            {move || (session.expired() > 0).then(|| view! {
                <p class="notice" data-testid="session-expired">{move || i18n.t("登录已失效，请重新登录。", "Your session has ended; please sign in again.")}</p>
            })}
            <form class="form-stack" data-testid="login-form" novalidate on:submit=on_submit>
                <Field zh="账号" en="Account" value=username error=username_error testid="login-username"
                    autocomplete="username" on_edit=forget_server_error />
                <Field zh="密码" en="Password" kind="password" value=password error=password_error testid="login-password"
                    autocomplete="current-password" on_edit=forget_server_error />
                <button class="btn btn-primary btn-block" type="submit" data-testid="login-submit"
                    disabled=move || sign_in.pending().get() || locked()>
                    {move || if sign_in.pending().get() { i18n.t("登录中…", "Signing in…") } else { i18n.t("登录", "Sign in") }}
                </button>
            </form>
            {move || general_error().map(|error| view! { <ErrorNotice error=error /> })}
            <p class="muted small">{move || i18n.t(
                "忘记密码？请联系所在学院团委或组织的管理员重置。",
                "Forgot your password? Ask your college league committee or organisation admin to reset it.",
            )}</p>
        </section>
    }
}
