//! Pieces the attendance and results screens share: the activity's header with its three
//! screens (签到 / 考勤 / 成绩认定), the labels of attendance values, the translation of the
//! attendance rules' messages, the manual (and make-up) entry with its fall-back to a
//! back-fill request, and the anomalies list.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};
use shared::{
    ApiError, ErrorCode,
    activity::Activity,
    attendance::{
        AnomalyKind, AttendanceMethod, Award, AwardLevel, Deadlines, ManualAttendance,
        NewAttendanceRequest, ParticipantRole, RequestStatus,
    },
};

use crate::{
    api,
    components::error::{self, ErrorNotice},
    format,
    i18n::{I18n, Locale, use_i18n},
};

/// The `:id` of the route, when it is a number.
pub fn activity_id() -> Option<i64> {
    use_params_map().with_untracked(|params| params.get("id").and_then(|id| id.parse().ok()))
}

pub fn anomaly(i18n: I18n, kind: AnomalyKind) -> &'static str {
    match kind {
        AnomalyKind::SharedDevice => i18n.t("一机多签", "One phone, several students"),
        AnomalyKind::Burst => i18n.t("同一网络集中签到", "Burst from one network address"),
        AnomalyKind::DeviceBurst => i18n.t("同一手机频繁扫码", "Many scans from one phone"),
        AnomalyKind::Refused => i18n.t("被拒绝的扫码", "Refused scans"),
        AnomalyKind::RelayedCode => i18n.t("二维码被转发", "Code relayed to several phones"),
        AnomalyKind::LateScan => i18n.t(
            "扫描过时的二维码（疑似转发）",
            "Scanned an old code (relayed?)",
        ),
        AnomalyKind::Unregistered => i18n.t("未报名即签到", "Checked in without a place"),
        AnomalyKind::FarAway => i18n.t("签到位置超出范围", "Farther than the radius"),
        AnomalyKind::DeviceChanged => i18n.t("更换设备", "Changed phone"),
    }
}

pub fn method(i18n: I18n, method: AttendanceMethod) -> &'static str {
    match method {
        AttendanceMethod::Qr => i18n.t("扫码", "QR scan"),
        AttendanceMethod::Manual => i18n.t("手动签到", "Manual"),
        AttendanceMethod::Makeup => i18n.t("补签", "Make-up"),
        AttendanceMethod::Backfill => i18n.t("补录", "Back-fill"),
        AttendanceMethod::Pass => i18n.t("扫个人码", "Personal code"),
    }
}

pub fn role(i18n: I18n, role: ParticipantRole) -> &'static str {
    match role {
        ParticipantRole::Leader => i18n.t("队长", "Leader"),
        ParticipantRole::Member => i18n.t("队员", "Member"),
        ParticipantRole::Participant => i18n.t("参与者", "Participant"),
    }
}

pub fn award(i18n: I18n, award: Award) -> &'static str {
    match award {
        Award::First => i18n.t("一等奖", "First prize"),
        Award::Second => i18n.t("二等奖", "Second prize"),
        Award::Third => i18n.t("三等奖", "Third prize"),
        Award::Honourable => i18n.t("优秀奖", "Honourable mention"),
        Award::Participation => i18n.t("参与奖", "Participation"),
    }
}

pub fn award_level(i18n: I18n, level: AwardLevel) -> &'static str {
    match level {
        AwardLevel::College => i18n.t("院级", "College"),
        AwardLevel::School => i18n.t("校级", "School"),
        AwardLevel::Province => i18n.t("省级", "Provincial"),
        AwardLevel::National => i18n.t("国家级", "National"),
    }
}

pub fn request_status(i18n: I18n, status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => i18n.t("待审核", "Pending"),
        RequestStatus::Approved => i18n.t("已通过", "Approved"),
        RequestStatus::Rejected => i18n.t("已驳回", "Rejected"),
    }
}

