//! 关注: a student watches an activity and is told a day before its registration closes.

use leptos::prelude::*;

use crate::{api, components::toast::use_toast, i18n::use_i18n};

#[component]
pub fn WatchButton(activity: i64) -> impl IntoView {
    let i18n = use_i18n();
    let toasts = use_toast();
    let watching = RwSignal::new(None::<bool>);
    leptos::task::spawn_local(async move {
        if let Ok(on) = api::watching(activity).await {
            watching.set(Some(on));
        }
    });
    let toggle = Action::new_local(move |on: &bool| {
        let on = *on;
        async move {
            match api::set_watching(activity, on).await {
                Ok(()) => {
                    watching.set(Some(on));
                    toasts.ok(if on {
                        i18n.t(
                            "已关注：报名截止前一天会提醒你",
                            "Watching: you will be reminded a day before registration closes",
                        )
                    } else {
                        i18n.t("已取消关注", "No longer watching")
                    });
                }
                Err(error) => toasts.error(&error),
            }
        }
    });
    move || {
        watching.get().map(|on| {
            view! {
                <button class="btn" type="button" data-testid="watch" aria-pressed=move || on.to_string()
                    disabled=move || toggle.pending().get()
                    on:click=move |_| { toggle.dispatch(!on); }>
                    {move || if on { i18n.t("★ 已关注", "★ Watching") } else { i18n.t("☆ 关注", "☆ Watch") }}
                </button>
            }
        })
    }
}
