//! 我的签到码 — the student's personal check-in code (`/me/code`), which the organiser's phone
//! scans. The first visit makes a key on this phone (the secret never leaves it) and registers
//! its public half; from then on the code is drawn here, every second, from the key kept in
//! localStorage and the server's clock as last seen: no network is needed to show it. When the
//! server says the key is gone (the student enabled the code on another phone, or signed out),
//! the page says so and offers 在本机启用.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};
use shared::{
    ApiError, ErrorCode,
    auth::Me,
    pass::{self, CheckinKey, Code, RegisterKey},
};

use crate::{
    api,
    components::{error, qr::QrSvg},
    i18n::{Locale, use_i18n},
    phone,
    session::use_session,
    timer,
};

/// What this phone keeps of the student's key, in localStorage under [`storage_key`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredKey {
    account_id: i64,
    key_id: i64,
    /// The secret seed, 64 hex digits.
    seed: String,
    /// The server's clock minus this phone's, in milliseconds, when last seen.
    offset_ms: i64,
    device_changes: u32,
    device_change_limit: u32,
}

impl StoredKey {
    fn seed(&self) -> Option<[u8; 32]> {
        pass::unhex32(&self.seed)
    }

    /// Now by the server's clock, as best this phone knows it.
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms)
    }

    /// The key as the server answered it, with the clock offset of that answer.
    fn from_answer(account_id: i64, seed: String, key: &CheckinKey, asked: DateTime<Utc>) -> Self {
        StoredKey {
            account_id,
            key_id: key.key_id,
            seed,
            offset_ms: offset(key.server_time, asked),
            device_changes: key.device_changes,
            device_change_limit: key.device_change_limit,
        }
    }
}

/// The server's clock minus this phone's, taking the answer to come half-way through the
/// round trip that started at `asked`.
fn offset(server_time: DateTime<Utc>, asked: DateTime<Utc>) -> i64 {
    let local = asked + (Utc::now() - asked) / 2;
    (server_time - local).num_milliseconds()
}

fn storage_key(account_id: i64) -> String {
    format!("checkin_key:{account_id}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load(account_id: i64) -> Option<StoredKey> {
    let text = storage()?.get_item(&storage_key(account_id)).ok()??;
    serde_json::from_str::<StoredKey>(&text)
        .ok()
        .filter(|k| k.account_id == account_id && k.seed().is_some())
}

fn keep(key: &StoredKey) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(key)) {
        let _ = storage.set_item(&storage_key(key.account_id), &text);
    }
}

/// What the server says of this phone's key.
#[derive(Clone, Debug, PartialEq)]
enum Standing {
    /// Not asked yet, or no answer (offline): the kept key is shown.
    Unknown,
    Live,
    /// Another phone's key, or none: this phone's code no longer works.
    Replaced,
    /// Registering this phone's key.
    Registering,
    /// Registering failed (the term's phone changes used up, say).
    Failed(ApiError),
}

/// Makes a key on this phone and registers it; keeps it when the server takes it.
async fn register(account_id: i64) -> Result<StoredKey, ApiError> {
    let mut seed = [0u8; 32];
    if !phone::random_bytes(&mut seed) {
        return Err(ApiError::new(
            ErrorCode::Internal,
            "this browser cannot make a key (no crypto.getRandomValues)",
        ));
    }
    let request = RegisterKey {
        device_id: phone::device_id(),
        public_key: pass::hex(&pass::public_key(&seed)),
    };
    let asked = Utc::now();
    let answer = api::register_checkin_key(&request).await?;
    let key = StoredKey::from_answer(account_id, pass::hex(&seed), &answer, asked);
    keep(&key);
    Ok(key)
}

#[component]
pub fn MyCodePage() -> impl IntoView {
    let session = use_session();
    // The guard lets only students in: `me` is there.
    match session.me_untracked() {
        Some(me) => view! { <MyCode me=me /> }.into_any(),
        None => ().into_any(),
    }
}