/// A message of the attendance rules (from `shared` or the server) in the current locale.
pub fn rule_message(i18n: I18n, message: &str) -> String {
    let known = match message {
        "check-in must close after it opens" => Some((
            "结束时间须晚于开始时间",
            "Check-in must close after it opens",
        )),
        "between -90 and 90" => Some(("纬度须在 -90 到 90 之间", "Between -90 and 90")),
        "between 5 and 30 seconds" => Some(("须在 5–30 秒之间", "Between 5 and 30 seconds")),
        "between 5 and 300 seconds" => Some(("须在 5–300 秒之间", "Between 5 and 300 seconds")),
        "between 2 and 1000" => Some(("须在 2–1000 之间", "Between 2 and 1000")),
        "between 2 and 100" => Some(("须在 2–100 之间", "Between 2 and 100")),
        "between 1 and 20" => Some(("须在 1–20 之间", "Between 1 and 20")),
        "take at least one kind of code: the projected one or personal ones" => Some((
            "请至少选择一种签到方式：投屏签到码或个人签到码",
            "Take at least one kind of code: the projected one or personal ones",
        )),
        "at most 50 networks" => Some(("最多 50 个网段", "At most 50 networks")),
        "a network in CIDR notation, such as 10.0.0.0/8" => Some((
            "请填写 CIDR 格式的网段，如 10.0.0.0/8",
            "A network in CIDR notation, such as 10.0.0.0/8",
        )),
        "between -180 and 180" => Some(("经度须在 -180 到 180 之间", "Between -180 and 180")),
        "between 10 and 100000 metres" => {
            Some(("半径须在 10–100000 米之间", "Between 10 and 100000 metres"))
        }
        "give latitude, longitude and radius together, or none" => Some((
            "经度、纬度与半径须一起填写，或都不填",
            "Give latitude, longitude and radius together, or none",
        )),
        "give a reason of at most 500 characters" => Some((
            "请填写原因（最多 500 字）",
            "Give a reason of at most 500 characters",
        )),
        "at most 2000 characters" => Some(("最多 2000 字", "At most 2000 characters")),
        "at most 500 characters" => Some(("最多 500 字", "At most 500 characters")),
        "a make-up after the activity needs a reason" => Some((
            "活动结束后补签须填写原因",
            "A make-up after the activity needs a reason",
        )),
        "no such student" => Some(("没有这个学号的学生", "No student with this number")),
        "a student number is required" => Some(("请填写学号", "A student number is required")),
        "hours between 0 and 2000" => Some(("时长须在 0–2000 之间", "Hours between 0 and 2000")),
        "at most two decimals" => Some(("最多两位小数", "At most two decimals")),
        "not a number" => Some(("不是数字", "Not a number")),
        "an award needs its level, and a level its award" => Some((
            "奖项与奖项级别须一起填写",
            "An award needs its level, and a level its award",
        )),
        "an absent participant has no hours or award" => Some((
            "缺勤者不能有时长或奖项",
            "An absent participant has no hours or award",
        )),
        "the student appears twice" => {
            Some(("该学生在文件中出现了两次", "The student appears twice"))
        }
        "the student is already checked in" => {
            Some(("该学生已签到", "The student is already checked in"))
        }
        "say why the request is rejected" => {
            Some(("请填写驳回理由", "Say why the request is rejected"))
        }
        "a request for this student is already pending" => Some((
            "该学生已有待审核的补录申请",
            "A request for this student is already pending",
        )),
        "the activity has not ended yet" => Some((
            "活动尚未结束，结束后才能认定成绩",
            "The activity has not ended yet",
        )),
        "the activity has not ended: record attendance directly" => Some((
            "活动尚未结束，请直接手动签到",
            "The activity has not ended: record attendance directly",
        )),
        "the activity has not opened check-in yet" => {
            Some(("尚未开放签到", "Check-in has not opened yet"))
        }
        "only a published activity takes attendance" => Some((
            "只有已发布的活动可以考勤",
            "Only a published activity takes attendance",
        )),
        "only a published activity has results" => Some((
            "只有已发布的活动可以认定成绩",
            "Only a published activity has results",
        )),
        "this activity does not take check-out" => {
            Some(("本活动未开启签退", "This activity does not take check-out"))
        }
        "this request waits for another organisation" => Some((
            "该申请由其他组织审核",
            "This request waits for another organisation",
        )),
        _ => None,
    };
    if let Some((zh, en)) = known {
        return i18n.t(zh, en).to_owned();
    }
    if message.starts_with("the results were finalised") {
        return i18n
            .t(
                "成绩已完成认定，如需更正请走补录流程",
                "The results were finalised; corrections go through a back-fill",
            )
            .to_owned();
    }
    if let Some(rest) = message.strip_prefix("check-in is open from ") {
        return match i18n.locale() {
            Locale::Zh => format!("签到开放时间：{}", rest.replace(" to ", " 至 ")),
            Locale::En => message.to_owned(),
        };
    }
    if let Some(rest) = message.strip_prefix("the make-up window closed on ") {
        let date = rest.split(':').next().unwrap_or(rest);
        return match i18n.locale() {
            Locale::Zh => format!("补签期限已于 {date} 截止，请向上级组织提交补录申请"),
            Locale::En => {
                format!("The make-up window closed on {date}: ask the level above for a back-fill")
            }
        };
    }
    if message.starts_with("the request is already ") {
        return i18n
            .t("该申请已处理", "The request was already decided")
            .to_owned();
    }
    error::translate(i18n, message).unwrap_or_else(|| message.to_owned())
}

