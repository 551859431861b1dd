//! Sign-in tries as the throttle counts them (`crate::auth::throttle`, which [`lock`]s, [`look`]s
//! and [`record`]s in one transaction, so parallel tries on any processes count at once);
//! [`succeeded`] removes a try that was right.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

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

/// What the tries recorded in the throttle's window say (`crate::auth::throttle::wait` reads it).
#[derive(Debug, Clone, Copy)]
pub struct Recent {
    /// The `per_pair`-th latest failure of this account from this client, if there are that many.
    pub pair_nth: Option<DateTime<Utc>>,
    /// The `per_client`-th latest failure from this client.
    pub client_nth: Option<DateTime<Utc>>,
    /// Failures of this account from any client.
    pub account_count: i64,
    pub account_last: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Holds the account name's lock until the transaction ends: one try at a time per account
/// name, across processes. Call inside a transaction.
pub async fn lock(conn: &mut AsyncPgConnection, username: &str) -> Result<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))")
        .bind::<Text, _>(username.to_lowercase())
        .execute(conn)
        .await?;
    Ok(())
}

/// The tries of the last 15 minutes that concern `username` from `client`.
pub async fn look(
    conn: &mut AsyncPgConnection,
    username: &str,
    client: &str,
    per_pair: i64,
    per_client: i64,
) -> Result<Recent> {
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
    .bind::<Text, _>(username.to_lowercase())
    .bind::<Text, _>(client)
    .bind::<BigInt, _>(per_pair)
    .bind::<BigInt, _>(per_client)
    .get_result(conn)
    .await?;
    Ok(Recent {
        pair_nth: look.pair_nth,
        client_nth: look.client_nth,
        account_count: look.account_count,
        account_last: look.account_last,
        now: look.now,
    })
}

/// Records a try (a failure unless [`succeeded`] removes it); its id.
pub async fn record(conn: &mut AsyncPgConnection, username: &str, client: &str) -> Result<i64> {
    let row: Id = diesel::sql_query(
        "INSERT INTO login_attempts (username, client) VALUES ($1, $2) RETURNING id",
    )
    .bind::<Text, _>(username.to_lowercase())
    .bind::<Text, _>(client)
    .get_result(conn)
    .await?;
    Ok(row.id)
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
