//! Practice teams and training records with their members, the report file each may carry
//! (kept in `stored_files`, read only through its record), and certification.

use super::{Result, prepared};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Bool, Bytea, Date, Double, Integer, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::practice::{
    FileInfo, MemberRole, MyPractice, NewPracticeRecord, PracticeKind, PracticeMember,
    PracticeSummary,
};

/// A record's row, before its members.
#[derive(QueryableByName, Debug, Clone)]
pub struct RecordRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub organization_id: i64,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub organization_path: Vec<i64>,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub topic: String,
    #[diesel(sql_type = Text)]
    pub place: String,
    #[diesel(sql_type = Text)]
    pub instructors: String,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
    #[diesel(sql_type = Nullable<Double>)]
    pub hours: Option<f64>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub certified_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub certified_by: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub report_file_id: Option<uuid::Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub report_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub report_type: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub report_size: Option<i32>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub report_at: Option<DateTime<Utc>>,
}

impl RecordRow {
    pub fn kind(&self) -> PracticeKind {
        PracticeKind::parse(&self.kind).unwrap_or(PracticeKind::Practice)
    }

    pub fn certified(&self) -> bool {
        self.status == "certified"
    }

    pub fn report(&self) -> Option<FileInfo> {
        Some(FileInfo {
            file_name: self.report_name.clone()?,
            content_type: self.report_type.clone()?,
            size_bytes: i64::from(self.report_size?),
            uploaded_at: self.report_at?,
        })
    }
}

const RECORD_SELECT: &str = "SELECT r.id, r.kind, r.organization_id, o.name AS organization,
        o.path AS organization_path, r.name, r.topic, r.place, r.instructors, r.starts_on,
        r.ends_on, r.hours::float8 AS hours, r.status, r.certified_at,
        c.display_name AS certified_by, r.report_file_id, f.file_name AS report_name,
        f.content_type AS report_type, f.size_bytes AS report_size, f.uploaded_at AS report_at
     FROM practice_records r
     JOIN organizations o ON o.id = r.organization_id
     LEFT JOIN accounts c ON c.id = r.certified_by
     LEFT JOIN stored_files f ON f.id = r.report_file_id";

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<RecordRow>> {
    Ok(prepared::sql(format!("{RECORD_SELECT} WHERE r.id = $1"))
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?
        .pop())
}

/// Locks the record for the rest of the transaction (edits and certification one at a time).
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<RecordRow>> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        id: i64,
    }
    let locked: Vec<Locked> =
        prepared::sql("SELECT id FROM practice_records WHERE id = $1 FOR UPDATE")
            .bind::<BigInt, _>(id)
            .load(conn)
            .await?;
    if locked.is_empty() {
        return Ok(None);
    }
    get(conn, id).await
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    student_no: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Double>)]
    hours: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    hours_reason: Option<String>,
}

/// The members, leader first, each with their hours (`default_hours` unless stated).
pub async fn members(
    conn: &mut AsyncPgConnection,
    record: i64,
    default_hours: f64,
) -> Result<Vec<PracticeMember>> {
    let rows: Vec<MemberRow> = prepared::sql(
        "SELECT m.student_id, a.username AS student_no, a.display_name AS name, m.role,
                m.hours::float8 AS hours, m.hours_reason
         FROM practice_members m JOIN accounts a ON a.id = m.student_id
         WHERE m.record_id = $1 ORDER BY m.role = 'leader' DESC, a.username",
    )
    .bind::<BigInt, _>(record)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PracticeMember {
            student_id: r.student_id,
            student_no: r.student_no,
            name: r.name,
            role: MemberRole::parse(&r.role),
            hours: r.hours.unwrap_or(default_hours),
            hours_reason: r.hours_reason,
        })
        .collect())
}

pub async fn student_ids(conn: &mut AsyncPgConnection, record: i64) -> Result<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Student {
        #[diesel(sql_type = BigInt)]
        student_id: i64,
    }
    let rows: Vec<Student> =
        prepared::sql("SELECT student_id FROM practice_members WHERE record_id = $1")
            .bind::<BigInt, _>(record)
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|r| r.student_id).collect())
}

