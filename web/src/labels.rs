//! How domain values read in the UI: roles, organisation kinds, permissions, audit actions,
//! the states of activities and sign-ups, and the terms of points and transcripts, in the
//! current locale.

use shared::{
    activity::{
        ActivityStatus, Category, CreditLevel, EnrolmentMode, FieldKind, Ineligible, Phase,
        RegistrationStatus,
    },
    attendance::{Award, AwardLevel, ParticipantRole},
    auth::Permission,
    auth::Role,
    organization::OrgKind,
    people::Degree,
    points::Source,
    rules::{CadreLevel, Grade},
    transcript::{PrintStatus, TranscriptDoc, TranscriptStyle, VerificationStatus},
};

use crate::i18n::I18n;

pub fn role(i18n: I18n, role: Role) -> &'static str {
    match role {
        Role::Student => i18n.t("学生", "Student"),
        Role::Instructor => i18n.t("指导老师", "Instructor"),
        Role::OrgMain => i18n.t("组织主账号", "Organisation main account"),
        Role::OrgSub => i18n.t("组织子账号", "Organisation sub-account"),
        Role::SchoolAdmin => i18n.t("校团委管理员", "School administrator"),
    }
}

pub fn org_kind(i18n: I18n, kind: OrgKind) -> &'static str {
    i18n.t(kind.label_zh(), kind.label_en())
}

pub fn permission(i18n: I18n, permission: Permission) -> &'static str {
    i18n.t(permission.label_zh(), permission.label_en())
}

/// The audit actions the filter offers, as (prefix, 中文, English).
pub const ACTION_GROUPS: [(&str, &str, &str); 4] = [
    ("session.", "登录与退出", "Sign-ins and sign-outs"),
    ("account.", "账号", "Accounts"),
    ("organization.", "组织", "Organisations"),
    ("import.", "导入", "Imports"),
];

/// An audit action (`account.create`) in words; unknown ones as they are.
pub fn action(i18n: I18n, action: &str) -> String {
    let known = match action {
        "session.login" => Some(("登录", "Signed in")),
        "session.logout" => Some(("退出登录", "Signed out")),
        "session.logout_all" => Some(("退出所有设备", "Signed out everywhere")),
        "session.refresh_token_reused" => Some((
            "刷新令牌被重复使用，会话已终止",
            "Refresh token reused; session ended",
        )),
        "account.create" => Some(("创建账号", "Created an account")),
        "account.update" => Some(("修改账号", "Changed an account")),
        "account.reset_password" => Some(("重置密码", "Reset a password")),
        "account.change_password" => Some(("修改密码", "Changed the password")),
        "organization.create" => Some(("创建组织", "Created an organisation")),
        "organization.update" => Some(("修改组织", "Changed an organisation")),
        "demo.seed" => Some(("载入演示数据", "Loaded the demo data")),
        _ => None,
    };
    match known {
        Some((zh, en)) => i18n.t(zh, en).to_owned(),
        None => action.to_owned(),
    }
}

// ---- Activities ----

pub fn phase(i18n: I18n, phase: Phase) -> &'static str {
    match phase {
        Phase::Upcoming => i18n.t("即将报名", "Opens soon"),
        Phase::RegistrationOpen => i18n.t("报名中", "Open"),
        Phase::RegistrationClosed => i18n.t("报名截止", "Closed"),
        Phase::InProgress => i18n.t("进行中", "In progress"),
        Phase::Ended => i18n.t("已结束", "Ended"),
    }
}

pub fn activity_status(i18n: I18n, status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Draft => i18n.t("草稿", "Draft"),
        ActivityStatus::Submitted => i18n.t("审核中", "Under review"),
        ActivityStatus::Published => i18n.t("已发布", "Published"),
        ActivityStatus::Cancelled => i18n.t("已取消", "Cancelled"),
    }
}

pub fn credit_level(i18n: I18n, level: CreditLevel) -> &'static str {
    let en = match level {
        CreditLevel::Club => "Club level",
        CreditLevel::College => "College level",
        CreditLevel::School => "School level",
    };
    i18n.t(level.label_zh(), en)
}

