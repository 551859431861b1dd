//! 我的活动: the student's sign-ups, newest first, each with its state (报名成功, 候补中 with the
//! place in the queue, 待审核 …) and a link to the activity.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::activity::RegistrationStatus;

use crate::{
    api,
    components::{error::ErrorNotice, no_shows::NoShowPanel, pager::Pager},
    format,
    i18n::{Locale, use_i18n},
    labels,
};

const PER_PAGE: u32 = 20;

#[component]
pub fn MyActivitiesPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1_u32);
    let record = LocalResource::new(api::my_no_shows);
    let registrations = LocalResource::new(move || {
        let page = page.get();
        async move { api::my_registrations(page, PER_PAGE).await }
    });

    view! {
        <p class="crumbs"><A href="/account">{move || i18n.t("‹ 我的", "‹ Me")}</A></p>
        <h1>{move || i18n.t("我的活动", "My activities")}</h1>
        <Transition fallback=|| ()>
            {move || record.get().and_then(Result::ok).map(|record| view! { <NoShowPanel record=record /> })}
        </Transition>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || registrations.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="my-activities-empty">
                        <p class="empty-icon" aria-hidden="true">"☆"</p>
                        <p>{move || i18n.t("你还没有报名任何活动。", "You have not signed up for anything yet.")}</p>
                        <A href="/activities?open=1" attr:class="btn btn-primary">{move || i18n.t("去看看报名中的活动", "See what is open")}</A>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    view! {
                        <ul class="reg-list" data-testid="my-activities">
                            {list.items.into_iter().map(|r| {
                                let status = r.status;
                                let position = r.waitlist_position;
                                let starts_at = r.activity_starts_at;
                                let registered_at = r.registered_at;
                                view! {
                                    <li>
                                        <A href=format!("/activities/{}", r.activity_id) attr:class="card card-link reg-card" attr:data-testid="my-activity" attr:data-activity=r.activity_id.to_string()>
                                            <div class="reg-card-head">
                                                <h2>{r.activity_title.clone()}</h2>
                                                <span class=labels::registration_badge(status) data-testid="my-activity-status" data-status=status.as_str()>
                                                    {move || labels::registration_status(i18n, status)}
                                                    {move || (status == RegistrationStatus::Waitlisted).then(|| position.map(|n| match i18n.locale() {
                                                        Locale::Zh => format!(" · 第 {n} 位"),
                                                        Locale::En => format!(" · #{n}"),
                                                    })).flatten()}
                                                </span>
                                            </div>
                                            <p class="activity-line"><span class="line-icon" aria-hidden="true">"◷"</span>{move || format::datetime(i18n.locale(), starts_at)}</p>
                                            <p class="muted small">{move || i18n.t("报名于 ", "Signed up ")}{move || format::datetime(i18n.locale(), registered_at)}</p>
                                            {r.excuse.clone().map(|reason| view! {
                                                <p class="small good" data-testid="my-activity-excused">{move || i18n.t("组织者已准假：", "Excused by the organiser: ")}{reason.clone()}</p>
                                            })}
                                        </A>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| page.set(p)) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| registrations.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}
