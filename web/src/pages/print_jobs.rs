//! 批量打印 (`/admin/print`): the transcripts of a college (or of one major, class or intake in
//! it) as one PDF or a zip of one PDF per student. The server renders in the background; the
//! page polls the job every second, shows the progress, and downloads the file with the
//! session's token. The subtree's recent batches are listed underneath.

use std::time::Duration;

use chrono::Datelike;
use leptos::prelude::*;
use shared::{
    ApiError,
    organization::OrgKind,
    transcript::{NewPrintJob, PrintFormat, PrintJob, PrintStatus, TranscriptStyle},
};

use crate::{
    api,
    components::{
        error::ErrorNotice,
        org_select::{OrgSelect, subtree},
        points_nav::{PointsNav, PointsPage, points_message},
        table::{Cell, DataTable},
    },
    files, format,
    i18n::{I18n, Locale, use_i18n},
    labels,
    session::use_session,
    timer,
};

const RECENT: u32 = 10;

fn finished(status: PrintStatus) -> bool {
    matches!(
        status,
        PrintStatus::Done | PrintStatus::Failed | PrintStatus::Expired
    )
}

/// What a batch covers, in words: 软件2302 · 2023 级, or all the organisation's students.
fn scope(i18n: I18n, params: &NewPrintJob) -> String {
    let mut parts = Vec::new();
    if let Some(major) = params.major.as_deref().filter(|m| !m.is_empty()) {
        parts.push(major.to_owned());
    }
    if let Some(class) = params.class_name.as_deref().filter(|c| !c.is_empty()) {
        parts.push(class.to_owned());
    }
    if let Some(year) = params.enrolment_year {
        parts.push(match i18n.locale() {
            Locale::Zh => format!("{year} 级"),
            Locale::En => format!("class of {year}"),
        });
    }
    if parts.is_empty() {
        i18n.t("全部学生", "All students").to_owned()
    } else {
        parts.join(" · ")
    }
}

fn format_label(i18n: I18n, format: PrintFormat) -> &'static str {
    match format {
        PrintFormat::Pdf => i18n.t("一个 PDF", "One PDF"),
        PrintFormat::Zip => i18n.t("每人一个 PDF（zip）", "A PDF each (zip)"),
    }
}

/// Fetches a finished batch with the session's token and offers it as a download.
async fn download(job: PrintJob) -> Result<(), ApiError> {
    let bytes = api::print_job_file(&job.id).await?;
    let (fallback, mime) = match job.params.format {
        PrintFormat::Pdf => ("transcripts.pdf", "application/pdf"),
        PrintFormat::Zip => ("transcripts.zip", "application/zip"),
    };
    let name = job.file_name.clone().unwrap_or_else(|| fallback.to_owned());
    files::save_bytes(&name, mime, &bytes)
        .map_err(|e| ApiError::new(shared::ErrorCode::Internal, e))
}

