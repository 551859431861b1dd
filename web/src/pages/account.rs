//! 我的: the signed-in account (role, organisation, permissions), changing the password —
//! forced after an admin reset, when this is the only page the app opens — and signing out
//! here or on every device.

use leptos::prelude::*;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use shared::{
    ApiError,
    auth::{ChangePasswordRequest, Me, check_password},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, for_field, message},
        field::Field,
        permissions::PermissionTags,
    },
    i18n::use_i18n,
    labels,
    session::use_session,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let must_change = move || session.with_me(|me| me.is_some_and(|me| me.must_change_password));

    view! {
        <h1>{move || i18n.t("我的账号", "My account")}</h1>
        {move || must_change().then(|| view! {
            <div class="notice notice-warn" role="alert" data-testid="must-change-password">
                <p class="notice-title">{move || i18n.t("请先修改密码", "Change your password first")}</p>
                <p class="notice-detail">{move || i18n.t(
                    "你的密码已由管理员重置。设置新密码后才能继续使用。",
                    "An administrator reset your password. Set a new one to continue.",
                )}</p>
            </div>
        })}
        {move || session.me().map(|me| view! { <AccountFacts me=me /> })}
        {move || (!must_change()).then(|| view! { <Shortcuts /> })}
        <ChangePassword />
        <SignOut />
    }
}

/// Where else to go from 我的: my activities and notifications, and on phones the pages folded
/// out of the tab bar.
#[component]
fn Shortcuts() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let unread = expect_context::<crate::components::unread::Unread>();
    let student = session.with_me(|me| me.is_some_and(|me| me.role == shared::auth::Role::Student));
    let folded = session.with_me(crate::components::layout::folded_tabs);
    view! {
        <nav class="menu" data-testid="account-menu">
            {student.then(|| view! {
                <A href="/me/activities" attr:class="menu-item" attr:data-testid="menu-my-activities">
                    <span>{move || i18n.t("我的活动", "My activities")}</span><span class="menu-arrow" aria-hidden="true">"›"</span>
                </A>
                <A href="/me/certificates" attr:class="menu-item" attr:data-testid="menu-my-certificates">
                    <span>{move || i18n.t("我的证书", "My certificates")}</span><span class="menu-arrow" aria-hidden="true">"›"</span>
                </A>
            })}
            <A href="/notifications" attr:class="menu-item" attr:data-testid="menu-notifications">
                <span>{move || i18n.t("通知", "Notifications")}</span>
                <span class="menu-end">
                    {move || (unread.count() > 0).then(|| view! { <span class="count-badge" data-testid="menu-unread">{unread.count()}</span> })}
                    <span class="menu-arrow" aria-hidden="true">"›"</span>
                </span>
            </A>
            {folded.into_iter().map(|(href, zh, en, key)| view! {
                <A href=href attr:class="menu-item menu-fold" attr:data-testid=format!("menu-{key}")>
                    <span>{move || i18n.t(zh, en)}</span><span class="menu-arrow" aria-hidden="true">"›"</span>
                </A>
            }).collect_view()}
        </nav>
    }
}

