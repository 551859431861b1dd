//! Insight (智能统计分析): the live dashboard of an organisation's subtree, the monthly work
//! report (工作月报) each college files on the 28th and the school's report over them, and the
//! instructor workload sheet (指导老师工作量表).
//!
//! The reporting calendar is pure: a month's report covers the 28th of the month before through
//! the 27th, is frozen at 00:00 on the 28th (Asia/Shanghai) and is due by the end of that day.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::attendance::OverdueActivity;

/// One labelled figure of a breakdown (a category, a level, a state, a college …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figure {
    /// Stable key: a category code, a level, a state, an organisation id, a year.
    pub key: String,
    pub label: String,
    pub label_en: String,
    pub value: i64,
}

/// Points and hours granted in one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryPoints {
    pub category: String,
    pub label: String,
    pub label_en: String,
    pub points: i64,
    pub hours: f64,
    /// Ledger entries (one per student and fact).
    pub entries: i64,
}

/// How many of a group's students took part (checked in or gained points) in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participation {
    pub key: String,
    pub label: String,
    pub label_en: String,
    /// Active students of the group.
    pub students: i64,
    /// Of them, those who took part.
    pub active: i64,
}

impl Participation {
    /// Share who took part, 0–1 (0 for an empty group).
    pub fn rate(&self) -> f64 {
        ratio(self.active, self.students)
    }
}

/// `part / whole`, 0 when there is no whole.
pub fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Sign-ups and attendance of the activities held in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceFigures {
    /// Sign-ups that stand (accepted, not withdrawn or rejected).
    pub registrations: i64,
    /// Check-ins (each student once per activity), registered or not.
    pub attended: i64,
    /// Accepted sign-ups of ended activities with no check-in.
    pub no_shows: i64,
}

impl AttendanceFigures {
    /// Share of the accepted sign-ups of ended activities that checked in, 0–1.
    pub fn rate(&self) -> f64 {
        let expected = self.attended + self.no_shows;
        ratio(self.attended.min(expected), expected)
    }
}

/// Work waiting past its time, and the irregular paths taken.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Backlog {
    /// Activities whose results are past their category's recognition deadline.
    pub overdue_recognitions: i64,
    /// Make-up check-in requests (补签) waiting for a decision.
    pub pending_makeups: i64,
    /// Make-up check-ins granted in the period.
    pub makeups: i64,
    /// Results entered as back-fills (补录) in the period.
    pub backfills: i64,
}

/// Activity evaluations (活动评价) of the subtree's activities that start in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationFigures {
    /// Ratings given.
    pub count: i64,
    /// Activities rated at least once.
    pub activities: i64,
    /// The mean rating, 1–5 (none without ratings).
    pub average: Option<f64>,
}

/// Cadre work in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadreFigures {
    /// Positions held on the period's last day.
    pub positions: i64,
    /// Positions whose tenure began in the period.
    pub appointed: i64,
    /// Grades given in assessment rounds approved in the period.
    pub assessed: i64,
    /// Rounds approved in the period.
    pub rounds_approved: i64,
    /// Rounds submitted and waiting for the organisation above now.
    pub rounds_waiting: i64,
}

/// One week's (or one term's) activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    /// The week's Monday, or the term's code.
    pub key: String,
    pub label: String,
    /// Activities that started.
    pub activities: i64,
    /// Check-ins.
    pub checkins: i64,
    /// Points granted (by the day the fact occurred).
    pub points: i64,
}

/// An organisation's share of the work, for the top list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationFigures {
    pub organization_id: i64,
    pub name: String,
    /// Activities it held (started) in the period.
    pub activities: i64,
    /// Check-ins at them.
    pub checkins: i64,
    /// Points it granted.
    pub points: i64,
}

/// A row of the leaderboard over the scope (points in the term).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leader {
    pub rank: i64,
    pub student_id: i64,
    pub name: String,
    pub student_number: String,
    pub college: String,
    pub points: i64,
}

