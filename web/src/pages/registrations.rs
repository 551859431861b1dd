//! 报名名单: an activity's sign-ups in sign-up order with the students' answers as columns — a
//! table on wide screens, cards under 600 px — filtered by state and searched by name or number
//! (kept in the URL). In review mode each pending sign-up is approved or rejected here; a
//! lottery is drawn here once registration has closed; the list exports as Excel or CSV.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use serde_json::Value;
use shared::{
    ApiError,
    activity::{Activity, EnrolmentMode, FormField, Phase, Registration, RegistrationStatus},
    auth::Permission,
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        pager::Pager,
        route::id_param,
        toast::use_toast,
    },
    files, format,
    i18n::{Locale, use_i18n},
    labels,
    session::use_session,
};

const PER_PAGE: u32 = 50;

const STATES: [RegistrationStatus; 6] = [
    RegistrationStatus::Confirmed,
    RegistrationStatus::Waitlisted,
    RegistrationStatus::Pending,
    RegistrationStatus::Rejected,
    RegistrationStatus::NotSelected,
    RegistrationStatus::Cancelled,
];

#[component]
pub fn RegistrationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let activity = LocalResource::new(move || {
        let id = id.get().unwrap_or(0);
        async move { api::activity(id).await }
    });
    view! {
        <p class="crumbs"><A href=move || format!("/activities/{}", id.get().unwrap_or(0))>{move || i18n.t("‹ 活动详情", "‹ The activity")}</A></p>
        <Suspense fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || activity.get().map(|result| match result {
                Ok(a) => view! { <Registrants activity=a reload=Callback::new(move |()| activity.refetch()) /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| activity.refetch()) /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Registrants(activity: Activity, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let id = activity.id;
    let status = Memo::new(move |_| {
        query
            .read()
            .get("status")
            .and_then(|s| RegistrationStatus::parse(&s))
    });
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1_u32)
    });
    let search = RwSignal::new(q.get_untracked());
    let list = LocalResource::new(move || {
        let (status, q, page) = (status.get(), q.get(), page.get());
        async move { api::registrations(id, status, Some(&q), page, PER_PAGE).await }
    });
    let go = move |status: Option<RegistrationStatus>, q: String, page: u32| {
        let mut parts = Vec::new();
        if let Some(status) = status {
            parts.push(format!("status={}", status.as_str()));
        }
        if !q.trim().is_empty() {
            parts.push(format!("q={}", api::encode(q.trim())));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        let base = format!("/manage/activities/{id}/registrations");
        let url = if parts.is_empty() {
            base
        } else {
            format!("{base}?{}", parts.join("&"))
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let changed = Callback::new(move |()| {
        list.refetch();
        reload.run(());
    });

    // Exports, fetched with the session's token and saved as files.
    let export_error = RwSignal::new(None::<ApiError>);
    let export = Action::new_local(move |format: &&'static str| {
        let format = *format;
        async move {
            let bytes = api::export_registrations(id, format).await?;
            let (name, mime) = match format {
                "csv" => (format!("registrations-{id}.csv"), "text/csv"),
                _ => (
                    format!("registrations-{id}.xlsx"),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            };
            files::save_bytes(&name, mime, &bytes)
                .map_err(|e| ApiError::new(shared::ErrorCode::Internal, e))
        }
    });
    let toasts = use_toast();
    // Exports are at the top of the page and the list may be long: the outcome is a toast.
    Effect::new(move |_| match export.value().get() {
        Some(Ok(())) => {
            toasts.ok(i18n.t("文件已生成，正在下载", "The file is ready and downloading"))
        }
        Some(Err(e)) => {
            toasts.error(&e);
            export_error.set(Some(e));
        }
        None => {}
    });

    let may_decide = move || session.can(Permission::PublishActivities);
    let lottery_ready = activity.enrolment_mode == EnrolmentMode::Lottery
        && activity.lottery_seed.is_none()
        && matches!(
            activity.phase,
            Some(Phase::RegistrationClosed | Phase::InProgress | Phase::Ended)
        );
    let lottery = Action::new_local(move |_: &()| async move { api::draw_lottery(id).await });
    Effect::new(move |_| match lottery.value().get() {
        Some(Ok(_)) => {
            toasts.ok(i18n.t("已抽签，名单已更新", "Drawn: the list is updated"));
            changed.run(());
        }
        Some(Err(e)) => {
            toasts.error(&e);
            export_error.set(Some(e));
        }
        None => {}
    });
    let review_mode = activity.enrolment_mode == EnrolmentMode::Review;
    let fields = activity.fields.clone();
    let (confirmed, capacity, waitlisted, pending) = (
        activity.confirmed,
        activity.capacity,
        activity.waitlisted,
        activity.pending,
    );
    let seed = activity.lottery_seed.clone();

    view! {
        <div class="page-head">
            <div>
                <h1 data-testid="registrations-title">{move || i18n.t("报名名单", "Sign-ups")}</h1>
                <p class="muted">{activity.title.clone()}</p>
            </div>
            <div class="actions">
                <button class="btn btn-small" type="button" data-testid="export-xlsx" disabled=move || export.pending().get()
                    on:click=move |_| { export_error.set(None); export.dispatch("xlsx"); }>{move || i18n.t("导出 Excel", "Export Excel")}</button>
                <button class="btn btn-small" type="button" data-testid="export-csv" disabled=move || export.pending().get()
                    on:click=move |_| { export_error.set(None); export.dispatch("csv"); }>{move || i18n.t("导出 CSV", "Export CSV")}</button>
            </div>
        </div>
        <div class="counts" data-testid="registration-counts">
            <span class="count count-create"><strong>{confirmed}</strong>{move || match capacity {
                Some(c) => format!("/ {c} {}", i18n.t("已确认", "confirmed")),
                None => i18n.t("已确认", "confirmed").to_owned(),
            }}</span>
            <span class="count"><strong>{waitlisted}</strong>{move || i18n.t("候补", "waitlisted")}</span>
            <span class="count"><strong>{pending}</strong>{move || i18n.t("待定", "pending")}</span>
        </div>
        {move || export.pending().get().then(|| view! {
            <div class="progress"><div class="progress-bar"></div><p class="muted small">{move || i18n.t("正在生成文件…", "Preparing the file…")}</p></div>
        })}
        {move || export_error.get().map(|e| view! { <p class="field-error" role="alert">{message(i18n, &e)}</p> })}
        {seed.map(|seed| view! { <p class="muted small">{move || i18n.t("抽签种子：", "Lottery seed: ")}<code class="code">{seed.clone()}</code></p> })}
        {(lottery_ready && may_decide()).then(|| view! {
            <div class="notice notice-warn">
                <p class="notice-detail">{move || i18n.t("报名已截止，可以抽签确定名额。抽签种子会被记录，结果可复核。", "Registration has closed: draw the places. The seed is recorded so anyone can check the draw.")}</p>
                <button class="btn btn-primary" type="button" data-testid="lottery-draw" disabled=move || lottery.pending().get()
                    on:click=move |_| {
                        let sure = web_sys::window()
                            .and_then(|w| w.confirm_with_message(i18n.t("确定现在抽签吗？抽签后不可撤销。", "Draw now? This cannot be undone.")).ok())
                            .unwrap_or(false);
                        if sure { lottery.dispatch(()); }
                    }>{move || i18n.t("抽签", "Draw the lottery")}</button>
            </div>
        })}
        <form class="filters" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="registrations-search"
                placeholder=move || i18n.t("姓名或学号", "Name or student number")
                prop:value=search
                on:input={
                    let go = go.clone();
                    move |ev| {
                        let text = event_target_value(&ev);
                        search.set(text.clone());
                        go(status.get_untracked(), text, 1);
                    }
                } />
        </form>
        <div class="chips" data-testid="registrations-status">
            <button type="button" class="chip" class:chip-on=move || status.get().is_none()
                on:click={ let go = go.clone(); move |_| go(None, q.get_untracked(), 1) }>{move || i18n.t("全部", "All")}</button>
            {STATES.into_iter().map(|s| {
                let go = go.clone();
                view! {
                    <button type="button" class="chip" class:chip-on=move || status.get() == Some(s) data-status=s.as_str()
                        on:click=move |_| go(Some(s), q.get_untracked(), 1)>{move || labels::registration_status(i18n, s)}</button>
                }
            }).collect_view()}
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {
                let go = go.clone();
                let fields = fields.clone();
                move || list.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => view! {
                        <div class="empty" data-testid="registrations-empty">
                            <p>{move || i18n.t("还没有人报名。", "Nobody has signed up yet.")}</p>
                            <p class="muted">{move || i18n.t("活动发布且报名开始后，报名信息会出现在这里。", "Sign-ups appear here once the activity is published and registration opens.")}</p>
                        </div>
                    }.into_any(),
                    Ok(page) => {
                        let (current, pages, total) = (page.page, page.pages(), page.total);
                        let go = go.clone();
                        view! {
                            <RegistrationTable items=page.items fields=fields.clone() decide={review_mode && may_decide()} changed=changed />
                            <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| go(status.get_untracked(), q.get_untracked(), p)) />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
                })
            }
        </Transition>
    }
}

/// An answer as text: choices joined with 、.
fn answer_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("、"),
        Some(other) => other.to_string(),
    }
}