/// An error of the attendance endpoints as one translated line.
pub fn error_text(i18n: I18n, error: &ApiError) -> String {
    match error.code {
        ErrorCode::ValidationFailed
        | ErrorCode::Conflict
        | ErrorCode::CheckinClosed
        | ErrorCode::AlreadyCheckedIn
        | ErrorCode::DeadlinePassed
        | ErrorCode::NotFound => {
            let text = rule_message(i18n, &error.message);
            if text == error.message && i18n.locale() == Locale::Zh {
                error::message(i18n, error)
            } else {
                text
            }
        }
        _ => error::message(i18n, error),
    }
}

/// The title of the activity with its three screens as tabs; `current` is `checkin`,
/// `attendance` or `results`.
#[component]
pub fn ActivityHead(
    id: i64,
    activity: LocalResource<Result<Activity, ApiError>>,
    current: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let title = move || match activity.get() {
        Some(Ok(activity)) => activity.title,
        Some(Err(_)) => format!("#{id}"),
        None => String::new(),
    };
    let when = move || match activity.get() {
        Some(Ok(activity)) => format!(
            "{} – {}",
            format::datetime(i18n.locale(), activity.starts_at),
            format::datetime(i18n.locale(), activity.ends_at)
        ),
        _ => String::new(),
    };
    let tabs = [
        (
            "checkin",
            "签到",
            "Check-in",
            format!("/manage/activities/{id}/checkin"),
        ),
        (
            "attendance",
            "考勤与补录",
            "Attendance",
            format!("/manage/activities/{id}/attendance"),
        ),
        (
            "results",
            "成绩认定",
            "Results",
            format!("/manage/activities/{id}/results"),
        ),
    ];
    view! {
        <p class="crumbs"><a href=format!("/activities/{id}")>{move || i18n.t("← 活动详情", "← Activity")}</a></p>
        <h1 class="activity-title" data-testid="activity-title">{title}</h1>
        <p class="muted activity-when">{when}</p>
        <nav class="subnav" aria-label=move || i18n.t("活动管理", "Activity screens")>
            {tabs.into_iter().map(|(key, zh, en, href)| view! {
                <A href=href attr:class="subnav-link" attr:data-testid=format!("subnav-{key}")
                    attr:data-current=(key == current).then_some("true")>
                    {move || i18n.t(zh, en)}
                </A>
            }).collect_view()}
        </nav>
        {move || match activity.get() {
            Some(Err(error)) => Some(view! { <ErrorNotice error=error /> }),
            _ => None,
        }}
    }
}

