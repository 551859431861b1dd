//! Previous / next page, with "page 2 of 7 · 134 items".

use leptos::prelude::*;

use crate::i18n::{Locale, use_i18n};

#[component]
pub fn Pager(
    page: u32,
    pages: u64,
    total: u64,
    #[prop(into)] on_page: Callback<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let pages = u32::try_from(pages).unwrap_or(u32::MAX);
    view! {
        <nav class="pager" data-testid="pager" aria-label=move || i18n.t("分页", "Pages")>
            <button class="btn" data-testid="pager-prev" disabled={page <= 1} on:click=move |_| on_page.run(page - 1)>
                {move || i18n.t("上一页", "Previous")}
            </button>
            <span class="muted" data-testid="pager-status">{move || match i18n.locale() {
                Locale::Zh => format!("第 {page} / {pages} 页 · 共 {total} 条"),
                Locale::En => format!(
                    "Page {page} of {pages} · {total} {}",
                    if total == 1 { "item" } else { "items" }
                ),
            }}</span>
            <button class="btn" data-testid="pager-next" disabled={page >= pages} on:click=move |_| on_page.run(page + 1)>
                {move || i18n.t("下一页", "Next")}
            </button>
        </nav>
    }
}
