//! 核验 (`/verify/:serial`) — the public page the QR code on a transcript or a certificate
//! opens, signed in or not.
//!
//! A transcript (`SCT-…`): a large status (真实有效 / 已被新版本取代 / 已撤销 with the reason),
//! when it was issued (Asia/Shanghai), and then exactly what the transcript said when it was
//! issued. A certificate (`SCC-…`): genuine or revoked (with the reason), and what it printed —
//! title, name, student number, text, issuer, date — and the page itself, drawn again from what
//! was kept. An unknown serial says so plainly.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};
use shared::{
    ErrorCode,
    certificate::{CertificateStatus, CertificateVerification, Extras, is_certificate_serial, svg},
    transcript::{Verification, VerificationStatus},
};

use crate::{
    api,
    components::{certificate::CertificatePaper, error::ErrorNotice, transcript::TranscriptPaper},
    format,
    i18n::use_i18n,
    labels::{self, CategoryNames},
};

#[component]
pub fn VerifyPage() -> impl IntoView {
    let params = use_params_map();
    let serial = Memo::new(move |_| {
        params
            .read()
            .get("serial")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    });
    move || {
        let serial = serial.get();
        if is_certificate_serial(&serial) {
            view! { <CertificateVerify serial=serial /> }.into_any()
        } else {
            view! { <TranscriptVerify serial=serial /> }.into_any()
        }
    }
}

