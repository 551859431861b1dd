//! 扫码签到 — the organiser's phone scans each student's personal code (`/activities/:id/scan`).
//! The roster comes first and is kept on the phone ("已可离线扫码"), so the hall may have no
//! network at all: each code is checked here with [`shared::pass::judge`] (the server's own
//! rules), answered at once with a beep, a buzz and the student's name, and queued; the queue
//! goes to the server whenever the phone is online, and each scan then shows the server's
//! verdict. A student without a phone is entered by number.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::{
    ApiError,
    pass::{Code, ScanOutcome, judge},
};

use crate::{
    components::{
        attendance::{activity_id, error_text},
        camera::{QrCamera, signal, unlock_sound},
        offline_queue::{self, StoredPack, StoredScan},
    },
    format,
    i18n::use_i18n,
    labels, phone, timer,
};

/// The same student (or code) seen again within this is the same scan.
const SAME_SCAN: Duration = Duration::from_secs(4);
/// How often the queue is sent while there is something to send.
const SYNC_EVERY: Duration = Duration::from_secs(15);
/// Scans listed under the verdict.
const RECENT: usize = 30;

fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
pub fn ScannerPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(id) = activity_id() else {
        return view! { <crate::components::not_found::NotFound /> }.into_any();
    };
    let pack = RwSignal::new(None::<StoredPack>);
    // Loading from the phone, then from the server.
    let loading = RwSignal::new(true);
    let pack_error = RwSignal::new(None::<ApiError>);
    let scans = RwSignal::new(Vec::<StoredScan>::new());
    let last = RwSignal::new(None::<StoredScan>);
    let sync_error = RwSignal::new(None::<ApiError>);
    let syncing = RwSignal::new(false);
    let checked_in = RwSignal::new(None::<u32>);
    let device = phone::device_id();

    // What the phone has, at once; then a fresh roster when the network allows.
    let download = move || {
        leptos::task::spawn_local(async move {
            if online() {
                match offline_queue::download_pack(id).await {
                    Ok(fresh) => {
                        pack.set(Some(fresh));
                        pack_error.set(None);
                    }
                    Err(e) => pack_error.set(Some(e)),
                }
            }
            loading.set(false);
        });
    };
    leptos::task::spawn_local(async move {
        match offline_queue::load_pack(id).await {
            Ok(kept) => pack.set(kept),
            Err(e) => pack_error.set(Some(e)),
        }
        if let Ok(queued) = offline_queue::scans(id).await {
            scans.set(queued);
        }
        download();
    });

    let sync = {
        let device = device.clone();
        move || {
            let device = device.clone();
            async move {
                if !online() || scans.with_untracked(|s| s.iter().all(StoredScan::synced)) {
                    return;
                }
                syncing.set(true);
                match offline_queue::sync(id, &device).await {
                    Ok(done) => {
                        sync_error.set(None);
                        if let Some(n) = done.checked_in {
                            checked_in.set(Some(n));
                        }
                        if let Ok(queued) = offline_queue::scans(id).await {
                            // The verdict on screen follows the server's.
                            last.update(|last| {
                                if let Some(shown) = last
                                    && let Some(now) =
                                        queued.iter().find(|s| s.scan.id == shown.scan.id)
                                {
                                    *shown = now.clone();
                                }
                            });
                            scans.set(queued);
                        }
                    }
                    Err(e) => sync_error.set(Some(e)),
                }
                syncing.set(false);
            }
        }
    };
    let sync_soon = {
        let sync = sync.clone();
        move || leptos::task::spawn_local(sync())
    };
    timer::repeat({
        let sync = sync.clone();
        move || {
            let sync = sync.clone();
            async move {
                sync().await;
                SYNC_EVERY
            }
        }
    });
    let online_now = RwSignal::new(online());
    let _ = window_event_listener_untyped("online", {
        let sync_soon = sync_soon.clone();
        move |_| {
            online_now.set(true);
            sync_soon();
            download();
        }
    });
    let _ = window_event_listener_untyped("offline", move |_| online_now.set(false));
    let _ = window_event_listener(leptos::ev::pointerdown, move |_| unlock_sound());

    // The last moment each student (or code) was seen, to skip the frames that follow.
    let seen = StoredValue::new(HashMap::<String, f64>::new());
    let record = {
        let sync_soon = sync_soon.clone();
        move |code: Option<String>, student_no: Option<String>| {
            // Judged against the roster where it lies (no copy of it per scan).
            let judged = pack.with_untracked(|stored| {
                let stored = stored.as_ref()?;
                let scan = StoredScan::new(id, code, student_no, stored.now());
                let students = &stored.pack.students;
                let (verdict, student) = scans.with_untracked(|queued| {
                    judge(&stored.pack, &scan.scan, |student| {
                        queued
                            .iter()
                            .any(|s| s.student_id == Some(student) && s.outcome().is_in())
                            || students
                                .iter()
                                .any(|s| s.student_id == student && s.checked_in_at.is_some())
                    })
                });
                // Named even when refused for the activity's sake (personal codes off).
                let student = student.or_else(|| {
                    let key_id = Code::parse(scan.scan.code.as_deref()?)?.key_id;
                    students
                        .iter()
                        .find(|s| s.keys.iter().any(|k| k.key_id == key_id))
                });
                Some((scan.judged(verdict, student), verdict))
            });
            let Some((scan, verdict)) = judged else {
                return;
            };
            signal(verdict == ScanOutcome::Accepted);
            last.set(Some(scan.clone()));
            // A second scan of a student already in tells the server nothing.
            if verdict == ScanOutcome::Duplicate {
                return;
            }
            scans.update(|queued| queued.push(scan.clone()));
            let sync_soon = sync_soon.clone();
            leptos::task::spawn_local(async move {
                match offline_queue::save(std::slice::from_ref(&scan)).await {
                    Ok(()) => sync_soon(),
                    Err(e) => sync_error.set(Some(e)),
                }
            });
        }
    };
    let on_code = {
        let record = record.clone();
        Callback::new(move |text: String| {
            let Some(code) = Code::parse(&text) else {
                return;
            };
            // One student, however many frames (and codes, every 5 s) show them.
            let who = pack
                .with_untracked(|p| {
                    p.as_ref().and_then(|p| {
                        p.pack
                            .students
                            .iter()
                            .find(|s| s.keys.iter().any(|k| k.key_id == code.key_id))
                            .map(|s| format!("s{}", s.student_id))
                    })
                })
                .unwrap_or_else(|| format!("k{}", code.key_id));
            let now = now_ms();
            let again = seen.with_value(|seen| {
                seen.get(&who)
                    .is_some_and(|at| now - at < SAME_SCAN.as_millis() as f64)
            });
            seen.update_value(|seen| {
                seen.insert(who, now);
            });
            if again {
                return;
            }
            record(Some(text.trim().to_owned()), None);
        })
    };
    let manual_no = RwSignal::new(String::new());
    let submit_manual = {
        let record = record.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let no = manual_no.get_untracked().trim().to_owned();
            if no.is_empty() {
                return;
            }
            record(None, Some(no));
            manual_no.set(String::new());
        }
    };

    let waiting = move || scans.with(|s| s.iter().filter(|s| !s.synced()).count());
    let accepted = move || {
        scans.with(|s| {
            let mut students: Vec<i64> = s
                .iter()
                .filter(|s| s.outcome() == ScanOutcome::Accepted)
                .filter_map(|s| s.student_id)
                .collect();
            students.sort_unstable();
            students.dedup();
            students.len()
        })
    };
    let recent = move || {
        scans.with(|s| {
            s.iter()
                .rev()
                .take(RECENT)
                .cloned()
                .collect::<Vec<StoredScan>>()
        })
    };
    let title = move || pack.with(|p| p.as_ref().map(|p| p.pack.title.clone()).unwrap_or_default());

    view! {
        <section class="scanner" data-testid="scanner">
            <header class="scanner-head">
                <h1>{move || i18n.t("扫码签到", "Scan codes")}</h1>
                <p class="muted scanner-title" data-testid="scanner-title">{title}</p>
            </header>
            <Readiness pack=pack loading=loading error=pack_error online=online_now />
            {move || pack.with(Option::is_some).then(|| view! {
                <div class="scanner-grid">
                    <div class="scanner-main">
                        <QrCamera on_code=on_code />
                        <Verdict last=last />
                    </div>
                    <aside class="scanner-side">
                        <div class="stage-counts">
                            <div class="stage-count">
                                <strong data-testid="scan-accepted">{accepted}</strong>
                                <span>{move || i18n.t("本机已签到", "checked in here")}</span>
                            </div>
                            <div class="stage-count">
                                <strong data-testid="scan-pending" data-count=move || waiting().to_string()>{waiting}</strong>
                                <span>{move || i18n.t("条待同步", "waiting to sync")}</span>
                            </div>
                        </div>
                        <p class="small scanner-sync" data-testid="scan-sync-state">
                            {move || if syncing.get() {
                                i18n.t("正在同步…", "Syncing…").to_owned()
                            } else if !online_now.get() {
                                i18n.t("离线：扫码照常进行，联网后自动同步", "Offline: keep scanning; the queue syncs when the network is back").to_owned()
                            } else if waiting() == 0 {
                                match checked_in.get() {
                                    Some(n) => match i18n.locale() {
                                        crate::i18n::Locale::Zh => format!("已全部同步 · 本活动共 {n} 人签到"),
                                        crate::i18n::Locale::En => format!("All synced · {n} checked in to this activity"),
                                    },
                                    None => i18n.t("已全部同步", "All synced").to_owned(),
                                }
                            } else {
                                i18n.t("等待同步", "Waiting to sync").to_owned()
                            }}
                        </p>
                        {move || sync_error.get().map(|e| view! { <p class="notice notice-error small" role="alert">{error_text(i18n, &e)}</p> })}
                        <form class="inline-form scanner-manual" on:submit=submit_manual.clone()>
                            <label class="field">
                                <span class="field-label">{move || i18n.t("没带手机？输入学号签到", "No phone? Enter the student number")}</span>
                                <input inputmode="text" autocomplete="off" data-testid="scan-manual-no" prop:value=manual_no
                                    on:input=move |ev| manual_no.set(event_target_value(&ev)) />
                            </label>
                            <button type="submit" class="btn" data-testid="scan-manual-submit" disabled=move || manual_no.read().trim().is_empty()>
                                {move || i18n.t("签到", "Check in")}
                            </button>
                        </form>
                        <h2 class="stage-side-title">{move || i18n.t("最近扫码", "Recent scans")}</h2>
                        <ol class="scan-list" data-testid="scan-list">
                            <For each=recent key=|s| (s.scan.id, s.server) let:scan>
                                <ScanRow scan=scan />
                            </For>
                        </ol>
                        {move || scans.with(Vec::is_empty).then(|| view! {
                            <p class="muted small">{move || i18n.t("还没有扫码。请同学们打开「我的签到码」，对准相机。", "No scans yet. Students open “My check-in code” and hold it to the camera.")}</p>
                        })}
                    </aside>
                </div>
            })}
        </section>
    }
    .into_any()
}

