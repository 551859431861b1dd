//! 证书模板 (`/certificates/templates`, `/certificates/templates/new`, `…/:id`): the subtree's
//! templates by organisation and kind, a new one started from the standard design of a kind,
//! and the editor — name, title, body with its fields as chips, issuer, orientation, frame and
//! seal — beside a live preview that `shared::certificate::svg` draws in the browser from the
//! same layout the server prints, checked as one types by `TemplateDesign::validate`.

use leptos::{html, prelude::*};
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};
use shared::{
    ApiError, ErrorCode,
    certificate::{
        Background, CertificateKind, Extras, NewTemplate, Orientation, Seal, Template,
        TemplateDesign, preview, svg,
    },
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{
        certificate::{self as cert, CertificatePaper, CertificatesNav, CertificatesPage as Tab},
        error::{ErrorNotice, message},
        org_select::{OrgSelect, subtree},
    },
    files, format,
    i18n::{I18n, Locale, use_i18n},
    session::use_session,
};

/// The most bytes a seal may have (the server's limit).
const MAX_SEAL_BYTES: f64 = 512.0 * 1024.0;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(None::<CertificateKind>);
    let templates = LocalResource::new(move || {
        let kind = kind.get();
        async move { api::certificate_templates(None, kind).await }
    });
    let new_kind = RwSignal::new(CertificateKind::Honour);
    view! {
        <div class="page-head">
            <h1>{move || i18n.t("电子证书", "E-certificates")}</h1>
        </div>
        <CertificatesNav current=Tab::Templates />
        <section class="panel new-template" data-testid="template-new-panel">
            <h2>{move || i18n.t("新建模板", "New template")}</h2>
            <p class="muted">{move || i18n.t("从所选类型的标准样式开始，再按需修改。", "Start from the standard design of a kind, then adapt it.")}</p>
            <div class="actions">
                <select data-testid="template-new-kind" on:change=move |ev| {
                    if let Some(k) = CertificateKind::parse(&event_target_value(&ev)) { new_kind.set(k); }
                }>
                    {CertificateKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || new_kind.get() == k>{move || cert::kind(i18n, k)}</option>
                    }).collect_view()}
                </select>
                <A href=move || format!("/certificates/templates/new?kind={}", new_kind.get().as_str())
                    attr:class="btn btn-primary" attr:data-testid="template-new">
                    {move || i18n.t("新建", "New")}
                </A>
            </div>
        </section>
        <div class="chips" data-testid="templates-kind">
            <button type="button" class="chip" class:chip-on=move || kind.get().is_none() on:click=move |_| kind.set(None)>
                {move || i18n.t("全部", "All")}
            </button>
            {CertificateKind::ALL.into_iter().map(|k| view! {
                <button type="button" class="chip" data-kind=k.as_str() class:chip-on=move || kind.get() == Some(k)
                    on:click=move |_| kind.set(Some(k))>{move || cert::kind(i18n, k)}</button>
            }).collect_view()}
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || templates.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <div class="empty" data-testid="templates-empty">
                        <p>{move || i18n.t("还没有模板。", "No template yet.")}</p>
                        <p class="muted">{move || i18n.t("在上方选择类型并点击“新建”。", "Pick a kind above and choose New.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    // Grouped by organisation, in the order the server gives (organisation, kind, name).
                    let mut groups: Vec<(String, Vec<Template>)> = Vec::new();
                    for t in list {
                        match groups.last_mut() {
                            Some((org, items)) if *org == t.organization => items.push(t),
                            _ => groups.push((t.organization.clone(), vec![t])),
                        }
                    }
                    groups.into_iter().map(|(org, items)| view! {
                        <h2 class="section-title">{org}</h2>
                        <div class="cards template-cards">
                            {items.into_iter().map(|t| view! { <TemplateCard template=t /> }).collect_view()}
                        </div>
                    }).collect_view().into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| templates.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn TemplateCard(template: Template) -> impl IntoView {
    let i18n = use_i18n();
    let thumbnail = svg(
        &preview(template.kind, &template.design),
        &Extras::default(),
    );
    let (kind, issued, updated) = (template.kind, template.issued, template.updated_at);
    view! {
        <A href=format!("/certificates/templates/{}", template.id) attr:class="card card-link template-card"
            attr:data-testid="template-card" attr:data-id=template.id.to_string() attr:data-kind=kind.as_str()>
            <div class="cert-paper cert-thumb" inner_html=thumbnail></div>
            <p class="template-name"><strong>{template.design.name.clone()}</strong>" "
                <span class="badge badge-kind">{move || cert::kind(i18n, kind)}</span></p>
            <p class="muted small">{move || match i18n.locale() {
                Locale::Zh => format!("已颁发 {issued} 份 · 更新于 {}", format::datetime(Locale::Zh, updated)),
                Locale::En => format!("{issued} issued · updated {}", format::datetime(Locale::En, updated)),
            }}</p>
        </A>
    }
}

/// `/certificates/templates/new?kind=…`: the standard design of the kind, for an organisation
/// of the subtree (the account's own by default).
#[component]
pub fn NewTemplatePage() -> impl IntoView {
    let query = use_query_map();
    let session = use_session();
    // Read as a signal: on an in-app link the query arrives after the page is made.
    let kind = Memo::new(move |_| {
        query
            .read()
            .get("kind")
            .and_then(|k| CertificateKind::parse(&k))
            .unwrap_or(CertificateKind::Honour)
    });
    let (organization, issuer) = session.with_me(|me| {
        me.map(|me| (me.organization.id, me.organization.name.clone()))
            .unwrap_or_default()
    });
    view! {
        <CertificatesNav current=Tab::Templates />
        {move || {
            let kind = kind.get();
            view! {
                <Editor kind=kind organization=organization design=TemplateDesign::standard(kind, &issuer)
                    template=None seal=None />
            }
        }}
    }
}

/// `/certificates/templates/:id`: the editor of a template.
#[component]
pub fn TemplatePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let template = LocalResource::new(move || {
        let id = id.get();
        async move { api::certificate_template(id).await }
    });
    view! {
        <CertificatesNav current=Tab::Templates />
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || template.get().map(|result| match result {
                Ok(t) => view! {
                    <Editor kind=t.kind organization=t.organization_id design=t.design.clone()
                        seal=t.seal.clone() template=Some(t) />
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| template.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// The design's rule messages (`TemplateDesign::validate`) in the current locale.
fn design_message(i18n: I18n, kind: CertificateKind, error: &ApiError) -> String {
    let text = error.message.as_str();
    let placeholder = || {
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let zh = if let Some(max) = text
        .strip_prefix("1 to ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        format!("须为 1–{max} 个字符")
    } else if text == "at most 8 paragraphs" {
        "正文最多 8 段".to_owned()
    } else if text == "no control characters" {
        "不能含有控制字符".to_owned()
    } else if text.contains("is not known for a") {
        format!("{} 不能用于{}", placeholder(), kind.label_zh())
    } else if text.contains("is not a field") {
        format!("{} 不是可用的字段，请点击下方字段插入", placeholder())
    } else if text.contains("without its `{`") {
        "有一个 } 没有对应的 {".to_owned()
    } else if text.contains("without its `}`") {
        "有一个 { 没有对应的 }".to_owned()
    } else if text.starts_with("fields are written") {
        "字段写作 {name}，只含小写字母和 _".to_owned()
    } else {
        return message(i18n, error);
    };
    match i18n.locale() {
        Locale::Zh => zh,
        Locale::En => {
            let mut en = text.to_owned();
            if let Some(first) = en.get(0..1) {
                let upper = first.to_uppercase();
                en.replace_range(0..1, &upper);
            }
            en
        }
    }
}

#[component]
fn Editor(
    kind: CertificateKind,
    organization: i64,
    design: TemplateDesign,
    /// The template being edited; none for a new one.
    template: Option<Template>,
    seal: Option<Seal>,
) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let template_id = template.as_ref().map(|t| t.id);
    let organizations = subtree(&[]);
    let organization = RwSignal::new(organization);
    let name = RwSignal::new(design.name);
    let title = RwSignal::new(design.title);
    let body = RwSignal::new(design.body);
    let issuer = RwSignal::new(design.issuer_name);
    let orientation = RwSignal::new(design.orientation);
    let background = RwSignal::new(design.background);
    let seal = RwSignal::new(seal);
    let seal_url = RwSignal::new(None::<String>);
    // The seal of a saved template is fetched with the session's token for the preview.
    if let Some(existing) = seal.get_untracked() {
        leptos::task::spawn_local(async move {
            if let Ok(bytes) = api::seal_image(existing.id).await {
                seal_url.set(cert::object_url(&bytes, &existing.content_type));
            }
        });
    }
    let current = Memo::new(move |_| TemplateDesign {
        name: name.get(),
        title: title.get(),
        body: body.get(),
        issuer_name: issuer.get(),
        orientation: orientation.get(),
        background: background.get(),
        seal_id: seal.with(|s| s.as_ref().map(|s| s.id)),
    });
    let page = Memo::new(move |_| {
        let href = seal_url.get();
        svg(
            &preview(kind, &current.get()),
            &Extras {
                seal_href: href.as_deref(),
                qr: None,
            },
        )
    });
    // Rule errors show once a field was left or a save tried, never after the first keystroke.
    let touched = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let invalid = Memo::new(move |_| current.with(|d| d.validate(kind).err()));
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let local = touched
                .get()
                .then(|| invalid.get())
                .flatten()
                .filter(|e| e.field.as_deref() == Some(field));
            local
                .or_else(|| {
                    server_error
                        .get()
                        .filter(|e| e.field.as_deref() == Some(field))
                })
                .map(|e| design_message(i18n, kind, &e))
        })
    };
    let notice = RwSignal::new(None::<&'static (&'static str, &'static str)>);
    let seal_error = RwSignal::new(None::<ApiError>);
    let seal_busy = RwSignal::new(false);

    let body_ref = NodeRef::<html::Textarea>::new();
    let insert = move |key: &'static str| {
        let token = format!("{{{key}}}");
        let Some(area) = body_ref.get() else {
            body.update(|b| b.push_str(&token));
            return;
        };
        let text = body.get_untracked();
        // The selection is counted in UTF-16 units.
        let units: Vec<u16> = text.encode_utf16().collect();
        let clamp = |n: Option<u32>| (n.unwrap_or(units.len() as u32) as usize).min(units.len());
        let start = clamp(area.selection_start().ok().flatten());
        let end = clamp(area.selection_end().ok().flatten()).max(start);
        let next = format!(
            "{}{token}{}",
            String::from_utf16_lossy(&units[..start]),
            String::from_utf16_lossy(&units[end..])
        );
        body.set(next.clone());
        area.set_value(&next);
        let caret = (start + token.encode_utf16().count()) as u32;
        let _ = area.focus();
        let _ = area.set_selection_range(caret, caret);
        server_error.set(None);
    };

    let on_seal = move |ev: leptos::ev::Event| {
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
        seal_error.set(None);
        if file.size() > MAX_SEAL_BYTES {
            seal_error.set(Some(ApiError::new(
                ErrorCode::PayloadTooLarge,
                "the seal is larger than 512 KB",
            )));
            return;
        }
        let lower = file.name().to_ascii_lowercase();
        let content_type = if file.type_() == "image/svg+xml" || lower.ends_with(".svg") {
            "image/svg+xml"
        } else if file.type_() == "image/png" || lower.ends_with(".png") {
            "image/png"
        } else {
            seal_error.set(Some(ApiError::new(
                ErrorCode::InvalidFile,
                "a seal is a PNG or SVG image",
            )));
            return;
        };
        seal_busy.set(true);
        let org = organization.get_untracked();
        leptos::task::spawn_local(async move {
            let outcome = match files::read(&file).await {
                Ok(bytes) => api::upload_seal(org, content_type, bytes.clone())
                    .await
                    .map(|s| (s, bytes)),
                Err(detail) => Err(ApiError::new(ErrorCode::InvalidFile, detail)),
            };
            match outcome {
                Ok((uploaded, bytes)) => {
                    seal_url.set(cert::object_url(&bytes, &uploaded.content_type));
                    seal.set(Some(uploaded));
                }
                Err(e) => seal_error.set(Some(e)),
            }
            seal_busy.set(false);
        });
    };

    let navigate_saved = navigate.clone();
    let save = Action::new_local(move |_: &()| {
        let design = current.get_untracked();
        let organization_id = organization.get_untracked();
        let navigate = navigate_saved.clone();
        async move {
            server_error.set(None);
            notice.set(None);
            let result = match template_id {
                Some(id) => api::update_certificate_template(id, &design).await,
                None => {
                    api::create_certificate_template(&NewTemplate {
                        organization_id,
                        kind,
                        design,
                    })
                    .await
                }
            };
            match result {
                Ok(saved) => {
                    notice.set(Some(&("已保存", "Saved")));
                    if template_id.is_none() {
                        navigate(
                            &format!("/certificates/templates/{}?saved=1", saved.id),
                            NavigateOptions {
                                replace: true,
                                ..Default::default()
                            },
                        );
                    }
                }
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    // Arriving from a new template's first save.
    if use_query_map().read_untracked().get("saved").is_some() {
        notice.set(Some(&("已创建", "Created")));
    }
    let archive = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            let Some(id) = template_id else { return };
            match api::archive_certificate_template(id).await {
                Ok(()) => navigate("/certificates/templates", Default::default()),
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let server_png = RwSignal::new(None::<Result<String, ApiError>>);
    let load_png = Action::new_local(move |_: &()| async move {
        let Some(id) = template_id else { return };
        server_png.set(Some(api::certificate_template_png(id).await.map(|bytes| {
            cert::object_url(&bytes, "image/png").unwrap_or_default()
        })));
    });

    let issued = template.as_ref().map(|t| t.issued).unwrap_or(0);
    let heading = match &template {
        Some(t) => t.design.name.clone(),
        None => String::new(),
    };
    let org_name = template.as_ref().map(|t| t.organization.clone());
    view! {
        <div class="page-head">
            <h1 data-testid="template-heading">{move || if template_id.is_some() {
                heading.clone()
            } else {
                match i18n.locale() {
                    Locale::Zh => format!("新建{}模板", kind.label_zh()),
                    Locale::En => format!("New {} template", kind.label_en().to_lowercase()),
                }
            }}</h1>
            <span class="badge badge-kind">{move || cert::kind(i18n, kind)}</span>
        </div>
        <div class="template-editor">
            <form class="panel template-form" data-testid="template-form" novalidate
                // Leaving a field shows its rule; a link or button losing focus (as the page goes
                // away) does not.
                on:focusout=move |ev| {
                    let field = ev.target().is_some_and(|t| {
                        t.is_instance_of::<web_sys::HtmlInputElement>()
                            || t.is_instance_of::<web_sys::HtmlTextAreaElement>()
                    });
                    if field {
                        touched.set(true);
                    }
                }
                on:submit=move |ev| {
                    ev.prevent_default();
                    touched.set(true);
                    if invalid.get_untracked().is_none() {
                        save.dispatch(());
                    } else if let Some(doc) = web_sys::window().and_then(|w| w.document())
                        && let Ok(Some(first)) = doc.query_selector(".template-form [aria-invalid=\"true\"]")
                        && let Ok(first) = first.dyn_into::<web_sys::HtmlElement>() {
                        let _ = first.focus();
                    }
                }>
                {match org_name {
                    Some(org) => view! {
                        <p class="muted">{move || i18n.t("所属组织：", "Organisation: ")}{org.clone()}
                            {move || match i18n.locale() {
                                Locale::Zh => format!(" · 已颁发 {issued} 份"),
                                Locale::En => format!(" · {issued} issued"),
                            }}</p>
                    }.into_any(),
                    None => view! {
                        <label class="field">
                            <span class="field-label">{move || i18n.t("所属组织", "Organisation")}</span>
                            <OrgSelect organizations=organizations value=Signal::derive(move || Some(organization.get()))
                                on_change=Callback::new(move |id: Option<i64>| if let Some(id) = id {
                                    organization.set(id);
                                    // A seal belongs to one organisation.
                                    seal.set(None);
                                    seal_url.set(None);
                                })
                                testid="template-organization" />
                        </label>
                    }.into_any(),
                }}
                <TextField zh="模板名称（不打印）" en="Template name (not printed)" value=name max=40
                    error=error_for("name") testid="template-name" edited=server_error />
                <TextField zh="证书标题" en="Title" value=title max=20
                    error=error_for("title") testid="template-title" edited=server_error />
                <label class="field">
                    <span class="field-label">{move || i18n.t("正文（换行开始新段落；以“：”结尾的段落为称呼，不缩进）", "Body (a line break starts a paragraph; one ending in “：” is a salutation)")}</span>
                    <textarea rows="6" maxlength="300" data-testid="template-body" node_ref=body_ref
                        aria-invalid=move || error_for("body").try_get().flatten().is_some().to_string()
                        prop:value=body
                        on:input=move |ev| { server_error.set(None); body.set(event_target_value(&ev)); }></textarea>
                    <span class="field-error" role="alert" data-testid="template-body-error">{move || error_for("body").try_get().flatten()}</span>
                </label>
                <div class="field-chips" data-testid="template-fields">
                    <span class="muted small">{move || i18n.t("点击插入字段：", "Insert a field:")}</span>
                    {kind.fields().iter().map(|field| {
                        let field = *field;
                        view! {
                            <button type="button" class="chip chip-small" data-field=field.key()
                                title=format!("{{{}}}", field.key())
                                on:click=move |_| insert(field.key())>
                                {move || i18n.t(field.label_zh(), field.label_en())}
                            </button>
                        }
                    }).collect_view()}
                </div>
                <TextField zh="落款单位" en="Issuer" value=issuer max=40
                    error=error_for("issuer_name") testid="template-issuer" edited=server_error />
                <div class="form-row">
                    <label class="field">
                        <span class="field-label">{move || i18n.t("版式", "Orientation")}</span>
                        <select data-testid="template-orientation" on:change=move |ev| orientation.set(Orientation::parse(&event_target_value(&ev)))>
                            <option value="landscape" selected=move || orientation.get() == Orientation::Landscape>{move || i18n.t("横版 A4", "A4 landscape")}</option>
                            <option value="portrait" selected=move || orientation.get() == Orientation::Portrait>{move || i18n.t("竖版 A4", "A4 portrait")}</option>
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("边框", "Frame")}</span>
                        <select data-testid="template-background" on:change=move |ev| background.set(Background::parse(&event_target_value(&ev)))>
                            {Background::ALL.into_iter().map(|b| view! {
                                <option value=b.as_str() selected=move || background.get() == b>{move || i18n.t(b.label_zh(), b.label_en())}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <div class="field seal-field">
                    <span class="field-label">{move || i18n.t("印章（PNG 或 SVG，≤512 KB，建议透明背景）", "Seal (PNG or SVG, ≤512 KB, transparent background)")}</span>
                    <div class="actions">
                        <label class="btn btn-small file-button" class:disabled=seal_busy>
                            {move || if seal_busy.get() {
                                i18n.t("上传中…", "Uploading…")
                            } else if seal.with(Option::is_some) {
                                i18n.t("更换印章", "Replace seal")
                            } else {
                                i18n.t("上传印章", "Upload seal")
                            }}
                            <input type="file" class="visually-hidden" data-testid="template-seal-file"
                                accept=".png,.svg,image/png,image/svg+xml" disabled=seal_busy on:change=on_seal />
                        </label>
                        {move || seal.get().map(|s| view! {
                            <span class="muted small" data-testid="template-seal">{format!("{} × {}", s.width, s.height)}</span>
                            <button type="button" class="btn btn-small" data-testid="template-seal-remove"
                                on:click=move |_| { seal.set(None); seal_url.set(None); }>
                                {move || i18n.t("移除", "Remove")}
                            </button>
                        })}
                    </div>
                    {move || seal_error.get().map(|e| view! {
                        <span class="field-error" role="alert" data-testid="template-seal-error">{match e.code {
                            ErrorCode::PayloadTooLarge => i18n.t("印章文件不能超过 512 KB", "The seal must be at most 512 KB").to_owned(),
                            ErrorCode::InvalidFile if e.message == "a seal is a PNG or SVG image" => i18n.t("印章须为 PNG 或 SVG 图片", "A seal is a PNG or SVG image").to_owned(),
                            _ => message(i18n, &e),
                        }}</span>
                    })}
                </div>
                {move || server_error.get().filter(|e| e.field.is_none()).map(|e| view! { <ErrorNotice error=e /> })}
                <div class="actions form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="template-save" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { i18n.t("保存中…", "Saving…") } else { i18n.t("保存模板", "Save template") }}
                    </button>
                    {move || notice.get().map(|(zh, en)| view! {
                        <span class="notice-inline good" role="status" data-testid="template-saved">{move || i18n.t(zh, en)}</span>
                    })}
                    {template_id.map(|id| view! {
                        <A href=format!("/certificates/issue?template={id}") attr:class="btn" attr:data-testid="template-issue">
                            {move || i18n.t("用此模板颁发", "Issue with it")}
                        </A>
                        <button type="button" class="btn btn-danger-outline" data-testid="template-archive"
                            disabled=move || archive.pending().get()
                            on:click=move |_| {
                                let sure = web_sys::window()
                                    .and_then(|w| w.confirm_with_message(i18n.t("归档后不能再用此模板颁发，已颁发的证书仍然有效。归档？", "Once archived it issues no more; what it issued stays valid. Archive?")).ok())
                                    .unwrap_or(false);
                                if sure { archive.dispatch(()); }
                            }>
                            {move || i18n.t("归档", "Archive")}
                        </button>
                    })}
                </div>
            </form>
            <section class="template-preview" aria-label=move || i18n.t("实时预览", "Live preview")>
                <h2 class="section-title">{move || i18n.t("实时预览（示例学生）", "Live preview (a sample student)")}</h2>
                <CertificatePaper svg=page testid="template-preview" />
                <p class="muted small">{move || i18n.t(
                    "预览由浏览器绘制，字体可能与打印稍有不同；二维码与编号在颁发时生成。",
                    "Drawn by the browser, so the font may differ a little from print; the QR code and serial are made on issue.",
                )}</p>
                {template_id.map(|_| view! {
                    <div class="actions">
                        <button type="button" class="btn btn-small" data-testid="template-print-preview"
                            disabled=move || load_png.pending().get()
                            on:click=move |_| { load_png.dispatch(()); }>
                            {move || if load_png.pending().get() { i18n.t("生成中…", "Drawing…") } else { i18n.t("打印效果（已保存的版本）", "Print preview (as saved)") }}
                        </button>
                    </div>
                    {move || server_png.get().map(|result| match result {
                        Ok(url) => view! { <img class="cert-print" data-testid="template-print-image" src=url alt=move || i18n.t("打印效果", "Print preview") /> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    })}
                })}
            </section>
        </div>
    }
}

/// A one-line text input with its rule error; an edit forgets the server's error.
#[component]
fn TextField(
    zh: &'static str,
    en: &'static str,
    value: RwSignal<String>,
    max: u32,
    error: Signal<Option<String>>,
    testid: &'static str,
    edited: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_id = format!("{testid}-error");
    view! {
        <label class="field">
            <span class="field-label">{move || i18n.t(zh, en)}</span>
            <input type="text" data-testid=testid maxlength=max.to_string()
                aria-describedby=error_id.clone()
                aria-invalid=move || error.try_with(Option::is_some).unwrap_or(false).to_string()
                prop:value=value
                on:input=move |ev| { edited.set(None); value.set(event_target_value(&ev)); } />
            <span class="field-error" id=error_id.clone() data-testid=error_id role="alert">{move || error.try_get().flatten()}</span>
        </label>
    }
}
