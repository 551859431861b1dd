//! Transcripts: the ledger lines they print, the snapshots issued under their serials, revoking
//! them, and the students a batch prints. What a transcript says and how its serial is drawn is
//! `crate::transcripts`'; this module stores and reads it.

use super::Result;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    OptionalExtension,
    prelude::*,
    sql_types::{Array, BigInt, Date, Double, Integer, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    page::PageRequest,
    rules::Points,
    transcript::{NewPrintJob, TranscriptEntry, TranscriptStyle},
};
use std::collections::HashMap;
use uuid::Uuid;

use super::{
    points::{STUDENT_SQL, StudentInfo, parse_method},
    prepared,
    schema::transcripts,
};

#[derive(QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
    #[diesel(sql_type = Text)]
    term_code: String,
    #[diesel(sql_type = Text)]
    term_name: String,
    #[diesel(sql_type = Text)]
    academic_year: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    detail: String,
    #[diesel(sql_type = Double)]
    hours: f64,
    #[diesel(sql_type = BigInt)]
    points: i64,
}

/// The current (neither reversing nor reversed) entries of the students, as printed lines;
/// `names` gives the categories' printed names (category code → name).
pub async fn entries(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    names: &HashMap<String, String>,
) -> Result<HashMap<i64, Vec<TranscriptEntry>>> {
    let rows: Vec<EntryRow> = prepared::sql(
        "SELECT e.student_id, e.occurred_on, t.code AS term_code, t.name AS term_name,
                t.academic_year, e.category, e.method, e.title, e.detail,
                e.hours::float8 AS hours, e.points
         FROM ledger_entries e JOIN terms t ON t.id = e.term_id
         WHERE e.student_id = ANY($1) AND e.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses = e.id)
         ORDER BY e.student_id, e.occurred_on, e.id",
    )
    .bind::<Array<BigInt>, _>(students)
    .load(conn)
    .await?;
    let mut out: HashMap<i64, Vec<TranscriptEntry>> = HashMap::new();
    for row in rows {
        out.entry(row.student_id)
            .or_default()
            .push(TranscriptEntry {
                date: row.occurred_on.to_string(),
                term_code: row.term_code,
                term_name: row.term_name,
                academic_year: row.academic_year,
                category_name: names
                    .get(&row.category)
                    .cloned()
                    .unwrap_or_else(|| row.category.clone()),
                category: row.category,
                method: parse_method(&row.method),
                title: row.title,
                detail: row.detail,
                hours: row.hours,
                points: Points(row.points),
            });
    }
    Ok(out)
}

/// A student's latest transcript of a style that is not revoked.
#[derive(QueryableByName)]
pub struct Latest {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub serial: String,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    pub content_hash: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub issued_at: DateTime<Utc>,
}

/// The students' latest unrevoked transcripts of the style, by student (none for a student
/// who has none).
pub async fn latest(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    style: TranscriptStyle,
) -> Result<HashMap<i64, Latest>> {
    let latest: Vec<Latest> = prepared::sql(
        "SELECT DISTINCT ON (student_id) student_id, serial, content_hash, issued_at
         FROM transcripts
         WHERE student_id = ANY($1) AND style = $2 AND revoked_at IS NULL
         ORDER BY student_id, id DESC",
    )
    .bind::<Array<BigInt>, _>(students)
    .bind::<Text, _>(style.as_str())
    .load(conn)
    .await?;
    Ok(latest.into_iter().map(|l| (l.student_id, l)).collect())
}

/// A transcript to store under its new serial: what it says (`snapshot`) and the hash of that.
pub struct NewTranscript {
    pub serial: String,
    pub student_id: i64,
    pub style: TranscriptStyle,
    pub snapshot: serde_json::Value,
    pub content_hash: Vec<u8>,
    pub issued_at: DateTime<Utc>,
    pub issued_by: i64,
    /// The batch print that issued it.
    pub batch_id: Option<Uuid>,
}

/// Stores the transcripts, a thousand to a statement (PostgreSQL takes at most 65535 binds).
pub async fn insert(conn: &mut AsyncPgConnection, issued: &[NewTranscript]) -> Result<()> {
    for chunk in issued.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|t| {
                (
                    transcripts::serial.eq(&t.serial),
                    transcripts::student_id.eq(t.student_id),
                    transcripts::style.eq(t.style.as_str()),
                    transcripts::snapshot.eq(&t.snapshot),
                    transcripts::content_hash.eq(&t.content_hash),
                    transcripts::issued_at.eq(t.issued_at),
                    transcripts::issued_by.eq(t.issued_by),
                    transcripts::batch_id.eq(t.batch_id),
                )
            })
            .collect();
        diesel::insert_into(transcripts::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// When a transcript `t` was superseded: the first later one of the same student and style
/// that says something else.
const SUPERSEDED_AT: &str = "(SELECT min(n.issued_at) FROM transcripts n
         WHERE n.student_id = t.student_id AND n.style = t.style AND n.id > t.id
           AND n.content_hash <> t.content_hash) AS superseded_at";

