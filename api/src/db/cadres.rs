//! Student cadres: the school's position types and ratio standard, the position register and
//! assessment rounds. A round's grades are written with the round's row locked, so two
//! concurrent submissions cannot together exceed the standard.

use super::{Error, Result, prepared};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    ErrorCode,
    cadre::{
        AssessmentStandard, GradeLimit, NewPosition, Position, PositionAssessment, PositionType,
        PositionTypes, RoundItem, RoundStatus, RoundSummary,
    },
    rules::{CadreLevel, Grade},
    transcript::CadreLine,
};
use std::collections::HashMap;

/// The school all of this hangs off (one today; the tables take a school id).
const SCHOOL: i16 = 1;

#[derive(QueryableByName)]
struct TypeRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    active: bool,
}

/// The school's position types in their order, with their ids.
pub async fn position_types(conn: &mut AsyncPgConnection) -> Result<Vec<(i64, PositionType)>> {
    let rows: Vec<TypeRow> = prepared::sql(
        "SELECT id, code, name, active FROM position_types WHERE school_id = $1
         ORDER BY sort_order, id",
    )
    .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                PositionType {
                    code: r.code,
                    name: r.name,
                    active: r.active,
                },
            )
        })
        .collect())
}

/// Replaces the list: types named keep their id (positions keep pointing at them), types left
/// out are retired, not deleted.
pub async fn put_position_types(
    conn: &mut AsyncPgConnection,
    types: &PositionTypes,
    by: i64,
) -> Result<()> {
    let codes: Vec<String> = types.types.iter().map(|t| t.code.clone()).collect();
    // Names are unique: park the ones being renamed so a swap does not collide.
    prepared::sql(
        "UPDATE position_types SET name = '~' || id FROM unnest($2::text[]) AS c (code)
         WHERE school_id = $1 AND position_types.code = c.code",
    )
    .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
    .bind::<Array<Text>, _>(&codes)
    .execute(conn)
    .await?;
    prepared::sql(
        "UPDATE position_types SET active = false, updated_at = now(), updated_by = $3
         WHERE school_id = $1 AND NOT (code = ANY($2)) AND active",
    )
    .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
    .bind::<Array<Text>, _>(&codes)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    for (i, t) in types.types.iter().enumerate() {
        prepared::sql(
            "INSERT INTO position_types (school_id, code, name, sort_order, active, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (school_id, code) DO UPDATE
             SET name = excluded.name, sort_order = excluded.sort_order,
                 active = excluded.active, updated_at = now(), updated_by = excluded.updated_by",
        )
        .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
        .bind::<Text, _>(&t.code)
        .bind::<Text, _>(t.name.trim())
        .bind::<Integer, _>(i as i32)
        .bind::<diesel::sql_types::Bool, _>(t.active)
        .bind::<BigInt, _>(by)
        .execute(conn)
        .await?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct LimitRow {
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Text)]
    grade: String,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    max_percent: i16,
}

/// The school's ratio standard.
pub async fn standard(conn: &mut AsyncPgConnection) -> Result<AssessmentStandard> {
    let rows: Vec<LimitRow> = prepared::sql(
        "SELECT level, grade, max_percent FROM assessment_standards WHERE school_id = $1
         ORDER BY level, grade",
    )
    .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
    .load(conn)
    .await?;
    Ok(AssessmentStandard {
        limits: rows
            .into_iter()
            .filter_map(|r| {
                Some(GradeLimit {
                    level: CadreLevel::parse(&r.level)?,
                    grade: Grade::parse(&r.grade)?,
                    max_percent: u8::try_from(r.max_percent).ok()?,
                })
            })
            .collect(),
    })
}

