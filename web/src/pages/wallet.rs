//! 我的证书 (`/me/certificates`): a student's certificates as cards — kind, title, what it
//! attests, issuer, date, status (a revoked one with the reason) — each saved as PDF or image,
//! shared through the phone's share sheet, and checked on its public verification page.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    certificate::{Certificate, CertificateStatus},
};

use crate::{
    api,
    components::{
        certificate::{self as cert, ShareOutcome, StatusBadge},
        error::ErrorNotice,
    },
    format,
    i18n::use_i18n,
};

#[component]
pub fn WalletPage() -> impl IntoView {
    let i18n = use_i18n();
    let list = LocalResource::new(api::my_certificates);
    view! {
        <h1>{move || i18n.t("我的证书", "My certificates")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(items) if items.is_empty() => view! {
                    <div class="empty" data-testid="wallet-empty">
                        <p class="empty-icon" aria-hidden="true">"▣"</p>
                        <p>{move || i18n.t("还没有证书。", "No certificate yet.")}</p>
                        <p class="muted">{move || i18n.t("竞赛获奖、志愿服务、学生干部任职和评优后，组织颁发的电子证书会出现在这里。", "Certificates your organisations issue for awards, volunteering, positions and honours appear here.")}</p>
                        <A href="/activities" attr:class="btn">{move || i18n.t("去看看活动", "Browse activities")}</A>
                    </div>
                }.into_any(),
                Ok(items) => view! {
                    <div class="wallet" data-testid="wallet">
                        {items.into_iter().map(|c| view! { <WalletCard certificate=c /> }).collect_view()}
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn WalletCard(certificate: Certificate) -> impl IntoView {
    let i18n = use_i18n();
    let genuine = certificate.status == CertificateStatus::Genuine;
    let kind = certificate.kind;
    let issued_at = certificate.issued_at;
    let error = RwSignal::new(None::<ApiError>);
    let note = RwSignal::new(None::<(&'static str, &'static str)>);
    let stored = StoredValue::new(certificate.clone());
    let download = Action::new_local(move |format: &&'static str| {
        let format = *format;
        async move {
            error.set(None);
            note.set(None);
            if let Err(e) = cert::save(&stored.get_value(), format).await {
                error.set(Some(e));
            }
        }
    });
    let share = Action::new_local(move |_: &()| async move {
        error.set(None);
        note.set(None);
        match cert::share(&stored.get_value()).await {
            Ok(ShareOutcome::Saved) => note.set(Some((
                "此浏览器不能直接分享图片，已保存到本机，可在相册或文件中分享。",
                "This browser cannot share images; it was saved so you can share it from your files.",
            ))),
            Ok(_) => {}
            Err(e) => error.set(Some(e)),
        }
    });
    let busy = move || download.pending().get() || share.pending().get();
    view! {
        <article class="card wallet-card" class:wallet-revoked=!genuine data-testid="wallet-card"
            data-id=certificate.id.to_string() data-serial=certificate.serial.clone()
            data-kind=kind.as_str() data-status=cert::status_key(certificate.status)>
            <div class="wallet-head">
                <span class="badge badge-kind">{move || cert::kind(i18n, kind)}</span>
                <StatusBadge status=certificate.status />
            </div>
            <h2 class="wallet-title">{certificate.title.clone()}</h2>
            <p class="wallet-summary" data-testid="wallet-summary">{certificate.summary.clone()}</p>
            <p class="muted small">{certificate.organization.clone()}" · "{move || format::datetime(i18n.locale(), issued_at)}</p>
            <p class="muted small code">{certificate.serial.clone()}</p>
            {certificate.revoke_reason.clone().map(|reason| view! {
                <p class="notice notice-error wallet-reason" data-testid="wallet-revoke-reason">
                    {move || i18n.t("已撤销：", "Revoked: ")}{reason.clone()}
                </p>
            })}
            <div class="actions wallet-actions">
                {genuine.then(|| view! {
                    <button type="button" class="btn btn-small btn-primary" data-testid="wallet-pdf" disabled=busy
                        on:click=move |_| { download.dispatch("pdf"); }>{move || i18n.t("下载PDF", "PDF")}</button>
                    <button type="button" class="btn btn-small" data-testid="wallet-png" disabled=busy
                        on:click=move |_| { download.dispatch("png"); }>{move || i18n.t("保存图片", "Save image")}</button>
                    <button type="button" class="btn btn-small" data-testid="wallet-share" disabled=busy
                        on:click=move |_| { share.dispatch(()); }>{move || i18n.t("分享", "Share")}</button>
                })}
                <A href=format!("/verify/{}", certificate.serial) attr:class="btn btn-small" attr:data-testid="wallet-verify">
                    {move || i18n.t("验证", "Verify")}
                </A>
            </div>
            {move || note.get().map(|(zh, en)| view! { <p class="muted small" role="status" data-testid="wallet-note">{move || i18n.t(zh, en)}</p> })}
            {move || error.get().map(|e| view! { <ErrorNotice error=e /> })}
        </article>
    }
}
