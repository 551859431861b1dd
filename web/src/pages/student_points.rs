//! A student's points (`/admin/students/:id/points`), as an organisation over their college
//! sees them: totals and standing, progress against the graduation requirement, every ledger
//! entry (reversals marked), and two forms — a cadre position or social practice recognised
//! by an organisation of the subtree (`POST /api/points/facts`), and a manual adjustment with
//! its reason (`POST /api/points/adjustments`). Both are checked as typed with the request's
//! own `validate` from `shared`, show the server's field errors next to their field, and
//! reload the page's data once recorded.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError, ErrorCode,
    auth::Permission,
    points::{LedgerEntry, NewAdjustment, NewFact, StudentPoints},
    rules::{CadreLevel, FactKind, Grade, Points},
};

use crate::{
    api,
    components::{
        error::ErrorNotice,
        org_select::{OrgSelect, subtree},
        points_nav::{CategoryNames, category_names, points_message, today},
        route::id_param,
        table::{Cell, DataTable},
    },
    format,
    i18n::{I18n, Locale, use_i18n},
    labels,
    session::use_session,
};

#[component]
pub fn StudentPointsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = id_param();
    let points = LocalResource::new(move || {
        let id = id.get();
        async move {
            let id = id.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such student"))?;
            api::student_points(id).await
        }
    });
    let names = category_names();
    let names = Memo::new(move |_| names.get().unwrap_or_default());
    // The forms stay as they are (with their confirmation) while the data reloads under them.
    let student_no = Memo::new(move |_| points.get().and_then(Result::ok).map(|p| p.student_no));
    let recorded = Callback::new(move |()| points.refetch());
    let may_record_fact =
        move || session.can(Permission::ManageCadres) || session.can(Permission::CertifyPractice);
    let may_adjust = move || session.can(Permission::RecogniseResults);
    let loading = move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> };

    view! {
        <p class="crumbs"><A href="/admin/behind">{move || i18n.t("← 积分预警", "← Behind the requirement")}</A></p>
        <Transition fallback=loading>
            {move || points.get().map(|result| match result {
                Ok(student) => view! { <Summary student=student names=names /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| points.refetch()) /> }.into_any(),
            })}
        </Transition>
        {move || student_no.get().filter(|_| may_record_fact() || may_adjust()).map(|no| view! {
            <div class="points-forms">
                {may_record_fact().then(|| view! { <FactForm student_no=no.clone() recorded=recorded /> })}
                {may_adjust().then(|| view! { <AdjustForm student_no=no.clone() names=names recorded=recorded /> })}
            </div>
        })}
        <Transition fallback=loading>
            {move || points.get().and_then(Result::ok).map(|student| view! {
                <h2 class="section-title">{move || i18n.t("积分明细", "Ledger")}</h2>
                <Ledger entries=student.entries names=names />
            })}
        </Transition>
    }
}

