//! An organisation's accounts (`/org/:id/accounts`): its main account and sub-accounts (子账号)
//! with their permissions. With `manage_accounts` over it, the user creates sub-accounts with a
//! subset of their own permissions, changes what a sub-account may do, disables or re-enables
//! an account, and resets a password (the one-time password is shown once).

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    auth::{Permission, check_name, check_password, check_username},
    organization::{CreateSubAccount, OrgAccount, Organization, PasswordReset, UpdateAccount},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, for_field, message},
        field::Field,
        permissions::{PermissionChecklist, PermissionTags},
        route::id_param,
        secret::OneTimePassword,
    },
    i18n::use_i18n,
    labels,
    session::use_session,
};

#[component]
pub fn OrgAccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let organization = LocalResource::new(move || {
        let id = id.get();
        async move {
            let id = id.ok_or_else(|| {
                ApiError::new(shared::ErrorCode::NotFound, "no such organisation")
            })?;
            api::organization(id).await
        }
    });
    let accounts = LocalResource::new(move || {
        let id = id.get();
        async move {
            let id = id.ok_or_else(|| {
                ApiError::new(shared::ErrorCode::NotFound, "no such organisation")
            })?;
            api::organization_accounts(id).await.map(|page| page.items)
        }
    });
    // Writes refresh the list only: the form keeps its confirmation.
    let changed = Callback::new(move |()| accounts.refetch());
    let loading = move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> };

    view! {
        <p class="crumbs"><A href="/org">{move || i18n.t("← 组织架构", "← Organisations")}</A></p>
        <Suspense fallback=loading>
            {move || organization.get().map(|result| match result {
                Ok(organization) => view! {
                    <OrgHeader organization=organization.clone() />
                    <NewSubAccount organization=organization.clone() changed=changed />
                    <h2 class="section-title">{move || i18n.t("账号", "Accounts")}</h2>
                    <Transition fallback=loading>
                        {move || accounts.get().map(|result| match result {
                            Ok(list) => view! {
                                <ul class="account-list" data-testid="account-list">
                                    {list.into_iter().map(|account| view! {
                                        <AccountCard account=account organization_id=organization.id changed=changed />
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| accounts.refetch()) /> }.into_any(),
                        })}
                    </Transition>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| organization.refetch()) /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn OrgHeader(organization: Organization) -> impl IntoView {
    let i18n = use_i18n();
    let kind = organization.kind;
    view! {
        <h1 data-testid="org-accounts-title">
            {organization.name.clone()}
            " "
            <span class="badge badge-kind">{move || labels::org_kind(i18n, kind)}</span>
            {(!organization.active).then(|| view! { <span class="badge badge-off">{move || i18n.t("已停用", "Inactive")}</span> })}
        </h1>
    }
}

#[component]
fn NewSubAccount(organization: Organization, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let organization_id = organization.id;
    let open = RwSignal::new(false);
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(format!("{}·", organization.name));
    let password = RwSignal::new(String::new());
    let permissions = RwSignal::new(Vec::<Permission>::new());
    let tried = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let created = RwSignal::new(None::<String>);

    let shown = move |field: &'static str, text: &str| -> Option<Option<String>> {
        if let Some(error) = for_field(i18n, server_error.read().as_ref(), field) {
            return Some(Some(error));
        }
        (text.is_empty() && !tried.get()).then_some(None)
    };
    let username_error = Signal::derive(move || {
        let text = username.get();
        shown("username", &text).unwrap_or_else(|| {
            check_username("username", text.trim())
                .err()
                .map(|e| message(i18n, &e))
        })
    });
    let name_error = Signal::derive(move || {
        let text = display_name.get();
        shown("display_name", &text).unwrap_or_else(|| {
            check_name("display_name", &text)
                .err()
                .map(|e| message(i18n, &e))
        })
    });
    let password_error = Signal::derive(move || {
        let text = password.get();
        shown("password", &text).unwrap_or_else(|| {
            check_password("password", &text, username.get().trim())
                .err()
                .map(|e| message(i18n, &e))
        })
    });
    let permissions_error =
        Signal::derive(move || for_field(i18n, server_error.read().as_ref(), "permissions"));
    let create = Action::new_local(move |request: &CreateSubAccount| {
        let request = request.clone();
        async move {
            match api::create_sub_account(organization_id, &request).await {
                Ok(account) => {
                    server_error.set(None);
                    tried.set(false);
                    username.set(String::new());
                    password.set(String::new());
                    permissions.set(Vec::new());
                    open.set(false);
                    created.set(Some(account.username));
                    changed.run(());
                }
                Err(error) => server_error.set(Some(error)),
            }
        }
    });
    let forget = Callback::new(move |()| server_error.set(None));
    let known_fields = ["username", "display_name", "password", "permissions"];

    view! {
        <section class="panel">
            <div class="panel-head">
                <h2>{move || i18n.t("新建子账号", "New sub-account")}</h2>
                <button class="btn btn-small" data-testid="sub-account-new" on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { i18n.t("收起", "Close") } else { i18n.t("新建", "New") }}
                </button>
            </div>
            <p class="muted small">{move || i18n.t(
                "子账号只能获得你自己拥有的权限，例如只给宣传干事“发布活动”。",
                "A sub-account gets a subset of your own permissions — say, only “Publish activities” for the publicity officer.",
            )}</p>
            {move || created.get().map(|name| view! {
                <p class="notice notice-ok" role="status" data-testid="sub-account-created">
                    {move || match i18n.locale() {
                        crate::i18n::Locale::Zh => format!("已创建子账号 {name}。"),
                        crate::i18n::Locale::En => format!("Sub-account {name} created."),
                    }}
                </p>
            })}
            <form class="form-grid" data-testid="sub-account-form" novalidate class:collapsed=move || !open.get() on:submit=move |ev| {
                ev.prevent_default();
                tried.set(true);
                let request = CreateSubAccount {
                    username: username.get_untracked().trim().to_owned(),
                    display_name: display_name.get_untracked().trim().to_owned(),
                    password: password.get_untracked(),
                    permissions: permissions.get_untracked(),
                };
                if request.validate().is_ok() {
                    created.set(None);
                    create.dispatch(request);
                }
            }>
                <Field zh="账号名" en="Account name" value=username error=username_error testid="sub-account-username"
                    autocomplete="off" placeholder="cs_media" on_edit=forget />
                <Field zh="显示名称" en="Display name" value=display_name error=name_error testid="sub-account-name" on_edit=forget />
                <Field zh="初始密码" en="First password" value=password error=password_error testid="sub-account-password"
                    autocomplete="new-password" on_edit=forget hint=crate::components::field::PASSWORD_HINT />
                <div class="form-grid-wide">
                    <PermissionChecklist selected=permissions testid="sub-account-permissions".to_owned() />
                    <span class="field-error" data-testid="sub-account-permissions-error">{move || permissions_error.get()}</span>
                </div>
                <div class="actions form-grid-wide">
                    <button class="btn btn-primary" type="submit" data-testid="sub-account-submit" disabled=move || create.pending().get()>
                        {move || i18n.t("创建子账号", "Create sub-account")}
                    </button>
                </div>
            </form>
            {move || server_error.get()
                .filter(|e| !e.field.as_deref().is_some_and(|f| known_fields.contains(&f)))
                .map(|error| view! { <ErrorNotice error=error /> })}
        </section>
    }
}

#[component]
fn AccountCard(account: OrgAccount, organization_id: i64, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = account.id;
    let is_main = account.is_main;
    let active = account.active;
    let held = account.permissions.clone();
    // What the server would let this user do to this account (it checks again).
    let manageable = Memo::new(move |_| {
        session.with_me(|me| {
            me.is_some_and(|me| {
                me.can(Permission::ManageAccounts)
                    && me.id != id
                    && !(organization_id == me.organization.id
                        && (is_main || held.iter().any(|p| !me.can(*p))))
            })
        })
    });
    let selected = RwSignal::new(account.permissions.clone());
    let saved = RwSignal::new(account.permissions.clone());
    let dirty = move || selected.get() != saved.get();
    let editing = RwSignal::new(false);
    let reset = RwSignal::new(None::<PasswordReset>);

    let update = Action::new_local(move |request: &UpdateAccount| {
        let request = request.clone();
        async move {
            let outcome = api::update_account(id, &request).await;
            match &outcome {
                // Enabling or disabling shows in the whole list.
                Ok(_) if request.active.is_some() => changed.run(()),
                Ok(account) => {
                    saved.set(account.permissions.clone());
                    editing.set(false);
                }
                Err(_) => {}
            }
            outcome.map(drop)
        }
    });
    let reset_password = Action::new_local(move |(): &()| async move {
        let outcome = api::reset_password(id).await;
        if let Ok(answer) = &outcome {
            reset.set(Some(answer.clone()));
        }
        outcome.map(drop)
    });
    let username = account.username.clone();
    let confirm = move |question_zh: String, question_en: String| {
        let question = match i18n.locale() {
            crate::i18n::Locale::Zh => question_zh,
            crate::i18n::Locale::En => question_en,
        };
        web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false)
    };
    let ask_reset = {
        let username = username.clone();
        move |_| {
            if confirm(
                format!(
                    "重置 {username} 的密码？其登录将全部退出，须用一次性密码重新登录并修改密码。"
                ),
                format!(
                    "Reset the password of {username}? Its sessions end; it signs in with a one-time password and must change it."
                ),
            ) {
                reset_password.dispatch(());
            }
        }
    };
    let ask_disable = {
        let username = username.clone();
        move |_| {
            if confirm(
                format!("停用 {username}？它将立即退出并无法登录。"),
                format!("Disable {username}? It is signed out at once and cannot sign in."),
            ) {
                update.dispatch(UpdateAccount {
                    active: Some(false),
                    ..Default::default()
                });
            }
        }
    };
    let error = move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| reset_password.value().get().and_then(Result::err))
    };

    view! {
        <li class="account-card" class:account-off=!active data-testid="account-card" data-username=account.username.clone()>
            <div class="account-card-head">
                <div>
                    <p class="account-name">{account.display_name.clone()}</p>
                    <p class="muted">{account.username.clone()}</p>
                </div>
                <div class="badges">
                    <span class="badge" class:badge-main=is_main>
                        {move || if is_main { i18n.t("主账号", "Main account") } else { i18n.t("子账号", "Sub-account") }}
                    </span>
                    {(!active).then(|| view! { <span class="badge badge-off" data-testid="account-disabled">{move || i18n.t("已停用", "Disabled")}</span> })}
                    {account.must_change_password.then(|| view! { <span class="badge badge-warn">{move || i18n.t("待改密码", "Must change password")}</span> })}
                </div>
            </div>
            {
                let testid = format!("account-{}-permissions", account.username);
                move || if is_main {
                    view! { <p class="muted small">{move || i18n.t("主账号拥有本组织的全部权限。", "A main account holds every permission of its organisation.")}</p> }.into_any()
                } else if manageable.get() && editing.get() {
                    view! {
                        <PermissionChecklist selected=selected testid=testid.clone() disabled=Signal::derive(move || update.pending().get()) />
                        <div class="actions">
                            <button class="btn btn-primary btn-small" data-testid="account-save-permissions"
                                disabled=move || !dirty() || update.pending().get()
                                on:click=move |_| { update.dispatch(UpdateAccount { permissions: Some(selected.get_untracked()), ..Default::default() }); }>
                                {move || i18n.t("保存权限", "Save permissions")}
                            </button>
                            <button class="btn btn-small" on:click=move |_| { selected.set(saved.get_untracked()); editing.set(false); }>
                                {move || i18n.t("取消", "Cancel")}
                            </button>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="account-perms" data-testid="account-permissions">
                            {move || view! { <PermissionTags permissions=saved.get() /> }}
                            {move || (manageable.get() && !is_main).then(|| view! {
                                <button class="btn btn-small" data-testid="account-edit-permissions" on:click=move |_| editing.set(true)>
                                    {move || i18n.t("修改权限", "Change permissions")}
                                </button>
                            })}
                        </div>
                    }.into_any()
                }
            }
            {move || manageable.get().then(|| view! {
                <div class="actions">
                    <button class="btn btn-small" data-testid="account-reset-password" disabled=move || reset_password.pending().get()
                        on:click=ask_reset.clone()>
                        {move || i18n.t("重置密码", "Reset password")}
                    </button>
                    {if active {
                        view! {
                            <button class="btn btn-small btn-danger-outline" data-testid="account-disable" disabled=move || update.pending().get()
                                on:click=ask_disable.clone()>
                                {move || i18n.t("停用", "Disable")}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <button class="btn btn-small" data-testid="account-enable" disabled=move || update.pending().get()
                                on:click=move |_| { update.dispatch(UpdateAccount { active: Some(true), ..Default::default() }); }>
                                {move || i18n.t("启用", "Enable")}
                            </button>
                        }.into_any()
                    }}
                </div>
            })}
            {move || reset.get().map(|answer| view! {
                <OneTimePassword username=answer.username password=answer.temporary_password
                    on_close=Callback::new(move |()| reset.set(None)) />
            })}
            {move || error().map(|error| view! { <ErrorNotice error=error /> })}
        </li>
    }
}
