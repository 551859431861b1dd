//! Pieces the survey pages and the home page share: the words for a survey's state and its
//! question kinds, the edit keys of anonymous answers kept on this phone, a 1–5 star input,
//! and the student's home card (open surveys, activities to rate).

use leptos::prelude::*;
use leptos_router::components::A;
use shared::auth::Permission;
use shared::survey::{NewEvaluation, PendingEvaluation, QuestionKind, SurveyState, SurveySummary};

use crate::{
    api,
    components::error::{ErrorNotice, message},
    format,
    i18n::{I18n, use_i18n},
};

/// Who manages surveys and reads their results.
pub const SURVEYS: &[Permission] = &[Permission::PublishActivities, Permission::ViewReports];

pub fn state_label(i18n: I18n, state: SurveyState) -> &'static str {
    match state {
        SurveyState::Draft => i18n.t("草稿", "Draft"),
        SurveyState::Scheduled => i18n.t("未开始", "Scheduled"),
        SurveyState::Open => i18n.t("进行中", "Open"),
        SurveyState::Closed => i18n.t("已结束", "Closed"),
    }
}

pub fn kind_label(i18n: I18n, kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => i18n.t("单选", "Single choice"),
        QuestionKind::Multiple => i18n.t("多选", "Multiple choice"),
        QuestionKind::Stars => i18n.t("评分（1–5 星）", "Rating (1–5 stars)"),
        QuestionKind::Nps => i18n.t("推荐度（0–10）", "NPS (0–10)"),
        QuestionKind::Text => i18n.t("文本", "Text"),
    }
}

/// The state as a badge (`data-state` for tests).
#[component]
pub fn StateBadge(state: SurveyState) -> impl IntoView {
    let i18n = use_i18n();
    let on = state == SurveyState::Open;
    view! {
        <span class="badge" class:badge-on=on class:badge-warn=state == SurveyState::Draft
            data-testid="survey-state" data-state=format!("{state:?}").to_lowercase()>
            {move || state_label(i18n, state)}
        </span>
    }
}

/// `anonymous` in words, shown to respondents before they answer.
pub fn anonymity(i18n: I18n, anonymous: bool) -> &'static str {
    if anonymous {
        i18n.t(
            "匿名问卷：答案不与你的账号关联，组织者无法看到谁填写了什么。",
            "Anonymous: your answers are not linked to your account; the organisers cannot see who answered what.",
        )
    } else {
        i18n.t(
            "实名问卷：组织者可以知道答案来自你。",
            "Named: the organisers can see that the answers are yours.",
        )
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn key_name(survey: i64) -> String {
    format!("survey_edit_key_{survey}")
}

/// The edit key this phone keeps for an anonymous answer to `survey`.
pub fn edit_key(survey: i64) -> Option<String> {
    storage()?.get_item(&key_name(survey)).ok()?
}

/// Keeps the edit key an anonymous first answer returned (the server keeps only its hash).
pub fn keep_edit_key(survey: i64, key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&key_name(survey), key);
    }
}

/// Five large stars; `value` 1–5 (0: none yet).
#[component]
pub fn StarInput(value: RwSignal<i32>, testid: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="stars" role="radiogroup" data-testid=testid.clone()>
            {(1..=5).map(|n| {
                let label = move || format!("{n} {}", i18n.t("星", "stars"));
                view! {
                    <button type="button" class="star" class:star-on=move || { value.get() >= n }
                        role="radio" aria-checked=move || (value.get() == n).to_string() aria-label=label
                        data-testid=format!("{testid}-{n}")
                        on:click=move |_| value.set(n)>"★"</button>
                }
            }).collect_view()}
        </div>
    }
}

