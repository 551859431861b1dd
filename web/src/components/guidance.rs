//! 补齐差距 / 为你推荐 (精准育人): the open activities that close a student's gap to the
//! graduation requirement — or, once it is met, that match what they take part in — as cards
//! saying what each brings (+2 分 · 志愿服务) and the places left, each opening the activity.
//! The student sees their own on the home and points pages; an adviser sees a student's under
//! their row of the behind list, with a 提醒 button that answers beside itself.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    guidance::{Gap, Reason, Suggestion, Suggestions},
};

use crate::{
    api,
    components::error::{ErrorNotice, message},
    format,
    i18n::{I18n, Locale, use_i18n},
    labels::CategoryNames,
};

/// A category's name in the current locale: the server's Chinese name, the default English.
fn category(i18n: I18n, code: &str, name_zh: &str) -> String {
    match (i18n.locale(), code) {
        (_, "total") => i18n.t("总分", "Total").to_owned(),
        (Locale::Zh, _) => name_zh.to_owned(),
        (Locale::En, _) => CategoryNames::new().name(i18n, code),
    }
}

/// `还差 志愿服务 2 分、总分 2 分`.
fn gap_text(i18n: I18n, gap: &[Gap]) -> String {
    let parts: Vec<String> = gap
        .iter()
        .map(|g| {
            let name = category(i18n, &g.category, &g.category_name);
            let mut what = Vec::new();
            if g.points.0 > 0 {
                what.push(match i18n.locale() {
                    Locale::Zh => format!("{} 分", g.points),
                    Locale::En => format!("{} pts", g.points),
                });
            }
            if g.hours > 0.0 {
                what.push(match i18n.locale() {
                    Locale::Zh => format!("{} 小时", format::number(g.hours)),
                    Locale::En => format!("{} h", format::number(g.hours)),
                });
            }
            format!("{name} {}", what.join(" + "))
        })
        .collect();
    match i18n.locale() {
        Locale::Zh => format!("还差：{}", parts.join("、")),
        Locale::En => format!("Still missing: {}", parts.join(", ")),
    }
}

