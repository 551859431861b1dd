//! 扫码签到 — where a phone's camera lands after scanning the organiser's code
//! (`/checkin?t=<token>`). The page first asks for a receipt of the code (no sign-in needed),
//! noting the moment it opened, and keeps it in the tab's session storage; signed-out students
//! sign in and come back here; then the check-in is sent at once, with the receipt, without a
//! tap, and the page answers in one line: 签到成功 · 14:02, or why not. The code's age is
//! counted at the receipt, so a slow sign-in does not expire it. Signed out, the page first
//! records the scan on the server (a pending scan for this browser, redeemed once with the
//! check-in) and the sign-in page says which activity the student signs in for.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};
use shared::{
    ApiError, ErrorCode,
    attendance::{CheckinRequest, CheckinResult, CodeKind, ReceiptRequest},
};

use crate::{
    api,
    components::{
        error,
        guard::{Access, Guard},
        pending_scan::{PENDING_KEY, keep_pending, kept_pending},
    },
    format,
    i18n::{I18n, use_i18n},
    phone,
    session::use_session,
};

/// How long the position may hold the check-in up.
const POSITION_WAIT: Duration = Duration::from_secs(2);
/// How long the check-in waits for the receipt (asked for when the page opened).
const RECEIPT_WAIT: Duration = Duration::from_secs(5);
/// Where the receipt waits out a sign-in: `<token>\n<receipt>` in the tab's session storage.
const RECEIPT_KEY: &str = "checkin_receipt";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The receipt kept for `token`, if this tab got one.
fn kept_receipt(token: &str) -> Option<String> {
    let kept = session_storage()?.get_item(RECEIPT_KEY).ok()??;
    let (for_token, receipt) = kept.split_once('\n')?;
    (for_token == token).then(|| receipt.to_owned())
}

fn keep_receipt(token: &str, receipt: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(RECEIPT_KEY, &format!("{token}\n{receipt}"));
    }
}

/// The receipt of `token`: the one kept, else asked for now. `None` inside means there is
/// none (the server refused it, or could not be reached): the check-in goes without.
fn receipt_of(token: &str) -> RwSignal<Option<Option<String>>> {
    if let Some(kept) = kept_receipt(token) {
        return RwSignal::new(Some(Some(kept)));
    }
    let receipt = RwSignal::new(None);
    let request = ReceiptRequest {
        token: token.to_owned(),
        device_id: Some(phone::device_id()),
    };
    leptos::task::spawn_local(async move {
        let got = api::checkin_receipt(&request).await.ok().map(|r| r.receipt);
        if let Some(got) = &got {
            keep_receipt(&request.token, got);
        }
        receipt.set(Some(got));
    });
    receipt
}

#[component]
pub fn CheckinPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = use_query_map()
        .with_untracked(|query| query.get("t"))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    match token {
        Some(token) => {
            let receipt = receipt_of(&token);
            // Signed out: record the scan before going to sign in, so the code counts as
            // scanned now however long the sign-in takes.
            let signed_out = use_session().with_me(|me| me.is_none());
            let recorded = RwSignal::new(!signed_out || kept_pending(&token).is_some());
            if !recorded.get_untracked() {
                let request = ReceiptRequest {
                    token: token.clone(),
                    device_id: Some(phone::device_id()),
                };
                leptos::task::spawn_local(async move {
                    if let Ok(scan) = api::checkin_pending(&request).await {
                        keep_pending(&request.token, &scan);
                    }
                    recorded.set(true);
                });
            }
            let token = StoredValue::new(token);
            view! {
                <Show when=move || recorded.get() fallback=move || view! {
                    <section class="scan" data-testid="checkin-recording" aria-busy="true">
                        <p class="scan-icon scan-spin" aria-hidden="true">"◌"</p>
                        <p class="scan-line">{move || i18n.t("正在记录扫码…", "Recording your scan…")}</p>
                    </section>
                }>
                    <Guard access=Access::SignedIn>
                        <Scan token=token.get_value() receipt=receipt />
                    </Guard>
                </Show>
            }
            .into_any()
        }
        None => view! {
            <section class="scan" data-testid="checkin-hint">
                <p class="scan-icon" aria-hidden="true">"▣"</p>
                <p class="scan-line">{move || i18n.t("请用手机相机或微信扫描屏幕上的签到二维码", "Scan the check-in code on the screen with your phone camera or WeChat")}</p>
                <p class="muted">{move || i18n.t("组织者用手机扫码？请出示你的个人签到码。", "Is the organiser scanning with a phone? Show your personal code.")}</p>
                <A href="/me/code" attr:class="btn btn-primary btn-block" attr:data-testid="checkin-my-code">{move || i18n.t("我的签到码", "My check-in code")}</A>
                <A href="/" attr:class="btn btn-block">{move || i18n.t("返回首页", "Back to home")}</A>
            </section>
        }
        .into_any(),
    }
}