/// Inserts a record (`id` none) or replaces one's fields and members; answers its id.
pub async fn save(
    conn: &mut AsyncPgConnection,
    id: Option<i64>,
    input: &NewPracticeRecord,
    members: &[(i64, MemberRole, Option<f64>, Option<String>)],
    by: i64,
) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let hours = input.hours;
    let id = match id {
        None => {
            prepared::sql(
                "INSERT INTO practice_records (kind, organization_id, name, topic, place,
                    instructors, starts_on, ends_on, hours, created_by, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10, $10) RETURNING id",
            )
            .bind::<Text, _>(input.kind.as_str())
            .bind::<BigInt, _>(input.organization_id)
            .bind::<Text, _>(input.name.trim())
            .bind::<Text, _>(input.topic.trim())
            .bind::<Text, _>(input.place.trim())
            .bind::<Text, _>(input.instructors.trim())
            .bind::<Date, _>(input.starts_on)
            .bind::<Date, _>(input.ends_on)
            .bind::<Nullable<Double>, _>(hours)
            .bind::<BigInt, _>(by)
            .get_result::<Id>(conn)
            .await?
            .id
        }
        Some(id) => {
            prepared::sql(
                "UPDATE practice_records SET kind = $2, organization_id = $3, name = $4,
                    topic = $5, place = $6, instructors = $7, starts_on = $8, ends_on = $9,
                    hours = $10::numeric, updated_at = now(), updated_by = $11
                 WHERE id = $1",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(input.kind.as_str())
            .bind::<BigInt, _>(input.organization_id)
            .bind::<Text, _>(input.name.trim())
            .bind::<Text, _>(input.topic.trim())
            .bind::<Text, _>(input.place.trim())
            .bind::<Text, _>(input.instructors.trim())
            .bind::<Date, _>(input.starts_on)
            .bind::<Date, _>(input.ends_on)
            .bind::<Nullable<Double>, _>(hours)
            .bind::<BigInt, _>(by)
            .execute(conn)
            .await?;
            prepared::sql("DELETE FROM practice_members WHERE record_id = $1")
                .bind::<BigInt, _>(id)
                .execute(conn)
                .await?;
            id
        }
    };
    for (student, role, hours, reason) in members {
        prepared::sql(
            "INSERT INTO practice_members (record_id, student_id, role, hours, hours_reason)
             VALUES ($1, $2, $3, $4::numeric, $5)",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(*student)
        .bind::<Text, _>(role.as_str())
        .bind::<Nullable<Double>, _>(*hours)
        .bind::<Nullable<Text>, _>(reason.as_deref().map(str::trim))
        .execute(conn)
        .await?;
    }
    Ok(id)
}

