//! 组织: the organisation tree, indented by `path`, searchable (the search stays in the URL).
//! Inside the user's own subtree, and with `manage_accounts`, an organisation can get a child
//! (created with its main account), be renamed, and be deactivated or reactivated.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError,
    auth::{Permission, check_name, check_password, check_username},
    organization::{
        CreateOrganization, NewMainAccount, OrgKind, Organization, UpdateOrganization, check_code,
    },
};

use crate::{
    api::{self, OrgFilter},
    components::{
        error::{ErrorNotice, for_field, message},
        field::Field,
    },
    i18n::use_i18n,
    labels,
    session::use_session,
};

/// What is open under a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    CreateChild,
    Rename,
}

#[component]
pub fn OrgPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let search = RwSignal::new(q.get_untracked());
    let organizations = LocalResource::new(move || {
        let filter = OrgFilter {
            q: Some(q.get()),
            include_inactive: true,
            ..Default::default()
        };
        async move { api::all_organizations(&filter).await }
    });
    let open = RwSignal::new(None::<(i64, Panel)>);
    let changed = Callback::new(move |()| {
        open.set(None);
        organizations.refetch();
    });
    let set_query = move |text: String| {
        let path = if text.trim().is_empty() {
            "/org".to_owned()
        } else {
            format!("/org?q={}", api::encode(text.trim()))
        };
        navigate(
            &path,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };

    view! {
        <h1>{move || i18n.t("组织架构", "Organisations")}</h1>
        <p class="muted">{move || i18n.t(
            "校团委 → 学院团委与校级组织 → 社团。你可以管理本组织及其下级。",
            "School committee → college committees and school-level organisations → clubs. You manage your own organisation and everything under it.",
        )}</p>
        <form class="toolbar" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="org-search"
                placeholder=move || i18n.t("搜索组织名称或代码", "Search by name or code")
                prop:value=search
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    search.set(text.clone());
                    set_query(text);
                } />
        </form>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || organizations.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <div class="empty" data-testid="org-empty">
                        <p>{move || i18n.t("没有找到匹配的组织。", "No organisation matches.")}</p>
                        <p class="muted">{move || i18n.t("换个关键词，或清空搜索查看全部。", "Try another word, or clear the search to see all.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    // Search results lack their parents: indent relative to the shallowest.
                    let top = list.iter().map(|org| org.path.len()).min().unwrap_or(1);
                    view! {
                        <ul class="org-tree" data-testid="org-tree">
                            {list.into_iter().map(|org| {
                                let depth = org.path.len() - top;
                                view! { <OrgRow org=org depth=depth open=open changed=changed /> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| organizations.refetch()) /> }.into_any(),
            })}
        </Transition>
        {move || (!session.can(Permission::ManageAccounts)).then(|| view! {
            <p class="muted small">{move || i18n.t(
                "当前账号没有“管理账号”权限，只能查看。",
                "This account lacks the “Manage accounts” permission: view only.",
            )}</p>
        })}
    }
}

#[component]
fn OrgRow(
    org: Organization,
    /// Indentation: levels below the shallowest organisation shown.
    depth: usize,
    open: RwSignal<Option<(i64, Panel)>>,
    changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = org.id;
    let kind = org.kind;
    let active = org.active;
    // Manageable: inside the user's subtree, with `manage_accounts` (the server checks again).
    let path = org.path.clone();
    let manageable = Memo::new(move |_| {
        session.with_me(|me| {
            me.is_some_and(|me| {
                me.can(Permission::ManageAccounts) && me.organization.contains(&path)
            })
        })
    });
    // Moving and (de)activating work only strictly below the user's own organisation.
    let below_own = move || session.with_me(|me| me.is_some_and(|me| me.organization.id != id));
    let may_have_children = OrgKind::ALL
        .into_iter()
        .any(|child| kind.may_contain(child));
    let toggle = move |panel: Panel| {
        open.update(|open| {
            *open = if *open == Some((id, panel)) {
                None
            } else {
                Some((id, panel))
            }
        })
    };
    let set_active = Action::new_local(move |active: &bool| {
        let request = UpdateOrganization {
            active: Some(*active),
            ..Default::default()
        };
        async move {
            let outcome = api::update_organization(id, &request).await;
            if outcome.is_ok() {
                changed.run(());
            }
            outcome
        }
    });
    let name = org.name.clone();
    let confirm_deactivate = Callback::new(move |()| {
        let question = match i18n.locale() {
            crate::i18n::Locale::Zh => {
                format!("停用“{name}”及其全部下级组织？它们的账号将无法登录。")
            }
            crate::i18n::Locale::En => format!(
                "Deactivate “{name}” and everything under it? Their accounts can no longer sign in."
            ),
        };
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if confirmed {
            set_active.dispatch(false);
        }
    });

    view! {
        <li class="org" class:org-inactive=!active style=format!("--depth: {depth}") data-depth=depth.to_string()
            data-testid="org-row" data-code=org.code.clone() data-id=id.to_string()>
            <div class="org-line">
                <div class="org-main">
                    <span class="org-name">{org.name.clone()}</span>
                    <span class="badge badge-kind">{move || labels::org_kind(i18n, kind)}</span>
                    {(!active).then(|| view! { <span class="badge badge-off">{move || i18n.t("已停用", "Inactive")}</span> })}
                    <span class="org-meta muted">
                        {org.code.clone()}
                        {org.main_account.clone().map(|account| format!(" · {account}"))}
                    </span>
                </div>
                {move || manageable.get().then(|| view! {
                    <div class="org-actions">
                        <A href=format!("/org/{id}/accounts") attr:class="btn btn-small" attr:data-testid="org-accounts">
                            {move || i18n.t("账号", "Accounts")}
                        </A>
                        {(may_have_children && active).then(|| view! {
                            <button class="btn btn-small" data-testid="org-add-child" on:click=move |_| toggle(Panel::CreateChild)>
                                {move || i18n.t("新建下级", "Add child")}
                            </button>
                        })}
                        <button class="btn btn-small" data-testid="org-rename" on:click=move |_| toggle(Panel::Rename)>
                            {move || i18n.t("重命名", "Rename")}
                        </button>
                        {move || below_own().then(|| if active {
                            view! {
                                <button class="btn btn-small btn-danger-outline" data-testid="org-deactivate"
                                    disabled=move || set_active.pending().get() on:click=move |_| confirm_deactivate.run(())>
                                    {move || i18n.t("停用", "Deactivate")}
                                </button>
                            }.into_any()
                        } else {
                            view! {
                                <button class="btn btn-small" data-testid="org-activate"
                                    disabled=move || set_active.pending().get() on:click=move |_| { set_active.dispatch(true); }>
                                    {move || i18n.t("启用", "Reactivate")}
                                </button>
                            }.into_any()
                        })}
                    </div>
                })}
            </div>
            {move || set_active.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
            {
                let org = org.clone();
                move || match open.get() {
                    Some((open_id, Panel::CreateChild)) if open_id == id => {
                        view! { <CreateChild parent=org.clone() changed=changed /> }.into_any()
                    }
                    Some((open_id, Panel::Rename)) if open_id == id => {
                        view! { <Rename org=org.clone() changed=changed /> }.into_any()
                    }
                    _ => ().into_any(),
                }
            }
        </li>
    }
}

#[component]
fn Rename(org: Organization, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = org.id;
    let name = RwSignal::new(org.name.clone());
    let server_error = RwSignal::new(None::<ApiError>);
    let name_error = Signal::derive(move || {
        for_field(i18n, server_error.read().as_ref(), "name").or_else(|| {
            check_name("name", &name.get())
                .err()
                .map(|e| message(i18n, &e))
        })
    });
    let save = Action::new_local(move |new_name: &String| {
        let request = UpdateOrganization {
            name: Some(new_name.trim().to_owned()),
            ..Default::default()
        };
        async move {
            match api::update_organization(id, &request).await {
                Ok(_) => changed.run(()),
                Err(error) => server_error.set(Some(error)),
            }
        }
    });
    view! {
        <form class="inline-form" data-testid="org-rename-form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            if name_error.get_untracked().is_none() {
                save.dispatch(name.get_untracked());
            }
        }>
            <Field zh="新名称" en="New name" value=name error=name_error testid="org-rename-name"
                on_edit=Callback::new(move |()| server_error.set(None)) />
            <div class="actions">
                <button class="btn btn-primary" type="submit" data-testid="org-rename-submit"
                    disabled=move || name_error.get().is_some() || save.pending().get()>
                    {move || i18n.t("保存", "Save")}
                </button>
            </div>
            {move || server_error.get().filter(|e| e.field.as_deref() != Some("name")).map(|error| view! { <ErrorNotice error=error /> })}
        </form>
    }
}

