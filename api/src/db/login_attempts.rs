//! Sign-in tries as the throttle counts them (`crate::auth::throttle`): [`try_one`] looks and
//! records in one transaction, serialised per account name, so parallel tries on any processes
//! count at once; [`succeeded`] removes a try that was right.

use super::Result;
use crate::auth::throttle::{self, Recent};
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

#[derive(diesel::QueryableByName)]
struct Look {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pair_nth: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    client_nth: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    account_count: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    account_last: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    now: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A try by `username` from `client`: `Ok(id)` of the try now recorded (a failure unless
/// [`succeeded`] removes it), or `Err(wait)` when the throttle says to wait (nothing recorded).
pub async fn try_one(
    conn: &mut AsyncPgConnection,
    username: &str,
    client: &str,
) -> Result<Result<i64, Duration>> {
    let username = username.to_lowercase();
    let client = client.to_owned();
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        // One try at a time per account name, across processes (released at commit).
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))")
            .bind::<Text, _>(&username)
            .execute(conn)
            .await?;
        let look: Look = diesel::sql_query(
            "SELECT
                   (SELECT at FROM login_attempts WHERE username = $1 AND client = $2
                      AND at > now() - interval '15 minutes' ORDER BY at DESC
                      OFFSET $3 - 1 LIMIT 1) AS pair_nth,
                   (SELECT at FROM login_attempts WHERE client = $2
                      AND at > now() - interval '15 minutes' ORDER BY at DESC
                      OFFSET $4 - 1 LIMIT 1) AS client_nth,
                   (SELECT count(*) FROM login_attempts WHERE username = $1
                      AND at > now() - interval '15 minutes') AS account_count,
                   (SELECT max(at) FROM login_attempts WHERE username = $1) AS account_last,
                   now() AS now",
        )
        .bind::<Text, _>(&username)
        .bind::<Text, _>(&client)
        .bind::<BigInt, _>(throttle::PER_PAIR)
        .bind::<BigInt, _>(throttle::PER_CLIENT)
        .get_result(conn)
        .await?;
        let recent = Recent {
            pair_nth: look.pair_nth,
            client_nth: look.client_nth,
            account_count: look.account_count,
            account_last: look.account_last,
            now: look.now,
        };
        if let Some(wait) = throttle::wait(&recent) {
            return Ok(Err(wait));
        }
        let row: Id = diesel::sql_query(
            "INSERT INTO login_attempts (username, client) VALUES ($1, $2) RETURNING id",
        )
        .bind::<Text, _>(&username)
        .bind::<Text, _>(&client)
        .get_result(conn)
        .await?;
        Ok(Ok(row.id))
    })
    .await
    .map_err(Into::into)
}

/// The try `id` was right: it is no failure, and the account's earlier failures from the same
/// client are forgiven (those from elsewhere still count).
pub async fn succeeded(
    conn: &mut AsyncPgConnection,
    id: i64,
    username: &str,
    client: &str,
) -> Result<()> {
    diesel::sql_query(
        "DELETE FROM login_attempts WHERE id = $1 OR (username = $2 AND client = $3)",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(username.to_lowercase())
    .bind::<Text, _>(client)
    .execute(conn)
    .await?;
    Ok(())
}

/// Drops tries older than an hour; how many.
pub async fn sweep(conn: &mut AsyncPgConnection) -> Result<usize> {
    Ok(
        diesel::sql_query("DELETE FROM login_attempts WHERE at < now() - interval '1 hour'")
            .execute(conn)
            .await?,
    )
}
