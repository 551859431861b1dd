//! 证书 (`/certificates`): the certificates the organisation's subtree has issued, newest first,
//! filtered by kind, status, text and batch (all kept in the URL); each downloads as PDF or PNG
//! and, with the reason the verification page then shows, can be revoked.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError,
    certificate::{Certificate, CertificateKind, CertificateStatus},
};

use crate::{
    api::{self, CertificateFilter},
    components::{
        certificate::{self as cert, CertificatesNav, CertificatesPage as Tab, StatusBadge},
        error::{ErrorNotice, message},
        pager::Pager,
        table::{Cell, DataTable},
    },
    format,
    i18n::{Locale, use_i18n},
};

const PER_PAGE: u32 = 20;

/// The filters as the URL holds them.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    kind: Option<CertificateKind>,
    status: Option<CertificateStatus>,
    q: String,
    batch: String,
    page: u32,
}

impl Filters {
    fn url(&self) -> String {
        let mut parts = Vec::new();
        if let Some(kind) = self.kind {
            parts.push(format!("kind={}", kind.as_str()));
        }
        if let Some(status) = self.status {
            parts.push(format!("status={}", cert::status_key(status)));
        }
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", api::encode(self.q.trim())));
        }
        if !self.batch.is_empty() {
            parts.push(format!("batch={}", api::encode(&self.batch)));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/certificates".to_owned()
        } else {
            format!("/certificates?{}", parts.join("&"))
        }
    }
}

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let filters = Memo::new(move |_| {
        let query = query.read();
        Filters {
            kind: query.get("kind").and_then(|k| CertificateKind::parse(&k)),
            status: query.get("status").and_then(|s| match s.as_str() {
                "genuine" => Some(CertificateStatus::Genuine),
                "revoked" => Some(CertificateStatus::Revoked),
                _ => None,
            }),
            q: query.get("q").unwrap_or_default(),
            batch: query.get("batch").unwrap_or_default(),
            page: query
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    });
    let search = RwSignal::new(filters.get_untracked().q);
    // Bumped by a revocation: the page reloads.
    let changed = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        changed.track();
        let f = filters.get();
        let filter = CertificateFilter {
            kind: f.kind,
            batch: Some(f.batch.clone()),
            q: Some(f.q.clone()),
            status: f.status,
        };
        async move { api::certificates(&filter, f.page, PER_PAGE).await }
    });
    let go = move |change: &dyn Fn(&mut Filters)| {
        let mut next = filters.get_untracked();
        change(&mut next);
        navigate(
            &next.url(),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let go = StoredValue::new_local(go);
    let set = move |change: &dyn Fn(&mut Filters)| go.with_value(|go| go(change));

    // The row whose revocation is being confirmed; the last outcome of an action.
    let revoking = RwSignal::new(None::<i64>);
    let outcome = RwSignal::new(None::<Result<String, ApiError>>);
    let download = Action::new_local(move |(certificate, format): &(Certificate, &'static str)| {
        let (certificate, format) = (certificate.clone(), *format);
        async move {
            outcome.set(None);
            if let Err(e) = cert::save(&certificate, format).await {
                outcome.set(Some(Err(e)));
            }
        }
    });
    let zip = Action::new_local(move |batch: &String| {
        let batch = batch.clone();
        async move {
            outcome.set(None);
            if let Err(e) = cert::save_batch(&batch).await {
                outcome.set(Some(Err(e)));
            }
        }
    });

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("电子证书", "E-certificates")}</h1>
            <A href="/certificates/issue" attr:class="btn btn-primary" attr:data-testid="certificates-issue">{move || i18n.t("颁发证书", "Issue")}</A>
        </div>
        <CertificatesNav current=Tab::Issued />
        <form class="filters" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="certificates-search"
                placeholder=move || i18n.t("学号、姓名或证书编号", "Student no., name or serial")
                prop:value=search
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    search.set(text.clone());
                    set(&|f| { f.q = text.clone(); f.page = 1; });
                } />
            <select data-testid="certificates-status" on:change=move |ev| {
                let value = event_target_value(&ev);
                set(&|f| {
                    f.status = match value.as_str() {
                        "genuine" => Some(CertificateStatus::Genuine),
                        "revoked" => Some(CertificateStatus::Revoked),
                        _ => None,
                    };
                    f.page = 1;
                });
            }>
                <option value="" selected=move || filters.read().status.is_none()>{move || i18n.t("全部状态", "Any status")}</option>
                <option value="genuine" selected=move || filters.read().status == Some(CertificateStatus::Genuine)>{move || i18n.t("有效", "Valid")}</option>
                <option value="revoked" selected=move || filters.read().status == Some(CertificateStatus::Revoked)>{move || i18n.t("已撤销", "Revoked")}</option>
            </select>
        </form>
        <div class="chips" data-testid="certificates-kind">
            <button type="button" class="chip" class:chip-on=move || filters.read().kind.is_none()
                on:click=move |_| set(&|f| { f.kind = None; f.page = 1; })>
                {move || i18n.t("全部", "All")}
            </button>
            {CertificateKind::ALL.into_iter().map(|kind| view! {
                <button type="button" class="chip" data-kind=kind.as_str()
                    class:chip-on=move || filters.read().kind == Some(kind)
                    on:click=move |_| set(&|f| { f.kind = Some(kind); f.page = 1; })>
                    {move || cert::kind(i18n, kind)}
                </button>
            }).collect_view()}
        </div>
        {move || {
            let batch = filters.read().batch.clone();
            (!batch.is_empty()).then(|| {
                let for_zip = batch.clone();
                view! {
                    <p class="notice batch-filter" data-testid="certificates-batch">
                        {move || i18n.t("仅显示同一批次颁发的证书", "Only the certificates of one issue")}
                        <span class="actions">
                            <button type="button" class="btn btn-small" data-testid="certificates-zip"
                                disabled=move || zip.pending().get()
                                on:click=move |_| { zip.dispatch(for_zip.clone()); }>
                                {move || if zip.pending().get() { i18n.t("打包中…", "Zipping…") } else { i18n.t("下载全部 (zip)", "Download all (zip)") }}
                            </button>
                            <button type="button" class="btn btn-small" on:click=move |_| set(&|f| { f.batch.clear(); f.page = 1; })>
                                {move || i18n.t("显示全部", "Show all")}
                            </button>
                        </span>
                    </p>
                }
            })
        }}
        {move || outcome.get().map(|result| match result {
            Ok(text) => view! { <p class="notice notice-ok" role="status" data-testid="certificates-outcome">{text}</p> }.into_any(),
            Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
        })}
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <div class="empty" data-testid="certificates-empty">
                        <p>{move || i18n.t("没有符合条件的证书。", "No certificate matches.")}</p>
                        <p class="muted">{move || i18n.t("先设计模板，再按活动、时长、职务或荣誉批量颁发。", "Design a template, then issue for an activity, hours, positions or an honour.")}</p>
                        <A href="/certificates/templates" attr:class="btn">{move || i18n.t("证书模板", "Templates")}</A>
                    </div>
                }.into_any(),
                Ok(page) => {
                    let (current, pages, total) = (page.page, page.pages(), page.total);
                    view! {
                        <DataTable columns=vec![("学生", "Student"), ("证书", "Certificate"), ("编号", "Serial"), ("颁发", "Issued"), ("状态", "Status"), ("", "")] testid="certificates-table">
                            {page.items.into_iter().map(|item| view! {
                                <Row item=item revoking=revoking
                                    download=Callback::new(move |args| { download.dispatch(args); })
                                    revoked=Callback::new(move |c: Certificate| {
                                        revoking.set(None);
                                        outcome.set(Some(Ok(match i18n.locale() {
                                            Locale::Zh => format!("已撤销 {}（{}），核验页将显示撤销及原因。", c.serial, c.student_name),
                                            Locale::En => format!("{} ({}) is revoked; its verification page now says so, with the reason.", c.serial, c.student_name),
                                        })));
                                        changed.update(|n| *n += 1);
                                    }) />
                            }).collect_view()}
                        </DataTable>
                        {(pages > 1).then(|| view! {
                            <Pager page=current pages=pages total=total on_page=Callback::new(move |p| set(&|f| f.page = p)) />
                        })}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Row(
    item: Certificate,
    revoking: RwSignal<Option<i64>>,
    download: Callback<(Certificate, &'static str)>,
    revoked: Callback<Certificate>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = item.id;
    let confirming = Memo::new(move |_| revoking.get() == Some(id));
    let genuine = item.status == CertificateStatus::Genuine;
    let (for_pdf, for_png) = (item.clone(), item.clone());
    let kind = item.kind;
    let issued_at = item.issued_at;
    let verify_href = format!("/verify/{}", item.serial);
    let (row_serial, row_student) = (item.serial.clone(), item.student_no.clone());
    view! {
        <tr data-testid="certificate-row" data-id=id.to_string() data-serial=row_serial
            data-student=row_student data-status=cert::status_key(item.status)>
            <Cell zh="学生" en="Student" class="cell-title">
                {item.student_name.clone()}<span class="muted small">" "{item.student_no.clone()}</span>
            </Cell>
            <Cell zh="证书" en="Certificate">
                <span class="badge badge-kind">{move || cert::kind(i18n, kind)}</span>" "
                {item.summary.clone()}
                <span class="muted small">" · "{item.organization.clone()}</span>
            </Cell>
            <Cell zh="编号" en="Serial" class="code">
                <a href=verify_href target="_blank" rel="noopener">{item.serial.clone()}</a>
            </Cell>
            <Cell zh="颁发" en="Issued" class="cell-nowrap">{move || format::datetime(i18n.locale(), issued_at)}</Cell>
            <Cell zh="状态" en="Status">
                <StatusBadge status=item.status />
                {item.revoke_reason.clone().map(|reason| view! { <span class="muted small" data-testid="certificate-revoke-reason">" · "{reason}</span> })}
            </Cell>
            <Cell zh="" en="" class="cell-actions">
                {genuine.then(|| view! {
                    <button type="button" class="btn btn-small" data-testid="certificate-pdf"
                        on:click=move |_| download.run((for_pdf.clone(), "pdf"))>"PDF"</button>
                    <button type="button" class="btn btn-small" data-testid="certificate-png"
                        on:click=move |_| download.run((for_png.clone(), "png"))>"PNG"</button>
                    <button type="button" class="btn btn-small btn-danger-outline" data-testid="certificate-revoke"
                        disabled=confirming on:click=move |_| revoking.set(Some(id))>
                        {move || i18n.t("撤销", "Revoke")}
                    </button>
                })}
            </Cell>
        </tr>
        {move || (genuine && confirming.get()).then(|| view! {
            <tr class="row-form"><td colspan="6">
                <RevokeForm id=id cancel=Callback::new(move |()| revoking.set(None)) revoked=revoked />
            </td></tr>
        })}
    }
}

/// The reason (2–500 characters, shown publicly on the verification page) and the confirmation.
#[component]
fn RevokeForm(id: i64, cancel: Callback<()>, revoked: Callback<Certificate>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let shown = RwSignal::new(false);
    let local_error = move || {
        let n = reason.with(|r| r.trim().chars().count());
        (!(2..=500).contains(&n)).then(|| {
            i18n.t(
                "请说明原因（2–500 个字符）",
                "Say why, in 2 to 500 characters",
            )
            .to_owned()
        })
    };
    let submit = Action::new_local(move |_: &()| async move {
        match api::revoke_certificate(id, reason.get_untracked().trim()).await {
            Ok(certificate) => revoked.run(certificate),
            Err(e) => error.set(Some(e)),
        }
    });
    let field_error = move || {
        shown
            .get()
            .then(local_error)
            .flatten()
            .or_else(|| error.get().map(|e| message(i18n, &e)))
    };
    view! {
        <form class="revoke-form" data-testid="revoke-form" on:submit=move |ev| {
            ev.prevent_default();
            shown.set(true);
            if local_error().is_none() {
                submit.dispatch(());
            }
        }>
            <label class="field">
                <span class="field-label">{move || i18n.t("撤销原因（核验页将公开显示）", "Reason (the verification page shows it)")}</span>
                <textarea rows="2" maxlength="500" data-testid="revoke-reason"
                    aria-invalid=move || field_error().is_some().to_string()
                    on:blur=move |_| shown.set(true)
                    prop:value=reason on:input=move |ev| { error.set(None); reason.set(event_target_value(&ev)); }></textarea>
                <span class="field-error" role="alert" data-testid="revoke-reason-error">{field_error}</span>
            </label>
            <div class="actions">
                <button type="submit" class="btn btn-danger" data-testid="revoke-confirm" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { i18n.t("撤销中…", "Revoking…") } else { i18n.t("确认撤销", "Revoke it") }}
                </button>
                <button type="button" class="btn" on:click=move |_| cancel.run(())>{move || i18n.t("取消", "Cancel")}</button>
            </div>
        </form>
    }
}