/// Sends the check-in once, as soon as it is shown.
#[component]
fn Scan(token: String, receipt: RwSignal<Option<Option<String>>>) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = RwSignal::new(None::<Result<CheckinResult, ApiError>>);
    // The token says whether it checks in or out (`<activity>.<i|o>.<from>.<until>.<tag>`).
    let kind = if token.split('.').nth(1) == Some("o") {
        CodeKind::Out
    } else {
        CodeKind::In
    };
    leptos::task::spawn_local(async move {
        let position = phone::position(POSITION_WAIT).await;
        let mut waited = Duration::ZERO;
        while receipt.get_untracked().is_none() && waited < RECEIPT_WAIT {
            phone::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        let pending = kept_pending(&token).map(|(pending, _)| pending);
        if pending.is_some() {
            // Redeemed once, whatever the answer: never sent twice.
            if let Some(storage) = session_storage() {
                let _ = storage.remove_item(PENDING_KEY);
            }
        }
        let request = CheckinRequest {
            token,
            device_id: Some(phone::device_id()),
            receipt: receipt.get_untracked().flatten(),
            pending,
            latitude: position.map(|p| p.0),
            longitude: position.map(|p| p.1),
        };
        outcome.set(Some(api::check_in(&request).await));
    });
    view! {
        {move || match outcome.get() {
            None => view! {
                <section class="scan" data-testid="checkin-pending" aria-busy="true">
                    <p class="scan-icon scan-spin" aria-hidden="true">"◌"</p>
                    <p class="scan-line">{move || if kind == CodeKind::In { i18n.t("正在签到…", "Checking in…") } else { i18n.t("正在签退…", "Checking out…") }}</p>
                </section>
            }.into_any(),
            Some(Ok(result)) => {
                let at = format::time(result.at);
                let out = result.kind == CodeKind::Out;
                view! {
                    <section class="scan scan-ok" data-testid="checkin-outcome" data-outcome="ok">
                        <p class="scan-icon" aria-hidden="true">"✓"</p>
                        <p class="scan-line" role="status" data-testid="checkin-result">
                            {move || if out { i18n.t("签退成功", "Checked out") } else { i18n.t("签到成功", "Checked in") }}
                            " · " {at.clone()}
                        </p>
                        <p class="muted scan-title" data-testid="checkin-activity">{result.activity_title.clone()}</p>
                        {(!result.registered).then(|| view! {
                            <p class="muted small">{move || i18n.t("你未报名此活动：签到已记录，组织者会核对。", "You had no place in this activity: the check-in is recorded and the organiser will see it.")}</p>
                        })}
                        <A href="/" attr:class="btn btn-block" attr:data-testid="checkin-home">{move || i18n.t("返回首页", "Back to home")}</A>
                    </section>
                }.into_any()
            }
            // Checked in already is where the student wants to be: a success, said as such.
            Some(Err(e)) if e.code == ErrorCode::AlreadyCheckedIn => view! {
                <section class="scan scan-ok" data-testid="checkin-outcome" data-outcome="already" data-code=e.code.as_str()>
                    <p class="scan-icon" aria-hidden="true">"✓"</p>
                    <p class="scan-line" role="status" data-testid="checkin-result">{reason(i18n, &e, kind)}</p>
                    <A href="/" attr:class="btn btn-block" attr:data-testid="checkin-home">{move || i18n.t("返回首页", "Back to home")}</A>
                </section>
            }.into_any(),
            Some(Err(e)) => view! {
                <section class="scan scan-bad" data-testid="checkin-outcome" data-outcome="error" data-code=e.code.as_str()>
                    <p class="scan-icon" aria-hidden="true">"✕"</p>
                    <p class="scan-line" role="alert" data-testid="checkin-result">{reason(i18n, &e, kind)}</p>
                    <A href="/" attr:class="btn btn-block" attr:data-testid="checkin-home">{move || i18n.t("返回首页", "Back to home")}</A>
                </section>
            }.into_any(),
        }}
    }
}

/// Why a scan was refused, in one line.
fn reason(i18n: I18n, error: &ApiError, kind: CodeKind) -> String {
    let text = match error.code {
        ErrorCode::CheckinCodeExpired => i18n.t(
            "二维码已过期，请重新扫描屏幕上的二维码",
            "The code has expired: scan the code on the screen again",
        ),
        ErrorCode::AlreadyCheckedIn if kind == CodeKind::Out => {
            i18n.t("你已签退", "You are already checked out")
        }
        ErrorCode::AlreadyCheckedIn => i18n.t("你已签到", "You are already checked in"),
        ErrorCode::DeviceAlreadyUsed => i18n.t(
            "此手机已为其他同学签到",
            "This phone already checked in another student",
        ),
        ErrorCode::CheckinClosed if error.message.starts_with("check in first") => {
            i18n.t("请先签到，再签退", "Check in first, then check out")
        }
        ErrorCode::CheckinClosed => i18n.t("当前不在签到时间", "Check-in is not open now"),
        ErrorCode::CheckinCodeInvalid => i18n.t("无效的签到码", "Not a valid check-in code"),
        ErrorCode::DeviceRequired => i18n.t(
            "请用手机浏览器打开扫码页面签到",
            "Open the scan page in your phone's browser to check in",
        ),
        ErrorCode::Forbidden => i18n.t(
            "只有学生账号可以扫码签到",
            "Only student accounts check in by scanning",
        ),
        ErrorCode::NotFound => i18n.t("活动不存在", "No such activity"),
        _ => return error::message(i18n, error),
    };
    text.to_owned()
}
