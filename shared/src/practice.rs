//! Practice teams (社会实践团队, 三下乡) and training records (courses, workshops): who took
//! part and for how many hours, certified by the responsible organisation — a college for its
//! own college's records, a school-level organisation for its own — which enters the ledger.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiError, organization::OrgKind};

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PracticeKind {
    /// A social practice team, counted at 8 hours a day (category `practice`).
    Practice,
    /// A course or workshop with stated hours (category `training`).
    Training,
}

impl PracticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PracticeKind::Practice => "practice",
            PracticeKind::Training => "training",
        }
    }

    pub fn parse(text: &str) -> Option<PracticeKind> {
        match text {
            "practice" => Some(PracticeKind::Practice),
            "training" => Some(PracticeKind::Training),
            _ => None,
        }
    }

    /// The rules' category it counts under.
    pub fn category(self) -> &'static str {
        self.as_str()
    }
}

/// A member's role in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Leader,
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Leader => "leader",
            MemberRole::Member => "member",
        }
    }

    pub fn parse(text: &str) -> MemberRole {
        if text == "leader" {
            MemberRole::Leader
        } else {
            MemberRole::Member
        }
    }
}

/// Days a record spans, both ends included.
pub fn days(starts_on: NaiveDate, ends_on: NaiveDate) -> i64 {
    (ends_on - starts_on).num_days() + 1
}

/// A member's hours unless stated otherwise: `hours_per_day` × days for practice (8 by the
/// founding notice), the record's hours for training.
pub fn default_hours(
    kind: PracticeKind,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    record_hours: Option<f64>,
    hours_per_day: f64,
) -> f64 {
    match kind {
        PracticeKind::Practice => days(starts_on, ends_on) as f64 * hours_per_day,
        PracticeKind::Training => record_hours.unwrap_or(0.0),
    }
}

/// The organisation that certifies a record organised by an organisation with this path and
/// these kinds (root first): the nearest college or school-level organisation at or above it,
/// else the school's committee. A club never certifies.
pub fn certifier(path: &[(i64, OrgKind)]) -> Option<i64> {
    path.iter()
        .rev()
        .find(|(_, kind)| matches!(kind, OrgKind::College | OrgKind::SchoolOrg))
        .or_else(|| path.iter().find(|(_, kind)| *kind == OrgKind::School))
        .map(|(id, _)| *id)
}

/// A stored file's description (never its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A member as a record lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeMember {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub role: MemberRole,
    /// The hours this member is certified for.
    pub hours: f64,
    /// Why they differ from the default, if they do.
    pub hours_reason: Option<String>,
}

/// A practice team or training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeRecord {
    pub id: i64,
    pub kind: PracticeKind,
    pub organization_id: i64,
    pub organization: String,
    pub name: String,
    pub topic: String,
    pub place: String,
    /// 指导老师, as written.
    pub instructors: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub days: i64,
    /// A training record's hours; none for practice.
    pub hours: Option<f64>,
    /// Each member's hours unless stated otherwise.
    pub default_hours: f64,
    pub members: Vec<PracticeMember>,
    pub report: Option<FileInfo>,
    pub certified: bool,
    pub certified_at: Option<DateTime<Utc>>,
    pub certified_by: Option<String>,
    /// The organisation that certifies it.
    pub certifier_id: Option<i64>,
    pub certifier: Option<String>,
    /// The caller may edit it (its organisation's, not yet certified).
    pub can_edit: bool,
    /// The caller may certify it.
    pub can_certify: bool,
}

/// A member as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub student_no: String,
    #[serde(default = "member")]
    pub role: MemberRole,
    /// Hours other than the default, with the reason.
    #[serde(default)]
    pub hours: Option<f64>,
    #[serde(default)]
    pub hours_reason: Option<String>,
}

fn member() -> MemberRole {
    MemberRole::Member
}

/// `POST /api/practice-records`, `PUT /api/practice-records/{id}` (until certified).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"kind": "practice", "organization_id": 3, "name": "“青春护航乡村振兴”三下乡实践团", "topic": "乡村数字化调研", "place": "江西省赣州市", "instructors": "王老师", "starts_on": "2026-07-10", "ends_on": "2026-07-16", "members": [{"student_no": "2023010101", "role": "leader"}, {"student_no": "2023010102", "hours": 40, "hours_reason": "中途返校两天"}]})))]
#[serde(deny_unknown_fields)]
pub struct NewPracticeRecord {
    pub kind: PracticeKind,
    pub organization_id: i64,
    pub name: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub instructors: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Training: the hours each participant earns (required). Practice: leave out.
    #[serde(default)]
    pub hours: Option<f64>,
    pub members: Vec<MemberInput>,
}

fn sane_hours(hours: f64) -> bool {
    hours.is_finite() && (0.0..=2000.0).contains(&hours) && (hours * 100.0).fract() == 0.0
}

