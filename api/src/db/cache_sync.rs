//! The channel on which API processes tell each other what they wrote (`crate::cache_sync`):
//! `NOTIFY scs_cache_writes, '<origin> <name>,<name>…'`.

use super::Result;
use diesel::{pg::PgNotification, sql_types::Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub const CHANNEL: &str = "scs_cache_writes";

/// Announces `payload` to every process listening (delivered when this statement commits: at
/// once, outside a transaction).
pub async fn announce(conn: &mut AsyncPgConnection, payload: &str) -> Result<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// Subscribes `conn` (a connection of its own, not the pool's) to the channel; read what
/// arrives from [`AsyncPgConnection::notifications_stream`].
pub async fn listen(conn: &mut AsyncPgConnection) -> Result<()> {
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// The payload of a notification on the channel, if it is one.
pub fn payload(notification: &PgNotification) -> Option<&str> {
    (notification.channel == CHANNEL).then_some(notification.payload.as_str())
}
