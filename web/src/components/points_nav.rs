//! The points console (`/admin/…`): its own tabs — 积分预警, 积分规则, 批量打印 — each shown
//! only to accounts that may use it, and `/admin` itself, which opens the first of them.

use leptos::prelude::*;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use shared::auth::{Me, Permission};

use crate::{i18n::use_i18n, session::use_session};

/// Who may see the students behind the requirement and a student's points.
pub const BEHIND: &[Permission] = &[Permission::ViewReports, Permission::RecogniseResults];

/// Who may open a student's transcript page: issue it, or only read it.
pub const TRANSCRIPTS: &[Permission] = &[Permission::IssueCertificates, Permission::ViewReports];

/// A page of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointsPage {
    Behind,
    Rules,
    Print,
}

impl PointsPage {
    const ALL: [PointsPage; 3] = [PointsPage::Behind, PointsPage::Rules, PointsPage::Print];

    fn href(self) -> &'static str {
        match self {
            PointsPage::Behind => "/admin/behind",
            PointsPage::Rules => "/admin/rules",
            PointsPage::Print => "/admin/print",
        }
    }

    fn key(self) -> &'static str {
        match self {
            PointsPage::Behind => "behind",
            PointsPage::Rules => "rules",
            PointsPage::Print => "print",
        }
    }

    fn label(self) -> (&'static str, &'static str) {
        match self {
            PointsPage::Behind => ("积分预警", "Behind the requirement"),
            PointsPage::Rules => ("积分规则", "Scoring rules"),
            PointsPage::Print => ("批量打印", "Batch printing"),
        }
    }

    /// Whether `me` may use the page (the server checks again).
    pub fn allows(self, me: &Me) -> bool {
        me.role.is_organization()
            && match self {
                PointsPage::Behind => BEHIND.iter().any(|p| me.can(*p)),
                // Every organisation account reads the rules; the school admin edits them.
                PointsPage::Rules => true,
                PointsPage::Print => me.can(Permission::IssueCertificates),
            }
    }
}

/// The school admin: the root organisation's account that manages accounts (who publishes rules).
pub fn is_school_admin(me: &Me) -> bool {
    me.role.is_organization()
        && me.organization.path.len() == 1
        && me.can(Permission::ManageAccounts)
}

/// The console's tabs, `current` marked.
#[component]
pub fn PointsNav(current: PointsPage) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let pages = move || {
        session.with_me(|me| {
            PointsPage::ALL
                .into_iter()
                .filter(|page| me.is_some_and(|me| page.allows(me)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <nav class="subnav" aria-label=move || i18n.t("积分管理", "Points console") data-testid="points-nav">
            {move || pages().into_iter().map(|page| {
                let (zh, en) = page.label();
                view! {
                    <A href=page.href() attr:class="subnav-link" attr:data-testid=format!("points-nav-{}", page.key())
                        attr:data-current=(page == current).then_some("true")>
                        {move || i18n.t(zh, en)}
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}

/// `/admin`: opens the first page of the console this account may use.
#[component]
pub fn PointsHome() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let first = session.with_me(|me| {
            me.and_then(|me| PointsPage::ALL.into_iter().find(|page| page.allows(me)))
        });
        if let Some(page) = first {
            navigate(
                page.href(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
}

/// Category code → (中文, English) names, as `GET /api/categories` lists them.
pub type CategoryNames = std::collections::BTreeMap<String, (String, String)>;

/// Loads the category names once for a page.
pub fn category_names() -> LocalResource<CategoryNames> {
    LocalResource::new(|| async {
        crate::api::categories()
            .await
            .map(|page| {
                page.items
                    .into_iter()
                    .map(|c| (c.code, (c.name, c.name_en)))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// A message of the rules, the points forms or the points endpoints in the current locale;
/// others as `error::translate` knows them, or as they are.
pub fn points_message(i18n: crate::i18n::I18n, text: &str) -> String {
    let zh = match text {
        "enter a number like 0.5" => "请输入数字，如 0.5",
        "at most two decimal places" => "最多两位小数",
        "too large" => "数值过大",
        "enter a whole number" => "请输入整数",
        "between 0 and 100" => "须在 0 到 100 之间",
        "between 0 and 24" => "须在 0 到 24 之间",
        "between 0 and 366" => "须在 0 到 366 之间",
        "between 0 and 2000" => "须在 0 到 2000 之间",
        "points cannot be negative" => "积分不能为负数",
        "cannot be negative" => "不能为负数",
        "each category once" => "每个类别只能出现一次",
        "points cannot be negative; grade factors 0–100" => {
            "积分不能为负数；考核系数须在 0 到 100 之间"
        }
        "at most 500 characters" => "最多 500 个字符",
        "at most 100 characters" => "最多 100 个字符",
        "1 to 100 characters" => "须为 1–100 个字符",
        "no such term" => "没有这个学期",
        "a student number is required" => "请填写学号",
        "no such student" => "没有这个学生",
        "no such category" => "没有这个类别",
        "no such organisation" => "没有这个组织",
        "no term contains this day" => "该日期不在任何学期内",
        "an adjustment changes something" => "调整的积分或时长不能都为 0",
        "at most 100 points either way" => "一次最多调整 ±100 分",
        "at most 2000 hours either way" => "一次最多调整 ±2000 小时",
        "say why, in 2 to 200 characters" => "请填写原因（2–200 个字符）",
        "enter a date" => "请选择日期",
        "choose the organisation" => "请选择认定组织",
        "like 2026-2027-1: the academic year, then the term number 1–3" => {
            "格式如 2026-2027-1：学年，再加学期序号 1–3"
        }
        "1 to 50 characters" => "须为 1–50 个字符",
        "on or after starts_on" => "不能早于开始日期",
        "say why, in 2 to 500 characters" => "请填写原因（2–500 个字符）",
        "the code is taken or the dates overlap another term" => {
            "学期代码已存在，或日期与其他学期重叠"
        }
        "the transcript is already revoked" => "该成绩单已被撤销",
        other => {
            return crate::components::error::translate(i18n, other)
                .unwrap_or_else(|| other.to_owned());
        }
    };
    match i18n.locale() {
        crate::i18n::Locale::Zh => zh.to_owned(),
        crate::i18n::Locale::En => {
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    }
}

/// Today in the school's time zone (Asia/Shanghai).
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&crate::format::shanghai())
        .date_naive()
}
