//! Sign-in throttling against password guessing, shared by every API process through
//! PostgreSQL (`db::login_attempts`; see [`try_one`]). Each try is recorded before the password is checked (so
//! parallel tries count at once) and removed when it succeeds. Within 15 minutes:
//! - 5 failures for one account **from one client** lock that pair;
//! - 30 failures from one client (any accounts) lock the client;
//! - failures for one account from anywhere only **slow it down**: from the 5th on, the next try
//!   must wait 1, 2, 4 … up to 60 seconds after the last failure. Nobody can lock a known
//!   account (`admin`) out by failing on purpose; they get one guess a minute at most.
//!
//! Past a limit: 429 `rate_limited` with `Retry-After`.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::time::Duration;

use crate::db::{self, login_attempts::Recent};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const PER_PAIR: i64 = 5;
pub const PER_CLIENT: i64 = 30;
/// Failures of one account (from any clients) after which tries are spaced out.
pub const SLOW_AFTER: i64 = 5;
/// The longest space between tries on one account.
pub const SLOWEST: Duration = Duration::from_secs(60);

/// A try by `username` from `client`: `Ok(id)` of the try now recorded (a failure unless
/// `db::login_attempts::succeeded` removes it), or `Err(wait)` when the caller must wait
/// (nothing recorded). Looked at and recorded under the account name's lock, in one transaction.
pub async fn try_one(
    conn: &mut AsyncPgConnection,
    username: &str,
    client: &str,
) -> db::Result<Result<i64, Duration>> {
    conn.transaction::<_, db::Error, _>(async |conn| {
        db::login_attempts::lock(conn, username).await?;
        let recent = db::login_attempts::look(conn, username, client, PER_PAIR, PER_CLIENT).await?;
        if let Some(wait) = wait(&recent) {
            return Ok(Err(wait));
        }
        Ok(Ok(db::login_attempts::record(conn, username, client).await?))
    })
    .await
}

/// How long the caller must wait before trying, or `None` when they may try now.
pub fn wait(recent: &Recent) -> Option<Duration> {
    let window = chrono::Duration::from_std(WINDOW).expect("fits");
    let left = |since: chrono::DateTime<chrono::Utc>, span: chrono::Duration| {
        (since + span - recent.now)
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
    };
    let locked = [recent.pair_nth, recent.client_nth]
        .into_iter()
        .flatten()
        .filter_map(|nth| left(nth, window))
        .max();
    let slowed = match recent.account_last {
        Some(last) if recent.account_count >= SLOW_AFTER => {
            let steps = (recent.account_count - SLOW_AFTER).min(16) as u32;
            let space = Duration::from_secs(1u64 << steps).min(SLOWEST);
            left(last, chrono::Duration::from_std(space).expect("fits"))
        }
        _ => None,
    };
    locked
        .into_iter()
        .chain(slowed)
        .max()
        .map(|d| d.max(Duration::from_secs(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(seconds_ago: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Some(now - chrono::Duration::seconds(seconds_ago))
    }

    fn quiet(now: DateTime<Utc>) -> Recent {
        Recent {
            pair_nth: None,
            client_nth: None,
            account_count: 0,
            account_last: None,
            now,
        }
    }

    #[test]
    fn a_pair_past_five_is_locked_for_the_rest_of_the_window() {
        let now = Utc::now();
        let recent = Recent {
            pair_nth: at(60, now),
            account_count: 5,
            account_last: at(10, now),
            ..quiet(now)
        };
        let wait = wait(&recent).unwrap();
        assert!(wait > Duration::from_secs(13 * 60) && wait <= Duration::from_secs(14 * 60));
        // Once that failure leaves the window, only the account's spacing is left (passed).
        let later = Recent {
            pair_nth: at(16 * 60, now),
            account_last: at(10, now),
            ..recent
        };
        assert_eq!(super::wait(&later), None);
    }

    #[test]
    fn an_account_attacked_from_everywhere_is_slowed_not_locked() {
        let now = Utc::now();
        let attacked = |count, last| Recent {
            account_count: count,
            account_last: at(last, now),
            ..quiet(now)
        };
        assert_eq!(wait(&attacked(4, 0)), None);
        assert_eq!(wait(&attacked(5, 0)), Some(Duration::from_secs(1)));
        assert_eq!(wait(&attacked(7, 1)), Some(Duration::from_secs(3)));
        // However many failures: at most a minute after the last one, then a try.
        assert_eq!(wait(&attacked(500, 0)), Some(SLOWEST));
        assert_eq!(wait(&attacked(500, 61)), None);
    }

    #[test]
    fn a_spraying_client_is_locked() {
        let now = Utc::now();
        let recent = Recent {
            client_nth: at(5, now),
            ..quiet(now)
        };
        assert!(wait(&recent).unwrap() > Duration::from_secs(14 * 60));
        assert_eq!(wait(&quiet(now)), None);
    }
}
