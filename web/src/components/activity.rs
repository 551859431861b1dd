//! Pieces of an activity reused by the feed, the organisation's list and the review queue: the
//! state badge and the card with category, time, place, organiser and places at a glance.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::activity::{ActivityStatus, ActivitySummary, Phase};

use crate::{
    format,
    i18n::{Locale, use_i18n},
    labels,
};

/// Where an activity stands: its phase once published, else its status.
#[component]
pub fn StateBadge(status: ActivityStatus, phase: Option<Phase>) -> impl IntoView {
    let i18n = use_i18n();
    let class = match (status, phase) {
        (ActivityStatus::Cancelled, _) => "badge badge-off",
        (ActivityStatus::Published, Some(Phase::RegistrationOpen)) => "badge badge-on",
        (ActivityStatus::Published, Some(Phase::Upcoming)) => "badge badge-main",
        (ActivityStatus::Published, Some(Phase::Ended)) => "badge",
        (ActivityStatus::Published, _) => "badge badge-warn",
        (ActivityStatus::Submitted, _) => "badge badge-warn",
        (ActivityStatus::Draft, _) => "badge",
    };
    view! {
        <span class=class data-testid="activity-state" data-status=status.as_str()>
            {move || match (status, phase) {
                (ActivityStatus::Published, Some(phase)) => labels::phase(i18n, phase),
                _ => labels::activity_status(i18n, status),
            }}
        </span>
    }
}

/// "已报 12 / 60 人", or "已报 12 人 · 不限名额".
pub fn places(locale: Locale, confirmed: u32, capacity: Option<u32>) -> String {
    match (locale, capacity) {
        (Locale::Zh, Some(capacity)) => format!("已报 {confirmed} / {capacity} 人"),
        (Locale::Zh, None) => format!("已报 {confirmed} 人 · 不限名额"),
        (Locale::En, Some(capacity)) => format!("{confirmed} / {capacity} places taken"),
        (Locale::En, None) => format!("{confirmed} signed up · no limit"),
    }
}

/// An activity as a card linking to `href`.
#[component]
pub fn ActivityCard(activity: ActivitySummary, href: String) -> impl IntoView {
    let i18n = use_i18n();
    let ActivitySummary {
        id,
        title,
        category,
        category_name,
        organizer,
        credit_level,
        starts_at,
        ends_at,
        place,
        campus,
        capacity,
        confirmed,
        status,
        phase,
        ..
    } = activity;
    let full = capacity.is_some_and(|c| confirmed >= c);
    let where_ = if campus.trim().is_empty() {
        place
    } else {
        format!("{campus} · {place}")
    };
    view! {
        <A href=href attr:class="card card-link activity-card" attr:data-testid="activity-card" attr:data-id=id.to_string()>
            <div class="activity-card-top">
                <span class="tag tag-category">{move || labels::activity_category(i18n, &category, &category_name)}</span>
                <span class="tag">{move || labels::credit_level(i18n, credit_level)}</span>
                <span class="spacer"></span>
                <StateBadge status=status phase=phase />
            </div>
            <h2 class="activity-title" data-testid="activity-card-title">{title}</h2>
            <p class="activity-line"><span class="line-icon" aria-hidden="true">"◷"</span>{move || format::span(i18n.locale(), starts_at, ends_at)}</p>
            <p class="activity-line"><span class="line-icon" aria-hidden="true">"◎"</span>{where_}</p>
            <p class="activity-line muted"><span class="line-icon" aria-hidden="true">"⚑"</span>{organizer.name}</p>
            <p class="activity-places" class:bad=full>{move || places(i18n.locale(), confirmed, capacity)}</p>
        </A>
    }
}