/// The signed-in student's own suggestions, loaded here (home and 我的积分).
#[component]
pub fn MySuggestions() -> impl IntoView {
    let suggestions = LocalResource::new(api::my_suggestions);
    view! {
        <Transition fallback=|| ()>
            {move || suggestions.get().map(|result| match result {
                Ok(s) => view! { <SuggestionsPanel suggestions=s /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| suggestions.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// The heading, what is missing, and a card per suggestion (or what to do when none).
#[component]
pub fn SuggestionsPanel(suggestions: Suggestions) -> impl IntoView {
    let i18n = use_i18n();
    let Suggestions { behind, gap, items } = suggestions;
    let empty = items.is_empty();
    view! {
        <section class="panel guidance" data-testid="guidance" data-behind=behind.to_string()>
            <h2>{move || if behind { i18n.t("补齐差距", "Close your gap") } else { i18n.t("为你推荐", "Suggested for you") }}</h2>
            {behind.then(|| view! {
                <p class="guidance-gap" data-testid="guidance-gap">{move || gap_text(i18n, &gap)}</p>
            })}
            {if empty {
                view! {
                    <p class="muted" data-testid="guidance-empty">{move || if behind {
                        i18n.t("暂时没有能补齐差距的可报名活动，新活动发布后会出现在这里。", "No open activity closes the gap yet; new ones will appear here.")
                    } else {
                        i18n.t("暂时没有可报名的活动。", "No activity is open for sign-up right now.")
                    }}</p>
                }.into_any()
            } else {
                view! {
                    <ul class="guidance-cards">
                        {items.into_iter().map(|item| view! { <SuggestionCard item=item /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn SuggestionCard(item: Suggestion) -> impl IntoView {
    let i18n = use_i18n();
    let Suggestion {
        activity_id,
        title,
        category: code,
        category_name,
        starts_at,
        registration_closes_at,
        places_left,
        waitlist,
        points,
        hours,
        reason,
        ..
    } = item;
    let name = {
        let (code, name) = (code.clone(), category_name.clone());
        move || category(i18n, &code, &name)
    };
    let brings = {
        let name = name.clone();
        move || {
            let mut text = match i18n.locale() {
                Locale::Zh => format!("+{points} 分"),
                Locale::En => format!("+{points} pts"),
            };
            if hours > 0.0 {
                text.push_str(&match i18n.locale() {
                    Locale::Zh => format!(" · {} 小时", format::number(hours)),
                    Locale::En => format!(" · {} h", format::number(hours)),
                });
            }
            format!("{text} · {}", name())
        }
    };
    let places = move || match (places_left, waitlist) {
        (_, true) => i18n.t("已满 · 可候补", "Full · waitlist").to_owned(),
        (None, _) => i18n.t("名额不限", "No limit").to_owned(),
        (Some(n), _) => match i18n.locale() {
            Locale::Zh => format!("剩 {n} 个名额"),
            Locale::En => format!("{n} places left"),
        },
    };
    let why = move || match reason {
        Reason::Category => match i18n.locale() {
            Locale::Zh => format!("补{}", name()),
            Locale::En => format!("Closes {}", name()),
        },
        Reason::Total => i18n.t("计入总分", "Adds to your total").to_owned(),
        Reason::Interest => i18n.t("你常参加", "You often join").to_owned(),
        Reason::Soon => i18n.t("即将开始", "Coming up").to_owned(),
    };
    view! {
        <li class="guidance-card" data-testid="guidance-item" data-id=activity_id.to_string() data-category=code.clone()>
            <A href=format!("/activities/{activity_id}") attr:class="guidance-card-link">
                <p class="guidance-card-head">
                    <span class="guidance-brings" data-testid="guidance-brings">{brings}</span>
                    <span class="tag guidance-reason" class:tag-gap={reason == Reason::Category}>{why}</span>
                </p>
                <p class="guidance-card-title">{title}</p>
                <p class="muted small">
                    {move || i18n.t("报名截止 ", "Sign-up closes ")}{move || format::datetime(i18n.locale(), registration_closes_at)}
                    " · "{move || i18n.t("开始 ", "starts ")}{move || format::datetime(i18n.locale(), starts_at)}
                </p>
                <p class="guidance-places small" class:guidance-full=waitlist data-testid="guidance-places">{places}</p>
            </A>
        </li>
    }
}

/// Under a row of the behind list: the student's suggestions, loaded when opened.
#[component]
pub fn StudentSuggestions(student_id: i64) -> impl IntoView {
    let suggestions = LocalResource::new(move || api::student_suggestions(student_id));
    view! {
        <Transition fallback=move || view! { <p class="muted small">"…"</p> }>
            {move || suggestions.get().map(|result| match result {
                Ok(s) => view! { <SuggestionsPanel suggestions=s /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}

/// 提醒: sends the student a reminder naming what they miss and three suggestions; the outcome
/// shows beside the button.
#[component]
pub fn RemindButton(student_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let remind = Action::new_local(move |_: &()| api::remind_student(student_id));
    let outcome =
        move || -> Option<Result<(), ApiError>> { remind.value().get().map(|r| r.map(|_| ())) };
    view! {
        <span class="remind">
            <button type="button" class="btn btn-small" data-testid="behind-remind"
                disabled=move || remind.pending().get() || matches!(outcome(), Some(Ok(())))
                on:click=move |_| { remind.dispatch(()); }>
                {move || i18n.t("提醒", "Remind")}
            </button>
            {move || outcome().map(|result| match result {
                Ok(()) => view! { <span class="remind-outcome ok" role="status" data-testid="behind-reminded">{move || i18n.t("已发送提醒", "Reminder sent")}</span> }.into_any(),
                Err(error) => view! { <span class="remind-outcome error" role="alert" data-testid="behind-remind-error">{move || message(i18n, &error)}</span> }.into_any(),
            })}
        </span>
    }
}
