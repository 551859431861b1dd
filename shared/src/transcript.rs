//! The transcript (成绩单): what is printed, in three styles, built by one pure function so the
//! web view, the PDF and the verification page show the same rows and totals.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{
    people::Degree,
    rules::{Points, Progress},
};

/// How the entries are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TranscriptStyle {
    /// 按评价方式: participation, awards, hours, positions, adjustments.
    ByMethod,
    /// 按学期 / 学年.
    ByTerm,
    /// 按活动类别.
    ByCategory,
}

impl TranscriptStyle {
    pub const ALL: [TranscriptStyle; 3] = [
        TranscriptStyle::ByMethod,
        TranscriptStyle::ByTerm,
        TranscriptStyle::ByCategory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptStyle::ByMethod => "by_method",
            TranscriptStyle::ByTerm => "by_term",
            TranscriptStyle::ByCategory => "by_category",
        }
    }

    pub fn parse(text: &str) -> Option<TranscriptStyle> {
        TranscriptStyle::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TranscriptStyle::ByMethod => "按评价方式",
            TranscriptStyle::ByTerm => "按学期",
            TranscriptStyle::ByCategory => "按活动类别",
        }
    }
}

/// How a ledger entry was evaluated (评价方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 参与认定: attended an activity.
    Participation,
    /// 获奖认定: a competition result.
    Award,
    /// 时长认定: hours of service or practice.
    Hours,
    /// 任职认定: a cadre position.
    Position,
    /// 其他认定: a manual adjustment.
    Adjustment,
}

impl Method {
    pub fn label_zh(self) -> &'static str {
        match self {
            Method::Participation => "参与认定",
            Method::Award => "获奖认定",
            Method::Hours => "时长认定",
            Method::Position => "任职认定",
            Method::Adjustment => "其他认定",
        }
    }
}

/// One line of a transcript: a current (not reversed) ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptEntry {
    /// The day it happened (`YYYY-MM-DD`, Asia/Shanghai).
    pub date: String,
    pub term_code: String,
    /// e.g. `2026–2027学年第一学期`.
    pub term_name: String,
    /// e.g. `2026-2027`.
    pub academic_year: String,
    pub category: String,
    pub category_name: String,
    pub method: Method,
    /// The activity title, position or adjustment reason.
    pub title: String,
    /// Award, role, hours — what was recognised, in words.
    pub detail: String,
    pub hours: f64,
    pub points: Points,
}

/// The student as printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptStudent {
    pub name: String,
    pub student_no: String,
    pub college: String,
    pub major: String,
    pub class_name: String,
    pub enrolment_year: i32,
    pub degree: Degree,
}

/// A group of lines with its subtotal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    pub title: String,
    pub entries: Vec<TranscriptEntry>,
    pub points: Points,
    pub hours: f64,
}

/// Everything a transcript shows. Stored as issued (its snapshot) and hashed, so verification
/// shows exactly what the paper says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptDoc {
    pub school_name: String,
    /// `第二课堂成绩单（本科生）` and the like.
    pub title: String,
    pub style: TranscriptStyle,
    pub student: TranscriptStudent,
    pub sections: Vec<Section>,
    /// Per category and in all, against the requirement of the student's degree.
    pub progress: Vec<Progress>,
    pub total_points: Points,
    pub total_hours: f64,
    /// Empty in a preview; set when issued.
    pub serial: String,
    /// RFC 3339, set when issued.
    pub issued_at: String,
    /// The public verification page the QR code opens.
    pub verify_url: String,
    /// Names of the categories the requirement rows name (code → 中文名).
    #[serde(default)]
    pub category_names: BTreeMap<String, String>,
    /// 党团学干部经历: positions held, with their approved assessments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cadre: Vec<CadreLine>,
}

/// A position on the transcript: title, organisation, tenure and the grade of each approved
/// assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadreLine {
    pub title: String,
    pub organization: String,
    /// `2026-09-01 至 2027-06-30`.
    pub tenure: String,
    /// `2026-2027-1 优秀；2026-2027-2 称职`, or empty before any assessment.
    pub grades: String,
}

/// The transcript's heading for a degree.
pub fn title_for(degree: Degree) -> String {
    format!("第二课堂成绩单（{}）", degree.label_zh())
}

/// Groups the entries into the sections of a style. Entries are ordered by date, then title;
/// sections by term (oldest first), by the category order given, or by method.
pub fn sections(
    style: TranscriptStyle,
    entries: &[TranscriptEntry],
    category_order: &[String],
) -> Vec<Section> {
    let mut sorted: Vec<&TranscriptEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| (&a.date, &a.title, a.points).cmp(&(&b.date, &b.title, b.points)));
    // Group key → (sort key, title).
    let mut groups: BTreeMap<(usize, String), Vec<TranscriptEntry>> = BTreeMap::new();
    for entry in sorted {
        let key = match style {
            TranscriptStyle::ByMethod => {
                (entry.method as usize, entry.method.label_zh().to_owned())
            }
            TranscriptStyle::ByTerm => (0, format!("{}\u{1f}{}", entry.term_code, entry.term_name)),
            TranscriptStyle::ByCategory => (
                category_order
                    .iter()
                    .position(|c| *c == entry.category)
                    .unwrap_or(usize::MAX),
                format!("{}\u{1f}{}", entry.category, entry.category_name),
            ),
        };
        groups.entry(key).or_default().push(entry.clone());
    }
    groups
        .into_iter()
        .map(|((_, key), entries)| {
            let title = key
                .split('\u{1f}')
                .next_back()
                .unwrap_or_default()
                .to_owned();
            Section {
                title,
                points: Points(entries.iter().map(|e| e.points.0).sum()),
                hours: round2(entries.iter().map(|e| e.hours).sum()),
                entries,
            }
        })
        .collect()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Totals per category of the entries (what the requirement is checked against).
