//! 通知: the in-app notifications (an activity cancelled, a waitlist place, a decision, a draw),
//! newest first. Opening the list marks them read, which clears the badge on 我的.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api,
    components::{error::ErrorNotice, pager::Pager, unread::Unread},
    format,
    i18n::use_i18n,
};

const PER_PAGE: u32 = 20;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let unread = expect_context::<Unread>();
    let page = RwSignal::new(1_u32);
    let list = LocalResource::new(move || {
        let page = page.get();
        async move {
            let list = api::notifications(false, page, PER_PAGE).await;
            // Seen now: clear the badge (the list keeps showing which were new).
            if list
                .as_ref()
                .is_ok_and(|l| l.items.iter().any(|n| n.read_at.is_none()))
                && api::read_notifications().await.is_ok()
            {
                unread.0.refetch();
            }
            list
        }
    });

    view! {
        <p class="crumbs"><A href="/account">{move || i18n.t("‹ 我的", "‹ Me")}</A></p>
        <h1>{move || i18n.t("通知", "Notifications")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="notifications-empty">
                        <p class="empty-icon" aria-hidden="true">"✉"</p>
                        <p>{move || i18n.t("暂无通知。报名结果、候补递补和活动变动会在这里告诉你。", "No notifications. Sign-up results, waitlist places and changes to activities appear here.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    view! {
                        <ul class="notification-list" data-testid="notifications">
                            {list.items.into_iter().map(|n| {
                                let at = n.created_at;
                                let new = n.read_at.is_none();
                                view! {
                                    <li class="notification" class:notification-new=new data-testid="notification" data-kind=n.kind.clone()>
                                        <p class="notification-title">
                                            {new.then(|| view! { <span class="dot" aria-label=move || i18n.t("未读", "Unread")></span> })}
                                            {n.title.clone()}
                                        </p>
                                        <p class="notification-body">{n.body.clone()}</p>
                                        <p class="muted small">
                                            {move || format::datetime(i18n.locale(), at)}
                                            {n.activity_id.map(|id| view! { " · " <A href=format!("/activities/{id}")>{move || i18n.t("查看活动", "Open the activity")}</A> })}
                                            {(n.kind == "survey_published").then(|| view! { " · " <A href="/">{move || i18n.t("去首页填写", "Answer on the home page")}</A> })}
                                        </p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| page.set(p)) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}
