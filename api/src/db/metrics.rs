//! What `GET /metrics` reads from the database at scrape time (besides the job queue's
//! [`super::print_jobs::waiting`] and [`super::print_jobs::running`]).

use super::{Result, prepared};
use diesel::{QueryableByName, sql_types::BigInt};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Check-ins (attendance rows, of any method) whose `checked_in_at` lies in the last minute.
///
/// `attendance` has no index on `checked_in_at` alone (the check-in path keeps its inserts
/// cheap), but ids are handed out in insert order and `created_at` is the inserting
/// transaction's start, so they rise together (a row or two may straddle the boundary): the
/// newest row created over a minute ago is found by walking the primary key back from the end,
/// and only the rows after it are counted. A scrape so reads the last minute's rows, not the
/// table.
pub async fn checkins_last_minute(conn: &mut AsyncPgConnection) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let row: Row = prepared::sql(
        "SELECT count(*) AS count FROM attendance
         WHERE id > coalesce((SELECT id FROM attendance
                              WHERE created_at < now() - interval '1 minute'
                              ORDER BY id DESC LIMIT 1), 0)
           AND checked_in_at >= now() - interval '1 minute'",
    )
    .get_result(conn)
    .await?;
    Ok(row.count)
}
