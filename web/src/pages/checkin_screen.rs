//! 签到 — the organiser's check-in screen: the rotating QR code filling the screen (readable
//! on a projector), the live count and the newest arrivals as students scan, the switch to
//! check-out, the check-in settings, a manual check-in for students without a phone, and the
//! anomalies. The QR comes from the server as SVG; nothing is drawn here.

use std::time::Duration;

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    attendance::{AttendanceRecord, CheckinCode, CheckinSettings, CodeKind},
};

use crate::{
    api,
    components::{
        attendance::{
            ActivityHead, AnomalyList, ManualEntry, activity_id, error_text, method, rule_message,
        },
        error::ErrorNotice,
    },
    format,
    i18n::use_i18n,
    phone, timer,
};

/// How often the arrivals list is polled.
const POLL: Duration = Duration::from_secs(3);
/// Arrivals shown next to the code.
const NEWEST: u32 = 8;

#[component]
pub fn CheckinScreenPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(id) = activity_id() else {
        return view! { <crate::components::not_found::NotFound /> }.into_any();
    };
    let activity = LocalResource::new(move || api::activity(id));
    let deadlines = LocalResource::new(move || api::deadlines(id));
    let settings = RwSignal::new(None::<Result<CheckinSettings, ApiError>>);
    leptos::task::spawn_local(async move {
        settings.set(Some(api::checkin_settings(id).await));
    });
    let checkout = move || settings.with(|s| matches!(s, Some(Ok(s)) if s.checkout_enabled));
    let kind = RwSignal::new(CodeKind::In);
    Effect::new(move |_| {
        if !checkout() && kind.get_untracked() == CodeKind::Out {
            kind.set(CodeKind::In);
        }
    });
    let checked_in = RwSignal::new(None::<u64>);
    let checked_out = RwSignal::new(None::<u32>);
    let arrivals = RwSignal::new(Vec::<AttendanceRecord>::new());
    let list_error = RwSignal::new(None::<ApiError>);
    let poll_now = RwSignal::new(0u32);
    timer::repeat(move || async move {
        match api::arrivals(id, NEWEST).await {
            Ok(page) => {
                checked_in.set(Some(page.total));
                arrivals.set(page.items);
                list_error.set(None);
            }
            Err(e) => list_error.set(Some(e)),
        }
        POLL
    });
    let projector = RwSignal::new(false);
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            projector.set(false);
        }
    });
    // Leaving full screen (Esc, or the browser's own control) leaves projector mode too.
    let _ = window_event_listener_untyped("fullscreenchange", move |_| {
        let full = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.fullscreen_element().is_some());
        if !full {
            projector.set(false);
        }
    });
    let toggle_projector = move |_| {
        let on = !projector.get_untracked();
        projector.set(on);
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(document) = document {
            if on {
                if let Some(root) = document.document_element() {
                    let _ = root.request_fullscreen();
                }
            } else if document.fullscreen_element().is_some() {
                document.exit_fullscreen();
            }
        }
    };
    let ended =
        Signal::derive(move || matches!(activity.get(), Some(Ok(a)) if a.ends_at < Utc::now()));
    let title = move || match activity.get() {
        Some(Ok(a)) => a.title,
        _ => String::new(),
    };

    view! {
        <ActivityHead id=id activity=activity current="checkin" />
        <section class="stage" class:stage-projector=projector data-testid="checkin-stage">
            <div class="stage-code">
                <p class="stage-title">{title}</p>
                {move || checkout().then(|| view! {
                    <div class="segmented" role="tablist" data-testid="kind-switch">
                        <button type="button" role="tab" class="segment" class:segment-on=move || kind.get() == CodeKind::In
                            aria-selected=move || (kind.get() == CodeKind::In).to_string() data-testid="kind-in"
                            on:click=move |_| kind.set(CodeKind::In)>{move || i18n.t("签到", "Check-in")}</button>
                        <button type="button" role="tab" class="segment" class:segment-on=move || kind.get() == CodeKind::Out
                            aria-selected=move || (kind.get() == CodeKind::Out).to_string() data-testid="kind-out"
                            on:click=move |_| kind.set(CodeKind::Out)>{move || i18n.t("签退", "Check-out")}</button>
                    </div>
                })}
                // One code loop per kind: switching ends the old loop and starts the new one.
                {move || {
                    let kind = kind.get();
                    view! { <LiveCode id=id kind=kind checked_in=checked_in checked_out=checked_out /> }
                }}
            </div>
            <aside class="stage-side">
                <div class="stage-counts">
                    <div class="stage-count">
                        <strong data-testid="count-in">{move || checked_in.get().map_or("–".to_owned(), |n| n.to_string())}</strong>
                        <span>{move || i18n.t("已签到", "checked in")}</span>
                    </div>
                    {move || checkout().then(|| view! {
                        <div class="stage-count">
                            <strong data-testid="count-out">{move || checked_out.get().map_or("–".to_owned(), |n| n.to_string())}</strong>
                            <span>{move || i18n.t("已签退", "checked out")}</span>
                        </div>
                    })}
                </div>
                <h2 class="stage-side-title">{move || i18n.t("最新签到", "Newest arrivals")}</h2>
                <ol class="arrivals" data-testid="arrivals">
                    <For each=move || arrivals.get() key=|r| (r.student_id, r.checked_in_at, r.checked_out_at) let:record>
                        <li class="arrival">
                            <span class="arrival-name">{record.student_name.clone()}</span>
                            <span class="arrival-no muted">{record.student_no.clone()}</span>
                            <span class="arrival-time">{format::time(record.checked_in_at)}</span>
                            {(record.method != shared::attendance::AttendanceMethod::Qr).then(|| {
                                let m = record.method;
                                view! { <span class="badge">{move || method(i18n, m)}</span> }
                            })}
                        </li>
                    </For>
                </ol>
                {move || arrivals.with(Vec::is_empty).then(|| view! {
                    <p class="muted arrivals-empty">{move || i18n.t("还没有人签到。请同学们用手机相机或微信扫码。", "Nobody yet. Students scan with the phone camera or WeChat.")}</p>
                })}
                {move || list_error.get().map(|e| view! { <p class="notice notice-error small">{error_text(i18n, &e)}</p> })}
                <div class="actions stage-actions">
                    <A href=format!("/activities/{id}/scan") attr:class="btn btn-primary" attr:data-testid="open-scanner">
                        {move || i18n.t("扫学生个人码", "Scan students' codes")}
                    </A>
                    <button type="button" class="btn" data-testid="projector-toggle" on:click=toggle_projector>
                        {move || if projector.get() { i18n.t("退出投屏", "Leave projector mode") } else { i18n.t("投屏模式", "Projector mode") }}
                    </button>
                </div>
            </aside>
        </section>
        <div class="checkin-tools">
            {move || match settings.get() {
                None => view! { <section class="panel"><p class="muted">{move || i18n.t("加载中…", "Loading…")}</p></section> }.into_any(),
                Some(Err(error)) => view! { <ErrorNotice error=error /> }.into_any(),
                Some(Ok(initial)) => view! { <SettingsForm id=id initial=initial saved=settings /> }.into_any(),
            }}
            <ManualEntry id=id ended=ended deadlines=deadlines on_recorded=Callback::new(move |_| poll_now.update(|n| *n += 1)) />
        </div>
        <AnomalyList id=id refresh=Signal::derive(move || checked_in.get().unwrap_or_default() as u32 + poll_now.get()) />
    }
    .into_any()
}

