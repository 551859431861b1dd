//! The frame of every page: a header with the school's name and the language switch, the page,
//! and the navigation — a bottom tab bar on phones, a top bar on wider screens.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{ApiError, school::School};

use crate::i18n::use_i18n;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let school = expect_context::<LocalResource<Result<School, ApiError>>>();
    let school_name = move || match school.get() {
        Some(Ok(school)) if i18n.locale() == crate::i18n::Locale::En => school.name_en,
        Some(Ok(school)) => school.name,
        _ => String::new(),
    };

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-title">{move || i18n.t("第二课堂成绩单", "Second Classroom Transcript")}</span>
                <span class="brand-school" data-testid="school-name">{school_name}</span>
            </div>
            <nav class="nav" aria-label=move || i18n.t("主导航", "Main navigation")>
                <NavLink href="/" icon="⌂" zh="首页" en="Home" />
                <NavLink href="/calendar" icon="▦" zh="校历" en="Calendar" />
                <NavLink href="/status" icon="◉" zh="状态" en="Status" />
            </nav>
            <button class="lang-switch" data-testid="lang-switch" on:click=move |_| i18n.toggle()
                title=move || i18n.t("Switch to English", "切换到中文")>
                {move || i18n.t("EN", "中文")}
            </button>
        </header>
        <main class="page">{children()}</main>
    }
}

#[component]
fn NavLink(
    href: &'static str,
    icon: &'static str,
    zh: &'static str,
    en: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <A href=href exact=true attr:class="nav-link">
            <span class="nav-icon" aria-hidden="true">{icon}</span>
            <span class="nav-label">{move || i18n.t(zh, en)}</span>
        </A>
    }
}
