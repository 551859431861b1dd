//! What the certificate pages share: the console's tabs (证书 · 模板 · 颁发), the words for
//! kinds, states and skip reasons, the page drawn from `shared::certificate::svg`, and the
//! downloads (PDF, PNG, a batch's zip) fetched with the session's token.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError, ErrorCode,
    certificate::{Certificate, CertificateKind, CertificateStatus, SkipReason},
};
use wasm_bindgen::{JsCast, JsValue};

use crate::{api, files, i18n::I18n, i18n::use_i18n};

/// A page of the certificates console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificatesPage {
    Issued,
    Templates,
    Issue,
}

impl CertificatesPage {
    const ALL: [CertificatesPage; 3] = [
        CertificatesPage::Issued,
        CertificatesPage::Templates,
        CertificatesPage::Issue,
    ];

    fn href(self) -> &'static str {
        match self {
            CertificatesPage::Issued => "/certificates",
            CertificatesPage::Templates => "/certificates/templates",
            CertificatesPage::Issue => "/certificates/issue",
        }
    }

    fn key(self) -> &'static str {
        match self {
            CertificatesPage::Issued => "issued",
            CertificatesPage::Templates => "templates",
            CertificatesPage::Issue => "issue",
        }
    }

    fn label(self) -> (&'static str, &'static str) {
        match self {
            CertificatesPage::Issued => ("已颁发", "Issued"),
            CertificatesPage::Templates => ("证书模板", "Templates"),
            CertificatesPage::Issue => ("颁发证书", "Issue"),
        }
    }
}

/// The console's tabs, `current` marked.
#[component]
pub fn CertificatesNav(current: CertificatesPage) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="subnav" aria-label=move || i18n.t("电子证书", "E-certificates") data-testid="certificates-nav">
            {CertificatesPage::ALL.into_iter().map(|page| {
                let (zh, en) = page.label();
                view! {
                    <A href=page.href() attr:class="subnav-link" attr:data-testid=format!("certificates-nav-{}", page.key())
                        attr:data-current=(page == current).then_some("true")>
                        {move || i18n.t(zh, en)}
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}

/// 奖状, 志愿时卡, 聘书, 荣誉证书.
pub fn kind(i18n: I18n, kind: CertificateKind) -> &'static str {
    i18n.t(kind.label_zh(), kind.label_en())
}

/// The test-and-style name of a status.
pub fn status_key(status: CertificateStatus) -> &'static str {
    match status {
        CertificateStatus::Genuine => "genuine",
        CertificateStatus::Revoked => "revoked",
    }
}

/// 有效 or 已撤销, as a badge.
#[component]
pub fn StatusBadge(status: CertificateStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        CertificateStatus::Genuine => "badge badge-on",
        CertificateStatus::Revoked => "badge badge-off",
    };
    view! {
        <span class=class data-testid="certificate-status" data-status=status_key(status)>
            {move || match status {
                CertificateStatus::Genuine => i18n.t("有效", "Valid"),
                CertificateStatus::Revoked => i18n.t("已撤销", "Revoked"),
            }}
        </span>
    }
}

/// Why a student received no certificate.
pub fn skip_reason(i18n: I18n, reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::AlreadyIssued => i18n.t(
            "已颁发过（未撤销），不重复颁发",
            "Already holds one (not revoked)",
        ),
        SkipReason::UnknownStudent => i18n.t("没有这个学号的学生", "No student has this number"),
        SkipReason::OutsideSubtree => i18n.t(
            "不属于本组织管辖范围",
            "Outside this organisation's subtree",
        ),
        SkipReason::NothingToAttest => i18n.t(
            "没有可证明的内容（无认定的获奖或志愿时长）",
            "Nothing to attest (no recognised award or hours)",
        ),
    }
}

