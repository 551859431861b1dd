//! 扫码签到 — where a phone's camera lands after scanning the organiser's code
//! (`/checkin?t=<token>`). Signed-out students sign in and come back here; then the check-in
//! is sent at once, without a tap, and the page answers in one line: 签到成功 · 14:02, or why
//! not.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};
use shared::{
    ApiError, ErrorCode,
    attendance::{CheckinRequest, CheckinResult, CodeKind},
};

use crate::{
    api,
    components::{
        error,
        guard::{Access, Guard},
    },
    format,
    i18n::{I18n, use_i18n},
    phone,
};

/// How long the position may hold the check-in up.
const POSITION_WAIT: Duration = Duration::from_secs(2);

#[component]
pub fn CheckinPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = use_query_map()
        .with_untracked(|query| query.get("t"))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    match token {
        Some(token) => view! {
            <Guard access=Access::SignedIn>
                <Scan token=token.clone() />
            </Guard>
        }
        .into_any(),
        None => view! {
            <section class="scan" data-testid="checkin-hint">
                <p class="scan-icon" aria-hidden="true">"▣"</p>
                <p class="scan-line">{move || i18n.t("请用手机相机或微信扫描屏幕上的签到二维码", "Scan the check-in code on the screen with your phone camera or WeChat")}</p>
                <A href="/" attr:class="btn btn-block">{move || i18n.t("返回首页", "Back to home")}</A>
            </section>
        }
        .into_any(),
    }
}

/// Sends the check-in once, as soon as it is shown.
#[component]
fn Scan(token: String) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = RwSignal::new(None::<Result<CheckinResult, ApiError>>);
    // The token says whether it checks in or out (`<activity>.<i|o>.<step>.<signature>`).
    let kind = if token.split('.').nth(1) == Some("o") {
        CodeKind::Out
    } else {
        CodeKind::In
    };
    leptos::task::spawn_local(async move {
        let position = phone::position(POSITION_WAIT).await;
        let request = CheckinRequest {
            token,
            device_id: phone::device_id(),
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
        ErrorCode::Forbidden => i18n.t(
            "只有学生账号可以扫码签到",
            "Only student accounts check in by scanning",
        ),
        ErrorCode::NotFound => i18n.t("活动不存在", "No such activity"),
        _ => return error::message(i18n, error),
    };
    text.to_owned()
}