pub async fn put_standard(
    conn: &mut AsyncPgConnection,
    standard: &AssessmentStandard,
    by: i64,
) -> Result<()> {
    prepared::sql("DELETE FROM assessment_standards WHERE school_id = $1")
        .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
        .execute(conn)
        .await?;
    for limit in &standard.limits {
        prepared::sql(
            "INSERT INTO assessment_standards (school_id, level, grade, max_percent, updated_by)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind::<diesel::sql_types::SmallInt, _>(SCHOOL)
        .bind::<Text, _>(limit.level.as_str())
        .bind::<Text, _>(limit.grade.as_str())
        .bind::<diesel::sql_types::SmallInt, _>(i16::from(limit.max_percent))
        .bind::<BigInt, _>(by)
        .execute(conn)
        .await?;
    }
    Ok(())
}

// --- the register ---------------------------------------------------------------------------

#[derive(QueryableByName)]
struct PositionRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    organization_path: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    student_no: String,
    #[diesel(sql_type = Text)]
    student_name: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    position_type: String,
    #[diesel(sql_type = Text)]
    position_type_name: String,
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Nullable<Text>)]
    class_name: Option<String>,
    #[diesel(sql_type = Date)]
    starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    ends_on: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    appointment_no: Option<String>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

const POSITION_SELECT: &str = "SELECT p.id, p.organization_id, o.name AS organization,
        o.path AS organization_path, p.student_id, a.username AS student_no,
        a.display_name AS student_name, p.title, pt.code AS position_type,
        pt.name AS position_type_name, p.level, p.class_name, p.starts_on, p.ends_on,
        p.appointment_no, count(*) OVER ()::bigint AS total
     FROM cadre_positions p
     JOIN organizations o ON o.id = p.organization_id
     JOIN accounts a ON a.id = p.student_id
     JOIN position_types pt ON pt.id = p.position_type_id";

fn position(row: PositionRow, assessments: Vec<PositionAssessment>) -> Position {
    Position {
        id: row.id,
        organization_id: row.organization_id,
        organization: row.organization,
        student_id: row.student_id,
        student_no: row.student_no,
        student_name: row.student_name,
        title: row.title,
        position_type: row.position_type,
        position_type_name: row.position_type_name,
        level: CadreLevel::parse(&row.level).unwrap_or(CadreLevel::Club),
        class_name: row.class_name,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        appointment_no: row.appointment_no,
        assessments,
    }
}

#[derive(QueryableByName)]
struct AssessmentRow {
    #[diesel(sql_type = BigInt)]
    position_id: i64,
    #[diesel(sql_type = BigInt)]
    round_id: i64,
    #[diesel(sql_type = Text)]
    term_code: String,
    #[diesel(sql_type = Text)]
    term_name: String,
    #[diesel(sql_type = Text)]
    grade: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
}

/// The assessments of these positions, by position, oldest term first. `approved_only`: only
/// those of approved rounds (what students and transcripts see).
async fn assessments(
    conn: &mut AsyncPgConnection,
    positions: &[i64],
    approved_only: bool,
) -> Result<HashMap<i64, Vec<PositionAssessment>>> {
    let rows: Vec<AssessmentRow> = prepared::sql(
        "SELECT ca.position_id, r.id AS round_id, t.code AS term_code, t.name AS term_name,
                ca.grade, ca.comment, r.status
         FROM cadre_assessments ca
         JOIN assessment_rounds r ON r.id = ca.round_id
         JOIN terms t ON t.id = r.term_id
         WHERE ca.position_id = ANY($1) AND (NOT $2 OR r.status = 'approved')
         ORDER BY t.starts_on",
    )
    .bind::<Array<BigInt>, _>(positions)
    .bind::<diesel::sql_types::Bool, _>(approved_only)
    .load(conn)
    .await?;
    let mut out: HashMap<i64, Vec<PositionAssessment>> = HashMap::new();
    for r in rows {
        let (Some(grade), Some(status)) = (Grade::parse(&r.grade), RoundStatus::parse(&r.status))
        else {
            continue;
        };
        out.entry(r.position_id)
            .or_default()
            .push(PositionAssessment {
                round_id: r.round_id,
                term_code: r.term_code,
                term_name: r.term_name,
                grade,
                comment: r.comment,
                status,
            });
    }
    Ok(out)
}

/// Which positions a list shows.
#[derive(Debug, Default)]
pub struct Filter {
    /// Organisations inside this one's subtree.
    pub within: Option<i64>,
    pub organization_id: Option<i64>,
    pub student_id: Option<i64>,
    /// Held on this day.
    pub on: Option<NaiveDate>,
    /// Student number or name contains.
    pub q: Option<String>,
}