impl NewPracticeRecord {
    pub fn validate(&self) -> Result<(), ApiError> {
        let name = self.name.trim().chars().count();
        if !(1..=100).contains(&name) {
            return Err(ApiError::invalid("name", "1 to 100 characters"));
        }
        for (field, text, most) in [
            ("topic", &self.topic, 200),
            ("place", &self.place, 100),
            ("instructors", &self.instructors, 200),
        ] {
            if text.trim().chars().count() > most {
                return Err(ApiError::invalid(
                    field,
                    format!("at most {most} characters"),
                ));
            }
        }
        if self.ends_on < self.starts_on {
            return Err(ApiError::invalid("ends_on", "on or after starts_on"));
        }
        if days(self.starts_on, self.ends_on) > 366 {
            return Err(ApiError::invalid("ends_on", "at most a year"));
        }
        match (self.kind, self.hours) {
            (PracticeKind::Training, None) => {
                return Err(ApiError::invalid(
                    "hours",
                    "a training record states its hours",
                ));
            }
            (_, Some(h)) if !(sane_hours(h) && h > 0.0) => {
                return Err(ApiError::invalid(
                    "hours",
                    "more than 0, at most 2000, in hundredths",
                ));
            }
            (PracticeKind::Practice, Some(_)) => {
                return Err(ApiError::invalid(
                    "hours",
                    "practice counts 8 hours a day: state other hours per member, with the reason",
                ));
            }
            _ => {}
        }
        if self.members.is_empty() || self.members.len() > 500 {
            return Err(ApiError::invalid("members", "1 to 500 members"));
        }
        let leaders = self
            .members
            .iter()
            .filter(|m| m.role == MemberRole::Leader)
            .count();
        if leaders > 1 {
            return Err(ApiError::invalid("members", "one leader at most"));
        }
        for (i, m) in self.members.iter().enumerate() {
            let at = |field: &str| format!("members[{i}].{field}");
            if m.student_no.trim().is_empty() {
                return Err(ApiError::invalid(
                    at("student_no"),
                    "a student number is required",
                ));
            }
            if self.members[..i]
                .iter()
                .any(|o| o.student_no.trim() == m.student_no.trim())
            {
                return Err(ApiError::invalid(at("student_no"), "each student once"));
            }
            let reason = m.hours_reason.as_deref().map(str::trim).unwrap_or_default();
            match m.hours {
                Some(h) if !sane_hours(h) => {
                    return Err(ApiError::invalid(at("hours"), "0 to 2000, in hundredths"));
                }
                Some(_) if !(2..=200).contains(&reason.chars().count()) => {
                    return Err(ApiError::invalid(
                        at("hours_reason"),
                        "hours other than the default need a reason (2 to 200 characters)",
                    ));
                }
                None if !reason.is_empty() => {
                    return Err(ApiError::invalid(at("hours_reason"), "only with hours"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A record in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeSummary {
    pub id: i64,
    pub kind: PracticeKind,
    pub organization: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub members: i64,
    pub certified: bool,
    pub has_report: bool,
}

/// A student's own record: what they took part in, for how many hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyPractice {
    pub id: i64,
    pub kind: PracticeKind,
    pub organization: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub role: MemberRole,
    pub hours: f64,
    pub certified: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn eight_hours_a_day_both_ends_included() {
        assert_eq!(days(day("2026-07-10"), day("2026-07-16")), 7);
        assert_eq!(
            default_hours(
                PracticeKind::Practice,
                day("2026-07-10"),
                day("2026-07-16"),
                None,
                8.0
            ),
            56.0
        );
        assert_eq!(
            default_hours(
                PracticeKind::Training,
                day("2026-10-10"),
                day("2026-10-11"),
                Some(6.5),
                8.0
            ),
            6.5
        );
    }

    #[test]
    fn the_responsible_organisation_certifies() {
        use OrgKind::*;
        // A college's own team, and a club's inside the college: the college.
        assert_eq!(certifier(&[(1, School), (3, College)]), Some(3));
        assert_eq!(certifier(&[(1, School), (3, College), (9, Club)]), Some(3));
        // The student union's own team: the union.
        assert_eq!(certifier(&[(1, School), (4, SchoolOrg)]), Some(4));
        // A club directly under the committee, and the committee's own: the committee.
        assert_eq!(certifier(&[(1, School), (7, Club)]), Some(1));
        assert_eq!(certifier(&[(1, School)]), Some(1));
    }

    #[test]
    fn other_hours_need_a_reason() {
        let mut record = NewPracticeRecord {
            kind: PracticeKind::Practice,
            organization_id: 3,
            name: "三下乡实践团".into(),
            topic: String::new(),
            place: String::new(),
            instructors: String::new(),
            starts_on: day("2026-07-10"),
            ends_on: day("2026-07-16"),
            hours: None,
            members: vec![MemberInput {
                student_no: "2023010101".into(),
                role: MemberRole::Leader,
                hours: Some(40.0),
                hours_reason: None,
            }],
        };
        assert_eq!(
            record.validate().unwrap_err().field.as_deref(),
            Some("members[0].hours_reason")
        );
        record.members[0].hours_reason = Some("中途返校两天".into());
        record.validate().unwrap();
        record.hours = Some(10.0);
        assert_eq!(
            record.validate().unwrap_err().field.as_deref(),
            Some("hours")
        );
        record.kind = PracticeKind::Training;
        record.validate().unwrap();
        record.hours = None;
        assert_eq!(
            record.validate().unwrap_err().field.as_deref(),
            Some("hours")
        );
    }
}
