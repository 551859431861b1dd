//! 进行中的活动: for an organiser who records attendance, what their organisations run right
//! now, each one tap from its projector screen (签到大屏) and the scanner (扫码签到).

use leptos::prelude::*;
use leptos_router::components::A;
use shared::activity::ActivityStatus;

use crate::{
    api::{self, ActivityFilter},
    format,
    i18n::use_i18n,
};

#[component]
pub fn RunningNow() -> impl IntoView {
    let i18n = use_i18n();
    let running = LocalResource::new(|| async {
        let now = chrono::Utc::now();
        let filter = ActivityFilter {
            managed: true,
            from: Some(now),
            to: Some(now),
            status: Some(ActivityStatus::Published),
            ..ActivityFilter::default()
        };
        api::activities(&filter, 1, 10).await
    });
    move || {
        running.get().and_then(Result::ok).filter(|page| !page.items.is_empty()).map(|page| {
            view! {
                <section class="panel running-now" data-testid="running-now" aria-labelledby="running-title">
                    <h2 id="running-title">{move || i18n.t("正在进行", "Under way now")}</h2>
                    <ul class="running-list">
                        {page.items.into_iter().map(|a| {
                            let (starts, ends) = (a.starts_at, a.ends_at);
                            view! {
                                <li class="running-item" data-testid="running-activity">
                                    <div>
                                        <A href=format!("/activities/{}", a.id)><strong>{a.title.clone()}</strong></A>
                                        <p class="muted small">{move || format::datetime(i18n.locale(), starts)}" – "{move || format::datetime(i18n.locale(), ends)}" · "{a.place.clone()}</p>
                                    </div>
                                    <div class="actions">
                                        <A href=format!("/manage/activities/{}/checkin", a.id) attr:class="btn btn-primary btn-small" attr:data-testid="running-screen">{move || i18n.t("签到大屏", "Check-in screen")}</A>
                                        <A href=format!("/activities/{}/scan", a.id) attr:class="btn btn-small">{move || i18n.t("扫码签到", "Scan codes")}</A>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}