/// `GET /api/insight/dashboard`: an organisation's subtree in one term, computed when asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub organization_id: i64,
    pub organization: String,
    pub term_id: i64,
    pub term_code: String,
    pub term_name: String,
    /// The term's first and last day.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// When the figures were read; the web app asks again every 30 seconds.
    pub computed_at: DateTime<Utc>,
    /// Active students of the subtree.
    pub students: i64,
    /// Activities of the subtree that start in the term, by category, level and state.
    pub activities: i64,
    pub by_category: Vec<Figure>,
    pub by_level: Vec<Figure>,
    pub by_state: Vec<Figure>,
    pub attendance: AttendanceFigures,
    /// Points the subtree's organisations granted in the term, by category.
    pub points: Vec<CategoryPoints>,
    pub backlog: Backlog,
    pub cadres: CadreFigures,
    /// How participants rated the subtree's activities of the term.
    #[serde(default)]
    pub evaluations: EvaluationFigures,
    /// The subtree's students who took part in the term, by college, intake and degree.
    pub by_college: Vec<Participation>,
    pub by_year: Vec<Participation>,
    pub by_degree: Vec<Participation>,
    /// Each week of the term, and the last six terms.
    pub weeks: Vec<Trend>,
    pub terms: Vec<Trend>,
    /// The subtree's organisations with the most check-ins in the term (up to 10).
    pub top_organizations: Vec<OrganizationFigures>,
    /// The subtree's students with the most points in the term (up to 10).
    pub leaderboard: Vec<Leader>,
}

// ---------------------------------------------------------------------------------------------
// The monthly report calendar.

/// A report month, `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

/// What a month looks like in a path or query: 1900-01 … 2199-12.
pub const MONTH_PATTERN: &str = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$";

/// The day of the month reports are frozen and due.
pub const REPORT_DAY: u32 = 28;

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=2199).contains(&year))
            .then_some(Month { year, month })
    }

    /// `2026-11`.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        Month::new(year.parse().ok()?, month.parse().ok()?)
    }

    /// Like [`Month::parse`], as a field error.
    pub fn parse_field(text: &str, field: &str) -> Result<Month, ApiError> {
        Month::parse(text).ok_or_else(|| {
            ApiError::new(
                crate::ErrorCode::ValidationFailed,
                format!("{text:?} is not a month like 2026-11"),
            )
            .with_field(field)
        })
    }

    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a valid month")
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The day the report is frozen (at its start) and due (by its end): the 28th.
    pub fn report_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, REPORT_DAY).expect("every month has a 28th")
    }

    /// The first and last day the report covers: the 28th of the month before to the 27th.
    pub fn period(self) -> (NaiveDate, NaiveDate) {
        (
            self.previous().report_day(),
            self.report_day().pred_opt().expect("the 27th"),
        )
    }

    /// The last month whose report day has begun on `today` (local date): this month from the
    /// 28th on, else the month before.
    pub fn latest_due(today: NaiveDate) -> Month {
        let this = Month::of(today);
        if today.day() >= REPORT_DAY {
            this
        } else {
            this.previous()
        }
    }

    /// `2026年11月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Month, D::Error> {
        let text = String::deserialize(deserializer)?;
        Month::parse(&text).ok_or_else(|| serde::de::Error::custom("expected a month like 2026-11"))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Month {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some(MONTH_PATTERN))
            .examples([serde_json::json!("2026-11")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Month {}

// ---------------------------------------------------------------------------------------------
// Monthly reports.

/// Where a college's monthly report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Frozen on the 28th; the college reviews it, comments and files it.
    Open,
    /// Filed by the college; read-only.
    Filed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::Filed => "filed",
        }
    }

    pub fn parse(text: &str) -> ReportStatus {
        if text == "filed" {
            ReportStatus::Filed
        } else {
            ReportStatus::Open
        }
    }
}

/// Whether a report is late at `now`: not filed by its due time, or filed after it.
pub fn is_late(due_at: DateTime<Utc>, filed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match filed_at {
        Some(at) => at > due_at,
        None => now > due_at,
    }
}

/// A college's figures for the report period, frozen on the 28th.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyFigures {
    /// Active students of the college.
    pub students: i64,
    /// Of them, those who checked in or gained points in the period.
    pub active_students: i64,
    /// Activities of the college's subtree published (approved at the last level) in the period.
    pub published: i64,
    /// Activities that started in the period, by category.
    pub held: i64,
    pub by_category: Vec<Figure>,
    pub attendance: AttendanceFigures,
    /// Points granted by the subtree's organisations, by category.
    pub points: Vec<CategoryPoints>,
    pub backlog: Backlog,
    pub cadres: CadreFigures,
}