#[component]
fn Summary(student: StudentPoints, names: Memo<CategoryNames>) -> impl IntoView {
    let i18n = use_i18n();
    let degree = student.degree;
    let standing = student.college_standing.clone();
    let total = student.total;
    let hours = student.total_hours;
    let progress = student.progress.clone();
    let terms = student.terms.clone();
    view! {
        <div class="page-head">
            <h1 data-testid="student-points-title">
                {student.name.clone()}
                " "
                <span class="muted code">{student.student_no.clone()}</span>
                " "
                <span class="badge badge-kind">{move || labels::degree(i18n, degree)}</span>
            </h1>
            <A href=format!("/admin/students/{}/transcript", student.student_id) attr:class="btn btn-small" attr:data-testid="student-transcript">
                {move || i18n.t("成绩单", "Transcript")}
            </A>
        </div>
        <div class="stats">
            <div class="stat">
                <strong data-testid="points-total">{total.to_string()}</strong>
                <span>{move || i18n.t("总积分", "Points in all")}</span>
            </div>
            <div class="stat">
                <strong>{Points::from_f64(hours).to_string()}</strong>
                <span>{move || i18n.t("累计时长（小时）", "Hours in all")}</span>
            </div>
            <div class="stat">
                <strong>{format!("{}/{}", standing.rank, standing.of)}</strong>
                <span>{move || match i18n.locale() {
                    Locale::Zh => format!("学院排名 · 超过 {}% 同学", standing.percentile),
                    Locale::En => format!("Rank in college · ahead of {}%", standing.percentile),
                }}</span>
            </div>
        </div>
        <section class="panel">
            <h2>{move || i18n.t("对照毕业要求", "Against the graduation requirement")}</h2>
            <ul class="progress-list" data-testid="points-progress">
                {progress.into_iter().map(|row| {
                    let share = if row.required.0 > 0 {
                        (row.earned.0.max(0) as f64 / row.required.0 as f64 * 100.0).min(100.0)
                    } else {
                        100.0
                    };
                    let met = row.met;
                    let code = row.category.clone();
                    view! {
                        <li class="progress-item" data-testid="progress-row" data-category=row.category.clone()>
                            <div class="progress-line">
                                <span>{move || labels::category_name(i18n, &names.get(), &code)}</span>
                                <span>
                                    <strong>{format!("{} / {}", row.earned, row.required)}</strong>
                                    {(row.required_hours > 0.0).then(|| {
                                        let (earned, required) = (row.earned_hours, row.required_hours);
                                        view! {
                                            <span class="muted small" data-testid="progress-hours">{move || match i18n.locale() {
                                                Locale::Zh => format!(" · {} / {} 小时", format::number(earned), format::number(required)),
                                                Locale::En => format!(" · {} / {} h", format::number(earned), format::number(required)),
                                            }}</span>
                                        }
                                    })}
                                    " "
                                    <span class="badge" class:badge-on=met class:badge-off=!met>
                                        {move || if met { i18n.t("已达标", "Met") } else { i18n.t("未达标", "Short") }}
                                    </span>
                                </span>
                            </div>
                            <div class="meter" class:meter-done=met role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{share:.0}")>
                                <div class="meter-fill" style=format!("width: {share:.1}%")></div>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!terms.is_empty()).then(|| view! {
                <p class="muted small terms-line">
                    {move || i18n.t("各学期：", "Per term: ")}
                    {
                        let terms = terms.clone();
                        move || terms.iter().map(|t| format!("{} {}", labels::term_name(i18n, &t.term.code, &t.term.name), t.points)).collect::<Vec<_>>().join(" · ")
                    }
                </p>
            })}
        </section>
    }
}

#[component]
fn Ledger(entries: Vec<LedgerEntry>, names: Memo<CategoryNames>) -> impl IntoView {
    let i18n = use_i18n();
    if entries.is_empty() {
        return view! {
            <section class="empty" data-testid="ledger-empty">
                <p class="muted">{move || i18n.t("还没有积分记录。", "No points recorded yet.")}</p>
            </section>
        }
        .into_any();
    }
    let columns = vec![
        ("日期", "Date"),
        ("事项", "What"),
        ("类别", "Category"),
        ("积分", "Points"),
        ("来源", "Source"),
        ("认定", "Recognised by"),
        ("状态", "State"),
    ];
    view! {
        <DataTable columns=columns testid="ledger">
            {entries.into_iter().map(|entry| {
                let day = entry.occurred_on;
                let code = entry.category.clone();
                let source = entry.source;
                let reversed = entry.reversed;
                let reverses = entry.reverses;
                let hours = (entry.hours != 0.0).then(|| Points::from_f64(entry.hours));
                // The organisation, then the account when it is not the organisation's own
                // main account, and who approved a back-fill.
                let mut by = entry.organization.clone();
                if entry.recognized_by != entry.organization {
                    by.push_str(&format!(" · {}", entry.recognized_by));
                }
                let approver = entry.approved_by.clone().filter(|a| *a != entry.recognized_by);
                view! {
                    <tr data-testid="ledger-row" data-entry=entry.id class:entry-reversed=reversed>
                        <Cell zh="日期" en="Date" class="cell-nowrap">
                            {move || format::date(i18n.locale(), day)}
                            <span class="muted small code">{format!(" #{}", entry.id)}</span>
                        </Cell>
                        <Cell zh="事项" en="What" class="cell-title">
                            <span class="entry-struck">{entry.title.clone()}</span>
                            {(!entry.detail.is_empty()).then(|| view! { <span class="muted small">" · "{entry.detail.clone()}</span> })}
                        </Cell>
                        <Cell zh="类别" en="Category" class="cell-nowrap">{move || labels::category_name(i18n, &names.get(), &code)}</Cell>
                        <Cell zh="积分" en="Points" class="cell-points">
                            <span class="entry-struck" data-testid="ledger-points">{entry.points.to_string()}</span>
                            {hours.map(|h| view! { <span class="muted small">{format!(" · {h} h")}</span> })}
                        </Cell>
                        <Cell zh="来源" en="Source" class="cell-nowrap">{move || labels::source(i18n, source)}</Cell>
                        <Cell zh="认定" en="Recognised by" class="cell-nowrap">
                            {by}
                            {approver.map(|a| view! { <span class="muted small">{move || match i18n.locale() {
                                Locale::Zh => format!("（{a} 审批）"),
                                Locale::En => format!(" (approved by {a})"),
                            }}</span> })}
                        </Cell>
                        <Cell zh="状态" en="State" class="cell-nowrap">
                            {move || if reversed {
                                view! { <span class="badge badge-off" data-testid="ledger-reversed">{i18n.t("已冲销", "Reversed")}</span> }.into_any()
                            } else if let Some(id) = reverses {
                                view! { <span class="badge badge-warn">{match i18n.locale() {
                                    Locale::Zh => format!("冲销 #{id}"),
                                    Locale::En => format!("Reverses #{id}"),
                                }}</span> }.into_any()
                            } else {
                                view! { <span class="badge badge-on">{i18n.t("有效", "Counts")}</span> }.into_any()
                            }}
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------------
// The forms

/// Which fields to check as typed: those edited, and all of them after a submit.
#[derive(Clone, Copy)]
struct Checks {
    touched: RwSignal<BTreeSet<&'static str>>,
    attempted: RwSignal<bool>,
    server_error: RwSignal<Option<ApiError>>,
}

impl Checks {
    fn new() -> Checks {
        Checks {
            touched: RwSignal::new(BTreeSet::new()),
            attempted: RwSignal::new(false),
            server_error: RwSignal::new(None),
        }
    }

    /// An edit of `field`: check it from now on, and forget the server's verdict.
    fn edited(self, field: &'static str) {
        self.touched.update(|t| {
            t.insert(field);
        });
        self.server_error.set(None);
    }

    /// The message for `field`: the server's, else the browser's check once it should show.
    fn error<T: Clone + Send + Sync + 'static>(
        self,
        i18n: I18n,
        request: Memo<Result<T, ApiError>>,
        field: &'static str,
    ) -> Signal<Option<String>> {
        Signal::derive(move || {
            if let Some(error) = self
                .server_error
                .read()
                .as_ref()
                .filter(|e| e.field.as_deref() == Some(field))
            {
                return Some(points_message(i18n, &error.message));
            }
            if !self.attempted.get() && !self.touched.read().contains(field) {
                return None;
            }
            request.with(|r| {
                r.as_ref()
                    .err()
                    .filter(|e| e.field.as_deref() == Some(field))
                    .map(|e| points_message(i18n, &e.message))
            })
        })
    }

    /// A server error no field of the form shows.
    fn other(self, fields: &'static [&'static str]) -> Option<ApiError> {
        self.server_error
            .get()
            .filter(|e| !e.field.as_deref().is_some_and(|f| fields.contains(&f)))
    }
}

fn parse_day(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("occurred_on", "enter a date"))
}

fn parse_number(field: &str, text: &str) -> Result<f64, ApiError> {
    text.parse::<Points>()
        .map(Points::as_f64)
        .map_err(|e| ApiError::invalid(field, e.message()))
}

/// A text input bound to `value`, marking `field` as edited.
#[allow(clippy::too_many_arguments)]
fn input(
    i18n: I18n,
    checks: Checks,
    label: (&'static str, &'static str),
    field: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    testid: &'static str,
    kind: &'static str,
    placeholder: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{move || i18n.t(label.0, label.1)}</span>
            <input type=kind data-testid=testid inputmode=(kind == "text" && placeholder.is_some_and(|p| p.0.starts_with('0') || p.0.starts_with('+'))).then_some("decimal")
                placeholder=move || placeholder.map(|(zh, en)| i18n.t(zh, en))
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=value
                on:input=move |ev| { value.set(event_target_value(&ev)); checks.edited(field); } />
            <span class="field-error" data-testid=format!("{testid}-error") role="alert">{move || error.get()}</span>
        </label>
    }
}

/// What the fact form records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FactChoice {
    Cadre,
    PracticeDays,
    PracticeHours,
}

impl FactChoice {
    fn as_str(self) -> &'static str {
        match self {
            FactChoice::Cadre => "cadre",
            FactChoice::PracticeDays => "practice_days",
            FactChoice::PracticeHours => "hours",
        }
    }

    fn label(self, i18n: I18n) -> &'static str {
        match self {
            FactChoice::Cadre => i18n.t("学生干部任职", "Cadre position"),
            FactChoice::PracticeDays => i18n.t("社会实践（按天）", "Social practice (days)"),
            FactChoice::PracticeHours => i18n.t("社会实践（按小时）", "Social practice (hours)"),
        }
    }

    fn permission(self) -> Permission {
        match self {
            FactChoice::Cadre => Permission::ManageCadres,
            _ => Permission::CertifyPractice,
        }
    }
}

const FACT_FIELDS: &[&str] = &[
    "organization_id",
    "title",
    "occurred_on",
    "kind.days",
    "kind.hours_per_day",
    "kind.hours",
    "achievement",
];

#[component]
fn FactForm(student_no: String, recorded: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let choices = Memo::new(move |_| {
        [
            FactChoice::Cadre,
            FactChoice::PracticeDays,
            FactChoice::PracticeHours,
        ]
        .into_iter()
        .filter(|c| session.can(c.permission()))
        .collect::<Vec<_>>()
    });
    let choice = RwSignal::new(
        choices
            .get_untracked()
            .first()
            .copied()
            .unwrap_or(FactChoice::Cadre),
    );
    let organizations = subtree(&[]);
    let organization = RwSignal::new(session.me_untracked().map(|me| me.organization.id));
    let title = RwSignal::new(String::new());
    let day = RwSignal::new(today().to_string());
    let level = RwSignal::new(CadreLevel::College);
    let grade = RwSignal::new(Grade::Competent);
    let days = RwSignal::new(String::new());
    let hours_per_day = RwSignal::new(String::new());
    let hours = RwSignal::new(String::new());
    let achievement = RwSignal::new(String::new());
    let checks = Checks::new();
    let saved = RwSignal::new(false);

    let request = Memo::new(move |_| -> Result<NewFact, ApiError> {
        let organization_id = organization
            .get()
            .ok_or_else(|| ApiError::invalid("organization_id", "choose the organisation"))?;
        let occurred_on = parse_day(&day.get())?;
        let kind = match choice.get() {
            FactChoice::Cadre => FactKind::Cadre {
                level: level.get(),
                grade: grade.get(),
                position_type: None,
            },
            FactChoice::PracticeDays => FactKind::PracticeDays {
                days: parse_number("kind.days", &days.get())?,
                hours_per_day: match hours_per_day.get() {
                    text if text.trim().is_empty() => None,
                    text => Some(parse_number("kind.hours_per_day", &text)?),
                },
            },
            FactChoice::PracticeHours => FactKind::Hours {
                hours: parse_number("kind.hours", &hours.get())?,
            },
        };
        let fact = NewFact {
            student_no: student_no.clone(),
            organization_id,
            title: title.get().trim().to_owned(),
            occurred_on,
            kind,
            achievement: Some(achievement.get().trim().to_owned()).filter(|a| !a.is_empty()),
        };
        fact.validate()?;
        Ok(fact)
    });
    let record = Action::new_local(move |fact: &NewFact| {
        let fact = fact.clone();
        async move {
            match api::record_fact(&fact).await {
                Ok(_) => {
                    checks.server_error.set(None);
                    checks.attempted.set(false);
                    checks.touched.set(BTreeSet::new());
                    title.set(String::new());
                    days.set(String::new());
                    hours.set(String::new());
                    hours_per_day.set(String::new());
                    achievement.set(String::new());
                    saved.set(true);
                    recorded.run(());
                }
                Err(error) => checks.server_error.set(Some(error)),
            }
        }
    });
    let error = move |field| checks.error(i18n, request, field);

    view! {
        <section class="panel" data-testid="fact-form-panel">
            <h2>{move || i18n.t("登记干部任职 / 社会实践", "Record a cadre position or practice")}</h2>
            <p class="muted small">{move || i18n.t(
                "按所在学期的规则计分，类别上限与“同一成果按最高计”同样适用。",
                "Scored by the rules of its term; category caps and “once at the highest” apply.",
            )}</p>
            <form class="form-grid" novalidate data-testid="fact-form" on:submit=move |ev| {
                ev.prevent_default();
                checks.attempted.set(true);
                saved.set(false);
                if let Ok(fact) = request.get_untracked() {
                    record.dispatch(fact);
                }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("类型", "Kind")}</span>
                    <select data-testid="fact-kind" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(c) = choices.get_untracked().into_iter().find(|c| c.as_str() == value) {
                            choice.set(c);
                            checks.server_error.set(None);
                        }
                    }>
                        {move || choices.get().into_iter().map(|c| view! {
                            <option value=c.as_str() selected=move || choice.get() == c>{move || c.label(i18n)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("认定组织", "Recognising organisation")}</span>
                    <OrgSelect organizations=organizations testid="fact-organization"
                        value=organization invalid=Signal::derive(move || error("organization_id").with(Option::is_some))
                        on_change=Callback::new(move |id| { organization.set(id); checks.edited("organization_id"); }) />
                    <span class="field-error" role="alert">{move || error("organization_id").get()}</span>
                </label>
                <div class="form-grid-wide">
                    {input(i18n, checks, ("名称", "Title"), "title", title, error("title"), "fact-title", "text",
                        Some(("如：计算机学院学生会主席", "e.g. President of the college student union")))}
                </div>
                {move || match choice.get() {
                    FactChoice::Cadre => view! {
                        <label class="field">
                            <span class="field-label">{move || i18n.t("干部级别", "Position level")}</span>
                            <select data-testid="fact-level" on:change=move |ev| {
                                let value = event_target_value(&ev);
                                if let Some(l) = [CadreLevel::Club, CadreLevel::College, CadreLevel::School, CadreLevel::Class].into_iter().find(|l| format!("{l:?}") == value) { level.set(l); }
                            }>
                                {[CadreLevel::Club, CadreLevel::College, CadreLevel::School, CadreLevel::Class].into_iter().map(|l| view! {
                                    <option value=format!("{l:?}") selected=move || level.get() == l>{move || labels::cadre_level(i18n, l)}</option>
                                }).collect_view()}
                            </select>
                            <span class="field-error"></span>
                        </label>
                        <label class="field">
                            <span class="field-label">{move || i18n.t("考核等次", "Assessment")}</span>
                            <select data-testid="fact-grade" on:change=move |ev| {
                                let value = event_target_value(&ev);
                                if let Some(g) = [Grade::Incompetent, Grade::Fair, Grade::Competent, Grade::Excellent].into_iter().find(|g| format!("{g:?}") == value) { grade.set(g); }
                            }>
                                {[Grade::Incompetent, Grade::Fair, Grade::Competent, Grade::Excellent].into_iter().map(|g| view! {
                                    <option value=format!("{g:?}") selected=move || grade.get() == g>{move || labels::grade(i18n, g)}</option>
                                }).collect_view()}
                            </select>
                            <span class="field-error"></span>
                        </label>
                    }.into_any(),
                    FactChoice::PracticeDays => view! {
                        {input(i18n, checks, ("天数", "Days"), "kind.days", days, error("kind.days"), "fact-days", "text", Some(("0", "0")))}
                        {input(i18n, checks, ("每天小时数（可选）", "Hours a day (optional)"), "kind.hours_per_day", hours_per_day, error("kind.hours_per_day"), "fact-hours-per-day", "text", None)}
                    }.into_any(),
                    FactChoice::PracticeHours => view! {
                        {input(i18n, checks, ("小时数", "Hours"), "kind.hours", hours, error("kind.hours"), "fact-hours", "text", Some(("0", "0")))}
                    }.into_any(),
                }}
                {input(i18n, checks, ("日期", "Date"), "occurred_on", day, error("occurred_on"), "fact-date", "date", None)}
                {input(i18n, checks, ("同一成果标识（可选）", "Same-achievement key (optional)"), "achievement", achievement, error("achievement"), "fact-achievement", "text", None)}
                {move || checks.other(FACT_FIELDS).map(|error| view! { <div class="form-grid-wide"><ErrorNotice error=error /></div> })}
                {move || saved.get().then(|| view! {
                    <p class="notice notice-ok form-grid-wide" role="status" data-testid="fact-saved">{move || i18n.t("已登记，积分已更新。", "Recorded; the points are updated.")}</p>
                })}
                <div class="actions form-grid-wide">
                    <button class="btn btn-primary" type="submit" data-testid="fact-submit" disabled=move || record.pending().get()>
                        {move || i18n.t("登记", "Record")}
                    </button>
                </div>
            </form>
        </section>
    }
}

const ADJUST_FIELDS: &[&str] = &["category", "points", "hours", "reason", "occurred_on"];

#[component]
fn AdjustForm(
    student_no: String,
    names: Memo<CategoryNames>,
    recorded: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let category = RwSignal::new(String::new());
    let points = RwSignal::new(String::new());
    let hours = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let day = RwSignal::new(today().to_string());
    let checks = Checks::new();
    let saved = RwSignal::new(None::<Points>);
    let codes = Memo::new(move |_| {
        let mut codes: Vec<String> = names.get().into_keys().collect();
        codes.push("cadre".to_owned());
        codes
    });
    // The first category until one is chosen.
    let chosen = Memo::new(move |_| {
        let picked = category.get();
        if picked.is_empty() {
            codes.with(|c| c.first().cloned().unwrap_or_default())
        } else {
            picked
        }
    });

    let request = Memo::new(move |_| -> Result<NewAdjustment, ApiError> {
        let points = points
            .get()
            .parse::<Points>()
            .map_err(|e| ApiError::invalid("points", e.message()))?;
        let hours = match hours.get() {
            text if text.trim().is_empty() => 0.0,
            text => parse_number("hours", &text)?,
        };
        let adjustment = NewAdjustment {
            student_no: student_no.clone(),
            category: chosen.get(),
            points,
            hours,
            reason: reason.get().trim().to_owned(),
            occurred_on: parse_day(&day.get())?,
        };
        adjustment.validate()?;
        Ok(adjustment)
    });
    let adjust = Action::new_local(move |adjustment: &NewAdjustment| {
        let adjustment = adjustment.clone();
        async move {
            match api::adjust_points(&adjustment).await {
                Ok(_) => {
                    checks.server_error.set(None);
                    checks.attempted.set(false);
                    checks.touched.set(BTreeSet::new());
                    points.set(String::new());
                    hours.set(String::new());
                    reason.set(String::new());
                    saved.set(Some(adjustment.points));
                    recorded.run(());
                }
                Err(error) => checks.server_error.set(Some(error)),
            }
        }
    });
    let error = move |field| checks.error(i18n, request, field);
    let reason_error = error("reason");

    view! {
        <section class="panel" data-testid="adjust-form-panel">
            <h2>{move || i18n.t("手工调整积分", "Adjust points by hand")}</h2>
            <p class="muted small">{move || i18n.t(
                "作为一条新的积分记录入账，不修改已有记录；负数表示扣减。须写明原因。",
                "Recorded as a new ledger entry — nothing is edited; a negative amount takes points away. Say why.",
            )}</p>
            <form class="form-grid" novalidate data-testid="adjust-form" on:submit=move |ev| {
                ev.prevent_default();
                checks.attempted.set(true);
                saved.set(None);
                if let Ok(adjustment) = request.get_untracked() {
                    adjust.dispatch(adjustment);
                }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("类别", "Category")}</span>
                    <select data-testid="adjust-category" on:change=move |ev| { category.set(event_target_value(&ev)); checks.edited("category"); }>
                        {move || codes.get().into_iter().map(|code| {
                            let value = code.clone();
                            let name = labels::category_name(i18n, &names.get(), &code);
                            view! { <option value=value selected=move || chosen.get() == code>{name}</option> }
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{move || error("category").get()}</span>
                </label>
                {input(i18n, checks, ("积分（可为负数）", "Points (may be negative)"), "points", points, error("points"), "adjust-points", "text", Some(("如 0.5 或 -1", "e.g. 0.5 or -1")))}
                {input(i18n, checks, ("时长（小时，可选）", "Hours (optional)"), "hours", hours, error("hours"), "adjust-hours", "text", None)}
                {input(i18n, checks, ("日期", "Date"), "occurred_on", day, error("occurred_on"), "adjust-date", "date", None)}
                <label class="field form-grid-wide">
                    <span class="field-label">{move || i18n.t("原因", "Reason")}</span>
                    <textarea data-testid="adjust-reason" rows="2" maxlength="200"
                        placeholder=move || i18n.t("如：2026 年马拉松志愿服务补记", "e.g. marathon volunteering, recorded late")
                        aria-invalid=move || reason_error.with(Option::is_some).to_string()
                        prop:value=reason on:input=move |ev| { reason.set(event_target_value(&ev)); checks.edited("reason"); }></textarea>
                    <span class="field-error" data-testid="adjust-reason-error" role="alert">{move || reason_error.get()}</span>
                </label>
                {move || checks.other(ADJUST_FIELDS).map(|error| view! { <div class="form-grid-wide"><ErrorNotice error=error /></div> })}
                {move || saved.get().map(|p| view! {
                    <p class="notice notice-ok form-grid-wide" role="status" data-testid="adjust-saved">{move || match i18n.locale() {
                        Locale::Zh => format!("已调整 {}{} 分，积分已更新。", if p.0 > 0 { "+" } else { "" }, p),
                        Locale::En => format!("Adjusted by {}{}; the points are updated.", if p.0 > 0 { "+" } else { "" }, p),
                    }}</p>
                })}
                <div class="actions form-grid-wide">
                    <button class="btn btn-primary" type="submit" data-testid="adjust-submit" disabled=move || adjust.pending().get()>
                        {move || i18n.t("记录调整", "Record the adjustment")}
                    </button>
                </div>
            </form>
        </section>
    }
}
