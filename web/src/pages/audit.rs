//! 日志: the audit log of the user's organisation and everything under it (谁发布，谁登记，
//! 谁审核，谁负责), newest first, filtered by kind of action; the filter and page stay in the URL.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use shared::audit::AuditEntry;

use crate::{
    api::{self, AuditFilter},
    components::{
        error::ErrorNotice,
        pager::Pager,
        table::{Cell, DataTable},
    },
    format,
    i18n::use_i18n,
    labels,
};

const PER_PAGE: u32 = 30;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let action = Memo::new(move |_| query.read().get("action").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    });
    let entries = LocalResource::new(move || {
        let filter = AuditFilter {
            action: Some(action.get()),
            ..Default::default()
        };
        let page = page.get();
        async move { api::audit(&filter, page, PER_PAGE).await }
    });
    let go = move |action: &str, page: u32| {
        let mut parts = Vec::new();
        if !action.is_empty() {
            parts.push(format!("action={}", api::encode(action)));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        let url = if parts.is_empty() {
            "/audit".to_owned()
        } else {
            format!("/audit?{}", parts.join("&"))
        };
        navigate(
            &url,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };

    view! {
        <h1>{move || i18n.t("操作日志", "Audit log")}</h1>
        <p class="muted">{move || i18n.t(
            "本组织及下级组织的全部操作，最新的在前；日志只增不改。",
            "Everything done in your organisation and below it, newest first; the log is append-only.",
        )}</p>
        <div class="chips" role="group" aria-label=move || i18n.t("按操作筛选", "Filter by action") data-testid="audit-filter">
            <button class="chip" class:chip-on=move || action.read().is_empty() on:click={
                let go = go.clone();
                move |_| go("", 1)
            }>{move || i18n.t("全部", "All")}</button>
            {labels::ACTION_GROUPS.into_iter().map(|(prefix, zh, en)| {
                let go = go.clone();
                view! {
                    <button class="chip" data-action=prefix class:chip-on=move || action.read().as_str() == prefix
                        on:click=move |_| go(prefix, 1)>
                        {move || i18n.t(zh, en)}
                    </button>
                }
            }).collect_view()}
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || entries.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="audit-empty">
                        <p>{move || i18n.t("还没有这类操作记录。", "Nothing of this kind has been recorded yet.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    let go = go.clone();
                    view! {
                        <AuditTable entries=list.items />
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |page: u32| {
                            go(&action.get_untracked(), page)
                        }) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| entries.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let columns = vec![
        ("时间", "When"),
        ("操作人", "Who"),
        ("操作", "Action"),
        ("对象", "Record"),
        ("组织", "Organisation"),
        ("详情", "Details"),
    ];
    view! {
        <DataTable columns=columns testid="audit-table">
            {entries.into_iter().map(|entry| {
                let at = entry.at;
                let action = entry.action.clone();
                let code = entry.action.clone();
                let actor = match (&entry.actor_name, &entry.actor_username) {
                    (Some(name), Some(username)) => format!("{name}（{username}）"),
                    (Some(name), None) => name.clone(),
                    (None, Some(username)) => username.clone(),
                    (None, None) => String::new(),
                };
                let system = entry.actor_id.is_none();
                let details = details(&entry.details);
                view! {
                    <tr data-testid="audit-row" data-action=entry.action.clone()>
                        <Cell zh="时间" en="When" class="cell-key">{move || format::datetime(i18n.locale(), at)}</Cell>
                        <Cell zh="操作人" en="Who">{move || if system { i18n.t("系统", "System").to_owned() } else { actor.clone() }}</Cell>
                        <Cell zh="操作" en="Action" class="cell-title">
                            {move || labels::action(i18n, &action)}
                            <span class="muted small code">{code}</span>
                        </Cell>
                        <Cell zh="对象" en="Record" class="cell-nowrap">{format!("{} #{}", entry.target_type, entry.target_id)}</Cell>
                        <Cell zh="组织" en="Organisation" class="cell-nowrap">{entry.organization_name.clone().unwrap_or_default()}</Cell>
                        <Cell zh="详情" en="Details" class="cell-details cell-audit-details">
                            <ul class="kv" data-testid="audit-details">
                                {details.into_iter().map(|(key, value, full)| view! {
                                    <li><span class="kv-key">{key}</span>": "<span class="kv-value" title=full>{value}</span></li>
                                }).collect_view()}
                            </ul>
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// The details as `key: value` pairs, nested objects by dotted keys; each with its full value
/// when it is shown shortened (a session id, which says nothing to a reader beyond telling two
/// apart, or a long value).
fn details(value: &serde_json::Value) -> Vec<(String, String, Option<String>)> {
    let mut pairs = Vec::new();
    flatten("", value, &mut pairs);
    pairs
        .into_iter()
        .map(|(key, text)| {
            let limit = if key == "session" || key.ends_with("session_id") {
                8
            } else {
                120
            };
            if text.chars().count() > limit {
                let short = text.chars().take(limit).collect::<String>() + "…";
                (key, short, Some(text))
            } else {
                (key, text, None)
            }
        })
        .collect()
}

/// `value` as (dotted key, text) pairs appended to `pairs`.
fn flatten(prefix: &str, value: &serde_json::Value, pairs: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, pairs);
            }
        }
        Value::Null if prefix.is_empty() => {}
        Value::Null => pairs.push((prefix.to_owned(), "—".to_owned())),
        Value::String(text) => pairs.push((prefix.to_owned(), text.clone())),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let text = items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join("、");
            pairs.push((prefix.to_owned(), text));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, pairs);
            }
        }
        other => pairs.push((prefix.to_owned(), other.to_string())),
    }
}
