//! 成绩认定 — the recognition grid of an activity: one row per student who checked in (and
//! any already recognised), attended / hours / role / award / level / note edited in place and
//! checked per row with [`ResultInput::validate`], saved together (the server's error lands on
//! its row and field); a bulk upload from .xlsx/.csv, dry run first; the deadline with the
//! working days left; and 完成认定. Each row previews the points it will grant — raw, before
//! the term caps and "same achievement counts once" — with the rules in force and the very
//! functions of `shared::rules` the server evaluates with.

use leptos::prelude::*;
use shared::{
    ApiError, ErrorCode,
    activity::CreditLevel,
    attendance::{
        AttendanceRecord, Award, AwardLevel, Deadlines, ParticipantRole, ResultInput, ResultRecord,
        UploadReport,
    },
    rules::{self, Fact, FactKind, Points, ResultFields, RuleSet},
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{
        attendance::{
            ActivityHead, activity_id, award, award_level, error_text, role, rule_message,
        },
        error::ErrorNotice,
        table::{Cell, DataTable},
        toast::{Tone, use_toast},
    },
    files, format,
    i18n::{I18n, Locale, use_i18n},
};

/// One editable row of the grid.
#[derive(Clone)]
struct Row {
    student_no: String,
    student_name: String,
    checked_in: bool,
    attended: RwSignal<bool>,
    hours: RwSignal<String>,
    role: RwSignal<String>,
    award: RwSignal<String>,
    level: RwSignal<String>,
    note: RwSignal<String>,
    /// Rows sharing it with other results of the student count once, at the highest.
    achievement: RwSignal<String>,
    /// Why a student who neither signed up nor checked in is recognised (补录原因).
    backfill_reason: RwSignal<String>,
    /// The server's objection: (field, message).
    server_error: RwSignal<Option<(String, String)>>,
}