/// What the manual entry form should do after the server answered `deadline_passed`.
#[derive(Clone, Debug, Default)]
struct Backfill {
    student_no: String,
    reason: String,
}

/// Records a student by number: during the activity a manual check-in (a student without a
/// phone); after it, a make-up with a required reason until the make-up deadline; past that,
/// the form turns into a back-fill request for the level above.
#[component]
pub fn ManualEntry(
    id: i64,
    /// Whether the activity has ended (a reason becomes required).
    #[prop(into)]
    ended: Signal<bool>,
    /// The deadlines, shown once the activity has ended.
    deadlines: LocalResource<Result<Deadlines, ApiError>>,
    /// Called after a student was recorded.
    #[prop(into)]
    on_recorded: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let student_no = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let server_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<String>);
    let backfill = RwSignal::new(None::<Backfill>);
    let no_error = move || {
        let typed = student_no.get();
        if !typed.is_empty() && typed.trim().is_empty() {
            return Some(i18n.t("请填写学号", "Enter a student number").to_owned());
        }
        match server_error.get() {
            Some(e) if e.field.as_deref() == Some("student_no") => Some(error_text(i18n, &e)),
            _ => None,
        }
    };
    let reason_error = move || {
        if reason.with(|r| r.chars().count() > 500) {
            return Some(i18n.t("最多 500 字", "At most 500 characters").to_owned());
        }
        match server_error.get() {
            Some(e) if e.field.as_deref() == Some("reason") => Some(error_text(i18n, &e)),
            _ => None,
        }
    };
    let ready = move || {
        !student_no.with(|s| s.trim().is_empty())
            && (!ended.get() || !reason.with(|r| r.trim().is_empty()))
            && reason_error().is_none()
    };
    let record = Action::new_local(move |request: &ManualAttendance| {
        let request = request.clone();
        async move {
            server_error.set(None);
            done.set(None);
            match api::record_attendance(id, &request).await {
                Ok(record) => {
                    done.set(Some(format!(
                        "{} {}",
                        record.student_no, record.student_name
                    )));
                    student_no.set(String::new());
                    reason.set(String::new());
                    on_recorded.run(());
                }
                Err(e) if e.code == ErrorCode::DeadlinePassed => {
                    backfill.set(Some(Backfill {
                        student_no: request.student_no.clone(),
                        reason: request.reason.clone().unwrap_or_default(),
                    }));
                    server_error.set(Some(e));
                }
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let general_error = move || {
        server_error
            .get()
            .filter(|e| !matches!(e.field.as_deref(), Some("student_no" | "reason")))
    };

    view! {
        <section class="panel" data-testid="manual-entry">
            <h2>{move || if ended.get() { i18n.t("补签", "Make-up check-in") } else { i18n.t("手动签到", "Manual check-in") }}</h2>
            <p class="muted small">{move || if ended.get() {
                i18n.t("活动已结束：补签须填写原因，只能在补签期限内由本组织完成。", "The activity has ended: a make-up needs a reason and is possible until the make-up deadline.")
            } else {
                i18n.t("为没有手机的同学按学号签到。", "Check in a student without a phone, by student number.")
            }}</p>
            {move || ended.get().then(|| view! {
                <p class="deadline-line" data-testid="makeup-deadline">
                    {move || i18n.t("补签截止：", "Make-up until: ")}
                    <strong>{move || match deadlines.get() {
                        Some(Ok(d)) => format::date(i18n.locale(), d.makeup_until),
                        _ => "…".to_owned(),
                    }}</strong>
                </p>
            })}
            <form class="form-row" on:submit=move |ev| {
                ev.prevent_default();
                if !ready() { return; }
                let reason = reason.get_untracked();
                record.dispatch(ManualAttendance {
                    student_no: student_no.get_untracked().trim().to_owned(),
                    reason: (!reason.trim().is_empty()).then(|| reason.trim().to_owned()),
                });
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("学号", "Student no.")}</span>
                    <input data-testid="manual-student-no" inputmode="numeric" autocomplete="off"
                        prop:value=student_no aria-invalid=move || no_error().is_some().to_string()
                        on:input=move |ev| { student_no.set(event_target_value(&ev)); server_error.set(None); done.set(None); } />
                    <span class="field-error" data-testid="manual-student-no-error">{no_error}</span>
                </label>
                <label class="field field-grow">
                    <span class="field-label">{move || if ended.get() { i18n.t("原因（必填）", "Reason (required)") } else { i18n.t("原因（选填）", "Reason (optional)") }}</span>
                    <input data-testid="manual-reason" prop:value=reason aria-invalid=move || reason_error().is_some().to_string()
                        placeholder=move || i18n.t("如：手机没电，现场签到表为证", "e.g. phone battery flat; on the paper sheet")
                        on:input=move |ev| { reason.set(event_target_value(&ev)); server_error.set(None); } />
                    <span class="field-error" data-testid="manual-reason-error">{reason_error}</span>
                </label>
                <button class="btn btn-primary" type="submit" data-testid="manual-submit" disabled=move || !ready() || record.pending().get()>
                    {move || if ended.get() { i18n.t("补签", "Make up") } else { i18n.t("签到", "Check in") }}
                </button>
            </form>
            {move || done.get().map(|who| view! {
                <p class="notice notice-ok" role="status" data-testid="manual-done">{move || i18n.t("已签到：", "Checked in: ")}{who.clone()}</p>
            })}
            {move || general_error().map(|e| view! {
                <p class="notice notice-error" role="alert" data-testid="manual-error" data-code=e.code.as_str()>{error_text(i18n, &e)}</p>
            })}
            {move || backfill.get().map(|b| view! { <BackfillForm id=id student_no=b.student_no reason=b.reason /> })}
        </section>
    }
}

/// A back-fill request (补录申请) for the organisation above, past the make-up deadline.
#[component]
pub fn BackfillForm(id: i64, student_no: String, reason: String) -> impl IntoView {
    let i18n = use_i18n();
    let student_no = RwSignal::new(student_no);
    let reason = RwSignal::new(reason);
    let evidence = RwSignal::new(String::new());
    let server_error = RwSignal::new(None::<ApiError>);
    let filed = RwSignal::new(false);
    let request = move || NewAttendanceRequest {
        student_no: student_no.get().trim().to_owned(),
        reason: reason.get(),
        evidence: Some(evidence.get()).filter(|e| !e.trim().is_empty()),
    };
    // The same rule the server applies; an empty reason is only an error once typed into.
    let rule_error = move |field: &str| -> Option<String> {
        let request = request();
        match request.validate() {
            Err(e) if e.field.as_deref() == Some(field) => (field != "reason"
                || !reason.with(String::is_empty))
            .then(|| rule_message(i18n, &e.message)),
            _ => server_error
                .get()
                .filter(|e| e.field.as_deref() == Some(field))
                .map(|e| error_text(i18n, &e)),
        }
    };
    let ready = move || !student_no.with(|s| s.trim().is_empty()) && request().validate().is_ok();
    let submit = Action::new_local(move |body: &NewAttendanceRequest| {
        let body = body.clone();
        async move {
            server_error.set(None);
            match api::request_backfill(id, &body).await {
                Ok(_) => filed.set(true),
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let general_error = move || {
        server_error.get().filter(|e| {
            !matches!(
                e.field.as_deref(),
                Some("student_no" | "reason" | "evidence")
            )
        })
    };
    view! {
        <div class="inline-form backfill" data-testid="backfill-form">
            <h3>{move || i18n.t("提交补录申请", "Ask for a back-fill")}</h3>
            <p class="muted small">{move || i18n.t(
                "补签期限已过：补录须由上级组织审核。请写明原因并附上证明（如现场签到表）。",
                "The make-up deadline has passed: a back-fill needs the approval of the level above. Give the reason and the evidence (the paper sheet, say).",
            )}</p>
            {move || if filed.get() {
                view! {
                    <p class="notice notice-ok" role="status" data-testid="backfill-filed">
                        {move || i18n.t("已提交，等待上级审核。", "Filed; it waits for the level above.")}
                        " " <a href="/manage/requests?scope=outgoing">{move || i18n.t("查看我的申请", "See my requests")}</a>
                    </p>
                }.into_any()
            } else {
                view! {
                    <form class="form-grid" on:submit=move |ev| {
                        ev.prevent_default();
                        if ready() { submit.dispatch(request()); }
                    }>
                        <label class="field">
                            <span class="field-label">{move || i18n.t("学号", "Student no.")}</span>
                            <input data-testid="backfill-student-no" inputmode="numeric" prop:value=student_no
                                on:input=move |ev| { student_no.set(event_target_value(&ev)); server_error.set(None); } />
                            <span class="field-error">{move || rule_error("student_no")}</span>
                        </label>
                        <label class="field">
                            <span class="field-label">{move || i18n.t("原因（必填）", "Reason (required)")}</span>
                            <input data-testid="backfill-reason" prop:value=reason aria-invalid=move || rule_error("reason").is_some().to_string()
                                on:input=move |ev| { reason.set(event_target_value(&ev)); server_error.set(None); } />
                            <span class="field-error" data-testid="backfill-reason-error">{move || rule_error("reason")}</span>
                        </label>
                        <label class="field form-grid-wide">
                            <span class="field-label">{move || i18n.t("证明材料", "Evidence")}</span>
                            <textarea data-testid="backfill-evidence" rows="3" prop:value=evidence
                                placeholder=move || i18n.t("如：现场签到表第 3 页，照片存于本组织邮箱", "e.g. page 3 of the paper sheet")
                                on:input=move |ev| { evidence.set(event_target_value(&ev)); server_error.set(None); }></textarea>
                            <span class="field-error">{move || rule_error("evidence")}</span>
                        </label>
                        <div class="actions form-grid-wide">
                            <button class="btn btn-primary" type="submit" data-testid="backfill-submit" disabled=move || !ready() || submit.pending().get()>
                                {move || i18n.t("提交申请", "File the request")}
                            </button>
                        </div>
                    </form>
                    {move || general_error().map(|e| view! { <p class="notice notice-error" role="alert">{error_text(i18n, &e)}</p> })}
                }.into_any()
            }}
        </div>
    }
}

/// The anomalies of the check-ins, newest first; refetched when `refresh` changes.
#[component]
pub fn AnomalyList(id: i64, #[prop(into)] refresh: Signal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let anomalies = LocalResource::new(move || {
        refresh.track();
        api::anomalies(id)
    });
    view! {
        <section class="panel" data-testid="anomalies">
            <h2>{move || i18n.t("异常提示", "Anomalies")}</h2>
            <p class="muted small">{move || i18n.t("仅为提示，供核查，不会自动作废签到。", "Signals to check, not verdicts: nothing is voided automatically.")}</p>
            <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
                {move || anomalies.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="muted" data-testid="anomalies-empty">{move || i18n.t("暂无异常。", "No anomalies.")}</p>
                    }.into_any(),
                    Ok(page) => view! {
                        <ul class="anomaly-list">
                            {page.items.into_iter().map(|a| {
                                let kind = a.kind;
                                let at = a.at;
                                view! {
                                    <li class="anomaly" data-kind=format!("{kind:?}")>
                                        <span class="badge badge-warn">{move || anomaly(i18n, kind)}</span>
                                        <span class="anomaly-when muted">{format::time(at)}</span>
                                        <span class="anomaly-who">{a.students.join("、")}</span>
                                        // The server's detail is English: the label says it in Chinese.
                                        {(i18n.locale() == Locale::En).then(|| view! { <span class="anomaly-detail muted small">{a.detail.clone()}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
