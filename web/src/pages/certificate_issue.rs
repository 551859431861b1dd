//! 颁发证书 (`/certificates/issue?template=…`): a template, then what to issue for, by its kind —
//! a competition's recognised awards, volunteer hours between two dates, the cadre positions
//! held (all today, or chosen), or an honour for student numbers pasted from a spreadsheet —
//! and then the outcome where the button was: how many were issued, who was skipped and why,
//! the batch's list and its zip.

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};
use shared::{
    ApiError,
    activity::ActivityStatus,
    certificate::{CertificateKind, IssueCertificates, IssueOutcome, IssueSource, Template},
};

use crate::{
    api::{self, ActivityFilter, PositionFilter},
    components::{
        certificate::{self as cert, CertificatesNav, CertificatesPage as Tab},
        error::{ErrorNotice, message},
    },
    format,
    i18n::{Locale, use_i18n},
};

/// Student numbers from a textarea: one a line, or a column pasted from Excel (tabs, commas,
/// spaces and semicolons also separate), blanks and repeats dropped.
fn student_numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for no in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、'))
    {
        let no = no.trim();
        if !no.is_empty() && !out.iter().any(|seen| seen == no) {
            out.push(no.to_owned());
        }
    }
    out
}

#[component]
pub fn IssuePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let templates = LocalResource::new(|| api::certificate_templates(None, None));
    // `?template=` until one is picked here (read as a signal: on an in-app link the query
    // arrives after the page is made).
    let from_link = Memo::new(move |_| {
        query
            .read()
            .get("template")
            .and_then(|t| t.parse::<i64>().ok())
    });
    let picked = RwSignal::new(None::<i64>);
    let chosen = Signal::derive(move || picked.get().or_else(|| from_link.get()));
    view! {
        <div class="page-head">
            <h1>{move || i18n.t("电子证书", "E-certificates")}</h1>
        </div>
        <CertificatesNav current=Tab::Issue />
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || templates.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <div class="empty" data-testid="issue-no-template">
                        <p>{move || i18n.t("还没有证书模板。", "No template yet.")}</p>
                        <A href="/certificates/templates" attr:class="btn btn-primary">{move || i18n.t("先设计模板", "Design one first")}</A>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let list = StoredValue::new(list);
                    let template = Memo::new(move |_| {
                        let id = chosen.get();
                        list.with_value(|l| l.iter().find(|t| Some(t.id) == id).cloned())
                    });
                    view! {
                        <section class="panel">
                            <label class="field">
                                <span class="field-label">{move || i18n.t("证书模板", "Template")}</span>
                                <select data-testid="issue-template" on:change=move |ev| picked.set(event_target_value(&ev).parse().ok())>
                                    <option value="" selected=move || template.with(Option::is_none)>{move || i18n.t("请选择模板", "Choose a template")}</option>
                                    {list.get_value().into_iter().map(|t| {
                                        let id = t.id;
                                        let label = format!("{} · {} · {}", t.organization, t.design.name, t.kind.label_zh());
                                        view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                        </section>
                        {move || template.get().map(|t| view! { <IssueForm template=t /> })}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| templates.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn IssueForm(template: Template) -> impl IntoView {
    let i18n = use_i18n();
    let kind = template.kind;
    let template_id = template.id;
    // Award
    let activity = RwSignal::new(String::new());
    // Volunteer: this term so far by default.
    let today = chrono::Utc::now()
        .with_timezone(&format::shanghai())
        .date_naive();
    let term_start = NaiveDate::from_ymd_opt(
        if today.month() >= 9 {
            today.year()
        } else {
            today.year() - 1
        },
        9,
        1,
    )
    .unwrap_or(today);
    let from = RwSignal::new(term_start.to_string());
    let to = RwSignal::new(today.to_string());
    // Appointment: every position held today, or these.
    let all_positions = RwSignal::new(true);
    let positions = RwSignal::new(Vec::<i64>::new());
    // Honour
    let honour = RwSignal::new(String::new());
    let term = RwSignal::new(None::<i64>);
    // Award, volunteer and honour: these students only (honour: required).
    let numbers = RwSignal::new(String::new());

    let local_error = RwSignal::new(None::<ApiError>);
    let outcome = RwSignal::new(None::<Result<IssueOutcome, ApiError>>);
    let build = move || -> Result<IssueSource, ApiError> {
        let nos = student_numbers(&numbers.get_untracked());
        let optional = (!nos.is_empty()).then_some(nos.clone());
        let date = |text: String, field: &str| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(field, "pick a date"))
        };
        let source = match kind {
            CertificateKind::Award => {
                IssueSource::Award {
                    activity_id: activity.get_untracked().trim().parse().map_err(|_| {
                        ApiError::invalid("source.activity_id", "pick a competition")
                    })?,
                    student_nos: optional,
                }
            }
            CertificateKind::Volunteer => IssueSource::Volunteer {
                from: date(from.get_untracked(), "source.from")?,
                to: date(to.get_untracked(), "source.to")?,
                student_nos: optional,
            },
            CertificateKind::Appointment => IssueSource::Appointment {
                position_ids: (!all_positions.get_untracked()).then(|| positions.get_untracked()),
            },
            CertificateKind::Honour => IssueSource::Honour {
                honour: honour.get_untracked().trim().to_owned(),
                term_id: term.get_untracked(),
                student_nos: nos,
            },
        };
        source.validate()?;
        Ok(source)
    };
    let issue = Action::new_local(move |source: &IssueSource| {
        let request = IssueCertificates {
            template_id,
            source: source.clone(),
        };
        async move {
            outcome.set(Some(api::issue_certificates(&request).await));
        }
    });
    let zip = Action::new_local(move |batch: &String| {
        let batch = batch.clone();
        async move { cert::save_batch(&batch).await }
    });
    let error_for = move |prefix: &'static str| {
        move || {
            local_error
                .get()
                .or_else(|| outcome.get().and_then(|o| o.err()))
                .filter(|e| e.field.as_deref().is_some_and(|f| f.starts_with(prefix)))
                .map(|e| source_message(i18n, &e))
        }
    };

    view! {
        <form class="panel issue-form" data-testid="issue-form" data-kind=kind.as_str() novalidate on:submit=move |ev| {
            ev.prevent_default();
            outcome.set(None);
            match build() {
                Ok(source) => { local_error.set(None); issue.dispatch(source); }
                Err(e) => local_error.set(Some(e)),
            }
        }>
            <h2>{move || match i18n.locale() {
                Locale::Zh => format!("颁发{}", kind.label_zh()),
                Locale::En => format!("Issue {}s", kind.label_en().to_lowercase()),
            }}</h2>
            {match kind {
                CertificateKind::Award => view! {
                    <p class="muted">{move || i18n.t("为已认定成绩的竞赛颁发奖状：每个认定的获奖一份。", "An award certificate for each recognised award of a competition.")}</p>
                    <CompetitionPicker value=activity />
                    <span class="field-error" role="alert" data-testid="issue-activity-error">{error_for("source.activity_id")}</span>
                }.into_any(),
                CertificateKind::Volunteer => view! {
                    <p class="muted">{move || i18n.t("为期间内有认定志愿时长的学生各颁发一张时卡。", "A card for each student with recognised volunteer hours in the period.")}</p>
                    <div class="form-row">
                        <label class="field"><span class="field-label">{move || i18n.t("开始日期", "From")}</span>
                            <input type="date" data-testid="issue-from" prop:value=from on:input=move |ev| from.set(event_target_value(&ev)) /></label>
                        <label class="field"><span class="field-label">{move || i18n.t("结束日期", "To")}</span>
                            <input type="date" data-testid="issue-to" prop:value=to on:input=move |ev| to.set(event_target_value(&ev)) /></label>
                    </div>
                    <span class="field-error" role="alert" data-testid="issue-period-error">{error_for("source.to")}</span>
                }.into_any(),
                CertificateKind::Appointment => view! {
                    <PositionPicker all=all_positions chosen=positions />
                    <span class="field-error" role="alert" data-testid="issue-positions-error">{error_for("source.position_ids")}</span>
                }.into_any(),
                CertificateKind::Honour => view! {
                    <label class="field">
                        <span class="field-label">{move || i18n.t("荣誉称号", "Honour")}</span>
                        <input type="text" maxlength="30" data-testid="issue-honour" placeholder=move || i18n.t("如：优秀共青团员", "e.g. 优秀共青团员")
                            aria-invalid=move || error_for("source.honour")().is_some().to_string()
                            prop:value=honour on:input=move |ev| honour.set(event_target_value(&ev)) />
                        <span class="field-error" role="alert" data-testid="issue-honour-error">{error_for("source.honour")}</span>
                    </label>
                    <TermSelect value=term />
                }.into_any(),
            }}
            {(kind != CertificateKind::Appointment).then(|| view! {
                <label class="field">
                    <span class="field-label">{move || if kind == CertificateKind::Honour {
                        i18n.t("学号（每行一个，可直接粘贴 Excel 的一列）", "Student numbers (one a line, or paste a column from Excel)")
                    } else {
                        i18n.t("只颁发给这些学号（可选，每行一个；留空为全部）", "Only these students (optional, one a line; empty for all)")
                    }}</span>
                    <textarea rows="5" data-testid="issue-students" class="code"
                        aria-invalid=move || error_for("source.student_nos")().is_some().to_string()
                        prop:value=numbers on:input=move |ev| numbers.set(event_target_value(&ev))></textarea>
                    <span class="field-hint">{move || {
                        let n = numbers.with(|t| student_numbers(t).len());
                        match i18n.locale() {
                            Locale::Zh => format!("已识别 {n} 个学号"),
                            Locale::En => format!("{n} student numbers"),
                        }
                    }}</span>
                    <span class="field-error" role="alert" data-testid="issue-students-error">{error_for("source.student_nos")}</span>
                </label>
            })}
            {move || outcome.get().and_then(|o| o.err()).filter(|e| e.field.is_none()).map(|e| view! { <ErrorNotice error=e /> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" data-testid="issue-submit" disabled=move || issue.pending().get()>
                    {move || if issue.pending().get() { i18n.t("颁发中…", "Issuing…") } else { i18n.t("颁发", "Issue") }}
                </button>
            </div>
            {move || outcome.get().and_then(|o| o.ok()).map(|o| view! { <Outcome outcome=o zip=zip /> })}
        </form>
    }
}

/// The messages of `IssueSource::validate` and the form's own, in the current locale.
fn source_message(i18n: crate::i18n::I18n, error: &ApiError) -> String {
    let zh = match error.message.as_str() {
        "pick a competition" => "请选择竞赛（或填写活动编号）",
        "pick a date" => "请选择日期",
        "on or after `from`" => "结束日期不能早于开始日期",
        "a period of at most 3 years" => "期间最长 3 年",
        "1 to 30 characters" => "须为 1–30 个字符",
        "at least one student number" => "请至少填写一个学号",
        "a student number of 1 to 32 characters" => "学号须为 1–32 个字符",
        m if m.starts_with("at most") => "一次最多 5000 名学生",
        m if m.starts_with("1 to ") && m.ends_with("positions") => "请至少选择一个职务",
        _ => return message(i18n, error),
    };
    match i18n.locale() {
        Locale::Zh => zh.to_owned(),
        Locale::En => {
            let m = error.message.replace('`', "");
            let mut chars = m.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    }
}

/// The outcome, where the button was.
#[component]
fn Outcome(outcome: IssueOutcome, zip: Action<String, Result<(), ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    let IssueOutcome {
        batch_id,
        issued,
        skipped,
        ..
    } = outcome;
    let batch = batch_id.to_string();
    let for_zip = batch.clone();
    let skipped_count = skipped.len();
    view! {
        <section class="notice issue-outcome" class:notice-ok={issued > 0} class:notice-warn={issued == 0}
            role="status" data-testid="issue-outcome" data-issued=issued.to_string() data-skipped=skipped_count.to_string()>
            <p class="notice-title">{move || match i18n.locale() {
                Locale::Zh => format!("已颁发 {issued} 份证书{}", if skipped_count > 0 { format!("，跳过 {skipped_count} 人") } else { String::new() }),
                Locale::En => format!("{issued} issued{}", if skipped_count > 0 { format!(", {skipped_count} skipped") } else { String::new() }),
            }}</p>
            {(!skipped.is_empty()).then(|| view! {
                <ul class="skipped" data-testid="issue-skipped">
                    {skipped.into_iter().map(|s| {
                        let reason = s.reason;
                        view! { <li data-student=s.student_no.clone()><span class="code">{s.student_no.clone()}</span>" — "{move || cert::skip_reason(i18n, reason)}</li> }
                    }).collect_view()}
                </ul>
            })}
            {(issued > 0).then(|| view! {
                <div class="actions">
                    <A href=format!("/certificates?batch={batch}") attr:class="btn btn-small" attr:data-testid="issue-batch-list">
                        {move || i18n.t("查看本批证书", "See this batch")}
                    </A>
                    <button type="button" class="btn btn-small btn-primary" data-testid="issue-zip"
                        disabled=move || zip.pending().get()
                        on:click=move |_| { zip.dispatch(for_zip.clone()); }>
                        {move || if zip.pending().get() { i18n.t("打包中…", "Zipping…") } else { i18n.t("下载全部 (zip)", "Download all (zip)") }}
                    </button>
                </div>
                {move || zip.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
            })}
        </section>
    }
}

/// The subtree's ended competitions (a recognised award is what an award certificate attests),
/// newest first, with a plain activity number as the fallback.
#[component]
fn CompetitionPicker(value: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let q = RwSignal::new(String::new());
    let list = LocalResource::new(move || {
        let filter = ActivityFilter {
            managed: true,
            status: Some(ActivityStatus::Published),
            to: Some(chrono::Utc::now()),
            q: Some(q.get()),
            ..Default::default()
        };
        async move { api::activities(&filter, 1, 50).await }
    });
    view! {
        <div class="form-row">
            <label class="field grow">
                <span class="field-label">{move || i18n.t("竞赛（已结束、成绩已认定）", "Competition (ended, results recognised)")}</span>
                <input type="search" data-testid="issue-activity-search" placeholder=move || i18n.t("搜索活动名称", "Search titles")
                    prop:value=q on:input=move |ev| q.set(event_target_value(&ev)) />
                <select data-testid="issue-activity" on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="" selected=move || value.with(String::is_empty)>{move || i18n.t("请选择", "Choose")}</option>
                    {move || list.get().and_then(Result::ok).map(|page| page.items.into_iter().filter(|a| a.ends_at < chrono::Utc::now()).map(|a| {
                        let id = a.id.to_string();
                        let selected = id.clone();
                        let label = format!("{} · {} · {}", a.title, a.organizer.name, format::date(Locale::Zh, a.starts_at.date_naive()));
                        view! { <option value=id selected=move || value.get() == selected>{label}</option> }
                    }).collect_view())}
                </select>
            </label>
            <label class="field">
                <span class="field-label">{move || i18n.t("或活动编号", "Or activity no.")}</span>
                <input type="text" inputmode="numeric" data-testid="issue-activity-id" prop:value=value
                    on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        </div>
    }
}

/// Every position of the subtree held today, or those ticked.
#[component]
fn PositionPicker(all: RwSignal<bool>, chosen: RwSignal<Vec<i64>>) -> impl IntoView {
    let i18n = use_i18n();
    let today = chrono::Utc::now().date_naive();
    let list = LocalResource::new(move || async move {
        api::positions(
            &PositionFilter {
                on: Some(today),
                ..Default::default()
            },
            1,
            100,
        )
        .await
    });
    view! {
        <div class="chips" role="radiogroup">
            <label class="chip chip-check"><input type="radio" name="positions" data-testid="issue-positions-all"
                prop:checked=all on:change=move |_| all.set(true) />{move || i18n.t("今日在任的全部职务", "Every position held today")}</label>
            <label class="chip chip-check"><input type="radio" name="positions" data-testid="issue-positions-some"
                prop:checked=move || !all.get() on:change=move |_| all.set(false) />{move || i18n.t("选择职务", "Choose positions")}</label>
        </div>
        {move || (!all.get()).then(|| view! {
            <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
                {move || list.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => view! { <p class="muted">{move || i18n.t("今日没有在任的职务。", "No position is held today.")}</p> }.into_any(),
                    Ok(page) => view! {
                        <ul class="check-list" data-testid="issue-positions">
                            {page.items.into_iter().map(|p| {
                                let id = p.id;
                                view! {
                                    <li><label class="chip-check">
                                        <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                                            } />
                                        {format!("{} {} · {} · {}", p.student_name, p.student_no, p.organization, p.title)}
                                    </label></li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                })}
            </Transition>
        })}
    }
}

/// The term an honour is for (default: the current one).
#[component]
fn TermSelect(value: RwSignal<Option<i64>>) -> impl IntoView {
    let i18n = use_i18n();
    let terms = LocalResource::new(api::terms);
    view! {
        <label class="field">
            <span class="field-label">{move || i18n.t("学期", "Term")}</span>
            <select data-testid="issue-term" on:change=move |ev| value.set(event_target_value(&ev).parse().ok())>
                <option value="" selected=move || value.get().is_none()>{move || i18n.t("当前学期", "The current term")}</option>
                {move || terms.get().and_then(Result::ok).map(|list| list.into_iter().map(|t| {
                    let id = t.id;
                    view! { <option value=id.to_string() selected=move || value.get() == Some(id)>{t.name}</option> }
                }).collect_view())}
            </select>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::student_numbers;

    #[test]
    fn numbers_come_from_lines_and_pasted_columns() {
        assert_eq!(
            student_numbers("2023010101\r\n 2023010102\t\n\n2023010101,2023010103"),
            vec!["2023010101", "2023010102", "2023010103"]
        );
    }
}