impl Row {
    fn new(
        student_no: String,
        student_name: String,
        checked_in: bool,
        result: Option<&ResultRecord>,
    ) -> Row {
        Row {
            student_no,
            student_name,
            checked_in,
            attended: RwSignal::new(result.map_or(checked_in, |r| r.attended)),
            hours: RwSignal::new(
                result
                    .and_then(|r| r.hours)
                    .map(|h| h.to_string())
                    .unwrap_or_default(),
            ),
            role: RwSignal::new(
                result
                    .and_then(|r| r.role)
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            award: RwSignal::new(
                result
                    .and_then(|r| r.award)
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            level: RwSignal::new(
                result
                    .and_then(|r| r.award_level)
                    .map(|l| l.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            note: RwSignal::new(result.and_then(|r| r.note.clone()).unwrap_or_default()),
            achievement: RwSignal::new(
                result
                    .and_then(|r| r.achievement.clone())
                    .unwrap_or_default(),
            ),
            backfill_reason: RwSignal::new(
                result
                    .and_then(|r| r.backfill_reason.clone())
                    .unwrap_or_default(),
            ),
            server_error: RwSignal::new(None),
        }
    }

    /// The row as the server takes it, or (field, message) of its first problem.
    fn input(&self, i18n: I18n, index: usize) -> Result<ResultInput, (String, String)> {
        let hours = match self.hours.get().trim() {
            "" => None,
            text => Some(
                text.parse::<f64>()
                    .map_err(|_| ("hours".to_owned(), rule_message(i18n, "not a number")))?,
            ),
        };
        let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let input = ResultInput {
            student_no: self.student_no.clone(),
            attended: self.attended.get(),
            hours,
            role: ParticipantRole::parse(&self.role.get()),
            award: Award::parse(&self.award.get()),
            award_level: AwardLevel::parse(&self.level.get()),
            note: some(self.note.get()),
            achievement: some(self.achievement.get()).map(|a| a.trim().to_owned()),
            backfill_reason: some(self.backfill_reason.get()).map(|r| r.trim().to_owned()),
        };
        input
            .validate(index)
            .map_err(|e| (field_of(e.field.as_deref()), rule_message(i18n, &e.message)))?;
        Ok(input)
    }
}

/// What a row's points preview needs: the rules in force and the activity's category and level.
#[derive(Clone, Debug, PartialEq)]
struct Basis {
    rules: RuleSet,
    category: String,
    credit_level: CreditLevel,
}

/// What a row will grant, before caps.
#[derive(Clone, Debug, PartialEq)]
enum Estimate {
    Points(Points),
    /// Counted by the hour with no hours typed: the server takes check-in to check-out.
    FromAttendance,
}

/// The row's raw points, as the server's ledger evaluates it (`result_kind`, then
/// `raw_points`).
fn estimate(basis: &Basis, input: &ResultInput) -> Estimate {
    let Some(kind) = rules::result_kind(&basis.rules, &basis.category, basis.credit_level, input)
    else {
        return Estimate::Points(Points::ZERO);
    };
    if matches!(kind, FactKind::Hours { .. }) && input.hours.is_none() {
        return Estimate::FromAttendance;
    }
    let fact = Fact {
        id: format!("preview:{}", input.student_no),
        category: basis.category.clone(),
        achievement: input.achievement.clone(),
        kind,
    };
    Estimate::Points(rules::raw_points(&basis.rules, &fact).0)
}

/// `results[3].hours` → `hours`.
fn field_of(field: Option<&str>) -> String {
    field
        .and_then(|f| f.rsplit('.').next())
        .unwrap_or("student_no")
        .to_owned()
}

/// `results[3].hours` → 3.
fn index_of(field: Option<&str>) -> Option<usize> {
    let rest = field?.strip_prefix("results[")?;
    rest.split(']').next()?.parse().ok()
}

fn merge(attendance: Vec<AttendanceRecord>, results: Vec<ResultRecord>) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut attendance = attendance;
    attendance.sort_by(|a, b| a.student_no.cmp(&b.student_no));
    for record in &attendance {
        let result = results.iter().find(|r| r.student_id == record.student_id);
        rows.push(Row::new(
            record.student_no.clone(),
            record.student_name.clone(),
            true,
            result,
        ));
    }
    for result in &results {
        if !attendance.iter().any(|a| a.student_id == result.student_id) {
            rows.push(Row::new(
                result.student_no.clone(),
                result.student_name.clone(),
                false,
                Some(result),
            ));
        }
    }
    rows
}

/// A picked results file, read.
#[derive(Clone)]
struct Upload {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

#[component]
pub fn ResultsPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(id) = activity_id() else {
        return view! { <crate::components::not_found::NotFound /> }.into_any();
    };
    let activity = LocalResource::new(move || api::activity(id));
    // Loaded once: the preview column evaluates every row with them.
    let rules = LocalResource::new(|| api::current_rules(None));
    let basis = Memo::new(move |_| {
        let rules = rules.get()?.ok()?;
        let activity = activity.get()?.ok()?;
        Some(Basis {
            rules: rules.rules,
            category: activity.category,
            credit_level: activity.credit_level,
        })
    });
    // The fields the category's rule reads: the grid's columns (all of them until it loads).
    let fields = Memo::new(move |_| match activity.get() {
        Some(Ok(activity)) => rules::result_fields(&activity.category),
        _ => ResultFields {
            hours: true,
            role: true,
            award: true,
            award_level: true,
        },
    });
    // Results are recorded once the activity has ended (the server refuses before): until
    // then the actions are off, and say when they open.
    let ends_at = Memo::new(move |_| match activity.get() {
        Some(Ok(activity)) => Some(activity.ends_at),
        _ => None,
    });
    let not_ended = move || ends_at.get().is_some_and(|end| chrono::Utc::now() < end);
    let toasts = use_toast();
    let deadlines = RwSignal::new(None::<Result<Deadlines, ApiError>>);
    let rows = RwSignal::new(None::<Result<Vec<Row>, ApiError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            let (attendance, results, due) = futures::join!(
                api::all_attendance(id),
                api::results(id),
                api::deadlines(id)
            );
            deadlines.set(Some(due));
            rows.set(Some(
                attendance.and_then(|a| results.map(|r| merge(a, r.items))),
            ));
        });
    };
    load();
    let finalised =
        move || deadlines.with(|d| matches!(d, Some(Ok(d)) if d.recognized_at.is_some()));
    let server_error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(None::<usize>);
    // Each row's own problem, as typed.
    let problems = move || -> usize {
        rows.with(|rows| match rows {
            Some(Ok(rows)) => rows
                .iter()
                .enumerate()
                .filter(|(i, r)| r.input(i18n, *i).is_err())
                .count(),
            _ => 0,
        })
    };
    let has_rows = move || rows.with(|r| matches!(r, Some(Ok(rows)) if !rows.is_empty()));
    let save = Action::new_local(move |_: &()| async move {
        server_error.set(None);
        saved.set(None);
        let Some(Ok(current)) = rows.get_untracked() else {
            return;
        };
        let mut inputs = Vec::new();
        for (i, row) in current.iter().enumerate() {
            row.server_error.set(None);
            match row.input(i18n, i) {
                Ok(input) => inputs.push(input),
                Err(_) => return,
            }
        }
        match api::put_results(id, &inputs).await {
            Ok(page) => {
                let n = page.items.len();
                toasts.ok(match i18n.locale() {
                    Locale::Zh => format!("已保存 {n} 行"),
                    Locale::En => format!("Saved {n} rows"),
                });
                saved.set(Some(n));
            }
            Err(e) => {
                toasts.show(Tone::Error, error_text(i18n, &e));
                match index_of(e.field.as_deref()).and_then(|i| current.get(i)) {
                    Some(row) => {
                        row.server_error.set(Some((
                            field_of(e.field.as_deref()),
                            rule_message(i18n, &e.message),
                        )));
                        // The row the server named comes into view.
                        scroll_to_row(&row.student_no);
                    }
                    None => server_error.set(Some(e)),
                }
            }
        }
    });
    // A finalisation that is a back-fill: the server's grounds, then the request filed.
    let backfill = RwSignal::new(None::<String>);
    let backfill_reason = RwSignal::new(String::new());
    let requested = RwSignal::new(None::<shared::attendance::RecognitionRequest>);
    let finalize = Action::new_local(move |reason: &Option<String>| {
        let reason = reason.clone();
        async move {
            server_error.set(None);
            match api::finalize_results(id, reason).await {
                Ok(api::Finalised::Recognised(d)) => {
                    toasts.ok(i18n.t("已完成认定", "Finalised"));
                    backfill.set(None);
                    deadlines.set(Some(Ok(d)));
                }
                Ok(api::Finalised::Requested(request)) => {
                    toasts.ok(i18n.t("已提交上级审批", "Sent for approval"));
                    backfill.set(None);
                    requested.set(Some(request));
                }
                Err(e) if e.field.as_deref() == Some("reason") => {
                    backfill.set(Some(e.message));
                    // The reason is asked for below the grid, right above the buttons.
                    request_animation_frame(|| {
                        scroll_into_view("[data-testid=\"results-backfill\"]")
                    });
                }
                Err(e) => {
                    toasts.show(Tone::Error, error_text(i18n, &e));
                    server_error.set(Some(e));
                }
            }
        }
    });
    let ask_finalize = move |_| {
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(i18n.t("完成认定后不能再修改成绩（更正须走补录）。确定吗？", "After finalising, results cannot change (corrections need a back-fill). Finalise?")).ok())
            .unwrap_or(false);
        if sure {
            finalize.dispatch(None);
        }
    };
    let reason_ok = move || backfill_reason.with(|r| (1..=500).contains(&r.trim().chars().count()));

