//! The scoring rules (成绩积分认定细则) as data, and their evaluation as a pure function: the
//! server grants exactly what the web app previews. Points are kept in hundredths (integers) so
//! sums and caps are exact.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{
    ApiError,
    attendance::{Award, AwardLevel, ParticipantRole},
    people::Degree,
};

/// Points in hundredths: 2.5 points is `Points(250)`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    /// From a decimal number of points, rounded to hundredths (half away from zero).
    pub fn from_f64(points: f64) -> Points {
        Points((points * 100.0).round() as i64)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, frac) = (self.0.abs() / 100, self.0.abs() % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}"),
        }
    }
}

/// Why a text is not a number of points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsePointsError {
    /// Not a decimal number (empty, letters, two points …).
    NotANumber,
    /// More than two decimal places: points are kept in hundredths.
    TooPrecise,
    /// More than a million points either way.
    TooLarge,
}

impl ParsePointsError {
    pub fn message(self) -> &'static str {
        match self {
            ParsePointsError::NotANumber => "enter a number like 0.5",
            ParsePointsError::TooPrecise => "at most two decimal places",
            ParsePointsError::TooLarge => "too large",
        }
    }
}

impl std::fmt::Display for ParsePointsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ParsePointsError {}

/// Reads points as people type them — `2`, `0.5`, `-1.25`, `+.5`, full-width `０．５` from a
/// Chinese input method — exactly, without going through floating point, which `Display`
/// prints back.
impl std::str::FromStr for Points {
    type Err = ParsePointsError;

    fn from_str(text: &str) -> Result<Points, ParsePointsError> {
        // Full-width digits, sign and point (U+FF10… ) as their ASCII twins.
        let text: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' | '。' => '.',
                '－' | '−' => '-',
                '＋' => '+',
                other => other,
            })
            .collect();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(&text)),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
            return Err(ParsePointsError::NotANumber);
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return Err(ParsePointsError::TooPrecise);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 6 {
            return Err(ParsePointsError::TooLarge);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| ParsePointsError::NotANumber)?
        };
        let hundredths: i64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| ParsePointsError::NotANumber)?;
        let value = whole * 100 + hundredths;
        Ok(Points(if negative { -value } else { value }))
    }
}

#[cfg(test)]
mod parse_tests {
    use super::{ParsePointsError, Points};

    #[test]
    fn reads_what_people_type() {
        let cases = [
            ("2", 200),
            ("0.2", 20),
            (" 1.25 ", 125),
            (".5", 50),
            ("3.", 300),
            ("-0.5", -50),
            ("+1.5", 150),
            ("0.10", 10),
            ("007", 700),
            ("０．５", 50),
            ("1。5", 150),
            ("－2", -200),
            ("999999.99", 99_999_999),
        ];
        for (text, hundredths) in cases {
            assert_eq!(text.parse::<Points>(), Ok(Points(hundredths)), "{text:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_points() {
        for text in [
            "", " ", ".", "-", "+", "abc", "1.2.3", "1,5", "1e2", "--1", "0x10", "½",
        ] {
            assert_eq!(
                text.parse::<Points>(),
                Err(ParsePointsError::NotANumber),
                "{text:?}"
            );
        }
        assert_eq!("0.125".parse::<Points>(), Err(ParsePointsError::TooPrecise));
        assert_eq!("1000000".parse::<Points>(), Err(ParsePointsError::TooLarge));
    }

    #[test]
    fn prints_back_what_it_reads() {
        for hundredths in [-1050, -5, 0, 1, 10, 25, 100, 250, 12_345] {
            let points = Points(hundredths);
            assert_eq!(points.to_string().parse::<Points>(), Ok(points));
        }
    }
}

/// A cadre position's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CadreLevel {
    Club,
    College,
    School,
}

impl CadreLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            CadreLevel::Club => "社团干部",
            CadreLevel::College => "院级干部",
            CadreLevel::School => "校级干部",
        }
    }
}

