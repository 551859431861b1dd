//! A one-time password, shown once with a copy button: it cannot be seen again.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::use_i18n;

#[component]
pub fn OneTimePassword(
    username: String,
    password: String,
    #[prop(optional, into)] on_close: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let to_copy = password.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        leptos::task::spawn_local(async move {
            if let Some(window) = web_sys::window() {
                let clipboard = window.navigator().clipboard();
                if JsFuture::from(clipboard.write_text(&text)).await.is_ok() {
                    copied.set(true);
                }
            }
        });
    };
    view! {
        <div class="secret" role="status" data-testid="one-time-password-box">
            <p class="secret-title">{move || i18n.t("一次性密码（只显示这一次）", "One-time password (shown only once)")}</p>
            <p class="secret-line">
                <span class="muted">{username}</span>
                <code class="secret-value" data-testid="one-time-password">{password}</code>
            </p>
            <p class="muted">{move || i18n.t(
                "请当面或通过安全渠道交给本人；对方首次登录时须修改密码。",
                "Hand it over in person or over a safe channel; it must be changed at the first sign-in.",
            )}</p>
            <div class="actions">
                <button class="btn" type="button" on:click=copy>
                    {move || if copied.get() { i18n.t("已复制", "Copied") } else { i18n.t("复制", "Copy") }}
                </button>
                {on_close.map(|close| view! {
                    <button class="btn" type="button" data-testid="one-time-password-close" on:click=move |_| close.run(())>{move || i18n.t("我已记下", "Done")}</button>
                })}
            </div>
        </div>
    }
}