/// Whether the phone can scan offline: the roster kept, its size and age; or why not yet.
#[component]
fn Readiness(
    pack: RwSignal<Option<StoredPack>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    online: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let stored = pack.get();
        let failed = error.get();
        match stored {
            Some(stored) => {
                let size = stored.pack.students.len();
                let at = stored.downloaded_at;
                let off = !stored.pack.personal_code;
                view! {
                    <div class="notice notice-ok scanner-ready" role="status" data-testid="scanner-ready" data-students=size.to_string()>
                        <p class="notice-title">{move || i18n.t("已可离线扫码", "Ready to scan offline")}</p>
                        <p class="small">{move || match i18n.locale() {
                            crate::i18n::Locale::Zh => format!("名单 {size} 人 · 下载于 {}", format::datetime(i18n.locale(), at)),
                            crate::i18n::Locale::En => format!("Roster of {size} · downloaded {}", format::datetime(i18n.locale(), at)),
                        }}
                        {move || (loading.get() && online.get()).then(|| i18n.t(" · 正在更新…", " · updating…"))}</p>
                        {off.then(|| view! { <p class="bad small">{move || i18n.t("本活动未开启个人签到码：请在签到设置中开启。", "This activity takes no personal codes: turn them on in the check-in settings.")}</p> })}
                        {failed.map(|e| view! { <p class="muted small">{move || i18n.t("名单未能更新，使用本机保存的名单：", "Could not refresh the roster; using the one kept here: ")}{error_text(i18n, &e)}</p> })}
                    </div>
                }.into_any()
            }
            None if loading.get() => view! {
                <p class="muted" data-testid="scanner-loading">{move || i18n.t("正在下载名单…", "Downloading the roster…")}</p>
            }.into_any(),
            None => view! {
                <div class="notice notice-error" role="alert" data-testid="scanner-unready">
                    <p class="notice-title">{move || i18n.t("尚未下载名单，暂不能扫码", "No roster on this phone yet: cannot scan")}</p>
                    <p class="small">{move || match &failed {
                        Some(e) => error_text(i18n, e),
                        None => i18n.t("请联网后打开本页，名单会保存在本机供离线使用。", "Open this page online once; the roster stays on the phone for offline use.").to_owned(),
                    }}</p>
                </div>
            }.into_any(),
        }
    }
}