    view! {
        <ActivityHead id=id activity=activity current="results" />
        {move || deadlines.get().map(|result| match result {
            Ok(d) => view! { <DeadlineBar deadlines=d /> }.into_any(),
            Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
        })}
        <UploadPanel id=id blocked=Signal::derive(move || {
            if finalised() {
                Some(i18n.t("已完成认定，更正须走补录。", "Finalised: corrections go through a back-fill.").to_owned())
            } else if not_ended() {
                Some(i18n.t("活动结束后才能上传成绩。", "Results are uploaded once the activity has ended.").to_owned())
            } else {
                None
            }
        }) on_applied=Callback::new(move |_| load()) />
        <section class="panel results-panel">
            <div class="panel-head">
                <h2>{move || i18n.t("认定名单", "Results")}</h2>
                <span class="muted small">{move || i18n.t(
                    "时长留空：按签到至签退计算。预计积分为原始分，未计学期上限与“同一成果只计最高”。",
                    "Hours left empty: check-in to check-out. Estimated points are raw: before the term caps and “one achievement counts once”.",
                )}</span>
            </div>
            {move || match rows.get() {
                None => view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorNotice error=error /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty muted" data-testid="results-empty">{move || i18n.t("还没有签到记录。学生签到后会出现在这里，也可以直接上传成绩表。", "No check-ins yet. Students appear here once they check in; or upload a results sheet.")}</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let shown = fields.get();
                    let columns = [
                        (true, ("学号", "Student no.")),
                        (true, ("姓名", "Name")),
                        (true, ("预计积分（原始）", "Est. raw points")),
                        (true, ("出勤", "Attended")),
                        (shown.hours, ("时长", "Hours")),
                        (shown.role, ("角色", "Role")),
                        (shown.award, ("奖项", "Award")),
                        (shown.award_level, ("级别", "Level")),
                        (true, ("同一成果", "Same achievement")),
                        (true, ("备注", "Note")),
                        (true, ("补录原因", "Back-fill reason")),
                    ]
                    .into_iter()
                    .filter_map(|(on, column)| on.then_some(column))
                    .collect();
                    view! {
                        <DataTable columns=columns testid="results-grid">
                            {list.into_iter().enumerate().map(|(index, row)| view! { <ResultRow row=row index=index locked=Signal::derive(move || finalised() || not_ended()) basis=basis fields=shown /> }).collect_view()}
                        </DataTable>
                    }.into_any()
                }
            }}
            {move || backfill.get().map(|grounds| view! {
                <form class="panel notice" data-testid="results-backfill" on:submit=move |ev| {
                    ev.prevent_default();
                    if reason_ok() { finalize.dispatch(Some(backfill_reason.get_untracked().trim().to_owned())); }
                }>
                    <p><strong>{move || i18n.t("此次认定属于补录，须由上级组织审批。", "Finalising now is a back-fill: the organisation above approves it.")}</strong></p>
                    <p class="muted small">{move || grounds_text(i18n, &grounds)}</p>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("补录理由（必填，最多 500 字）", "Why (required, at most 500 characters)")}</span>
                        <textarea rows="3" data-testid="results-backfill-reason" prop:value=backfill_reason
                            on:input=move |ev| backfill_reason.set(event_target_value(&ev))></textarea>
                    </label>
                    <button class="btn btn-primary" type="submit" data-testid="results-backfill-submit" disabled=move || !reason_ok() || finalize.pending().get()>
                        {move || i18n.t("提交上级审批", "Send for approval")}
                    </button>
                </form>
            })}
            {move || requested.get().map(|request| view! {
                <p class="notice" role="status" data-testid="results-requested">
                    {move || match i18n.locale() {
                        Locale::Zh => format!("已提交{}审批，批准后计入积分（标记为补录）。", request.approver_org_name),
                        Locale::En => format!("Sent to {} for approval; the points are written, marked back-fill, once approved.", request.approver_org_name),
                    }}
                </p>
            })}
            <div class="actions sticky-actions">
                {move || server_error.get().map(|e| view! { <p class="action-reason bad" role="alert" data-testid="results-error">{error_text(i18n, &e)}</p> })}
                {move || (not_ended() && !finalised()).then(|| view! {
                    <p class="action-reason" data-testid="results-not-ended">{move || {
                        let end = ends_at.get().map(|end| format::datetime(i18n.locale(), end)).unwrap_or_default();
                        match i18n.locale() {
                            Locale::Zh => format!("活动尚未结束（{end} 结束），结束后才能保存和完成认定。"),
                            Locale::En => format!("The activity has not ended (it ends {end}): results are saved and finalised after that."),
                        }
                    }}</p>
                })}
                <button class="btn btn-primary" data-testid="results-save"
                    disabled=move || { finalised() || not_ended() || problems() > 0 || save.pending().get() || !has_rows() }
                    on:click=move |_| { save.dispatch(()); }>
                    {move || i18n.t("保存", "Save")}
                </button>
                <button class="btn" data-testid="results-finalize" disabled=move || finalised() || not_ended() || requested.with(Option::is_some) || finalize.pending().get() on:click=ask_finalize>
                    {move || i18n.t("完成认定", "Finalise")}
                </button>
                {move || (problems() > 0).then(|| view! {
                    <span class="bad small">{move || match i18n.locale() {
                        Locale::Zh => format!("{} 行有误", problems()),
                        Locale::En => format!("{} rows need fixing", problems()),
                    }}</span>
                })}
                {move || saved.get().map(|n| view! {
                    <span class="good small" role="status" data-testid="results-saved">{move || match i18n.locale() {
                        Locale::Zh => format!("已保存 {n} 行"),
                        Locale::En => format!("Saved {n} rows"),
                    }}</span>
                })}
            </div>
        </section>
    }
    .into_any()
}

