//! Code split out of the main WASM module (the lazily loaded pages of `crate::app`, the
//! organiser's panel of an activity): shown once its chunk is fetched, with what shows until
//! then and when the fetch fails.

use std::future::Future;

use leptos::{prelude::*, wasm_split::SplitLoaderError};
use shared::{ApiError, ErrorCode};

use crate::{components::error::ErrorNotice, i18n::use_i18n};

/// The view that `load` (a split point: it fetches its chunk first) resolves to, with 加载中…
/// until then, or [`ChunkFailed`].
#[component]
pub fn LazyView<F>(load: F) -> impl IntoView
where
    F: Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
{
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {Suspend::new(async move {
                load.await.unwrap_or_else(|_| view! { <ChunkFailed /> }.into_any())
            })}
        </Transition>
    }
}

/// The chunk could not be fetched: the network is down, or the app was updated since this page
/// loaded and the chunk it knows of is gone. Retrying reloads the page, which also picks up the
/// new version.
#[component]
pub fn ChunkFailed() -> impl IntoView {
    let error = ApiError::new(
        ErrorCode::Unreachable,
        "this part of the app could not be loaded",
    );
    let reload = Callback::new(|()| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    view! { <ErrorNotice error retry=reload /> }
}