#[component]
fn AccountFacts(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let role = me.role;
    let kind = me.organization.kind;
    let organization = me.organization.name.clone();
    let is_organization = role.is_organization();
    view! {
        <section class="panel" data-testid="account-facts">
            <div class="account-head">
                <span class="avatar" aria-hidden="true">{me.display_name.chars().next().unwrap_or('?').to_string()}</span>
                <div>
                    <p class="account-name" data-testid="account-name">{me.display_name.clone()}</p>
                    <p class="muted">{me.username.clone()}</p>
                </div>
            </div>
            <dl class="facts facts-flat">
                <dt>{move || i18n.t("身份", "Role")}</dt>
                <dd data-testid="account-role">{move || labels::role(i18n, role)}</dd>
                <dt>{move || if is_organization { i18n.t("组织", "Organisation") } else { i18n.t("所属", "Belongs to") }}</dt>
                <dd data-testid="account-organization">
                    {organization}
                    " "
                    <span class="badge badge-kind">{move || labels::org_kind(i18n, kind)}</span>
                </dd>
                {is_organization.then(|| view! {
                    <dt>{move || i18n.t("权限", "Permissions")}</dt>
                    <dd data-testid="account-permissions"><PermissionTags permissions=me.permissions.clone() /></dd>
                })}
            </dl>
        </section>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let server_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);
    let username =
        move || session.with_me(|me| me.map(|me| me.username.clone()).unwrap_or_default());

    let current_error =
        Signal::derive(move || for_field(i18n, server_error.read().as_ref(), "current_password"));
    let new_error = Signal::derive(move || {
        if let Some(error) = for_field(i18n, server_error.read().as_ref(), "new_password") {
            return Some(error);
        }
        let typed = new.get();
        if typed.is_empty() {
            return None;
        }
        check_password("new_password", &typed, &username())
            .err()
            .map(|e| message(i18n, &e))
            .or_else(|| {
                (typed == current.get()).then(|| {
                    i18n.t(
                        "新密码不能与当前密码相同",
                        "The new password must differ from the current one",
                    )
                    .to_owned()
                })
            })
    });
    let repeat_error = Signal::derive(move || {
        let repeated = repeat.get();
        (!repeated.is_empty() && repeated != new.get()).then(|| {
            i18n.t("两次输入的密码不一致", "The passwords do not match")
                .to_owned()
        })
    });
    let ready = move || {
        !current.read().is_empty()
            && !new.read().is_empty()
            && new_error.get().is_none()
            && repeat.get() == new.get()
    };
    let other_error = move || {
        server_error.get().filter(|e| {
            !matches!(
                e.field.as_deref(),
                Some("current_password" | "new_password")
            )
        })
    };

    let change = Action::new_local(move |request: &ChangePasswordRequest| {
        let request = request.clone();
        let navigate = navigate.clone();
        async move {
            let was_forced = session
                .me_untracked()
                .is_some_and(|me| me.must_change_password);
            match api::change_password(&request).await {
                Ok(()) => {
                    server_error.set(None);
                    current.set(String::new());
                    new.set(String::new());
                    repeat.set(String::new());
                    done.set(true);
                    if let Ok(me) = api::me().await {
                        session.update_me(me);
                    }
                    if was_forced {
                        navigate("/", NavigateOptions::default());
                    }
                }
                Err(error) => server_error.set(Some(error)),
            }
        }
    });
    let forget = Callback::new(move |()| {
        server_error.set(None);
        done.set(false);
    });

    view! {
        <section class="panel">
            <h2>{move || i18n.t("修改密码", "Change password")}</h2>
            <form class="form-stack" data-testid="password-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                if ready() {
                    change.dispatch(ChangePasswordRequest {
                        current_password: current.get_untracked(),
                        new_password: new.get_untracked(),
                    });
                }
            }>
                <Field zh="当前密码" en="Current password" kind="password" value=current error=current_error
                    testid="current-password" autocomplete="current-password" on_edit=forget />
                <Field zh="新密码" en="New password" kind="password" value=new error=new_error
                    testid="new-password" autocomplete="new-password" on_edit=forget hint=crate::components::field::PASSWORD_HINT />
                <Field zh="再次输入新密码" en="Repeat the new password" kind="password" value=repeat error=repeat_error
                    testid="repeat-password" autocomplete="new-password" on_edit=forget />
                <button class="btn btn-primary btn-block" type="submit" data-testid="password-submit"
                    disabled=move || !ready() || change.pending().get()>
                    {move || i18n.t("保存新密码", "Save the new password")}
                </button>
            </form>
            {move || done.get().then(|| view! {
                <p class="notice notice-ok" role="status" data-testid="password-changed">
                    {move || i18n.t("密码已修改，其他设备上的登录已退出。", "Password changed; other devices were signed out.")}
                </p>
            })}
            {move || other_error().map(|error| view! { <ErrorNotice error=error /> })}
        </section>
    }
}

#[component]
fn SignOut() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    // `true` ends every session of the account, not only this one.
    let sign_out = Action::new_local(move |everywhere: &bool| {
        let everywhere = *everywhere;
        let navigate = navigate.clone();
        async move {
            let outcome = if everywhere {
                api::logout_all().await
            } else {
                api::logout().await
            };
            // Signed out here whatever the server said: a dead session is as good as ended.
            // Leave first, so that this page's guard does not ask to come back here.
            navigate("/login", NavigateOptions::default());
            session.clear();
            outcome
        }
    });
    view! {
        <section class="panel actions-panel">
            <button class="btn btn-block" data-testid="logout" disabled=move || sign_out.pending().get()
                on:click=move |_| { sign_out.dispatch(false); }>
                {move || i18n.t("退出登录", "Sign out")}
            </button>
            <button class="btn btn-block btn-danger-outline" data-testid="logout-all" disabled=move || sign_out.pending().get()
                on:click=move |_| { sign_out.dispatch(true); }>
                {move || i18n.t("退出所有设备", "Sign out on all devices")}
            </button>
            <p class="muted small">{move || i18n.t(
                "手机丢失或在公共电脑上登录过时，请选择“退出所有设备”。",
                "Lost a phone or used a shared computer? Sign out on all devices.",
            )}</p>
            {move || sign_out.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
        </section>
    }
}
