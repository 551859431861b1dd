//! Toasts: an action's outcome shown where the user is looking — a short line floating above
//! the tab bar (phones) or at the top of the screen (desktop) for a few seconds, as WeUI's Toast
//! and Vant's Notify do — whatever part of a long page the button sat in. The layout provides
//! the context and draws them; any page calls [`use_toast`].

use leptos::prelude::*;
use shared::ApiError;

use crate::{
    components::error::message,
    i18n::{I18n, use_i18n},
};

/// How long a toast stays, in milliseconds; an error twice as long.
const SHOWN_MS: u64 = 3_500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Error,
}

/// One toast: its text (already translated) and tone.
#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    tone: Tone,
    text: String,
}

/// The toasts on screen; cheap to copy.
#[derive(Clone, Copy)]
pub struct Toasts {
    shown: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
    /// Kept here: an action's outcome arrives after an `.await`, outside any reactive owner.
    i18n: I18n,
}

impl Toasts {
    /// Makes the toasts the app's context (once, in the layout).
    pub fn provide() -> Toasts {
        let toasts = Toasts {
            shown: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            i18n: use_i18n(),
        };
        provide_context(toasts);
        toasts
    }

    /// Shows `text` (already translated) for a few seconds.
    pub fn show(self, tone: Tone, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        let text = text.into();
        self.shown.update(|shown| {
            // The same words twice in a row say nothing new.
            shown.retain(|t| t.text != text);
            shown.push(Toast { id, tone, text });
            if shown.len() > 3 {
                shown.remove(0);
            }
        });
        let ms = if tone == Tone::Error {
            SHOWN_MS * 2
        } else {
            SHOWN_MS
        };
        let shown = self.shown;
        set_timeout(
            move || shown.update(|list| list.retain(|t| t.id != id)),
            std::time::Duration::from_millis(ms),
        );
    }

    /// A success.
    pub fn ok(self, text: impl Into<String>) {
        self.show(Tone::Ok, text);
    }

    /// A failure, in words ([`message`]).
    pub fn error(self, error: &ApiError) {
        self.show(Tone::Error, message(self.i18n, error));
    }
}

/// The toasts of the context.
pub fn use_toast() -> Toasts {
    expect_context::<Toasts>()
}

/// Where the toasts are drawn (once, in the layout).
#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toast();
    view! {
        <div class="toasts" aria-live="polite" data-testid="toasts">
            <For each=move || toasts.shown.get() key=|t| t.id children=move |toast| {
                let (class, role, tone) = match toast.tone {
                    Tone::Ok => ("toast toast-ok", "status", "ok"),
                    Tone::Error => ("toast toast-error", "alert", "error"),
                };
                let id = toast.id;
                view! {
                    <p class=class role=role data-testid="toast" data-tone=tone
                        on:click=move |_| toasts.shown.update(|list| list.retain(|t| t.id != id))>
                        {toast.text}
                    </p>
                }
            } />
        </div>
    }
}
