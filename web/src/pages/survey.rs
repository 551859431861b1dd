//! 填写问卷: a targeted student answers a survey on their phone — one question after another,
//! large touch targets, the same rules as the server (`shared::survey::validate_answers`)
//! checked on submit, the first error scrolled into view. A named survey's answer comes back
//! to be changed; an anonymous one is changed with the edit key this phone kept at the first
//! answer (the server cannot tell which answer is the student's without it).

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    survey::{self, Answer, Question, QuestionKind, SubmitAnswers, Survey, SurveyState},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        route::id_param,
        survey::{StarInput, StateBadge, anonymity, edit_key, keep_edit_key},
    },
    format,
    i18n::{I18n, Locale, use_i18n},
};

#[component]
pub fn SurveyPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let survey = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::survey(id).await,
                None => Err(ApiError::new(shared::ErrorCode::NotFound, "no such survey")),
            }
        }
    });
    view! {
        <p class="crumbs"><A href="/">{move || i18n.t("‹ 首页", "‹ Home")}</A></p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || survey.get().map(|result| match result {
                Ok(s) => view! { <Answering survey=s /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}

/// The message of an answer error in the current locale.
fn answer_message(i18n: I18n, text: &str) -> String {
    if i18n.locale() == Locale::En {
        return text.to_owned();
    }
    match text {
        "this question is required" => "此题必答".into(),
        "choose one option" => "请选择一个选项".into(),
        "no such option" => "没有这个选项".into(),
        "at most 1000 characters" => "最多 1000 个字".into(),
        t if t.starts_with("a rating from") => "请选择评分".into(),
        t if t.starts_with("one answer per question") => "问卷已更新，请刷新后重新填写".into(),
        t => t.to_owned(),
    }
}

#[component]
fn Answering(survey: Survey) -> impl IntoView {
    let i18n = use_i18n();
    let id = survey.id;
    let anonymous = survey.anonymous;
    let questions = StoredValue::new(survey.questions.clone());
    let answers = RwSignal::new(vec![Answer::default(); survey.questions.len()]);
    let answered = RwSignal::new(survey.answered);
    let key = RwSignal::new(edit_key(id));
    let open = survey.state == SurveyState::Open;
    // A named answer comes back to be changed.
    if survey.answered && !anonymous {
        leptos::task::spawn_local(async move {
            if let Ok(mine) = api::my_survey_response(id).await
                && mine.answers.len() == answers.with_untracked(Vec::len)
            {
                answers.set(mine.answers);
            }
        });
    }
    let error = RwSignal::new(None::<ApiError>);
    let submit = Action::new_local(move |input: &SubmitAnswers| {
        let input = input.clone();
        async move { api::answer_survey(id, &input).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(receipt)) => {
            if let Some(k) = &receipt.edit_key {
                keep_edit_key(id, k);
                key.set(Some(k.clone()));
            }
            answered.set(true);
            error.set(None);
        }
        Some(Err(e)) => {
            error.set(Some(e));
            scroll_to_error();
        }
        None => {}
    });
    let field_error = move |i: usize| {
        error.with(|e| {
            e.as_ref()
                .filter(|e| e.field.as_deref() == Some(&format!("answers[{i}]")))
                .map(|e| answer_message(i18n, &e.message))
        })
    };
    let general_error = move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| {
                    !e.field
                        .as_deref()
                        .is_some_and(|f| f.starts_with("answers["))
                })
                .map(|e| message(i18n, e))
        })
    };
    // Anonymous and answered on another phone (or the key lost): no way to change it.
    let locked = move || anonymous && answered.get() && key.get().is_none();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let given = answers.get_untracked();
        let checked = questions.with_value(|q| survey::validate_answers(q, &given));
        match checked {
            Err(e) => {
                error.set(Some(e));
                scroll_to_error();
            }
            Ok(clean) => {
                error.set(None);
                submit.dispatch(SubmitAnswers {
                    answers: clean,
                    edit_key: if anonymous { key.get_untracked() } else { None },
                });
            }
        }
    };
    let closes = survey.closes_at;
    view! {
        <article class="survey-answer" data-testid="survey-page" data-id=id.to_string()>
            <div class="page-head">
                <h1 data-testid="survey-title">{survey.title.clone()}</h1>
                <StateBadge state=survey.state />
            </div>
            <p class="muted small">{survey.organization.clone()} " · " {move || i18n.t("截止 ", "Closes ")}
                {move || format::datetime(i18n.locale(), closes)}</p>
            {(!survey.description.is_empty()).then(|| view! { <p>{survey.description.clone()}</p> })}
            <p class="notice" class:notice-warn=anonymous data-testid="survey-anonymity" data-anonymous=anonymous.to_string()>
                {move || anonymity(i18n, anonymous)}
            </p>
            {move || answered.get().then(|| view! {
                <p class="notice notice-ok" data-testid="survey-answered">
                    {move || if locked() {
                        i18n.t("你已匿名提交。修改凭证保存在当初填写的设备上，本设备无法修改。", "You have answered anonymously. The key to change it is on the device you answered with.")
                    } else if open {
                        i18n.t("你已提交，截止前可以修改。", "Answered; you may change it until it closes.")
                    } else {
                        i18n.t("你已提交。", "Answered.")
                    }}
                </p>
            })}
            <form class="survey-form" novalidate on:submit=on_submit>
                {questions.get_value().into_iter().enumerate().map(|(i, q)| view! {
                    <QuestionInput index=i question=q answers=answers error=Signal::derive(move || field_error(i)) />
                }).collect_view()}
                <div class="actions survey-submit">
                    <button type="submit" class="btn btn-primary btn-block" data-testid="survey-submit"
                        disabled=move || !open || locked() || submit.pending().get()>
                        {move || if submit.pending().get() { i18n.t("提交中…", "Sending…") }
                            else if answered.get() { i18n.t("保存修改", "Save changes") }
                            else { i18n.t("提交", "Submit") }}
                    </button>
                    <p class="small" aria-live="polite" data-testid="survey-outcome">
                        {move || match submit.value().get() {
                            Some(Ok(r)) if r.changed => i18n.t("已保存修改。", "Changes saved.").to_owned(),
                            Some(Ok(_)) => i18n.t("提交成功，谢谢参与！", "Submitted, thank you!").to_owned(),
                            _ => String::new(),
                        }}
                    </p>
                    <p class="field-error" role="alert" data-testid="survey-error">{general_error}</p>
                </div>
            </form>
        </article>
    }
}

