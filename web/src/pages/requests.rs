//! 补录申请 — back-fill requests: those waiting for this organisation to decide (approve, or
//! reject with a reason; needs `review_activities`), and those its organisers asked, with
//! their status — a student's check-in past the make-up window, and whole recognitions that
//! are back-fills (late, into an ended term, or naming students who did not take part). The
//! scope and the pending filter stay in the URL.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError,
    activity::ReviewDecision,
    attendance::{
        AttendanceRequest, RecognitionGround, RecognitionRequest, RecognitionRequestStatus,
        RequestStatus,
    },
    auth::Permission,
};

use crate::{
    api::{self, RequestScope},
    components::{
        attendance::{error_text, request_status},
        error::ErrorNotice,
        pager::Pager,
    },
    format,
    i18n::use_i18n,
    session::use_session,
};

const PER_PAGE: u32 = 20;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let may_review = move || session.can(Permission::ReviewActivities);
    let may_ask = move || session.can(Permission::RecordAttendance);
    let scope = Memo::new(move |_| match query.with(|q| q.get("scope")).as_deref() {
        Some("outgoing") => RequestScope::Outgoing,
        Some("incoming") => RequestScope::Incoming,
        _ if may_review() => RequestScope::Incoming,
        _ => RequestScope::Outgoing,
    });
    let pending = Memo::new(move |_| query.with(|q| q.get("pending").as_deref() == Some("true")));
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page"))
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    });
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::attendance_requests(scope.get(), pending.get(), page.get(), PER_PAGE)
    });
    // Recognition back-fills: one page of the newest (few per organisation).
    let recognitions = LocalResource::new(move || {
        version.track();
        api::recognition_requests(scope.get(), pending.get(), 1, 50)
    });
    let go = move |scope: RequestScope, pending: bool, page: u32| {
        let mut url = format!("/manage/requests?scope={}", scope.as_str());
        if pending {
            url.push_str("&pending=true");
        }
        if page > 1 {
            url.push_str(&format!("&page={page}"));
        }
        navigate(&url, Default::default());
    };
    let go = StoredValue::new(go);

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("补录申请", "Back-fill requests")}</h1>
            <A href="/manage/overdue" attr:class="btn btn-small">{move || i18n.t("逾期认定", "Overdue recognition")}</A>
        </div>
        <div class="chips" role="tablist">
            {move || may_review().then(|| view! {
                <button class="chip" class:chip-on=move || scope.get() == RequestScope::Incoming data-testid="scope-incoming"
                    on:click=move |_| go.with_value(|go| go(RequestScope::Incoming, pending.get_untracked(), 1))>
                    {move || i18n.t("待我审核", "For us to decide")}
                </button>
            })}
            {move || may_ask().then(|| view! {
                <button class="chip" class:chip-on=move || scope.get() == RequestScope::Outgoing data-testid="scope-outgoing"
                    on:click=move |_| go.with_value(|go| go(RequestScope::Outgoing, pending.get_untracked(), 1))>
                    {move || i18n.t("我方发起", "Asked by us")}
                </button>
            })}
            <label class="chip chip-check">
                <input type="checkbox" data-testid="pending-only" prop:checked=move || pending.get()
                    on:change=move |ev| { let on = event_target_checked(&ev); go.with_value(|go| go(scope.get_untracked(), on, 1)); } />
                {move || i18n.t("只看待审核", "Pending only")}
            </label>
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(found) if found.items.is_empty() => view! {
                    <section class="empty" data-testid="requests-empty">
                        <p class="empty-icon" aria-hidden="true">"✓"</p>
                        <p class="muted">{move || if scope.get_untracked() == RequestScope::Incoming {
                            i18n.t("没有等待审核的补录申请。", "No back-fill requests wait for you.")
                        } else {
                            i18n.t("还没有发起补录申请。补签期限过后，在活动的“考勤与补录”页按学号提交。", "No requests yet. Past the make-up deadline, file one on an activity's Attendance screen.")
                        }}</p>
                    </section>
                }.into_any(),
                Ok(found) => {
                    let (current, pages, total) = (found.page, found.pages(), found.total);
                    let incoming = scope.get_untracked() == RequestScope::Incoming;
                    view! {
                        <ul class="request-list" data-testid="requests">
                            {found.items.into_iter().map(|r| view! { <RequestCard request=r incoming=incoming on_decided=Callback::new(move |_| version.update(|v| *v += 1)) /> }).collect_view()}
                        </ul>
                        {(pages > 1).then(|| view! {
                            <Pager page=current pages=pages total=total on_page=move |p| go.with_value(|go| go(scope.get_untracked(), pending.get_untracked(), p)) />
                        })}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
        <h2>{move || i18n.t("成绩补录认定", "Recognition back-fills")}</h2>
        <p class="muted small">{move || i18n.t(
            "逾期认定、计入已结束学期、或名单含未报名且未签到学生的成绩认定，须由上级组织审批后计入积分（积分明细标记为补录）。",
            "Recognitions past their deadline, into an ended term, or naming students who neither signed up nor checked in count only once the organisation above approves (their ledger entries are marked back-fill).",
        )}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || recognitions.get().map(|result| match result {
                Ok(found) if found.items.is_empty() => view! {
                    <p class="muted" data-testid="recognitions-empty">{move || i18n.t("没有成绩补录认定。", "No recognition back-fills.")}</p>
                }.into_any(),
                Ok(found) => {
                    let incoming = scope.get_untracked() == RequestScope::Incoming;
                    view! {
                        <ul class="request-list" data-testid="recognitions">
                            {found.items.into_iter().map(|r| view! { <RecognitionCard request=r incoming=incoming on_decided=Callback::new(move |_| version.update(|v| *v += 1)) /> }).collect_view()}
                        </ul>
                    }.into_any()
                }
                // Without the permission for this scope there is nothing to show here.
                Err(error) if error.code == shared::ErrorCode::Forbidden => ().into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| recognitions.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

fn ground(i18n: crate::i18n::I18n, ground: RecognitionGround) -> &'static str {
    match ground {
        RecognitionGround::Late => i18n.t("逾期认定", "Past the deadline"),
        RecognitionGround::EndedTerm => i18n.t("学期已结束", "Term has ended"),
        RecognitionGround::NonParticipants => i18n.t("含未参与学生", "Names non-participants"),
    }
}

#[component]
fn RecognitionCard(
    request: RecognitionRequest,
    incoming: bool,
    #[prop(into)] on_decided: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = request.id;
    let status = RwSignal::new(request.status);
    let note = RwSignal::new(request.decision_reason.clone());
    let rejecting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let decide = Action::new_local(move |approve: &bool| {
        let approve = *approve;
        async move {
            error.set(None);
            let text = reason.get_untracked().trim().to_owned();
            let decision = ReviewDecision {
                reason: (!text.is_empty()).then_some(text),
            };
            let answer = if approve {
                api::approve_recognition(id, &decision).await
            } else {
                api::reject_recognition(id, &decision).await
            };
            match answer {
                Ok(decided) => {
                    status.set(decided.status);
                    note.set(decided.decision_reason);
                    rejecting.set(false);
                    on_decided.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let reason_missing = move || reason.with(|r| r.trim().is_empty());
    let too_long = move || reason.with(|r| r.chars().count() > 500);
    let pending = move || status.get() == RecognitionRequestStatus::Pending;
    let activity_href = format!("/manage/activities/{}/results", request.activity_id);
    let grounds: Vec<&'static str> = request.grounds.iter().map(|g| ground(i18n, *g)).collect();
    view! {
        <li class="request-card" data-testid="recognition" data-status=move || status.get().as_str()>
            <div class="request-head">
                <a class="request-activity" href=activity_href>{request.activity_title.clone()}</a>
                <span class="badge" class:badge-warn=pending
                    class:badge-on=move || status.get() == RecognitionRequestStatus::Approved
                    class:badge-off=move || status.get() == RecognitionRequestStatus::Rejected>
                    {move || match status.get() {
                        RecognitionRequestStatus::Pending => i18n.t("待审核", "Pending"),
                        RecognitionRequestStatus::Approved => i18n.t("已通过", "Approved"),
                        RecognitionRequestStatus::Rejected => i18n.t("已驳回", "Rejected"),
                    }}
                </span>
            </div>
            <p class="chips">{grounds.into_iter().map(|g| view! { <span class="badge badge-warn">{g}</span> }).collect_view()}</p>
            <p class="request-who">
                {request.organizer_name.clone()} " · "
                {move || match i18n.locale() {
                    crate::i18n::Locale::Zh => format!("{} 条成绩，其中 {} 条未报名未签到", request.rows, request.non_participant_rows),
                    crate::i18n::Locale::En => format!("{} results, {} of them without sign-up or check-in", request.rows, request.non_participant_rows),
                }}
            </p>
            <p class="request-reason">{request.reason.clone()}</p>
            <p class="muted small">
                {request.requested_by.clone()} " · " {move || format::datetime(i18n.locale(), request.requested_at)}
                " · " {move || i18n.t("审核方：", "Decided by: ")} {request.approver_org_name.clone()}
            </p>
            {move || note.get().map(|n| view! { <p class="small request-note">{move || i18n.t("审核意见：", "Note: ")}{n.clone()}</p> })}
            {move || (incoming && pending()).then(|| view! {
                <div class="actions">
                    <button class="btn btn-primary btn-small" data-testid="recognition-approve" disabled=move || decide.pending().get()
                        on:click=move |_| { decide.dispatch(true); }>{move || i18n.t("通过并计入积分", "Approve and grant")}</button>
                    <button class="btn btn-small btn-danger-outline" data-testid="recognition-reject" disabled=move || decide.pending().get()
                        on:click=move |_| rejecting.update(|r| *r = !*r)>{move || i18n.t("驳回", "Reject")}</button>
                </div>
                {move || rejecting.get().then(|| view! {
                    <form class="inline-form form-row" on:submit=move |ev| {
                        ev.prevent_default();
                        if !reason_missing() && !too_long() { decide.dispatch(false); }
                    }>
                        <label class="field field-grow">
                            <span class="field-label">{move || i18n.t("驳回理由（必填）", "Why (required)")}</span>
                            <input data-testid="recognition-reject-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                            <span class="field-error">{move || too_long().then(|| i18n.t("最多 500 字", "At most 500 characters"))}</span>
                        </label>
                        <button class="btn btn-small" type="submit" disabled=move || reason_missing() || too_long() || decide.pending().get()>
                            {move || i18n.t("确认驳回", "Reject")}
                        </button>
                    </form>
                })}
            })}
            {move || error.get().map(|e| view! { <p class="notice notice-error small" role="alert">{error_text(i18n, &e)}</p> })}
        </li>
    }
}

#[component]
fn RequestCard(
    request: AttendanceRequest,
    incoming: bool,
    #[prop(into)] on_decided: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = request.id;
    let status = RwSignal::new(request.status);
    let note = RwSignal::new(request.decision_note.clone());
    let rejecting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let decide = Action::new_local(move |approve: &bool| {
        let approve = *approve;
        async move {
            error.set(None);
            let text = reason.get_untracked().trim().to_owned();
            let decision = ReviewDecision {
                reason: (!text.is_empty()).then_some(text),
            };
            let answer = if approve {
                api::approve_request(id, &decision).await
            } else {
                api::reject_request(id, &decision).await
            };
            match answer {
                Ok(decided) => {
                    status.set(decided.status);
                    note.set(decided.decision_note);
                    rejecting.set(false);
                    on_decided.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let reason_missing = move || reason.with(|r| r.trim().is_empty());
    let too_long = move || reason.with(|r| r.chars().count() > 500);
    let activity_href = format!("/manage/activities/{}/attendance", request.activity_id);
    view! {
        <li class="request-card" data-testid="request" data-status=move || format!("{:?}", status.get()).to_lowercase()>
            <div class="request-head">
                <a class="request-activity" href=activity_href>{request.activity_title.clone()}</a>
                <span class="badge" class:badge-warn=move || status.get() == RequestStatus::Pending
                    class:badge-on=move || status.get() == RequestStatus::Approved
                    class:badge-off=move || status.get() == RequestStatus::Rejected
                    data-testid="request-status">{move || request_status(i18n, status.get())}</span>
            </div>
            <p class="request-who"><strong>{request.student_name.clone()}</strong> " " <span class="muted code">{request.student_no.clone()}</span></p>
            <p class="request-reason">{request.reason.clone()}</p>
            {request.evidence.clone().map(|e| view! { <p class="muted small">{move || i18n.t("证明：", "Evidence: ")}{e.clone()}</p> })}
            <p class="muted small">
                {request.requested_by.clone()} " · " {move || format::datetime(i18n.locale(), request.requested_at)}
                " · " {move || i18n.t("审核方：", "Decided by: ")} {request.approver_organization.clone()}
            </p>
            {move || note.get().map(|n| view! { <p class="small request-note">{move || i18n.t("审核意见：", "Note: ")}{n.clone()}</p> })}
            {move || (incoming && status.get() == RequestStatus::Pending).then(|| view! {
                <div class="actions">
                    <button class="btn btn-primary btn-small" data-testid="request-approve" disabled=move || decide.pending().get()
                        on:click=move |_| { decide.dispatch(true); }>{move || i18n.t("通过", "Approve")}</button>
                    <button class="btn btn-small btn-danger-outline" data-testid="request-reject" disabled=move || decide.pending().get()
                        on:click=move |_| rejecting.update(|r| *r = !*r)>{move || i18n.t("驳回", "Reject")}</button>
                </div>
                {move || rejecting.get().then(|| view! {
                    <form class="inline-form form-row" on:submit=move |ev| {
                        ev.prevent_default();
                        if !reason_missing() && !too_long() { decide.dispatch(false); }
                    }>
                        <label class="field field-grow">
                            <span class="field-label">{move || i18n.t("驳回理由（必填）", "Why (required)")}</span>
                            <input data-testid="request-reject-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                            <span class="field-error">{move || too_long().then(|| i18n.t("最多 500 字", "At most 500 characters"))}</span>
                        </label>
                        <button class="btn btn-small" type="submit" data-testid="request-reject-confirm" disabled=move || reason_missing() || too_long() || decide.pending().get()>
                            {move || i18n.t("确认驳回", "Reject")}
                        </button>
                    </form>
                })}
            })}
            {move || error.get().map(|e| view! { <p class="notice notice-error small" role="alert">{error_text(i18n, &e)}</p> })}
        </li>
    }
}
