//! Sign-in throttling against password guessing: at most 5 failures per account and 30 per
//! client address in 15 minutes; past that, 429 `rate_limited` with `Retry-After`.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const PER_ACCOUNT: usize = 5;
const PER_CLIENT: usize = 30;
/// Keys kept before old ones are swept (memory stays bounded under a spray of names).
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

fn keys(username: &str, client: &str) -> [(String, usize); 2] {
    [
        (format!("account:{}", username.to_lowercase()), PER_ACCOUNT),
        (format!("client:{client}"), PER_CLIENT),
    ]
}

impl LoginThrottle {
    /// `Err(wait)` when either the account or the client is locked out.
    pub fn check(&self, username: &str, client: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for (key, limit) in keys(username, client) {
            if let Some(times) = failures.get(&key) {
                let recent: Vec<&Instant> = times
                    .iter()
                    .filter(|t| now.duration_since(**t) < WINDOW)
                    .collect();
                if recent.len() >= limit {
                    // Unlocks when the oldest failure that still counts leaves the window.
                    let oldest = recent[recent.len() - limit];
                    wait = wait.max(WINDOW.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait.max(Duration::from_secs(1)))
        }
    }

    pub fn record_failure(&self, username: &str, client: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for (key, _) in keys(username, client) {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < WINDOW);
            times.push(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the client's).
    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("account:{}", username.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_account_after_five_failures_and_only_that_account() {
        let throttle = LoginThrottle::default();
        for _ in 0..PER_ACCOUNT {
            assert!(throttle.check("alice", "1.1.1.1").is_ok());
            throttle.record_failure("alice", "1.1.1.1");
        }
        let wait = throttle.check("ALICE", "2.2.2.2").unwrap_err();
        assert!(wait > Duration::from_secs(14 * 60));
        assert!(throttle.check("bob", "1.1.1.1").is_ok());
        throttle.record_success("alice");
        assert!(throttle.check("alice", "1.1.1.1").is_ok());
    }

    #[test]
    fn locks_a_client_spraying_many_accounts() {
        let throttle = LoginThrottle::default();
        for i in 0..PER_CLIENT {
            throttle.record_failure(&format!("user{i}"), "9.9.9.9");
        }
        assert!(throttle.check("fresh-name", "9.9.9.9").is_err());
        assert!(throttle.check("fresh-name", "8.8.8.8").is_ok());
    }
}
