//! The current route's parameters, parsed.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The route's `:id` as a number, `None` when it is missing or not one (tracked: a page that
/// stays mounted while only the id changes follows it).
pub fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    })
}