pub fn category_totals(entries: &[TranscriptEntry]) -> BTreeMap<String, crate::rules::Earned> {
    let mut totals: BTreeMap<String, crate::rules::Earned> = BTreeMap::new();
    for entry in entries {
        let total = totals.entry(entry.category.clone()).or_default();
        total.points.0 += entry.points.0;
        total.hours += entry.hours;
    }
    totals
}

/// What the public verification page shows for a serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Issued by the platform and still current.
    Genuine,
    /// Genuine, but a newer transcript of the same student and style was issued since.
    Superseded,
    /// Withdrawn by the school.
    Revoked,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        date: &str,
        term: &str,
        category: &str,
        method: Method,
        points: i64,
    ) -> TranscriptEntry {
        TranscriptEntry {
            date: date.into(),
            term_code: term.into(),
            term_name: format!("学期{term}"),
            academic_year: "2026-2027".into(),
            category: category.into(),
            category_name: format!("类{category}"),
            method,
            title: format!("{category} {date}"),
            detail: String::new(),
            hours: 1.5,
            points: Points(points),
        }
    }

    #[test]
    fn every_style_keeps_every_entry_and_the_total() {
        let entries = vec![
            entry("2026-10-02", "2026-2027-1", "volunteer", Method::Hours, 120),
            entry(
                "2026-03-01",
                "2025-2026-2",
                "lecture",
                Method::Participation,
                20,
            ),
            entry(
                "2026-11-01",
                "2026-2027-1",
                "competition",
                Method::Award,
                250,
            ),
            entry(
                "2026-09-10",
                "2026-2027-1",
                "lecture",
                Method::Participation,
                20,
            ),
        ];
        let order: Vec<String> = ["lecture", "competition", "volunteer"]
            .map(String::from)
            .into();
        for style in TranscriptStyle::ALL {
            let sections = sections(style, &entries, &order);
            let count: usize = sections.iter().map(|s| s.entries.len()).sum();
            let points: i64 = sections.iter().map(|s| s.points.0).sum();
            assert_eq!((count, points), (4, 410), "{style:?}");
        }
        let by_term = sections(TranscriptStyle::ByTerm, &entries, &order);
        assert_eq!(by_term[0].title, "学期2025-2026-2", "oldest term first");
        assert_eq!(
            by_term[1].entries[0].date, "2026-09-10",
            "dated order inside"
        );
        let by_category = sections(TranscriptStyle::ByCategory, &entries, &order);
        assert_eq!(
            by_category
                .iter()
                .map(|s| s.title.as_str())
                .collect::<Vec<_>>(),
            ["类lecture", "类competition", "类volunteer"]
        );
        let by_method = sections(TranscriptStyle::ByMethod, &entries, &order);
        assert_eq!(by_method[0].title, "参与认定");
        assert_eq!(by_method[0].points, Points(40));
        assert_eq!(by_method[0].hours, 3.0);
    }
}

/// `POST /api/transcripts`: issue a transcript (a student their own; an organisation for a
/// student of its subtree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"style": "by_category"})))]
pub struct IssueRequest {
    /// Default: the signed-in student.
    pub student_id: Option<i64>,
    pub style: TranscriptStyle,
}

/// An issued transcript: its serial, when, whether it is still current, and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    pub serial: String,
    pub status: VerificationStatus,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// When a newer transcript of the same student and style was issued.
    pub superseded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoke_reason: Option<String>,
    /// Exactly what was printed.
    pub document: TranscriptDoc,
}

/// One transcript issued to a student, as `GET /api/students/{id}/transcripts` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedTranscript {
    pub serial: String,
    pub style: TranscriptStyle,
    pub status: VerificationStatus,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// Who issued it: the student, or the organisation account that issued or printed it.
    pub issued_by: String,
    /// Printed as part of a batch.
    pub batch: bool,
    /// Total points printed on it.
    pub total: Points,
    pub superseded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoke_reason: Option<String>,
}

/// `POST /api/transcripts/{serial}/revoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeRequest {
    pub reason: String,
}

/// One PDF for the whole batch, or a zip of one PDF per student.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrintFormat {
    Pdf,
    Zip,
}

/// `POST /api/print-jobs`: print the transcripts of a college (or the students of an
/// organisation's subtree), narrowed to a major, a class and/or an intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"organization_id": 2, "enrolment_year": 2023, "style": "by_term", "format": "pdf"})))]
pub struct NewPrintJob {
    pub organization_id: i64,
    pub major: Option<String>,
    pub class_name: Option<String>,
    pub enrolment_year: Option<i32>,
    pub style: TranscriptStyle,
    pub format: PrintFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrintStatus {
    /// Waiting for a worker (any API process) to take it.
    Queued,
    Running,
    Done,
    Failed,
    /// Done or failed, and its file dropped after the retention period
    /// (`app.print_retention_days`).
    Expired,
}

/// A batch print and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrintJob {
    pub id: String,
    pub organization: String,
    pub status: PrintStatus,
    /// Students in the batch.
    pub total: i32,
    /// Transcripts rendered so far.
    pub done: i32,
    pub params: NewPrintJob,
    pub file_name: Option<String>,
    pub error: Option<String>,
    pub requested_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}
