//! The landing page: which school this is and where to go next.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{ApiError, school::School};

use crate::{
    components::{
        error::ErrorNotice, guidance::MySuggestions, running::RunningNow,
        survey::StudentSurveysCard,
    },
    i18n::use_i18n,
    labels,
    session::use_session,
};

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let school = expect_context::<LocalResource<Result<School, ApiError>>>();

    view! {
        <section class="hero">
            <Suspense fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
                {move || school.get().map(|result| match result {
                    Ok(school) => view! {
                        <h1 class="hero-title">{move || if i18n.locale() == crate::i18n::Locale::En { school.name_en.clone() } else { school.name.clone() }}</h1>
                        <p class="hero-sub">{school.league_committee.clone()}</p>
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="hero-title">{move || i18n.t("第二课堂成绩单", "Second Classroom Transcript")}</h1>
                        <ErrorNotice error=error retry=Callback::new(move |_| school.refetch()) />
                    }.into_any(),
                })}
            </Suspense>
            <p class="hero-text">
                {move || i18n.t(
                    "记录讲座、竞赛、志愿服务、社会实践、学生干部与培训经历，认定积分，生成可验证的成绩单。",
                    "Lectures, competitions, volunteer service, social practice, cadre positions and training — recognised as points on a transcript anyone can verify.",
                )}
            </p>
        </section>
        <Welcome />
        {move || session.can(shared::auth::Permission::RecordAttendance).then(|| view! { <RunningNow /> })}
        {move || (session.me().is_some_and(|me| me.role == shared::auth::Role::Student)).then(|| view! { <MySuggestions /> })}
        {move || (session.me().is_some_and(|me| me.role == shared::auth::Role::Student)).then(|| view! { <StudentSurveysCard /> })}
        <section class="cards">
            <A href="/calendar" attr:class="card card-link">
                <h2>{move || i18n.t("校历与工作日", "Calendar and working days")}</h2>
                <p class="muted">{move || i18n.t("法定节假日与调休安排；补录与认定期限按工作日计算。", "Public holidays and adjusted working days; make-up and recognition deadlines count working days.")}</p>
            </A>
            <A href="/status" attr:class="card card-link">
                <h2>{move || i18n.t("系统状态", "System status")}</h2>
                <p class="muted">{move || i18n.t("服务器与数据库是否正常。", "Whether the server and its database answer.")}</p>
            </A>
            <a href="/docs/" class="card card-link" rel="external">
                <h2>{move || i18n.t("接口文档", "API documentation")}</h2>
                <p class="muted">{move || i18n.t("供校内系统对接的 REST API（OpenAPI）。", "The REST API (OpenAPI) for campus systems.")}</p>
            </a>
        </section>
    }
}

/// Who is signed in and where they would go next; or the way in.
#[component]
fn Welcome() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    move || {
        match session.me() {
        None => view! {
            <section class="panel welcome" data-testid="welcome">
                <p>{move || i18n.t("登录后查看你的第二课堂活动与积分，或管理本组织。", "Sign in to see your activities and points, or to run your organisation.")}</p>
                <A href="/login" attr:class="btn btn-primary" attr:data-testid="welcome-login">{move || i18n.t("登录", "Sign in")}</A>
            </section>
        }.into_any(),
        Some(me) => {
            let role = me.role;
            let organization = session.is_organization();
            let manage = session.can(shared::auth::Permission::ManageAccounts);
            let attendance = session.can(shared::auth::Permission::RecordAttendance);
            view! {
                <section class="panel welcome" data-testid="welcome">
                    <p class="welcome-name">
                        <span>{move || i18n.t("你好，", "Hello, ")}<strong>{me.display_name.clone()}</strong></span>
                        <span class="badge badge-kind">{move || labels::role(i18n, role)}</span>
                    </p>
                    <p class="muted">{me.organization.name.clone()}</p>
                    <div class="actions">
                        {organization.then(|| view! {
                            <A href="/org" attr:class="btn">{move || i18n.t("组织架构", "Organisations")}</A>
                        })}
                        {manage.then(|| view! {
                            <A href="/people" attr:class="btn">{move || i18n.t("学生名单", "Students")}</A>
                        })}
                        {organization.then(|| view! {
                            <A href="/audit" attr:class="btn">{move || i18n.t("操作日志", "Audit log")}</A>
                        })}
                        {organization.then(|| view! {
                            <a href="/manage/activities" class="btn" data-testid="home-manage-activities">{move || i18n.t("活动管理", "Activities")}</a>
                            <A href="/manage/requests" attr:class="btn" attr:data-testid="home-requests">{move || i18n.t("补录申请", "Back-fill requests")}</A>
                            <A href="/manage/overdue" attr:class="btn" attr:data-testid="home-overdue">{move || i18n.t("逾期认定", "Overdue recognition")}</A>
                        })}
                        {attendance.then(|| view! {
                            <A href="/manage/checkin-policy" attr:class="btn" attr:data-testid="home-checkin-policy">{move || i18n.t("签到防作弊规则", "Check-in rules")}</A>
                        })}
                        {(role == shared::auth::Role::Student).then(|| view! {
                            <A href="/me/code" attr:class="btn" attr:data-testid="home-my-code">{move || i18n.t("我的签到码", "My check-in code")}</A>
                            <A href="/points" attr:class="btn btn-primary" attr:data-testid="home-points">{move || i18n.t("我的积分", "My points")}</A>
                            <A href="/transcript" attr:class="btn" attr:data-testid="home-transcript">{move || i18n.t("成绩单", "Transcript")}</A>
                            <A href="/me/certificates" attr:class="btn" attr:data-testid="home-certificates">{move || i18n.t("我的证书", "My certificates")}</A>
                        })}
                        <A href="/leaderboard" attr:class="btn" attr:data-testid="home-leaderboard">{move || i18n.t("排行榜", "Leaderboard")}</A>
                        <A href="/account" attr:class="btn">{move || i18n.t("我的账号", "My account")}</A>
                    </div>
                </section>
            }.into_any()
        }
    }
    }
}