#[component]
fn CreateChild(parent: Organization, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let kinds: Vec<OrgKind> = OrgKind::ALL
        .into_iter()
        .filter(|kind| parent.kind.may_contain(*kind))
        .collect();
    let kind = RwSignal::new(kinds.first().copied().unwrap_or(OrgKind::Club));
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let tried = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let parent_id = parent.id;

    // A rule's message once the field has something in it, or after a submit attempt.
    let rule = move |field: &'static str,
                     value: RwSignal<String>,
                     check: fn(&str, &str, &str) -> Result<(), ApiError>,
                     other: Option<RwSignal<String>>| {
        Signal::derive(move || {
            if let Some(error) = for_field(i18n, server_error.read().as_ref(), field) {
                return Some(error);
            }
            let text = value.get();
            if text.is_empty() && !tried.get() {
                return None;
            }
            let other = other.map(|o| o.get()).unwrap_or_default();
            check(field, &text, &other).err().map(|e| message(i18n, &e))
        })
    };
    let code_error = rule("code", code, |f, v, _| check_code(f, v), None);
    let name_error = rule("name", name, |f, v, _| check_name(f, v), None);
    let username_error = rule(
        "main_account.username",
        username,
        |f, v, _| check_username(f, v),
        None,
    );
    let password_error = rule(
        "main_account.password",
        password,
        check_password,
        Some(username),
    );
    let request = move || CreateOrganization {
        parent_id,
        kind: kind.get_untracked(),
        code: code.get_untracked().trim().to_owned(),
        name: name.get_untracked().trim().to_owned(),
        main_account: NewMainAccount {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        },
    };
    let create = Action::new_local(move |request: &CreateOrganization| {
        let request = request.clone();
        async move {
            match api::create_organization(&request).await {
                Ok(_) => changed.run(()),
                Err(error) => server_error.set(Some(error)),
            }
        }
    });
    let forget = Callback::new(move |()| server_error.set(None));
    let known_fields = [
        "code",
        "name",
        "main_account.username",
        "main_account.password",
    ];

    view! {
        <div class="inline-form" data-testid="org-create-form">
            <p class="muted small">{move || i18n.t(
                "新组织连同它的主账号一起创建；请把主账号和初始密码交给该组织的负责人。",
                "The organisation is created with its main account; hand the account and its first password to whoever runs it.",
            )}</p>
            <form class="form-grid" novalidate on:submit=move |ev| {
                ev.prevent_default();
                tried.set(true);
                let request = request();
                if request.validate().is_ok() {
                    create.dispatch(request);
                }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("类型", "Kind")}</span>
                    <select data-testid="org-create-kind" on:change=move |ev| {
                        if let Some(k) = OrgKind::parse(&event_target_value(&ev)) { kind.set(k) }
                    }>
                        {kinds.iter().map(|k| {
                            let k = *k;
                            view! { <option value=k.as_str() selected=move || kind.get() == k>{move || labels::org_kind(i18n, k)}</option> }
                        }).collect_view()}
                    </select>
                    <span class="field-error"></span>
                </label>
                <Field zh="名称" en="Name" value=name error=name_error testid="org-create-name" on_edit=forget />
                <Field zh="代码（小写字母、数字）" en="Code (lowercase, digits)" value=code error=code_error testid="org-create-code"
                    placeholder="robotics" on_edit=forget />
                <Field zh="主账号名" en="Main account name" value=username error=username_error testid="org-create-username"
                    autocomplete="off" placeholder="robotics_admin" on_edit=forget />
                <Field zh="主账号初始密码" en="Main account's first password" value=password error=password_error
                    testid="org-create-password" autocomplete="new-password" on_edit=forget />
                <div class="actions form-grid-wide">
                    <button class="btn btn-primary" type="submit" data-testid="org-create-submit" disabled=move || create.pending().get()>
                        {move || i18n.t("创建", "Create")}
                    </button>
                </div>
            </form>
            {move || server_error.get()
                .filter(|e| !e.field.as_deref().is_some_and(|f| known_fields.contains(&f)))
                .map(|error| view! { <ErrorNotice error=error /> })}
        </div>
    }
}
