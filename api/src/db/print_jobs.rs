//! Batch prints: the job ([`create`]; a worker's [`claim_next`], [`heartbeat`] and [`finish`] or
//! [`fail`]; [`expire`] after the retention period),
//! read back with its organisation and requester ([`get`], [`list_within`]). Its file is stored
//! in parts as the batch writes it ([`add_part`]), made visible when the job is done
//! ([`finish`]), and read back a part at a time ([`part`]): neither the batch nor a download
//! holds the whole file.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::{
    OptionalExtension,
    prelude::*,
    sql_types::{Array, BigInt, Integer, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    page::PageRequest,
    transcript::{NewPrintJob, PrintJob, PrintStatus},
};
use uuid::Uuid;

use super::{
    prepared,
    schema::{organizations, print_job_parts, print_jobs},
};

/// A batch print as read back, with its organisation's name and path and its requester's name.
#[derive(QueryableByName)]
pub struct JobRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Integer)]
    total: i32,
    #[diesel(sql_type = Integer)]
    done: i32,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    params: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    pub file_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
    #[diesel(sql_type = Text)]
    requested_by: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    finished_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Array<BigInt>)]
    pub org_path: Vec<i64>,
    /// Set, with `file_name`, once the file's last part is stored.
    #[diesel(sql_type = Nullable<Text>)]
    pub content_type: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub size_bytes: Option<i64>,
}

impl JobRow {
    /// The job as the API shows it; `None` when its stored parameters no longer read.
    pub fn job(self) -> Option<PrintJob> {
        Some(PrintJob {
            id: self.id.to_string(),
            organization: self.organization,
            status: match self.status.as_str() {
                "queued" => PrintStatus::Queued,
                "running" => PrintStatus::Running,
                "done" => PrintStatus::Done,
                "expired" => PrintStatus::Expired,
                _ => PrintStatus::Failed,
            },
            total: self.total,
            done: self.done,
            params: serde_json::from_value(self.params).ok()?,
            file_name: self.file_name,
            error: self.error,
            requested_by: self.requested_by,
            created_at: self.created_at,
            finished_at: self.finished_at,
        })
    }
}

const JOB_SQL: &str = "SELECT j.id, o.name AS organization, j.status, j.total, j.done, j.params,
        j.file_name, j.error, a.display_name AS requested_by, j.created_at, j.finished_at,
        o.path AS org_path, j.content_type, j.size_bytes
    FROM print_jobs j JOIN organizations o ON o.id = j.organization_id
    JOIN accounts a ON a.id = j.requested_by";

/// The job `id`.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<JobRow>> {
    Ok(prepared::sql(format!("{JOB_SQL} WHERE j.id = $1"))
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result(conn)
        .await
        .optional()?)
}