pub fn field_kind(i18n: I18n, kind: FieldKind) -> &'static str {
    let en = match kind {
        FieldKind::Text => "Short text",
        FieldKind::LongText => "Long text",
        FieldKind::SingleChoice => "Single choice",
        FieldKind::MultipleChoice => "Multiple choice",
        FieldKind::Number => "Number",
        FieldKind::Phone => "Mobile number",
        FieldKind::Email => "E-mail",
        FieldKind::Date => "Date",
    };
    i18n.t(kind.label_zh(), en)
}

pub fn registration_status(i18n: I18n, status: RegistrationStatus) -> &'static str {
    let en = match status {
        RegistrationStatus::Pending => "Pending",
        RegistrationStatus::Confirmed => "Confirmed",
        RegistrationStatus::Waitlisted => "Waitlisted",
        RegistrationStatus::Rejected => "Rejected",
        RegistrationStatus::NotSelected => "Not drawn",
        RegistrationStatus::Cancelled => "Cancelled",
    };
    i18n.t(status.label_zh(), en)
}

pub fn enrolment_mode(i18n: I18n, mode: EnrolmentMode) -> &'static str {
    match mode {
        EnrolmentMode::FirstCome => i18n.t("先到先得", "First come, first served"),
        EnrolmentMode::Review => i18n.t("人工审核", "Reviewed by the organiser"),
        EnrolmentMode::Lottery => i18n.t("抽签", "Lottery"),
    }
}

pub fn ineligible(i18n: I18n, reason: Ineligible) -> &'static str {
    i18n.t(reason.message_zh(), reason.message_en())
}

pub fn degree(i18n: I18n, degree: Degree) -> &'static str {
    match degree {
        Degree::Undergraduate => i18n.t("本科生", "Undergraduate"),
        Degree::Graduate => i18n.t("研究生", "Graduate"),
    }
}

/// A transition's action (`submit`, `approve` …) in words.
pub fn transition(i18n: I18n, action: &str) -> String {
    let known = match action {
        "create" => Some(("创建", "Created")),
        "submit" => Some(("提交审核", "Submitted for review")),
        "approve" => Some(("审核通过", "Approved")),
        "reject" => Some(("驳回", "Rejected")),
        "publish" => Some(("发布", "Published")),
        "cancel" => Some(("取消活动", "Cancelled")),
        "amend" => Some(("修改", "Amended")),
        "withdraw" => Some(("撤回", "Withdrawn")),
        _ => None,
    };
    match known {
        Some((zh, en)) => i18n.t(zh, en).to_owned(),
        None => action.to_owned(),
    }
}

/// A CSS class for a registration's state badge.
pub fn registration_badge(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "badge badge-on",
        RegistrationStatus::Pending | RegistrationStatus::Waitlisted => "badge badge-warn",
        RegistrationStatus::Rejected | RegistrationStatus::NotSelected => "badge badge-off",
        RegistrationStatus::Cancelled => "badge",
    }
}

// ---- Points, rules and transcripts ----

pub fn award_level(i18n: I18n, level: AwardLevel) -> &'static str {
    let en = match level {
        AwardLevel::College => "College",
        AwardLevel::School => "School",
        AwardLevel::Province => "Provincial",
        AwardLevel::National => "National",
    };
    i18n.t(level.label_zh(), en)
}

pub fn award(i18n: I18n, award: Award) -> &'static str {
    let en = match award {
        Award::First => "First prize",
        Award::Second => "Second prize",
        Award::Third => "Third prize",
        Award::Honourable => "Honourable mention",
        Award::Participation => "Took part",
    };
    i18n.t(award.label_zh(), en)
}

pub fn participant_role(i18n: I18n, role: ParticipantRole) -> &'static str {
    let en = match role {
        ParticipantRole::Leader => "Team leader",
        ParticipantRole::Member => "Team member",
        ParticipantRole::Participant => "Individual",
    };
    i18n.t(role.label_zh(), en)
}

/// A cadre position's level, short (社团 / 院级 / 校级).
pub fn cadre_level(i18n: I18n, level: CadreLevel) -> &'static str {
    match level {
        CadreLevel::Club => i18n.t("社团", "Club"),
        CadreLevel::College => i18n.t("院级", "College"),
        CadreLevel::School => i18n.t("校级", "School"),
        CadreLevel::Class => i18n.t("班级", "Class"),
    }
}

