//! The working-day calendar: holidays (放假) and adjusted working days (调休) of a year. The
//! year and page live in the URL, so a filtered view can be shared and survives reloads.

use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::calendar::DayKind;

use crate::{
    api,
    components::{deadline::DeadlineCalculator, error::ErrorNotice},
    format,
    i18n::use_i18n,
};

const PER_PAGE: u32 = 50;

#[component]
pub fn CalendarPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let this_year = chrono::Utc::now().year();
    let year = Memo::new(move |_| {
        query
            .read()
            .get("year")
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(this_year)
    });
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    });
    let days = LocalResource::new(move || api::calendar_days(year.get(), page.get(), PER_PAGE));
    let navigate = use_navigate();
    let go = move |year: i32, page: u32| {
        navigate(
            &format!("/calendar?year={year}&page={page}"),
            Default::default(),
        )
    };

    view! {
        <h1>{move || i18n.t("校历与工作日", "Calendar and working days")}</h1>
        <p class="muted">{move || i18n.t(
            "周一至周五为工作日；下列日期为法定节假日或调休上班日。补录（5个工作日）和成绩认定（10个工作日）期限按此计算。",
            "Monday to Friday are working days, except the holidays below; the adjusted working days below are worked. Make-up (5 working days) and recognition (10 working days) deadlines count these.",
        )}</p>
        <DeadlineCalculator />
        <div class="toolbar">
            <label>
                {move || i18n.t("年份", "Year")}
                <select data-testid="year-select" on:change={
                    let go = go.clone();
                    move |ev| if let Ok(y) = event_target_value(&ev).parse() { go(y, 1) }
                } prop:value=move || year.get().to_string()>
                    {(this_year - 1..=this_year + 1).map(|y| view! { <option value=y.to_string()>{y}</option> }).collect_view()}
                </select>
            </label>
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || days.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty">
                        <p>{move || i18n.t("这一年没有登记节假日安排。", "No holiday arrangements are recorded for this year.")}</p>
                        <p class="muted">{move || i18n.t("国务院公布安排后，由校团委管理员录入。", "The school admin enters them once the State Council publishes them.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let pages = list.pages() as u32;
                    let current = list.page;
                    let go = go.clone();
                    let go_next = go.clone();
                    view! {
                        <ul class="day-list" data-testid="day-list">
                            {list.items.into_iter().map(|day| {
                                let holiday = day.kind == DayKind::Holiday;
                                view! {
                                    <li class="day" class:day-holiday=holiday class:day-workday=!holiday>
                                        <span class="day-date">{move || format::date(i18n.locale(), day.date)}</span>
                                        <span class="day-name">{day.name.clone()}</span>
                                        <span class="badge">{move || if holiday { i18n.t("放假", "Holiday") } else { i18n.t("调休上班", "Workday") }}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <div class="pager">
                            <button class="btn" disabled={current <= 1} on:click=move |_| go(year.get_untracked(), current - 1)>
                                {move || i18n.t("上一页", "Previous")}
                            </button>
                            <span class="muted">{format!("{current} / {pages}")}</span>
                            <button class="btn" disabled={current >= pages} on:click=move |_| go_next(year.get_untracked(), current + 1)>
                                {move || i18n.t("下一页", "Next")}
                            </button>
                        </div>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| days.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}