/// A page of positions, newest tenure first, with their assessments; and how many match.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    limit: i64,
    offset: i64,
    approved_only: bool,
) -> Result<(Vec<(Position, Vec<i64>)>, i64)> {
    let sql = format!(
        "{POSITION_SELECT}
         WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint])
           AND ($2::bigint IS NULL OR p.organization_id = $2)
           AND ($3::bigint IS NULL OR p.student_id = $3)
           AND ($4::date IS NULL OR $4 BETWEEN p.starts_on AND p.ends_on)
           AND ($5::text IS NULL OR a.username ILIKE $5 OR a.display_name ILIKE $5)
         ORDER BY p.starts_on DESC, p.id DESC
         LIMIT $6 OFFSET $7"
    );
    let rows: Vec<PositionRow> = prepared::sql(sql)
        .bind::<Nullable<BigInt>, _>(filter.within)
        .bind::<Nullable<BigInt>, _>(filter.organization_id)
        .bind::<Nullable<BigInt>, _>(filter.student_id)
        .bind::<Nullable<Date>, _>(filter.on)
        .bind::<Nullable<Text>, _>(filter.q.as_deref().map(super::pattern::containing))
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load(conn)
        .await?;
    let total = <[_]>::first(&rows).map_or(0, |r| r.total);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut grades = assessments(conn, &ids, approved_only).await?;
    Ok((
        rows.into_iter()
            .map(|r| {
                let path = r.organization_path.clone();
                let given = grades.remove(&r.id).unwrap_or_default();
                (position(r, given), path)
            })
            .collect(),
        total,
    ))
}

/// One position and its organisation's path.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<(Position, Vec<i64>)>> {
    let sql = format!("{POSITION_SELECT} WHERE p.id = $1");
    let row: Option<PositionRow> = prepared::sql(sql)
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?
        .pop();
    let Some(row) = row else {
        return Ok(None);
    };
    let mut grades = assessments(conn, &[id], false).await?;
    let path = row.organization_path.clone();
    Ok(Some((
        position(row, grades.remove(&id).unwrap_or_default()),
        path,
    )))
}

/// A position as written: the ids the handler resolved.
pub struct PositionValues<'a> {
    pub organization_id: i64,
    pub student_id: i64,
    pub position_type_id: i64,
    pub level: CadreLevel,
    pub input: &'a NewPosition,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

pub async fn insert(conn: &mut AsyncPgConnection, v: &PositionValues<'_>, by: i64) -> Result<i64> {
    let id: Id = prepared::sql(
        "INSERT INTO cadre_positions (organization_id, student_id, title, position_type_id,
            level, class_name, starts_on, ends_on, appointment_no, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind::<BigInt, _>(v.organization_id)
    .bind::<BigInt, _>(v.student_id)
    .bind::<Text, _>(v.input.title.trim())
    .bind::<BigInt, _>(v.position_type_id)
    .bind::<Text, _>(v.level.as_str())
    .bind::<Nullable<Text>, _>(class_name(v))
    .bind::<Date, _>(v.input.starts_on)
    .bind::<Date, _>(v.input.ends_on)
    .bind::<Nullable<Text>, _>(appointment_no(v))
    .bind::<BigInt, _>(by)
    .get_result(conn)
    .await?;
    Ok(id.id)
}

fn class_name<'a>(v: &'a PositionValues<'_>) -> Option<&'a str> {
    (v.level == CadreLevel::Class)
        .then(|| v.input.class_name.as_deref().map(str::trim))
        .flatten()
        .filter(|c| !c.is_empty())
}

fn appointment_no<'a>(v: &'a PositionValues<'_>) -> Option<&'a str> {
    v.input
        .appointment_no
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    v: &PositionValues<'_>,
    by: i64,
) -> Result<()> {
    prepared::sql(
        "UPDATE cadre_positions SET organization_id = $2, student_id = $3, title = $4,
            position_type_id = $5, level = $6, class_name = $7, starts_on = $8, ends_on = $9,
            appointment_no = $10, updated_at = now(), updated_by = $11
         WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(v.organization_id)
    .bind::<BigInt, _>(v.student_id)
    .bind::<Text, _>(v.input.title.trim())
    .bind::<BigInt, _>(v.position_type_id)
    .bind::<Text, _>(v.level.as_str())
    .bind::<Nullable<Text>, _>(class_name(v))
    .bind::<Date, _>(v.input.starts_on)
    .bind::<Date, _>(v.input.ends_on)
    .bind::<Nullable<Text>, _>(appointment_no(v))
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many assessments a position has (a graded position is not deleted or moved).
pub async fn graded(conn: &mut AsyncPgConnection, id: i64) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let c: Count =
        prepared::sql("SELECT count(*)::bigint AS n FROM cadre_assessments WHERE position_id = $1")
            .bind::<BigInt, _>(id)
            .get_result(conn)
            .await?;
    Ok(c.n)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: i64) -> Result<()> {
    prepared::sql("DELETE FROM cadre_positions WHERE id = $1")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Existing positions, as an import compares them: (organisation, student, title, start).
pub async fn existing_keys(
    conn: &mut AsyncPgConnection,
    students: &[i64],
) -> Result<HashMap<(i64, i64, String, NaiveDate), i64>> {
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = BigInt)]
        organization_id: i64,
        #[diesel(sql_type = BigInt)]
        student_id: i64,
        #[diesel(sql_type = Text)]
        title: String,
        #[diesel(sql_type = Date)]
        starts_on: NaiveDate,
    }
    let rows: Vec<Key> = prepared::sql(
        "SELECT id, organization_id, student_id, title, starts_on FROM cadre_positions
         WHERE student_id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(students)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|k| {
            (
                (k.organization_id, k.student_id, k.title, k.starts_on),
                k.id,
            )
        })
        .collect())
}