/// The QR code of `kind`, fetched again whenever the server says the next one is due.
#[component]
fn LiveCode(
    id: i64,
    kind: CodeKind,
    checked_in: RwSignal<Option<u64>>,
    checked_out: RwSignal<Option<u32>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(None::<Result<CheckinCode, ApiError>>);
    timer::repeat(move || async move {
        let answer = api::checkin_code(id, kind).await;
        let delay = match &answer {
            Ok(c) => {
                checked_in.set(Some(u64::from(c.checked_in)));
                checked_out.set(Some(c.checked_out));
                Duration::from_millis(c.refresh_in_ms.clamp(200, 15_000))
            }
            // Closed, or the network dropped: look again shortly.
            Err(_) => Duration::from_secs(5),
        };
        code.set(Some(answer));
        delay
    });
    view! {
        {move || match code.get() {
            None => view! { <div class="qr qr-loading" data-testid="checkin-qr-loading"><p class="muted">{move || i18n.t("正在生成二维码…", "Making the code…")}</p></div> }.into_any(),
            Some(Ok(c)) => view! {
                <div class="qr" data-testid="checkin-qr" data-url=c.url.clone() data-token=c.token.clone()
                    data-kind=if c.kind == CodeKind::In { "in" } else { "out" }
                    role="img" aria-label=move || i18n.t("签到二维码", "Check-in QR code")
                    inner_html=c.svg.clone()></div>
                <p class="qr-hint">{move || if kind == CodeKind::In {
                    i18n.t("请用手机相机或微信扫码签到", "Scan with the phone camera or WeChat to check in")
                } else {
                    i18n.t("请用手机扫码签退", "Scan to check out")
                }}</p>
            }.into_any(),
            Some(Err(e)) => view! {
                <div class="qr qr-closed" data-testid="checkin-qr-closed" data-code=e.code.as_str()>
                    <p class="qr-closed-title">{move || match e.code {
                        shared::ErrorCode::CheckinClosed => i18n.t("当前不在签到时间", "Check-in is not open now"),
                        shared::ErrorCode::CheckinModeOff => i18n.t("投屏签到码已关闭", "The projected code is off"),
                        _ => "",
                    }}</p>
                    <p class="muted">{error_text(i18n, &e)}</p>
                </div>
            }.into_any(),
        }}
    }
}

