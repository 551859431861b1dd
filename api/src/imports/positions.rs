//! Bulk import of cadre positions (干部名册) through the same two steps as people: the file's
//! rows judged into a stored preview, then confirmed in one transaction. Each row names a
//! student, the organisation (name or code) inside the importer's subtree, the title, the
//! school's position type (name or code), optionally the level and class, the tenure and the
//! appointment number. A row matching a registered position (same organisation, student, title
//! and start) updates it or is unchanged.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use shared::{
    cadre::{self, NewPosition, PositionType},
    organization::OrgKind,
    people::{ImportRow, RowAction, RowError},
    rules::CadreLevel,
};
use std::collections::{HashMap, HashSet};

use super::{Organizations, normalise, sheet::Row};
use crate::{
    db::{self, organizations::OrgRow, people::Existing},
    error::AppError,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Number,
    Name,
    Organization,
    Title,
    PositionType,
    Level,
    ClassName,
    StartsOn,
    EndsOn,
    AppointmentNo,
}

/// A column: its field name, the headers it is known by (the first is the template's), and
/// whether the file must have it.
const COLUMNS: &[(Column, &str, &[&str], bool)] = &[
    (
        Column::Number,
        "student_no",
        &["学号", "student_no", "student_number"],
        true,
    ),
    (Column::Name, "name", &["姓名", "name"], false),
    (
        Column::Organization,
        "organization",
        &["组织", "organization", "所在组织", "单位"],
        true,
    ),
    (
        Column::Title,
        "title",
        &["职务", "title", "职务名称", "position"],
        true,
    ),
    (
        Column::PositionType,
        "position_type",
        &["职务类型", "position_type", "类型"],
        true,
    ),
    (Column::Level, "level", &["级别", "level", "层级"], false),
    (
        Column::ClassName,
        "class_name",
        &["班级", "class_name", "class"],
        false,
    ),
    (
        Column::StartsOn,
        "starts_on",
        &["开始日期", "starts_on", "任职开始", "起始日期"],
        true,
    ),
    (
        Column::EndsOn,
        "ends_on",
        &["结束日期", "ends_on", "任职结束", "截止日期"],
        true,
    ),
    (
        Column::AppointmentNo,
        "appointment_no",
        &["任命文号", "appointment_no", "文号"],
        false,
    ),
];

/// The template's headers and its example row (naming `organization`).
pub(super) fn template(organization: &str) -> (Vec<&'static str>, Vec<String>) {
    let headers = COLUMNS.iter().map(|(_, _, h, _)| h[0]).collect();
    let example = [
        "2023010101",
        "张三",
        organization,
        "学生会主席",
        "主席团成员",
        "",
        "",
        "2026-09-01",
        "2027-06-30",
        "团字〔2026〕12号",
    ]
    .map(str::to_owned)
    .to_vec();
    (headers, example)
}

fn field(column: Column) -> &'static str {
    COLUMNS
        .iter()
        .find(|(c, ..)| *c == column)
        .map_or("", |(_, f, ..)| f)
}

/// Where each column sits in the file's header.
pub(super) struct Columns(HashMap<Column, usize>);

impl Columns {
    pub(super) fn locate(header: &[String]) -> Result<Columns, String> {
        let mut index = HashMap::new();
        for (position, text) in header.iter().enumerate() {
            let text = normalise(text);
            if let Some((column, name, headers, _)) = COLUMNS
                .iter()
                .find(|(_, _, headers, _)| headers.iter().any(|h| normalise(h) == text))
                && let Some(first) = index.insert(*column, position)
            {
                return Err(format!(
                    "the column {} ({name}) appears twice, as columns {} and {}",
                    headers[0],
                    first + 1,
                    position + 1
                ));
            }
        }
        let missing: Vec<String> = COLUMNS
            .iter()
            .filter(|(column, _, _, required)| *required && !index.contains_key(column))
            .map(|(_, name, headers, _)| format!("{} ({name})", headers[0]))
            .collect();
        if missing.is_empty() {
            Ok(Columns(index))
        } else {
            Err(format!(
                "the first row must name the columns; missing: {}",
                missing.join(", ")
            ))
        }
    }

    fn cell<'r>(&self, row: &'r Row, column: Column) -> &'r str {
        self.0.get(&column).map_or("", |i| row.cell(*i).trim())
    }

    pub(super) fn numbers(&self, rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| self.cell(r, Column::Number).to_owned())
            .filter(|n| !n.is_empty())
            .collect()
    }
}

/// What confirming writes for one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Planned {
    /// The registered position a row updates.
    pub existing: Option<i64>,
    pub student_id: i64,
    pub organization_id: i64,
    pub position_type_id: i64,
    pub level: CadreLevel,
    pub input: NewPosition,
}

/// One row as stored in `imports.rows`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PlannedRow {
    #[serde(flatten)]
    pub row: ImportRow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Planned>,
}

