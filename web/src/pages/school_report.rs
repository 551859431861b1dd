//! The school's report of a month (`/reports/school/:month`): who filed and who is late, the
//! colleges side by side (a row per figure, a column per college, bars for the figures most
//! compared), the colleges' own summaries, and the school's analysis. The school's accounts
//! with `view_reports` write the analysis and publish the report; once published every
//! organisation reads it.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};
use shared::{
    ApiError, ErrorCode,
    auth::Permission,
    insight::{CollegeColumn, Month, SchoolReport, SchoolReportStatus},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        report::{
            Bars, Downloads, ReportBadge, ReportFile, SchoolBadge, Value, due_text, figure_rows,
            filing_text, month_label, too_long,
        },
        table::{Cell, DataTable},
    },
    format,
    i18n::{Locale, use_i18n},
    session::use_session,
};

#[component]
pub fn SchoolReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let month = Memo::new(move |_| params.read().get("month").and_then(|m| Month::parse(&m)));
    let report = LocalResource::new(move || {
        let month = month.get();
        async move {
            match month {
                Some(month) => api::school_report(month).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "no such month")),
            }
        }
    });
    view! {
        <p class="crumbs"><A href="/reports">{move || i18n.t("← 工作月报", "← Monthly reports")}</A></p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || report.get().map(|result| match result {
                Ok(loaded) => view! { <SchoolView initial=loaded /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| report.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SchoolView(initial: SchoolReport) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let month = initial.month;
    let colleges = initial.colleges.clone();
    let analysis = RwSignal::new(initial.analysis.clone());
    let report = RwSignal::new(initial);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<&'static str>);
    let checked = RwSignal::new(false);
    let editable = move || report.with(|r| r.can_publish);
    let dirty = move || analysis.with(|a| report.with(|r| a.trim() != r.analysis.trim()));
    let invalid = move || analysis.with(|a| too_long(i18n, a));
    // The school opens every college's report; a college only its own.
    let (school, own) = session.with_me(|me| {
        me.map_or((false, 0), |me| {
            (
                me.organization.path.len() == 1 && me.can(Permission::ViewReports),
                me.organization.id,
            )
        })
    });
    let done = move |result: Result<SchoolReport, ApiError>, ok: &'static str| match result {
        Ok(fresh) => {
            analysis.set(fresh.analysis.clone());
            report.set(fresh);
            error.set(None);
            notice.set(Some(ok));
        }
        Err(e) => {
            notice.set(None);
            error.set(Some(e));
        }
    };
    let save = Action::new_local(move |_: &()| {
        let text = analysis.get_untracked();
        async move {
            done(
                api::analyse_school_report(month, text.trim()).await,
                i18n.t("分析已保存", "Analysis saved"),
            )
        }
    });
    // Publishes what is on the page: an unsaved analysis is saved first.
    let publish = Action::new_local(move |_: &()| {
        let text = analysis.get_untracked();
        let unsaved =
            analysis.with_untracked(|a| report.with_untracked(|r| a.trim() != r.analysis.trim()));
        async move {
            if unsaved && let Err(e) = api::analyse_school_report(month, text.trim()).await {
                notice.set(None);
                error.set(Some(e));
                return;
            }
            done(
                api::publish_school_report(month).await,
                i18n.t("全校月报已发布", "School report published"),
            )
        }
    });
    let busy = move || save.pending().get() || publish.pending().get();

    view! {
        <div class="page-head">
            <h1 data-testid="school-report-title">{move || match i18n.locale() {
                Locale::Zh => format!("{}全校工作月报", month.label()),
                Locale::En => format!("School report, {}", month_label(Locale::En, month)),
            }}</h1>
            {move || view! { <SchoolBadge status=report.with(|r| r.status) /> }}
        </div>
        <p class="muted report-meta">{move || report.with(|r| {
            let locale = i18n.locale();
            let period = format!("{} – {}", format::date(locale, r.period_from), format::date(locale, r.period_to));
            let due = due_text(locale, r.due_at);
            let published = r.published_at.map(|at| format::datetime(locale, at));
            let by = r.published_by.clone().unwrap_or_default();
            match (locale, published) {
                (Locale::Zh, Some(at)) => format!("统计期 {period} · 学院提交截止 {due} · {by} 发布于 {at}"),
                (Locale::Zh, None) => format!("统计期 {period} · 学院提交截止 {due}"),
                (Locale::En, Some(at)) => format!("Period {period} · colleges due {due} · published by {by}, {at}"),
                (Locale::En, None) => format!("Period {period} · colleges due {due}"),
            }
        })}</p>
        <div class="counts" data-testid="school-counts">
            <span class="count" data-testid="school-filed">
                {move || i18n.t("已提交", "Filed")}" "
                <strong>{move || report.with(|r| r.filed)}</strong>
                {move || report.with(|r| format!(" / {}", r.colleges.len()))}
            </span>
            <span class="count" class:count-late=move || report.with(|r| r.late > 0) data-testid="school-late">
                {move || if report.with(|r| r.late > 0) { "⚠ " } else { "" }}
                {move || i18n.t("逾期", "Late")}" "<strong>{move || report.with(|r| r.late)}</strong>
            </span>
        </div>
        <Downloads file=ReportFile::School(month) />

        <h2 class="section-title">{move || i18n.t("各学院提交情况", "Who filed")}</h2>
        <DataTable columns=vec![("学院", "College"), ("状态", "Status"), ("提交", "Filing"), ("", "")] testid="school-filing">
            {move || report.with(|r| r.colleges.clone()).into_iter().map(|c| {
                let report_id = c.report.id;
                let may_open = school || c.report.organization_id == own;
                let summary = c.report.clone();
                let (name, status, late) = (c.report.organization, c.report.status, c.report.late);
                let org = name.clone();
                view! {
                    <tr data-testid="college-row" data-org=org data-status=status.as_str()
                        data-late=late.to_string() class:row-late=late>
                        <Cell zh="学院" en="College" class="cell-title">{name}</Cell>
                        <Cell zh="状态" en="Status"><ReportBadge status=status late=late /></Cell>
                        <Cell zh="提交" en="Filing">{move || filing_text(i18n, &summary)}</Cell>
                        <Cell zh="" en="" class="cell-actions">
                            {may_open.then(|| view! {
                                <A href=format!("/reports/{report_id}") attr:class="btn btn-small" attr:data-testid="college-report-open">
                                    {move || i18n.t("查看月报", "Open report")}
                                </A>
                            })}
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>

        <Comparison colleges=colleges.clone() />

        <h2 class="section-title">{move || i18n.t("学院工作总结", "The colleges' summaries")}</h2>
        <div class="college-comments" data-testid="college-comments">
            {colleges.into_iter().map(|c| {
                let text = c.comments.trim().to_owned();
                view! {
                    <article class="panel college-comment" data-org=c.report.organization.clone()>
                        <h3>{c.report.organization.clone()}</h3>
                        {if text.is_empty() {
                            view! { <p class="muted">{move || i18n.t("未填写。", "None written.")}</p> }.into_any()
                        } else {
                            view! { <p class="report-text">{text}</p> }.into_any()
                        }}
                    </article>
                }
            }).collect_view()}
        </div>

        <section class="panel" data-testid="school-analysis">
            <h2>{move || i18n.t("学校分析", "The school's analysis")}</h2>
            {move || if editable() {
                view! {
                    <label class="field">
                        <span class="field-label">{move || i18n.t(
                            "全校情况、各学院比较、存在问题与下月工作（最多 5000 字）",
                            "The school as a whole, the colleges compared, problems and next month's work (at most 5,000 characters)",
                        )}</span>
                        <textarea data-testid="school-analysis-input" rows="8"
                            aria-invalid=move || (checked.get() && invalid().is_some()).to_string()
                            prop:value=move || analysis.get()
                            on:input=move |ev| { analysis.set(event_target_value(&ev)); notice.set(None); }
                            on:blur=move |_| checked.set(true)></textarea>
                        <span class="field-hint">{move || analysis.with(|a| match i18n.locale() {
                            Locale::Zh => format!("{} / 5000 字", a.trim().chars().count()),
                            Locale::En => format!("{} / 5000 characters", a.trim().chars().count()),
                        })}</span>
                        <span class="field-error" data-testid="school-analysis-error">
                            {move || if checked.get() { invalid() } else { None }}
                        </span>
                    </label>
                }.into_any()
            } else {
                let text = report.with(|r| r.analysis.trim().to_owned());
                if text.is_empty() {
                    view! { <p class="muted" data-testid="school-analysis-text">{move || i18n.t("尚未撰写分析。", "No analysis written yet.")}</p> }.into_any()
                } else {
                    view! { <p class="report-text" data-testid="school-analysis-text">{text}</p> }.into_any()
                }
            }}
            {move || editable().then(|| view! {
                <div class="actions" data-testid="school-actions">
                    <button class="btn" data-testid="school-save"
                        disabled=move || !dirty() || busy()
                        on:click=move |_| {
                            checked.set(true);
                            if invalid().is_none() { save.dispatch(()); }
                        }>
                        {move || i18n.t("保存", "Save")}
                    </button>
                    <button class="btn btn-primary" data-testid="school-publish"
                        disabled=busy
                        on:click=move |_| {
                            checked.set(true);
                            if invalid().is_some() { return; }
                            let unfiled = report.with_untracked(|r| r.colleges.len() as i64 - r.filed);
                            let question = match (i18n.locale(), unfiled) {
                                (Locale::Zh, 0) => "发布后各组织均可阅读，分析不能再修改。确定发布？".to_owned(),
                                (Locale::Zh, n) => format!("还有 {n} 个学院未提交。发布后各组织均可阅读，分析不能再修改。确定发布？"),
                                (Locale::En, 0) => "Once published every organisation reads it and the analysis cannot change. Publish?".to_owned(),
                                (Locale::En, n) => format!("{n} colleges have not filed yet. Once published every organisation reads it and the analysis cannot change. Publish?"),
                            };
                            let sure = web_sys::window()
                                .and_then(|w| w.confirm_with_message(&question).ok())
                                .unwrap_or(false);
                            if sure { publish.dispatch(()); }
                        }>
                        {move || i18n.t("发布", "Publish")}
                    </button>
                    {move || dirty().then(|| view! { <span class="muted small">{move || i18n.t("有未保存的修改", "Unsaved changes")}</span> })}
                </div>
            })}
            {move || notice.get().map(|text| view! { <p class="good" role="status" data-testid="school-notice">{text}</p> })}
            {move || error.get().map(|e| view! {
                <p class="notice notice-error" role="alert" data-testid="school-error" data-code=e.code.as_str()>{message(i18n, &e)}</p>
            })}
            {move || (report.with(|r| r.status) == SchoolReportStatus::Published && !editable()).then(|| view! {
                <p class="muted small">{move || i18n.t("全校月报已发布，各组织均可阅读。", "Published: every organisation can read it.")}</p>
            })}
        </section>
    }
}

/// The figures most compared, as bars, then every figure a row and every college a column.
#[component]
fn Comparison(colleges: Vec<CollegeColumn>) -> impl IntoView {
    let i18n = use_i18n();
    if colleges.is_empty() {
        return ().into_any();
    }
    let rows: Vec<Vec<_>> = colleges.iter().map(|c| figure_rows(&c.figures)).collect();
    let labels = rows[0].clone();
    let bars = |key: &str| -> Vec<(String, Value)> {
        colleges
            .iter()
            .zip(&rows)
            .filter_map(|(c, r)| {
                r.iter()
                    .find(|f| f.key == key)
                    .map(|f| (c.report.organization.clone(), f.value))
            })
            .collect()
    };
    // Points by category: every category any college granted in.
    let mut categories: Vec<(String, String, String)> = Vec::new();
    for p in colleges.iter().flat_map(|c| &c.figures.points) {
        if !categories.iter().any(|(k, _, _)| *k == p.category) {
            categories.push((p.category.clone(), p.label.clone(), p.label_en.clone()));
        }
    }
    let names: Vec<String> = colleges
        .iter()
        .map(|c| c.report.organization.clone())
        .collect();
    view! {
        <h2 class="section-title">{move || i18n.t("学院比较", "The colleges compared")}</h2>
        <div class="report-bars-grid" data-testid="school-bars">
            <Bars zh="参与率" en="Participation" figure="participation" items=bars("participation") />
            <Bars zh="举办活动数" en="Activities held" figure="held" items=bars("held") />
            <Bars zh="出勤率" en="Attendance" figure="attendance_rate" items=bars("attendance_rate") />
            <Bars zh="授予积分" en="Points granted" figure="points" items=bars("points") />
        </div>
        <div class="compare-wrap" role="region" tabindex="0"
            aria-label=move || i18n.t("各学院数据比较（可左右滑动）", "The colleges' figures (scrolls sideways)")>
            <table class="compare-table" data-testid="compare-table">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.t("指标", "Figure")}</th>
                        {names.iter().map(|name| view! { <th scope="col" data-org=name.clone()>{name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {labels.into_iter().enumerate().map(|(i, label)| {
                        let values: Vec<String> = rows.iter().map(|r| r[i].value.text()).collect();
                        view! {
                            <tr data-testid="compare-row" data-key=label.key>
                                <th scope="row">{move || i18n.t(label.zh, label.en)}</th>
                                {values.into_iter().zip(names.clone()).map(|(v, name)| view! { <td data-org=name>{v}</td> }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                    {categories.into_iter().map(|(key, zh, en)| {
                        let values: Vec<i64> = colleges.iter().map(|c| {
                            c.figures.points.iter().find(|p| p.category == key).map_or(0, |p| p.points)
                        }).collect();
                        view! {
                            <tr data-testid="compare-row" data-key=format!("points:{key}")>
                                <th scope="row">{move || match i18n.locale() {
                                    Locale::Zh => format!("积分 · {zh}"),
                                    Locale::En => format!("Points · {en}"),
                                }}</th>
                                {values.into_iter().zip(names.clone()).map(|(v, name)| view! { <td data-org=name>{v}</td> }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
