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
    leptos::mount::mount_to_body(app::App);
}