/// The last scan, big: the verdict, the student's name, number, college and class.
#[component]
fn Verdict(last: RwSignal<Option<StoredScan>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        match last.get() {
        None => view! {
            <div class="scan-verdict scan-verdict-idle" data-testid="verdict">
                <p class="scan-verdict-line">{move || i18n.t("对准同学的个人签到码", "Point the camera at a student's code")}</p>
            </div>
        }
        .into_any(),
        Some(scan) => {
            let outcome = scan.outcome();
            let tone = tone(outcome);
            view! {
                <div class=format!("scan-verdict scan-verdict-{tone}") role="status" aria-live="assertive" data-testid="verdict" data-outcome=outcome.as_str()>
                    <p class="scan-verdict-line">{move || labels::scan_outcome(i18n, outcome)}</p>
                    <p class="scan-verdict-name" data-testid="verdict-name">{scan.student_name.clone().unwrap_or_else(|| "—".to_owned())}</p>
                    <p class="scan-verdict-detail">
                        {scan.student_no.clone()}
                        {scan.detail.clone().map(|d| view! { " · " {d} })}
                    </p>
                </div>
            }
            .into_any()
        }
    }
    }
}

fn tone(outcome: ScanOutcome) -> &'static str {
    match outcome {
        ScanOutcome::Accepted => "good",
        ScanOutcome::Duplicate => "warn",
        _ => "bad",
    }
}

/// One queued scan: who, when, the scanner's verdict, and the server's once synced.
#[component]
fn ScanRow(scan: StoredScan) -> impl IntoView {
    let i18n = use_i18n();
    let at: DateTime<Utc> = scan.scan.scanned_at;
    let local = scan.local;
    let server = scan.server;
    view! {
        <li class="scan-row" data-testid="scan-row" data-local=local.as_str() data-server=server.map(ScanOutcome::as_str).unwrap_or("")>
            <span class="scan-row-name">{scan.student_name.clone().unwrap_or_else(|| "—".to_owned())}</span>
            <span class="muted small">{scan.student_no.clone()}</span>
            <span class="scan-row-time small">{format::time(at)}</span>
            {match server {
                Some(outcome) => view! {
                    <span class=format!("badge scan-badge-{}", tone(outcome)) data-testid="scan-row-result">
                        {move || labels::scan_outcome(i18n, outcome)}
                    </span>
                }.into_any(),
                None => view! {
                    <span class=format!("badge scan-badge-{} scan-badge-pending", tone(local))>
                        {move || labels::scan_outcome(i18n, local)}{move || i18n.t(" · 待同步", " · to sync")}
                    </span>
                }.into_any(),
            }}
        </li>
    }
}
