//! Guidance (精准育人): the activities open for sign-up as the ranking sees them, a student's
//! history per category, and the once-a-day guard on advisers' reminders.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    activity::{CreditLevel, Eligibility, EnrolmentMode},
    guidance::Candidate,
    people::Degree,
};

use super::prepared;

/// Most open activities looked at per request: the ranking needs only the best few, and those
/// closing soonest come first.
const MOST_CANDIDATES: i64 = 500;

#[derive(QueryableByName)]
struct OpenRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    category_name: String,
    #[diesel(sql_type = Text)]
    credit_level: String,
    #[diesel(sql_type = Timestamptz)]
    starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    ends_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    registration_closes_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Integer>)]
    capacity: Option<i32>,
    #[diesel(sql_type = Text)]
    enrolment_mode: String,
    #[diesel(sql_type = Array<BigInt>)]
    eligible_colleges: Vec<i64>,
    #[diesel(sql_type = Array<Integer>)]
    eligible_years: Vec<i32>,
    #[diesel(sql_type = Array<Text>)]
    eligible_degrees: Vec<String>,
    #[diesel(sql_type = BigInt)]
    confirmed: i64,
    #[diesel(sql_type = Bool)]
    registered: bool,
}

/// The published activities whose registration is open now, soonest closing first, each with
/// its confirmed places and whether `student` holds a sign-up that is not cancelled.
pub async fn open_activities(conn: &mut AsyncPgConnection, student: i64) -> Result<Vec<Candidate>> {
    let rows: Vec<OpenRow> = prepared::sql(
        "SELECT a.id, a.title, a.category, coalesce(c.name, a.category) AS category_name,
                a.credit_level, a.starts_at, a.ends_at, a.registration_closes_at, a.capacity,
                a.enrolment_mode, a.eligible_colleges, a.eligible_years, a.eligible_degrees,
                (SELECT count(*) FROM registrations r
                  WHERE r.activity_id = a.id AND r.status = 'confirmed') AS confirmed,
                EXISTS (SELECT 1 FROM registrations r
                  WHERE r.activity_id = a.id AND r.student_id = $1
                    AND r.status <> 'cancelled') AS registered
           FROM activities a LEFT JOIN activity_categories c ON c.code = a.category
          WHERE a.status = 'published' AND a.registration_opens_at <= now()
            AND a.registration_closes_at > now() AND a.starts_at > now()
          ORDER BY a.registration_closes_at, a.starts_at, a.id
          LIMIT $2",
    )
    .bind::<BigInt, _>(student)
    .bind::<BigInt, _>(MOST_CANDIDATES)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            activity_id: r.id,
            title: r.title,
            category: r.category,
            category_name: r.category_name,
            credit_level: CreditLevel::parse(&r.credit_level).unwrap_or(CreditLevel::Club),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            registration_closes_at: r.registration_closes_at,
            capacity: r.capacity.map(|c| c.max(0) as u32),
            confirmed: r.confirmed.clamp(0, u32::MAX as i64) as u32,
            enrolment_mode: EnrolmentMode::parse(&r.enrolment_mode)
                .unwrap_or(EnrolmentMode::FirstCome),
            eligibility: Eligibility {
                colleges: r.eligible_colleges,
                enrolment_years: r.eligible_years,
                degrees: r
                    .eligible_degrees
                    .iter()
                    .filter_map(|d| Degree::parse(d))
                    .collect(),
            },
            registered: r.registered,
        })
        .collect())
}

#[derive(QueryableByName)]
struct HistoryRow {
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many recognised facts (ledger entries that granted something and were not reversed)
/// the student has per category.
pub async fn history(conn: &mut AsyncPgConnection, student: i64) -> Result<Vec<(String, u32)>> {
    let rows: Vec<HistoryRow> = prepared::sql(
        "SELECT e.category, count(*) AS n FROM ledger_entries e
          WHERE e.student_id = $1 AND e.reverses IS NULL AND (e.points > 0 OR e.hours > 0)
            AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses = e.id)
          GROUP BY e.category",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.category, r.n.clamp(0, u32::MAX as i64) as u32))
        .collect())
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

/// Inside a transaction: waits for any other reminder of the same adviser to the same student
/// to commit, then answers whether one was sent since `since` (the audit log keeps them).
pub async fn reminded_since(
    conn: &mut AsyncPgConnection,
    adviser: i64,
    student: i64,
    since: DateTime<Utc>,
) -> Result<bool> {
    prepared::sql(
        "SELECT pg_advisory_xact_lock(hashtextextended('guidance.remind:' || $1 || ':' || $2, 0))",
    )
    .bind::<BigInt, _>(adviser)
    .bind::<BigInt, _>(student)
    .execute(conn)
    .await?;
    let found: Found = prepared::sql(
        "SELECT EXISTS (SELECT 1 FROM audit_log
                 WHERE actor_id = $1 AND action = 'guidance.remind'
                   AND target_type = 'student' AND target_id = $2::text AND at >= $3) AS found",
    )
    .bind::<BigInt, _>(adviser)
    .bind::<BigInt, _>(student)
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;
    Ok(found.found)
}
