//! The working-day deadline calculator: "N working days after date D", checked as you type with
//! the rule the server applies, answered by the server from the school's calendar.

use chrono::NaiveDate;
use leptos::prelude::*;
use shared::calendar::{DeadlineRequest, MAX_WORKING_DAYS};

use crate::{api, components::error::ErrorNotice, format, i18n::use_i18n};

#[component]
pub fn DeadlineCalculator() -> impl IntoView {
    let i18n = use_i18n();
    let start = RwSignal::new(chrono::Local::now().date_naive().to_string());
    let days = RwSignal::new("10".to_owned());
    // The request as typed, or the field error to show next to the input.
    let request = Memo::new(
        move |_| -> Result<DeadlineRequest, (&'static str, String)> {
            let start = NaiveDate::parse_from_str(&start.get(), "%Y-%m-%d")
                .map_err(|_| ("start", String::new()))?;
            let working_days = days
                .get()
                .trim()
                .parse::<u32>()
                .map_err(|_| ("working_days", String::new()))?;
            let request = DeadlineRequest {
                start,
                working_days,
            };
            request
                .validate()
                .map_err(|e| ("working_days", e.message))?;
            Ok(request)
        },
    );
    let compute = Action::new_local(|request: &DeadlineRequest| {
        let request = request.clone();
        async move { api::deadline(&request).await }
    });
    let days_error = move || match request.get() {
        Err(("working_days", _)) => Some(i18n.t(
            "请输入 0–500 之间的整数",
            "Enter a whole number from 0 to 500",
        )),
        _ => None,
    };

    view! {
        <section class="panel">
            <h2>{move || i18n.t("期限计算", "Deadline calculator")}</h2>
            <form class="form-row" on:submit=move |ev| {
                ev.prevent_default();
                if let Ok(request) = request.get_untracked() {
                    compute.dispatch(request);
                }
            }>
                <label class="field">
                    <span>{move || i18n.t("起算日（当天不计）", "Start (not counted)")}</span>
                    <input type="date" data-testid="deadline-start" prop:value=start on:input=move |ev| start.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span>{move || i18n.t("工作日数", "Working days")}</span>
                    <input type="number" inputmode="numeric" min="0" max=MAX_WORKING_DAYS.to_string() data-testid="deadline-days"
                        prop:value=days on:input=move |ev| days.set(event_target_value(&ev)) aria-invalid=move || days_error().is_some().to_string() />
                    <span class="field-error" data-testid="deadline-days-error">{days_error}</span>
                </label>
                <button class="btn btn-primary" type="submit" data-testid="deadline-submit" disabled=move || request.get().is_err() || compute.pending().get()>
                    {move || i18n.t("计算", "Compute")}
                </button>
            </form>
            {move || compute.value().get().map(|result| match result {
                Ok(deadline) => view! {
                    <p class="result" data-testid="deadline-result">
                        {move || i18n.t("截止日：", "Deadline: ")}
                        <strong>{move || format::date(i18n.locale(), deadline.deadline)}</strong>
                        {move || if deadline.exceptions.is_empty() { String::new() } else {
                            format!("{}{}", i18n.t("（含节假日/调休 ", " (holidays/adjusted days crossed: "), deadline.exceptions.len()) + i18n.t(" 天）", ")")
                        }}
                    </p>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </section>
    }
}
