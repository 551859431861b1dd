//! The platform's health as the server reports it: exercises the whole chain (browser → API →
//! PostgreSQL) and refreshes itself.

use leptos::prelude::*;
use shared::health::{DatabaseStatus, HealthStatus};

use crate::{api, components::error::ErrorNotice, i18n::use_i18n};

#[component]
pub fn StatusPage() -> impl IntoView {
    let i18n = use_i18n();
    let health = LocalResource::new(api::health);
    // Refresh every 10 s while the page is open.
    let handle =
        set_interval_with_handle(move || health.refetch(), std::time::Duration::from_secs(10)).ok();
    on_cleanup(move || {
        if let Some(handle) = handle {
            handle.clear();
        }
    });

    view! {
        <h1>{move || i18n.t("系统状态", "System status")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("检查中…", "Checking…")}</p> }>
            {move || health.get().map(|result| match result {
                Ok(report) => {
                    let ok = report.status == HealthStatus::Ok;
                    let db_up = report.database.status == DatabaseStatus::Up;
                    let latency = report.database.latency_ms.map(|ms| format!("{ms:.1} ms")).unwrap_or_else(|| "—".into());
                    view! {
                        <div class="status-banner" class:status-ok=ok class:status-bad=!ok data-testid="overall-status">
                            {move || if ok { i18n.t("一切正常", "All systems normal") } else { i18n.t("部分服务异常", "Degraded") }}
                        </div>
                        <dl class="facts">
                            <dt>{move || i18n.t("数据库", "Database")}</dt>
                            <dd data-testid="db-status" class:good=db_up class:bad=!db_up>
                                {move || if db_up { i18n.t("正常", "Up") } else { i18n.t("无法连接", "Down") }}
                            </dd>
                            <dt>{move || i18n.t("数据库延迟", "Database latency")}</dt>
                            <dd>{latency}</dd>
                            <dt>{move || i18n.t("连接池", "Connection pool")}</dt>
                            <dd>{format!("{} / {}", report.database.pool_idle, report.database.pool_size)}</dd>
                            <dt>{move || i18n.t("版本", "Version")}</dt>
                            <dd>{report.version.clone()}</dd>
                            <dt>{move || i18n.t("已运行", "Uptime")}</dt>
                            <dd>{uptime(report.uptime_seconds)}</dd>
                        </dl>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| health.refetch()) /> }.into_any(),
            })}
        </Transition>
        <button class="btn" on:click=move |_| health.refetch()>{move || i18n.t("刷新", "Refresh")}</button>
    }
}

fn uptime(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else {
        format!("{hours}h {minutes}m {}s", seconds % 60)
    }
}