/// The end-of-term assessment of a cadre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 不称职
    Incompetent,
    /// 基本称职
    BasicallyCompetent,
    /// 称职
    Competent,
    /// 优秀
    Excellent,
}

impl Grade {
    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Incompetent => "不称职",
            Grade::BasicallyCompetent => "基本称职",
            Grade::Competent => "称职",
            Grade::Excellent => "优秀",
        }
    }
}

/// How one category earns points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRule {
    /// The activity category code (`lecture`, `volunteer` …) or `cadre`.
    pub category: String,
    /// Points for attending one activity of the category.
    pub per_attendance: Points,
    /// Points per hour, for categories counted in hours (volunteer service, practice).
    pub per_hour: Points,
    /// Most points the category may contribute in one term.
    pub cap_per_term: Option<Points>,
}

/// The whole rule set of a term (rules are versioned per term; past terms keep theirs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSet {
    pub categories: Vec<CategoryRule>,
    /// Competition points by level (college, school, province, national) and award (first,
    /// second, third, honourable).
    #[cfg_attr(feature = "openapi", schema(min_items = 4, max_items = 4))]
    pub competition: [[Points; 4]; 4],
    /// Points for taking part without an award.
    pub participation: Points,
    /// Factor for team members other than the leader, in hundredths (80 = ×0.8).
    pub team_member_percent: i64,
    /// Hours a practice day counts when not stated otherwise.
    pub practice_hours_per_day: f64,
    /// Cadre points by position level (club, college, school).
    #[cfg_attr(feature = "openapi", schema(min_items = 3, max_items = 3))]
    pub cadre: [Points; 3],
    /// Cadre factor by grade (incompetent, basic, competent, excellent), in hundredths.
    #[cfg_attr(feature = "openapi", schema(min_items = 4, max_items = 4))]
    pub grade_percent: [i64; 4],
    /// Most points a term may contribute in all.
    pub cap_per_term: Option<Points>,
    pub requirements: Requirements,
}

/// The graduation requirement: minimum points per category, and in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirements {
    pub undergraduate: Requirement,
    pub graduate: Requirement,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    pub per_category: BTreeMap<String, Points>,
    pub total: Points,
}

impl Requirements {
    pub fn for_degree(&self, degree: Degree) -> &Requirement {
        match degree {
            Degree::Undergraduate => &self.undergraduate,
            Degree::Graduate => &self.graduate,
        }
    }
}

impl RuleSet {
    /// The default rules, after the published examples: competitions by level × award with a
    /// 0.8 factor for team members, 0.5 for taking part; volunteer service 0.1 point an hour;
    /// social practice 8 hours a day at 0.05 an hour; cadres by position level scaled by grade.
    pub fn default_rules() -> RuleSet {
        let p = Points::from_f64;
        let category = |code: &str, attend: f64, hour: f64, cap: Option<f64>| CategoryRule {
            category: code.to_owned(),
            per_attendance: p(attend),
            per_hour: p(hour),
            cap_per_term: cap.map(p),
        };
        RuleSet {
            categories: vec![
                category("lecture", 0.2, 0.0, Some(2.0)),
                category("competition", 0.0, 0.0, Some(8.0)),
                category("volunteer", 0.0, 0.1, Some(4.0)),
                category("practice", 0.0, 0.05, Some(4.0)),
                category("training", 0.5, 0.0, Some(2.0)),
                category("arts_sports", 0.3, 0.0, Some(2.0)),
                category("innovation", 0.5, 0.0, Some(4.0)),
                category("cadre", 0.0, 0.0, Some(3.0)),
            ],
            competition: [
                // first, second, third, honourable
                [p(2.0), p(1.5), p(1.0), p(0.5)], // college
                [p(2.5), p(2.0), p(1.5), p(1.0)], // school
                [p(3.0), p(2.5), p(2.0), p(1.5)], // province
                [p(3.5), p(3.0), p(2.5), p(2.0)], // national
            ],
            participation: p(0.5),
            team_member_percent: 80,
            practice_hours_per_day: 8.0,
            cadre: [p(1.0), p(1.5), p(2.0)],
            grade_percent: [0, 50, 80, 100],
            cap_per_term: Some(p(20.0)),
            requirements: Requirements {
                undergraduate: Requirement {
                    per_category: [("lecture", 2.0), ("volunteer", 2.0), ("practice", 2.0)]
                        .into_iter()
                        .map(|(c, v)| (c.to_owned(), p(v)))
                        .collect(),
                    total: p(10.0),
                },
                graduate: Requirement {
                    per_category: [("lecture", 1.0), ("volunteer", 1.0)]
                        .into_iter()
                        .map(|(c, v)| (c.to_owned(), p(v)))
                        .collect(),
                    total: p(4.0),
                },
            },
        }
    }

