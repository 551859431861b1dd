//! Who may open a page. Signed-out users are sent to `/login?next=…`; an account without the
//! access sees a clear "no permission" state (the server would refuse it anyway).

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_location, use_navigate},
};
use shared::auth::{Me, Permission};

use crate::{i18n::use_i18n, session::use_session};

/// What a page needs of the signed-in account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    SignedIn,
    /// A student (their own points and transcript).
    Student,
    /// Any organisation account (main, sub or school admin).
    Organization,
    /// An organisation account holding this permission.
    Permission(Permission),
    /// An organisation account holding at least one of these.
    AnyPermission(&'static [Permission]),
    /// An instructor (a staff account).
    Instructor,
    /// Any one of these (a page that organisations and instructors each see their way).
    AnyOf(&'static [Access]),
}

impl Access {
    pub fn allows(self, me: &Me) -> bool {
        match self {
            Access::SignedIn => true,
            Access::Student => me.role == shared::auth::Role::Student,
            Access::Organization => me.role.is_organization(),
            Access::Permission(permission) => me.role.is_organization() && me.can(permission),
            Access::AnyPermission(permissions) => {
                me.role.is_organization() && permissions.iter().any(|p| me.can(*p))
            }
            Access::Instructor => me.role == shared::auth::Role::Instructor,
            Access::AnyOf(accesses) => accesses.iter().any(|a| a.allows(me)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gate {
    SignIn,
    /// A password change is pending: the layout sends the user to /account.
    Wait,
    Denied,
    Open,
}

/// Shows `children` only to an account with `access`.
#[component]
pub fn Guard(access: Access, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let navigate = use_navigate();
    let gate = Memo::new(move |_| {
        session.with_me(|me| match me {
            None => Gate::SignIn,
            Some(me) if me.must_change_password && location.pathname.get() != "/account" => {
                Gate::Wait
            }
            Some(me) if access.allows(me) => Gate::Open,
            Some(_) => Gate::Denied,
        })
    });
    Effect::new(move |_| {
        // Unless the user is already on the way there (signing out).
        if gate.get() == Gate::SignIn && location.pathname.get_untracked() != "/login" {
            navigate(
                &login_url(
                    &location.pathname.get_untracked(),
                    &location.search.get_untracked(),
                ),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    move || match gate.get() {
        Gate::Open => children().into_any(),
        Gate::Denied => view! { <NoPermission /> }.into_any(),
        Gate::SignIn | Gate::Wait => ().into_any(),
    }
}

/// `/login?next=<here>`.
pub fn login_url(path: &str, search: &str) -> String {
    let here = if search.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{search}")
    };
    format!("/login?next={}", crate::api::encode(&here))
}

/// The state a page shows to an account that may not use it.
#[component]
pub fn NoPermission() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="empty" data-testid="no-permission">
            <p class="empty-icon" aria-hidden="true">"⊘"</p>
            <h1>{move || i18n.t("没有权限", "No permission")}</h1>
            <p class="muted">{move || i18n.t(
                "当前账号不能使用此页面。如需使用，请联系本组织的主账号开通相应权限。",
                "This account may not use this page. Ask your organisation's main account for the permission.",
            )}</p>
            <A href="/" attr:class="btn btn-primary">{move || i18n.t("返回首页", "Back to home")}</A>
        </section>
    }
}
