//! 成绩单: a transcript as it would print now, in the style chosen (按评价方式 / 按学期 /
//! 按活动类别, kept in the URL), and 出具并下载 PDF — issue it (a serial; the same one while
//! nothing changed), fetch the PDF with the session's token and save it, then show the serial
//! and the public verification link the QR code on the paper opens.
//!
//! Two routes share it: `/transcript`, the signed-in student's own, and
//! `/admin/students/:id/transcript`, one student's as an organisation sees it — with, below,
//! every transcript issued to the student, each downloadable again and, with 出具证明,
//! revocable with a reason. (That page loads with the points console: see `app::lazy_pages!`.)

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError, ErrorCode,
    auth::Permission,
    transcript::{IssuedTranscript, TranscriptStyle, Verification, VerificationStatus},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        points_nav::points_message,
        route::id_param,
        table::{Cell, DataTable},
        transcript::TranscriptPaper,
    },
    files, format,
    i18n::{Locale, use_i18n},
    labels::{self, CategoryNames},
    session::use_session,
};

/// What 出具并下载 PDF has done so far.
#[derive(Clone, Debug)]
enum Issued {
    /// Issued, the PDF saved.
    Saved(Verification),
    /// Issued, but the PDF could not be fetched or saved (the serial stands; retry the PDF).
    PdfFailed(Verification, ApiError),
}

/// `/transcript`: the signed-in student's own.
#[component]
pub fn TranscriptPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{move || i18n.t("成绩单", "Transcript")}</h1>
        <TranscriptView student=None base="/transcript".to_owned() />
    }
}

/// `/admin/students/:id/transcript`: one student's, for an organisation over their college.
#[component]
pub fn StudentTranscriptPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    view! {
        {move || match id.get() {
            Some(id) => view! {
                <p class="crumbs"><A href=format!("/admin/students/{id}/points")>{move || i18n.t("← 学生积分", "← The student's points")}</A></p>
                <h1>{move || i18n.t("学生成绩单", "The student's transcript")}</h1>
                <TranscriptView student=Some(id) base=format!("/admin/students/{id}/transcript")
                    issued=Callback::new(move |issues: Issues| view! { <IssuedList student=id issues=issues /> }.into_any()) />
            }.into_any(),
            None => view! {
                <ErrorNotice error=ApiError::new(ErrorCode::NotFound, "no such student") />
            }.into_any(),
        }}
    }
}

/// What the issued list below the preview hears from it.
#[derive(Clone, Copy)]
struct Issues {
    /// Bumped when a transcript was issued: the list reloads.
    changed: RwSignal<u32>,
    /// A transcript was revoked (its serial).
    revoked: Callback<String>,
}

