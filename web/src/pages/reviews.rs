//! 审核: what waits for this organisation's approval, oldest first with how long each has
//! waited. Approve passes it up the chain (the last approval publishes it); reject sends it
//! back to the organiser as a draft with the reason.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    activity::{ReviewDecision, ReviewItem},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        pager::Pager,
    },
    format,
    i18n::use_i18n,
    labels,
};

const PER_PAGE: u32 = 20;

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1_u32);
    let queue = LocalResource::new(move || {
        let page = page.get();
        async move { api::reviews(page, PER_PAGE).await }
    });
    let decided = Callback::new(move |()| queue.refetch());

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("活动审核", "Reviews")}</h1>
            <button class="btn btn-small" type="button" on:click=move |_| queue.refetch()>{move || i18n.t("刷新", "Refresh")}</button>
        </div>
        <p class="muted">{move || i18n.t("按提交时间排列，最早的在前。", "Oldest submissions first.")}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || queue.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="reviews-empty">
                        <p class="empty-icon" aria-hidden="true">"✓"</p>
                        <p>{move || i18n.t("没有待审核的活动。", "Nothing waits for your review.")}</p>
                        <p class="muted">{move || i18n.t("下级组织提交活动后会出现在这里。", "Activities submitted by organisations below yours appear here.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    view! {
                        <ul class="review-list" data-testid="reviews">
                            {list.items.into_iter().map(|item| view! { <ReviewCard item=item decided=decided /> }).collect_view()}
                        </ul>
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| page.set(p)) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| queue.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ReviewCard(item: ReviewItem, decided: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let a = item.activity;
    let id = a.id;
    let (starts_at, ends_at) = (a.starts_at, a.ends_at);
    let waited = item.waiting_seconds;
    let submitted_at = item.submitted_at;
    let past_dated = item.past_dated;
    let level = a.credit_level;
    let rejecting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let decide = Action::new_local(move |(approve, reason): &(bool, Option<String>)| {
        let (approve, decision) = (
            *approve,
            ReviewDecision {
                reason: reason.clone(),
            },
        );
        async move {
            if approve {
                api::approve_activity(id, &decision).await
            } else {
                api::reject_activity(id, &decision).await
            }
        }
    });
    Effect::new(move |_| match decide.value().get() {
        Some(Ok(_)) => decided.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <li class="card review-card" data-testid="review-item" data-id=id.to_string()>
            <div class="activity-card-top">
                <span class="tag tag-category">{a.category_name.clone()}</span>
                <span class="tag">{move || labels::credit_level(i18n, level)}</span>
                <span class="spacer"></span>
                <span class="badge badge-warn" data-testid="review-age" title=move || format::datetime(i18n.locale(), submitted_at)>
                    {move || format!("{}{}", i18n.t("已等待 ", "Waiting "), format::waited(i18n.locale(), waited))}
                </span>
            </div>
            <h2 class="activity-title"><A href=format!("/activities/{id}") attr:data-testid="review-open">{a.title.clone()}</A></h2>
            {past_dated.then(|| view! {
                <p class="notice small" data-testid="review-past-dated">{move || i18n.t(
                    "补发活动：提交时活动已开始一小时以上，学生无法事先报名。请核实后再通过。",
                    "Dated in the past: it began over an hour before it was submitted, so nobody could sign up beforehand. Check before approving.",
                )}</p>
            })}
            <p class="activity-line"><span class="line-icon" aria-hidden="true">"⚑"</span>{a.organizer.name.clone()}</p>
            <p class="activity-line"><span class="line-icon" aria-hidden="true">"◷"</span>{move || format::span(i18n.locale(), starts_at, ends_at)}</p>
            <p class="activity-line"><span class="line-icon" aria-hidden="true">"◎"</span>{a.place.clone()}</p>
            {move || rejecting.get().then(|| view! {
                <label class="field">
                    <span class="field-label">{move || i18n.t("驳回原因（组织方可见）", "Why (the organiser sees it)")}</span>
                    <textarea rows="3" data-testid="review-reason" prop:value=reason on:input=move |ev| { reason.set(event_target_value(&ev)); error.set(None); }></textarea>
                </label>
            })}
            {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="review-error">{message(i18n, &e)}</p> })}
            <div class="actions">
                {move || if rejecting.get() {
                    view! {
                        <button class="btn" type="button" on:click=move |_| rejecting.set(false)>{move || i18n.t("返回", "Back")}</button>
                        <button class="btn btn-danger-outline" type="button" data-testid="review-reject-confirm"
                            disabled=move || reason.read().trim().is_empty() || decide.pending().get()
                            on:click=move |_| { decide.dispatch((false, Some(reason.get_untracked().trim().to_owned()))); }>
                            {move || i18n.t("确认驳回", "Reject")}
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <button class="btn btn-danger-outline" type="button" data-testid="review-reject" on:click=move |_| rejecting.set(true)>
                            {move || i18n.t("驳回", "Reject")}
                        </button>
                        <button class="btn btn-primary btn-grow" type="button" data-testid="review-approve" disabled=move || decide.pending().get()
                            on:click=move |_| { decide.dispatch((true, None)); }>
                            {move || i18n.t("通过", "Approve")}
                        </button>
                    }.into_any()
                }}
            </div>
        </li>
    }
}
