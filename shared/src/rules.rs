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

/// A cadre position's level: where the position sits. The discriminant indexes
/// [`RuleSet::cadre`] (a class's value, when a rule set leaves it out, is the club's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CadreLevel {
    /// A club or student organisation (社团).
    Club,
    /// A college (学院学生会、学院团委).
    College,
    /// A school-level organisation (校学生会、校团委).
    School,
    /// A class (班委、团支部).
    Class,
}

impl CadreLevel {
    pub const ALL: [CadreLevel; 4] = [
        CadreLevel::School,
        CadreLevel::College,
        CadreLevel::Club,
        CadreLevel::Class,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            CadreLevel::Club => "社团干部",
            CadreLevel::College => "院级干部",
            CadreLevel::School => "校级干部",
            CadreLevel::Class => "班级干部",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CadreLevel::Club => "club",
            CadreLevel::College => "college",
            CadreLevel::School => "school",
            CadreLevel::Class => "class",
        }
    }

    pub fn parse(text: &str) -> Option<CadreLevel> {
        CadreLevel::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// The assessment of a cadre at the end of a tenure, in the founding notice's words. The
/// discriminant indexes [`RuleSet::grade_percent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 不称职
    Incompetent,
    /// 一般称职 (stored before as `basically_competent`, which still reads as this).
    #[serde(alias = "basically_competent")]
    Fair,
    /// 称职
    Competent,
    /// 优秀
    Excellent,
}

impl Grade {
    /// Best first, as forms list them.
    pub const ALL: [Grade; 4] = [
        Grade::Excellent,
        Grade::Competent,
        Grade::Fair,
        Grade::Incompetent,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Incompetent => "不称职",
            Grade::Fair => "一般称职",
            Grade::Competent => "称职",
            Grade::Excellent => "优秀",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Incompetent => "incompetent",
            Grade::Fair => "fair",
            Grade::Competent => "competent",
            Grade::Excellent => "excellent",
        }
    }

    pub fn parse(text: &str) -> Option<Grade> {
        match text {
            "basically_competent" => Some(Grade::Fair),
            _ => Grade::ALL.into_iter().find(|g| g.as_str() == text),
        }
    }
}

/// Points for each grade of one position type (a row of the cadre matrix).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GradePoints {
    pub excellent: Points,
    pub competent: Points,
    pub fair: Points,
    pub incompetent: Points,
}

impl GradePoints {
    pub fn of(&self, grade: Grade) -> Points {
        match grade {
            Grade::Excellent => self.excellent,
            Grade::Competent => self.competent,
            Grade::Fair => self.fair,
            Grade::Incompetent => self.incompetent,
        }
    }
}

/// How one category earns points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// The activity category code (`lecture`, `volunteer` …) or `cadre`.
    pub category: String,
    /// Points for taking part once (an activity attended, a training record); hours given
    /// besides are kept in the ledger and add `per_hour` each.
    pub per_attendance: Points,
    /// Points per hour, for categories counted in hours (volunteer service, practice).
    pub per_hour: Points,
    /// Most points the category may contribute in one term.
    pub cap_per_term: Option<Points>,
    /// Most points the category may contribute over the whole degree (what counts toward
    /// graduation); filled term by term, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_degree: Option<Points>,
}

/// The whole rule set of a term (rules are versioned per term; past terms keep theirs). A field
/// it does not know is refused, so a typing mistake never silently drops a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
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
    /// Cadre points by position level (club, college, school, and optionally class — the
    /// club's when left out), scaled by the grade's factor.
    #[cfg_attr(feature = "openapi", schema(min_items = 3, max_items = 4))]
    pub cadre: Vec<Points>,
    /// Cadre factor by grade (不称职, 一般称职, 称职, 优秀), in hundredths.
    #[cfg_attr(feature = "openapi", schema(min_items = 4, max_items = 4))]
    pub grade_percent: [i64; 4],
    /// Cadre points by position type (the school's codes, `presidium` …) × grade. A position
    /// of a type listed here earns its row; other positions earn by level × grade factor.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cadre_matrix: BTreeMap<String, GradePoints>,
    /// Several positions held in one term count once, at the highest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cadre_highest_only: bool,
    /// Most points a term may contribute in all.
    pub cap_per_term: Option<Points>,
    pub requirements: Requirements,
}