/// A date as spreadsheets hold them: `2026-09-01`, `2026/9/1`, `2026.9.1`, `2026年9月1日`,
/// or an Excel day number (`46266`).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(serial) = text.parse::<f64>()
        && (20_000.0..80_000.0).contains(&serial)
    {
        let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
        return base.checked_add_days(chrono::Days::new(serial.trunc() as u64));
    }
    let cleaned: String = text
        .split([' ', 'T'])
        .next()
        .unwrap_or_default()
        .replace(['年', '月', '/', '.'], "-")
        .replace('日', "");
    let mut parts = cleaned.split('-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn parse_level(text: &str) -> Option<CadreLevel> {
    match text.trim() {
        "校级" | "school" => Some(CadreLevel::School),
        "院级" | "college" => Some(CadreLevel::College),
        "社团" | "club" => Some(CadreLevel::Club),
        "班级" | "class" => Some(CadreLevel::Class),
        _ => None,
    }
}

/// Judges rows against the organisations, students, position types and the register.
pub(super) struct Planner<'a> {
    organizations: Organizations<'a>,
    by_id: HashMap<i64, &'a OrgRow>,
    students: HashMap<String, Existing>,
    types: &'a [(i64, PositionType)],
    registered: HashMap<(i64, i64, String, NaiveDate), i64>,
    seen: HashSet<(i64, i64, String, NaiveDate)>,
}

impl<'a> Planner<'a> {
    pub(super) async fn new(
        conn: &mut AsyncPgConnection,
        within: i64,
        organizations: &'a [OrgRow],
        types: &'a [(i64, PositionType)],
        numbers: &[String],
    ) -> Result<Planner<'a>, AppError> {
        let students: HashMap<String, Existing> = db::people::by_usernames(conn, numbers)
            .await?
            .into_iter()
            .filter(|e| e.kind == shared::auth::AccountKind::Student)
            .map(|e| (e.username.to_lowercase(), e))
            .collect();
        let ids: Vec<i64> = students.values().map(|e| e.id).collect();
        let registered = db::cadres::existing_keys(conn, &ids).await?;
        Ok(Planner {
            organizations: Organizations::new(organizations, within),
            by_id: organizations.iter().map(|o| (o.id, o)).collect(),
            students,
            types,
            registered,
            seen: HashSet::new(),
        })
    }

    /// The college an organisation lies in, if any.
    fn college_of(&self, org: &OrgRow) -> Option<i64> {
        org.path
            .iter()
            .rev()
            .filter_map(|id| self.by_id.get(id))
            .find(|o| o.kind() == OrgKind::College)
            .map(|o| o.id)
    }

    pub(super) fn plan(&mut self, columns: &Columns, row: &Row) -> PlannedRow {
        let mut errors: Vec<RowError> = Vec::new();
        let mut fail = |column: Column, message: String| {
            errors.push(RowError {
                column: field(column).to_owned(),
                message,
            })
        };
        let cell = |column| columns.cell(row, column);
        let key = cell(Column::Number).to_owned();
        let student = self.students.get(&key.to_lowercase());
        if key.is_empty() {
            fail(Column::Number, "required".into());
        } else if student.is_none() {
            fail(Column::Number, format!("no student numbered {key}"));
        }
        let org = match self.organizations.find(cell(Column::Organization)) {
            Ok(org) => Some(org),
            Err(message) => {
                fail(Column::Organization, message);
                None
            }
        };
        if let (Some(org), Some(student)) = (org, student)
            && self
                .college_of(org)
                .is_some_and(|c| c != student.organization_id)
        {
            fail(
                Column::Number,
                "a position of a college is held by one of its students".into(),
            );
        }
        let type_text = cell(Column::PositionType);
        let position_type = self
            .types
            .iter()
            .find(|(_, t)| t.active && (t.code == type_text || t.name == type_text));
        if position_type.is_none() {
            fail(
                Column::PositionType,
                format!("“{type_text}” is not one of the school's position types"),
            );
        }
        let level_text = cell(Column::Level);
        let level = if level_text.is_empty() {
            org.map(|o| cadre::level_of(o.kind()))
        } else {
            let level = parse_level(level_text);
            if level.is_none() {
                fail(Column::Level, "校级, 院级, 社团 or 班级".into());
            }
            level
        };
        if let (Some(org), Some(level)) = (org, level)
            && level != cadre::level_of(org.kind())
            && !(level == CadreLevel::Class && org.kind() == OrgKind::College)
        {
            fail(
                Column::Level,
                "a position sits at its organisation's level, or a college registers its classes'"
                    .into(),
            );
        }
        let mut date = |column: Column| {
            let text = cell(column);
            let parsed = parse_date(text);
            if parsed.is_none() {
                fail(column, format!("“{text}” is not a date like 2026-09-01"));
            }
            parsed
        };
        let (starts_on, ends_on) = (date(Column::StartsOn), date(Column::EndsOn));
        let optional = |column| Some(cell(column).to_owned()).filter(|t| !t.is_empty());
        let mut position = None;
        if let (Some(student), Some(org), Some((type_id, t)), Some(level), Some(s), Some(e)) =
            (student, org, position_type, level, starts_on, ends_on)
        {
            let input = NewPosition {
                student_no: student.username.clone(),
                organization_id: org.id,
                title: cell(Column::Title).to_owned(),
                position_type: t.code.clone(),
                level: Some(level),
                class_name: optional(Column::ClassName),
                starts_on: s,
                ends_on: e,
                appointment_no: optional(Column::AppointmentNo),
            };
            match input.validate() {
                Err(error) => {
                    let column = COLUMNS
                        .iter()
                        .find(|(_, f, ..)| Some(*f) == error.field.as_deref())
                        .map_or(Column::Title, |(c, ..)| *c);
                    fail(column, error.message);
                }
                Ok(()) => {
                    let identity = (org.id, student.id, input.title.trim().to_owned(), s);
                    if !self.seen.insert(identity.clone()) {
                        fail(
                            Column::Title,
                            "the same position appears twice in the file".into(),
                        );
                    } else {
                        position = Some(Planned {
                            existing: self.registered.get(&identity).copied(),
                            student_id: student.id,
                            organization_id: org.id,
                            position_type_id: *type_id,
                            level,
                            input,
                        });
                    }
                }
            }
        }
        let action = match (&position, errors.is_empty()) {
            (_, false) | (None, _) => RowAction::Reject,
            (Some(p), true) if p.existing.is_some() => RowAction::Update,
            _ => RowAction::Create,
        };
        PlannedRow {
            row: ImportRow {
                line: row.line,
                key,
                name: student.map(|s| s.display_name.clone()).unwrap_or_default(),
                action,
                errors,
            },
            position: (action != RowAction::Reject).then_some(position).flatten(),
        }
    }
}

