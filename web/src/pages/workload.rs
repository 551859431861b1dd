//! 指导老师工作量 (`/workload`): per instructor over a term, the activities they guided, their
//! scheduled hours, the students who checked in, the results recognised and the awards, each
//! instructor's activities a tap away, and the sheet as .xlsx. An organisation (with
//! `view_reports`) reads its subtree's instructors; an instructor reads their own sheet.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    auth::Role,
    insight::{Workload, WorkloadActivity, WorkloadRow},
};

use crate::{
    api,
    components::{
        error::ErrorNotice,
        scope_filter::{ScopeFilter, use_scope},
        table::{Cell, DataTable},
    },
    files, format,
    i18n::{Locale, use_i18n},
    session::use_session,
};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[component]
pub fn WorkloadPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // An instructor has a sheet of their own; an organisation reads its subtree's.
    let own = session.with_me(|me| me.is_some_and(|me| me.role == Role::Instructor));
    let scope = use_scope();
    let sheet = LocalResource::new(move || {
        let scope = scope.get();
        async move {
            if own {
                api::my_workload(scope.term).await
            } else {
                api::workload(scope).await
            }
        }
    });
    let shown = Signal::derive(move || {
        sheet
            .get()
            .and_then(Result::ok)
            .map(|s| (s.term_id, s.term_code))
    });
    let download = Action::new_local(move |_: &()| {
        let scope = scope.get_untracked();
        let code = shown
            .get_untracked()
            .map(|(_, code)| code)
            .unwrap_or_default();
        async move {
            let bytes = if own {
                api::my_workload_xlsx(scope.term).await?
            } else {
                api::workload_xlsx(scope).await?
            };
            files::save_bytes(&format!("指导老师工作量-{code}.xlsx"), XLSX, &bytes)
                .map_err(|e| ApiError::new(shared::ErrorCode::Internal, e))
        }
    });

    view! {
        <div class="page-head">
            <h1>{move || if own { i18n.t("我的工作量", "My workload") } else { i18n.t("指导老师工作量", "Instructor workload") }}</h1>
            <div class="actions">
                <button type="button" class="btn btn-primary" data-testid="workload-download"
                    disabled=move || download.pending().get() || shown.with(Option::is_none)
                    on:click=move |_| { download.dispatch(()); }>
                    {move || if download.pending().get() { i18n.t("正在生成…", "Preparing…") } else { i18n.t("下载 Excel", "Download Excel") }}
                </button>
            </div>
        </div>
        {move || download.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
        <ScopeFilter scope=scope organizations=!own org_testid="workload-org" term_testid="workload-term"
            term_shown=Signal::derive(move || shown.get().map(|(id, _)| id)) />
        <p class="muted small">{move || if own {
            i18n.t("你在所选学期指导的已发布活动：计划时长按活动起止时间计算，参与人次为签到的学生。",
                "The published activities you guided in the term: hours are scheduled start to end; participants are the students who checked in.")
        } else {
            i18n.t("本组织及下级组织在所选学期发布的活动中，各位指导老师的工作量；点击“明细”查看每项活动。",
                "Each instructor's share of the activities published by this organisation and those under it in the term; open 'Details' for each activity.")
        }}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || sheet.get().map(|result| match result {
                Ok(sheet) if sheet.rows.is_empty() => view! {
                    <section class="empty" data-testid="workload-empty">
                        <p class="empty-icon" aria-hidden="true">"▤"</p>
                        <p>{move || i18n.t("所选学期还没有指导老师带领的活动。", "No activities with an instructor in this term.")}</p>
                        <p class="muted">{move || i18n.t("发布活动时填写指导老师，活动即计入其工作量。", "Name an instructor when publishing an activity and it counts here.")}</p>
                    </section>
                }.into_any(),
                Ok(sheet) if own => view! { <OwnSheet sheet=sheet /> }.into_any(),
                Ok(sheet) => view! { <Sheet sheet=sheet /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| sheet.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// The totals over `rows`: activities, hours, participants, results, awards.
fn totals(rows: &[WorkloadRow]) -> (i64, f64, i64, i64, i64) {
    rows.iter().fold((0, 0.0, 0, 0, 0), |t, r| {
        (
            t.0 + r.activities,
            t.1 + r.hours,
            t.2 + r.participants,
            t.3 + r.results,
            t.4 + r.awards,
        )
    })
}

/// An organisation's sheet: a row per instructor, each opening onto their activities.
#[component]
fn Sheet(sheet: Workload) -> impl IntoView {
    let i18n = use_i18n();
    let (activities, hours, participants, _, _) = totals(&sheet.rows);
    let people = sheet.rows.len();
    let Workload {
        rows,
        activities: all,
        ..
    } = sheet;
    let rows = rows
        .into_iter()
        .map(|row| {
            let mine: Vec<WorkloadActivity> = all
                .iter()
                .filter(|a| a.instructor_id == row.instructor_id)
                .cloned()
                .collect();
            view! { <InstructorRow row=row activities=mine /> }
        })
        .collect_view();
    view! {
        <p class="counts" data-testid="workload-totals">
            <span class="count">{move || match i18n.locale() {
                Locale::Zh => format!("{people} 位指导老师"),
                Locale::En => format!("{people} instructors"),
            }}</span>
            <span class="count">{move || match i18n.locale() {
                Locale::Zh => format!("{activities} 项活动"),
                Locale::En => format!("{activities} activities"),
            }}</span>
            <span class="count">{move || match i18n.locale() {
                Locale::Zh => format!("{} 小时", format::number(hours)),
                Locale::En => format!("{} hours", format::number(hours)),
            }}</span>
            <span class="count">{move || match i18n.locale() {
                Locale::Zh => format!("{participants} 人次参与"),
                Locale::En => format!("{participants} participants"),
            }}</span>
        </p>
        <DataTable testid="workload-table" columns=vec![
            ("指导老师", "Instructor"), ("工号", "Staff no."), ("所在单位", "Unit"), ("活动数", "Activities"),
            ("时长（小时）", "Hours"), ("参与人次", "Participants"), ("认定成绩", "Results"), ("获奖", "Awards"), ("", ""),
        ]>
            {rows}
        </DataTable>
    }
}

#[component]
fn InstructorRow(row: WorkloadRow, activities: Vec<WorkloadActivity>) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let id = row.instructor_id;
    view! {
        <tr data-testid="workload-row">
            <Cell zh="指导老师" en="Instructor" class="cell-title">{row.name}</Cell>
            <Cell zh="工号" en="Staff no." class="cell-key">{row.username}</Cell>
            <Cell zh="所在单位" en="Unit">{row.organization}</Cell>
            <Cell zh="活动数" en="Activities" class="cell-num">{row.activities}</Cell>
            <Cell zh="时长（小时）" en="Hours" class="cell-num">{format::number(row.hours)}</Cell>
            <Cell zh="参与人次" en="Participants" class="cell-num">{row.participants}</Cell>
            <Cell zh="认定成绩" en="Results" class="cell-num">{row.results}</Cell>
            <Cell zh="获奖" en="Awards" class="cell-num">{row.awards}</Cell>
            <Cell zh="" en="" class="cell-wide cell-nowrap">
                <button type="button" class="btn btn-small" data-testid="workload-expand"
                    aria-expanded=move || open.get().to_string() aria-controls=format!("workload-{id}")
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { i18n.t("收起", "Hide") } else { i18n.t("明细", "Details") }}
                </button>
            </Cell>
        </tr>
        <tr class="detail-row" id=format!("workload-{id}") class:hidden=move || !open.get()>
            <td colspan="9" class="cell-wide">
                <ActivityList activities=activities />
            </td>
        </tr>
    }
}

/// An instructor's activities, one line each.
#[component]
fn ActivityList(activities: Vec<WorkloadActivity>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="workload-activities" data-testid="workload-activities">
            {activities.into_iter().map(|a| {
                let starts = a.starts_at;
                view! {
                    <li class="workload-activity">
                        <A href=format!("/activities/{}", a.activity_id) attr:class="workload-title">{a.title}</A>
                        <span class="muted small">{move || format::datetime(i18n.locale(), starts)}" · "{a.organizer.clone()}</span>
                        <span class="workload-figures small">{move || match i18n.locale() {
                            Locale::Zh => format!("{} 小时 · {} 人次参与 · 认定 {} · 获奖 {}", format::number(a.hours), a.participants, a.results, a.awards),
                            Locale::En => format!("{} h · {} took part · {} results · {} awards", format::number(a.hours), a.participants, a.results, a.awards),
                        }}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// An instructor's own sheet: their totals, then each activity.
#[component]
fn OwnSheet(sheet: Workload) -> impl IntoView {
    let i18n = use_i18n();
    let (activities, hours, participants, results, awards) = totals(&sheet.rows);
    let stat = move |zh: &'static str, en: &'static str, value: String, key: &'static str| {
        view! {
            <div class="kpi" data-testid=format!("workload-{key}")>
                <span class="kpi-label">{move || i18n.t(zh, en)}</span>
                <strong class="kpi-value">{value}</strong>
            </div>
        }
    };
    view! {
        <section class="kpis">
            {stat("指导活动", "Activities", activities.to_string(), "activities")}
            {stat("时长（小时）", "Hours", format::number(hours), "hours")}
            {stat("参与人次", "Participants", participants.to_string(), "participants")}
            {stat("认定成绩", "Results", results.to_string(), "results")}
            {stat("获奖", "Awards", awards.to_string(), "awards")}
        </section>
        <h2 class="section-title">{move || i18n.t("活动明细", "Activities")}</h2>
        <section class="panel">
            <ActivityList activities=sheet.activities />
        </section>
    }
}
