//! How an [`ApiError`] is shown: a translated line for its code, with the server's detail.

use leptos::prelude::*;
use shared::{ApiError, ErrorCode};

use crate::i18n::{I18n, use_i18n};

/// The translated summary of an error code.
pub fn summary(i18n: I18n, code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unreachable => i18n.t(
            "无法连接服务器，请检查网络后重试",
            "Cannot reach the server; check the network and retry",
        ),
        ErrorCode::DatabaseUnavailable => i18n.t(
            "数据库暂时不可用，请稍后重试",
            "The database is unavailable; retry shortly",
        ),
        ErrorCode::NotFound | ErrorCode::RouteNotFound => i18n.t("未找到", "Not found"),
        ErrorCode::Unauthenticated => i18n.t("请先登录", "Please sign in"),
        ErrorCode::Forbidden => i18n.t("没有权限", "Not allowed"),
        ErrorCode::RateLimited => {
            i18n.t("操作太频繁，请稍后再试", "Too many attempts; wait a moment")
        }
        ErrorCode::ValidationFailed
        | ErrorCode::InvalidQuery
        | ErrorCode::InvalidPath
        | ErrorCode::MalformedJson => i18n.t("输入有误", "Invalid input"),
        ErrorCode::Conflict => i18n.t("与现有数据冲突", "Conflicts with existing data"),
        _ => i18n.t(
            "服务器出错了，请稍后重试",
            "Something went wrong on the server; retry shortly",
        ),
    }
}

/// A block showing an error, with a retry button when `retry` is given.
#[component]
pub fn ErrorNotice(
    error: ApiError,
    #[prop(optional, into)] retry: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let code = error.code;
    view! {
        <div class="notice notice-error" role="alert" data-code=code.as_str()>
            <p class="notice-title">{move || summary(i18n, code)}</p>
            <p class="notice-detail">{error.message.clone()}</p>
            {retry.map(|retry| view! {
                <button class="btn" on:click=move |_| retry.run(())>{move || i18n.t("重试", "Retry")}</button>
            })}
        </div>
    }
}
