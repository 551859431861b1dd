//! The web app: the students' phone app and the organisations' console, one Leptos CSR bundle
//! served by the API at `/`. Simplified Chinese first, English by switch.

mod api;
mod app;
mod components;
mod files;
mod format;
mod i18n;
mod idb;
mod labels;
mod pages;
mod phone;
mod session;
mod timer;

fn main() {
    console_error_panic_hook::set_once();
    // The static shell of index.html, drawn while this module downloaded: the app takes its
    // place in the same task, so no frame shows neither.
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot-shell"))
    {
        shell.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
