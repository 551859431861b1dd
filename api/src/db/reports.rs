//! Monthly work reports (工作月报): a college's frozen month, its comments and filing; the
//! school's report over a month; and the run-once rows of the scheduled freeze.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Date, Jsonb, Nullable, SmallInt, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{Result, prepared};

/// A stored college report, with its organisation's and filer's names.
#[derive(QueryableByName, Debug)]
pub struct ReportRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub organization_id: i64,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = Date)]
    pub period_from: NaiveDate,
    #[diesel(sql_type = Date)]
    pub period_to: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub frozen_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    pub content: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub comments: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub filed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub filed_by: Option<String>,
}

const SELECT: &str =
    "SELECT r.id, r.organization_id, o.name AS organization, r.month, r.period_from,
        r.period_to, r.due_at, r.frozen_at, r.content, r.comments, r.status, r.filed_at,
        f.display_name AS filed_by
 FROM monthly_reports r JOIN organizations o ON o.id = r.organization_id
 LEFT JOIN accounts f ON f.id = r.filed_by";

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<ReportRow>> {
    Ok(prepared::sql(format!("{SELECT} WHERE r.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()?)
}

/// The reports of the organisation's subtree, of one month or all, newest month first, then by
/// organisation; `limit`/`offset` page them.
pub async fn list(
    conn: &mut AsyncPgConnection,
    school_id: i16,
    within: i64,
    month: Option<NaiveDate>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ReportRow>, i64)> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let filter = "r.school_id = $1 AND o.path @> ARRAY[$2]::bigint[]
                  AND ($3::date IS NULL OR r.month = $3)";
    let rows = prepared::sql(format!(
        "{SELECT} WHERE {filter} ORDER BY r.month DESC, o.code, r.id LIMIT $4 OFFSET $5"
    ))
    .bind::<SmallInt, _>(school_id)
    .bind::<BigInt, _>(within)
    .bind::<Nullable<Date>, _>(month)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)
    .await?;
    let total: Total = prepared::sql(format!(
        "SELECT count(*) AS n FROM monthly_reports r JOIN organizations o ON o.id = r.organization_id
         WHERE {filter}"
    ))
    .bind::<SmallInt, _>(school_id)
    .bind::<BigInt, _>(within)
    .bind::<Nullable<Date>, _>(month)
    .get_result(conn)
    .await?;
    Ok((rows, total.n))
}

/// A report to freeze.
pub struct NewReport<'a> {
    pub school_id: i16,
    pub organization_id: i64,
    pub month: NaiveDate,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub frozen_at: DateTime<Utc>,
    pub content: &'a serde_json::Value,
}

/// Stores a frozen report (none if the college already has one for the month).
pub async fn insert(conn: &mut AsyncPgConnection, report: &NewReport<'_>) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct Inserted {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let row: Option<Inserted> = prepared::sql(
        "INSERT INTO monthly_reports (school_id, organization_id, month, period_from, period_to,
                                      due_at, frozen_at, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (organization_id, month) DO NOTHING RETURNING id",
    )
    .bind::<SmallInt, _>(report.school_id)
    .bind::<BigInt, _>(report.organization_id)
    .bind::<Date, _>(report.month)
    .bind::<Date, _>(report.period_from)
    .bind::<Date, _>(report.period_to)
    .bind::<Timestamptz, _>(report.due_at)
    .bind::<Timestamptz, _>(report.frozen_at)
    .bind::<Jsonb, _>(report.content)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|r| r.id))
}

