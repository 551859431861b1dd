//! [`Recent`]: answers kept for a moment, for reads that many people make alike and that change
//! rarely (the activity feed, a college's leaderboard). An answer is served while it is younger
//! than the cache's time limit and no write of what it was read from has been made by this
//! process since it was read (a counter the writes bump); so whoever changes something sees
//! the change at once, and a change made through another server process shows within the
//! limit at worst — in practice at once: each bump is also announced to the other processes
//! through PostgreSQL (`NOTIFY`, see [`crate::cache_sync`]), which bump their own counter. The
//! counter is bumped as a write is sent, before its transaction commits: an answer read in
//! between is kept no longer than the limit.
//!
//! When an answer grows too old, the first caller to ask reads it again while the others are
//! still served the old one (until it is twice the limit old): a popular answer is read again by
//! one request, not by every request that arrives before the new one is there.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Writes by this process to what transcripts are built from besides the ledger — the school
/// profile, categories, terms and scoring rules: `transcripts::Context` is kept while this has
/// not moved. Bumped by the handlers that make those writes.
pub static REFERENCE_WRITES: Writes = Writes::new("reference");

/// Writes to activities and registrations by this process: a kept feed page
/// (`activities::Feed`) is served only while this has not moved. Bumped by the handlers that
/// make those writes (publishing, sign-ups, check-ins, results).
pub static ACTIVITY_WRITES: Writes = Writes::new("activity");

/// Writes to standings by this process: a kept leaderboard (`points::Boards`) is served only
/// while this has not moved. Bumped by the handlers that write the ledger.
pub static STANDINGS_WRITES: Writes = Writes::new("standings");

/// The counts that writes bump, by the name other processes know them by (the others are never
/// bumped: their answers are kept for their time whatever is written).
pub static SHARED: [&Writes; 3] = [&REFERENCE_WRITES, &ACTIVITY_WRITES, &STANDINGS_WRITES];

/// Wakes [`crate::cache_sync`]'s announcer: some count has a bump to announce.
pub static ANNOUNCE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A count of the writes to what some answers are read from; a write by this process bumps it
/// as it is sent (and has it announced to the others), an announcement from another process
/// bumps it on arrival.
pub struct Writes {
    name: &'static str,
    count: AtomicU64,
    /// Bumped here since the last announcement.
    unannounced: AtomicBool,
}

impl Writes {
    pub const fn new(name: &'static str) -> Writes {
        Writes {
            name,
            count: AtomicU64::new(0),
            unannounced: AtomicBool::new(false),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn count(&self) -> u64 {
        AtomicU64::load(&self.count, Ordering::Acquire)
    }

    /// A write by this process: kept answers go, here at once and in the other processes once
    /// the announcement arrives.
    pub fn bump(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
        self.unannounced.store(true, Ordering::Release);
        ANNOUNCE.notify_one();
    }

    /// A write another process announced.
    pub fn bump_here(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether a bump is waiting to be announced; clears it.
    pub fn take_unannounced(&self) -> bool {
        self.unannounced.swap(false, Ordering::AcqRel)
    }
}

pub struct Recent<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    keep: Duration,
    most: usize,
    /// The writes the answers depend on.
    writes: &'static Writes,
}

struct Entry<V> {
    read_at: Instant,
    /// `writes()` before the answer was read.
    writes: u64,
    value: V,
    /// When a caller was sent to read it again.
    refreshing: Option<Instant>,
}

impl<V> Entry<V> {
    /// Whether it may be served at all: no write since, and not older than twice the limit.
    fn usable(&self, now: Instant, keep: Duration, writes: u64) -> bool {
        self.writes == writes && now.duration_since(self.read_at) < 2 * keep
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// Answers kept `keep`, at most `most` of them (past that the stale ones go, and if none
    /// is stale, all), valid while `writes` stays where it was when they were read.
    pub fn new(keep: Duration, most: usize, writes: &'static Writes) -> Recent<K, V> {
        Recent {
            entries: Mutex::new(HashMap::new()),
            keep,
            most,
            writes,
        }
    }

    /// The count to pass to [`Recent::put`]: read it before reading the answer.
    fn writes(&self) -> u64 {
        self.writes.count()
    }

    /// The answer stored under `key` if it may still be served, else what `load` reads, which
    /// is stored for the next callers.
    pub async fn get_or_load<E>(
        &self,
        key: K,
        load: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let writes = self.writes();
        let value = load.await?;
        self.put(key, writes, value.clone());
        Ok(value)
    }

    /// The answer stored under `key`, if it may still be served; `None` tells the caller to
    /// read it and [`Recent::put`] it.
    fn get(&self, key: &K) -> Option<V> {
        let now = Instant::now();
        let writes = self.writes();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get_mut(key)?;
        if !entry.usable(now, self.keep, writes) {
            return None;
        }
        if now.duration_since(entry.read_at) < self.keep {
            return Some(entry.value.clone());
        }
        match entry.refreshing {
            // Someone is reading it again: the old answer meanwhile.
            Some(since) if now.duration_since(since) < self.keep => Some(entry.value.clone()),
            _ => {
                entry.refreshing = Some(now);
                None
            }
        }
    }

    /// How many answers it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Stores an answer read when [`Recent::writes`] was `writes`.
    fn put(&self, key: K, writes: u64, value: V) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.most && !entries.contains_key(&key) {
            let current = self.writes();
            entries.retain(|_, entry| entry.usable(now, self.keep, current));
            if entries.len() >= self.most {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                read_at: now,
                writes,
                value,
                refreshing: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each test its own counter: the tests run in parallel, and a bump by one must not
    // invalidate what another has just stored.

    #[test]
    fn an_answer_is_served_until_a_write_or_until_it_is_too_old() {
        static WRITES: Writes = Writes::new("test");
        let cache = Recent::new(Duration::from_millis(200), 10, &WRITES);
        cache.put("a", cache.writes(), 1);
        assert_eq!(cache.get(&"a"), Some(1));
        assert_eq!(cache.get(&"b"), None, "never stored");

        WRITES.bump();
        assert_eq!(cache.get(&"a"), None, "a write since");

        cache.put("a", cache.writes(), 2);
        assert_eq!(cache.get(&"a"), Some(2));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(cache.get(&"a"), None, "too old: this caller reads it again");
        assert_eq!(
            cache.get(&"a"),
            Some(2),
            "the others get the old one meanwhile"
        );
        cache.put("a", cache.writes(), 3);
        assert_eq!(cache.get(&"a"), Some(3));

        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(cache.get(&"a"), None);
        // The caller sent to read it again never came back: after another limit, the next is.
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(cache.get(&"a"), None);
    }

    #[test]
    fn an_answer_read_before_a_write_is_not_served_after_it() {
        static WRITES: Writes = Writes::new("test");
        let cache = Recent::new(Duration::from_secs(60), 10, &WRITES);
        let before = cache.writes();
        WRITES.bump();
        cache.put("a", before, 1);
        assert_eq!(cache.get(&"a"), None);
    }

    #[test]
    fn it_holds_a_bounded_number_of_answers() {
        static NO_WRITES: Writes = Writes::new("none");
        let cache = Recent::new(Duration::from_secs(60), 8, &NO_WRITES);
        for i in 0..20 {
            cache.put(i, 0, i);
        }
        assert!(cache.entries.lock().unwrap().len() <= 8);
        assert_eq!(cache.get(&19), Some(19), "the newest stays");
    }
}
