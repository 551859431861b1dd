//! 成绩单核验 (`/verify/:serial`) — the public page the QR code on a transcript opens, signed in
//! or not: a large status (真实有效 / 已被新版本取代 / 已撤销 with the reason), when it was
//! issued (Asia/Shanghai), and then exactly what the transcript said when it was issued. An
//! unknown serial says so plainly.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};
use shared::{
    ErrorCode,
    transcript::{Verification, VerificationStatus},
};

use crate::{
    api,
    components::{error::ErrorNotice, transcript::TranscriptPaper},
    format,
    i18n::use_i18n,
    labels::{self, CategoryNames},
};

#[component]
pub fn VerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let serial = Memo::new(move |_| {
        params
            .read()
            .get("serial")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    });
    let verification = LocalResource::new(move || {
        let serial = serial.get();
        async move { api::verify_transcript(&serial).await }
    });

    view! {
        <h1 class="verify-title">{move || i18n.t("成绩单核验", "Transcript verification")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("正在核验…", "Checking…")}</p> }>
            {move || verification.get().map(|result| match result {
                Ok(v) => view! { <Verified verification=v /> }.into_any(),
                // A malformed serial is as unknown as a well-formed one nobody was issued.
                Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::RouteNotFound | ErrorCode::InvalidPath | ErrorCode::ValidationFailed) => {
                    view! { <Unknown serial=serial.get_untracked() /> }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| verification.refetch()) /> }.into_any(),
            })}
        </Transition>
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
