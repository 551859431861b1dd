//! The cadres console (`/cadres/…`): its tabs — 干部名册, 干部考核, 考核设置 — each shown only
//! to accounts that may use it, and the grade and round-status words its pages share.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    auth::{Me, Permission},
    cadre::RoundStatus,
};

use crate::{i18n::I18n, i18n::use_i18n, session::use_session};

/// Who may read the register and the rounds (the server checks again).
pub const CADRES: &[Permission] = &[Permission::ManageCadres, Permission::ViewReports];

/// A page of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CadrePage {
    Positions,
    Rounds,
    Settings,
}

impl CadrePage {
    const ALL: [CadrePage; 3] = [CadrePage::Positions, CadrePage::Rounds, CadrePage::Settings];

    fn href(self) -> &'static str {
        match self {
            CadrePage::Positions => "/cadres",
            CadrePage::Rounds => "/cadres/rounds",
            CadrePage::Settings => "/cadres/settings",
        }
    }

    fn key(self) -> &'static str {
        match self {
            CadrePage::Positions => "positions",
            CadrePage::Rounds => "rounds",
            CadrePage::Settings => "settings",
        }
    }

    fn label(self) -> (&'static str, &'static str) {
        match self {
            CadrePage::Positions => ("干部名册", "Positions"),
            CadrePage::Rounds => ("干部考核", "Assessments"),
            CadrePage::Settings => ("职务类型与比例", "Settings"),
        }
    }

    fn allows(self, me: &Me) -> bool {
        // Every account of the console reads the settings; the school admin changes them.
        me.role.is_organization() && CADRES.iter().any(|p| me.can(*p))
    }
}

/// The console's tabs, `current` marked.
#[component]
pub fn CadreNav(current: CadrePage) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let pages = move || {
        session.with_me(|me| {
            CadrePage::ALL
                .into_iter()
                .filter(|page| me.is_some_and(|me| page.allows(me)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <nav class="subnav" aria-label=move || i18n.t("学生干部", "Student cadres") data-testid="cadre-nav">
            {move || pages().into_iter().map(|page| {
                let (zh, en) = page.label();
                view! {
                    <A href=page.href() attr:class="subnav-link" attr:data-testid=format!("cadre-nav-{}", page.key())
                        attr:data-current=(page == current).then_some("true")>
                        {move || i18n.t(zh, en)}
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}

/// Where a round stands, in words.
pub fn round_status(i18n: I18n, status: RoundStatus) -> &'static str {
    match status {
        RoundStatus::Draft => i18n.t("评定中", "Grading"),
        RoundStatus::Submitted => i18n.t("待审核", "Awaiting review"),
        RoundStatus::Approved => i18n.t("已通过", "Approved"),
        RoundStatus::Returned => i18n.t("已退回", "Returned"),
    }
}

/// The badge class of a round's status.
pub fn round_badge(status: RoundStatus) -> &'static str {
    match status {
        RoundStatus::Draft => "badge",
        RoundStatus::Submitted => "badge badge-warn",
        RoundStatus::Approved => "badge badge-on",
        RoundStatus::Returned => "badge badge-off",
    }
}

/// A message of the cadre forms and endpoints in the current locale.
pub fn cadre_message(i18n: I18n, text: &str) -> String {
    let zh = match text {
        "a tenure of at most six years" => "任期最长六年",
        "a class position names its class" => "班级干部须填写班级",
        "at most 50 characters" => "最多 50 个字符",
        "at most 200 characters" => "最多 200 个字符",
        "1 to 30 characters" => "须为 1–30 个字符",
        "each code once" => "代码不能重复",
        "each name once" => "名称不能重复",
        "1 to 50 position types" => "须有 1–50 个职务类型",
        "each level and grade once" => "每个级别和等次只能设置一次",
        "1–32 lowercase letters, digits and _, starting with a letter" => {
            "代码为 1–32 位小写字母、数字或 _，以字母开头"
        }
        other => return crate::components::points_nav::points_message(i18n, other),
    };
    match i18n.locale() {
        crate::i18n::Locale::Zh => zh.to_owned(),
        crate::i18n::Locale::En => text.to_owned(),
    }
}