#[component]
fn MyCode(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let account_id = me.id;
    let key = RwSignal::new(load(account_id));
    let standing = RwSignal::new(Standing::Unknown);

    let enable = move || {
        standing.set(Standing::Registering);
        leptos::task::spawn_local(async move {
            match register(account_id).await {
                Ok(fresh) => {
                    key.set(Some(fresh));
                    standing.set(Standing::Live);
                }
                Err(e) => standing.set(Standing::Failed(e)),
            }
        });
    };
    match key.get_untracked() {
        None => enable(),
        // Shown at once from what the phone keeps; the server's word follows when it can.
        Some(kept) => leptos::task::spawn_local(async move {
            let asked = Utc::now();
            match api::checkin_key().await {
                Ok(live) if live.key_id == kept.key_id => {
                    let fresh = StoredKey::from_answer(account_id, kept.seed.clone(), &live, asked);
                    keep(&fresh);
                    key.set(Some(fresh));
                    standing.set(Standing::Live);
                }
                Ok(_) => standing.set(Standing::Replaced),
                Err(e) if e.code == ErrorCode::NotFound => standing.set(Standing::Replaced),
                // Offline, or the server is down: the kept key is still good.
                Err(_) => {}
            }
        }),
    }

    // A tick a second, on the second: the code changes every STEP_SECS.
    let now = RwSignal::new(Utc::now());
    timer::repeat(move || async move {
        now.set(Utc::now());
        let into_second = Utc::now().timestamp_subsec_millis();
        Duration::from_millis(u64::from(1000 - into_second.min(999)))
    });
    let shown = Memo::new(move |_| {
        let _ = now.get();
        key.with(|k| {
            let k = k.as_ref()?;
            let at = k.now();
            Some((k.key_id, pass::step_at(at), at))
        })
    });
    // Signed only when the step changes.
    let code = Memo::new(move |_| {
        let (key_id, step, at) = shown.get()?;
        let _ = step;
        key.with_untracked(|k| k.as_ref()?.seed())
            .map(|seed| Code::sign(&seed, key_id, at).text())
    });
    // The card is made once; only the code inside it changes every step.
    let has_code = Memo::new(move |_| code.with(Option::is_some));
    let countdown = move || {
        shown.get().map(|(_, _, at)| {
            let into = at.timestamp().rem_euclid(pass::STEP_SECS);
            pass::STEP_SECS - into
        })
    };
    let name = me.display_name.clone();
    let number = me.username.clone();

    view! {
        <section class="my-code" data-testid="my-code">
            <h1 class="my-code-title">{move || i18n.t("我的签到码", "My check-in code")}</h1>
            {move || match standing.get() {
                Standing::Replaced => view! {
                    <div class="notice notice-warn" role="alert" data-testid="my-code-replaced">
                        <p class="notice-title">{move || i18n.t("本机的签到码已失效", "This phone's code no longer works")}</p>
                        <p class="small">{move || i18n.t(
                            "你在另一部手机上启用了签到码，或已在本机退出登录。在本机启用后，其他手机上的签到码即失效；从另一部手机换回本机计入本学期的换机次数。",
                            "You enabled your code on another phone, or signed out here. Once enabled here, any other phone's code stops working; moving it back from another phone counts as one of this term's phone changes.",
                        )}</p>
                        <button type="button" class="btn btn-primary btn-block" data-testid="my-code-enable" on:click=move |_| enable()>
                            {move || i18n.t("在本机启用", "Use this phone")}
                        </button>
                    </div>
                }.into_any(),
                Standing::Failed(e) => {
                    let limit = e.code == ErrorCode::DeviceChangeLimit;
                    let code = e.code.as_str();
                    view! {
                        <div class="notice notice-error" role="alert" data-testid="my-code-error" data-code=code>
                            <p class="notice-title">{move || if limit {
                                i18n.t("本学期换手机的次数已用完", "This term's phone changes are used up")
                            } else {
                                i18n.t("未能启用签到码", "Could not enable the code")
                            }}</p>
                            <p class="small">{move || if limit {
                                i18n.t(
                                    "签到码仍在你之前的手机上。请用那部手机出示，或请活动组织者按学号为你签到。",
                                    "Your code stays on your earlier phone. Show it there, or ask the organiser to check you in by student number.",
                                ).to_owned()
                            } else {
                                error::message(i18n, &e)
                            }}</p>
                            {(!limit).then(|| view! {
                                <button type="button" class="btn btn-block" data-testid="my-code-retry" on:click=move |_| enable()>
                                    {move || i18n.t("重试", "Retry")}
                                </button>
                            })}
                        </div>
                    }.into_any()
                }
                Standing::Registering => view! {
                    <p class="muted" data-testid="my-code-registering">{move || i18n.t("正在启用签到码…", "Enabling your code…")}</p>
                }.into_any(),
                _ => ().into_any(),
            }}
            {move || {
                let usable = matches!(standing.get(), Standing::Unknown | Standing::Live);
                (usable && has_code.get()).then(|| view! {
                    <div class="my-code-card">
                        <QrSvg text=Signal::derive(move || code.get().unwrap_or_default())
                            label=Signal::derive(move || i18n.t("我的签到码", "My check-in code").to_owned())
                            testid="my-code-qr" />
                        <p class="my-code-name" data-testid="my-code-name">{name.clone()}</p>
                        <p class="my-code-no muted">{number.clone()}</p>
                        <p class="my-code-countdown small muted" data-testid="my-code-countdown">
                            {move || countdown().map(|s| match i18n.locale() {
                                Locale::Zh => format!("{s} 秒后刷新"),
                                Locale::En => format!("Refreshes in {s} s"),
                            })}
                        </p>
                    </div>
                })
            }}
            {move || matches!(standing.get(), Standing::Unknown | Standing::Live).then(|| view! {
                <p class="my-code-offline good small">{move || i18n.t("✓ 无需网络：断网时也能出示", "✓ Works offline: no network needed")}</p>
                <p class="muted small my-code-hint">{move || i18n.t(
                    "请调高屏幕亮度，让组织者用手机扫描。签到码每 5 秒更换一次，截图无效；它只在本机有效。",
                    "Turn the brightness up and let the organiser's phone scan it. The code changes every 5 seconds, so a screenshot will not work; it works on this phone only.",
                )}</p>
            })}
            // As the server last said it: shown while this phone's key is the live one.
            {move || key.get().filter(|_| matches!(standing.get(), Standing::Unknown | Standing::Live)).map(|k| view! {
                <p class="muted small" data-testid="my-code-changes">{move || match i18n.locale() {
                    Locale::Zh => format!("本学期已换手机 {} / {} 次", k.device_changes, k.device_change_limit),
                    Locale::En => format!("Phone changes this term: {} of {}", k.device_changes, k.device_change_limit),
                }}</p>
            })}
            <A href="/" attr:class="btn btn-block">{move || i18n.t("返回首页", "Back to home")}</A>
        </section>
    }
}
