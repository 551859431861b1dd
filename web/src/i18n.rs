//! Locale: Simplified Chinese by default, English by switch; the choice survives reloads
//! (localStorage) and sets `<html lang>`.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    Zh,
    En,
}

impl Locale {
    fn code(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }
}

const STORAGE_KEY: &str = "locale";

/// The app's locale signal, with a translation helper.
#[derive(Clone, Copy)]
pub struct I18n {
    locale: RwSignal<Locale>,
}

impl I18n {
    pub fn locale(self) -> Locale {
        self.locale.get()
    }

    /// The text for the current locale; call inside a reactive closure to follow switches.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self.locale.get() {
            Locale::Zh => zh,
            Locale::En => en,
        }
    }

    pub fn toggle(self) {
        let next = match self.locale.get_untracked() {
            Locale::Zh => Locale::En,
            Locale::En => Locale::Zh,
        };
        self.locale.set(next);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn provide() {
    let saved = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let locale = RwSignal::new(if saved.as_deref() == Some("en") {
        Locale::En
    } else {
        Locale::Zh
    });
    Effect::new(move |_| {
        let locale = locale.get();
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORAGE_KEY, if locale == Locale::En { "en" } else { "zh" });
        }
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", locale.code());
        }
    });
    provide_context(I18n { locale });
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}
