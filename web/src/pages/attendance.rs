//! 考勤与补录 — an activity's attendance after the fact: the deadlines, the whole list with how
//! each check-in was made, the manual entry (a make-up with its reason after the end, a
//! back-fill request past the make-up deadline), and the anomalies.

use chrono::Utc;
use leptos::prelude::*;

use crate::{
    api,
    components::{
        attendance::{ActivityHead, AnomalyList, ManualEntry, activity_id, method},
        error::ErrorNotice,
        pager::Pager,
        table::{Cell, DataTable},
    },
    format,
    i18n::use_i18n,
};

const PER_PAGE: u32 = 50;

#[component]
pub fn AttendancePage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(id) = activity_id() else {
        return view! { <crate::components::not_found::NotFound /> }.into_any();
    };
    let activity = LocalResource::new(move || api::activity(id));
    let deadlines = LocalResource::new(move || api::deadlines(id));
    let page = RwSignal::new(1u32);
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::attendance(id, page.get(), PER_PAGE)
    });
    let ended =
        Signal::derive(move || matches!(activity.get(), Some(Ok(a)) if a.ends_at < Utc::now()));

    view! {
        <ActivityHead id=id activity=activity current="attendance" />
        {move || deadlines.get().map(|result| match result {
            Ok(d) => view! {
                <dl class="facts" data-testid="deadlines">
                    <dt>{move || i18n.t("活动结束", "Ended on")}</dt>
                    <dd>{move || format::date(i18n.locale(), d.ends_on)}</dd>
                    <dt>{move || i18n.t("补签截止（5 个工作日）", "Make-up until (5 working days)")}</dt>
                    <dd data-testid="deadline-makeup">{move || format::date(i18n.locale(), d.makeup_until)}</dd>
                </dl>
            }.into_any(),
            Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
        })}
        <ManualEntry id=id ended=ended deadlines=deadlines on_recorded=Callback::new(move |_| version.update(|v| *v += 1)) />
        <h2 class="section-title">{move || i18n.t("签到名单", "Who checked in")}</h2>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(found) if found.items.is_empty() => view! {
                    <p class="empty muted" data-testid="attendance-empty">{move || i18n.t("还没有人签到。活动进行中可在“签到”页展示二维码。", "Nobody yet. During the activity, show the code on the Check-in screen.")}</p>
                }.into_any(),
                Ok(found) => {
                    let (current, pages, total) = (found.page, found.pages(), found.total);
                    view! {
                        <p class="muted" data-testid="attendance-total">{move || match i18n.locale() {
                            crate::i18n::Locale::Zh => format!("共 {total} 人签到"),
                            crate::i18n::Locale::En => format!("{total} checked in"),
                        }}</p>
                        <DataTable columns=vec![("学号", "Student no."), ("姓名", "Name"), ("签到", "In"), ("签退", "Out"), ("方式", "How"), ("报名", "Place"), ("原因", "Reason"), ("记录人", "By")] testid="attendance-list">
                            {found.items.into_iter().map(|r| {
                                let m = r.method;
                                let registered = r.registered;
                                view! {
                                    <tr>
                                        <Cell zh="学号" en="Student no." class="cell-key">{r.student_no.clone()}</Cell>
                                        <Cell zh="姓名" en="Name" class="cell-title">{r.student_name.clone()}</Cell>
                                        <Cell zh="签到" en="In" class="cell-nowrap">{move || format::datetime(i18n.locale(), r.checked_in_at)}</Cell>
                                        <Cell zh="签退" en="Out" class="cell-nowrap">{move || r.checked_out_at.map(format::time).unwrap_or_default()}</Cell>
                                        <Cell zh="方式" en="How"><span class="badge">{move || method(i18n, m)}</span></Cell>
                                        <Cell zh="报名" en="Place">{move || if registered { i18n.t("已报名", "Yes") } else { i18n.t("未报名", "No") }}</Cell>
                                        <Cell zh="原因" en="Reason">{r.reason.clone().unwrap_or_default()}</Cell>
                                        <Cell zh="记录人" en="By">{r.recorded_by.clone().unwrap_or_default()}</Cell>
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
        <AnomalyList id=id refresh=Signal::derive(move || version.get()) />
    }
    .into_any()
}