/// A position's line on a transcript, per student: approved assessments only.
pub async fn transcript_lines(
    conn: &mut AsyncPgConnection,
    students: &[i64],
) -> Result<HashMap<i64, Vec<CadreLine>>> {
    let sql = format!(
        "{POSITION_SELECT} WHERE p.student_id = ANY($1) ORDER BY p.student_id, p.starts_on, p.id"
    );
    let rows: Vec<PositionRow> = prepared::sql(sql)
        .bind::<Array<BigInt>, _>(students)
        .load(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut grades = assessments(conn, &ids, true).await?;
    let mut out: HashMap<i64, Vec<CadreLine>> = HashMap::new();
    for r in rows {
        let given = grades.remove(&r.id).unwrap_or_default();
        let grades = given
            .iter()
            .map(|a| format!("{} {}", a.term_code, a.grade.label_zh()))
            .collect::<Vec<_>>()
            .join("；");
        let organization = match &r.class_name {
            Some(class) => format!("{} {class}", r.organization),
            None => r.organization.clone(),
        };
        out.entry(r.student_id).or_default().push(CadreLine {
            title: r.title,
            organization,
            tenure: format!("{} 至 {}", r.starts_on, r.ends_on),
            grades,
        });
    }
    Ok(out)
}

// --- assessment rounds ----------------------------------------------------------------------

/// A round's row.
#[derive(QueryableByName, Debug, Clone)]
pub struct RoundRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub organization_id: i64,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub organization_path: Vec<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub parent_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub term_id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub submitted_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub reviewed_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub reviewed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub return_reason: Option<String>,
}

impl RoundRow {
    pub fn status(&self) -> RoundStatus {
        RoundStatus::parse(&self.status).unwrap_or(RoundStatus::Draft)
    }

    /// The organisation that reviews it: the one above (the committee reviews its own).
    pub fn reviewer(&self) -> i64 {
        self.parent_id.unwrap_or(self.organization_id)
    }
}

const ROUND_SELECT: &str = "SELECT r.id, r.organization_id, o.name AS organization,
        o.path AS organization_path, o.parent_id, r.term_id, r.status,
        s.display_name AS submitted_by, r.submitted_at, v.display_name AS reviewed_by,
        r.reviewed_at, r.return_reason
     FROM assessment_rounds r
     JOIN organizations o ON o.id = r.organization_id
     LEFT JOIN accounts s ON s.id = r.submitted_by
     LEFT JOIN accounts v ON v.id = r.reviewed_by";