/// Brings the first element matching `selector` to the top of the view (clear of the sticky
/// header: the page's `scroll-padding`).
fn scroll_into_view(selector: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
    {
        el.scroll_into_view_with_bool(true);
    }
}

/// Brings the grid's row of `student_no` into view on the next frame, once it shows its error.
fn scroll_to_row(student_no: &str) {
    let selector = format!("[data-testid=\"result-row\"][data-student=\"{student_no}\"]");
    request_animation_frame(move || scroll_into_view(&selector));
}

/// The grounds the server named (`late`, `ended_term`, `non_participants`), in words.
fn grounds_text(i18n: I18n, message: &str) -> String {
    let mut parts = Vec::new();
    if message.contains("late") {
        parts.push(i18n.t("已过认定期限", "past the recognition deadline"));
    }
    if message.contains("ended_term") {
        parts.push(i18n.t(
            "积分将计入已结束的学期",
            "the points go into a term that has ended",
        ));
    }
    if message.contains("non_participants") {
        parts.push(i18n.t(
            "名单中有未报名且未签到的学生",
            "some rows name students who neither signed up nor checked in",
        ));
    }
    parts.join(i18n.t("；", "; "))
}

/// The recognition deadline and the working days left (red when overdue).
#[component]
fn DeadlineBar(deadlines: Deadlines) -> impl IntoView {
    let i18n = use_i18n();
    let d = deadlines;
    let overdue = d.recognition_days_left.is_some_and(|n| n < 0);
    view! {
        <div class="deadline-bar" class:deadline-overdue=overdue data-testid="recognition-deadline">
            {match (d.recognized_at, d.recognition_due, d.recognition_days_left) {
                (Some(at), _, _) => view! {
                    <span class="good">{move || i18n.t("已完成认定", "Finalised")}</span>
                    <span class="muted">{move || format::datetime(i18n.locale(), at)}</span>
                }.into_any(),
                (None, Some(due), Some(left)) => view! {
                    <span>{move || i18n.t("认定截止：", "Due: ")}<strong>{move || format::date(i18n.locale(), due)}</strong></span>
                    <span class:bad=overdue data-testid="days-left">{move || match (i18n.locale(), left) {
                        (Locale::Zh, n) if n < 0 => format!("已逾期 {} 个工作日", -n),
                        (Locale::Zh, n) => format!("剩余 {n} 个工作日"),
                        (Locale::En, n) if n < 0 => format!("{} working days overdue", -n),
                        (Locale::En, n) => format!("{n} working days left"),
                    }}</span>
                }.into_any(),
                _ => view! {
                    <span class="muted">{move || i18n.t("本类活动没有认定期限。", "This category has no recognition deadline.")}</span>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn ResultRow(
    row: Row,
    index: usize,
    #[prop(into)] locked: Signal<bool>,
    basis: Memo<Option<Basis>>,
    /// The columns the category's rule reads.
    fields: ResultFields,
) -> impl IntoView {
    let i18n = use_i18n();
    let check = {
        let row = row.clone();
        Memo::new(move |_| row.input(i18n, index).err())
    };
    // None while the rules load or the row has a problem.
    let preview = {
        let row = row.clone();
        Memo::new(move |_| {
            let input = row.input(i18n, index).ok()?;
            basis.with(|basis| basis.as_ref().map(|basis| estimate(basis, &input)))
        })
    };
    let server_error = row.server_error;
    let error_on = move |field: &'static str| {
        move || match check.get() {
            Some((f, message)) if f == field => Some(message),
            _ => server_error
                .get()
                .filter(|(f, _)| f == field)
                .map(|(_, m)| m),
        }
    };
    let invalid = move |field: &'static str| move || error_on(field)().is_some().to_string();
    let edited = move || server_error.set(None);
    let Row {
        student_no,
        student_name,
        checked_in,
        attended,
        hours,
        role: role_value,
        award: award_value,
        level,
        note,
        achievement,
        backfill_reason,
        ..
    } = row;
    let options = |values: Vec<(&'static str, &'static str)>, current: RwSignal<String>| {
        values
            .into_iter()
            .map(|(value, label)| view! { <option value=value selected=move || current.get() == value>{label}</option> })
            .collect_view()
    };
    let key = student_no.clone();
    view! {
        <tr data-testid="result-row" data-student=key class:row-reject=move || check.with(Option::is_some) || server_error.with(Option::is_some)>
            <Cell zh="学号" en="Student no." class="cell-key">{student_no.clone()}</Cell>
            <Cell zh="姓名" en="Name" class="cell-title">
                {student_name.clone()}
                {(!checked_in).then(|| view! { <span class="badge">{move || i18n.t("未签到", "No check-in")}</span> })}
            </Cell>
            <Cell zh="预计积分（原始）" en="Est. raw points" class="cell-estimate">
                <span data-testid="result-estimate">{move || match preview.get() {
                    Some(Estimate::Points(points)) => view! { <strong class="estimate">{points.to_string()}</strong> }.into_any(),
                    Some(Estimate::FromAttendance) => view! { <span class="muted small">{move || i18n.t("按签到时长计", "By hours attended")}</span> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}</span>
            </Cell>
            <Cell zh="出勤" en="Attended">
                <label class="perm">
                    <input type="checkbox" data-testid="result-attended" prop:checked=attended disabled=locked
                        on:change=move |ev| { attended.set(event_target_checked(&ev)); edited(); } />
                    <span>{move || if attended.get() { i18n.t("出勤", "Yes") } else { i18n.t("缺勤", "No") }}</span>
                </label>
                <span class="field-error">{error_on("attended")}</span>
            </Cell>
            {fields.hours.then(|| view! { <Cell zh="时长" en="Hours">
                <input class="cell-input cell-input-short" inputmode="decimal" data-testid="result-hours" prop:value=hours disabled=locked
                    aria-invalid=invalid("hours") on:input=move |ev| { hours.set(event_target_value(&ev)); edited(); } />
                <span class="field-error" data-testid="result-hours-error">{error_on("hours")}</span>
            </Cell> })}
            {fields.role.then(|| view! { <Cell zh="角色" en="Role">
                <select class="cell-input" data-testid="result-role" disabled=locked on:change=move |ev| { role_value.set(event_target_value(&ev)); edited(); }>
                    {move || options(vec![("", "—"), ("leader", role(i18n, ParticipantRole::Leader)), ("member", role(i18n, ParticipantRole::Member)), ("participant", role(i18n, ParticipantRole::Participant))], role_value)}
                </select>
            </Cell> })}
            {fields.award.then(|| view! { <Cell zh="奖项" en="Award">
                <select class="cell-input" data-testid="result-award" disabled=locked aria-invalid=invalid("award") on:change=move |ev| { award_value.set(event_target_value(&ev)); edited(); }>
                    {move || options(vec![("", "—"), ("first", award(i18n, Award::First)), ("second", award(i18n, Award::Second)), ("third", award(i18n, Award::Third)), ("honourable", award(i18n, Award::Honourable)), ("participation", award(i18n, Award::Participation))], award_value)}
                </select>
                <span class="field-error">{error_on("award")}</span>
            </Cell> })}
            {fields.award_level.then(|| view! { <Cell zh="级别" en="Level">
                <select class="cell-input" data-testid="result-level" disabled=locked aria-invalid=invalid("award_level") on:change=move |ev| { level.set(event_target_value(&ev)); edited(); }>
                    {move || options(vec![("", "—"), ("college", award_level(i18n, AwardLevel::College)), ("school", award_level(i18n, AwardLevel::School)), ("province", award_level(i18n, AwardLevel::Province)), ("national", award_level(i18n, AwardLevel::National))], level)}
                </select>
                <span class="field-error" data-testid="result-level-error">{error_on("award_level")}</span>
            </Cell> })}
            <Cell zh="同一成果" en="Same achievement">
                <input class="cell-input" data-testid="result-achievement" prop:value=achievement disabled=locked aria-invalid=invalid("achievement")
                    placeholder=move || i18n.t("如：ACM-2026", "e.g. ACM-2026")
                    title=move || i18n.t("同一成果的多条记录（如校赛、省赛、国赛）只按最高一条计分", "Rows of one achievement (school, provincial, national rounds) count once, at the highest")
                    on:input=move |ev| { achievement.set(event_target_value(&ev)); edited(); } />
                <span class="field-error">{error_on("achievement")}</span>
            </Cell>
            <Cell zh="备注" en="Note">
                <input class="cell-input" data-testid="result-note" prop:value=note disabled=locked aria-invalid=invalid("note")
                    on:input=move |ev| { note.set(event_target_value(&ev)); edited(); } />
                <span class="field-error">{error_on("note")}</span>
            </Cell>
            <Cell zh="补录原因" en="Back-fill reason">
                {if checked_in {
                    view! { <span class="muted">"—"</span> }.into_any()
                } else {
                    view! {
                        <input class="cell-input" data-testid="result-backfill" prop:value=backfill_reason disabled=locked
                            aria-invalid=move || (error_on("backfill_reason")().is_some() || error_on("student_no")().is_some()).to_string()
                            placeholder=move || i18n.t("未报名且未签到时必填", "Needed without sign-up or check-in")
                            on:input=move |ev| { backfill_reason.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error">{error_on("backfill_reason")}{error_on("student_no")}</span>
                    }.into_any()
                }}
            </Cell>
        </tr>
    }
}

/// Upload a results sheet: a dry run first (the per-row report, rejected rows first), then
/// apply the same file.
#[component]
fn UploadPanel(
    id: i64,
    /// Why nothing may be uploaded now, if so.
    #[prop(into)]
    blocked: Signal<Option<String>>,
    #[prop(into)] on_applied: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toast();
    let disabled = move || blocked.with(Option::is_some);
    let upload = RwSignal::new(None::<Upload>);
    let report = RwSignal::new(None::<UploadReport>);
    let error = RwSignal::new(None::<ApiError>);
    let send = Action::new_local(move |dry_run: &bool| {
        let dry_run = *dry_run;
        async move {
            let Some(file) = upload.get_untracked() else {
                return;
            };
            error.set(None);
            match api::upload_results(id, &file.name, &file.content_type, file.bytes, dry_run).await
            {
                Ok(answer) => {
                    if answer.applied {
                        toasts.ok(match i18n.locale() {
                            Locale::Zh => format!("已导入 {} 行", answer.accepted),
                            Locale::En => format!("Applied {} rows", answer.accepted),
                        });
                        on_applied.run(());
                    }
                    report.set(Some(answer));
                }
                Err(e) => {
                    toasts.show(Tone::Error, error_text(i18n, &e));
                    error.set(Some(e));
                }
            }
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        report.set(None);
        leptos::task::spawn_local(async move {
            match files::read(&file).await {
                Ok(bytes) => {
                    upload.set(Some(Upload {
                        name: file.name(),
                        content_type: files::content_type(&file),
                        bytes,
                    }));
                    send.dispatch(true);
                }
                Err(detail) => error.set(Some(ApiError::new(ErrorCode::InvalidFile, detail))),
            }
        });
    };
    let busy = move || send.pending().get();
    view! {
        <section class="panel" data-testid="results-upload">
            <details>
                <summary class="panel-summary"><h2>{move || i18n.t("批量上传成绩", "Upload a results sheet")}</h2></summary>
                <p class="muted small">{move || i18n.t(
                    "列：学号、是否出勤（是/否）、时长、角色（队长/队员/参与者）、奖项（一等奖…参与奖）、奖项级别（院级/校级/省级/国家级）、备注。先预检，全部无误后才能导入。",
                    "Columns: 学号 (student no.), 是否出勤 (yes/no), 时长 (hours), 角色 (role), 奖项 (award), 奖项级别 (level), 备注 (note). Checked first; applied only when every row is good.",
                )}</p>
                <label class="btn btn-primary file-button" class:disabled=move || busy() || disabled()>
                    <input type="file" data-testid="results-file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        disabled=move || busy() || disabled() on:change=on_file />
                    {move || i18n.t("选择文件预检", "Choose a file to check")}
                </label>
                {move || blocked.get().map(|reason| view! { <p class="action-reason" data-testid="results-upload-blocked">{reason}</p> })}
                {move || busy().then(|| view! {
                    <div class="progress" role="progressbar" aria-busy="true"><div class="progress-bar"></div></div>
                })}
                {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{error_text(i18n, &e)}</p> })}
                {move || report.get().map(|r| {
                    let (accepted, rejected, applied) = (r.accepted, r.rejected, r.applied);
                    view! {
                        <div class="counts" data-testid="upload-report">
                            <span class="count count-create"><strong>{accepted}</strong>{move || i18n.t("行可导入", "good")}</span>
                            <span class="count count-reject"><strong>{rejected}</strong>{move || i18n.t("行有误", "rejected")}</span>
                            {applied.then(|| view! { <span class="good" data-testid="upload-applied">{move || i18n.t("已导入", "Applied")}</span> })}
                        </div>
                        {(!r.rows.is_empty()).then(|| view! {
                            <DataTable columns=vec![("行", "Line"), ("学号", "Student no."), ("结果", "Result"), ("问题", "Problems")] testid="upload-rows">
                                {r.rows.into_iter().map(|row| {
                                    let ok = row.ok;
                                    view! {
                                        <tr class:row-reject=!ok>
                                            <Cell zh="行" en="Line">{row.line}</Cell>
                                            <Cell zh="学号" en="Student no." class="cell-key">{row.student_no.clone()}</Cell>
                                            <Cell zh="结果" en="Result"><span class="badge" class:badge-on=ok class:badge-off=!ok>{move || if ok { i18n.t("无误", "OK") } else { i18n.t("有误", "Rejected") }}</span></Cell>
                                            <Cell zh="问题" en="Problems">
                                                <ul class="row-errors">
                                                    {row.errors.into_iter().map(|e| view! { <li><strong>{e.column.clone()}</strong>": "{rule_message(i18n, &e.message)}</li> }).collect_view()}
                                                </ul>
                                            </Cell>
                                        </tr>
                                    }
                                }).collect_view()}
                            </DataTable>
                        })}
                        {(!applied).then(|| view! {
                            <div class="actions">
                                <button class="btn btn-primary" data-testid="upload-apply" disabled=move || rejected > 0 || accepted == 0 || busy()
                                    on:click=move |_| { send.dispatch(false); }>
                                    {move || i18n.t("确认导入", "Apply")}
                                </button>
                                {(rejected > 0).then(|| view! { <span class="muted small">{move || i18n.t("请改正有误的行后重新选择文件。", "Fix the rejected rows and choose the file again.")}</span> })}
                            </div>
                        })}
                    }
                })}
            </details>
        </section>
    }
}