/// A certificate's page: the SVG that `shared::certificate::svg` drew, scaled to the width.
/// The SVG escapes every text it prints, so it is set as markup.
#[component]
pub fn CertificatePaper(#[prop(into)] svg: Signal<String>, testid: &'static str) -> impl IntoView {
    view! { <div class="cert-paper" data-testid=testid inner_html=move || svg.get()></div> }
}

/// The file name a certificate downloads as: 荣誉证书-2023010101-SCC-….pdf.
pub fn file_name(certificate: &Certificate, extension: &str) -> String {
    format!(
        "{}-{}-{}.{extension}",
        certificate.title, certificate.student_no, certificate.serial
    )
}

/// Fetches a certificate's PDF or PNG with the session's token and saves it.
pub async fn save(certificate: &Certificate, format: &str) -> Result<(), ApiError> {
    let bytes = api::certificate_file(certificate.id, format).await?;
    let mime = if format == "png" {
        "image/png"
    } else {
        "application/pdf"
    };
    files::save_bytes(&file_name(certificate, format), mime, &bytes)
        .map_err(|detail| ApiError::new(ErrorCode::Internal, detail))
}

/// Fetches one issue's certificates as a zip and saves it.
pub async fn save_batch(batch: &str) -> Result<(), ApiError> {
    let bytes = api::certificate_batch_zip(batch).await?;
    files::save_bytes(
        &format!("certificates-{batch}.zip"),
        "application/zip",
        &bytes,
    )
    .map_err(|detail| ApiError::new(ErrorCode::Internal, detail))
}

/// How a share went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareOutcome {
    /// The system's share sheet took the image.
    Shared,
    /// No share sheet for files here: the image was saved instead.
    Saved,
    /// The user closed the share sheet.
    Cancelled,
}

/// Shares the certificate's PNG through the system's share sheet (WeChat, AirDrop …) where the
/// browser can share files; elsewhere saves it.
pub async fn share(certificate: &Certificate) -> Result<ShareOutcome, ApiError> {
    let bytes = api::certificate_file(certificate.id, "png").await?;
    let name = file_name(certificate, "png");
    let fail = |e: JsValue| ApiError::new(ErrorCode::Internal, format!("{e:?}"));
    let navigator = web_sys::window().map(|w| w.navigator());
    let data = share_data(&name, &bytes, &certificate.title).map_err(fail)?;
    let can_share = navigator.as_ref().is_some_and(|navigator| {
        js_sys::Reflect::get(navigator, &JsValue::from_str("canShare"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call1(navigator, &data).ok())
            .is_some_and(|ok| ok.is_truthy())
    });
    if let (true, Some(navigator)) = (can_share, navigator) {
        let share = js_sys::Reflect::get(&navigator, &JsValue::from_str("share"))
            .and_then(|f| f.dyn_into::<js_sys::Function>())
            .map_err(fail)?;
        let promise: js_sys::Promise = share
            .call1(&navigator, &data)
            .map_err(fail)?
            .dyn_into()
            .map_err(fail)?;
        return match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => Ok(ShareOutcome::Shared),
            // AbortError: the user closed the sheet; nothing went wrong.
            Err(_) => Ok(ShareOutcome::Cancelled),
        };
    }
    files::save_bytes(&name, "image/png", &bytes)
        .map_err(|detail| ApiError::new(ErrorCode::Internal, detail))?;
    Ok(ShareOutcome::Saved)
}

/// `{ files: [File], title }` for `navigator.share`.
fn share_data(name: &str, bytes: &[u8], title: &str) -> Result<JsValue, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::FilePropertyBag::new();
    options.set_type("image/png");
    let file = web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &options)?;
    let data = js_sys::Object::new();
    js_sys::Reflect::set(&data, &"files".into(), &js_sys::Array::of1(&file))?;
    js_sys::Reflect::set(&data, &"title".into(), &JsValue::from_str(title))?;
    Ok(data.into())
}

/// An object URL for an image's bytes (the seal in a live preview).
pub fn object_url(bytes: &[u8], mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}