/// The student's home card: the open surveys that ask them, and the ended activities they may
/// rate (inline, one tap per star).
#[component]
pub fn StudentSurveysCard() -> impl IntoView {
    let i18n = use_i18n();
    let surveys = LocalResource::new(api::my_surveys);
    let evaluations = LocalResource::new(api::my_evaluations);
    view! {
        <Transition fallback=|| ()>
            {move || surveys.get().map(|result| match result {
                Ok(list) if list.is_empty() => ().into_any(),
                Ok(list) => view! {
                    <section class="panel home-surveys" data-testid="home-surveys">
                        <h2>{move || i18n.t("待填问卷", "Surveys for you")}</h2>
                        <ul class="survey-cards">
                            {list.into_iter().map(|s| view! { <SurveyCard survey=s /> }).collect_view()}
                        </ul>
                    </section>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
            {move || evaluations.get().map(|result| match result {
                Ok(list) if list.is_empty() => ().into_any(),
                Ok(list) => view! {
                    <section class="panel home-evaluations" data-testid="home-evaluations">
                        <h2>{move || i18n.t("活动评价", "Rate your activities")}</h2>
                        <ul class="survey-cards">
                            {list.into_iter().map(|e| view! { <EvaluationCard item=e /> }).collect_view()}
                        </ul>
                    </section>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SurveyCard(survey: SurveySummary) -> impl IntoView {
    let i18n = use_i18n();
    let closes = survey.closes_at;
    let answered = survey.answered;
    let open = survey.state == SurveyState::Open;
    view! {
        <li class="survey-card" data-testid="home-survey" data-id=survey.id.to_string()>
            <A href=format!("/surveys/{}", survey.id) attr:class="survey-card-link">
                <p class="survey-card-title">{survey.title.clone()}</p>
                <p class="muted small">
                    {survey.organization.clone()} " · "
                    {move || if survey.anonymous { i18n.t("匿名", "Anonymous") } else { i18n.t("实名", "Named") }}
                    " · " {move || i18n.t("截止 ", "closes ")} {move || format::datetime(i18n.locale(), closes)}
                </p>
                <span class="btn btn-small" class:btn-primary=open && !answered>
                    {move || match (open, answered) {
                        (false, _) => i18n.t("尚未开始", "Not open yet"),
                        (true, false) => i18n.t("去填写", "Answer"),
                        (true, true) => i18n.t("已填写 · 修改", "Answered · change"),
                    }}
                </span>
            </A>
        </li>
    }
}

#[component]
fn EvaluationCard(item: PendingEvaluation) -> impl IntoView {
    let i18n = use_i18n();
    let id = item.activity_id;
    let rating = RwSignal::new(item.rating.unwrap_or(0));
    let comment = RwSignal::new(item.comment.clone().unwrap_or_default());
    let saved = RwSignal::new(item.rating.is_some());
    let until = item.until;
    let send = Action::new_local(move |input: &NewEvaluation| {
        let input = input.clone();
        async move { api::evaluate_activity(id, &input).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = send.value().get() {
            saved.set(true);
        }
    });
    view! {
        <li class="survey-card" data-testid="home-evaluation" data-id=id.to_string()>
            <p class="survey-card-title">{item.title.clone()}</p>
            <p class="muted small">{item.organizer.clone()} " · " {move || i18n.t("可评价至 ", "until ")}
                {move || format::date(i18n.locale(), until)}</p>
            <StarInput value=rating testid=format!("evaluation-{id}-stars") />
            <textarea class="evaluation-comment" rows="2" maxlength="500" data-testid="evaluation-comment"
                placeholder=move || i18n.t("说说你的感受（选填）", "A comment (optional)")
                prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            <div class="actions">
                <button type="button" class="btn btn-small btn-primary" data-testid="evaluation-send"
                    disabled=move || rating.get() == 0 || send.pending().get()
                    on:click=move |_| { send.dispatch(NewEvaluation { rating: rating.get(), comment: comment.get() }); }>
                    {move || if saved.get() { i18n.t("修改评价", "Update") } else { i18n.t("提交评价", "Rate") }}
                </button>
                <span class="small" aria-live="polite" data-testid="evaluation-outcome">
                    {move || match send.value().get() {
                        Some(Ok(_)) => i18n.t("已保存，谢谢！", "Saved, thank you!").to_owned(),
                        Some(Err(e)) => message(i18n, &e),
                        None => String::new(),
                    }}
                </span>
            </div>
        </li>
    }
}
