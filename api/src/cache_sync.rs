//! Keeps the short caches of several API processes honest: a write that bumps a count of writes
//! ([`crate::cache::Writes`]) is announced through PostgreSQL (`NOTIFY`), and every other
//! process bumps its own count when the announcement arrives, so its kept answers go at once
//! instead of at the end of their time limit. Announcements are best effort: one that is lost
//! (the listening connection dropped, PostgreSQL restarted) leaves the time limit as the bound,
//! which is what the README states (and each reconnect drops everything kept).

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;
use std::{sync::Arc, time::Duration};
use uuid::Uuid;

use crate::{
    AppState,
    cache::{ANNOUNCE, SHARED},
    db,
};

/// Bumps made within this long are announced together; it also lets the write that bumped
/// commit first, most of the time, so the others do not read it again before it is there.
const GATHER: Duration = Duration::from_millis(25);
/// Wait before listening again after the connection failed.
const RETRY: Duration = Duration::from_secs(1);

/// Starts the announcer and the listener of this process.
pub fn start(state: Arc<AppState>) {
    let origin = Uuid::new_v4().simple().to_string()[..12].to_owned();
    let database = &state.settings.database;
    let url = database
        .listen_url
        .as_ref()
        .unwrap_or(&database.url)
        .expose()
        .to_owned();
    tokio::spawn(listen(url, origin.clone()));
    tokio::spawn(announce(state, origin));
}

async fn announce(state: Arc<AppState>, origin: String) {
    loop {
        ANNOUNCE.notified().await;
        tokio::time::sleep(GATHER).await;
        let names: Vec<&str> = SHARED
            .iter()
            .filter(|writes| writes.take_unannounced())
            .map(|writes| writes.name())
            .collect();
        if names.is_empty() {
            continue;
        }
        let payload = format!("{origin} {}", names.join(","));
        let sent = async {
            let mut conn = state.db.conn().await?;
            db::cache_sync::announce(&mut conn, &payload).await
        }
        .await;
        if let Err(error) = sent {
            tracing::warn!(%error, "a write could not be announced to the other processes");
        }
    }
}

async fn listen(url: String, origin: String) {
    loop {
        match AsyncPgConnection::establish(&url).await {
            Ok(mut conn) => match db::cache_sync::listen(&mut conn).await {
                Ok(()) => {
                    // Whatever was announced while nobody listened: drop everything kept.
                    for writes in SHARED {
                        writes.bump_here();
                    }
                    let mut notifications = std::pin::pin!(conn.notifications_stream());
                    while let Some(Ok(notification)) = notifications.next().await {
                        if let Some(payload) = db::cache_sync::payload(&notification) {
                            apply(payload, &origin);
                        }
                    }
                    tracing::warn!("stopped listening for other processes' writes; retrying");
                }
                Err(error) => tracing::warn!(%error, "cannot listen for other processes' writes"),
            },
            Err(error) => tracing::warn!(%error, "cannot listen for other processes' writes"),
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Bumps the counts another process announced (its own announcements come back too: skipped).
fn apply(payload: &str, origin: &str) {
    let Some((from, names)) = payload.split_once(' ') else {
        return;
    };
    if from == origin {
        return;
    }
    for name in names.split(',') {
        if let Some(writes) = SHARED.iter().find(|writes| writes.name() == name) {
            writes.bump_here();
        }
    }
}
