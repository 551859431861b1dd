//! 成绩单: the student's transcript as it would print now, in the style chosen (按评价方式 /
//! 按学期 / 按活动类别, kept in the URL), and 出具并下载 PDF — issue it (a serial; the same one
//! while nothing changed), fetch the PDF with the session's token and save it, then show the
//! serial and the public verification link the QR code on the paper opens.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError, ErrorCode,
    transcript::{TranscriptStyle, Verification},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        transcript::TranscriptPaper,
    },
    files, format,
    i18n::use_i18n,
    labels::{self, CategoryNames},
};

/// What 出具并下载 PDF has done so far.
#[derive(Clone, Debug)]
enum Issued {
    /// Issued, the PDF saved.
    Saved(Verification),
    /// Issued, but the PDF could not be fetched or saved (the serial stands; retry the PDF).
    PdfFailed(Verification, ApiError),
}

#[component]
pub fn TranscriptPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let style = Memo::new(move |_| {
        query
            .read()
            .get("style")
            .and_then(|s| TranscriptStyle::parse(&s))
            .unwrap_or(TranscriptStyle::ByCategory)
    });
    let preview = LocalResource::new(move || api::transcript_preview(style.get()));
    let categories = LocalResource::new(api::categories);
    let issued = RwSignal::new(None::<Issued>);
    let error = RwSignal::new(None::<ApiError>);
    let issue = Action::new_local(move |style: &TranscriptStyle| {
        let style = *style;
        async move {
            error.set(None);
            issued.set(None);
            match api::issue_transcript(style).await {
                Ok(verification) => issued.set(Some(download(verification).await)),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let retry_pdf = Action::new_local(move |verification: &Verification| {
        let verification = verification.clone();
        async move { issued.set(Some(download(verification).await)) }
    });
    let choose = move |next: TranscriptStyle| {
        issued.set(None);
        error.set(None);
        navigate(
            &format!("/transcript?style={}", next.as_str()),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let busy = move || issue.pending().get() || retry_pdf.pending().get();

    view! {
        <h1>{move || i18n.t("成绩单", "Transcript")}</h1>
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
        {move || busy().then(|| view! {
            <div class="progress" role="progressbar" aria-busy="true"><div class="progress-bar"></div></div>
        })}
        {move || error.get().map(|e| view! {
            <div class="notice notice-error" role="alert" data-testid="issue-error">
                <p class="notice-title">{move || i18n.t("出具失败", "Could not issue the transcript")}</p>
                <p class="notice-detail">{message(i18n, &e)}</p>
            </div>
        })}
        {move || issued.get().map(|outcome| {
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
    let file_name = format!("成绩单-{}.pdf", verification.serial);
    let saved = match api::transcript_pdf(&verification.serial).await {
        Ok(bytes) => files::save_bytes(&file_name, "application/pdf", &bytes)
            .map_err(|detail| ApiError::new(ErrorCode::Internal, detail)),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Issued::Saved(verification),
        Err(e) => Issued::PdfFailed(verification, e),
    }
}