/// The graduation requirement: minimum points and hours per category, and in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    pub undergraduate: Requirement,
    pub graduate: Requirement,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub per_category: BTreeMap<String, Points>,
    pub total: Points,
    /// Hours required per category (e.g. 15 volunteer hours to graduate).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hours_per_category: BTreeMap<String, f64>,
    /// Hours required in all (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub total_hours: f64,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
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
            cap_per_degree: None,
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
            cadre: vec![p(1.0), p(1.5), p(2.0)],
            grade_percent: [0, 50, 80, 100],
            cadre_matrix: BTreeMap::new(),
            cadre_highest_only: false,
            cap_per_term: Some(p(20.0)),
            requirements: Requirements {
                undergraduate: Requirement {
                    per_category: [("lecture", 2.0), ("volunteer", 2.0), ("practice", 2.0)]
                        .into_iter()
                        .map(|(c, v)| (c.to_owned(), p(v)))
                        .collect(),
                    total: p(10.0),
                    ..Requirement::default()
                },
                graduate: Requirement {
                    per_category: [("lecture", 1.0), ("volunteer", 1.0)]
                        .into_iter()
                        .map(|(c, v)| (c.to_owned(), p(v)))
                        .collect(),
                    total: p(4.0),
                    ..Requirement::default()
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
                || rule.cap_per_degree.is_some_and(negative)
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
        if !(3..=4).contains(&self.cadre.len()) {
            return Err(ApiError::invalid(
                "cadre",
                "points for club, college and school positions, and optionally class ones",
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
        for (code, row) in &self.cadre_matrix {
            if !is_code(code) {
                return Err(ApiError::invalid(
                    format!("cadre_matrix.{code}"),
                    "a position type code: lowercase letters, digits and _",
                ));
            }
            if Grade::ALL.into_iter().any(|g| negative(row.of(g))) {
                return Err(ApiError::invalid(
                    format!("cadre_matrix.{code}"),
                    "points cannot be negative",
                ));
            }
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
            let hours = |h: f64| h.is_finite() && (0.0..=10_000.0).contains(&h);
            for (category, minimum) in &requirement.hours_per_category {
                let field = at(&format!("hours_per_category.{category}"));
                if self.category(category).is_none() {
                    return Err(ApiError::invalid(field, "not a category of these rules"));
                }
                if !hours(*minimum) {
                    return Err(ApiError::invalid(field, "between 0 and 10000 hours"));
                }
            }
            if !hours(requirement.total_hours) {
                return Err(ApiError::invalid(
                    at("total_hours"),
                    "between 0 and 10000 hours",
                ));
            }
        }
        Ok(())
    }

    pub fn category(&self, code: &str) -> Option<&CategoryRule> {
        self.categories.iter().find(|r| r.category == code)
    }

    /// Base points of a position level, before the grade's factor.
    pub fn cadre_base(&self, level: CadreLevel) -> Points {
        let club = self.cadre.first().copied().unwrap_or_default();
        self.cadre.get(level as usize).copied().unwrap_or(club)
    }

    /// A cadre's points: its type's row of the matrix, else level × grade factor.
    pub fn cadre_points(
        &self,
        level: CadreLevel,
        grade: Grade,
        position_type: Option<&str>,
    ) -> Points {
        match position_type.and_then(|t| self.cadre_matrix.get(t)) {
            Some(row) => row.of(grade),
            None => percent(self.cadre_base(level), self.grade_percent[grade as usize]),
        }
    }
}

/// A code the school gives a position type or category: 1–32 of lowercase letters, digits
/// and `_`, starting with a letter.
pub fn is_code(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && code.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
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
    Cadre {
        level: CadreLevel,
        grade: Grade,
        /// The school's position type code, which the cadre matrix may price.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position_type: Option<String>,
    },
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
    /// The category's cap over the whole degree was reached.
    DegreeCap,
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
            // Points per participation and the hours kept (volunteer service counted per
            // time, with its hours still on record); hourly categories add theirs.
            (Points(per_attendance.0 + hourly(hours).0), hours)
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
            (Points(per_attendance.0 + hourly(hours).0), hours)
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
        FactKind::Cadre {
            level,
            grade,
            position_type,
        } => (
            rules.cadre_points(*level, *grade, position_type.as_deref()),
            0.0,
        ),
    }
}

/// Evaluates one student's facts of one term: [`evaluate_degree`] of that term alone.
pub fn evaluate(rules: &RuleSet, facts: &[Fact]) -> Vec<Grant> {
    evaluate_degree(&[(rules, facts)]).pop().unwrap_or_default()
}

/// The group a fact counts once in, at its highest: its achievement (across all terms), or for
/// a cadre position under `cadre_highest_only`, all positions of its term.
fn once_group(rules: &RuleSet, term: usize, fact: &Fact) -> Option<String> {
    match (&fact.achievement, &fact.kind) {
        (Some(key), _) => Some(format!("a:{key}")),
        (None, FactKind::Cadre { .. }) if rules.cadre_highest_only => Some(format!("c:{term}")),
        _ => None,
    }
}

/// Evaluates one student's whole degree: the terms in order, each with its own rules and
/// facts. Raw points first; then "the same achievement counts once, at its highest" across all
/// terms (and a term's cadre positions once, where the rules say so); then per term, in the
/// facts' id order, the category's term cap, the category's degree cap (filled by the terms
/// before it) and the term's total cap. The outcome does not depend on the order facts are
/// given in within a term. One grant per fact, per term, in id order.
pub fn evaluate_degree(terms: &[(&RuleSet, &[Fact])]) -> Vec<Vec<Grant>> {
    let ordered: Vec<Vec<&Fact>> = terms
        .iter()
        .map(|(_, facts)| {
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
            ordered
        })
        .collect();
    let mut grants: Vec<Vec<Grant>> = terms
        .iter()
        .zip(&ordered)
        .map(|((rules, _), facts)| {
            facts
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
                .collect()
        })
        .collect();
    // Once at its highest: the best of each group stays (the earliest of equals), the rest
    // grant nothing.
    let mut best: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (t, facts) in ordered.iter().enumerate() {
        for (i, fact) in facts.iter().enumerate() {
            if let Some(key) = once_group(terms[t].0, t, fact) {
                match best.get(&key) {
                    Some(&(bt, bi)) if grants[bt][bi].raw >= grants[t][i].raw => {}
                    _ => {
                        best.insert(key, (t, i));
                    }
                }
            }
        }
    }
    for (t, facts) in ordered.iter().enumerate() {
        for (i, fact) in facts.iter().enumerate() {
            if let Some(key) = once_group(terms[t].0, t, fact) {
                let (bt, bi) = best[&key];
                if (bt, bi) != (t, i) {
                    let by = grants[bt][bi].fact_id.clone();
                    grants[t][i].points = Points::ZERO;
                    grants[t][i].reduction = Some(Reduction::Superseded { by });
                }
            }
        }
    }
    // Caps, filling in id order, term by term.
    let mut degree_used: BTreeMap<String, Points> = BTreeMap::new();
    for (t, term_grants) in grants.iter_mut().enumerate() {
        let rules = terms[t].0;
        let mut used: BTreeMap<String, Points> = BTreeMap::new();
        let mut total = Points::ZERO;
        for grant in term_grants {
            if grant.points == Points::ZERO {
                continue;
            }
            let rule = rules.category(&grant.category);
            let so_far = used.get(&grant.category).copied().unwrap_or_default();
            let in_degree = degree_used
                .get(&grant.category)
                .copied()
                .unwrap_or_default();
            let caps = [
                (
                    rule.and_then(|c| c.cap_per_term),
                    so_far,
                    Reduction::CategoryCap,
                ),
                (
                    rule.and_then(|c| c.cap_per_degree),
                    in_degree,
                    Reduction::DegreeCap,
                ),
                (rules.cap_per_term, total, Reduction::TermCap),
            ];
            for (cap, filled, why) in caps {
                if let Some(cap) = cap {
                    let room = Points((cap.0 - filled.0).max(0));
                    if grant.points > room {
                        grant.points = room;
                        grant.reduction = Some(why);
                    }
                }
            }
            used.entry(grant.category.clone()).or_default().0 += grant.points.0;
            degree_used.entry(grant.category.clone()).or_default().0 += grant.points.0;
            total.0 += grant.points.0;
        }
    }
    grants
}

/// What a recognised activity result of a category counts as: nothing when absent; a
/// competition by its level (default: the activity's credit level) × award (default: taking
/// part) and role; hours where the category earns by the hour or hours were recorded; otherwise
/// attendance.
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
    // Hours recorded for a result are kept even where the category earns per participation.
    let hours = result.hours.filter(|h| h.is_finite() && *h > 0.0);
    Some(if hourly || hours.is_some() {
        FactKind::Hours {
            hours: hours.unwrap_or(0.0),
        }
    } else {
        FactKind::Attendance
    })
}

/// The fields of an activity result that [`result_kind`] reads for a category, which is what a
/// results grid asks for: a competition's role, award and level (not its hours); elsewhere the
/// hours (counted, or kept on record) and none of the three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultFields {
    pub hours: bool,
    pub role: bool,
    pub award: bool,
    pub award_level: bool,
}

