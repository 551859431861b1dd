//! 签到防作弊规则 — the school's check-in policy: the sliding window in which bursts of check-ins
//! are counted, the thresholds per network address and per phone, and the campus networks whose
//! shared (NAT) addresses are not flagged. Every organiser with attendance rights reads it (it
//! decides what their anomalies show); the school admin changes it.

use leptos::prelude::*;
use shared::{ApiError, checkin::CheckinPolicy};

use crate::{
    api,
    components::{
        attendance::rule_message,
        error::{ErrorNotice, message},
        points_nav::is_school_admin,
    },
    i18n::use_i18n,
    session::use_session,
};

#[component]
pub fn CheckinPolicyPage() -> impl IntoView {
    let i18n = use_i18n();
    let policy = LocalResource::new(api::checkin_policy);
    view! {
        <h1>{move || i18n.t("签到防作弊规则", "Check-in anti-abuse rules")}</h1>
        <p class="muted">{move || i18n.t(
            "每次扫码都须来自学生本人手机上的签到页（手机标识只以摘要保存）；二维码按活动设置的间隔刷新，过期、伪造、非学生账号和一机多签的扫码都被拒绝并记录。以下阈值决定签到异常中的“集中签到”：在任意滑动时间窗内，同一网络地址或同一手机的次数达到阈值即标记。校园网出口（NAT）地址可设为可信网段，不按地址标记。",
            "Every scan must come from the scan page on the student's own phone (phones are kept only as a hash); codes rotate at each activity's interval, and expired, forged, non-student and shared-phone scans are refused and recorded. These thresholds decide the bursts among the anomalies: as many check-ins from one network address, or scans from one phone, within any sliding window. Campus NAT addresses can be declared trusted networks, which are not flagged by address.",
        )}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || policy.get().map(|result| match result {
                Ok(current) => view! { <PolicyForm initial=current /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| policy.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn PolicyForm(initial: CheckinPolicy) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let editable = move || session.with_me(|me| me.is_some_and(is_school_admin));
    let window = RwSignal::new(initial.window_secs.to_string());
    let per_address = RwSignal::new(initial.per_address.to_string());
    let per_device = RwSignal::new(initial.per_device.to_string());
    let networks = RwSignal::new(initial.trusted_networks.join("\n"));
    let device_changes = RwSignal::new(initial.device_changes_per_term.to_string());
    let no_show_threshold = RwSignal::new(initial.no_shows.threshold.to_string());
    let no_show_days = RwSignal::new(initial.no_shows.block_days.to_string());
    let lottery_last = RwSignal::new(initial.no_shows.lottery_last);
    let server_error = RwSignal::new(None::<ApiError>);
    let ok = RwSignal::new(false);
    // The policy as typed, or (field, message) of the first problem.
    let parsed = Memo::new(move |_| -> Result<CheckinPolicy, (String, String)> {
        let number = |text: String, field: &str| {
            text.trim().parse::<u32>().map_err(|_| {
                (
                    field.to_owned(),
                    i18n.t("请输入整数", "Enter a whole number").to_owned(),
                )
            })
        };
        let policy = CheckinPolicy {
            window_secs: number(window.get(), "window_secs")?,
            per_address: number(per_address.get(), "per_address")?,
            per_device: number(per_device.get(), "per_device")?,
            trusted_networks: networks
                .get()
                .split(['\n', ',', ' '])
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect(),
            device_changes_per_term: number(device_changes.get(), "device_changes_per_term")?,
            no_shows: shared::integrity::NoShowPolicy {
                threshold: number(no_show_threshold.get(), "no_shows.threshold")?,
                block_days: number(no_show_days.get(), "no_shows.block_days")?,
                lottery_last: lottery_last.get(),
            },
        };
        policy
            .validate()
            .map_err(|e| (e.field.unwrap_or_default(), rule_message(i18n, &e.message)))?;
        Ok(policy)
    });
    let field_error = move |field: &'static str| {
        move || match parsed.get() {
            Err((f, message))
                if f == field || (field == "trusted_networks" && f.starts_with(field)) =>
            {
                Some(message)
            }
            _ => server_error
                .get()
                .filter(|e| e.field.as_deref().is_some_and(|f| f.starts_with(field)))
                .map(|e| rule_message(i18n, &e.message)),
        }
    };
    let save = Action::new_local(move |policy: &CheckinPolicy| {
        let policy = policy.clone();
        async move {
            server_error.set(None);
            ok.set(false);
            match api::put_checkin_policy(&policy).await {
                Ok(saved) => {
                    networks.set(saved.trusted_networks.join("\n"));
                    ok.set(true);
                }
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let edited = move || {
        ok.set(false);
        server_error.set(None);
    };
    let general_error = move || {
        server_error
            .get()
            .filter(|e| e.field.is_none())
            .map(|e| message(i18n, &e))
    };
    view! {
        <section class="panel" data-testid="checkin-policy">
            <form class="form-grid" on:submit=move |ev| {
                ev.prevent_default();
                if let Ok(policy) = parsed.get_untracked() { save.dispatch(policy); }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("滑动时间窗（秒）", "Sliding window (s)")}</span>
                    <input inputmode="numeric" data-testid="policy-window" prop:value=window disabled=move || !editable()
                        on:input=move |ev| { window.set(event_target_value(&ev)); edited(); } />
                    <span class="field-error">{field_error("window_secs")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("同一网络地址签到数", "Check-ins per network address")}</span>
                    <input inputmode="numeric" data-testid="policy-address" prop:value=per_address disabled=move || !editable()
                        on:input=move |ev| { per_address.set(event_target_value(&ev)); edited(); } />
                    <span class="field-error">{field_error("per_address")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("同一手机扫码次数", "Scans per phone")}</span>
                    <input inputmode="numeric" data-testid="policy-device" prop:value=per_device disabled=move || !editable()
                        on:input=move |ev| { per_device.set(event_target_value(&ev)); edited(); } />
                    <span class="field-error">{field_error("per_device")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("每学期更换签到手机次数", "Phone changes per term")}</span>
                    <input inputmode="numeric" data-testid="policy-device-changes" prop:value=device_changes disabled=move || !editable()
                        on:input=move |ev| { device_changes.set(event_target_value(&ev)); edited(); } />
                    <span class="field-hint">{move || i18n.t(
                        "学生的个人签到码绑定一部手机；在另一部手机上启用即更换一次（1–20，超出后被拒绝，每次更换都列入签到异常）。",
                        "A student's personal code lives on one phone; enabling it on another counts as a change (1–20; beyond that it is refused, and each change is listed among the anomalies).",
                    )}</span>
                    <span class="field-error" data-testid="policy-device-changes-error">{field_error("device_changes_per_term")}</span>
                </label>
                <h2 class="form-grid-wide">{move || i18n.t("缺席规则（诚信记录）", "No-shows (integrity record)")}</h2>
                <p class="muted small form-grid-wide">{move || i18n.t(
                    "报名成功却未签到、也未获组织者准假的学生，在活动结束后记一次缺席；在组织者设定的取消截止时间之后取消报名也记一次。学生在“我的活动”中看到自己的记录和本规则。",
                    "A confirmed student who neither checks in nor is excused by the organiser has a no-show once the activity ends; so has one who cancels after the organiser's cut-off. Students see their record and these rules under My activities.",
                )}</p>
                <label class="field">
                    <span class="field-label">{move || i18n.t("每学期缺席次数达到（0 为不限制）", "No-shows per term (0: no consequence)")}</span>
                    <input inputmode="numeric" data-testid="policy-no-show-threshold" prop:value=no_show_threshold disabled=move || !editable()
                        on:input=move |ev| { no_show_threshold.set(event_target_value(&ev)); edited(); } />
                    <span class="field-error">{field_error("no_shows.threshold")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("暂停先到先得报名（天）", "First-come sign-up paused (days)")}</span>
                    <input inputmode="numeric" data-testid="policy-no-show-days" prop:value=no_show_days disabled=move || !editable()
                        on:input=move |ev| { no_show_days.set(event_target_value(&ev)); edited(); } />
                    <span class="field-error">{field_error("no_shows.block_days")}</span>
                </label>
                <label class="check form-grid-wide">
                    <input type="checkbox" data-testid="policy-no-show-lottery" prop:checked=lottery_last disabled=move || !editable()
                        on:change=move |ev| { lottery_last.set(event_target_checked(&ev)); edited(); } />
                    <span>{move || i18n.t("抽签报名时排在其他学生之后", "Drawn after the others in lotteries")}</span>
                </label>
                <label class="field form-grid-wide">
                    <span class="field-label">{move || i18n.t("可信校园网段（每行一个，CIDR）", "Trusted campus networks (one per line, CIDR)")}</span>
                    <textarea rows="4" data-testid="policy-networks" prop:value=networks disabled=move || !editable()
                        placeholder="10.0.0.0/8"
                        on:input=move |ev| { networks.set(event_target_value(&ev)); edited(); }></textarea>
                    <span class="field-error" data-testid="policy-networks-error">{field_error("trusted_networks")}</span>
                </label>
                {move || if editable() {
                    view! {
                        <div class="actions form-grid-wide">
                            <button type="submit" class="btn btn-primary" data-testid="policy-save"
                                disabled=move || parsed.get().is_err() || save.pending().get()>
                                {move || i18n.t("保存", "Save")}
                            </button>
                            {move || ok.get().then(|| view! { <span class="good" role="status" data-testid="policy-saved">{move || i18n.t("已保存", "Saved")}</span> })}
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <p class="muted small form-grid-wide">{move || i18n.t("由校团委管理员设置。", "Set by the school committee's admin.")}</p>
                    }.into_any()
                }}
            </form>
            {move || general_error().map(|text| view! { <p class="notice notice-error" role="alert">{text}</p> })}
        </section>
    }
}
