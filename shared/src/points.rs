//! Points as the API serves them: terms, rule set versions, the ledger, a student's totals and
//! progress, the leaderboard, and what organisations record outside activities.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    ApiError,
    rules::{FactKind, Points, Progress, RuleSet},
    transcript::Method,
};

/// A term (学期).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Term {
    pub id: i64,
    /// `2026-2027-1`.
    pub code: String,
    /// `2026-2027学年第一学期`.
    pub name: String,
    pub academic_year: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// `POST /api/terms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"code": "2031-2032-1", "name": "2031-2032学年第一学期", "starts_on": "2031-09-01", "ends_on": "2032-02-14"})))]
pub struct NewTerm {
    pub code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl NewTerm {
    pub fn validate(&self) -> Result<(), ApiError> {
        let code = self.code.trim();
        let parts: Vec<&str> = code.split('-').collect();
        let valid = parts.len() == 3
            && parts[0].len() == 4
            && parts[1].len() == 4
            && matches!(parts[2], "1" | "2" | "3")
            && parts[0].parse::<i32>().ok().map(|y| y + 1) == parts[1].parse::<i32>().ok();
        if !valid {
            return Err(ApiError::invalid(
                "code",
                "like 2026-2027-1: the academic year, then the term number 1–3",
            ));
        }
        let name = self.name.trim().chars().count();
        if !(1..=50).contains(&name) {
            return Err(ApiError::invalid("name", "1 to 50 characters"));
        }
        if self.ends_on < self.starts_on {
            return Err(ApiError::invalid("ends_on", "on or after starts_on"));
        }
        Ok(())
    }

    /// The term that follows `last` in the usual calendar: the autumn term (`-1`, 1 September
    /// to 14 February) then the spring term (`-2`, to 31 August), starting the day after `last`
    /// ends. What the term form suggests; the admin may change any of it.
    pub fn following(last: &Term) -> Option<NewTerm> {
        let (year, number) = last.code.trim().rsplit_once('-')?;
        let first: i32 = year.split_once('-')?.0.parse().ok()?;
        let (first, number) = match number {
            "1" => (first, 2),
            _ => (first + 1, 1),
        };
        let starts_on = last.ends_on.succ_opt()?;
        let ends_on = match number {
            1 => NaiveDate::from_ymd_opt(first + 1, 2, 14)?,
            _ => NaiveDate::from_ymd_opt(first + 1, 8, 31)?,
        };
        let ordinal = if number == 1 { "一" } else { "二" };
        Some(NewTerm {
            code: format!("{first}-{}-{number}", first + 1),
            name: format!("{first}-{}学年第{ordinal}学期", first + 1),
            starts_on,
            ends_on: ends_on.max(starts_on),
        })
    }

    /// `2026-2027` of `2026-2027-1`.
    pub fn academic_year(&self) -> String {
        self.code
            .trim()
            .rsplit_once('-')
            .map(|(y, _)| y.to_owned())
            .unwrap_or_default()
    }
}

/// A version of the scoring rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSetVersion {
    pub version: i32,
    /// The first term it applies to; none: from the first term on.
    pub effective_term: Option<Term>,
    pub rules: RuleSet,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

/// `POST /api/rules`: a new version, applying from a term that has not ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRuleSet {
    pub effective_term_id: i64,
    pub rules: RuleSet,
    #[serde(default)]
    pub note: String,
}

/// One student in a rules preview: total points now and under the new rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewRow {
    pub student_no: String,
    pub name: String,
    pub before: Points,
    pub after: Points,
}

/// `POST /api/rules/previews`: what publishing the rules would change, for whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesPreview {
    /// Students with recognised facts in the term or after it: publishing re-evaluates them.
    pub affected: u32,
    /// How many of them were evaluated for this preview (all, up to a bound).
    pub evaluated: u32,
    /// Of those evaluated, whose total would change.
    pub changed: u32,
    pub gaining: u32,
    pub losing: u32,
    /// Sum over the evaluated students, before and after.
    pub points_before: Points,
    pub points_after: Points,
    /// The largest changes first (up to 20).
    pub sample: Vec<PreviewRow>,
}

/// Where the re-evaluation a publication started stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReevaluationStatus {
    Running,
    Done,
    Failed,
}

