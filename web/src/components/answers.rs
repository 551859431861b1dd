//! The sign-up form an activity's publisher defined, generated from its [`FormField`]s: one
//! input per question with its required mark and help, checked as the student types with
//! `shared::activity::validate_answers` (the server's own rule), and the server's error on
//! `answers.<key>` shown next to that question.

use std::collections::BTreeSet;

use leptos::prelude::*;
use serde_json::Value;
use shared::{
    ApiError,
    activity::{Answers, FieldKind, FormField, validate_answers},
};

use crate::{
    components::error::{for_field, message},
    i18n::use_i18n,
};

/// The state of a form being filled in.
#[derive(Clone, Copy)]
pub struct AnswersState {
    pub answers: RwSignal<Answers>,
    /// Questions the student has left (or all of them after a submit attempt): their errors show.
    pub touched: RwSignal<BTreeSet<String>>,
    pub server_error: RwSignal<Option<ApiError>>,
}

impl AnswersState {
    pub fn new() -> AnswersState {
        AnswersState {
            answers: RwSignal::new(Answers::new()),
            touched: RwSignal::new(BTreeSet::new()),
            server_error: RwSignal::new(None),
        }
    }

    /// The answers, normalised, or the first problem (every question then shows its own).
    pub fn check(self, fields: &[FormField]) -> Result<Answers, ApiError> {
        let result = self.answers.with_untracked(|a| validate_answers(fields, a));
        if result.is_err() {
            self.touched
                .set(fields.iter().map(|f| f.key.clone()).collect());
        }
        result
    }
}

/// The problem with one question's answer, if any (the rule of `shared`, run on it alone).
fn field_problem(field: &FormField, answers: &Answers) -> Option<ApiError> {
    let mut one = Answers::new();
    if let Some(value) = answers.get(&field.key) {
        one.insert(field.key.clone(), value.clone());
    }
    validate_answers(std::slice::from_ref(field), &one).err()
}

#[component]
pub fn AnswersForm(fields: Vec<FormField>, state: AnswersState) -> impl IntoView {
    view! {
        <div class="answers" data-testid="answers-form">
            {fields.into_iter().map(|field| view! { <Question field=field state=state /> }).collect_view()}
        </div>
    }
}