/// The styles, the issue bar and the preview, then what `issued` shows (an organisation's list
/// of the student's issued transcripts: passed in, so that its code loads with the console and
/// not with the students' app). `student` is `None` for the signed-in student's own; `base`
/// the page's path (the style goes in its query).
#[component]
fn TranscriptView(
    student: Option<i64>,
    base: String,
    #[prop(optional)] issued: Option<Callback<Issues, AnyView>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let style = Memo::new(move |_| {
        query
            .read()
            .get("style")
            .and_then(|s| TranscriptStyle::parse(&s))
            .unwrap_or(TranscriptStyle::ByCategory)
    });
    let preview = LocalResource::new(move || api::transcript_preview(student, style.get()));
    let categories = LocalResource::new(api::categories);
    let outcome = RwSignal::new(None::<Issued>);
    let error = RwSignal::new(None::<ApiError>);
    // Bumped when something was issued or revoked: the list below reloads.
    let changed = RwSignal::new(0u32);
    // A student issues their own; an organisation needs 出具证明 (with 查看报表 it only reads).
    let may_issue = move || student.is_none() || session.can(Permission::IssueCertificates);
    let issue = Action::new_local(move |style: &TranscriptStyle| {
        let style = *style;
        async move {
            error.set(None);
            outcome.set(None);
            match api::issue_transcript(student, style).await {
                Ok(verification) => {
                    outcome.set(Some(download(verification).await));
                    changed.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let retry_pdf = Action::new_local(move |verification: &Verification| {
        let verification = verification.clone();
        async move { outcome.set(Some(download(verification).await)) }
    });
    let choose = move |next: TranscriptStyle| {
        outcome.set(None);
        error.set(None);
        navigate(
            &format!("{base}?style={}", next.as_str()),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let busy = move || issue.pending().get() || retry_pdf.pending().get();

    // Whose transcript, on an organisation's page (the student knows).
    let whose = move || {
        student?;
        let doc = preview.get()?.ok()?;
        let s = doc.student;
        Some(format!("{} · {} · {}", s.name, s.student_no, s.college))
    };
    view! {
        {move || whose().map(|line| view! { <p class="transcript-whose" data-testid="transcript-student">{line}</p> })}
        <div class="segmented segmented-wide" role="tablist" data-testid="transcript-styles">
            {TranscriptStyle::ALL.into_iter().map(|s| {
                let choose = choose.clone();
                view! {
                    <button type="button" role="tab" class="segment" class:segment-on=move || style.get() == s
                        aria-selected=move || (style.get() == s).to_string()
                        data-testid=format!("style-{}", s.as_str())
                        on:click=move |_| choose(s)>
                        {move || labels::transcript_style(i18n, s)}
                    </button>
                }
            }).collect_view()}
        </div>
        {move || may_issue().then(|| view! {
            <div class="issue-bar" data-testid="issue-bar">
                <button class="btn btn-primary btn-grow" type="button" data-testid="issue-pdf"
                    disabled=busy on:click=move |_| { issue.dispatch(style.get_untracked()); }>
                    {move || if busy() { i18n.t("正在出具…", "Issuing…") } else { i18n.t("出具并下载 PDF", "Issue and download the PDF") }}
                </button>
                <p class="muted small">{move || i18n.t(
                    "出具后生成唯一编号，PDF 上的二维码可供任何人核验真伪。内容不变时再次出具，编号不变。",
                    "Issuing gives the transcript a serial; anyone can check it through the QR code on the PDF. Issued again unchanged, it keeps its serial.",
                )}</p>
            </div>
        })}
        {move || busy().then(|| view! {
            <div class="progress" role="progressbar" aria-busy="true"><div class="progress-bar"></div></div>
        })}
        {move || error.get().map(|e| view! {
            <div class="notice notice-error" role="alert" data-testid="issue-error">
                <p class="notice-title">{move || i18n.t("出具失败", "Could not issue the transcript")}</p>
                <p class="notice-detail">{message(i18n, &e)}</p>
            </div>
        })}
        {move || outcome.get().map(|outcome| {
            let (verification, failed) = match outcome {
                Issued::Saved(v) => (v, None),
                Issued::PdfFailed(v, e) => (v, Some(e)),
            };
            let link = verify_link(&verification);
            let href = link.clone();
            let ok = failed.is_none();
            let serial = verification.serial.clone();
            let issued_at = verification.issued_at;
            let retry = verification.clone();
            view! {
                <section class="notice" class:notice-ok=ok class:notice-warn=!ok role="status" data-testid="issued">
                    <p class="notice-title">{move || if ok { i18n.t("已出具，PDF 已下载", "Issued; the PDF is downloaded") } else { i18n.t("已出具，但 PDF 下载失败", "Issued, but the PDF did not download") }}</p>
                    <dl class="facts facts-flat issued-facts">
                        <dt>{move || i18n.t("编号", "Serial")}</dt>
                        <dd class="code" data-testid="issued-serial">{serial}</dd>
                        <dt>{move || i18n.t("出具时间", "Issued")}</dt>
                        <dd>{move || format::datetime(i18n.locale(), issued_at)}</dd>
                        <dt>{move || i18n.t("核验链接", "Verify at")}</dt>
                        <dd><a href=href target="_blank" rel="noopener" data-testid="issued-verify-link" class="verify-link">{link}</a></dd>
                    </dl>
                    {failed.map(|e| {
                        let retry = retry.clone();
                        view! {
                            <p class="notice-detail">{message(i18n, &e)}</p>
                            <button class="btn btn-small" type="button" on:click=move |_| { retry_pdf.dispatch(retry.clone()); }>
                                {move || i18n.t("重新下载 PDF", "Download the PDF again")}
                            </button>
                        }
                    })}
                </section>
            }
        })}
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || preview.get().map(|result| match result {
                Ok(doc) => {
                    let names = CategoryNames::new().with_categories(
                        &categories.get().and_then(Result::ok).map(|p| p.items).unwrap_or_default(),
                    );
                    view! {
                        <p class="muted small preview-note">{move || i18n.t("预览：以下为当前将要打印的内容。", "Preview: what the transcript would print now.")}</p>
                        <div class="paper-frame"><TranscriptPaper doc=doc names=names /></div>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| preview.refetch()) /> }.into_any(),
            })}
        </Transition>
        {issued.map(|list| list.run(Issues {
            changed,
            revoked: Callback::new(move |serial: String| {
                // The notice above must not go on presenting a revoked transcript as issued.
                let shown = outcome.with_untracked(|outcome| match outcome {
                    Some(Issued::Saved(v) | Issued::PdfFailed(v, _)) => v.serial == serial,
                    None => false,
                });
                if shown {
                    outcome.set(None);
                }
            }),
        }))}
    }
}

/// 已出具的成绩单: newest first, each downloadable again; with 出具证明 the organisation may
/// revoke one that is not revoked yet, giving the reason the verification page then shows.
#[component]
fn IssuedList(student: i64, issues: Issues) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let Issues { changed, revoked } = issues;
    let may_revoke = move || session.can(Permission::IssueCertificates);
    let list = LocalResource::new(move || {
        changed.track();
        api::issued_transcripts(student, 1, 50)
    });
    // The serial whose revocation is being confirmed, and the outcome of the last one.
    let revoking = RwSignal::new(None::<String>);
    let last_revoked = RwSignal::new(None::<String>);
    let download_error = RwSignal::new(None::<ApiError>);
    let fetch = Action::new_local(move |serial: &String| {
        let serial = serial.clone();
        async move {
            download_error.set(None);
            if let Err(e) = save_pdf(&serial).await {
                download_error.set(Some(e));
            }
        }
    });
    view! {
        <h2 class="section-title">{move || i18n.t("已出具的成绩单", "Issued transcripts")}</h2>
        {move || last_revoked.get().map(|serial| view! {
            <p class="notice notice-ok" role="status" data-testid="transcript-revoked">{move || match i18n.locale() {
                Locale::Zh => format!("已撤销 {serial}，核验页将显示撤销及原因。"),
                Locale::En => format!("{serial} is revoked; its verification page now says so, with the reason."),
            }}</p>
        })}
        {move || download_error.get().map(|error| view! { <ErrorNotice error=error /> })}
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <p class="muted" data-testid="issued-empty">{move || i18n.t("还没有出具过成绩单。", "No transcript issued yet.")}</p>
                }.into_any(),
                Ok(page) => view! {
                    <DataTable columns=vec![("编号", "Serial"), ("样式", "Style"), ("出具", "Issued"), ("总积分", "Points"), ("状态", "Status"), ("", "")] testid="issued-list">
                        {page.items.into_iter().map(|item| view! {
                            <IssuedRow item=item may_revoke=may_revoke() revoking=revoking
                                download=Callback::new(move |serial: String| { fetch.dispatch(serial); })
                                revoked=Callback::new(move |serial: String| {
                                    revoking.set(None);
                                    last_revoked.set(Some(serial.clone()));
                                    changed.update(|n| *n += 1);
                                    revoked.run(serial);
                                }) />
                        }).collect_view()}
                    </DataTable>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn IssuedRow(
    item: IssuedTranscript,
    may_revoke: bool,
    revoking: RwSignal<Option<String>>,
    download: Callback<String>,
    revoked: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let IssuedTranscript {
        serial,
        style,
        status,
        issued_at,
        issued_by,
        batch,
        total,
        revoke_reason,
        ..
    } = item;
    let confirming = {
        let serial = serial.clone();
        Memo::new(move |_| revoking.with(|r| r.as_deref() == Some(serial.as_str())))
    };
    let status_class = match status {
        VerificationStatus::Genuine => "badge badge-on",
        VerificationStatus::Superseded => "badge badge-kind",
        VerificationStatus::Revoked => "badge badge-off",
    };
    let may_revoke = may_revoke && status != VerificationStatus::Revoked;
    let verify_href = format!("/verify/{serial}");
    let (for_download, for_revoke, for_form) = (serial.clone(), serial.clone(), serial.clone());
    let shown = serial.clone();
    view! {
        <tr data-testid="issued-row" data-serial=serial data-status=match status {
            VerificationStatus::Genuine => "genuine",
            VerificationStatus::Superseded => "superseded",
            VerificationStatus::Revoked => "revoked",
        }>
            <Cell zh="编号" en="Serial" class="cell-title code">
                <a href=verify_href target="_blank" rel="noopener">{shown}</a>
            </Cell>
            <Cell zh="样式" en="Style" class="cell-nowrap">{move || labels::transcript_style(i18n, style)}</Cell>
            <Cell zh="出具" en="Issued">
                {move || format::datetime(i18n.locale(), issued_at)}
                <span class="muted small">" · "{issued_by.clone()}{move || batch.then(|| i18n.t("（批量打印）", " (batch)"))}</span>
            </Cell>
            <Cell zh="总积分" en="Points" class="cell-points">{total.to_string()}</Cell>
            <Cell zh="状态" en="Status">
                <span class=status_class data-testid="issued-status">{move || labels::verification_status(i18n, status)}</span>
                {revoke_reason.map(|reason| view! { <span class="muted small">" · "{reason}</span> })}
            </Cell>
            <Cell zh="" en="" class="cell-actions">
                <button type="button" class="btn btn-small" data-testid="issued-download"
                    on:click=move |_| download.run(for_download.clone())>
                    {move || i18n.t("下载 PDF", "PDF")}
                </button>
                {may_revoke.then(|| view! {
                    <button type="button" class="btn btn-small btn-danger-outline" data-testid="issued-revoke"
                        disabled=confirming
                        on:click=move |_| revoking.set(Some(for_revoke.clone()))>
                        {move || i18n.t("撤销", "Revoke")}
                    </button>
                })}
            </Cell>
        </tr>
        {move || (may_revoke && confirming.get()).then(|| view! {
            <tr class="row-form"><td colspan="6">
                <RevokeForm serial=for_form.clone() cancel=Callback::new(move |()| revoking.set(None)) revoked=revoked />
            </td></tr>
        })}
    }
}

/// The reason (2–500 characters) and the confirmation; the server answers 409 when someone
/// revoked it meanwhile.
#[component]
fn RevokeForm(serial: String, cancel: Callback<()>, revoked: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let local_error = move || {
        let n = reason.with(|r| r.trim().chars().count());
        (!(2..=500).contains(&n)).then(|| points_message(i18n, "say why, in 2 to 500 characters"))
    };
    let shown = RwSignal::new(false);
    let submit = Action::new_local(move |serial: &String| {
        let serial = serial.clone();
        async move {
            match api::revoke_transcript(&serial, reason.get_untracked().trim()).await {
                Ok(_) => revoked.run(serial),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let field_error = move || {
        shown.get().then(local_error).flatten().or_else(|| {
            error
                .get()
                .filter(|e| e.field.is_some())
                .map(|e| points_message(i18n, &e.message))
        })
    };
    view! {
        <form class="revoke-form" data-testid="revoke-form" on:submit=move |ev| {
            ev.prevent_default();
            shown.set(true);
            if local_error().is_none() {
                submit.dispatch(serial.clone());
            }
        }>
            <label class="field">
                <span class="field-label">{move || i18n.t("撤销原因（核验页将公开显示）", "Reason (the verification page shows it)")}</span>
                <textarea rows="2" maxlength="500" data-testid="revoke-reason"
                    aria-invalid=move || field_error().is_some().to_string()
                    prop:value=reason on:input=move |ev| { error.set(None); reason.set(event_target_value(&ev)); }></textarea>
                <span class="field-error" role="alert" data-testid="revoke-reason-error">{field_error}</span>
            </label>
            {move || error.get().filter(|e| e.field.is_none()).map(|e| view! {
                <p class="notice notice-error" role="alert" data-testid="revoke-error">{points_message(i18n, &e.message)}</p>
            })}
            <div class="actions">
                <button type="submit" class="btn btn-danger" data-testid="revoke-confirm" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { i18n.t("撤销中…", "Revoking…") } else { i18n.t("确认撤销", "Revoke it") }}
                </button>
                <button type="button" class="btn" on:click=move |_| cancel.run(())>{move || i18n.t("取消", "Cancel")}</button>
            </div>
        </form>
    }
}

/// The public page the QR code opens: the server's link when it gave one, else this origin's.
fn verify_link(verification: &Verification) -> String {
    if !verification.document.verify_url.is_empty() {
        return verification.document.verify_url.clone();
    }
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}/verify/{}", verification.serial)
}

/// Fetches the issued PDF and offers it as a download.
async fn download(verification: Verification) -> Issued {
    match save_pdf(&verification.serial).await {
        Ok(()) => Issued::Saved(verification),
        Err(e) => Issued::PdfFailed(verification, e),
    }
}

/// Fetches an issued transcript's PDF with the session's token and saves it.
async fn save_pdf(serial: &str) -> Result<(), ApiError> {
    let bytes = api::transcript_pdf(serial).await?;
    files::save_bytes(&format!("成绩单-{serial}.pdf"), "application/pdf", &bytes)
        .map_err(|detail| ApiError::new(ErrorCode::Internal, detail))
}