/// The [`ResultFields`] of `category`.
pub fn result_fields(category: &str) -> ResultFields {
    let competition = category == "competition";
    ResultFields {
        hours: !competition,
        role: competition,
        award: competition,
        award_level: competition,
    }
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
        FactKind::Cadre { level, grade, .. } => {
            format!("{} · {}", level.label_zh(), grade.label_zh())
        }
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
    /// Hours earned in the category (in all, for `total`).
    #[serde(default)]
    pub earned_hours: f64,
    /// Hours the requirement asks for (0: none).
    #[serde(default)]
    pub required_hours: f64,
    /// Both the points and the hours are met.
    pub met: bool,
}

/// A category's points and hours, as totals keep them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Earned {
    pub points: Points,
    pub hours: f64,
}

/// Where a student stands against the requirement of their degree: a row per category the
/// requirement names (by points or by hours), then `total` last.
pub fn progress(requirement: &Requirement, totals: &BTreeMap<String, Earned>) -> Vec<Progress> {
    let categories: std::collections::BTreeSet<&String> = requirement
        .per_category
        .keys()
        .chain(requirement.hours_per_category.keys())
        .collect();
    let row = |category: String, earned: Earned, required: Points, required_hours: f64| {
        // Hours to two decimals, as the ledger keeps them.
        let met_hours = (earned.hours * 100.0).round() >= (required_hours * 100.0).round();
        Progress {
            category,
            earned: earned.points,
            required,
            earned_hours: earned.hours,
            required_hours,
            met: earned.points >= required && met_hours,
        }
    };
    let mut out: Vec<Progress> = categories
        .into_iter()
        .map(|category| {
            row(
                category.clone(),
                totals.get(category).copied().unwrap_or_default(),
                requirement
                    .per_category
                    .get(category)
                    .copied()
                    .unwrap_or_default(),
                requirement
                    .hours_per_category
                    .get(category)
                    .copied()
                    .unwrap_or_default(),
            )
        })
        .collect();
    let all = Earned {
        points: Points(totals.values().map(|e| e.points.0).sum()),
        hours: totals.values().map(|e| e.hours).sum(),
    };
    out.push(row(
        "total".to_owned(),
        all,
        requirement.total,
        requirement.total_hours,
    ));
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

    proptest! {
        /// A field the grid leaves out for a category never changes what the result counts as.
        #[test]
        fn result_fields_are_those_result_kind_reads(
            competition in any::<bool>(),
            hours in proptest::option::of(0.0f64..100.0),
            role in prop_oneof![Just(None), Just(Some(ParticipantRole::Leader)), Just(Some(ParticipantRole::Member))],
            award in prop_oneof![Just(None), Just(Some(Award::First)), Just(Some(Award::Third))],
            level in prop_oneof![Just(None), Just(Some(AwardLevel::National)), Just(Some(AwardLevel::School))],
        ) {
            let rules = RuleSet::default_rules();
            let category = if competition { "competition" } else { "lecture" };
            let fields = result_fields(category);
            let input = crate::attendance::ResultInput {
                student_no: "2023010101".to_owned(),
                attended: true,
                hours,
                role,
                award,
                award_level: level,
                note: None,
                achievement: None,
                backfill_reason: None,
            };
            let mut blank = input.clone();
            if !fields.hours { blank.hours = None; }
            if !fields.role { blank.role = None; }
            if !fields.award { blank.award = None; }
            if !fields.award_level { blank.award_level = None; }
            let level = crate::activity::CreditLevel::School;
            prop_assert_eq!(
                result_kind(&rules, category, level, &input),
                result_kind(&rules, category, level, &blank)
            );
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
                position_type: None,
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
        let earned = |points| Earned { points, hours: 0.0 };
        let totals: BTreeMap<String, Earned> = [
            ("lecture".to_owned(), earned(Points(250))),
            ("volunteer".to_owned(), earned(Points(100))),
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

    fn fact(id: &str, category: &str, kind: FactKind) -> Fact {
        Fact {
            id: id.to_owned(),
            category: category.to_owned(),
            achievement: None,
            kind,
        }
    }

    fn cadre(id: &str, level: CadreLevel, grade: Grade, position_type: Option<&str>) -> Fact {
        fact(
            id,
            "cadre",
            FactKind::Cadre {
                level,
                grade,
                position_type: position_type.map(str::to_owned),
            },
        )
    }

    /// A published rule set: 主席团成员 优秀 6 / 称职 5 / 一般称职 3 / 不称职 0, 部长 4/3/2/0,
    /// class positions at 1 point before the grade's factor, several positions once at the
    /// highest.
    fn matrix_rules() -> RuleSet {
        let mut rules = RuleSet::default_rules();
        let p = Points::from_f64;
        let row = |e, c, f| GradePoints {
            excellent: p(e),
            competent: p(c),
            fair: p(f),
            incompetent: Points::ZERO,
        };
        rules.cadre_matrix = BTreeMap::from([
            ("presidium".to_owned(), row(6.0, 5.0, 3.0)),
            ("minister".to_owned(), row(4.0, 3.0, 2.0)),
        ]);
        rules.cadre = vec![p(1.0), p(1.5), p(2.0), p(1.0)];
        rules.cadre_highest_only = true;
        for rule in &mut rules.categories {
            rule.cap_per_term = None;
        }
        rules.cap_per_term = None;
        rules
    }

    #[test]
    fn cadre_points_by_position_type_and_grade() {
        let rules = matrix_rules();
        rules.validate().unwrap();
        let one = |f: Fact| evaluate(&rules, &[f])[0].points;
        assert_eq!(
            one(cadre(
                "a",
                CadreLevel::School,
                Grade::Excellent,
                Some("presidium")
            )),
            Points(600)
        );
        assert_eq!(
            one(cadre(
                "a",
                CadreLevel::School,
                Grade::Fair,
                Some("presidium")
            )),
            Points(300)
        );
        assert_eq!(
            one(cadre(
                "a",
                CadreLevel::College,
                Grade::Competent,
                Some("minister")
            )),
            Points(300)
        );
        // A type the matrix does not price: level × grade factor. A class position: 1 × 0.8.
        assert_eq!(
            one(cadre(
                "a",
                CadreLevel::Class,
                Grade::Competent,
                Some("monitor")
            )),
            Points(80)
        );
        // A rule set of three levels prices a class like a club.
        let mut three = matrix_rules();
        three.cadre.truncate(3);
        three.cadre[0] = Points(50);
        assert_eq!(three.cadre_base(CadreLevel::Class), Points(50));
    }

    #[test]
    fn several_positions_count_once_at_the_highest_in_each_term() {
        let rules = matrix_rules();
        let facts = [
            cadre(
                "fact:1",
                CadreLevel::Class,
                Grade::Excellent,
                Some("monitor"),
            ),
            cadre(
                "fact:2",
                CadreLevel::School,
                Grade::Competent,
                Some("presidium"),
            ),
            cadre(
                "fact:3",
                CadreLevel::College,
                Grade::Excellent,
                Some("minister"),
            ),
        ];
        let grants = evaluate(&rules, &facts);
        let points: Vec<i64> = grants.iter().map(|g| g.points.0).collect();
        assert_eq!(points, [0, 500, 0], "only 主席团 称职 5 counts");
        assert_eq!(
            grants[0].reduction,
            Some(Reduction::Superseded {
                by: "fact:2".into()
            })
        );
        // In the next term the positions count again, once.
        let next = [cadre(
            "fact:4",
            CadreLevel::College,
            Grade::Excellent,
            Some("minister"),
        )];
        let degree = evaluate_degree(&[(&rules, &facts[..]), (&rules, &next[..])]);
        assert_eq!(degree[1][0].points, Points(400));
        // Without the rule, each position counts.
        let mut each = matrix_rules();
        each.cadre_highest_only = false;
        let total: i64 = evaluate(&each, &facts).iter().map(|g| g.points.0).sum();
        assert_eq!(total, 100 + 500 + 400);
    }

    #[test]
    fn a_requirement_in_hours() {
        let mut rules = RuleSet::default_rules();
        let requirement = &mut rules.requirements.undergraduate;
        requirement
            .hours_per_category
            .insert("volunteer".into(), 15.0);
        requirement.total_hours = 20.0;
        rules.validate().unwrap();
        let totals = BTreeMap::from([
            (
                "volunteer".to_owned(),
                Earned {
                    points: Points(300),
                    hours: 12.5,
                },
            ),
            (
                "practice".to_owned(),
                Earned {
                    points: Points(200),
                    hours: 16.0,
                },
            ),
        ]);
        let rows = progress(
            rules.requirements.for_degree(Degree::Undergraduate),
            &totals,
        );
        let volunteer = rows.iter().find(|r| r.category == "volunteer").unwrap();
        assert_eq!(
            (volunteer.earned_hours, volunteer.required_hours),
            (12.5, 15.0)
        );
        assert!(!volunteer.met, "3 points ≥ 2, but 12.5 h < 15 h");
        let total = rows.last().unwrap();
        assert_eq!((total.earned_hours, total.required_hours), (28.5, 20.0));
        let mut more = totals.clone();
        more.get_mut("volunteer").unwrap().hours = 15.0;
        let rows = progress(rules.requirements.for_degree(Degree::Undergraduate), &more);
        assert!(rows.iter().find(|r| r.category == "volunteer").unwrap().met);
        // A category only required in hours still gets its row.
        let mut hours_only = RuleSet::default_rules();
        hours_only
            .requirements
            .graduate
            .hours_per_category
            .insert("practice".into(), 8.0);
        let rows = progress(
            hours_only.requirements.for_degree(Degree::Graduate),
            &totals,
        );
        let practice = rows.iter().find(|r| r.category == "practice").unwrap();
        assert_eq!(
            (practice.required, practice.required_hours, practice.met),
            (Points(0), 8.0, true)
        );
        // Hours must be sane and name a category.
        hours_only
            .requirements
            .graduate
            .hours_per_category
            .insert("labour".into(), 8.0);
        assert_eq!(
            hours_only.validate().unwrap_err().field.as_deref(),
            Some("requirements.graduate.hours_per_category.labour")
        );
    }

    #[test]
    fn caps_over_the_whole_degree() {
        // Lectures: 0.2 each, 2 a term, 3 over the degree.
        let mut rules = RuleSet::default_rules();
        rules.categories[0].cap_per_degree = Some(Points(300));
        rules.validate().unwrap();
        let lectures = |term: usize, n: usize| -> Vec<Fact> {
            (0..n)
                .map(|i| fact(&format!("t{term}-{i:02}"), "lecture", FactKind::Attendance))
                .collect()
        };
        let (first, second, third) = (lectures(1, 12), lectures(2, 12), lectures(3, 2));
        let grants = evaluate_degree(&[
            (&rules, &first[..]),
            (&rules, &second[..]),
            (&rules, &third[..]),
        ]);
        let sums: Vec<i64> = grants
            .iter()
            .map(|t| t.iter().map(|g| g.points.0).sum())
            .collect();
        assert_eq!(
            sums,
            [200, 100, 0],
            "2 in the first term, the last 1 in the second"
        );
        assert_eq!(grants[1][5].points, Points::ZERO);
        assert_eq!(grants[1][5].reduction, Some(Reduction::DegreeCap));
        assert_eq!(grants[2][0].reduction, Some(Reduction::DegreeCap));
        let mut negative = RuleSet::default_rules();
        negative.categories[1].cap_per_degree = Some(Points(-1));
        assert_eq!(
            negative.validate().unwrap_err().field.as_deref(),
            Some("categories[1]")
        );
    }

    #[test]
    fn the_same_achievement_counts_once_across_terms() {
        let rules = RuleSet::default_rules();
        let autumn = [competition(
            "result:1",
            AwardLevel::School,
            Award::First,
            ParticipantRole::Leader,
            Some("challenge-cup-2026"),
        )];
        let spring = [competition(
            "result:9",
            AwardLevel::Province,
            Award::Second,
            ParticipantRole::Leader,
            Some("challenge-cup-2026"),
        )];
        let grants = evaluate_degree(&[(&rules, &autumn[..]), (&rules, &spring[..])]);
        // 校级一等奖 2.5 in autumn, 省级二等奖 2.5 in spring: equal, the earlier stays.
        assert_eq!(grants[0][0].points, Points(250));
        assert_eq!(grants[1][0].points, Points::ZERO);
        let spring = [competition(
            "result:9",
            AwardLevel::National,
            Award::Third,
            ParticipantRole::Leader,
            Some("challenge-cup-2026"),
        )];
        let grants = evaluate_degree(&[(&rules, &autumn[..]), (&rules, &spring[..])]);
        // 国家级三等奖 2.5 … also 2.5; 国家级二等奖 3.0 supersedes the autumn prize.
        assert_eq!(grants[1][0].points, Points::ZERO);
        let spring = [competition(
            "result:9",
            AwardLevel::National,
            Award::Second,
            ParticipantRole::Leader,
            Some("challenge-cup-2026"),
        )];
        let grants = evaluate_degree(&[(&rules, &autumn[..]), (&rules, &spring[..])]);
        assert_eq!(grants[0][0].points, Points::ZERO);
        assert_eq!(
            grants[0][0].reduction,
            Some(Reduction::Superseded {
                by: "result:9".into()
            })
        );
        assert_eq!(grants[1][0].points, Points(300));
    }

    #[test]
    fn points_per_participation_keep_their_hours() {
        // Volunteer service at 0.5 a time, not by the hour: 4 hours are still recorded.
        let mut rules = RuleSet::default_rules();
        let volunteer = rules
            .categories
            .iter_mut()
            .find(|c| c.category == "volunteer")
            .unwrap();
        volunteer.per_attendance = Points(50);
        volunteer.per_hour = Points::ZERO;
        let result = crate::attendance::ResultInput {
            student_no: "2023010101".into(),
            attended: true,
            hours: Some(4.0),
            role: None,
            award: None,
            award_level: None,
            note: None,
            achievement: None,
            backfill_reason: None,
        };
        let kind = result_kind(
            &rules,
            "volunteer",
            crate::activity::CreditLevel::College,
            &result,
        )
        .unwrap();
        assert_eq!(kind, FactKind::Hours { hours: 4.0 });
        let grant = &evaluate(&rules, &[fact("result:1", "volunteer", kind)])[0];
        assert_eq!((grant.points, grant.hours), (Points(50), 4.0));
        // A lecture without hours is still a participation.
        let lecture = crate::attendance::ResultInput {
            hours: None,
            ..result
        };
        assert_eq!(
            result_kind(
                &rules,
                "lecture",
                crate::activity::CreditLevel::College,
                &lecture
            ),
            Some(FactKind::Attendance)
        );
    }

    #[test]
    fn unknown_fields_are_refused_and_old_documents_still_read() {
        let mut document = serde_json::to_value(RuleSet::default_rules()).unwrap();
        document["categories"][0]["cap_per_year"] = 100.into();
        let error = serde_json::from_value::<RuleSet>(document).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `cap_per_year`"),
            "{error}"
        );
        let mut document = serde_json::to_value(RuleSet::default_rules()).unwrap();
        document["requirements"]["graduate"]["hours"] = 15.into();
        assert!(serde_json::from_value::<RuleSet>(document).is_err());
        // A version stored before the matrix, hours and degree caps: still a rule set, and a
        // grade stored as `basically_competent` is 一般称职.
        let old = r#"{"categories":[{"category":"cadre","per_attendance":0,"per_hour":0,"cap_per_term":300}],
            "competition":[[200,150,100,50],[250,200,150,100],[300,250,200,150],[350,300,250,200]],
            "participation":50,"team_member_percent":80,"practice_hours_per_day":8.0,
            "cadre":[100,150,200],"grade_percent":[0,50,80,100],"cap_per_term":2000,
            "requirements":{"undergraduate":{"per_category":{},"total":1000},"graduate":{"per_category":{},"total":400}}}"#;
        let rules: RuleSet = serde_json::from_str(old).unwrap();
        rules.validate().unwrap();
        let kind: FactKind = serde_json::from_str(
            r#"{"type":"cadre","level":"college","grade":"basically_competent"}"#,
        )
        .unwrap();
        assert_eq!(
            kind,
            FactKind::Cadre {
                level: CadreLevel::College,
                grade: Grade::Fair,
                position_type: None
            }
        );
        assert_eq!(Grade::Fair.label_zh(), "一般称职");
        assert_eq!(raw_points(&rules, &fact("f", "cadre", kind)).0, Points(75));
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
            Grade::Fair,
            Grade::Incompetent,
        ]);
        let cadre_level = prop::sample::select(vec![
            CadreLevel::Club,
            CadreLevel::College,
            CadreLevel::School,
            CadreLevel::Class,
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
            (cadre_level, grade).prop_map(|(level, grade)| FactKind::Cadre {
                level,
                grade,
                position_type: None
            }),
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