#[component]
fn Question(field: FormField, state: AnswersState) -> impl IntoView {
    let i18n = use_i18n();
    let key = field.key.clone();
    let testid = format!("answer-{key}");
    let error_id = format!("{testid}-error");
    let name = format!("answers.{key}");
    let error = Memo::new({
        let field = field.clone();
        let key = key.clone();
        move |_| {
            if let Some(server) = for_field(i18n, state.server_error.read().as_ref(), &name) {
                return Some(server);
            }
            if !state.touched.with(|t| t.contains(&key)) {
                return None;
            }
            state
                .answers
                .with(|answers| field_problem(&field, answers))
                .map(|e| message(i18n, &e))
        }
    });
    // Editing a question forgets the server's complaint about it.
    let set = {
        let key = key.clone();
        move |value: Value| {
            state.answers.update(|a| {
                a.insert(key.clone(), value);
            });
            if state
                .server_error
                .with_untracked(|e| e.as_ref().and_then(|e| e.field.clone()))
                .is_some_and(|f| f == format!("answers.{key}"))
            {
                state.server_error.set(None);
            }
        }
    };
    let touch = {
        let key = key.clone();
        move || {
            state.touched.update(|t| {
                t.insert(key.clone());
            })
        }
    };
    let text_value = {
        let key = key.clone();
        move || {
            state.answers.with(|a| match a.get(&key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            })
        }
    };
    let invalid = move || error.with(Option::is_some).to_string();

    let input = match field.kind {
        FieldKind::LongText => {
            let set = set.clone();
            let touch = touch.clone();
            view! {
                <textarea rows="4" data-testid=testid.clone() aria-describedby=error_id.clone() aria-invalid=invalid
                    prop:value=text_value
                    on:input=move |ev| set(Value::String(event_target_value(&ev)))
                    on:blur=move |_| touch()></textarea>
            }
            .into_any()
        }
        FieldKind::SingleChoice => {
            let options = field.options.clone();
            view! {
                <div class="choices" role="radiogroup" data-testid=testid.clone()>
                    {options.into_iter().enumerate().map(|(i, option)| {
                        let set = set.clone();
                        let touch = touch.clone();
                        let key = key.clone();
                        let chosen = Memo::new({
                            let option = option.clone();
                            let key = key.clone();
                            move |_| state.answers.with(|a| a.get(&key).and_then(Value::as_str) == Some(option.as_str()))
                        });
                        let value = option.clone();
                        view! {
                            <label class="choice" class:choice-on=chosen>
                                <input type="radio" name=format!("q-{key}") data-testid=format!("answer-{key}-{i}") value=option.clone()
                                    prop:checked=chosen
                                    on:change=move |_| { set(Value::String(value.clone())); touch(); } />
                                <span>{option}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        FieldKind::MultipleChoice => {
            let options = field.options.clone();
            view! {
                <div class="choices" data-testid=testid.clone()>
                    {options.into_iter().enumerate().map(|(i, option)| {
                        let key = key.clone();
                        let touch = touch.clone();
                        let chosen = Memo::new({
                            let option = option.clone();
                            let key = key.clone();
                            move |_| state.answers.with(|a| a.get(&key).and_then(Value::as_array)
                                .is_some_and(|items| items.iter().any(|v| v.as_str() == Some(option.as_str()))))
                        });
                        let value = option.clone();
                        let set = set.clone();
                        view! {
                            <label class="choice" class:choice-on=chosen>
                                <input type="checkbox" data-testid=format!("answer-{key}-{i}")
                                    prop:checked=chosen
                                    on:change={
                                        let key = key.clone();
                                        move |ev| {
                                            let on = event_target_checked(&ev);
                                            let mut items: Vec<Value> = state.answers.with_untracked(|a| {
                                                a.get(&key).and_then(Value::as_array).cloned().unwrap_or_default()
                                            });
                                            items.retain(|v| v.as_str() != Some(value.as_str()));
                                            if on {
                                                items.push(Value::String(value.clone()));
                                            }
                                            set(Value::Array(items));
                                            touch();
                                        }
                                    } />
                                <span>{option}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        kind => {
            let (kind_attr, mode) = match kind {
                FieldKind::Number => ("number", "decimal"),
                FieldKind::Phone => ("tel", "tel"),
                FieldKind::Email => ("email", "email"),
                FieldKind::Date => ("date", "text"),
                _ => ("text", "text"),
            };
            let set = set.clone();
            let touch = touch.clone();
            view! {
                <input type=kind_attr inputmode=mode data-testid=testid.clone()
                    min=field.min.map(|m| m.to_string()) max=field.max.map(|m| m.to_string())
                    autocomplete=(kind == FieldKind::Phone).then_some("tel")
                    aria-describedby=error_id.clone() aria-invalid=invalid
                    prop:value=text_value
                    on:input=move |ev| set(Value::String(event_target_value(&ev)))
                    on:change={
                        let touch = touch.clone();
                        move |_| touch()
                    }
                    on:blur=move |_| touch() />
            }
            .into_any()
        }
    };
    let range = match (field.kind, field.min, field.max) {
        (FieldKind::Number, Some(min), Some(max)) => Some(format!("{min} – {max}")),
        (FieldKind::Number, Some(min), None) => Some(format!("≥ {min}")),
        (FieldKind::Number, None, Some(max)) => Some(format!("≤ {max}")),
        _ => None,
    };
    let help = field.help.clone().filter(|h| !h.trim().is_empty());
    view! {
        <div class="field question" data-key=key.clone()>
            <span class="field-label">
                {field.label.clone()}
                {field.required.then(|| view! { <span class="required" title=move || i18n.t("必填", "Required")>" *"</span> })}
                {range.map(|range| view! { <span class="muted small">" (" {range} ")"</span> })}
            </span>
            {input}
            <span class="field-error" id=error_id.clone() data-testid=error_id role="alert">{move || error.get()}</span>
            {help.map(|help| view! { <span class="field-hint" class:hidden=move || error.with(Option::is_some)>{help}</span> })}
        </div>
    }
}