    /// A rule set is sound: no negative points, factors within 0–100 %, known categories once.
    pub fn validate(&self) -> Result<(), ApiError> {
        let negative = |p: Points| p.0 < 0;
        for (i, rule) in self.categories.iter().enumerate() {
            if rule.category.is_empty()
                || self.categories[..i]
                    .iter()
                    .any(|r| r.category == rule.category)
            {
                return Err(ApiError::invalid(
                    format!("categories[{i}].category"),
                    "each category once",
                ));
            }
            if negative(rule.per_attendance)
                || negative(rule.per_hour)
                || rule.cap_per_term.is_some_and(negative)
            {
                return Err(ApiError::invalid(
                    format!("categories[{i}]"),
                    "points cannot be negative",
                ));
            }
        }
        if self.competition.iter().flatten().any(|p| negative(*p)) || negative(self.participation) {
            return Err(ApiError::invalid(
                "competition",
                "points cannot be negative",
            ));
        }
        if !(0..=100).contains(&self.team_member_percent) {
            return Err(ApiError::invalid(
                "team_member_percent",
                "between 0 and 100",
            ));
        }
        if !(self.practice_hours_per_day > 0.0 && self.practice_hours_per_day <= 24.0) {
            return Err(ApiError::invalid(
                "practice_hours_per_day",
                "between 0 and 24",
            ));
        }
        if self.cadre.iter().any(|p| negative(*p))
            || self.grade_percent.iter().any(|g| !(0..=100).contains(g))
        {
            return Err(ApiError::invalid(
                "cadre",
                "points cannot be negative; grade factors 0–100",
            ));
        }
        if self.cap_per_term.is_some_and(negative) {
            return Err(ApiError::invalid("cap_per_term", "cannot be negative"));
        }
        for (degree, requirement) in [
            ("undergraduate", &self.requirements.undergraduate),
            ("graduate", &self.requirements.graduate),
        ] {
            let at = |field: &str| format!("requirements.{degree}.{field}");
            if negative(requirement.total) {
                return Err(ApiError::invalid(at("total"), "cannot be negative"));
            }
            for (category, minimum) in &requirement.per_category {
                if self.category(category).is_none() {
                    return Err(ApiError::invalid(
                        at(&format!("per_category.{category}")),
                        "not a category of these rules",
                    ));
                }
                if negative(*minimum) {
                    return Err(ApiError::invalid(
                        at(&format!("per_category.{category}")),
                        "cannot be negative",
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn category(&self, code: &str) -> Option<&CategoryRule> {
        self.categories.iter().find(|r| r.category == code)
    }
}

/// What a recognised fact is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactKind {
    /// Attended an activity.
    Attendance,
    /// Hours of service (volunteer service and the like).
    Hours { hours: f64 },
    /// Days of social practice, counted at the rule's hours a day unless stated.
    PracticeDays {
        days: f64,
        hours_per_day: Option<f64>,
    },
    /// A competition result.
    Competition {
        level: AwardLevel,
        award: Award,
        role: ParticipantRole,
    },
    /// A cadre position held in the term, with its assessment.
    Cadre { level: CadreLevel, grade: Grade },
}

/// A recognised fact of one student in one term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fact {
    /// Stable identity of the fact (e.g. `result:42`), used to order and report.
    pub id: String,
    pub category: String,
    /// Facts sharing this key are the same achievement: it counts once, at its highest.
    pub achievement: Option<String>,
    pub kind: FactKind,
}

/// Why a fact grants less than its raw points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reduction {
    /// The same achievement counted at a higher level in `by`.
    Superseded { by: String },
    /// The category's term cap was reached.
    CategoryCap,
    /// The term's total cap was reached.
    TermCap,
}

/// What one fact grants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub fact_id: String,
    pub category: String,
    /// Points before caps and once-at-highest.
    pub raw: Points,
    pub points: Points,
    /// Hours counted (service and practice).
    pub hours: f64,
    pub reduction: Option<Reduction>,
}

fn percent(points: Points, percent: i64) -> Points {
    // Round half up in hundredths.
    Points((points.0 * percent + 50).div_euclid(100))
}

fn award_column(award: Award) -> Option<usize> {
    match award {
        Award::First => Some(0),
        Award::Second => Some(1),
        Award::Third => Some(2),
        Award::Honourable => Some(3),
        Award::Participation => None,
    }
}

fn level_row(level: AwardLevel) -> usize {
    match level {
        AwardLevel::College => 0,
        AwardLevel::School => 1,
        AwardLevel::Province => 2,
        AwardLevel::National => 3,
    }
}

/// Points and hours of one fact on its own.
pub fn raw_points(rules: &RuleSet, fact: &Fact) -> (Points, f64) {
    let category = rules.category(&fact.category);
    let per_attendance = category.map(|c| c.per_attendance).unwrap_or_default();
    let per_hour = category.map(|c| c.per_hour).unwrap_or_default();
    let hourly = |hours: f64| Points(((per_hour.0 as f64) * hours.max(0.0)).round() as i64);
    match &fact.kind {
        FactKind::Attendance => (per_attendance, 0.0),
        FactKind::Hours { hours } => {
            let hours = if hours.is_finite() {
                hours.max(0.0)
            } else {
                0.0
            };
            (hourly(hours), hours)
        }
        FactKind::PracticeDays {
            days,
            hours_per_day,
        } => {
            let per_day = hours_per_day
                .filter(|h| h.is_finite() && *h > 0.0)
                .unwrap_or(rules.practice_hours_per_day);
            let hours = if days.is_finite() {
                days.max(0.0) * per_day
            } else {
                0.0
            };
            (hourly(hours), hours)
        }
        FactKind::Competition { level, award, role } => {
            let base = match award_column(*award) {
                Some(column) => rules.competition[level_row(*level)][column],
                None => rules.participation,
            };
            let points = if *role == ParticipantRole::Member {
                percent(base, rules.team_member_percent)
            } else {
                base
            };
            (points, 0.0)
        }
        FactKind::Cadre { level, grade } => {
            let base = rules.cadre[*level as usize];
            (percent(base, rules.grade_percent[*grade as usize]), 0.0)
        }
    }
}

/// Evaluates one student's facts of one term: raw points, then "the same achievement counts
/// once, at its highest", then the category caps, then the term cap — in the facts' id order, so
/// the outcome does not depend on the order they are given in. One grant per fact, in id order.
pub fn evaluate(rules: &RuleSet, facts: &[Fact]) -> Vec<Grant> {
    let mut ordered: Vec<&Fact> = facts.iter().collect();
    // Ids are unique in practice; the rest of the key keeps even duplicates order-free.
    ordered.sort_by_cached_key(|f| {
        (
            f.id.clone(),
            f.category.clone(),
            f.achievement.clone(),
            format!("{:?}", f.kind),
        )
    });
    let mut grants: Vec<Grant> = ordered
        .iter()
        .map(|fact| {
            let (raw, hours) = raw_points(rules, fact);
            Grant {
                fact_id: fact.id.clone(),
                category: fact.category.clone(),
                raw,
                points: raw,
                hours,
                reduction: None,
            }
        })
        .collect();
    // Once at its highest: the best of each achievement stays, the rest grant nothing.
    let mut best: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, fact) in ordered.iter().enumerate() {
        if let Some(key) = fact.achievement.as_deref() {
            match best.get(key) {
                Some(&j) if grants[j].raw >= grants[i].raw => {}
                _ => {
                    best.insert(key, i);
                }
            }
        }
    }
    for (i, fact) in ordered.iter().enumerate() {
        if let Some(key) = fact.achievement.as_deref() {
            let keep = best[key];
            if keep != i {
                grants[i].points = Points::ZERO;
                grants[i].reduction = Some(Reduction::Superseded {
                    by: grants[keep].fact_id.clone(),
                });
            }
        }
    }
    // Category caps, then the term cap, filling in id order.
    let mut used: BTreeMap<String, Points> = BTreeMap::new();
    let mut total = Points::ZERO;
    for grant in &mut grants {
        if grant.points == Points::ZERO {
            continue;
        }
        if let Some(cap) = rules.category(&grant.category).and_then(|c| c.cap_per_term) {
            let so_far = used.entry(grant.category.clone()).or_default();
            let room = Points((cap.0 - so_far.0).max(0));
            if grant.points > room {
                grant.points = room;
                grant.reduction = Some(Reduction::CategoryCap);
            }
            so_far.0 += grant.points.0;
        }
        if let Some(cap) = rules.cap_per_term {
            let room = Points((cap.0 - total.0).max(0));
            if grant.points > room {
                grant.points = room;
                grant.reduction = Some(Reduction::TermCap);
            }
        }
        total.0 += grant.points.0;
    }
    grants
}

/// Progress against the requirement: per category (the requirement's categories) and in all.
/// What a recognised activity result of a category counts as: nothing when absent; a
/// competition by its level (default: the activity's credit level) × award (default: taking
/// part) and role; hours where the category earns by the hour; otherwise attendance.
pub fn result_kind(
    rules: &RuleSet,
    category: &str,
    credit_level: crate::activity::CreditLevel,
    result: &crate::attendance::ResultInput,
) -> Option<FactKind> {
    if !result.attended {
        return None;
    }
    if category == "competition" {
        let level = result.award_level.unwrap_or(match credit_level {
            crate::activity::CreditLevel::School => AwardLevel::School,
            _ => AwardLevel::College,
        });
        return Some(FactKind::Competition {
            level,
            award: result.award.unwrap_or(Award::Participation),
            role: result.role.unwrap_or(ParticipantRole::Participant),
        });
    }
    let hourly = rules.category(category).is_some_and(|c| c.per_hour.0 > 0);
    Some(if hourly {
        FactKind::Hours {
            hours: result.hours.unwrap_or(0.0),
        }
    } else {
        FactKind::Attendance
    })
}

/// The fact in words, as a transcript prints it (Chinese).
pub fn describe(kind: &FactKind, hours: f64) -> String {
    match kind {
        FactKind::Attendance => "参加".to_owned(),
        FactKind::Hours { .. } => format!("{} 小时", trim_number(hours)),
        FactKind::PracticeDays { days, .. } => {
            format!("{} 天（{} 小时）", trim_number(*days), trim_number(hours))
        }
        FactKind::Competition { level, award, role } => {
            let mut text = format!("{}{}", level.label_zh(), award.label_zh());
            if *role != ParticipantRole::Participant {
                text.push_str(&format!("（{}）", role.label_zh()));
            }
            text
        }
        FactKind::Cadre { level, grade } => format!("{} · {}", level.label_zh(), grade.label_zh()),
    }
}

/// The evaluation method a fact is printed under.
pub fn method_of(kind: &FactKind) -> crate::transcript::Method {
    use crate::transcript::Method;
    match kind {
        FactKind::Attendance => Method::Participation,
        FactKind::Hours { .. } | FactKind::PracticeDays { .. } => Method::Hours,
        FactKind::Competition { .. } => Method::Award,
        FactKind::Cadre { .. } => Method::Position,
    }
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub category: String,
    pub earned: Points,
    pub required: Points,
    pub met: bool,
}

/// Where a student stands against the requirement of their degree; `category` `total` last.
pub fn progress(requirement: &Requirement, totals: &BTreeMap<String, Points>) -> Vec<Progress> {
    let mut out: Vec<Progress> = requirement
        .per_category
        .iter()
        .map(|(category, required)| {
            let earned = totals.get(category).copied().unwrap_or_default();
            Progress {
                category: category.clone(),
                earned,
                required: *required,
                met: earned >= *required,
            }
        })
        .collect();
    let earned = Points(totals.values().map(|p| p.0).sum());
    out.push(Progress {
        category: "total".to_owned(),
        earned,
        required: requirement.total,
        met: earned >= requirement.total,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn competition(
        id: &str,
        level: AwardLevel,
        award: Award,
        role: ParticipantRole,
        achievement: Option<&str>,
    ) -> Fact {
        Fact {
            id: id.to_owned(),
            category: "competition".to_owned(),
            achievement: achievement.map(str::to_owned),
            kind: FactKind::Competition { level, award, role },
        }
    }

    #[test]
    fn the_default_matrix_and_factors() {
        let rules = RuleSet::default_rules();
        rules.validate().unwrap();
        let cases = [
            (
                AwardLevel::National,
                Award::First,
                ParticipantRole::Leader,
                350,
            ),
            (
                AwardLevel::Province,
                Award::Second,
                ParticipantRole::Participant,
                250,
            ),
            (
                AwardLevel::School,
                Award::Third,
                ParticipantRole::Leader,
                150,
            ),
            (
                AwardLevel::College,
                Award::Honourable,
                ParticipantRole::Leader,
                50,
            ),
            (
                AwardLevel::School,
                Award::First,
                ParticipantRole::Member,
                200,
            ), // 2.5 × 0.8
            (
                AwardLevel::College,
                Award::Participation,
                ParticipantRole::Participant,
                50,
            ),
        ];
        for (level, award, role, expected) in cases {
            let (points, _) = raw_points(&rules, &competition("c", level, award, role, None));
            assert_eq!(points, Points(expected), "{level:?} {award:?} {role:?}");
        }
        let volunteer = Fact {
            id: "v".into(),
            category: "volunteer".into(),
            achievement: None,
            kind: FactKind::Hours { hours: 12.0 },
        };
        assert_eq!(raw_points(&rules, &volunteer), (Points(120), 12.0));
        let practice = Fact {
            id: "p".into(),
            category: "practice".into(),
            achievement: None,
            kind: FactKind::PracticeDays {
                days: 3.0,
                hours_per_day: None,
            },
        };
        assert_eq!(
            raw_points(&rules, &practice),
            (Points(120), 24.0),
            "8 hours a day"
        );
        let cadre = Fact {
            id: "k".into(),
            category: "cadre".into(),
            achievement: None,
            kind: FactKind::Cadre {
                level: CadreLevel::College,
                grade: Grade::Competent,
            },
        };
        assert_eq!(raw_points(&rules, &cadre).0, Points(120), "1.5 × 0.8");
    }

    #[test]
    fn requirements_name_known_categories_and_are_not_negative() {
        let mut rules = RuleSet::default_rules();
        rules
            .requirements
            .graduate
            .per_category
            .insert("labour".into(), Points(100));
        assert_eq!(
            rules.validate().unwrap_err().field.as_deref(),
            Some("requirements.graduate.per_category.labour")
        );
        let mut rules = RuleSet::default_rules();
        rules.requirements.undergraduate.total = Points(-1);
        assert_eq!(
            rules.validate().unwrap_err().field.as_deref(),
            Some("requirements.undergraduate.total")
        );
    }

    #[test]
    fn the_same_achievement_counts_once_at_its_highest() {
        let rules = RuleSet::default_rules();
        let facts = vec![
            competition(
                "a",
                AwardLevel::College,
                Award::First,
                ParticipantRole::Leader,
                Some("acm-2026"),
            ),
            competition(
                "b",
                AwardLevel::Province,
                Award::Second,
                ParticipantRole::Leader,
                Some("acm-2026"),
            ),
            competition(
                "c",
                AwardLevel::School,
                Award::Third,
                ParticipantRole::Leader,
                None,
            ),
        ];
        let grants = evaluate(&rules, &facts);
        assert_eq!(grants[0].points, Points::ZERO);
        assert_eq!(
            grants[0].reduction,
            Some(Reduction::Superseded { by: "b".into() })
        );
        assert_eq!(grants[1].points, Points(250));
        assert_eq!(grants[2].points, Points(150));
    }

    #[test]
    fn caps_fill_in_id_order() {
        let rules = RuleSet::default_rules();
        let lectures: Vec<Fact> = (0..15)
            .map(|i| Fact {
                id: format!("l{i:02}"),
                category: "lecture".into(),
                achievement: None,
                kind: FactKind::Attendance,
            })
            .collect();
        let grants = evaluate(&rules, &lectures);
        let total: i64 = grants.iter().map(|g| g.points.0).sum();
        assert_eq!(total, 200, "lecture cap 2 per term");
        assert_eq!(grants[9].points, Points(20));
        assert_eq!(grants[10].points, Points::ZERO);
        assert_eq!(grants[10].reduction, Some(Reduction::CategoryCap));
    }

    #[test]
    fn points_print_as_people_write_them() {
        assert_eq!(Points(250).to_string(), "2.5");
        assert_eq!(Points(200).to_string(), "2");
        assert_eq!(Points(125).to_string(), "1.25");
        assert_eq!(Points(-50).to_string(), "-0.5");
    }

    #[test]
    fn progress_against_the_requirement() {
        let rules = RuleSet::default_rules();
        let totals: BTreeMap<String, Points> = [
            ("lecture".to_owned(), Points(250)),
            ("volunteer".to_owned(), Points(100)),
        ]
        .into_iter()
        .collect();
        let progress = progress(
            rules.requirements.for_degree(Degree::Undergraduate),
            &totals,
        );
        let lecture = progress.iter().find(|p| p.category == "lecture").unwrap();
        assert!(lecture.met);
        assert!(
            !progress
                .iter()
                .find(|p| p.category == "volunteer")
                .unwrap()
                .met
        );
        let total = progress.last().unwrap();
        assert_eq!(
            (total.category.as_str(), total.earned, total.met),
            ("total", Points(350), false)
        );
    }

    fn arb_fact() -> impl Strategy<Value = Fact> {
        let categories = prop::sample::select(vec![
            "lecture",
            "competition",
            "volunteer",
            "practice",
            "training",
            "cadre",
            "unknown",
        ]);
        let level = prop::sample::select(vec![
            AwardLevel::College,
            AwardLevel::School,
            AwardLevel::Province,
            AwardLevel::National,
        ]);
        let award = prop::sample::select(vec![
            Award::First,
            Award::Second,
            Award::Third,
            Award::Honourable,
            Award::Participation,
        ]);
        let role = prop::sample::select(vec![
            ParticipantRole::Leader,
            ParticipantRole::Member,
            ParticipantRole::Participant,
        ]);
        let grade = prop::sample::select(vec![
            Grade::Excellent,
            Grade::Competent,
            Grade::BasicallyCompetent,
            Grade::Incompetent,
        ]);
        let cadre_level = prop::sample::select(vec![
            CadreLevel::Club,
            CadreLevel::College,
            CadreLevel::School,
        ]);
        let kind = prop_oneof![
            Just(FactKind::Attendance),
            (-5.0f64..200.0).prop_map(|hours| FactKind::Hours { hours }),
            (0.0f64..30.0, prop::option::of(1.0f64..12.0)).prop_map(|(days, hours_per_day)| {
                FactKind::PracticeDays {
                    days,
                    hours_per_day,
                }
            }),
            (level, award, role).prop_map(|(level, award, role)| FactKind::Competition {
                level,
                award,
                role
            }),
            (cadre_level, grade).prop_map(|(level, grade)| FactKind::Cadre { level, grade }),
        ];
        (0u32..1000, categories, prop::option::of(0u8..4), kind).prop_map(
            |(id, category, achievement, kind)| Fact {
                id: format!("f{id:04}"),
                category: category.to_owned(),
                achievement: achievement.map(|a| format!("a{a}")),
                kind,
            },
        )
    }

    proptest! {
        #[test]
        fn grants_are_never_negative_and_never_exceed_raw(facts in prop::collection::vec(arb_fact(), 0..40)) {
            let rules = RuleSet::default_rules();
            for grant in evaluate(&rules, &facts) {
                prop_assert!(grant.points.0 >= 0 && grant.raw.0 >= 0);
                prop_assert!(grant.points <= grant.raw);
            }
        }

        #[test]
        fn caps_hold(facts in prop::collection::vec(arb_fact(), 0..60)) {
            let rules = RuleSet::default_rules();
            let grants = evaluate(&rules, &facts);
            let mut per_category: BTreeMap<&str, i64> = BTreeMap::new();
            for grant in &grants {
                *per_category.entry(grant.category.as_str()).or_default() += grant.points.0;
            }
            for rule in &rules.categories {
                if let Some(cap) = rule.cap_per_term {
                    prop_assert!(per_category.get(rule.category.as_str()).copied().unwrap_or(0) <= cap.0);
                }
            }
            let total: i64 = grants.iter().map(|g| g.points.0).sum();
            prop_assert!(total <= rules.cap_per_term.unwrap().0);
        }

        #[test]
        fn each_achievement_counts_once_at_its_highest(facts in prop::collection::vec(arb_fact(), 0..40)) {
            let mut rules = RuleSet::default_rules();
            // Without caps, so only once-at-highest reduces.
            rules.cap_per_term = None;
            for rule in &mut rules.categories {
                rule.cap_per_term = None;
            }
            let grants = evaluate(&rules, &facts);
            let mut by_achievement: BTreeMap<String, Vec<&Grant>> = BTreeMap::new();
            let mut ordered: Vec<&Fact> = facts.iter().collect();
            ordered.sort_by_cached_key(|f| (f.id.clone(), f.category.clone(), f.achievement.clone(), format!("{:?}", f.kind)));
            for (grant, fact) in grants.iter().zip(ordered) {
                if let Some(key) = &fact.achievement {
                    by_achievement.entry(key.clone()).or_default().push(grant);
                }
            }
            for group in by_achievement.values() {
                let counted: Vec<&&Grant> = group.iter().filter(|g| g.reduction.is_none()).collect();
                prop_assert_eq!(counted.len(), 1);
                let highest = group.iter().map(|g| g.raw).max().unwrap();
                prop_assert_eq!(counted[0].points, highest);
            }
        }

        #[test]
        fn evaluation_is_deterministic_and_order_free(facts in prop::collection::vec(arb_fact(), 0..40), seed in any::<u64>()) {
            let rules = RuleSet::default_rules();
            let first = evaluate(&rules, &facts);
            let mut shuffled = facts.clone();
            let mut state = seed;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(&first, &evaluate(&rules, &facts));
            prop_assert_eq!(first, evaluate(&rules, &shuffled));
        }
    }
}
