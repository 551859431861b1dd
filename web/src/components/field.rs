//! A labelled input with its error underneath: the same rule the server applies, checked as
//! the user types, and the server's own error on that field.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// A text-like input bound to `value`. The error span is `{testid}-error`.
#[component]
pub fn Field(
    zh: &'static str,
    en: &'static str,
    value: RwSignal<String>,
    /// The message to show, if any (already translated).
    #[prop(into)]
    error: Signal<Option<String>>,
    testid: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] placeholder: &'static str,
    /// Help shown in the error's place while there is no error, as (中文, English).
    #[prop(optional)]
    hint: Option<(&'static str, &'static str)>,
    /// Called on each edit, e.g. to forget a server error the edit may have fixed.
    #[prop(optional, into)]
    on_edit: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_id = format!("{testid}-error");
    view! {
        <label class="field">
            <span class="field-label">{move || i18n.t(zh, en)}</span>
            <input
                type=kind
                data-testid=testid
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                placeholder=(!placeholder.is_empty()).then_some(placeholder)
                aria-describedby=error_id.clone()
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=value
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(on_edit) = on_edit {
                        on_edit.run(());
                    }
                }
            />
            <span class="field-error" id=error_id.clone() data-testid=error_id role="alert">{move || error.get()}</span>
            {hint.map(|(zh, en)| view! {
                <span class="field-hint" class:hidden=move || error.with(Option::is_some)>{move || i18n.t(zh, en)}</span>
            })}
        </label>
    }
}

/// The password policy of `shared::auth::check_password`, in words.
pub const PASSWORD_HINT: (&str, &str) = (
    "8–128 个字符，至少包含一个字母和一个数字，不能与账号名相同",
    "8–128 characters with a letter and a digit, not the account name",
);