/// `GET /api/rules/{version}/reevaluation`: the background re-evaluation of every affected
/// student after a version was published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reevaluation {
    pub version: i32,
    pub status: ReevaluationStatus,
    pub total: i32,
    pub done: i32,
    /// Students whose ledger changed.
    pub changed: i32,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Where a ledger entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An activity's recognised result.
    Activity,
    /// A result whose attendance was made up within the window.
    Makeup,
    /// A result recorded through an approved back-fill.
    Backfill,
    /// A cadre position's approved assessment.
    Cadre,
    /// A certified practice team's member.
    Practice,
    /// A certified training record's participant.
    Training,
    /// A manual adjustment.
    Manual,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Activity => "activity",
            Source::Makeup => "makeup",
            Source::Backfill => "backfill",
            Source::Cadre => "cadre",
            Source::Practice => "practice",
            Source::Training => "training",
            Source::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        [
            Source::Activity,
            Source::Makeup,
            Source::Backfill,
            Source::Cadre,
            Source::Practice,
            Source::Training,
            Source::Manual,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One ledger entry (append-only; `reverses` names the entry a correction cancels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: i64,
    pub term_code: String,
    pub category: String,
    pub points: Points,
    pub hours: f64,
    pub source: Source,
    pub method: Method,
    /// `result:<id>`, `fact:<id>` or `manual:<uuid>`.
    pub fact: String,
    pub activity_id: Option<i64>,
    pub title: String,
    pub detail: String,
    pub rule_version: Option<i32>,
    pub organization: String,
    pub recognized_by: String,
    pub approved_by: Option<String>,
    pub reverses: Option<i64>,
    /// Reversed by a later entry: no longer counts.
    pub reversed: bool,
    pub occurred_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// Points and hours of one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryTotal {
    pub category: String,
    pub category_name: String,
    pub points: Points,
    pub hours: f64,
}

/// A term's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermTotals {
    pub term: Term,
    pub categories: Vec<CategoryTotal>,
    pub points: Points,
}

/// A student's rank in a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standing {
    pub rank: i64,
    pub of: i64,
    /// Share of the scope's students with fewer points, 0–100.
    pub percentile: f64,
    pub points: Points,
}

/// `GET /api/me/points`, `GET /api/students/{id}/points`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentPoints {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub degree: crate::people::Degree,
    pub total: Points,
    pub total_hours: f64,
    /// Over all terms, per category.
    pub categories: Vec<CategoryTotal>,
    pub terms: Vec<TermTotals>,
    /// Against the requirement of the student's degree (current rules); the last row is the
    /// total.
    pub progress: Vec<Progress>,
    /// Every entry, reversals included, newest first.
    pub entries: Vec<LedgerEntry>,
    /// In the student's college over all terms.
    pub college_standing: Standing,
}

/// `POST /api/points/facts`: a cadre position or practice days, evaluated by the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"student_no": "2023010101", "organization_id": 3, "title": "计算机学院学生会主席", "occurred_on": "2026-12-20", "kind": {"type": "cadre", "level": "college", "grade": "excellent"}})))]
pub struct NewFact {
    pub student_no: String,
    /// The organisation recognising it (the position's or the team's).
    pub organization_id: i64,
    pub title: String,
    /// The day it counts on; its term is the one containing it.
    pub occurred_on: NaiveDate,
    /// `cadre` or `practice_days` (or `hours` for practice counted in hours).
    pub kind: FactKind,
    pub achievement: Option<String>,
}

impl NewFact {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.student_no.trim().is_empty() {
            return Err(ApiError::invalid(
                "student_no",
                "a student number is required",
            ));
        }
        let title = self.title.trim().chars().count();
        if !(1..=100).contains(&title) {
            return Err(ApiError::invalid("title", "1 to 100 characters"));
        }
        match &self.kind {
            FactKind::Cadre { .. } => {}
            FactKind::PracticeDays {
                days,
                hours_per_day,
            } => {
                if !(days.is_finite() && *days > 0.0 && *days <= 366.0) {
                    return Err(ApiError::invalid("kind.days", "between 0 and 366"));
                }
                if hours_per_day.is_some_and(|h| !(h.is_finite() && h > 0.0 && h <= 24.0)) {
                    return Err(ApiError::invalid("kind.hours_per_day", "between 0 and 24"));
                }
            }
            FactKind::Hours { hours } => {
                if !(hours.is_finite() && *hours > 0.0 && *hours <= 2000.0) {
                    return Err(ApiError::invalid("kind.hours", "between 0 and 2000"));
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    "kind.type",
                    "cadre, practice_days or hours; activities are recognised through their results",
                ));
            }
        }
        if self
            .achievement
            .as_ref()
            .is_some_and(|a| a.chars().count() > 100)
        {
            return Err(ApiError::invalid("achievement", "at most 100 characters"));
        }
        Ok(())
    }

    /// The category the fact counts under.
    pub fn category(&self) -> &'static str {
        match self.kind {
            FactKind::Cadre { .. } => "cadre",
            _ => "practice",
        }
    }
}