/// Brings the first question with an error into view (after it renders).
fn scroll_to_error() {
    request_animation_frame(|| {
        if let Some(el) = document()
            .query_selector(".question-invalid")
            .ok()
            .flatten()
        {
            el.scroll_into_view();
        }
    });
}

#[component]
fn QuestionInput(
    index: usize,
    question: Question,
    answers: RwSignal<Vec<Answer>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let current = move || answers.with(|a| a.get(index).cloned().unwrap_or_default());
    let set = move |answer: Answer| answers.update(|a| a[index] = answer);
    let testid = format!("survey-q{index}");
    let input = match question.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            let multiple = question.kind == QuestionKind::Multiple;
            question.options.iter().enumerate().map(|(j, option)| {
                let j = j as u32;
                let chosen = move || current().choices.contains(&j);
                view! {
                    <label class="choice" class:choice-on=chosen data-testid=format!("survey-q{index}-o{j}")>
                        <input type=if multiple { "checkbox" } else { "radio" } name=format!("q{index}")
                            prop:checked=chosen
                            on:change=move |_| {
                                let mut choices = current().choices;
                                if multiple {
                                    if choices.contains(&j) { choices.retain(|c| *c != j) } else { choices.push(j) }
                                } else {
                                    choices = vec![j];
                                }
                                set(Answer { choices, ..Answer::default() });
                            } />
                        {option.clone()}
                    </label>
                }
            }).collect_view().into_any()
        }
        QuestionKind::Stars => {
            let value = RwSignal::new(current().rating.unwrap_or(0));
            Effect::new(move |_| {
                let v = value.get();
                if v > 0 { set(Answer { rating: Some(v), ..Answer::default() }); }
            });
            Effect::new(move |_| {
                let r = current().rating.unwrap_or(0);
                if r != value.get_untracked() { value.set(r); }
            });
            view! { <StarInput value=value testid=format!("survey-q{index}-stars") /> }.into_any()
        }
        QuestionKind::Nps => view! {
            <div class="nps" role="radiogroup">
                {(0..=10).map(|n| view! {
                    <button type="button" class="nps-step" class:nps-on=move || current().rating == Some(n)
                        role="radio" aria-checked=move || (current().rating == Some(n)).to_string()
                        data-testid=format!("survey-q{index}-n{n}")
                        on:click=move |_| set(Answer { rating: Some(n), ..Answer::default() })>{n}</button>
                }).collect_view()}
            </div>
            <p class="nps-ends muted small"><span>{move || i18n.t("不可能", "Not likely")}</span><span>{move || i18n.t("极有可能", "Very likely")}</span></p>
        }.into_any(),
        QuestionKind::Text => view! {
            <textarea rows="3" maxlength="1000" data-testid=format!("survey-q{index}-text")
                prop:value=move || current().text.unwrap_or_default()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    set(Answer { text: (!text.is_empty()).then_some(text), ..Answer::default() });
                }></textarea>
        }.into_any(),
    };
    let required = question.required;
    let is_multiple = question.kind == QuestionKind::Multiple;
    view! {
        <fieldset class="question survey-question" class:question-invalid=move || error.with(Option::is_some) data-testid=testid>
            <legend>
                <span class="question-no">{index + 1} ". "</span>
                {question.title.clone()}
                {required.then(|| view! { <span class="required" aria-label=move || i18n.t("必答", "required")>" *"</span> })}
                {is_multiple.then(|| view! { <span class="muted small">{move || i18n.t("（可多选）", " (choose any)")}</span> })}
            </legend>
            <div class="choices">{input}</div>
            <span class="field-error" role="alert" data-testid=format!("survey-q{index}-error")>{move || error.get()}</span>
        </fieldset>
    }
}