#[component]
fn RegistrationTable(
    items: Vec<Registration>,
    fields: Vec<FormField>,
    decide: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toast();
    let error = RwSignal::new(None::<ApiError>);
    let act = Action::new_local(move |(id, approve): &(i64, bool)| {
        let (id, approve) = (*id, *approve);
        async move {
            let outcome = if approve {
                api::approve_registration(id).await
            } else {
                api::reject_registration(id).await
            };
            outcome.map(|r| (approve, r))
        }
    });
    // The row's buttons may sit far below the table's head: the outcome is a toast as well.
    Effect::new(move |_| match act.value().get() {
        Some(Ok((approve, r))) => {
            error.set(None);
            toasts.ok(match (i18n.locale(), approve) {
                (Locale::Zh, true) => format!("已通过 {} 的报名", r.student_name),
                (Locale::Zh, false) => format!("已拒绝 {} 的报名", r.student_name),
                (Locale::En, true) => format!("Approved {}", r.student_name),
                (Locale::En, false) => format!("Rejected {}", r.student_name),
            });
            changed.run(());
        }
        Some(Err(e)) => {
            toasts.error(&e);
            error.set(Some(e));
        }
        None => {}
    });
    // 准假: the organiser excuses a confirmed student's absence (never a no-show), or withdraws it.
    let excuse = Action::new_local(move |(id, reason): &(i64, Option<String>)| {
        let (id, reason) = (*id, reason.clone());
        async move { api::excuse(id, reason.as_deref()).await }
    });
    Effect::new(move |_| match excuse.value().get() {
        Some(Ok(r)) => {
            error.set(None);
            toasts.ok(match (i18n.locale(), r.excuse.is_some()) {
                (Locale::Zh, true) => format!("已为 {} 准假", r.student_name),
                (Locale::Zh, false) => format!("已撤销 {} 的准假", r.student_name),
                (Locale::En, true) => format!("{} is excused", r.student_name),
                (Locale::En, false) => format!("{} is no longer excused", r.student_name),
            });
            changed.run(());
        }
        Some(Err(e)) => {
            toasts.error(&e);
            error.set(Some(e));
        }
        None => {}
    });
    // The columns are the fixed ones plus one per question, so the table is built here rather
    // than with `DataTable`'s static headings; the cells carry `data-label` all the same.
    let labels_row = fields.iter().map(|f| f.label.clone()).collect::<Vec<_>>();
    view! {
        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{message(i18n, &e)}</p> })}
        <div class="table-wrap">
            <table class="data-table" data-testid="registrations-table">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.t("学号", "Student no.")}</th>
                        <th scope="col">{move || i18n.t("姓名", "Name")}</th>
                        <th scope="col">{move || i18n.t("学院 / 班级", "College / class")}</th>
                        <th scope="col">{move || i18n.t("状态", "State")}</th>
                        <th scope="col">{move || i18n.t("报名时间", "Signed up")}</th>
                        <th scope="col">{move || i18n.t("本学期缺席 / 准假", "No-shows / excused")}</th>
                        {labels_row.iter().map(|l| view! { <th scope="col">{l.clone()}</th> }).collect_view()}
                        {decide.then(|| view! { <th scope="col">{move || i18n.t("操作", "Decide")}</th> })}
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|r| {
                        let status = r.status;
                        let position = r.waitlist_position;
                        let at = r.registered_at;
                        let rid = r.id;
                        view! {
                            <tr data-testid="registration-row" data-student=r.student_no.clone() data-status=status.as_str()>
                                <td class="cell-key" data-label=move || i18n.t("学号", "Student no.")>{r.student_no.clone()}</td>
                                <td class="cell-title" data-label=move || i18n.t("姓名", "Name")>{r.student_name.clone()}</td>
                                <td data-label=move || i18n.t("学院 / 班级", "College / class")>{format!("{} {}", r.college_name, r.class_name)}</td>
                                <td data-label=move || i18n.t("状态", "State")>
                                    <span class=labels::registration_badge(status)>
                                        {move || labels::registration_status(i18n, status)}
                                        {move || position.filter(|_| status == RegistrationStatus::Waitlisted).map(|n| match i18n.locale() {
                                            Locale::Zh => format!(" 第 {n} 位"),
                                            Locale::En => format!(" #{n}"),
                                        })}
                                    </span>
                                </td>
                                <td class="cell-nowrap" data-label=move || i18n.t("报名时间", "Signed up")>{move || format::datetime(i18n.locale(), at)}</td>
                                <td data-label=move || i18n.t("本学期缺席 / 准假", "No-shows / excused")>
                                    {
                                        let shows = r.no_shows.unwrap_or(0);
                                        view! {
                                            <span class=if shows == 0 { "badge" } else { "badge badge-warn" } data-testid="registration-no-shows">
                                                {move || match i18n.locale() { Locale::Zh => format!("缺席 {shows}"), Locale::En => format!("{shows} no-show(s)") }}
                                            </span>
                                        }
                                    }
                                    {match (status == RegistrationStatus::Confirmed, r.excuse.clone()) {
                                        (true, Some(reason)) => view! {
                                            <span class="small good" data-testid="registration-excused">{move || i18n.t(" 已准假：", " Excused: ")}{reason.clone()}</span>
                                            <button class="btn btn-small" type="button" data-testid="registration-unexcuse" disabled=move || excuse.pending().get()
                                                on:click=move |_| { excuse.dispatch((rid, None)); }>{move || i18n.t("撤销", "Withdraw")}</button>
                                        }.into_any(),
                                        (true, None) => view! {
                                            <button class="btn btn-small" type="button" data-testid="registration-excuse" disabled=move || excuse.pending().get()
                                                on:click=move |_| {
                                                    let reason = web_sys::window()
                                                        .and_then(|w| w.prompt_with_message(i18n.t("准假原因（学生可见）", "Reason (the student sees it)")).ok().flatten())
                                                        .map(|r| r.trim().to_owned())
                                                        .filter(|r| !r.is_empty());
                                                    if let Some(reason) = reason { excuse.dispatch((rid, Some(reason))); }
                                                }>{move || i18n.t("准假", "Excuse")}</button>
                                        }.into_any(),
                                        _ => ().into_any(),
                                    }}
                                </td>
                                {fields.iter().map(|f| {
                                    let label = f.label.clone();
                                    view! { <td data-label=label data-key=f.key.clone() data-testid="registration-answer">{answer_text(r.answers.get(&f.key))}</td> }
                                }).collect_view()}
                                {decide.then(|| view! {
                                    <td class="cell-details" data-label=move || i18n.t("操作", "Decide")>
                                        {(status == RegistrationStatus::Pending).then(|| view! {
                                            <div class="actions">
                                                <button class="btn btn-small btn-primary" type="button" data-testid="registration-approve" disabled=move || act.pending().get()
                                                    on:click=move |_| { act.dispatch((rid, true)); }>{move || i18n.t("通过", "Approve")}</button>
                                                <button class="btn btn-small btn-danger-outline" type="button" data-testid="registration-reject" disabled=move || act.pending().get()
                                                    on:click=move |_| { act.dispatch((rid, false)); }>{move || i18n.t("拒绝", "Reject")}</button>
                                            </div>
                                        })}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