/// `POST /api/points/adjustments`: points added or taken away by hand, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"student_no": "2023010101", "category": "volunteer", "points": 50, "reason": "2026 年马拉松志愿服务补记", "occurred_on": "2026-11-02"})))]
pub struct NewAdjustment {
    pub student_no: String,
    pub category: String,
    /// In hundredths; negative to take points away.
    pub points: Points,
    #[serde(default)]
    pub hours: f64,
    pub reason: String,
    pub occurred_on: NaiveDate,
}

impl NewAdjustment {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.student_no.trim().is_empty() {
            return Err(ApiError::invalid(
                "student_no",
                "a student number is required",
            ));
        }
        if self.points.0 == 0 && self.hours == 0.0 {
            return Err(ApiError::invalid(
                "points",
                "an adjustment changes something",
            ));
        }
        // unsigned_abs: i64::MIN has no absolute value (found by fuzzing: `abs` overflowed).
        if self.points.0.unsigned_abs() > 10_000 {
            return Err(ApiError::invalid("points", "at most 100 points either way"));
        }
        if !(self.hours.is_finite() && self.hours.abs() <= 2000.0) {
            return Err(ApiError::invalid("hours", "at most 2000 hours either way"));
        }
        let reason = self.reason.trim().chars().count();
        if !(2..=200).contains(&reason) {
            return Err(ApiError::invalid(
                "reason",
                "say why, in 2 to 200 characters",
            ));
        }
        Ok(())
    }
}

/// One row of the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderboardRow {
    /// Equal points share a rank (1, 2, 2, 4).
    pub rank: i64,
    pub name: String,
    /// Masked: `2023****01`.
    pub student_no: String,
    pub college: String,
    pub enrolment_year: i32,
    pub points: Points,
    /// The caller's own row.
    pub me: bool,
}

/// `GET /api/leaderboard`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leaderboard {
    pub term: Option<Term>,
    pub college_id: Option<i64>,
    pub enrolment_year: Option<i32>,
    /// Students in the scope.
    pub students: i64,
    pub rows: Vec<LeaderboardRow>,
    /// The caller's standing, for a student in the scope.
    pub me: Option<Standing>,
}

/// A student behind the graduation requirement (精准育人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BehindStudent {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub college: String,
    pub class_name: String,
    pub enrolment_year: i32,
    pub degree: crate::people::Degree,
    pub total: Points,
    /// Only the unmet rows.
    pub missing: Vec<Progress>,
}

/// Masks the middle of a student number for public lists: `2023010101` → `2023****01`.
pub fn mask_student_no(no: &str) -> String {
    let chars: Vec<char> = no.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

/// Share of `of` students with fewer points than rank `rank`, 0–100, one decimal.
pub fn percentile(rank: i64, of: i64) -> f64 {
    if of <= 0 {
        return 0.0;
    }
    ((of - rank).max(0) as f64 * 1000.0 / of as f64).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_negative_adjustment_is_refused_not_a_panic() {
        let adjustment = NewAdjustment {
            student_no: "2023010101".into(),
            category: "volunteer".into(),
            points: Points(i64::MIN),
            hours: 0.0,
            reason: "fuzzing found this".into(),
            occurred_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        };
        let refused = adjustment.validate().unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("points"));
        let most = NewAdjustment {
            points: Points(-10_000),
            ..adjustment
        };
        assert!(most.validate().is_ok());
    }

    #[test]
    fn the_term_after_the_last_follows_the_calendar() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let term = |code: &str, starts_on, ends_on| Term {
            id: 1,
            code: code.to_owned(),
            name: String::new(),
            academic_year: String::new(),
            starts_on,
            ends_on,
        };
        let cases = [
            (
                term("2030-2031-1", date(2030, 9, 1), date(2031, 2, 14)),
                (
                    "2030-2031-2",
                    "2030-2031学年第二学期",
                    date(2031, 2, 15),
                    date(2031, 8, 31),
                ),
            ),
            (
                term("2030-2031-2", date(2031, 2, 15), date(2031, 8, 31)),
                (
                    "2031-2032-1",
                    "2031-2032学年第一学期",
                    date(2031, 9, 1),
                    date(2032, 2, 14),
                ),
            ),
        ];
        for (last, (code, name, starts_on, ends_on)) in cases {
            let next = NewTerm::following(&last).unwrap();
            assert_eq!(
                (
                    next.code.as_str(),
                    next.name.as_str(),
                    next.starts_on,
                    next.ends_on
                ),
                (code, name, starts_on, ends_on)
            );
            assert!(next.validate().is_ok());
        }
        assert_eq!(
            NewTerm::following(&term("nonsense", date(2031, 2, 15), date(2031, 8, 31))),
            None
        );
    }

    #[test]
    fn masks_and_percentiles() {
        assert_eq!(mask_student_no("2023010101"), "2023****01");
        assert_eq!(mask_student_no("S2024010001"), "S202*****01");
        assert_eq!(mask_student_no("123"), "***");
        assert_eq!(percentile(1, 10), 90.0);
        assert_eq!(percentile(10, 10), 0.0);
        assert_eq!(percentile(1, 1), 0.0);
        assert_eq!(percentile(1, 0), 0.0);
    }

    #[test]
    fn terms_are_checked() {
        let term = NewTerm {
            code: "2031-2032-1".into(),
            name: "2031-2032学年第一学期".into(),
            starts_on: NaiveDate::from_ymd_opt(2031, 9, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2032, 2, 14).unwrap(),
        };
        term.validate().unwrap();
        assert_eq!(term.academic_year(), "2031-2032");
        let bad = NewTerm {
            code: "2031-2033-1".into(),
            ..term.clone()
        };
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("code"));
        let bad = NewTerm {
            ends_on: NaiveDate::from_ymd_opt(2031, 8, 1).unwrap(),
            ..term
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("ends_on")
        );
    }
}

