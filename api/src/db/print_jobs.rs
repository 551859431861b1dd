//! A batch print's file, stored in parts as the batch writes it ([`add_part`]), made visible
//! when the job is done ([`finish`]), and read back a part at a time ([`part`]): neither the
//! batch nor a download holds the whole file.

use super::Result;
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{print_job_parts, print_jobs};

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