/// Marks updates that would change nothing as unchanged.
pub(super) async fn settle(
    conn: &mut AsyncPgConnection,
    rows: &mut [PlannedRow],
) -> Result<(), AppError> {
    for row in rows.iter_mut() {
        let Some(planned) = &row.position else {
            continue;
        };
        let Some(id) = planned.existing else {
            continue;
        };
        if let Some((current, _)) = db::cadres::get(conn, id).await? {
            let same = current.position_type == planned.input.position_type
                && current.level == planned.level
                && current.ends_on == planned.input.ends_on
                && current.class_name == planned.input.class_name
                && current.appointment_no == planned.input.appointment_no;
            if same {
                row.row.action = RowAction::Unchanged;
            }
        }
    }
    Ok(())
}

/// Writes the planned rows; refuses (409) when what the preview saw no longer holds.
pub(super) async fn apply(
    conn: &mut AsyncPgConnection,
    rows: &[PlannedRow],
    by: i64,
    within: i64,
) -> Result<(), AppError> {
    let types = db::cadres::position_types(conn).await?;
    for row in rows {
        let Some(planned) = &row.position else {
            continue;
        };
        let stale = || {
            super::conflict(format!(
                "line {}: the register or the school's settings changed since the preview: \
                 upload the file again",
                row.row.line
            ))
        };
        let org = db::organizations::get(conn, planned.organization_id).await?;
        if !org.is_some_and(|o| o.active && o.path.contains(&within)) {
            return Err(stale());
        }
        if !types
            .iter()
            .any(|(id, t)| *id == planned.position_type_id && t.active)
        {
            return Err(stale());
        }
        let values = db::cadres::PositionValues {
            organization_id: planned.organization_id,
            student_id: planned.student_id,
            position_type_id: planned.position_type_id,
            level: planned.level,
            input: &planned.input,
        };
        match (row.row.action, planned.existing) {
            (RowAction::Create, _) => {
                db::cadres::insert(conn, &values, by).await.map_err(|e| {
                    let error = AppError::from(e);
                    if error.body().code == shared::ErrorCode::Conflict {
                        stale()
                    } else {
                        error
                    }
                })?;
            }
            (RowAction::Update, Some(id)) => {
                if db::cadres::get(conn, id).await?.is_none() {
                    return Err(stale());
                }
                db::cadres::update(conn, id, &values, by).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_spreadsheets_hold_them() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 1);
        for text in [
            "2026-09-01",
            "2026/9/1",
            "2026.9.1",
            "2026年9月1日",
            "46266",
            "46266.0",
            "2026-09-01 00:00:00",
        ] {
            assert_eq!(parse_date(text), day, "{text}");
        }
        for text in ["", "9/1/2026", "2026-13-01", "tomorrow", "2026-09"] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn headers_in_either_language() {
        let header: Vec<String> = [
            "学号",
            "organization",
            "职务",
            "类型",
            "开始日期",
            "ends_on",
        ]
        .map(str::to_owned)
        .to_vec();
        assert!(Columns::locate(&header).is_ok());
        let missing = Columns::locate(&header[..3]).err().unwrap();
        assert!(missing.contains("职务类型 (position_type)"), "{missing}");
    }
}