pub fn grade(i18n: I18n, grade: Grade) -> &'static str {
    let en = match grade {
        Grade::Incompetent => "Unsatisfactory",
        Grade::Fair => "Fairly satisfactory",
        Grade::Competent => "Satisfactory",
        Grade::Excellent => "Excellent",
    };
    i18n.t(grade.label_zh(), en)
}

/// Where a ledger entry came from.
pub fn source(i18n: I18n, source: Source) -> &'static str {
    match source {
        Source::Activity => i18n.t("活动认定", "Activity"),
        Source::Makeup => i18n.t("补录", "Make-up"),
        Source::Backfill => i18n.t("补录审批", "Back-fill"),
        Source::Cadre => i18n.t("学生干部", "Cadre"),
        Source::Practice => i18n.t("社会实践", "Practice"),
        Source::Training => i18n.t("培训", "Training"),
        Source::Manual => i18n.t("手工调整", "Adjustment"),
    }
}

pub fn transcript_style(i18n: I18n, style: TranscriptStyle) -> &'static str {
    let en = match style {
        TranscriptStyle::ByMethod => "By evaluation method",
        TranscriptStyle::ByTerm => "By term",
        TranscriptStyle::ByCategory => "By category",
    };
    i18n.t(style.label_zh(), en)
}

pub fn print_status(i18n: I18n, status: PrintStatus) -> &'static str {
    match status {
        PrintStatus::Queued => i18n.t("排队中", "Queued"),
        PrintStatus::Running => i18n.t("生成中", "Running"),
        PrintStatus::Done => i18n.t("已完成", "Done"),
        PrintStatus::Failed => i18n.t("失败", "Failed"),
        PrintStatus::Expired => i18n.t("文件已过保留期", "File expired"),
    }
}

/// A category's name (`cadre` and `total` included), from the categories the server lists.
pub fn category_name(
    i18n: I18n,
    names: &std::collections::BTreeMap<String, (String, String)>,
    code: &str,
) -> String {
    match code {
        "total" => return i18n.t("总分", "Total").to_owned(),
        "cadre" => return i18n.t("学生干部", "Student cadre").to_owned(),
        _ => {}
    }
    match (names.get(code), i18n.locale()) {
        (Some((zh, _)), crate::i18n::Locale::Zh) => zh.clone(),
        (Some((_, en)), crate::i18n::Locale::En) => en.clone(),
        (None, _) => code.to_owned(),
    }
}

pub fn verification_status(i18n: I18n, status: VerificationStatus) -> &'static str {
    match status {
        VerificationStatus::Genuine => i18n.t("真实有效", "Genuine"),
        VerificationStatus::Superseded => {
            i18n.t("已被新版本取代", "Superseded by a newer transcript")
        }
        VerificationStatus::Revoked => i18n.t("已撤销", "Revoked"),
    }
}

/// Category names by code (活动类别, plus 学生干部 and 合计), from what the app could load:
/// the categories list when signed in (with English names), the names a document or a ledger
/// carries, and the default categories as a last resort.
#[derive(Clone, Debug, Default)]
pub struct CategoryNames(Vec<(String, String, String)>);

impl CategoryNames {
    pub fn new() -> CategoryNames {
        CategoryNames::default()
    }

    /// Adds names for codes not named yet; `name_en` empty when unknown.
    pub fn add(&mut self, code: &str, name: &str, name_en: &str) {
        if !code.is_empty() && !self.0.iter().any(|(c, _, _)| c == code) {
            self.0
                .push((code.to_owned(), name.to_owned(), name_en.to_owned()));
        }
    }

    pub fn with_categories(mut self, categories: &[Category]) -> CategoryNames {
        for c in categories {
            self.add(&c.code, &c.name, &c.name_en);
        }
        self
    }

    /// The names a transcript carries (Chinese only): its requirement rows', its entries'.
    pub fn with_document(mut self, doc: &TranscriptDoc) -> CategoryNames {
        for (code, name) in &doc.category_names {
            self.add(code, name, "");
        }
        for entry in doc.sections.iter().flat_map(|s| &s.entries) {
            self.add(&entry.category, &entry.category_name, "");
        }
        self
    }