#[component]
fn TranscriptVerify(serial: String) -> impl IntoView {
    let i18n = use_i18n();
    let serial = StoredValue::new(serial);
    let verification = LocalResource::new(move || {
        let serial = serial.get_value();
        async move { api::verify_transcript(&serial).await }
    });

    view! {
        <h1 class="verify-title">{move || i18n.t("成绩单核验", "Transcript verification")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("正在核验…", "Checking…")}</p> }>
            {move || verification.get().map(|result| match result {
                Ok(v) => view! { <Verified verification=v /> }.into_any(),
                // A malformed serial is as unknown as a well-formed one nobody was issued.
                Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::RouteNotFound | ErrorCode::InvalidPath | ErrorCode::ValidationFailed) => {
                    view! { <Unknown serial=serial.get_value() /> }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| verification.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// A certificate's verification.
#[component]
fn CertificateVerify(serial: String) -> impl IntoView {
    let i18n = use_i18n();
    let serial = StoredValue::new(serial);
    let verification = LocalResource::new(move || {
        let serial = serial.get_value();
        async move { api::verify_certificate(&serial).await }
    });
    view! {
        <h1 class="verify-title">{move || i18n.t("证书核验", "Certificate verification")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("正在核验…", "Checking…")}</p> }>
            {move || verification.get().map(|result| match result {
                Ok(v) => view! { <CertificateVerified verification=v /> }.into_any(),
                Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::RouteNotFound | ErrorCode::InvalidPath | ErrorCode::ValidationFailed) => {
                    view! { <UnknownCertificate serial=serial.get_value() /> }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| verification.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn CertificateVerified(verification: CertificateVerification) -> impl IntoView {
    let i18n = use_i18n();
    let CertificateVerification {
        serial,
        status,
        issued_at,
        revoked_at,
        revoke_reason,
        document,
    } = verification;
    let (class, icon, key) = match status {
        CertificateStatus::Genuine => ("verdict verdict-genuine", "✓", "genuine"),
        CertificateStatus::Revoked => ("verdict verdict-revoked", "✕", "revoked"),
    };
    // The page again, from what was kept; without the seal, which only the paper carries.
    let page = svg(&document, &Extras::default());
    let kind = document.kind;
    view! {
        <section class=class data-testid="verdict" data-status=key>
            <p class="verdict-icon" aria-hidden="true">{icon}</p>
            <p class="verdict-status" data-testid="verdict-status">{move || match status {
                CertificateStatus::Genuine => i18n.t("真实有效", "Genuine"),
                CertificateStatus::Revoked => i18n.t("已撤销", "Revoked"),
            }}</p>
            <p class="verdict-explain">{move || match status {
                CertificateStatus::Genuine => i18n.t(
                    "本证书由第二课堂成绩单系统颁发，内容与颁发时一致。",
                    "Issued through the Second Classroom Transcript platform; the content is as issued.",
                ),
                CertificateStatus::Revoked => i18n.t(
                    "本证书已被颁发单位撤销，不再具有证明效力。",
                    "The issuer has revoked this certificate; it no longer attests anything.",
                ),
            }}</p>
            {revoke_reason.filter(|r| !r.trim().is_empty()).map(|reason| view! {
                <p class="verdict-reason" data-testid="verdict-reason">{move || i18n.t("撤销原因：", "Reason: ")}{reason.clone()}</p>
            })}
        </section>
        <dl class="facts verify-facts" data-testid="verify-facts">
            <dt>{move || i18n.t("编号", "Serial")}</dt>
            <dd class="code verify-serial">{serial}</dd>
            <dt>{move || i18n.t("类型", "Kind")}</dt>
            <dd>{move || i18n.t(kind.label_zh(), kind.label_en())}</dd>
            <dt>{move || i18n.t("证书标题", "Title")}</dt>
            <dd data-testid="verify-title">{document.title.clone()}</dd>
            <dt>{move || i18n.t("姓名", "Name")}</dt>
            <dd data-testid="verify-name">{document.student_name.clone()}</dd>
            <dt>{move || i18n.t("学号", "Student no.")}</dt>
            <dd data-testid="verify-student-no">{document.student_no.clone()}</dd>
            <dt>{move || i18n.t("学院", "College")}</dt>
            <dd>{document.college.clone()}</dd>
            <dt>{move || i18n.t("正文", "Text")}</dt>
            <dd class="verify-body" data-testid="verify-body">{document.body.clone()}</dd>
            <dt>{move || i18n.t("颁发单位", "Issuer")}</dt>
            <dd data-testid="verify-issuer">{document.issuer.clone()}</dd>
            <dt>{move || i18n.t("落款日期", "Dated")}</dt>
            <dd>{document.date.clone()}</dd>
            <dt>{move || i18n.t("颁发时间", "Issued")}</dt>
            <dd data-testid="verify-issued-at">{move || format::datetime(i18n.locale(), issued_at)}<span class="muted small">{move || i18n.t("（北京时间）", " (Beijing time)")}</span></dd>
            {revoked_at.map(|at| view! {
                <dt>{move || i18n.t("撤销时间", "Revoked")}</dt>
                <dd>{move || format::datetime(i18n.locale(), at)}</dd>
            })}
        </dl>
        <h2 class="section-title">{move || i18n.t("证书样式（不含印章）", "The certificate (without its seal)")}</h2>
        <CertificatePaper svg=page testid="verify-certificate" />
    }
}

#[component]
fn UnknownCertificate(serial: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="verdict verdict-unknown" data-testid="verify-unknown">
            <p class="verdict-icon" aria-hidden="true">"?"</p>
            <p class="verdict-status">{move || i18n.t("未找到该编号的证书", "No certificate has this serial")}</p>
            <p class="verdict-explain">{move || i18n.t(
                "请核对编号是否与证书上的一致。系统未颁发过此编号的证书，它不能作为证明。",
                "Check that the serial matches the certificate. The platform issued no certificate with this serial, so it attests nothing.",
            )}</p>
            <p class="code verify-serial">{serial}</p>
            <A href="/" attr:class="btn">{move || i18n.t("返回首页", "Back to home")}</A>
        </section>
    }
}

#[component]
fn Verified(verification: Verification) -> impl IntoView {
    let i18n = use_i18n();
    let Verification {
        serial,
        status,
        issued_at,
        superseded_at,
        revoked_at,
        revoke_reason,
        document,
    } = verification;
    let (class, icon) = match status {
        VerificationStatus::Genuine => ("verdict verdict-genuine", "✓"),
        VerificationStatus::Superseded => ("verdict verdict-superseded", "!"),
        VerificationStatus::Revoked => ("verdict verdict-revoked", "✕"),
    };
    let names = CategoryNames::new();
    view! {
        <section class=class data-testid="verdict" data-status=match status {
            VerificationStatus::Genuine => "genuine",
            VerificationStatus::Superseded => "superseded",
            VerificationStatus::Revoked => "revoked",
        }>
            <p class="verdict-icon" aria-hidden="true">{icon}</p>
            <p class="verdict-status" data-testid="verdict-status">{move || labels::verification_status(i18n, status)}</p>
            <p class="verdict-explain">{move || match status {
                VerificationStatus::Genuine => i18n.t(
                    "本成绩单由第二课堂成绩单系统出具，内容与出具时一致。",
                    "Issued by the Second Classroom Transcript platform; the content is as issued.",
                ),
                VerificationStatus::Superseded => i18n.t(
                    "本成绩单确由系统出具，但该学生此后出具了更新的同类成绩单，请以新版本为准。",
                    "Issued by the platform, but the student has since been issued a newer transcript of this kind; rely on the newer one.",
                ),
                VerificationStatus::Revoked => i18n.t(
                    "本成绩单已被学校撤销，不再具有证明效力。",
                    "The school has revoked this transcript; it no longer attests anything.",
                ),
            }}</p>
            {revoke_reason.filter(|r| !r.trim().is_empty()).map(|reason| view! {
                <p class="verdict-reason" data-testid="verdict-reason">{move || i18n.t("撤销原因：", "Reason: ")}{reason.clone()}</p>
            })}
        </section>
        <dl class="facts verify-facts" data-testid="verify-facts">
            <dt>{move || i18n.t("编号", "Serial")}</dt>
            <dd class="code verify-serial">{serial}</dd>
            <dt>{move || i18n.t("出具时间", "Issued")}</dt>
            <dd data-testid="verify-issued-at">{move || format::datetime(i18n.locale(), issued_at)}<span class="muted small">{move || i18n.t("（北京时间）", " (Beijing time)")}</span></dd>
            {superseded_at.map(|at| view! {
                <dt>{move || i18n.t("被取代时间", "Superseded")}</dt>
                <dd>{move || format::datetime(i18n.locale(), at)}</dd>
            })}
            {revoked_at.map(|at| view! {
                <dt>{move || i18n.t("撤销时间", "Revoked")}</dt>
                <dd>{move || format::datetime(i18n.locale(), at)}</dd>
            })}
        </dl>
        <h2 class="section-title">{move || i18n.t("成绩单内容", "What the transcript says")}</h2>
        <div class="paper-frame"><TranscriptPaper doc=document names=names /></div>
    }
}

#[component]
fn Unknown(serial: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="verdict verdict-unknown" data-testid="verify-unknown">
            <p class="verdict-icon" aria-hidden="true">"?"</p>
            <p class="verdict-status">{move || i18n.t("未找到该编号的成绩单", "No transcript has this serial")}</p>
            <p class="verdict-explain">{move || i18n.t(
                "请核对编号是否与纸质成绩单上的一致。系统未出具过此编号的成绩单，它不能作为证明。",
                "Check that the serial matches the paper. The platform issued no transcript with this serial, so it attests nothing.",
            )}</p>
            <p class="code verify-serial">{serial}</p>
            <A href="/" attr:class="btn">{move || i18n.t("返回首页", "Back to home")}</A>
        </section>
    }
}
