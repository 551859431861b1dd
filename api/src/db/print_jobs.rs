//! Batch prints: the job ([`create`], then [`start`], [`progress`] and [`finish`] or [`fail`]),
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

/// Marks the job running.
pub async fn start(conn: &mut AsyncPgConnection, id: Uuid) -> Result<()> {
    diesel::update(print_jobs::table.find(id))
        .set(print_jobs::status.eq("running"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that `done` of the job's transcripts are rendered.
pub async fn progress(conn: &mut AsyncPgConnection, id: Uuid, done: i32) -> Result<()> {
    diesel::update(print_jobs::table.find(id))
        .set(print_jobs::done.eq(done))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the job failed with `error` (drop its parts with [`discard_parts`]).
pub async fn fail(conn: &mut AsyncPgConnection, id: Uuid, error: &str) -> Result<()> {
    diesel::update(print_jobs::table.find(id))
        .set((
            print_jobs::status.eq("failed"),
            print_jobs::error.eq(error),
            print_jobs::finished_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores part `seq` of the job's file (not served until [`finish`]).
pub async fn add_part(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    seq: i32,
    bytes: &[u8],
) -> Result<()> {
    diesel::insert_into(print_job_parts::table)
        .values((
            print_job_parts::job_id.eq(id),
            print_job_parts::seq.eq(seq),
            print_job_parts::bytes.eq(bytes),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops the parts of a job that failed.
pub async fn discard_parts(conn: &mut AsyncPgConnection, id: Uuid) -> Result<()> {
    diesel::delete(print_job_parts::table.filter(print_job_parts::job_id.eq(id)))
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

/// Marks the job done with `done` transcripts and its file (all parts stored): from now on a
/// download sees the whole file.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    done: i32,
    file: &File<'_>,
) -> Result<()> {
    diesel::update(print_jobs::table.find(id))
        .set((
            print_jobs::status.eq("done"),
            print_jobs::done.eq(done),
            print_jobs::size_bytes.eq(file.size as i64),
            print_jobs::file_name.eq(file.name),
            print_jobs::content_type.eq(file.content_type),
            print_jobs::finished_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Part `seq` of the job's file; `None` past the last.
pub async fn part(conn: &mut AsyncPgConnection, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>> {
    Ok(print_job_parts::table
        .find((id, seq))
        .select(print_job_parts::bytes)
        .first(conn)
        .await
        .optional()?)
}

/// Marks every queued or running batch failed (the server that ran it restarted); how many.
pub async fn fail_unfinished(conn: &mut AsyncPgConnection) -> Result<usize> {
    Ok(diesel::sql_query(
        "UPDATE print_jobs SET status = 'failed', error = 'the server restarted; start the batch again',
                finished_at = now()
         WHERE status IN ('queued', 'running')",
    )
    .execute(conn)
    .await?)
}
