//! 活动详情: one activity — description, time, place, instructors, who may sign up, places —
//! with one primary action for a student: 报名 opens the sign-up form the publisher defined
//! (checked as you type), and 取消报名 while registration is open. Organisers also see the
//! review chain and the history, and what they may do next (edit, submit, withdraw, cancel).

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    activity::{
        Activity, ActivityStatus, CancelRequest, Phase, RegisterRequest, Registration,
        RegistrationStatus,
    },
    auth::Permission,
    organization::OrgKind,
};

use crate::{
    api::{self, OrgFilter},
    components::{
        activity::{StateBadge, places},
        answers::{AnswersForm, AnswersState},
        error::{ErrorNotice, message},
        lazy::LazyView,
        route::id_param,
        toast::use_toast,
        watch::WatchButton,
    },
    format,
    i18n::{Locale, use_i18n},
    labels,
    session::use_session,
};

#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let activity = LocalResource::new(move || {
        let id = id.get().unwrap_or(0);
        async move { api::activity(id).await }
    });
    let reload = Callback::new(move |()| activity.refetch());
    // Outlives the reload after signing up, which renders the activity afresh.
    let done = RwSignal::new(None::<Registration>);

    let session = use_session();
    view! {
        <p class="crumbs">{move || if session.is_organization() {
            view! { <A href="/manage/activities">{move || i18n.t("‹ 活动管理", "‹ Activities")}</A> }.into_any()
        } else {
            view! { <A href="/activities">{move || i18n.t("‹ 全部活动", "‹ All activities")}</A> }.into_any()
        }}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || activity.get().map(|result| match result {
                Ok(activity) => view! { <ActivityView activity=activity reload=reload done=done /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| activity.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ActivityView(
    activity: Activity,
    reload: Callback<()>,
    done: RwSignal<Option<Registration>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let is_student =
        session.with_me(|me| me.is_some_and(|me| me.role == shared::auth::Role::Student));
    let is_org = session.is_organization();
    let a = activity.clone();
    let colleges = LocalResource::new(|| async {
        api::all_organizations(&OrgFilter {
            kind: Some(OrgKind::College),
            ..Default::default()
        })
        .await
    });
    let eligibility = a.eligibility.clone();
    let open_to = move || {
        let mut parts = Vec::new();
        if !eligibility.colleges.is_empty() {
            let names = colleges.get().and_then(Result::ok).map(|list| {
                eligibility
                    .colleges
                    .iter()
                    .map(|id| {
                        list.iter()
                            .find(|c| c.id == *id)
                            .map_or_else(|| format!("#{id}"), |c| c.name.clone())
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            });
            parts.push(names.unwrap_or_default());
        }
        if !eligibility.enrolment_years.is_empty() {
            let years = eligibility
                .enrolment_years
                .iter()
                .map(|y| match i18n.locale() {
                    Locale::Zh => format!("{y} 级"),
                    Locale::En => format!("class of {y}"),
                })
                .collect::<Vec<_>>()
                .join("、");
            parts.push(years);
        }
        if !eligibility.degrees.is_empty() {
            parts.push(
                eligibility
                    .degrees
                    .iter()
                    .map(|d| labels::degree(i18n, *d))
                    .collect::<Vec<_>>()
                    .join("、"),
            );
        }
        if parts.is_empty() {
            i18n.t("全校学生", "Every student").to_owned()
        } else {
            parts.join(" · ")
        }
    };
    let instructors = a
        .instructors
        .iter()
        .map(|p| p.name.clone())
        .collect::<Vec<_>>()
        .join("、");
    let (starts_at, ends_at) = (a.starts_at, a.ends_at);
    let (opens, closes) = (a.registration_opens_at, a.registration_closes_at);
    let (confirmed, capacity, waitlisted, pending) =
        (a.confirmed, a.capacity, a.waitlisted, a.pending);
    let mode = a.enrolment_mode;
    let credit = a.credit_level;
    let where_ = if a.campus.trim().is_empty() {
        a.place.clone()
    } else {
        format!("{} · {}", a.campus, a.place)
    };
    let description = a.description.clone();

    view! {
        <article class="activity" data-testid="activity" data-id=a.id.to_string() data-status=a.status.as_str()>
            <div class="activity-card-top">
                <span class="tag tag-category">{
                    let (code, name) = (a.category.clone(), a.category_name.clone());
                    move || labels::activity_category(i18n, &code, &name)
                }</span>
                <span class="tag">{move || labels::credit_level(i18n, credit)}</span>
                <span class="spacer"></span>
                <StateBadge status=a.status phase=a.phase />
            </div>
            <h1 class="activity-heading" data-testid="activity-title">{a.title.clone()}</h1>
            <dl class="facts">
                <dt>{move || i18n.t("时间", "When")}</dt>
                <dd data-testid="activity-time">{move || format::span(i18n.locale(), starts_at, ends_at)}</dd>
                <dt>{move || i18n.t("地点", "Where")}</dt>
                <dd>{where_}</dd>
                <dt>{move || i18n.t("主办", "Organiser")}</dt>
                <dd data-testid="activity-organizer">{a.organizer.name.clone()}</dd>
                {(!instructors.is_empty()).then(|| view! {
                    <dt>{move || i18n.t("指导老师", "Instructors")}</dt>
                    <dd>{instructors}</dd>
                })}
                <dt>{move || i18n.t("名额", "Places")}</dt>
                <dd data-testid="activity-places">
                    {move || places(i18n.locale(), confirmed, capacity)}
                    {move || (waitlisted > 0).then(|| match i18n.locale() {
                        Locale::Zh => format!("，候补 {waitlisted} 人"),
                        Locale::En => format!(", {waitlisted} waitlisted"),
                    })}
                    {move || (pending > 0).then(|| match i18n.locale() {
                        Locale::Zh => format!("，待定 {pending} 人"),
                        Locale::En => format!(", {pending} pending"),
                    })}
                </dd>
                <dt>{move || i18n.t("报名时间", "Registration")}</dt>
                <dd>{move || format!("{} – {}", format::datetime(i18n.locale(), opens), format::datetime(i18n.locale(), closes))}</dd>
                <dt>{move || i18n.t("报名方式", "Places by")}</dt>
                <dd>{move || labels::enrolment_mode(i18n, mode)}</dd>
                <dt>{move || i18n.t("面向", "Open to")}</dt>
                <dd data-testid="activity-open-to">{open_to}</dd>
            </dl>
            // The public poster (a PNG with the activity's QR code) to forward in chats.
            {(a.status == ActivityStatus::Published).then(|| view! {
                <p class="actions poster-link">
                    <a class="btn btn-small" data-testid="activity-poster" href=format!("/api/activities/{}/poster.png", a.id)
                        target="_blank" rel="noopener">
                        {move || i18n.t("分享海报", "Share poster")}
                    </a>
                </p>
            })}
            {(!description.trim().is_empty()).then(|| view! {
                <section class="panel">
                    <h2>{move || i18n.t("活动介绍", "About")}</h2>
                    <p class="prose">{description}</p>
                </section>
            })}
            {is_student.then(|| view! { <StudentAction activity=activity.clone() reload=reload done=done /> })}
            {is_org.then(|| view! { <LazyView load=organiser_panel(activity.clone(), reload) /> })}
        </article>
    }
}

/// The student's one action: sign up (with the form), or cancel; or why neither is possible.
#[component]
fn StudentAction(
    activity: Activity,
    reload: Callback<()>,
    done: RwSignal<Option<Registration>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = activity.id;
    let fields = activity.fields.clone();
    let state = AnswersState::new();
    let form_open = RwSignal::new(false);
    let other_error = RwSignal::new(None::<ApiError>);
    let toasts = use_toast();
    let register = Action::new_local(move |request: &RegisterRequest| {
        let request = request.clone();
        async move { api::register(id, &request).await }
    });
    let cancel = Action::new_local(move |_: &()| async move { api::cancel_registration(id).await });
    Effect::new(move |_| {
        if let Some(result) = register.value().get() {
            match result {
                Ok(registration) => {
                    done.set(Some(registration));
                    form_open.set(false);
                    reload.run(());
                }
                Err(error)
                    if error
                        .field
                        .as_deref()
                        .is_some_and(|f| f.starts_with("answers.")) =>
                {
                    state.server_error.set(Some(error));
                }
                Err(error) => {
                    // The notice sits above the form; the toast where the button was tapped.
                    toasts.error(&error);
                    other_error.set(Some(error));
                }
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = cancel.value().get() {
            match result {
                Ok(_) => {
                    toasts.ok(i18n.t("已取消报名", "Your sign-up is cancelled"));
                    done.set(None);
                    reload.run(());
                }
                Err(error) => {
                    toasts.error(&error);
                    other_error.set(Some(error));
                }
            }
        }
    });

    let open = activity.status == ActivityStatus::Published
        && activity.phase == Some(Phase::RegistrationOpen);
    // A sign-up may be cancelled until the start; after the organiser's cut-off it counts as
    // a no-show (诚信记录), and the confirmation says so.
    let starts_at = activity.starts_at;
    let cutoff = chrono::Duration::hours(i64::from(activity.cancel_cutoff_hours));
    let cancellable =
        activity.status == ActivityStatus::Published && chrono::Utc::now() < starts_at;
    let late = move || chrono::Utc::now() > starts_at - cutoff;
    let upcoming = activity.status == ActivityStatus::Published
        && matches!(
            activity.phase,
            Some(Phase::RegistrationOpen | Phase::Upcoming)
        );
    let mine = activity
        .my_registration
        .filter(|s| *s != RegistrationStatus::Cancelled);
    let active = mine.is_some_and(|s| {
        matches!(
            s,
            RegistrationStatus::Pending
                | RegistrationStatus::Confirmed
                | RegistrationStatus::Waitlisted
        )
    });
    let ineligible = activity.ineligible.clone();
    let has_fields = !fields.is_empty();
    let submit_fields = fields.clone();
    let submit = move || {
        other_error.set(None);
        match state.check(&submit_fields) {
            Ok(answers) => {
                state.server_error.set(None);
                register.dispatch(RegisterRequest { answers });
            }
            Err(_) => {
                // The first question in error comes into view, once the errors are drawn.
                scroll_to(
                    "[data-testid=\"register-form\"] :is([aria-invalid=\"true\"], .field-error:not(:empty))",
                    Some(".question"),
                );
            }
        }
    };

    view! {
        <section class="panel" data-testid="student-action">
            {move || done.get().map(|r| view! {
                <div class="notice notice-ok" role="status" data-testid="register-done">
                    <p class="notice-title">{move || match r.status {
                        RegistrationStatus::Confirmed => i18n.t("报名成功", "You are signed up").to_owned(),
                        RegistrationStatus::Waitlisted => match (i18n.locale(), r.waitlist_position) {
                            (Locale::Zh, Some(n)) => format!("名额已满，已进入候补（第 {n} 位）"),
                            (Locale::En, Some(n)) => format!("Full: you are number {n} on the waitlist"),
                            _ => labels::registration_status(i18n, r.status).to_owned(),
                        },
                        RegistrationStatus::Pending => i18n.t("已提交，等待主办方确认", "Sent; waiting for the organiser").to_owned(),
                        other => labels::registration_status(i18n, other).to_owned(),
                    }}</p>
                </div>
            })}
            {mine.map(|status| view! {
                <p class="my-status">
                    {move || i18n.t("我的报名：", "My sign-up: ")}
                    <span class=labels::registration_badge(status) data-testid="my-registration" data-status=status.as_str()>
                        {move || labels::registration_status(i18n, status)}
                    </span>
                </p>
            })}
            {(!ineligible.is_empty() && mine.is_none()).then(|| view! {
                <div class="notice notice-warn" data-testid="ineligible">
                    <p class="notice-title">{move || i18n.t("你暂不能报名", "You cannot sign up")}</p>
                    <ul class="reasons">
                        {ineligible.iter().map(|r| {
                            let r = *r;
                            view! { <li data-reason=format!("{r:?}")>{move || labels::ineligible(i18n, r)}</li> }
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {move || other_error.get().map(|error| view! { <ErrorNotice error=error /> })}
            {
                let fields = fields.clone();
                let submit = submit.clone();
                move || form_open.get().then(|| {
                    let submit = submit.clone();
                    view! {
                        <form class="signup-form" data-testid="register-form" novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                            <h2>{move || i18n.t("填写报名信息", "Sign-up form")}</h2>
                            {(!has_fields).then(|| view! { <p class="muted">{move || i18n.t("本活动无需填写额外信息。", "Nothing to fill in for this activity.")}</p> })}
                            <AnswersForm fields=fields.clone() state=state />
                            <div class="action-bar">
                                <button class="btn" type="button" on:click=move |_| form_open.set(false)>{move || i18n.t("返回", "Back")}</button>
                                <button class="btn btn-primary btn-grow" type="submit" data-testid="register-submit" disabled=move || register.pending().get()>
                                    {move || if register.pending().get() { i18n.t("提交中…", "Sending…") } else { i18n.t("提交报名", "Sign up") }}
                                </button>
                            </div>
                        </form>
                    }
                })
            }
            {move || (!form_open.get()).then(|| {
                if cancellable && active {
                    view! {
                        <div class="action-bar">
                            <button class="btn btn-danger-outline btn-grow" type="button" data-testid="register-cancel" disabled=move || cancel.pending().get()
                                on:click=move |_| {
                                    let sure = web_sys::window()
                                        .and_then(|w| w.confirm_with_message(if late() {
                                            i18n.t("已过组织者设定的取消截止时间，现在取消将计入诚信记录（缺席一次）。确定取消吗？", "The organiser's cut-off has passed: cancelling now counts as a no-show on your record. Cancel anyway?")
                                        } else {
                                            i18n.t("确定取消报名吗？名额将让给候补同学。", "Cancel your sign-up? Your place goes to the waitlist.")
                                        }).ok())
                                        .unwrap_or(false);
                                    if sure { cancel.dispatch(()); }
                                }>
                                {move || i18n.t("取消报名", "Cancel sign-up")}
                            </button>
                        </div>
                    }.into_any()
                } else if open && mine.is_none() && ineligible.is_empty() {
                    view! {
                        <div class="action-bar">
                            <button class="btn btn-primary btn-grow" type="button" data-testid="register-open" on:click=move |_| {
                                other_error.set(None);
                                form_open.set(true);
                                // The form opens below the fold: bring it into view.
                                scroll_to("[data-testid=\"register-form\"]", None);
                            }>
                                {move || i18n.t("报名", "Sign up")}
                            </button>
                            <WatchButton activity=id />
                        </div>
                    }.into_any()
                } else if !open && mine.is_none() {
                    view! {
                        <p class="muted" data-testid="register-closed">{move || i18n.t("当前不在报名时间内。", "Registration is not open now.")}</p>
                        {upcoming.then(|| view! { <div class="action-bar"><WatchButton activity=id /></div> })}
                    }.into_any()
                } else {
                    ().into_any()
                }
            })}
        </section>
    }
}

/// Scrolls the first element matching `selector` (or its closest `around`, such as the whole
/// question) to the top of the view on the next frame, after the view has drawn what the last
/// change asked for. The page's `scroll-padding` keeps it clear of the sticky bars.
fn scroll_to(selector: &'static str, around: Option<&'static str>) {
    request_animation_frame(move || {
        let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
        else {
            return;
        };
        let target = around
            .and_then(|around| el.closest(around).ok().flatten())
            .unwrap_or(el);
        target.scroll_into_view_with_bool(true);
    });
}

/// The [`OrganiserPanel`], split out of the main WASM module into a chunk fetched the first time
/// an organisation account opens an activity: a student's phone never downloads it.
#[leptos::wasm_split::wasm_split(
    organiser_panel,
    wasm_split_path = ::leptos::wasm_split,
    fallible
)]
fn organiser_panel(
    activity: Activity,
    reload: Callback<()>,
) -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
    Ok(view! { <OrganiserPanel activity reload /> }.into_any())
}

/// What the organiser (and reviewers) see: the review chain, the history, and the next steps.
#[component]
fn OrganiserPanel(activity: Activity, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = activity.id;
    let status = activity.status;
    let organizer_id = activity.organizer.id;
    // Whether the organiser lies in this account's subtree (else it is a reviewer looking).
    let mine = LocalResource::new(move || {
        let within = session.with_me(|me| me.map(|me| me.organization.id));
        async move {
            api::all_organizations(&OrgFilter {
                within,
                include_inactive: true,
                ..Default::default()
            })
            .await
            .map(|list| list.iter().any(|o| o.id == organizer_id))
        }
    });
    let may_publish = move || session.can(Permission::PublishActivities);
    let may_list = move || may_publish() || session.can(Permission::RecordAttendance);
    let error = RwSignal::new(None::<ApiError>);
    let step = Action::new_local(move |what: &&'static str| {
        let what = *what;
        async move {
            match what {
                "submit" => api::submit_activity(id).await,
                _ => api::withdraw_activity(id).await,
            }
        }
    });
    let cancel_open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let cancel = Action::new_local(move |reason: &String| {
        let request = CancelRequest {
            reason: reason.clone(),
        };
        async move { api::cancel_activity(id, &request).await }
    });
    Effect::new(move |_| {
        let outcome = step.value().get().or_else(|| cancel.value().get());
        match outcome {
            Some(Ok(_)) => {
                error.set(None);
                cancel_open.set(false);
                reload.run(());
            }
            Some(Err(e)) => error.set(Some(e)),
            None => {}
        }
    });
    let review = activity.review.clone();
    let awaiting = activity.awaiting.clone();
    let transitions = activity.transitions.clone();

    view! {
        <section class="panel" data-testid="organiser-panel">
            {move || (mine.get().and_then(Result::ok) == Some(true)).then(|| view! {
                <div class="actions" data-testid="organiser-actions">
                    {(may_publish() && status != ActivityStatus::Submitted && status != ActivityStatus::Cancelled).then(|| view! {
                        <A href=format!("/manage/activities/{id}/edit") attr:class="btn" attr:data-testid="activity-edit">{move || i18n.t("编辑", "Edit")}</A>
                    })}
                    {(may_publish() && status == ActivityStatus::Draft).then(|| view! {
                        <button class="btn btn-primary" type="button" data-testid="activity-submit" disabled=move || step.pending().get()
                            on:click=move |_| { step.dispatch("submit"); }>{move || i18n.t("提交审核", "Submit for review")}</button>
                    })}
                    {(may_publish() && status == ActivityStatus::Submitted).then(|| view! {
                        <button class="btn" type="button" data-testid="activity-withdraw" disabled=move || step.pending().get()
                            on:click=move |_| { step.dispatch("withdraw"); }>{move || i18n.t("撤回审核", "Withdraw")}</button>
                    })}
                    {may_list().then(|| view! {
                        <A href=format!("/manage/activities/{id}/registrations") attr:class="btn" attr:data-testid="activity-registrations">{move || i18n.t("报名名单", "Sign-ups")}</A>
                    })}
                    {(status == ActivityStatus::Published && session.can(Permission::RecordAttendance)).then(|| view! {
                        <A href=format!("/activities/{id}/scan") attr:class="btn" attr:data-testid="activity-scanner">{move || i18n.t("扫码签到", "Scan codes")}</A>
                    })}
                    {(status == ActivityStatus::Published).then(|| view! {
                        <A href=format!("/manage/activities/{id}/evaluations") attr:class="btn" attr:data-testid="activity-evaluations">{move || i18n.t("活动评价", "Ratings")}</A>
                    })}
                    {(may_publish() && matches!(status, ActivityStatus::Published | ActivityStatus::Submitted)).then(|| view! {
                        <button class="btn btn-danger-outline" type="button" data-testid="activity-cancel-open" on:click=move |_| cancel_open.update(|o| *o = !*o)>
                            {move || i18n.t("取消活动", "Cancel the activity")}
                        </button>
                    })}
                </div>
            })}
            {move || cancel_open.get().then(|| view! {
                <form class="inline-form" data-testid="activity-cancel-form" on:submit=move |ev| {
                    ev.prevent_default();
                    if !reason.get_untracked().trim().is_empty() { cancel.dispatch(reason.get_untracked().trim().to_owned()); }
                }>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("取消原因（将通知已报名的同学）", "Reason (sent to everyone signed up)")}</span>
                        <textarea rows="3" data-testid="activity-cancel-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="actions">
                        <button class="btn btn-danger-outline" type="submit" data-testid="activity-cancel" disabled=move || reason.read().trim().is_empty() || cancel.pending().get()>
                            {move || i18n.t("确认取消活动", "Cancel the activity")}
                        </button>
                    </div>
                </form>
            })}
            {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="organiser-error">{message(i18n, &e)}</p> })}
            {(!review.is_empty()).then(|| view! {
                <h2 class="section-title">{move || i18n.t("审核流程", "Review chain")}</h2>
                <ol class="review-chain" data-testid="review-chain">
                    {review.into_iter().map(|step| {
                        let waiting = awaiting.as_ref().is_some_and(|a| a.id == step.organization_id);
                        let approved_at = step.approved_at;
                        view! {
                            <li class:step-done=approved_at.is_some() class:step-now=waiting>
                                <strong>{step.organization_name}</strong>" "
                                {move || match approved_at {
                                    Some(at) => format!("{} {}", i18n.t("已通过", "approved"), format::datetime(i18n.locale(), at)),
                                    None if waiting => i18n.t("审核中", "reviewing now").to_owned(),
                                    None => i18n.t("待审核", "to review").to_owned(),
                                }}
                                {step.approved_by.map(|by| view! { <span class="muted">" · " {by}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
            {(!transitions.is_empty()).then(|| view! {
                <h2 class="section-title">{move || i18n.t("记录", "History")}</h2>
                <ul class="history" data-testid="history">
                    {transitions.into_iter().rev().map(|t| {
                        let at = t.at;
                        let action = t.action.clone();
                        view! {
                            <li data-action=t.action.clone()>
                                <span class="muted small">{move || format::datetime(i18n.locale(), at)}</span>
                                <span><strong>{move || labels::transition(i18n, &action)}</strong>" · "{t.organization_name}" "{t.actor_name}</span>
                                {t.reason.map(|r| view! { <span class="history-reason">{r}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}