impl MonthlyFigures {
    pub fn total_points(&self) -> i64 {
        self.points.iter().map(|p| p.points).sum()
    }

    pub fn total_hours(&self) -> f64 {
        self.points.iter().map(|p| p.hours).sum()
    }

    /// The participation rate of the college's students, 0–1.
    pub fn participation(&self) -> f64 {
        ratio(self.active_students, self.students)
    }
}

/// An activity held in the report period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyActivity {
    pub activity_id: i64,
    pub title: String,
    pub category: String,
    pub credit_level: String,
    pub organizer: String,
    pub starts_at: DateTime<Utc>,
    pub registrations: i64,
    pub attended: i64,
    /// Results finalised.
    pub recognised: bool,
}

/// An assessment round of the subtree touched in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadreRoundLine {
    pub round_id: i64,
    pub organization: String,
    pub term_code: String,
    pub status: crate::cadre::RoundStatus,
    pub graded: i64,
    pub positions: i64,
}

/// What is frozen into a report: the figures and the three lists of the .xlsx.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyContent {
    pub figures: MonthlyFigures,
    /// Up to 500, by start.
    pub activities: Vec<MonthlyActivity>,
    /// Overdue recognitions on the 28th, most overdue first.
    pub overdue: Vec<OverdueActivity>,
    pub rounds: Vec<CadreRoundLine>,
}

/// A report in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReportSummary {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub month: Month,
    pub status: ReportStatus,
    /// Not filed by the end of the 28th, or filed after it.
    pub late: bool,
    pub due_at: DateTime<Utc>,
    pub frozen_at: DateTime<Utc>,
    pub filed_at: Option<DateTime<Utc>>,
    pub filed_by: Option<String>,
}

/// `GET /api/monthly-reports/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReport {
    #[serde(flatten)]
    pub summary: MonthlyReportSummary,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub content: MonthlyContent,
    /// The college's own words on the month (工作总结).
    pub comments: String,
    /// The caller may comment and file it (an account of the college with `view_reports`,
    /// while open).
    pub can_file: bool,
}

/// Longest comment or analysis, in characters.
pub const REPORT_TEXT_MAX: usize = 5000;

/// `PUT /api/monthly-reports/{id}`: the college's comments (saved; filing is separate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportComments {
    pub comments: String,
}

/// A text of at most [`REPORT_TEXT_MAX`] characters, trimmed.
pub fn report_text(text: &str, field: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.chars().count() > REPORT_TEXT_MAX {
        return Err(ApiError::new(
            crate::ErrorCode::ValidationFailed,
            format!("at most {REPORT_TEXT_MAX} characters"),
        )
        .with_field(field));
    }
    Ok(text.to_string())
}

/// Where the school's report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SchoolReportStatus {
    /// The school is writing its analysis; only the school sees it.
    Draft,
    /// Every organisation can read it.
    Published,
}

/// One college's column of the school's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollegeColumn {
    #[serde(flatten)]
    pub report: MonthlyReportSummary,
    pub figures: MonthlyFigures,
    pub comments: String,
}

/// `GET /api/school-reports/{month}`: the colleges side by side and the school's analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchoolReport {
    pub month: Month,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub status: SchoolReportStatus,
    pub analysis: String,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    /// Colleges that filed, of all colleges with a report.
    pub filed: i64,
    pub late: i64,
    pub colleges: Vec<CollegeColumn>,
    /// The caller may write and publish (the school's accounts with `view_reports`).
    pub can_publish: bool,
}

/// `GET /api/school-reports`: a month in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchoolReportSummary {
    pub month: Month,
    pub status: SchoolReportStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub colleges: i64,
    pub filed: i64,
    pub late: i64,
}

/// `PUT /api/school-reports/{month}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchoolAnalysis {
    pub analysis: String,
}

// ---------------------------------------------------------------------------------------------
// Instructor workload.