pub async fn round(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<RoundRow>> {
    Ok(prepared::sql(format!("{ROUND_SELECT} WHERE r.id = $1"))
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?
        .pop())
}

/// Locks the round for the rest of the transaction: grades, submission and review of one
/// round happen one at a time.
pub async fn lock_round(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<RoundRow>> {
    let locked: Vec<Id> =
        prepared::sql("SELECT id FROM assessment_rounds WHERE id = $1 FOR UPDATE")
            .bind::<BigInt, _>(id)
            .load(conn)
            .await?;
    if locked.is_empty() {
        return Ok(None);
    }
    round(conn, id).await
}

pub async fn insert_round(
    conn: &mut AsyncPgConnection,
    organization: i64,
    term: i64,
    by: i64,
) -> Result<i64> {
    let id: Id = prepared::sql(
        "INSERT INTO assessment_rounds (organization_id, term_id, created_by)
         VALUES ($1, $2, $3) RETURNING id",
    )
    .bind::<BigInt, _>(organization)
    .bind::<BigInt, _>(term)
    .bind::<BigInt, _>(by)
    .get_result(conn)
    .await?;
    Ok(id.id)
}

#[derive(QueryableByName)]
struct ItemRow {
    #[diesel(sql_type = BigInt)]
    position_id: i64,
    #[diesel(sql_type = Text)]
    student_no: String,
    #[diesel(sql_type = Text)]
    student_name: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    position_type_name: String,
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Date)]
    starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    ends_on: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    grade: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

/// A round's positions: those of its organisation held during its term (while it may still
/// change), or those it graded (once submitted).
pub async fn items(conn: &mut AsyncPgConnection, round: &RoundRow) -> Result<Vec<RoundItem>> {
    let rows: Vec<ItemRow> = prepared::sql(
        "SELECT p.id AS position_id, a.username AS student_no, a.display_name AS student_name,
                p.title, pt.name AS position_type_name, p.level, p.starts_on, p.ends_on,
                ca.grade, ca.comment
         FROM cadre_positions p
         JOIN accounts a ON a.id = p.student_id
         JOIN position_types pt ON pt.id = p.position_type_id
         JOIN terms t ON t.id = $2
         LEFT JOIN cadre_assessments ca ON ca.round_id = $1 AND ca.position_id = p.id
         WHERE p.organization_id = $3
           AND (ca.position_id IS NOT NULL
                OR ($4 AND p.starts_on <= t.ends_on AND p.ends_on >= t.starts_on))
         ORDER BY p.level, pt.sort_order, p.title, a.username",
    )
    .bind::<BigInt, _>(round.id)
    .bind::<BigInt, _>(round.term_id)
    .bind::<BigInt, _>(round.organization_id)
    .bind::<diesel::sql_types::Bool, _>(round.status().editable())
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RoundItem {
            position_id: r.position_id,
            student_no: r.student_no,
            student_name: r.student_name,
            title: r.title,
            position_type_name: r.position_type_name,
            level: CadreLevel::parse(&r.level).unwrap_or(CadreLevel::Club),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            grade: r.grade.as_deref().and_then(Grade::parse),
            comment: r.comment,
        })
        .collect())
}

