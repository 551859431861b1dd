//! What an unknown client-side route shows, and a page shows for an id it cannot open.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_i18n;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="empty">
            <h1>{move || i18n.t("页面不存在", "Page not found")}</h1>
            <p class="muted">{move || i18n.t("链接可能有误或已失效。", "The link may be wrong or out of date.")}</p>
            <A href="/" attr:class="btn btn-primary">{move || i18n.t("返回首页", "Back to home")}</A>
        </section>
    }
}