/// An issued transcript: whose, what it said when issued, and what has become of it since.
#[derive(QueryableByName)]
pub struct Issued {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    /// The `TranscriptDoc` as issued.
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub snapshot: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub issued_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub revoke_reason: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub superseded_at: Option<DateTime<Utc>>,
}

/// The transcript issued under `serial`.
pub async fn issued(conn: &mut AsyncPgConnection, serial: &str) -> Result<Option<Issued>> {
    Ok(prepared::sql(format!(
        "SELECT t.student_id, t.snapshot, t.issued_at, t.revoked_at, t.revoke_reason,
                {SUPERSEDED_AT}
         FROM transcripts t WHERE t.serial = $1"
    ))
    .bind::<Text, _>(serial)
    .get_result(conn)
    .await
    .optional()?)
}

/// Revokes the transcript `serial` by account `by` for `reason`; false when it already was.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    serial: &str,
    by: i64,
    reason: &str,
) -> Result<bool> {
    let changed = diesel::update(
        transcripts::table
            .filter(transcripts::serial.eq(serial))
            .filter(transcripts::revoked_at.is_null()),
    )
    .set((
        transcripts::revoked_at.eq(diesel::dsl::now),
        transcripts::revoked_by.eq(by),
        transcripts::revoke_reason.eq(reason),
    ))
    .execute(conn)
    .await?;
    Ok(changed > 0)
}

/// One of a student's issued transcripts, as their list shows it.
#[derive(QueryableByName)]
pub struct Listed {
    #[diesel(sql_type = Text)]
    pub serial: String,
    #[diesel(sql_type = Text)]
    pub style: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub issued_at: DateTime<Utc>,
    /// The issuing account's display name.
    #[diesel(sql_type = Text)]
    pub issued_by: String,
    /// Issued by a batch print.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub batch: bool,
    /// The snapshot's `total_points`.
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub total: serde_json::Value,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub superseded_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub revoke_reason: Option<String>,
}

/// The page of the student's transcripts, newest first, and how many there are in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    student_id: i64,
    page: PageRequest,
) -> Result<(Vec<Listed>, u64)> {
    let rows: Vec<Listed> = prepared::sql(format!(
        "SELECT t.serial, t.style, t.issued_at, a.display_name AS issued_by,
                t.batch_id IS NOT NULL AS batch, t.snapshot -> 'total_points' AS total,
                {SUPERSEDED_AT}, t.revoked_at, t.revoke_reason
         FROM transcripts t JOIN accounts a ON a.id = t.issued_by
         WHERE t.student_id = $1
         ORDER BY t.issued_at DESC, t.id DESC
         LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(student_id)
    .bind::<BigInt, _>(page.limit())
    .bind::<BigInt, _>(page.offset())
    .load(conn)
    .await?;
    let total: i64 = transcripts::table
        .filter(transcripts::student_id.eq(student_id))
        .count()
        .get_result(conn)
        .await?;
    Ok((rows, total as u64))
}

/// The students a batch prints, ordered by class then number: the active students of the
/// organisation's subtree, of the major, class and intake when the parameters name them; at
/// most `limit`.
pub async fn batch_students(
    conn: &mut AsyncPgConnection,
    params: &NewPrintJob,
    limit: i64,
) -> Result<Vec<StudentInfo>> {
    Ok(prepared::sql(format!(
        "{STUDENT_SQL}
         WHERE a.kind = 'student' AND a.active AND o.path @> ARRAY[$1]::bigint[]
           AND ($2::text IS NULL OR s.major = $2)
           AND ($3::text IS NULL OR s.class_name = $3)
           AND ($4::int IS NULL OR s.enrolment_year = $4)
         ORDER BY s.class_name, a.username
         LIMIT $5"
    ))
    .bind::<BigInt, _>(params.organization_id)
    .bind::<Nullable<Text>, _>(params.major.as_deref().map(str::trim))
    .bind::<Nullable<Text>, _>(params.class_name.as_deref().map(str::trim))
    .bind::<Nullable<Integer>, _>(params.enrolment_year)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}