/// Sets (or with `None` clears) a position's grade in the round.
pub async fn set_grade(
    conn: &mut AsyncPgConnection,
    round: i64,
    position: i64,
    grade: Option<Grade>,
    comment: Option<&str>,
    by: i64,
) -> Result<()> {
    match grade {
        Some(grade) => {
            prepared::sql(
                "INSERT INTO cadre_assessments (round_id, position_id, grade, comment, graded_by)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (round_id, position_id) DO UPDATE
                 SET grade = excluded.grade, comment = excluded.comment,
                     graded_at = now(), graded_by = excluded.graded_by",
            )
            .bind::<BigInt, _>(round)
            .bind::<BigInt, _>(position)
            .bind::<Text, _>(grade.as_str())
            .bind::<Nullable<Text>, _>(comment)
            .bind::<BigInt, _>(by)
            .execute(conn)
            .await?;
        }
        None => {
            prepared::sql("DELETE FROM cadre_assessments WHERE round_id = $1 AND position_id = $2")
                .bind::<BigInt, _>(round)
                .bind::<BigInt, _>(position)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Moves a round to `status`, recording who did it (submission or review).
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: RoundStatus,
    by: i64,
    reason: Option<&str>,
) -> Result<()> {
    let sql = match status {
        RoundStatus::Submitted => {
            "UPDATE assessment_rounds SET status = 'submitted', submitted_at = now(),
                submitted_by = $2, return_reason = NULL, reviewed_at = NULL,
                reviewed_by = NULL WHERE id = $1 AND $3::text IS NULL"
        }
        RoundStatus::Approved => {
            "UPDATE assessment_rounds SET status = 'approved', reviewed_at = now(),
                reviewed_by = $2 WHERE id = $1 AND $3::text IS NULL"
        }
        RoundStatus::Returned => {
            "UPDATE assessment_rounds SET status = 'returned', reviewed_at = now(),
                reviewed_by = $2, return_reason = $3 WHERE id = $1"
        }
        RoundStatus::Draft => {
            return Err(Error::refused(
                ErrorCode::Conflict,
                "a round never returns to draft",
            ));
        }
    };
    prepared::sql(sql)
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(by)
        .bind::<Nullable<Text>, _>(reason)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who submitted a round last.
pub async fn submitter(conn: &mut AsyncPgConnection, round: i64) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct Submitter {
        #[diesel(sql_type = Nullable<BigInt>)]
        submitted_by: Option<i64>,
    }
    let rows: Vec<Submitter> =
        prepared::sql("SELECT submitted_by FROM assessment_rounds WHERE id = $1")
            .bind::<BigInt, _>(round)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().and_then(|r| r.submitted_by))
}

/// The students a round's grades concern.
pub async fn round_students(conn: &mut AsyncPgConnection, round: i64) -> Result<Vec<i64>> {
    let rows: Vec<Id> = prepared::sql(
        "SELECT DISTINCT p.student_id AS id FROM cadre_assessments ca
         JOIN cadre_positions p ON p.id = ca.position_id WHERE ca.round_id = $1",
    )
    .bind::<BigInt, _>(round)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Text)]
    term_code: String,
    #[diesel(sql_type = Text)]
    term_name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    positions: i64,
    #[diesel(sql_type = BigInt)]
    graded: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// Rounds of organisations in `within`'s subtree, or (with `reviewer`) those waiting for that
/// organisation's review; newest term first.
pub async fn rounds(
    conn: &mut AsyncPgConnection,
    within: i64,
    reviewer: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<RoundSummary>, i64)> {
    let rows: Vec<SummaryRow> = prepared::sql(
        "SELECT r.id, r.organization_id, o.name AS organization, t.code AS term_code,
                t.name AS term_name, r.status,
                (SELECT count(*) FROM cadre_positions p
                  WHERE p.organization_id = r.organization_id
                    AND p.starts_on <= t.ends_on AND p.ends_on >= t.starts_on)::bigint AS positions,
                (SELECT count(*) FROM cadre_assessments ca WHERE ca.round_id = r.id)::bigint AS graded,
                r.submitted_at, count(*) OVER ()::bigint AS total
         FROM assessment_rounds r
         JOIN organizations o ON o.id = r.organization_id
         JOIN terms t ON t.id = r.term_id
         WHERE CASE WHEN $2::bigint IS NULL THEN o.path @> ARRAY[$1::bigint]
                    ELSE r.status = 'submitted' AND coalesce(o.parent_id, o.id) = $2 END
         ORDER BY t.starts_on DESC, o.path, r.id
         LIMIT $3 OFFSET $4",
    )
    .bind::<BigInt, _>(within)
    .bind::<Nullable<BigInt>, _>(reviewer)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)
    .await?;
    let total = <[_]>::first(&rows).map_or(0, |r| r.total);
    Ok((
        rows.into_iter()
            .map(|r| RoundSummary {
                id: r.id,
                organization_id: r.organization_id,
                organization: r.organization,
                term_code: r.term_code,
                term_name: r.term_name,
                status: RoundStatus::parse(&r.status).unwrap_or(RoundStatus::Draft),
                positions: u32::try_from(r.positions).unwrap_or(u32::MAX),
                graded: u32::try_from(r.graded).unwrap_or(u32::MAX),
                submitted_at: r.submitted_at,
            })
            .collect(),
        total,
    ))
}
