//! The permission checkboxes of a sub-account: one per [`Permission`], enabled only for those
//! the signed-in account holds (nobody grants what they do not hold; the server refuses it).

use leptos::prelude::*;
use shared::auth::Permission;

use crate::{i18n::use_i18n, labels, session::use_session};

#[component]
pub fn PermissionChecklist(
    selected: RwSignal<Vec<Permission>>,
    /// Distinguishes several lists on a page (`{testid}-{permission}` per checkbox).
    testid: String,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <fieldset class="perm-list" data-testid=testid.clone()>
            <legend class="field-label">{move || i18n.t("权限", "Permissions")}</legend>
            {Permission::ALL.into_iter().map(|permission| {
                let grantable = move || session.can(permission);
                let checked = move || selected.with(|s| s.contains(&permission));
                view! {
                    <label class="perm" class:perm-off=move || !grantable()
                        title=move || (!grantable()).then(|| i18n.t("你没有此权限，不能授予", "You do not hold this permission"))>
                        <input type="checkbox"
                            data-testid=format!("{testid}-{}", permission.as_str())
                            prop:checked=checked
                            disabled=move || !grantable() || disabled.get()
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| {
                                    s.retain(|p| *p != permission);
                                    if on {
                                        s.push(permission);
                                        s.sort();
                                    }
                                });
                            } />
                        <span>{move || labels::permission(i18n, permission)}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// The permissions an account holds, as small tags.
#[component]
pub fn PermissionTags(permissions: Vec<Permission>) -> impl IntoView {
    let i18n = use_i18n();
    let empty = permissions.is_empty();
    view! {
        <span class="tags">
            {permissions.into_iter().map(|p| view! {
                <span class="tag" data-permission=p.as_str()>{move || labels::permission(i18n, p)}</span>
            }).collect_view()}
            {empty.then(|| view! { <span class="muted">{move || i18n.t("无", "None")}</span> })}
        </span>
    }
}