/// The check-in settings, checked as typed with [`CheckinSettings::validate`].
#[component]
fn SettingsForm(
    id: i64,
    initial: CheckinSettings,
    saved: RwSignal<Option<Result<CheckinSettings, ApiError>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let opens = RwSignal::new(format::to_input(initial.opens_at));
    let closes = RwSignal::new(format::to_input(initial.closes_at));
    let checkout = RwSignal::new(initial.checkout_enabled);
    let projected = RwSignal::new(initial.projected_code);
    let personal = RwSignal::new(initial.personal_code);
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let latitude = RwSignal::new(number(initial.latitude));
    let longitude = RwSignal::new(number(initial.longitude));
    let radius = RwSignal::new(initial.radius_m.map(|r| r.to_string()).unwrap_or_default());
    let step = RwSignal::new(initial.step_secs.to_string());
    let grace = RwSignal::new(initial.grace_secs.to_string());
    let server_error = RwSignal::new(None::<ApiError>);
    let ok = RwSignal::new(false);
    let locating = RwSignal::new(false);
    // The settings as typed, or (field, message) of the first problem.
    let parsed = Memo::new(move |_| -> Result<CheckinSettings, (String, String)> {
        let bad = |field: &str, zh: &'static str, en: &'static str| {
            (field.to_owned(), i18n.t(zh, en).to_owned())
        };
        let opens_at = format::from_input(&opens.get())
            .ok_or_else(|| bad("opens_at", "请填写开始时间", "Enter the opening time"))?;
        let closes_at = format::from_input(&closes.get())
            .ok_or_else(|| bad("closes_at", "请填写结束时间", "Enter the closing time"))?;
        let optional = |text: String, field: &str| -> Result<Option<f64>, (String, String)> {
            let text = text.trim().to_owned();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>()
                .map(Some)
                .map_err(|_| bad(field, "请输入数字", "Enter a number"))
        };
        let latitude = optional(latitude.get(), "latitude")?;
        let longitude = optional(longitude.get(), "longitude")?;
        let radius_m = match radius.get().trim() {
            "" => None,
            text => Some(
                text.parse::<u32>()
                    .map_err(|_| bad("radius_m", "请输入整数（米）", "Enter whole metres"))?,
            ),
        };
        let seconds = |text: String, field: &str| -> Result<u32, (String, String)> {
            text.trim()
                .parse::<u32>()
                .map_err(|_| bad(field, "请输入整数（秒）", "Enter whole seconds"))
        };
        let settings = CheckinSettings {
            opens_at,
            closes_at,
            checkout_enabled: checkout.get(),
            latitude,
            longitude,
            radius_m,
            step_secs: seconds(step.get(), "step_secs")?,
            grace_secs: seconds(grace.get(), "grace_secs")?,
            projected_code: projected.get(),
            personal_code: personal.get(),
        };
        settings
            .validate()
            .map_err(|e| (e.field.unwrap_or_default(), rule_message(i18n, &e.message)))?;
        Ok(settings)
    });
    let field_error = move |field: &'static str| {
        move || match parsed.get() {
            Err((f, message)) if f == field => Some(message),
            _ => server_error
                .get()
                .filter(|e| e.field.as_deref() == Some(field))
                .map(|e| rule_message(i18n, &e.message)),
        }
    };
    let save = Action::new_local(move |settings: &CheckinSettings| {
        let settings = settings.clone();
        async move {
            server_error.set(None);
            ok.set(false);
            match api::put_checkin_settings(id, &settings).await {
                Ok(answer) => {
                    ok.set(true);
                    saved.set(Some(Ok(answer)));
                }
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let edited = move || {
        ok.set(false);
        server_error.set(None);
    };
    let locate = move |_| {
        locating.set(true);
        leptos::task::spawn_local(async move {
            if let Some((lat, lng)) = phone::position(Duration::from_secs(10)).await {
                latitude.set(format!("{lat:.6}"));
                longitude.set(format!("{lng:.6}"));
                if radius.get_untracked().trim().is_empty() {
                    radius.set("200".to_owned());
                }
            } else {
                server_error.set(Some(
                    ApiError::new(
                        shared::ErrorCode::ValidationFailed,
                        i18n.t(
                            "无法获取当前位置（浏览器未授权或不支持）",
                            "The browser did not give the position",
                        ),
                    )
                    .with_field("latitude"),
                ));
            }
            locating.set(false);
        });
    };
    let general_error = move || {
        server_error.get().filter(|e| {
            !matches!(
                e.field.as_deref(),
                Some(
                    "opens_at"
                        | "closes_at"
                        | "latitude"
                        | "longitude"
                        | "radius_m"
                        | "step_secs"
                        | "grace_secs"
                        | "personal_code"
                )
            )
        })
    };

    view! {
        <section class="panel" data-testid="checkin-settings">
            <details open=false>
                <summary class="panel-summary"><h2>{move || i18n.t("签到设置", "Check-in settings")}</h2></summary>
                <form class="form-grid" on:submit=move |ev| {
                    ev.prevent_default();
                    if let Ok(settings) = parsed.get_untracked() { save.dispatch(settings); }
                }>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("开始签到", "Opens")}</span>
                        <input type="datetime-local" data-testid="settings-opens" prop:value=opens
                            on:input=move |ev| { opens.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error">{field_error("opens_at")}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("结束签到", "Closes")}</span>
                        <input type="datetime-local" data-testid="settings-closes" prop:value=closes
                            aria-invalid=move || field_error("closes_at")().is_some().to_string()
                            on:input=move |ev| { closes.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error" data-testid="settings-closes-error">{field_error("closes_at")}</span>
                    </label>
                    <fieldset class="form-grid-wide checkin-modes" data-testid="settings-modes">
                        <legend class="field-label">{move || i18n.t("签到方式", "Ways to check in")}</legend>
                        <label class="perm">
                            <input type="checkbox" data-testid="settings-projected" prop:checked=projected
                                on:change=move |ev| { projected.set(event_target_checked(&ev)); edited(); } />
                            <span>{move || i18n.t("投屏签到码：同学们扫描屏幕上的二维码", "Projected code: students scan the code on the screen")}</span>
                        </label>
                        <label class="perm">
                            <input type="checkbox" data-testid="settings-personal" prop:checked=personal
                                on:change=move |ev| { personal.set(event_target_checked(&ev)); edited(); } />
                            <span>{move || i18n.t("个人签到码：组织者用手机扫描同学们的个人码（可离线）", "Personal codes: the organiser's phone scans each student's code (works offline)")}</span>
                        </label>
                        <span class="field-error" data-testid="settings-modes-error">{field_error("personal_code")}</span>
                    </fieldset>
                    <label class="perm form-grid-wide">
                        <input type="checkbox" data-testid="settings-checkout" prop:checked=checkout
                            on:change=move |ev| { checkout.set(event_target_checked(&ev)); edited(); } />
                        <span>{move || i18n.t("需要签退（按时长计的活动）", "Take check-out too (activities that count hours)")}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("二维码刷新间隔（秒）", "Code shown for (s)")}</span>
                        <input inputmode="numeric" data-testid="settings-step" prop:value=step
                            on:input=move |ev| { step.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error" data-testid="settings-step-error">{field_error("step_secs")}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("过期宽限（秒）", "Accepted after (s)")}</span>
                        <input inputmode="numeric" data-testid="settings-grace" prop:value=grace
                            on:input=move |ev| { grace.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error">{field_error("grace_secs")}</span>
                    </label>
                    <p class="muted small form-grid-wide">{move || i18n.t(
                        "每个二维码显示所设秒数，被替换后在宽限内仍可签到（各 5–30 秒）。扫码时间从页面打开算起，登录慢不会过期。",
                        "Each code is shown for its seconds and still accepted for the grace after it is replaced (5–30 s each). A scan counts from when its page opened: a slow sign-in does not expire it.",
                    )}</p>
                    <p class="muted small form-grid-wide">{move || i18n.t(
                        "签到地点（选填）：超出半径的签到会被标记为异常，不会被拒绝。",
                        "Place (optional): check-ins farther than the radius are flagged, not refused.",
                    )}</p>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("纬度", "Latitude")}</span>
                        <input inputmode="decimal" data-testid="settings-latitude" prop:value=latitude
                            on:input=move |ev| { latitude.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error">{field_error("latitude")}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("经度", "Longitude")}</span>
                        <input inputmode="decimal" data-testid="settings-longitude" prop:value=longitude
                            on:input=move |ev| { longitude.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error">{field_error("longitude")}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("半径（米）", "Radius (m)")}</span>
                        <input inputmode="numeric" data-testid="settings-radius" prop:value=radius
                            on:input=move |ev| { radius.set(event_target_value(&ev)); edited(); } />
                        <span class="field-error" data-testid="settings-radius-error">{field_error("radius_m")}</span>
                    </label>
                    <div class="actions form-grid-wide">
                        <button type="button" class="btn" data-testid="settings-locate" disabled=move || locating.get() on:click=locate>
                            {move || if locating.get() { i18n.t("正在定位…", "Locating…") } else { i18n.t("使用当前位置", "Use my position") }}
                        </button>
                        <button type="submit" class="btn btn-primary" data-testid="settings-save" disabled=move || parsed.get().is_err() || save.pending().get()>
                            {move || i18n.t("保存设置", "Save settings")}
                        </button>
                        {move || ok.get().then(|| view! { <span class="good" role="status">{move || i18n.t("已保存", "Saved")}</span> })}
                    </div>
                </form>
                {move || general_error().map(|e| view! { <p class="notice notice-error" role="alert">{error_text(i18n, &e)}</p> })}
            </details>
        </section>
    }
}