pub async fn certify(conn: &mut AsyncPgConnection, id: i64, by: i64) -> Result<()> {
    prepared::sql(
        "UPDATE practice_records SET status = 'certified', certified_at = now(),
            certified_by = $2 WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AsyncPgConnection, id: i64) -> Result<()> {
    prepared::sql("DELETE FROM practice_records WHERE id = $1")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a file and makes it the record's report (replacing, and deleting, any before).
pub async fn set_report(
    conn: &mut AsyncPgConnection,
    record: i64,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
    by: i64,
) -> Result<()> {
    use sha2::Digest;
    let id = uuid::Uuid::new_v4();
    let hash = sha2::Sha256::digest(bytes).to_vec();
    prepared::sql(
        "INSERT INTO stored_files (id, file_name, content_type, size_bytes, sha256, content,
            uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Text, _>(file_name)
    .bind::<Text, _>(content_type)
    .bind::<Integer, _>(i32::try_from(bytes.len()).unwrap_or(i32::MAX))
    .bind::<Bytea, _>(hash)
    .bind::<Bytea, _>(bytes)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    #[derive(QueryableByName)]
    struct Old {
        #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
        old: Option<uuid::Uuid>,
    }
    let old: Old = prepared::sql(
        "WITH prior AS (SELECT report_file_id FROM practice_records WHERE id = $1)
         UPDATE practice_records SET report_file_id = $2, updated_at = now(), updated_by = $3
         WHERE id = $1 RETURNING (SELECT report_file_id FROM prior) AS old",
    )
    .bind::<BigInt, _>(record)
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<BigInt, _>(by)
    .get_result(conn)
    .await?;
    if let Some(old) = old.old {
        prepared::sql("DELETE FROM stored_files WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(old)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A stored file's name, type and bytes.
pub async fn file(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> Result<Option<(String, String, Vec<u8>)>> {
    #[derive(QueryableByName)]
    struct File {
        #[diesel(sql_type = Text)]
        file_name: String,
        #[diesel(sql_type = Text)]
        content_type: String,
        #[diesel(sql_type = Bytea)]
        content: Vec<u8>,
    }
    let found: Vec<File> =
        prepared::sql("SELECT file_name, content_type, content FROM stored_files WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(id)
            .load(conn)
            .await?;
    Ok(found
        .into_iter()
        .next()
        .map(|f| (f.file_name, f.content_type, f.content)))
}

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Date)]
    starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    ends_on: NaiveDate,
    #[diesel(sql_type = BigInt)]
    members: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    has_report: bool,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// Records of organisations in `within`'s subtree, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    within: i64,
    kind: Option<PracticeKind>,
    certified: Option<bool>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PracticeSummary>, i64)> {
    let rows: Vec<SummaryRow> = prepared::sql(
        "SELECT r.id, r.kind, o.name AS organization, r.name, r.starts_on, r.ends_on,
                (SELECT count(*) FROM practice_members m WHERE m.record_id = r.id)::bigint AS members,
                r.status, r.report_file_id IS NOT NULL AS has_report,
                count(*) OVER ()::bigint AS total
         FROM practice_records r JOIN organizations o ON o.id = r.organization_id
         WHERE o.path @> ARRAY[$1::bigint] AND ($2::text IS NULL OR r.kind = $2)
           AND ($3::bool IS NULL OR (r.status = 'certified') = $3)
         ORDER BY r.ends_on DESC, r.id DESC LIMIT $4 OFFSET $5",
    )
    .bind::<BigInt, _>(within)
    .bind::<Nullable<Text>, _>(kind.map(PracticeKind::as_str))
    .bind::<Nullable<Bool>, _>(certified)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)
    .await?;
    let total = <[_]>::first(&rows).map_or(0, |r| r.total);
    Ok((
        rows.into_iter()
            .map(|r| PracticeSummary {
                id: r.id,
                kind: PracticeKind::parse(&r.kind).unwrap_or(PracticeKind::Practice),
                organization: r.organization,
                name: r.name,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                members: r.members,
                certified: r.status == "certified",
                has_report: r.has_report,
            })
            .collect(),
        total,
    ))
}

/// A student's records with their own role and hours (`hours_per_day` for practice days).
pub async fn of_student(
    conn: &mut AsyncPgConnection,
    student: i64,
    hours_per_day: f64,
) -> Result<Vec<MyPractice>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Text)]
        organization: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Date)]
        starts_on: NaiveDate,
        #[diesel(sql_type = Date)]
        ends_on: NaiveDate,
        #[diesel(sql_type = Text)]
        role: String,
        #[diesel(sql_type = Nullable<Double>)]
        member_hours: Option<f64>,
        #[diesel(sql_type = Nullable<Double>)]
        record_hours: Option<f64>,
        #[diesel(sql_type = Text)]
        status: String,
    }
    let rows: Vec<Row> = prepared::sql(
        "SELECT r.id, r.kind, o.name AS organization, r.name, r.starts_on, r.ends_on, m.role,
                m.hours::float8 AS member_hours, r.hours::float8 AS record_hours, r.status
         FROM practice_members m
         JOIN practice_records r ON r.id = m.record_id
         JOIN organizations o ON o.id = r.organization_id
         WHERE m.student_id = $1 ORDER BY r.ends_on DESC, r.id DESC",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = PracticeKind::parse(&r.kind).unwrap_or(PracticeKind::Practice);
            MyPractice {
                id: r.id,
                kind,
                organization: r.organization,
                name: r.name,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                role: MemberRole::parse(&r.role),
                hours: r.member_hours.unwrap_or_else(|| {
                    shared::practice::default_hours(
                        kind,
                        r.starts_on,
                        r.ends_on,
                        r.record_hours,
                        hours_per_day,
                    )
                }),
                certified: r.status == "certified",
            }
        })
        .collect())
}
