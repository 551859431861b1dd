//! Student cadres (党团学干部): the school's position types, the register of positions each
//! organisation keeps, and assessment rounds — each organisation rates the positions it held in
//! a term as 优秀 / 称职 / 一般称职 / 不称职 within the school's ratio standard, and the
//! organisation above reviews the batch.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{
    ApiError,
    organization::OrgKind,
    points::Term,
    rules::{CadreLevel, Grade, is_code},
};

/// A kind of position the school admin lists (主席团成员, 部长/副部长, 干事, 班长 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionType {
    /// What the rules' cadre matrix names it by: `presidium`.
    pub code: String,
    /// `主席团成员`.
    pub name: String,
    /// Retired types stay on the positions that have them; new positions cannot take them.
    pub active: bool,
}

/// `PUT /api/school/position-types`: the whole list, in the order forms show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"types": [{"code": "presidium", "name": "主席团成员", "active": true}, {"code": "minister", "name": "部长/副部长", "active": true}]})))]
#[serde(deny_unknown_fields)]
pub struct PositionTypes {
    pub types: Vec<PositionType>,
}

impl PositionTypes {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.types.is_empty() || self.types.len() > 50 {
            return Err(ApiError::invalid("types", "1 to 50 position types"));
        }
        for (i, t) in self.types.iter().enumerate() {
            if !is_code(&t.code) {
                return Err(ApiError::invalid(
                    format!("types[{i}].code"),
                    "1–32 lowercase letters, digits and _, starting with a letter",
                ));
            }
            let name = t.name.trim().chars().count();
            if !(1..=30).contains(&name) {
                return Err(ApiError::invalid(
                    format!("types[{i}].name"),
                    "1 to 30 characters",
                ));
            }
            if self.types[..i].iter().any(|o| o.code == t.code) {
                return Err(ApiError::invalid(
                    format!("types[{i}].code"),
                    "each code once",
                ));
            }
            if self.types[..i]
                .iter()
                .any(|o| o.name.trim() == t.name.trim())
            {
                return Err(ApiError::invalid(
                    format!("types[{i}].name"),
                    "each name once",
                ));
            }
        }
        Ok(())
    }
}

/// One line of the ratio standard: at most `max_percent` of an assessment round's positions
/// of `level` may receive `grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GradeLimit {
    pub level: CadreLevel,
    pub grade: Grade,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub max_percent: u8,
}

/// `GET/PUT /api/school/assessment-standard`: the school's ratio standard, per level. A
/// grade without a line has no limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"limits": [{"level": "college", "grade": "excellent", "max_percent": 20}, {"level": "class", "grade": "excellent", "max_percent": 30}, {"level": "class", "grade": "competent", "max_percent": 30}]})))]
#[serde(deny_unknown_fields)]
pub struct AssessmentStandard {
    pub limits: Vec<GradeLimit>,
}

impl AssessmentStandard {
    pub fn validate(&self) -> Result<(), ApiError> {
        for (i, limit) in self.limits.iter().enumerate() {
            if limit.max_percent > 100 {
                return Err(ApiError::invalid(
                    format!("limits[{i}].max_percent"),
                    "between 0 and 100",
                ));
            }
            if self.limits[..i]
                .iter()
                .any(|o| (o.level, o.grade) == (limit.level, limit.grade))
            {
                return Err(ApiError::invalid(
                    format!("limits[{i}]"),
                    "each level and grade once",
                ));
            }
        }
        Ok(())
    }

    pub fn limit(&self, level: CadreLevel, grade: Grade) -> Option<u8> {
        self.limits
            .iter()
            .find(|l| (l.level, l.grade) == (level, grade))
            .map(|l| l.max_percent)
    }
}

/// How many of `positions` may receive a grade limited to `max_percent`: the share rounded
/// down (优秀 ≤ 20 % of 12 positions is 2).
pub fn allowance(positions: u32, max_percent: u8) -> u32 {
    positions * u32::from(max_percent.min(100)) / 100
}

/// A grade's room at one level of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradeRoom {
    pub grade: Grade,
    /// The most that may receive it; none: no limit.
    pub max: Option<u32>,
    pub given: u32,
    /// How many more may receive it; none: no limit.
    pub remaining: Option<u32>,
}

/// The room of every grade at one level of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelRoom {
    pub level: CadreLevel,
    pub positions: u32,
    pub grades: Vec<GradeRoom>,
}

