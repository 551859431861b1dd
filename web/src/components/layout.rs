//! The frame of every page: a header with the school's name and the language switch, the page,
//! and the navigation — a bottom tab bar on phones, a top bar on wider screens. The tabs follow
//! who is signed in and what they may do; a pending password change and an ended session are
//! enforced here, whatever the page.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_location, use_navigate},
};
use shared::{
    ApiError,
    auth::{Me, Permission, Role},
    school::School,
};

use crate::{
    components::guard::login_url,
    i18n::{Locale, use_i18n},
    session::use_session,
};

/// A tab of the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Tab {
    href: &'static str,
    icon: &'static str,
    zh: &'static str,
    en: &'static str,
    /// `nav-{key}` is its test id.
    key: &'static str,
}

const HOME: Tab = Tab {
    href: "/",
    icon: "⌂",
    zh: "首页",
    en: "Home",
    key: "home",
};
const CALENDAR: Tab = Tab {
    href: "/calendar",
    icon: "▦",
    zh: "校历",
    en: "Calendar",
    key: "calendar",
};
const LOGIN: Tab = Tab {
    href: "/login",
    icon: "➜",
    zh: "登录",
    en: "Sign in",
    key: "login",
};
const ORG: Tab = Tab {
    href: "/org",
    icon: "⊞",
    zh: "组织",
    en: "Orgs",
    key: "org",
};
const PEOPLE: Tab = Tab {
    href: "/people",
    icon: "☷",
    zh: "人员",
    en: "People",
    key: "people",
};
const AUDIT: Tab = Tab {
    href: "/audit",
    icon: "☰",
    zh: "日志",
    en: "Audit",
    key: "audit",
};
const ACTIVITIES: Tab = Tab {
    href: "/activities",
    icon: "✦",
    zh: "活动",
    en: "Activities",
    key: "activities",
};
const MANAGE: Tab = Tab {
    href: "/manage/activities",
    icon: "✎",
    zh: "活动管理",
    en: "Activities",
    key: "manage",
};
const REVIEWS: Tab = Tab {
    href: "/reviews",
    icon: "✓",
    zh: "审核",
    en: "Reviews",
    key: "reviews",
};
/// The cadres console: 干部名册, 干部考核, 职务类型与比例.
const CADRES: Tab = Tab {
    href: "/cadres",
    icon: "♜",
    zh: "干部",
    en: "Cadres",
    key: "cadres",
};
/// Practice teams and training records (社会实践与培训).
const PRACTICE: Tab = Tab {
    href: "/practice",
    icon: "⚑",
    zh: "实践",
    en: "Practice",
    key: "practice",
};
/// Surveys (问卷) and their results.
const SURVEYS: Tab = Tab {
    href: "/surveys",
    icon: "✎",
    zh: "问卷",
    en: "Surveys",
    key: "surveys",
};
/// The monthly work reports (工作月报): a college's own, the school's over them.
const REPORTS: Tab = Tab {
    href: "/reports",
    icon: "▥",
    zh: "月报",
    en: "Reports",
    key: "reports",
};
/// The live dashboard (统计分析).
const INSIGHT: Tab = Tab {
    href: "/insight",
    icon: "◔",
    zh: "统计",
    en: "Insight",
    key: "insight",
};
/// An instructor's own workload sheet (我的工作量).
const WORKLOAD: Tab = Tab {
    href: "/workload",
    icon: "▤",
    zh: "工作量",
    en: "Workload",
    key: "workload",
};
/// E-certificates (电子证书): issued, templates, issuing.
const CERTIFICATES: Tab = Tab {
    href: "/certificates",
    icon: "✉",
    zh: "证书",
    en: "Certificates",
    key: "certificates",
};
/// The points console: 积分预警, 积分规则, 批量打印 (each page checks its own permission).
const POINTS: Tab = Tab {
    href: "/admin",
    icon: "★",
    zh: "积分",
    en: "Points",
    key: "points",
};
/// A student's own points (我的积分).
const MY_POINTS: Tab = Tab {
    href: "/points",
    icon: "★",
    zh: "积分",
    en: "Points",
    key: "my-points",
};
const TRANSCRIPT: Tab = Tab {
    href: "/transcript",
    icon: "▤",
    zh: "成绩单",
    en: "Transcript",
    key: "transcript",
};
const LEADERBOARD: Tab = Tab {
    href: "/leaderboard",
    icon: "♛",
    zh: "排行榜",
    en: "Leaderboard",
    key: "leaderboard",
};
const ACCOUNT: Tab = Tab {
    href: "/account",
    icon: "◉",
    zh: "我的",
    en: "Me",
    key: "account",
};

/// At most this many tabs fit a phone's tab bar; the rest fold into 我的 there.
const PHONE_TABS: usize = 5;

