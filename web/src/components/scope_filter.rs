//! The organisation and term a statistics page reads, kept in the URL (`?org=…&term=…`) so
//! that a reload or a shared link shows the same figures; without them the server answers for
//! the caller's organisation and the current term.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate, use_query_map},
};

use crate::{
    api::{self, InsightScope},
    components::org_select::{OrgSelect, subtree},
    i18n::use_i18n,
    session::use_session,
};

/// The scope the URL asks for.
pub fn use_scope() -> Memo<InsightScope> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| InsightScope {
            organization: q.get("org").and_then(|v| v.parse().ok()),
            term: q.get("term").and_then(|v| v.parse().ok()),
        })
    })
}

/// An organisation select (the caller's subtree; with `organizations`) and a term select,
/// newest term first. `term_shown` is the term the figures are of, selected while the URL
/// names none (the server's current term).
#[component]
pub fn ScopeFilter(
    scope: Memo<InsightScope>,
    #[prop(into)] term_shown: Signal<Option<i64>>,
    #[prop(optional)] organizations: bool,
    /// The selects' test ids.
    org_testid: &'static str,
    term_testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let location = use_location();
    let navigate = use_navigate();
    let terms = LocalResource::new(api::terms);
    let go = move |next: InsightScope| {
        let mut query = Vec::new();
        if let Some(org) = next.organization {
            query.push(format!("org={org}"));
        }
        if let Some(term) = next.term {
            query.push(format!("term={term}"));
        }
        let path = location.pathname.get_untracked();
        let url = if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let own = session.with_me(|me| me.map(|me| me.organization.id));
    let org_select = organizations.then(|| {
        let go = go.clone();
        let list = subtree(&[]);
        view! {
            <label class="field scope-field">
                <span class="field-label">{move || i18n.t("组织", "Organisation")}</span>
                <OrgSelect organizations=list testid=org_testid
                    value=Signal::derive(move || scope.get().organization.or(own))
                    on_change=Callback::new(move |organization| go(InsightScope { organization, ..scope.get_untracked() })) />
            </label>
        }
    });
    view! {
        <div class="filters scope-filters">
            {org_select}
            <label class="field scope-field">
                <span class="field-label">{move || i18n.t("学期", "Term")}</span>
                <select data-testid=term_testid
                    on:change=move |ev| go(InsightScope { term: event_target_value(&ev).parse().ok(), ..scope.get_untracked() })>
                    {move || terms.get().and_then(Result::ok).map(|list| list.into_iter().rev().map(|t| {
                        let id = t.id;
                        view! {
                            <option value=id.to_string() selected=move || scope.get().term.or(term_shown.get()) == Some(id)>{t.name}</option>
                        }
                    }).collect_view())}
                </select>
            </label>
        </div>
    }
}
