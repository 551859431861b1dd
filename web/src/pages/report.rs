//! A college's monthly report (`/reports/:id`): the figures frozen on the 28th, the
//! activities held, the overdue items and the cadre work of the period, and the college's own
//! words on the month (工作总结). An account of the college with `view_reports` saves its
//! comments and files the report, which is read-only afterwards; everyone who may read it
//! downloads it as Excel or PDF.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError, ErrorCode,
    activity::CreditLevel,
    insight::{MonthlyContent, MonthlyReport, REPORT_TEXT_MAX, ReportStatus},
};

use crate::{
    api,
    components::{
        cadre_nav::{round_badge, round_status},
        error::{ErrorNotice, message},
        report::{
            Downloads, FigureRow, ReportBadge, ReportFile, due_text, figure_rows, month_label,
            too_long,
        },
        route::id_param,
        table::{Cell, DataTable},
    },
    format,
    i18n::{I18n, Locale, use_i18n},
    labels,
};

#[component]
pub fn MonthlyReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let report = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::monthly_report(id).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "no such report")),
            }
        }
    });
    view! {
        <p class="crumbs"><A href="/reports">{move || i18n.t("← 工作月报", "← Monthly reports")}</A></p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || report.get().map(|result| match result {
                Ok(loaded) => view! { <ReportView initial=loaded /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| report.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ReportView(initial: MonthlyReport) -> impl IntoView {
    let i18n = use_i18n();
    let id = initial.summary.id;
    let file = ReportFile::College {
        id,
        organization: initial.summary.organization.clone(),
        month: initial.summary.month,
    };
    let content = initial.content.clone();
    let comments = RwSignal::new(initial.comments.clone());
    let report = RwSignal::new(initial);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<&'static str>);
    // Checked on blur and on saving, not at every keystroke.
    let checked = RwSignal::new(false);
    let editable = move || report.with(|r| r.can_file);
    let dirty = move || comments.with(|c| report.with(|r| c.trim() != r.comments.trim()));
    let invalid = move || comments.with(|c| too_long(i18n, c));
    let done = move |result: Result<MonthlyReport, ApiError>, ok: &'static str| match result {
        Ok(fresh) => {
            comments.set(fresh.comments.clone());
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
        let text = comments.get_untracked();
        async move {
            done(
                api::comment_report(id, text.trim()).await,
                i18n.t("工作总结已保存", "Summary saved"),
            )
        }
    });
    // Files what is on the page: unsaved comments are saved first.
    let submit = Action::new_local(move |_: &()| {
        let text = comments.get_untracked();
        let unsaved =
            comments.with_untracked(|c| report.with_untracked(|r| c.trim() != r.comments.trim()));
        async move {
            if unsaved && let Err(e) = api::comment_report(id, text.trim()).await {
                notice.set(None);
                error.set(Some(e));
                return;
            }
            done(
                api::file_report(id).await,
                i18n.t("月报已提交", "Report filed"),
            )
        }
    });
    let busy = move || save.pending().get() || submit.pending().get();
    let status = move || report.with(|r| (r.summary.status, r.summary.late));

    view! {
        <div class="page-head">
            <h1 data-testid="report-title">{move || report.with(|r| match i18n.locale() {
                Locale::Zh => format!("{} · {}工作月报", r.summary.organization, r.summary.month.label()),
                Locale::En => format!("{} · {} report", r.summary.organization, month_label(Locale::En, r.summary.month)),
            })}</h1>
            {move || { let (s, late) = status(); view! { <ReportBadge status=s late=late /> } }}
        </div>
        <p class="muted report-meta" data-testid="report-meta">{move || report.with(|r| {
            let locale = i18n.locale();
            let period = format!("{} – {}", format::date(locale, r.period_from), format::date(locale, r.period_to));
            let due = due_text(locale, r.summary.due_at);
            match locale {
                Locale::Zh => format!("统计期 {period} · 提交截止 {due}"),
                Locale::En => format!("Period {period} · due {due}"),
            }
        })}</p>
        {move || report.with(|r| {
            let s = &r.summary;
            match (s.status, s.late, s.filed_at) {
                (ReportStatus::Filed, _, Some(at)) => {
                    let by = s.filed_by.clone().unwrap_or_default();
                    Some(view! {
                        <p class="notice notice-ok" data-testid="report-filed">{move || match i18n.locale() {
                            Locale::Zh => format!("{by} 已于 {} 提交，月报只读。", format::datetime(Locale::Zh, at)),
                            Locale::En => format!("Filed by {by}, {}; the report is read-only.", format::datetime(Locale::En, at)),
                        }}</p>
                    }.into_any())
                }
                (ReportStatus::Open, true, _) => Some(view! {
                    <p class="notice notice-late" role="status" data-testid="report-late">
                        <strong>{move || i18n.t("⚠ 已逾期：", "⚠ Late: ")}</strong>
                        {move || i18n.t("提交截止时间已过，请尽快审阅并提交。", "The due time has passed; review and file it as soon as you can.")}
                    </p>
                }.into_any()),
                _ => None,
            }
        })}
        <Downloads file=file />
        <Figures content=content.clone() />
        <Activities content=content.clone() />
        <Overdue content=content.clone() />
        <Rounds content=content />
        <section class="panel" data-testid="report-comments">
            <h2>{move || i18n.t("工作总结", "Summary of the month")}</h2>
            {move || if editable() {
                view! {
                    <label class="field">
                        <span class="field-label">{move || i18n.t(
                            "本月工作情况、亮点与问题、下月计划（最多 5000 字）",
                            "The month's work, highlights and problems, next month's plans (at most 5,000 characters)",
                        )}</span>
                        <textarea data-testid="report-comments-input" rows="8"
                            aria-invalid=move || (checked.get() && invalid().is_some()).to_string()
                            prop:value=move || comments.get()
                            on:input=move |ev| { comments.set(event_target_value(&ev)); notice.set(None); }
                            on:blur=move |_| checked.set(true)></textarea>
                        <span class="field-hint">{move || comments.with(|c| match i18n.locale() {
                            Locale::Zh => format!("{} / {REPORT_TEXT_MAX} 字", c.trim().chars().count()),
                            Locale::En => format!("{} / {REPORT_TEXT_MAX} characters", c.trim().chars().count()),
                        })}</span>
                        <span class="field-error" data-testid="report-comments-error">
                            {move || if checked.get() { invalid() } else { None }}
                        </span>
                    </label>
                }.into_any()
            } else {
                let text = report.with(|r| r.comments.clone());
                if text.trim().is_empty() {
                    view! { <p class="muted" data-testid="report-comments-text">{move || i18n.t("未填写工作总结。", "No summary written.")}</p> }.into_any()
                } else {
                    view! { <p class="report-text" data-testid="report-comments-text">{text}</p> }.into_any()
                }
            }}
            {move || editable().then(|| view! {
                <div class="actions" data-testid="report-actions">
                    <button class="btn" data-testid="report-save"
                        disabled=move || !dirty() || busy()
                        on:click=move |_| {
                            checked.set(true);
                            if invalid().is_none() { save.dispatch(()); }
                        }>
                        {move || i18n.t("保存", "Save")}
                    </button>
                    <button class="btn btn-primary" data-testid="report-file"
                        disabled=busy
                        on:click=move |_| {
                            checked.set(true);
                            if invalid().is_some() { return; }
                            let sure = web_sys::window()
                                .and_then(|w| w.confirm_with_message(i18n.t(
                                    "提交后月报（数据与工作总结）不能再修改。确定提交？",
                                    "Once filed, the report (figures and summary) cannot change. File it?",
                                )).ok())
                                .unwrap_or(false);
                            if sure { submit.dispatch(()); }
                        }>
                        {move || i18n.t("提交月报", "File the report")}
                    </button>
                    {move || dirty().then(|| view! { <span class="muted small">{move || i18n.t("有未保存的修改", "Unsaved changes")}</span> })}
                </div>
            })}
            {move || notice.get().map(|text| view! { <p class="good" role="status" data-testid="report-notice">{text}</p> })}
            {move || error.get().map(|e| view! {
                <p class="notice notice-error" role="alert" data-testid="report-error" data-code=e.code.as_str()>{message(i18n, &e)}</p>
            })}
        </section>
    }
}

/// A group of figures as cards.
#[component]
fn FigureCards(rows: Vec<FigureRow>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="stats report-stats">
            {rows.into_iter().map(|row| view! {
                <div class="stat" data-testid="figure" data-key=row.key>
                    <strong>{row.value.text()}</strong>
                    <span>{move || i18n.t(row.zh, row.en)}</span>
                </div>
            }).collect_view()}
        </div>
    }
}

/// The figures, grouped as the report reads them, and points by category.
#[component]
fn Figures(content: MonthlyContent) -> impl IntoView {
    let i18n = use_i18n();
    let rows = figure_rows(&content.figures);
    let group = |keys: &[&str]| -> Vec<FigureRow> {
        rows.iter()
            .filter(|r| keys.contains(&r.key))
            .cloned()
            .collect()
    };
    let activity = group(&[
        "students",
        "active_students",
        "participation",
        "published",
        "held",
        "registrations",
        "attended",
        "no_shows",
        "attendance_rate",
    ]);
    let points = group(&["points", "hours"]);
    let backlog = group(&["overdue", "pending_makeups", "makeups", "backfills"]);
    let cadres = group(&[
        "cadres",
        "appointed",
        "assessed",
        "rounds_approved",
        "rounds_waiting",
    ]);
    let figures = content.figures;
    // Activities held by category beside the points granted in it.
    let mut categories: Vec<(String, String, String)> = Vec::new();
    for (key, zh, en) in figures
        .by_category
        .iter()
        .map(|f| (&f.key, &f.label, &f.label_en))
        .chain(
            figures
                .points
                .iter()
                .map(|p| (&p.category, &p.label, &p.label_en)),
        )
    {
        if !categories.iter().any(|(k, _, _)| k == key) {
            categories.push((key.clone(), zh.clone(), en.clone()));
        }
    }
    let category_rows = categories
        .into_iter()
        .map(|(key, zh, en)| {
            let held = figures
                .by_category
                .iter()
                .find(|f| f.key == key)
                .map_or(0, |f| f.value);
            let points = figures.points.iter().find(|p| p.category == key).cloned();
            (key, zh, en, held, points)
        })
        .collect::<Vec<_>>();
    view! {
        <section class="panel" data-testid="report-figures">
            <h2>{move || i18n.t("活动与参与", "Activities and participation")}</h2>
            <FigureCards rows=activity />
            <h2>{move || i18n.t("积分与时长", "Points and hours")}</h2>
            <FigureCards rows=points />
            {(!category_rows.is_empty()).then(|| view! {
                <DataTable columns=vec![("类别", "Category"), ("举办活动", "Held"), ("授予积分", "Points"), ("时长（小时）", "Hours"), ("记录", "Entries")] testid="report-categories">
                    {category_rows.into_iter().map(|(key, zh, en, held, points)| {
                        let granted = points.as_ref().map_or(0, |p| p.points);
                        let hours = format::number(points.as_ref().map_or(0.0, |p| p.hours));
                        let entries = points.as_ref().map_or(0, |p| p.entries);
                        view! {
                            <tr data-testid="category-row" data-category=key>
                                <Cell zh="类别" en="Category" class="cell-title">{move || if i18n.locale() == Locale::En { en.clone() } else { zh.clone() }}</Cell>
                                <Cell zh="举办活动" en="Held" class="cell-key">{held}</Cell>
                                <Cell zh="授予积分" en="Points" class="cell-key">{granted}</Cell>
                                <Cell zh="时长（小时）" en="Hours" class="cell-key">{hours}</Cell>
                                <Cell zh="记录" en="Entries" class="cell-key">{entries}</Cell>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            })}
            <h2>{move || i18n.t("逾期与补录", "Overdue, make-ups and back-fills")}</h2>
            <FigureCards rows=backlog />
            <h2>{move || i18n.t("学生干部工作", "Student cadres")}</h2>
            <FigureCards rows=cadres />
        </section>
    }
}

/// A category's name from the report's own breakdowns, else its code.
fn category_name(i18n: I18n, content: &MonthlyContent, code: &str) -> String {
    let f = &content.figures;
    f.by_category
        .iter()
        .find(|c| c.key == code)
        .map(|c| (c.label.clone(), c.label_en.clone()))
        .or_else(|| {
            f.points
                .iter()
                .find(|p| p.category == code)
                .map(|p| (p.label.clone(), p.label_en.clone()))
        })
        .map(|(zh, en)| if i18n.locale() == Locale::En { en } else { zh })
        .unwrap_or_else(|| code.to_owned())
}

#[component]
fn Activities(content: MonthlyContent) -> impl IntoView {
    let i18n = use_i18n();
    let count = content.activities.len();
    let rows = content.activities.clone();
    view! {
        <h2 class="section-title">
            {move || i18n.t("活动明细", "Activities held")}
            <span class="muted small">{format!(" · {count}")}</span>
        </h2>
        {if rows.is_empty() {
            view! { <p class="muted" data-testid="report-activities-empty">{move || i18n.t("统计期内没有举办活动。", "No activity was held in the period.")}</p> }.into_any()
        } else {
            view! {
                <DataTable columns=vec![
                    ("活动", "Activity"), ("类别", "Category"), ("级别", "Level"), ("主办", "Organiser"),
                    ("开始", "Starts"), ("报名", "Sign-ups"), ("签到", "Check-ins"), ("认定", "Results"),
                ] testid="report-activities">
                    {rows.into_iter().map(|a| {
                        let category = {
                            let content = content.clone();
                            let code = a.category.clone();
                            move || category_name(i18n, &content, &code)
                        };
                        let level = CreditLevel::parse(&a.credit_level);
                        let raw_level = a.credit_level.clone();
                        let starts = a.starts_at;
                        view! {
                            <tr data-testid="report-activity">
                                <Cell zh="活动" en="Activity" class="cell-title">
                                    <A href=format!("/activities/{}", a.activity_id)>{a.title}</A>
                                </Cell>
                                <Cell zh="类别" en="Category">{category}</Cell>
                                <Cell zh="级别" en="Level">{move || level.map(|l| labels::credit_level(i18n, l).to_owned()).unwrap_or_else(|| raw_level.clone())}</Cell>
                                <Cell zh="主办" en="Organiser">{a.organizer}</Cell>
                                <Cell zh="开始" en="Starts">{move || format::datetime(i18n.locale(), starts)}</Cell>
                                <Cell zh="报名" en="Sign-ups" class="cell-key">{a.registrations}</Cell>
                                <Cell zh="签到" en="Check-ins" class="cell-key">{a.attended}</Cell>
                                <Cell zh="认定" en="Results">
                                    {if a.recognised {
                                        view! { <span class="badge badge-on">{move || i18n.t("已认定", "Recognised")}</span> }.into_any()
                                    } else {
                                        view! { <span class="badge">{move || i18n.t("未认定", "Not yet")}</span> }.into_any()
                                    }}
                                </Cell>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
    }
}

#[component]
fn Overdue(content: MonthlyContent) -> impl IntoView {
    let i18n = use_i18n();
    let rows = content.overdue.clone();
    view! {
        <h2 class="section-title">{move || i18n.t("逾期事项", "Overdue items")}</h2>
        {if rows.is_empty() {
            view! { <p class="muted" data-testid="report-overdue-empty">{move || i18n.t("28 日时没有逾期未认定的活动。", "No activity's results were overdue on the 28th.")}</p> }.into_any()
        } else {
            view! {
                <DataTable columns=vec![
                    ("活动", "Activity"), ("类别", "Category"), ("主办", "Organiser"),
                    ("结束", "Ended"), ("认定截止", "Due"), ("逾期", "Overdue"),
                ] testid="report-overdue">
                    {rows.into_iter().map(|o| {
                        let category = {
                            let content = content.clone();
                            let code = o.category.clone();
                            move || category_name(i18n, &content, &code)
                        };
                        let (ended, due, days, waiting) = (o.ended_on, o.due, o.working_days_overdue, o.awaiting_approval);
                        view! {
                            <tr data-testid="report-overdue-row" class="row-late">
                                <Cell zh="活动" en="Activity" class="cell-title">{o.title}</Cell>
                                <Cell zh="类别" en="Category">{category}</Cell>
                                <Cell zh="主办" en="Organiser">{o.organizer_name}</Cell>
                                <Cell zh="结束" en="Ended">{move || format::date(i18n.locale(), ended)}</Cell>
                                <Cell zh="认定截止" en="Due">{move || format::date(i18n.locale(), due)}</Cell>
                                <Cell zh="逾期" en="Overdue">
                                    <span class="badge badge-late">{move || match i18n.locale() {
                                        Locale::Zh => format!("⚠ 逾期 {days} 个工作日"),
                                        Locale::En => format!("⚠ {days} working days late"),
                                    }}</span>
                                    {waiting.then(|| view! { " "<span class="badge badge-warn">{move || i18n.t("补录待批", "Back-fill awaiting approval")}</span> })}
                                </Cell>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
    }
}

#[component]
fn Rounds(content: MonthlyContent) -> impl IntoView {
    let i18n = use_i18n();
    let rows = content.rounds;
    view! {
        <h2 class="section-title">{move || i18n.t("干部考核", "Cadre assessments")}</h2>
        {if rows.is_empty() {
            view! { <p class="muted" data-testid="report-rounds-empty">{move || i18n.t("统计期内没有干部考核。", "No assessment round in the period.")}</p> }.into_any()
        } else {
            view! {
                <DataTable columns=vec![("组织", "Organisation"), ("学期", "Term"), ("状态", "Status"), ("已评定", "Graded")] testid="report-rounds">
                    {rows.into_iter().map(|r| {
                        let status = r.status;
                        view! {
                            <tr data-testid="report-round">
                                <Cell zh="组织" en="Organisation" class="cell-title">{r.organization}</Cell>
                                <Cell zh="学期" en="Term">{r.term_code}</Cell>
                                <Cell zh="状态" en="Status"><span class=round_badge(status)>{move || round_status(i18n, status)}</span></Cell>
                                <Cell zh="已评定" en="Graded" class="cell-key">{format!("{} / {}", r.graded, r.positions)}</Cell>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
    }
}