#[component]
pub fn PrintPage() -> impl IntoView {
    let i18n = use_i18n();
    let recent = LocalResource::new(|| api::print_jobs(1, RECENT));
    let current = RwSignal::new(None::<PrintJob>);
    let changed = Callback::new(move |()| recent.refetch());
    let current_id = Memo::new(move |_| current.with(|job| job.as_ref().map(|j| j.id.clone())));
    view! {
        <h1>{move || i18n.t("批量打印成绩单", "Print transcripts in bulk")}</h1>
        <PointsNav current=PointsPage::Print />
        <p class="muted">{move || i18n.t(
            "为所选学院（可按专业、班级、年级缩小范围）的每名学生签发成绩单并生成打印文件；每份成绩单带有可在线验证的编号。",
            "Issues a transcript to every student of the chosen college — narrowed by major, class or intake if you like — and makes the file to print; each carries a serial anyone can verify online.",
        )}</p>
        <PrintForm current=current started=changed />
        // Keyed by the job: its progress updates `current` without starting the panel again.
        {move || current_id.get().and_then(|_| current.get_untracked()).map(|job| view! {
            <JobProgress job=job current=current on_finish=changed />
        })}
        <h2 class="section-title">{move || i18n.t("最近的打印任务", "Recent batches")}</h2>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || recent.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <p class="muted" data-testid="print-jobs-empty">{move || i18n.t("还没有打印任务。", "No batches yet.")}</p>
                }.into_any(),
                Ok(page) => view! { <JobTable jobs=page.items /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| recent.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn PrintForm(current: RwSignal<Option<PrintJob>>, started: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let organizations = subtree(&[OrgKind::School, OrgKind::College]);
    let chosen = RwSignal::new(None::<i64>);
    // The account's own organisation (or the first college listed) until one is picked.
    let organization = Signal::derive(move || {
        chosen.get().or_else(|| {
            let own = session.with_me(|me| me.map(|me| me.organization.id));
            organizations.get().and_then(|list| {
                list.iter()
                    .find(|o| Some(o.id) == own)
                    .or(list.first())
                    .map(|o| o.id)
            })
        })
    });
    let major = RwSignal::new(String::new());
    let class_name = RwSignal::new(String::new());
    let year = RwSignal::new(None::<i32>);
    let style = RwSignal::new(TranscriptStyle::ByCategory);
    let format = RwSignal::new(PrintFormat::Pdf);
    let server_error = RwSignal::new(None::<ApiError>);
    let start = Action::new_local(move |request: &NewPrintJob| {
        let request = request.clone();
        async move {
            match api::start_print_job(&request).await {
                Ok(job) => {
                    server_error.set(None);
                    current.set(Some(job));
                    started.run(());
                }
                Err(error) => server_error.set(Some(error)),
            }
        }
    });
    let this_year = chrono::Utc::now().year();
    let text = |value: RwSignal<String>| {
        Some(value.get_untracked().trim().to_owned()).filter(|t| !t.is_empty())
    };
    let org_error = move || {
        server_error
            .get()
            .filter(|e| e.field.as_deref() == Some("organization_id"))
            .map(|e| points_message(i18n, &e.message))
    };
    let busy = move || {
        start.pending().get()
            || current.with(|job| job.as_ref().is_some_and(|j| !finished(j.status)))
    };

    view! {
        <section class="panel">
            <form class="form-grid" novalidate data-testid="print-form" on:submit=move |ev| {
                ev.prevent_default();
                let Some(organization_id) = organization.get_untracked() else { return };
                start.dispatch(NewPrintJob {
                    organization_id,
                    major: text(major),
                    class_name: text(class_name),
                    enrolment_year: year.get_untracked(),
                    style: style.get_untracked(),
                    format: format.get_untracked(),
                });
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("组织", "Organisation")}</span>
                    <OrgSelect organizations=organizations testid="print-org" value=organization
                        invalid=Signal::derive(move || org_error().is_some())
                        on_change=Callback::new(move |id| { chosen.set(id); server_error.set(None); }) />
                    <span class="field-error" data-testid="print-org-error" role="alert">{org_error}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("年级（可选）", "Intake (optional)")}</span>
                    <select data-testid="print-year" on:change=move |ev| { year.set(event_target_value(&ev).parse().ok()); server_error.set(None); }>
                        <option value="" selected=move || year.get().is_none()>{move || i18n.t("全部年级", "All intakes")}</option>
                        {(this_year - 7..=this_year).rev().map(|y| view! {
                            <option value=y.to_string() selected=move || year.get() == Some(y)>{move || match i18n.locale() {
                                Locale::Zh => format!("{y} 级"),
                                Locale::En => format!("Class of {y}"),
                            }}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("专业（可选）", "Major (optional)")}</span>
                    <input type="text" data-testid="print-major" placeholder=move || i18n.t("如：软件工程", "e.g. 软件工程")
                        prop:value=major on:input=move |ev| { major.set(event_target_value(&ev)); server_error.set(None); } />
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("班级（可选）", "Class (optional)")}</span>
                    <input type="text" data-testid="print-class" placeholder=move || i18n.t("如：软件2302", "e.g. 软件2302")
                        prop:value=class_name on:input=move |ev| { class_name.set(event_target_value(&ev)); server_error.set(None); } />
                </label>
                <fieldset class="checks form-grid-wide">
                    <legend class="field-label">{move || i18n.t("成绩单样式", "Transcript style")}</legend>
                    <div class="choice-row">
                        {TranscriptStyle::ALL.into_iter().map(|s| view! {
                            <label class="choice" class:choice-on=move || style.get() == s>
                                <input type="radio" name="print-style" data-testid=format!("print-style-{}", s.as_str())
                                    prop:checked=move || style.get() == s on:change=move |_| style.set(s) />
                                {move || labels::transcript_style(i18n, s)}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <fieldset class="checks form-grid-wide">
                    <legend class="field-label">{move || i18n.t("文件格式", "File")}</legend>
                    <div class="choice-row">
                        {[PrintFormat::Pdf, PrintFormat::Zip].into_iter().map(|f| view! {
                            <label class="choice" class:choice-on=move || format.get() == f>
                                <input type="radio" name="print-format" data-testid=format!("print-format-{}", if f == PrintFormat::Pdf { "pdf" } else { "zip" })
                                    prop:checked=move || format.get() == f on:change=move |_| format.set(f) />
                                {move || format_label(i18n, f)}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                {move || server_error.get().filter(|e| e.field.as_deref() != Some("organization_id")).map(|error| view! {
                    <div class="form-grid-wide"><ErrorNotice error=error /></div>
                })}
                <div class="actions form-grid-wide">
                    <button class="btn btn-primary" type="submit" data-testid="print-start"
                        disabled=move || busy() || organization.get().is_none()>
                        {move || i18n.t("开始生成", "Start")}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The batch just started: polled every second until it is done or failed.
#[component]
fn JobProgress(
    job: PrintJob,
    current: RwSignal<Option<PrintJob>>,
    on_finish: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = job.id.clone();
    let state = RwSignal::new(job);
    let error = RwSignal::new(None::<ApiError>);
    timer::repeat(move || {
        let id = id.clone();
        async move {
            if finished(state.with_untracked(|j| j.status)) {
                // Nothing left to follow; the loop ends with the component.
                return Duration::from_secs(3600);
            }
            match api::print_job(&id).await {
                Ok(job) => {
                    let done = finished(job.status);
                    current.set(Some(job.clone()));
                    state.set(job);
                    error.set(None);
                    if done {
                        on_finish.run(());
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            Duration::from_secs(1)
        }
    });
    let saving = Action::new_local(move |job: &PrintJob| download(job.clone()));
    let share = move || {
        state.with(|j| {
            if j.status == PrintStatus::Done {
                100.0
            } else if j.total > 0 {
                f64::from(j.done) / f64::from(j.total) * 100.0
            } else {
                0.0
            }
        })
    };
    view! {
        <section class="panel job" data-testid="print-job" data-status=move || state.with(|j| format!("{:?}", j.status).to_lowercase())>
            <div class="job-line">
                <h2>{move || i18n.t("当前任务", "This batch")}</h2>
                <span class="badge" class:badge-on=move || state.with(|j| j.status == PrintStatus::Done)
                    class:badge-off=move || state.with(|j| j.status == PrintStatus::Failed)
                    class:badge-warn=move || state.with(|j| !finished(j.status))
                    data-testid="print-status">
                    {move || labels::print_status(i18n, state.with(|j| j.status))}
                </span>
            </div>
            <p class="muted small">{move || state.with(|j| format!(
                "{} · {} · {} · {}",
                j.organization,
                scope(i18n, &j.params),
                labels::transcript_style(i18n, j.params.style),
                format_label(i18n, j.params.format),
            ))}</p>
            <div class="meter" class:meter-done=move || state.with(|j| j.status == PrintStatus::Done)
                class:meter-failed=move || state.with(|j| j.status == PrintStatus::Failed)
                role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || format!("{:.0}", share())>
                <div class="meter-fill" style=move || format!("width: {:.1}%", share())></div>
            </div>
            <div class="job-line">
                <span class="job-count" data-testid="print-count">{move || state.with(|j| match i18n.locale() {
                    Locale::Zh => format!("{} / {} 份", j.done, j.total),
                    Locale::En => format!("{} of {}", j.done, j.total),
                })}</span>
                {move || state.with(|j| j.status == PrintStatus::Done).then(|| view! {
                    <button class="btn btn-primary" data-testid="print-download" disabled=move || saving.pending().get()
                        on:click=move |_| { saving.dispatch(state.get_untracked()); }>
                        {move || i18n.t("下载文件", "Download")}
                    </button>
                })}
            </div>
            {move || state.with(|j| j.error.clone()).map(|text| view! {
                <p class="notice notice-error" role="alert" data-testid="print-failed">
                    {move || i18n.t("生成失败：", "Failed: ")}{text.clone()}
                </p>
            })}
            {move || error.get().map(|error| view! { <ErrorNotice error=error /> })}
            {move || saving.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
        </section>
    }
}

#[component]
fn JobTable(jobs: Vec<PrintJob>) -> impl IntoView {
    let i18n = use_i18n();
    let columns = vec![
        ("发起时间", "Started"),
        ("范围", "Students"),
        ("样式", "Style"),
        ("进度", "Progress"),
        ("发起人", "By"),
        ("", ""),
    ];
    view! {
        <DataTable columns=columns testid="print-jobs">
            {jobs.into_iter().map(|job| {
                let at = job.created_at;
                let status = job.status;
                let params = job.params.clone();
                let style_params = job.params.clone();
                let (done, total) = (job.done, job.total);
                let saving = Action::new_local(move |job: &PrintJob| download(job.clone()));
                let for_download = job.clone();
                view! {
                    <tr data-testid="print-job-row">
                        <Cell zh="发起时间" en="Started" class="cell-nowrap">{move || format::datetime(i18n.locale(), at)}</Cell>
                        <Cell zh="范围" en="Students" class="cell-title">
                            {job.organization.clone()}
                            <span class="muted small">{move || format!(" · {}", scope(i18n, &params))}</span>
                        </Cell>
                        <Cell zh="样式" en="Style">{
                            move || format!("{} · {}", labels::transcript_style(i18n, style_params.style), format_label(i18n, style_params.format))
                        }</Cell>
                        <Cell zh="进度" en="Progress" class="cell-nowrap">
                            <span class="badge" class:badge-on=status == PrintStatus::Done class:badge-off=status == PrintStatus::Failed
                                class:badge-warn=!finished(status)>{move || labels::print_status(i18n, status)}</span>
                            {format!(" {done}/{total}")}
                        </Cell>
                        <Cell zh="发起人" en="By">{job.requested_by.clone()}</Cell>
                        <Cell zh="" en="">
                            {(status == PrintStatus::Done).then(|| view! {
                                <button class="btn btn-small" data-testid="print-job-download" disabled=move || saving.pending().get()
                                    on:click=move |_| { saving.dispatch(for_download.clone()); }>
                                    {move || i18n.t("下载", "Download")}
                                </button>
                            })}
                            {move || saving.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}