/// The room left under the standard, given each position's level and grade (if graded).
pub fn rooms(
    standard: &AssessmentStandard,
    items: &[(CadreLevel, Option<Grade>)],
) -> Vec<LevelRoom> {
    let mut levels: BTreeMap<CadreLevel, (u32, BTreeMap<Grade, u32>)> = BTreeMap::new();
    for (level, grade) in items {
        let entry = levels.entry(*level).or_default();
        entry.0 += 1;
        if let Some(grade) = grade {
            *entry.1.entry(*grade).or_default() += 1;
        }
    }
    CadreLevel::ALL
        .into_iter()
        .filter_map(|level| {
            let (positions, given) = levels.get(&level)?;
            Some(LevelRoom {
                level,
                positions: *positions,
                grades: Grade::ALL
                    .into_iter()
                    .map(|grade| {
                        let max = standard
                            .limit(level, grade)
                            .map(|p| allowance(*positions, p));
                        let given = given.get(&grade).copied().unwrap_or(0);
                        GradeRoom {
                            grade,
                            max,
                            given,
                            remaining: max.map(|m| m.saturating_sub(given)),
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The first grade given beyond its room, as the error a submission answers.
pub fn over_limit(rooms: &[LevelRoom]) -> Result<(), ApiError> {
    for room in rooms {
        for g in &room.grades {
            if let Some(max) = g.max
                && g.given > max
            {
                return Err(ApiError::new(
                    crate::ErrorCode::GradeLimitExceeded,
                    format!(
                        "{} of {} {} positions are rated {}, more than the {} the school's standard allows",
                        g.given,
                        room.positions,
                        room.level.as_str(),
                        g.grade.label_zh(),
                        max
                    ),
                )
                .with_field(format!("grades.{}.{}", room.level.as_str(), g.grade.as_str())));
            }
        }
    }
    Ok(())
}

/// The level a position of an organisation sits at, unless it is a class's.
pub fn level_of(kind: OrgKind) -> CadreLevel {
    match kind {
        OrgKind::School | OrgKind::SchoolOrg => CadreLevel::School,
        OrgKind::College => CadreLevel::College,
        OrgKind::Club => CadreLevel::Club,
    }
}

/// A position in the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub student_id: i64,
    pub student_no: String,
    pub student_name: String,
    /// `学生会主席`.
    pub title: String,
    /// The position type's code, and its name.
    pub position_type: String,
    pub position_type_name: String,
    pub level: CadreLevel,
    pub class_name: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// 任命文号.
    pub appointment_no: Option<String>,
    /// Assessments of approved rounds, oldest first.
    pub assessments: Vec<PositionAssessment>,
}

/// A position's assessment in a term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionAssessment {
    pub round_id: i64,
    pub term_code: String,
    pub term_name: String,
    pub grade: Grade,
    pub comment: Option<String>,
    pub status: RoundStatus,
}

/// `POST /api/cadre-positions`, `PUT /api/cadre-positions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"student_no": "2023010101", "organization_id": 3, "title": "学生会主席", "position_type": "presidium", "starts_on": "2026-09-01", "ends_on": "2027-06-30", "appointment_no": "计院团字〔2026〕12号"})))]
#[serde(deny_unknown_fields)]
pub struct NewPosition {
    pub student_no: String,
    pub organization_id: i64,
    pub title: String,
    pub position_type: String,
    /// Default: the organisation's own level; `class` for a class's position (name the class).
    #[serde(default)]
    pub level: Option<CadreLevel>,
    #[serde(default)]
    pub class_name: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub appointment_no: Option<String>,
}

impl NewPosition {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.student_no.trim().is_empty() {
            return Err(ApiError::invalid(
                "student_no",
                "a student number is required",
            ));
        }
        let title = self.title.trim().chars().count();
        if !(1..=50).contains(&title) {
            return Err(ApiError::invalid("title", "1 to 50 characters"));
        }
        if self.ends_on < self.starts_on {
            return Err(ApiError::invalid("ends_on", "on or after starts_on"));
        }
        if (self.ends_on - self.starts_on).num_days() > 366 * 6 {
            return Err(ApiError::invalid(
                "ends_on",
                "a tenure of at most six years",
            ));
        }
        let class = self
            .class_name
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if self.level == Some(CadreLevel::Class) && class.is_empty() {
            return Err(ApiError::invalid(
                "class_name",
                "a class position names its class",
            ));
        }
        if class.chars().count() > 50 {
            return Err(ApiError::invalid("class_name", "at most 50 characters"));
        }
        if self
            .appointment_no
            .as_deref()
            .is_some_and(|a| a.trim().chars().count() > 50)
        {
            return Err(ApiError::invalid("appointment_no", "at most 50 characters"));
        }
        Ok(())
    }
}

/// Where an assessment round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Being graded.
    Draft,
    /// Waiting for the organisation above.
    Submitted,
    /// Locked; counted in the ledger.
    Approved,
    /// Sent back with a reason; graded again and resubmitted.
    Returned,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Draft => "draft",
            RoundStatus::Submitted => "submitted",
            RoundStatus::Approved => "approved",
            RoundStatus::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<RoundStatus> {
        [
            RoundStatus::Draft,
            RoundStatus::Submitted,
            RoundStatus::Approved,
            RoundStatus::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Grades may change.
    pub fn editable(self) -> bool {
        matches!(self, RoundStatus::Draft | RoundStatus::Returned)
    }
}

/// One position of a round, with its grade so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundItem {
    pub position_id: i64,
    pub student_no: String,
    pub student_name: String,
    pub title: String,
    pub position_type_name: String,
    pub level: CadreLevel,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub grade: Option<Grade>,
    pub comment: Option<String>,
}

/// An assessment round (干部考核): an organisation's positions of a term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentRound {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub term: Term,
    pub status: RoundStatus,
    pub items: Vec<RoundItem>,
    /// What the standard still allows, per level and grade.
    pub rooms: Vec<LevelRoom>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub return_reason: Option<String>,
    /// The caller may grade and submit it.
    pub can_grade: bool,
    /// The caller may approve or return it (the organisation above).
    pub can_review: bool,
}

/// A round in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundSummary {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub term_code: String,
    pub term_name: String,
    pub status: RoundStatus,
    pub positions: u32,
    pub graded: u32,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// `POST /api/assessment-rounds`: rate the positions an organisation held in a term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"organization_id": 3, "term_id": 17})))]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    pub organization_id: i64,
    pub term_id: i64,
}

/// One grade to set (or clear, with `grade` null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    pub position_id: i64,
    pub grade: Option<Grade>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `PUT /api/assessment-rounds/{id}/grades`: some or all of a round's grades, checked together
/// against the standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"grades": [{"position_id": 12, "grade": "excellent", "comment": "组织迎新工作出色"}, {"position_id": 13, "grade": "competent"}]})))]
#[serde(deny_unknown_fields)]
pub struct GradesInput {
    pub grades: Vec<GradeInput>,
}

impl GradesInput {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.grades.is_empty() || self.grades.len() > 2000 {
            return Err(ApiError::invalid("grades", "1 to 2000 grades"));
        }
        for (i, g) in self.grades.iter().enumerate() {
            if g.comment
                .as_deref()
                .is_some_and(|c| c.trim().chars().count() > 200)
            {
                return Err(ApiError::invalid(
                    format!("grades[{i}].comment"),
                    "at most 200 characters",
                ));
            }
            if self.grades[..i]
                .iter()
                .any(|o| o.position_id == g.position_id)
            {
                return Err(ApiError::invalid(
                    format!("grades[{i}].position_id"),
                    "each position once",
                ));
            }
        }
        Ok(())
    }
}

/// `POST /api/assessment-rounds/{id}/return`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"reason": "优秀比例请按学院标准复核"})))]
#[serde(deny_unknown_fields)]
pub struct ReturnRound {
    pub reason: String,
}

impl ReturnRound {
    pub fn validate(&self) -> Result<(), ApiError> {
        let reason = self.reason.trim().chars().count();
        if !(2..=500).contains(&reason) {
            return Err(ApiError::invalid(
                "reason",
                "say why, in 2 to 500 characters",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard() -> AssessmentStandard {
        AssessmentStandard {
            limits: vec![
                GradeLimit {
                    level: CadreLevel::College,
                    grade: Grade::Excellent,
                    max_percent: 20,
                },
                GradeLimit {
                    level: CadreLevel::Class,
                    grade: Grade::Excellent,
                    max_percent: 30,
                },
                GradeLimit {
                    level: CadreLevel::Class,
                    grade: Grade::Competent,
                    max_percent: 30,
                },
            ],
        }
    }

    #[test]
    fn the_share_rounds_down() {
        assert_eq!(allowance(12, 20), 2);
        assert_eq!(allowance(10, 20), 2);
        assert_eq!(allowance(4, 20), 0);
        assert_eq!(allowance(10, 30), 3);
        assert_eq!(allowance(7, 100), 7);
    }

    #[test]
    fn rooms_per_level_and_grade() {
        let mut items = vec![(CadreLevel::College, Some(Grade::Excellent)); 2];
        items.extend(vec![(CadreLevel::College, None); 8]);
        items.extend(vec![(CadreLevel::Class, Some(Grade::Competent)); 3]);
        items.extend(vec![(CadreLevel::Class, None); 7]);
        let rooms = rooms(&standard(), &items);
        assert_eq!(rooms.len(), 2);
        let college = &rooms[0];
        assert_eq!(
            (college.level, college.positions),
            (CadreLevel::College, 10)
        );
        let excellent = &college.grades[0];
        assert_eq!(
            (excellent.max, excellent.given, excellent.remaining),
            (Some(2), 2, Some(0))
        );
        let competent = &college.grades[1];
        assert_eq!((competent.max, competent.remaining), (None, None));
        let class = &rooms[1];
        assert_eq!(class.grades[1].remaining, Some(0));
        assert!(over_limit(&rooms).is_ok());
        let mut over = items.clone();
        over[2].1 = Some(Grade::Excellent);
        let error = over_limit(&super::rooms(&standard(), &over)).unwrap_err();
        assert_eq!(error.code, crate::ErrorCode::GradeLimitExceeded);
        assert_eq!(error.field.as_deref(), Some("grades.college.excellent"));
    }

    #[test]
    fn standards_and_types_are_checked() {
        let mut doubled = standard();
        doubled.limits.push(doubled.limits[0]);
        assert_eq!(
            doubled.validate().unwrap_err().field.as_deref(),
            Some("limits[3]")
        );
        let types = PositionTypes {
            types: vec![PositionType {
                code: "Presidium".into(),
                name: "主席团".into(),
                active: true,
            }],
        };
        assert_eq!(
            types.validate().unwrap_err().field.as_deref(),
            Some("types[0].code")
        );
    }
}