/// The tabs an account sees: only pages that exist and that it may use. The second of each
/// pair says whether the tab folds away on phones (它在「我的」里).
fn tabs(me: Option<&Me>) -> Vec<(Tab, bool)> {
    let tabs = match me {
        None => vec![HOME, CALENDAR, LOGIN],
        // Nothing else works until the password is changed.
        Some(me) if me.must_change_password => vec![ACCOUNT],
        Some(me) if me.role.is_organization() => {
            let mut tabs = vec![HOME];
            if me.can(Permission::PublishActivities) || me.can(Permission::RecordAttendance) {
                tabs.push(MANAGE);
            }
            if me.can(Permission::ReviewActivities) {
                tabs.push(REVIEWS);
            }
            if me.can(Permission::ViewReports) {
                tabs.push(INSIGHT);
            }
            if crate::components::cadre_nav::CADRES
                .iter()
                .any(|p| me.can(*p))
            {
                tabs.push(CADRES);
            }
            if crate::components::practice_nav::PRACTICE
                .iter()
                .any(|p| me.can(*p))
            {
                tabs.push(PRACTICE);
            }
            if crate::components::survey::SURVEYS
                .iter()
                .any(|p| me.can(*p))
            {
                tabs.push(SURVEYS);
            }
            if me.can(Permission::ViewReports) {
                tabs.push(REPORTS);
            }
            if me.can(Permission::IssueCertificates) {
                tabs.push(CERTIFICATES);
            }
            tabs.push(ORG);
            if me.can(Permission::ManageAccounts) {
                tabs.push(PEOPLE);
            }
            // Every organisation account may at least read the scoring rules.
            tabs.extend([POINTS, AUDIT, ACCOUNT]);
            tabs
        }
        Some(me) if me.role == Role::Student => vec![
            HOME,
            ACTIVITIES,
            MY_POINTS,
            TRANSCRIPT,
            LEADERBOARD,
            CALENDAR,
            ACCOUNT,
        ],
        // Instructors; 签到 joins when that page exists.
        Some(_) => vec![HOME, ACTIVITIES, CALENDAR, WORKLOAD, ACCOUNT],
    };
    // Fold the least used on a phone (a student's 校历 and 排行榜 — 我的积分 links to both —,
    // an organisation's 干部 and 实践 (a few weeks a term), 月报 (once a month), 证书, 统计, 积分, 人员,
    // then 日志) until the phone's bar has room.
    let mut extra = tabs.len().saturating_sub(PHONE_TABS);
    let mut folded = Vec::new();
    for candidate in [
        CALENDAR.key,
        LEADERBOARD.key,
        CADRES.key,
        PRACTICE.key,
        SURVEYS.key,
        REPORTS.key,
        // 证书: issued in batches a few times a term.
        CERTIFICATES.key,
        // 统计 lives on the desktop (or a projector); on a phone it is one tap away in 我的.
        INSIGHT.key,
        POINTS.key,
        PEOPLE.key,
        AUDIT.key,
        ORG.key,
    ] {
        if extra > 0 && tabs.iter().any(|t| t.key == candidate) {
            folded.push(candidate);
            extra -= 1;
        }
    }
    tabs.into_iter()
        .map(|tab| (tab, folded.contains(&tab.key)))
        .collect()
}

/// The entries folded out of the phone's tab bar for this account (shown on 我的).
pub fn folded_tabs(
    me: Option<&Me>,
) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    tabs(me)
        .into_iter()
        .filter(|(_, folded)| *folded)
        .map(|(tab, _)| (tab.href, tab.zh, tab.en, tab.key))
        .collect()
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let school = expect_context::<LocalResource<Result<School, ApiError>>>();
    let school_name = move || match school.get() {
        Some(Ok(school)) if i18n.locale() == Locale::En => school.name_en,
        Some(Ok(school)) => school.name,
        _ => String::new(),
    };
    let tabs = Memo::new(move |_| session.with_me(tabs));
    enforce_session(session);
    crate::components::unread::Unread::provide();
    crate::components::toast::Toasts::provide();

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-title">{move || i18n.t("第二课堂成绩单", "Second Classroom Transcript")}</span>
                <span class="brand-school" data-testid="school-name">{school_name}</span>
            </div>
            <nav class="nav" aria-label=move || i18n.t("主导航", "Main navigation") data-testid="nav">
                <For each=move || tabs.get() key=|(tab, folded)| (tab.key, *folded) let:entry>
                    <NavLink tab=entry.0 folded=entry.1 />
                </For>
            </nav>
            <button class="lang-switch" data-testid="lang-switch" on:click=move |_| i18n.toggle()
                title=move || i18n.t("Switch to English", "切换到中文")>
                {move || i18n.t("EN", "中文")}
            </button>
        </header>
        <main class="page">{children()}</main>
        <crate::components::toast::ToastHost />
    }
}

/// Sends an account with a pending password change to /account, and a user whose session the
/// server ended to /login (coming back here after signing in).
fn enforce_session(session: crate::session::Session) {
    let location = use_location();
    let navigate = use_navigate();
    let replace = || NavigateOptions {
        replace: true,
        ..Default::default()
    };
    let to_account = navigate.clone();
    Effect::new(move |_| {
        let must_change = session.with_me(|me| me.is_some_and(|me| me.must_change_password));
        if must_change && location.pathname.get() != "/account" {
            to_account("/account", replace());
        }
    });
    Effect::new(move |seen: Option<u32>| {
        let expired = session.expired();
        let path = location.pathname.get_untracked();
        if seen.is_some_and(|seen| seen != expired) && path != "/login" {
            navigate(
                &login_url(&path, &location.search.get_untracked()),
                replace(),
            );
        }
        expired
    });
}

#[component]
fn NavLink(tab: Tab, folded: bool) -> impl IntoView {
    let i18n = use_i18n();
    let unread = expect_context::<crate::components::unread::Unread>();
    // 我的 carries the unread-notifications badge.
    let badge = move || {
        (tab.key == ACCOUNT.key)
            .then(|| unread.count())
            .filter(|n| *n > 0)
    };
    view! {
        <A href=tab.href exact={tab.href == "/"} attr:class=if folded { "nav-link nav-fold" } else { "nav-link" } attr:data-testid=format!("nav-{}", tab.key)>
            <span class="nav-icon" aria-hidden="true">{tab.icon}
                {move || badge().map(|n| view! { <span class="nav-badge" data-testid="nav-unread">{if n > 99 { "99+".to_owned() } else { n.to_string() }}</span> })}
            </span>
            <span class="nav-label">{move || i18n.t(tab.zh, tab.en)}</span>
        </A>
    }
}
