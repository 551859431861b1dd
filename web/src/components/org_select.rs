//! A select of the organisations in the signed-in account's subtree, indented as the tree is
//! (the pattern of the activity form's organiser picker).

use leptos::prelude::*;
use shared::organization::{OrgKind, Organization};

use crate::{
    api::{self, OrgFilter},
    i18n::use_i18n,
    session::use_session,
};

/// The subtree's active organisations of `kinds` (all kinds when empty), tree order.
pub fn subtree(kinds: &'static [OrgKind]) -> LocalResource<Vec<Organization>> {
    let session = use_session();
    LocalResource::new(move || {
        let within = session.with_me(|me| me.map(|me| me.organization.id));
        async move {
            api::all_organizations(&OrgFilter {
                within,
                ..Default::default()
            })
            .await
            .map(|list| {
                list.into_iter()
                    .filter(|o| o.active && (kinds.is_empty() || kinds.contains(&o.kind)))
                    .collect()
            })
            .unwrap_or_default()
        }
    })
}

/// The select; `any` (中文, English) adds a first option meaning "no choice".
#[component]
pub fn OrgSelect(
    organizations: LocalResource<Vec<Organization>>,
    #[prop(into)] value: Signal<Option<i64>>,
    #[prop(into)] on_change: Callback<Option<i64>>,
    testid: &'static str,
    #[prop(optional)] any: Option<(&'static str, &'static str)>,
    #[prop(optional, into)] invalid: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select data-testid=testid aria-invalid=move || invalid.get().to_string()
            on:change=move |ev| on_change.run(event_target_value(&ev).parse().ok())>
            {any.map(|(zh, en)| view! {
                <option value="" selected=move || value.get().is_none()>{move || i18n.t(zh, en)}</option>
            })}
            {move || organizations.get().map(|list| {
                let top = list.iter().map(|o| o.path.len()).min().unwrap_or(1);
                list.into_iter().map(|o| {
                    let id = o.id;
                    let indent = "　".repeat(o.path.len().saturating_sub(top));
                    view! { <option value=id.to_string() selected=move || value.get() == Some(id)>{indent}{o.name}</option> }
                }).collect_view()
            })}
        </select>
    }
}
