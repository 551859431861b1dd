//! 逾期认定 — competitions and volunteer service whose results were not finalised within 10
//! working days of their end, in this organisation and everything under it (so the levels
//! above see their organisers' late work too). Most overdue first.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api,
    components::{
        error::ErrorNotice,
        pager::Pager,
        table::{Cell, DataTable},
    },
    format,
    i18n::{Locale, use_i18n},
};

const PER_PAGE: u32 = 50;

#[component]
pub fn OverduePage() -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1u32);
    let list = LocalResource::new(move || api::overdue(page.get(), PER_PAGE));
    view! {
        <div class="page-head">
            <h1>{move || i18n.t("逾期未认定", "Overdue recognition")}</h1>
            <A href="/manage/requests" attr:class="btn btn-small">{move || i18n.t("补录申请", "Back-fill requests")}</A>
        </div>
        <p class="muted">{move || i18n.t(
            "竞赛与志愿服务须在活动结束后 10 个工作日内完成成绩认定。以下活动已逾期（含下级组织）。",
            "Competitions and volunteer service must be recognised within 10 working days of their end. These are late (including lower levels).",
        )}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(found) if found.items.is_empty() => view! {
                    <section class="empty" data-testid="overdue-empty">
                        <p class="empty-icon" aria-hidden="true">"✓"</p>
                        <p class="muted">{move || i18n.t("没有逾期的成绩认定。", "Nothing is overdue.")}</p>
                    </section>
                }.into_any(),
                Ok(found) => {
                    let (current, pages, total) = (found.page, found.pages(), found.total);
                    view! {
                        <DataTable columns=vec![("活动", "Activity"), ("组织者", "Organiser"), ("结束", "Ended"), ("截止", "Due"), ("逾期", "Late by"), ("", "")] testid="overdue">
                            {found.items.into_iter().map(|item| {
                                let late = item.working_days_overdue;
                                let awaiting = item.awaiting_approval;
                                view! {
                                    <tr>
                                        <Cell zh="活动" en="Activity" class="cell-title">{item.title.clone()}</Cell>
                                        <Cell zh="组织者" en="Organiser">{item.organizer_name.clone()}</Cell>
                                        <Cell zh="结束" en="Ended" class="cell-nowrap">{move || format::date(i18n.locale(), item.ended_on)}</Cell>
                                        <Cell zh="截止" en="Due" class="cell-nowrap">{move || format::date(i18n.locale(), item.due)}</Cell>
                                        <Cell zh="逾期" en="Late by" class="cell-nowrap">
                                            <span class="bad" data-testid="overdue-days">{move || match i18n.locale() {
                                                Locale::Zh => format!("{late} 个工作日"),
                                                Locale::En => format!("{late} working days"),
                                            }}</span>
                                            {awaiting.then(|| view! { <span class="badge badge-warn" data-testid="overdue-awaiting">{move || i18n.t("补录待审批", "Awaiting approval")}</span> })}
                                        </Cell>
                                        <Cell zh="" en="">
                                            <A href=format!("/manage/activities/{}/results", item.activity_id) attr:class="btn btn-small">{move || i18n.t("去认定", "Recognise")}</A>
                                        </Cell>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                        {(pages > 1).then(|| view! { <Pager page=current pages=pages total=total on_page=move |p| page.set(p) /> })}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}
