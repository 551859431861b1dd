//! A labelled input with its error underneath: the same rule the server applies, and the
//! server's own error on that field. The error shows once the user has left the field or sent
//! its form — not after the first keystroke — and then follows each edit.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

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
    let input = NodeRef::<leptos::html::Input>::new();
    // Left once, or its form sent (the submit event bubbles to the window).
    let settled = RwSignal::new(false);
    let listener = window_event_listener(leptos::ev::submit, move |ev| {
        let form = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        if let (Some(form), Some(input)) = (form, input.get_untracked())
            && form.contains(Some(input.unchecked_ref::<web_sys::Node>()))
        {
            settled.set(true);
        }
    });
    on_cleanup(move || listener.remove());
    let shown = Signal::derive(move || if settled.get() { error.get() } else { None });
    view! {
        <label class="field">
            <span class="field-label">{move || i18n.t(zh, en)}</span>
            <input
                node_ref=input
                type=kind
                data-testid=testid
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                placeholder=(!placeholder.is_empty()).then_some(placeholder)
                aria-describedby=error_id.clone()
                aria-invalid=move || shown.with(Option::is_some).to_string()
                prop:value=value
                on:blur=move |_| settled.set(true)
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(on_edit) = on_edit {
                        on_edit.run(());
                    }
                }
            />
            <span class="field-error" id=error_id.clone() data-testid=error_id role="alert">{move || shown.get()}</span>
            {hint.map(|(zh, en)| view! {
                <span class="field-hint" class:hidden=move || shown.with(Option::is_some)>{move || i18n.t(zh, en)}</span>
            })}
        </label>
    }
}

/// The password policy of `shared::auth::check_password`, in words.
pub const PASSWORD_HINT: (&str, &str) = (
    "8–128 个字符，至少包含一个字母和一个数字，不能与账号名相同",
    "8–128 characters with a letter and a digit, not the account name",
);