/// A term's English name from its code (`2025-2026-2`) or its Chinese name
/// (`2025-2026学年第二学期`): `2025–2026 spring term`. `None` for a name of another shape.
pub fn term_name_en(code_or_name: &str) -> Option<String> {
    let text = code_or_name.trim();
    let (years, which) = if let Some((years, rest)) = text.split_once("学年") {
        let which = match rest {
            "第一学期" => 1,
            "第二学期" => 2,
            "第三学期" | "夏季学期" | "小学期" => 3,
            _ => return None,
        };
        (years, which)
    } else {
        let (years, n) = text.rsplit_once('-')?;
        (years, n.parse::<u8>().ok()?)
    };
    let (from, to) = years.split_once('-')?;
    if from.len() != 4
        || to.len() != 4
        || !from.chars().chain(to.chars()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let season = match which {
        1 => "autumn",
        2 => "spring",
        3 => "summer",
        _ => return None,
    };
    Some(format!("{from}–{to} {season} term"))
}

/// A ledger entry's detail (written in Chinese by [`crate::rules::describe`]) in English.
pub fn detail_en(detail: &str) -> String {
    let text = detail.trim();
    if text == "参加" {
        return "Took part".to_owned();
    }
    if let Some(hours) = text.strip_suffix(" 小时") {
        return format!("{hours} h");
    }
    if let Some((days, rest)) = text.split_once(" 天（")
        && let Some(hours) = rest.strip_suffix(" 小时）")
    {
        return format!("{days} days ({hours} h)");
    }
    let mut out = text.to_owned();
    for (zh, en) in [
        ("社团干部", "Club cadre"),
        ("院级干部", "College cadre"),
        ("校级干部", "School cadre"),
        ("班级干部", "Class cadre"),
        ("国家级", "National "),
        ("省级", "Provincial "),
        ("校级", "School "),
        ("院级", "College "),
        ("一等奖", "first prize"),
        ("二等奖", "second prize"),
        ("三等奖", "third prize"),
        ("优秀奖", "honourable mention"),
        ("参与", "participation"),
        ("（负责人）", " (leader)"),
        ("（队员）", " (member)"),
        ("不称职", "incompetent"),
        ("一般称职", "fair"),
        ("称职", "competent"),
        ("优秀", "excellent"),
    ] {
        out = out.replace(zh, en);
    }
    out
}

#[cfg(test)]
mod english_tests {
    use super::*;

    #[test]
    fn terms_and_details_have_english_names() {
        assert_eq!(
            term_name_en("2025-2026-2").as_deref(),
            Some("2025–2026 spring term")
        );
        assert_eq!(
            term_name_en("2025-2026学年第一学期").as_deref(),
            Some("2025–2026 autumn term")
        );
        assert_eq!(term_name_en("春季学期"), None);
        assert_eq!(detail_en("参加"), "Took part");
        assert_eq!(detail_en("4 小时"), "4 h");
        assert_eq!(detail_en("2 天（16 小时）"), "2 days (16 h)");
        assert_eq!(
            detail_en("校级一等奖（负责人）"),
            "School first prize (leader)"
        );
    }
}