/// Saves the comments of an open report; false if it is filed (or gone).
pub async fn comment(
    conn: &mut AsyncPgConnection,
    id: i64,
    comments: &str,
    by: i64,
) -> Result<bool> {
    let n = prepared::sql(
        "UPDATE monthly_reports SET comments = $2, updated_at = now(), updated_by = $3
         WHERE id = $1 AND status = 'open'",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(comments)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Files an open report; false if it was filed already (by a concurrent request too).
pub async fn file(conn: &mut AsyncPgConnection, id: i64, by: i64) -> Result<bool> {
    let n = prepared::sql(
        "UPDATE monthly_reports SET status = 'filed', filed_at = now(), filed_by = $2,
                updated_at = now(), updated_by = $2
         WHERE id = $1 AND status = 'open'",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The colleges' reports of a month, for the school's comparison.
pub async fn of_month(
    conn: &mut AsyncPgConnection,
    school_id: i16,
    month: NaiveDate,
) -> Result<Vec<ReportRow>> {
    Ok(prepared::sql(format!(
        "{SELECT} WHERE r.school_id = $1 AND r.month = $2 ORDER BY o.code, r.id"
    ))
    .bind::<SmallInt, _>(school_id)
    .bind::<Date, _>(month)
    .load(conn)
    .await?)
}

/// Reports frozen but not yet mailed to a college with a contact address.
#[derive(QueryableByName)]
pub struct Unmailed {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Text)]
    pub contact_email: String,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
}

pub async fn unmailed(conn: &mut AsyncPgConnection) -> Result<Vec<Unmailed>> {
    Ok(prepared::sql(
        "SELECT r.id, o.name AS organization, o.contact_email, r.month, r.due_at
         FROM monthly_reports r JOIN organizations o ON o.id = r.organization_id
         WHERE r.mailed_at IS NULL AND o.contact_email IS NOT NULL AND r.status = 'open'
         ORDER BY r.id LIMIT 200",
    )
    .load(conn)
    .await?)
}

pub async fn mailed(conn: &mut AsyncPgConnection, id: i64) -> Result<()> {
    prepared::sql("UPDATE monthly_reports SET mailed_at = now() WHERE id = $1")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The school's report of a month, if written or published.
#[derive(QueryableByName, Debug)]
pub struct SchoolRow {
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = Text)]
    pub analysis: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub published_by: Option<String>,
}

pub async fn school_report(
    conn: &mut AsyncPgConnection,
    school_id: i16,
    month: NaiveDate,
) -> Result<Option<SchoolRow>> {
    Ok(prepared::sql(
        "SELECT s.month, s.analysis, s.status, s.published_at, p.display_name AS published_by
         FROM school_reports s LEFT JOIN accounts p ON p.id = s.published_by
         WHERE s.school_id = $1 AND s.month = $2",
    )
    .bind::<SmallInt, _>(school_id)
    .bind::<Date, _>(month)
    .get_result(conn)
    .await
    .optional()?)
}

/// Saves the school's analysis of a month while a draft; false once published.
pub async fn analyse(
    conn: &mut AsyncPgConnection,
    school_id: i16,
    month: NaiveDate,
    analysis: &str,
    by: i64,
) -> Result<bool> {
    let n = prepared::sql(
        "INSERT INTO school_reports (school_id, month, analysis, updated_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (school_id, month) DO UPDATE
         SET analysis = excluded.analysis, updated_at = now(), updated_by = excluded.updated_by
         WHERE school_reports.status = 'draft'",
    )
    .bind::<SmallInt, _>(school_id)
    .bind::<Date, _>(month)
    .bind::<Text, _>(analysis)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Publishes the school's report of a month; false if it was published already.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    school_id: i16,
    month: NaiveDate,
    by: i64,
) -> Result<bool> {
    let n = prepared::sql(
        "INSERT INTO school_reports (school_id, month, status, published_at, published_by,
                                     updated_by)
         VALUES ($1, $2, 'published', now(), $3, $3)
         ON CONFLICT (school_id, month) DO UPDATE
         SET status = 'published', published_at = now(), published_by = excluded.published_by,
             updated_at = now(), updated_by = excluded.updated_by
         WHERE school_reports.status = 'draft'",
    )
    .bind::<SmallInt, _>(school_id)
    .bind::<Date, _>(month)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The months with college reports, newest first, with the school report's state and counts.
#[derive(QueryableByName)]
pub struct MonthRow {
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub colleges: i64,
    #[diesel(sql_type = BigInt)]
    pub filed: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
}

pub async fn months(
    conn: &mut AsyncPgConnection,
    school_id: i16,
    now: DateTime<Utc>,
    published_only: bool,
) -> Result<Vec<MonthRow>> {
    Ok(prepared::sql(
        "SELECT r.month, s.status, s.published_at, count(*) AS colleges,
                count(*) FILTER (WHERE r.status = 'filed') AS filed,
                count(*) FILTER (WHERE coalesce(r.filed_at, $2) > r.due_at) AS late
         FROM monthly_reports r
         LEFT JOIN school_reports s ON s.school_id = r.school_id AND s.month = r.month
         WHERE r.school_id = $1 AND (NOT $3 OR s.status = 'published')
         GROUP BY r.month, s.status, s.published_at
         ORDER BY r.month DESC LIMIT 120",
    )
    .bind::<SmallInt, _>(school_id)
    .bind::<Timestamptz, _>(now)
    .bind::<diesel::sql_types::Bool, _>(published_only)
    .load(conn)
    .await?)
}

/// Claims a scheduled run of `job` for the school and period, in the caller's transaction:
/// true for the one caller that does the work; a concurrent caller waits for that transaction
/// and then gets false (and so does any later one).
pub async fn claim_run(
    conn: &mut AsyncPgConnection,
    job: &str,
    school_id: i16,
    period: &str,
    detail: &serde_json::Value,
) -> Result<bool> {
    let n = prepared::sql(
        "INSERT INTO scheduled_runs (job, school_id, period, detail) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(job)
    .bind::<SmallInt, _>(school_id)
    .bind::<Text, _>(period)
    .bind::<Jsonb, _>(detail)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The latest period `job` ran for, per its text order (`2026-11`).
pub async fn last_run(
    conn: &mut AsyncPgConnection,
    job: &str,
    school_id: i16,
) -> Result<Option<String>> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = Nullable<Text>)]
        period: Option<String>,
    }
    let last: Last = prepared::sql(
        "SELECT max(period) AS period FROM scheduled_runs WHERE job = $1 AND school_id = $2",
    )
    .bind::<Text, _>(job)
    .bind::<SmallInt, _>(school_id)
    .get_result(conn)
    .await?;
    Ok(last.period)
}

/// The colleges of the school that get a report: active college organisations.
#[derive(QueryableByName)]
pub struct College {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
}

pub async fn colleges(conn: &mut AsyncPgConnection) -> Result<Vec<College>> {
    Ok(prepared::sql(
        "SELECT id, name FROM organizations WHERE kind = 'college' AND active ORDER BY code, id",
    )
    .load(conn)
    .await?)
}
