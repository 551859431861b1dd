//! A data table on wide screens that becomes a list of cards under 600 px: every cell carries
//! its column's name (`data-label`), which the narrow layout shows in front of the value.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// The table; `columns` are (中文, English) headings, `children` the rows.
#[component]
pub fn DataTable(
    columns: Vec<(&'static str, &'static str)>,
    testid: &'static str,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="data-table" data-testid=testid>
                <thead>
                    <tr>
                        {columns.into_iter().map(|(zh, en)| view! { <th scope="col">{move || i18n.t(zh, en)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// One cell, labelled with its column for the card layout.
#[component]
pub fn Cell(
    zh: &'static str,
    en: &'static str,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <td class=class data-label=move || i18n.t(zh, en)>{children()}</td>
    }
}