/// The page of the jobs of organisation `within`'s subtree, newest first, and how many there
/// are in all.
pub async fn list_within(
    conn: &mut AsyncPgConnection,
    within: i64,
    page: PageRequest,
) -> Result<(Vec<JobRow>, u64)> {
    let rows: Vec<JobRow> = prepared::sql(format!(
        "{JOB_SQL} WHERE o.path @> ARRAY[$1]::bigint[] ORDER BY j.created_at DESC
         LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(within)
    .bind::<BigInt, _>(page.limit())
    .bind::<BigInt, _>(page.offset())
    .load(conn)
    .await?;
    let total: i64 = print_jobs::table
        .inner_join(organizations::table)
        .filter(organizations::path.contains(vec![within]))
        .count()
        .get_result(conn)
        .await?;
    Ok((rows, total as u64))
}

/// Records job `id`, queued: organisation `organization_id`'s batch of `total` students, asked
/// for by account `requested_by`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    organization_id: i64,
    requested_by: i64,
    params: &NewPrintJob,
    total: i32,
) -> Result<()> {
    diesel::insert_into(print_jobs::table)
        .values((
            print_jobs::id.eq(id),
            print_jobs::organization_id.eq(organization_id),
            print_jobs::requested_by.eq(requested_by),
            print_jobs::params.eq(serde_json::to_value(params).expect("params")),
            print_jobs::total.eq(total),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A job as a worker claimed it: which attempt this is, and the token that proves the claim.
#[derive(QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub claim: Uuid,
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub params: serde_json::Value,
    #[diesel(sql_type = BigInt)]
    pub requested_by: i64,
}

/// Claims the oldest job waiting, or a running one whose heartbeat is older than `stale`
/// seconds (its process died), for `worker` as a new attempt; `None` when there is none.
/// Concurrent workers skip each other's rows (`FOR UPDATE SKIP LOCKED`), so a job has one
/// holder; a job already tried `max_attempts` times is not claimed again (see [`abandon`]).
pub async fn claim_next(
    conn: &mut AsyncPgConnection,
    worker: &str,
    stale: i32,
    max_attempts: i32,
) -> Result<Option<Claimed>> {
    Ok(diesel::sql_query(
        "UPDATE print_jobs j SET status = 'running', claim = gen_random_uuid(), claimed_by = $1,
                heartbeat_at = now(), started_at = now(), attempts = j.attempts + 1, done = 0
         WHERE j.id = (
             SELECT id FROM print_jobs
             WHERE (status = 'queued'
                    OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => $2)))
               AND attempts < $3
             ORDER BY created_at
             FOR UPDATE SKIP LOCKED
             LIMIT 1)
         RETURNING j.id, j.claim, j.attempts AS attempt, j.params, j.requested_by",
    )
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(stale)
    .bind::<Integer, _>(max_attempts)
    .get_result(conn)
    .await
    .optional()?)
}

/// Marks failed the running jobs whose heartbeat stopped after their last allowed attempt, and
/// drops their parts; how many.
pub async fn abandon(conn: &mut AsyncPgConnection, stale: i32, max_attempts: i32) -> Result<usize> {
    let ids: Vec<Uuid> = diesel::sql_query(
        "UPDATE print_jobs SET status = 'failed', finished_at = now(), claim = NULL,
                error = 'the batch stopped ' || attempts || ' times while it ran; start it again'
         WHERE status = 'running' AND attempts >= $2
           AND heartbeat_at < now() - make_interval(secs => $1)
         RETURNING id",
    )
    .bind::<Integer, _>(stale)
    .bind::<Integer, _>(max_attempts)
    .load::<IdRow>(conn)
    .await?
    .into_iter()
    .map(|row| row.id)
    .collect();
    if !ids.is_empty() {
        diesel::delete(print_job_parts::table.filter(print_job_parts::job_id.eq_any(&ids)))
            .execute(conn)
            .await?;
    }
    Ok(ids.len())
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// Records that `done` of the job's transcripts are rendered, and that the holder of `claim`
/// is alive; `false` when the claim is no longer the job's (another process took the job over,
/// or it ended): the holder must stop.
pub async fn heartbeat(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    claim: Uuid,
    done: i32,
) -> Result<bool> {
    let updated = diesel::update(
        print_jobs::table
            .find(id)
            .filter(print_jobs::claim.eq(claim))
            .filter(print_jobs::status.eq("running")),
    )
    .set((
        print_jobs::done.eq(done),
        print_jobs::heartbeat_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Marks the job failed with `error`, if `claim` still holds it, and drops the parts stored
/// so far; `false` when the claim was lost (the job is someone else's now).
pub async fn fail(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    claim: Uuid,
    error: &str,
) -> Result<bool> {
    let updated = diesel::update(
        print_jobs::table
            .find(id)
            .filter(print_jobs::claim.eq(claim))
            .filter(print_jobs::status.eq("running")),
    )
    .set((
        print_jobs::status.eq("failed"),
        print_jobs::error.eq(error),
        print_jobs::finished_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    if updated == 1 {
        diesel::delete(print_job_parts::table.filter(print_job_parts::job_id.eq(id)))
            .execute(conn)
            .await?;
    }
    Ok(updated == 1)
}

/// Stores part `seq` of attempt `attempt`'s file (not served until [`finish`]).
pub async fn add_part(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    attempt: i32,
    seq: i32,
    bytes: &[u8],
) -> Result<()> {
    diesel::insert_into(print_job_parts::table)
        .values((
            print_job_parts::job_id.eq(id),
            print_job_parts::attempt.eq(attempt),
            print_job_parts::seq.eq(seq),
            print_job_parts::bytes.eq(bytes),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A finished batch's file, whose parts are stored.
pub struct File<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
}

/// Marks the job done with `done` transcripts and its file (all parts of the claim's attempt
/// stored), if `claim` still holds it: from now on a download sees the whole file. Parts left by
/// earlier attempts are dropped. `false` when the claim was lost: the job is finished once,
/// by whoever holds it.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    claim: Uuid,
    done: i32,
    file: &File<'_>,
) -> Result<bool> {
    let attempt: Option<i32> = diesel::update(
        print_jobs::table
            .find(id)
            .filter(print_jobs::claim.eq(claim))
            .filter(print_jobs::status.eq("running")),
    )
    .set((
        print_jobs::status.eq("done"),
        print_jobs::done.eq(done),
        print_jobs::size_bytes.eq(file.size as i64),
        print_jobs::file_name.eq(file.name),
        print_jobs::content_type.eq(file.content_type),
        print_jobs::finished_at.eq(diesel::dsl::now),
    ))
    .returning(print_jobs::attempts)
    .get_result(conn)
    .await
    .optional()?;
    let Some(attempt) = attempt else {
        return Ok(false);
    };
    diesel::delete(
        print_job_parts::table
            .filter(print_job_parts::job_id.eq(id))
            .filter(print_job_parts::attempt.ne(attempt)),
    )
    .execute(conn)
    .await?;
    Ok(true)
}

/// Part `seq` of the job's file (the attempt that finished it); `None` past the last.
pub async fn part(conn: &mut AsyncPgConnection, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>> {
    Ok(print_job_parts::table
        .inner_join(print_jobs::table)
        .filter(print_job_parts::job_id.eq(id))
        .filter(print_job_parts::attempt.eq(print_jobs::attempts))
        .filter(print_job_parts::seq.eq(seq))
        .select(print_job_parts::bytes)
        .first(conn)
        .await
        .optional()?)
}

/// The organisation's batches waiting or running (its quota counts them).
pub async fn unfinished_of(conn: &mut AsyncPgConnection, organization_id: i64) -> Result<i64> {
    Ok(print_jobs::table
        .filter(print_jobs::organization_id.eq(organization_id))
        .filter(print_jobs::status.eq_any(["queued", "running"]))
        .count()
        .get_result(conn)
        .await?)
}

/// Jobs queued and the age of the oldest in seconds (0 when none).
pub async fn waiting(conn: &mut AsyncPgConnection) -> Result<(i64, f64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        count: i64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        oldest: f64,
    }
    let row: Row = diesel::sql_query(
        "SELECT count(*) AS count,
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest
         FROM print_jobs WHERE status = 'queued'",
    )
    .get_result(conn)
    .await?;
    Ok((row.count, row.oldest))
}

/// Jobs running (in any process) and how long the longest of them has run, in seconds.
pub async fn running(conn: &mut AsyncPgConnection) -> Result<(i64, f64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        count: i64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        longest: f64,
    }
    // The partial index `print_jobs_unfinished` holds exactly the queued and running rows.
    let row: Row = prepared::sql(
        "SELECT count(*) AS count,
                coalesce(extract(epoch FROM now() - min(coalesce(started_at, created_at))), 0)::float8
                    AS longest
         FROM print_jobs WHERE status = 'running'",
    )
    .get_result(conn)
    .await?;
    Ok((row.count, row.longest))
}

/// Drops the files of jobs finished before `before` (status `expired`, parts deleted); how many.
pub async fn expire(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> Result<usize> {
    let ids: Vec<Uuid> = diesel::update(
        print_jobs::table
            .filter(print_jobs::status.eq_any(["done", "failed"]))
            .filter(print_jobs::finished_at.lt(before)),
    )
    .set((
        print_jobs::status.eq("expired"),
        print_jobs::size_bytes.eq(None::<i64>),
    ))
    .returning(print_jobs::id)
    .get_results(conn)
    .await?;
    if !ids.is_empty() {
        diesel::delete(print_job_parts::table.filter(print_job_parts::job_id.eq_any(&ids)))
            .execute(conn)
            .await?;
    }
    Ok(ids.len())
}
