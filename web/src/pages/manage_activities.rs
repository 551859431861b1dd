//! 活动管理: every activity the organisation's subtree runs, drafts included, filtered by
//! status (kept in the URL), each leading to its page with the next steps; 发布活动 starts a
//! new one.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{activity::ActivityStatus, auth::Permission};

use crate::{
    api::{self, ActivityFilter},
    components::{activity::ActivityCard, error::ErrorNotice, pager::Pager},
    i18n::use_i18n,
    labels,
    session::use_session,
};

const PER_PAGE: u32 = 12;

const STATUSES: [ActivityStatus; 4] = [
    ActivityStatus::Draft,
    ActivityStatus::Submitted,
    ActivityStatus::Published,
    ActivityStatus::Cancelled,
];

#[component]
pub fn ManageActivitiesPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let status = Memo::new(move |_| {
        query
            .read()
            .get("status")
            .and_then(|s| ActivityStatus::parse(&s))
    });
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1_u32)
    });
    let search = RwSignal::new(q.get_untracked());
    let activities = LocalResource::new(move || {
        let filter = ActivityFilter {
            managed: true,
            status: status.get(),
            q: Some(q.get()),
            ..Default::default()
        };
        let page = page.get();
        async move { api::activities(&filter, page, PER_PAGE).await }
    });
    let go = move |status: Option<ActivityStatus>, q: String, page: u32| {
        let mut parts = Vec::new();
        if let Some(status) = status {
            parts.push(format!("status={}", status.as_str()));
        }
        if !q.trim().is_empty() {
            parts.push(format!("q={}", api::encode(q.trim())));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        let url = if parts.is_empty() {
            "/manage/activities".to_owned()
        } else {
            format!("/manage/activities?{}", parts.join("&"))
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

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("活动管理", "Activities")}</h1>
            {move || session.can(Permission::PublishActivities).then(|| view! {
                <A href="/manage/activities/new" attr:class="btn btn-primary" attr:data-testid="activity-new">{move || i18n.t("发布活动", "New activity")}</A>
            })}
        </div>
        <form class="filters" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="manage-search"
                placeholder=move || i18n.t("搜索活动名称或地点", "Search titles and places")
                prop:value=search
                on:input={
                    let go = go.clone();
                    move |ev| {
                        let text = event_target_value(&ev);
                        search.set(text.clone());
                        go(status.get_untracked(), text, 1);
                    }
                } />
        </form>
        <div class="chips" data-testid="manage-status">
            <button type="button" class="chip" class:chip-on=move || status.get().is_none()
                on:click={
                    let go = go.clone();
                    move |_| go(None, q.get_untracked(), 1)
                }>{move || i18n.t("全部", "All")}</button>
            {STATUSES.into_iter().map(|s| {
                let go = go.clone();
                view! {
                    <button type="button" class="chip" class:chip-on=move || status.get() == Some(s) data-status=s.as_str()
                        on:click=move |_| go(Some(s), q.get_untracked(), 1)>
                        {move || labels::activity_status(i18n, s)}
                    </button>
                }
            }).collect_view()}
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {
                let go = go.clone();
                move || activities.get().map(|result| match result {
                    Ok(list) if list.items.is_empty() => view! {
                        <div class="empty" data-testid="manage-empty">
                            <p class="empty-icon" aria-hidden="true">"☆"</p>
                            <p>{move || i18n.t("没有符合条件的活动。", "No activity matches.")}</p>
                            <p class="muted">{move || i18n.t("点击“发布活动”创建草稿，填写完成后提交审核。", "Create a draft with “New activity”, then submit it for review.")}</p>
                        </div>
                    }.into_any(),
                    Ok(list) => {
                        let (current, pages, total) = (list.page, list.pages(), list.total);
                        let go = go.clone();
                        view! {
                            <div class="cards activity-cards" data-testid="manage-list">
                                {list.items.into_iter().map(|activity| {
                                    let href = format!("/activities/{}", activity.id);
                                    view! { <ActivityCard activity=activity href=href /> }
                                }).collect_view()}
                            </div>
                            <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| {
                                go(status.get_untracked(), q.get_untracked(), p)
                            }) />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| activities.refetch()) /> }.into_any(),
                })
            }
        </Transition>
    }
}