    pub fn name(&self, i18n: I18n, code: &str) -> String {
        let found = self.0.iter().find(|(c, _, _)| c == code);
        let fallback = DEFAULT_CATEGORIES.iter().find(|(c, _, _)| *c == code);
        match (i18n.locale(), found, fallback) {
            (crate::i18n::Locale::En, Some((_, _, en)), _) if !en.is_empty() => en.clone(),
            (crate::i18n::Locale::En, _, Some((_, _, en))) => (*en).to_owned(),
            (_, Some((_, zh, _)), _) => zh.clone(),
            (_, None, Some(&(_, zh, en))) => i18n.t(zh, en).to_owned(),
            (_, None, None) => code.to_owned(),
        }
    }
}

/// The categories every installation starts with (see the migrations), and the two rows that
/// are not activity categories.
const DEFAULT_CATEGORIES: [(&str, &str, &str); 9] = [
    ("lecture", "报告讲座", "Lecture"),
    ("competition", "竞赛", "Competition"),
    ("volunteer", "志愿服务", "Volunteer service"),
    ("practice", "社会实践", "Social practice"),
    ("training", "培训", "Training"),
    ("arts_sports", "文体活动", "Arts and sports"),
    ("innovation", "创新创业", "Innovation and entrepreneurship"),
    ("cadre", "学生干部", "Student cadre"),
    ("total", "合计", "Total"),
];

/// What became of a scanned personal code (the scanner's verdict, or the server's).
pub fn scan_outcome(i18n: I18n, outcome: shared::pass::ScanOutcome) -> &'static str {
    use shared::pass::ScanOutcome;
    match outcome {
        ScanOutcome::Accepted => i18n.t("签到成功", "Checked in"),
        ScanOutcome::Duplicate => i18n.t("已签到过", "Already checked in"),
        ScanOutcome::NotRegistered => i18n.t("未报名本活动", "No place in this activity"),
        ScanOutcome::OutOfWindow => i18n.t("不在签到时间内", "Outside the check-in window"),
        ScanOutcome::InvalidCode => i18n.t("无效的签到码", "Not a valid code"),
        ScanOutcome::ExpiredCode => {
            i18n.t("签到码已过期（疑似截图）", "Expired code (a screenshot?)")
        }
        ScanOutcome::RevokedKey => i18n.t(
            "签到码已失效（已换手机或已退出登录）",
            "Code revoked (another phone, or signed out)",
        ),
        ScanOutcome::DeviceUsed => {
            i18n.t("该手机已为他人签到", "This phone checked in someone else")
        }
        ScanOutcome::UnknownStudent => i18n.t("没有这个学号", "No student with this number"),
        ScanOutcome::ModeOff => i18n.t(
            "本活动未开启个人码签到",
            "Personal codes are off for this activity",
        ),
    }
}

/// An activity's category as the server named it (Chinese), in the current language: the
/// English name of a built-in category, else the Chinese one.
pub fn activity_category(i18n: I18n, code: &str, name: &str) -> String {
    match i18n.locale() {
        crate::i18n::Locale::Zh => name.to_owned(),
        crate::i18n::Locale::En => {
            CategoryNames(vec![(code.to_owned(), name.to_owned(), String::new())]).name(i18n, code)
        }
    }
}

/// A term's name (`2025-2026学年第二学期`) in the current language.
pub fn term_name(i18n: I18n, code_or_name: &str, name: &str) -> String {
    match i18n.locale() {
        crate::i18n::Locale::Zh => name.to_owned(),
        crate::i18n::Locale::En => shared::points::term_name_en(code_or_name)
            .or_else(|| shared::points::term_name_en(name))
            .unwrap_or_else(|| name.to_owned()),
    }
}

/// A ledger entry's detail (参加, 4 小时 …) in the current language.
pub fn ledger_detail(i18n: I18n, detail: &str) -> String {
    match i18n.locale() {
        crate::i18n::Locale::Zh => detail.to_owned(),
        crate::i18n::Locale::En => shared::points::detail_en(detail),
    }
}

/// A rule version's note; the built-in first version's in the current language.
pub fn rule_note(i18n: I18n, note: &str) -> String {
    if note == "默认规则 (default rules)" {
        i18n.t("默认规则", "Default rules").to_owned()
    } else {
        note.to_owned()
    }
}