/// One instructor's term (指导老师工作量).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkloadRow {
    pub instructor_id: i64,
    pub name: String,
    pub username: String,
    pub organization: String,
    /// Activities guided (published, not cancelled, starting in the term).
    pub activities: i64,
    /// Their scheduled hours, start to end.
    pub hours: f64,
    /// Students who checked in.
    pub participants: i64,
    /// Results recognised.
    pub results: i64,
    /// Of them, with an award.
    pub awards: i64,
}

/// One activity of an instructor's term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkloadActivity {
    pub instructor_id: i64,
    pub activity_id: i64,
    pub title: String,
    pub category: String,
    pub organizer: String,
    pub starts_at: DateTime<Utc>,
    pub hours: f64,
    pub participants: i64,
    pub results: i64,
    pub awards: i64,
}

/// `GET /api/insight/workload`, `GET /api/me/workload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workload {
    pub term_id: i64,
    pub term_code: String,
    pub term_name: String,
    /// The organisation whose subtree's activities count (none: the instructor's own sheet).
    pub organization_id: Option<i64>,
    pub rows: Vec<WorkloadRow>,
    pub activities: Vec<WorkloadActivity>,
}

/// Hours between two instants, to the quarter hour.
pub fn scheduled_hours(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> f64 {
    let minutes = (ends_at - starts_at).num_minutes().max(0);
    (minutes as f64 / 15.0).round() * 0.25
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_month_covers_the_28th_before_to_the_27th() {
        let nov = Month::new(2026, 11).unwrap();
        assert_eq!(nov.period(), (day(2026, 10, 28), day(2026, 11, 27)));
        let jan = Month::new(2027, 1).unwrap();
        assert_eq!(jan.period(), (day(2026, 12, 28), day(2027, 1, 27)));
        let mar = Month::new(2028, 3).unwrap();
        assert_eq!(mar.period(), (day(2028, 2, 28), day(2028, 3, 27)));
    }

    #[test]
    fn the_latest_due_month_turns_on_the_28th() {
        assert_eq!(
            Month::latest_due(day(2026, 12, 3)),
            Month::new(2026, 11).unwrap()
        );
        assert_eq!(
            Month::latest_due(day(2026, 12, 27)),
            Month::new(2026, 11).unwrap()
        );
        assert_eq!(
            Month::latest_due(day(2026, 12, 28)),
            Month::new(2026, 12).unwrap()
        );
        assert_eq!(
            Month::latest_due(day(2027, 1, 5)),
            Month::new(2026, 12).unwrap()
        );
    }

    #[test]
    fn months_parse_and_print() {
        assert_eq!(Month::parse("2026-11"), Month::new(2026, 11));
        assert_eq!(Month::new(2026, 1).unwrap().to_string(), "2026-01");
        assert_eq!(Month::parse("1900-01"), Month::new(1900, 1));
        assert_eq!(Month::parse("2199-12"), Month::new(2199, 12));
        for bad in [
            "2026-13", "2026-00", "26-11", "2026-1", "2026/11", "x", "1899-12", "2200-01",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        let json = serde_json::to_string(&Month::new(2026, 2).unwrap()).unwrap();
        assert_eq!(json, "\"2026-02\"");
        assert!(serde_json::from_str::<Month>("\"2026-2\"").is_err());
    }

    #[test]
    fn lateness() {
        let due = "2026-11-28T16:00:00Z".parse().unwrap();
        let before = "2026-11-28T10:00:00Z".parse().unwrap();
        let after = "2026-11-29T01:00:00Z".parse().unwrap();
        assert!(!is_late(due, None, before));
        assert!(is_late(due, None, after));
        assert!(!is_late(due, Some(before), after));
        assert!(is_late(due, Some(after), after));
    }

    #[test]
    fn rates() {
        let a = AttendanceFigures {
            registrations: 10,
            attended: 6,
            no_shows: 2,
        };
        assert_eq!(a.rate(), 0.75);
        assert_eq!(AttendanceFigures::default().rate(), 0.0);
        assert_eq!(
            scheduled_hours(
                "2026-11-01T01:00:00Z".parse().unwrap(),
                "2026-11-01T02:40:00Z".parse().unwrap()
            ),
            1.75
        );
    }
}
