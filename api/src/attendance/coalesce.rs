//! Check-ins that arrive together are written together: a whole hall scanning at once costs a
//! few statements and commits, not one per student. Each scan is handed to a gatherer; while a
//! batch is being written, the scans that arrive wait, and the next batch takes
//! all of them (up to [`MOST`]) in one statement (`db::attendance::scan_many`). A scan that
//! arrives alone is written at once, so nothing waits for company. Every scan still gets its own
//! outcome (checked in, already checked in, not registered …). A scan that finds no turn within
//! the pool's acquire timeout (the database has stopped answering) is answered 503 unwritten.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::{
    db::{
        self, Database,
        attendance::{Scan, ScanOutcome},
    },
    error::AppError,
};

/// Batches being written at once. One: each batch's checks see the rows of the batch before it,
/// so two students on one phone cannot both pass in neighbouring batches (within one statement
/// the gatherer keeps them apart). Across processes that check can still race, as two single
/// statements always could.
const RUNNING: usize = 1;
/// Most scans in one statement.
const MOST: usize = 500;
/// Scans waiting for the gatherer before senders wait too.
const QUEUE: usize = 10_000;

/// Why a batch could not be written, for each scan in it.
#[derive(Debug, Clone)]
enum Failure {
    Unavailable(String),
    Internal(String),
}

impl From<Failure> for AppError {
    fn from(failure: Failure) -> AppError {
        match failure {
            Failure::Unavailable(detail) => AppError::unavailable(detail),
            Failure::Internal(detail) => AppError::Internal(detail),
        }
    }
}

type Answer = oneshot::Sender<Result<ScanOutcome, Failure>>;

/// The handle the check-in handler sends its scan through.
pub struct Coalescer {
    sender: mpsc::Sender<(Scan, Answer)>,
}

impl Coalescer {
    /// Starts the gatherer on the current runtime.
    pub fn start(db: Database) -> Coalescer {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(gather(db, receiver));
        Coalescer { sender }
    }

    /// Writes the scan (with whatever scans arrive with it) and answers what was found for it.
    pub async fn scan_in(&self, scan: Scan) -> Result<ScanOutcome, AppError> {
        let (answer, outcome) = oneshot::channel();
        self.sender
            .send((scan, answer))
            .await
            .map_err(|_| AppError::Internal("the check-in writer stopped".into()))?;
        outcome
            .await
            .map_err(|_| AppError::Internal("the check-in writer dropped a scan".into()))?
            .map_err(AppError::from)
    }
}

/// The pairs two scans of one statement must not share (see `db::attendance::scan_many`).
fn keys(scan: &Scan) -> [(i64, String); 2] {
    [
        (scan.activity_id, format!("s{}", scan.student_id)),
        (
            scan.activity_id,
            format!("d{}", scan.device_id.as_deref().unwrap_or("")),
        ),
    ]
}

/// A scan waiting for its batch: when it arrived, and where its answer goes.
type Job = (Scan, Answer, Instant);

/// Takes from `waiting` the scans of the next batch: in order, up to [`MOST`], none sharing a
/// pair with another; the rest stay, in order.
fn next_batch(waiting: &mut VecDeque<Job>) -> Vec<Job> {
    let mut taken: HashSet<(i64, String)> = HashSet::new();
    let mut batch = Vec::new();
    let mut rest = VecDeque::new();
    for job in waiting.drain(..) {
        let pairs = keys(&job.0);
        if batch.len() >= MOST || pairs.iter().any(|pair| taken.contains(pair)) {
            rest.push_back(job);
        } else {
            taken.extend(pairs);
            batch.push(job);
        }
    }
    *waiting = rest;
    batch
}

async fn gather(db: Database, mut receiver: mpsc::Receiver<(Scan, Answer)>) {
    let running = Arc::new(Semaphore::new(RUNNING));
    // A scan waits for a turn at most as long as a request waits for a connection: when the
    // database stops answering, the batches being written hold their connections, and the
    // scans behind them are told to retry (nothing of theirs written) instead of piling up.
    let limit = db.acquire_timeout();
    let mut waiting: VecDeque<Job> = VecDeque::new();
    let mut open = true;
    loop {
        while waiting.front().is_some_and(|job| job.2.elapsed() >= limit) {
            if let Some((_, answer, _)) = waiting.pop_front() {
                let _ = answer.send(Err(Failure::Unavailable(
                    "no turn to write the check-in in time".into(),
                )));
            }
        }
        if waiting.is_empty() {
            if !open {
                return;
            }
            match receiver.recv().await {
                Some((scan, answer)) => waiting.push_back((scan, answer, Instant::now())),
                None => return,
            }
        }
        tokio::select! {
            biased;
            turn = running.clone().acquire_owned() => {
                let Ok(turn) = turn else {
                    return;
                };
                while let Ok((scan, answer)) = receiver.try_recv() {
                    waiting.push_back((scan, answer, Instant::now()));
                }
                let batch: Vec<(Scan, Answer)> = next_batch(&mut waiting)
                    .into_iter()
                    .map(|(scan, answer, _)| (scan, answer))
                    .collect();
                let db = db.clone();
                tokio::spawn(async move {
                    write(&db, batch).await;
                    drop(turn);
                });
            }
            job = receiver.recv(), if open => match job {
                Some((scan, answer)) => waiting.push_back((scan, answer, Instant::now())),
                None => open = false,
            },
            // Look at the waiting scans' age again.
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

async fn write(db: &Database, batch: Vec<(Scan, Answer)>) {
    let (scans, answers): (Vec<Scan>, Vec<Answer>) = batch.into_iter().unzip();
    let written = async {
        let mut conn = db.conn().await?;
        db::attendance::scan_many(&mut conn, &scans).await
    }
    .await;
    match written {
        Ok(outcomes) => {
            let mut outcomes = outcomes.into_iter().peekable();
            for (i, answer) in answers.into_iter().enumerate() {
                let n = i as i64 + 1;
                let outcome = match outcomes.next_if(|o| o.n == n) {
                    Some(outcome) => Ok(outcome),
                    None => Err(Failure::Internal(format!("no outcome for scan {n}"))),
                };
                // The client may have gone: its scan is recorded all the same.
                let _ = answer.send(outcome);
            }
        }
        Err(error) => {
            let failure = match error {
                db::Error::Unavailable(detail) => Failure::Unavailable(detail),
                db::Error::Query(query) if db::is_transient(&query) => {
                    Failure::Unavailable(query.to_string())
                }
                other => Failure::Internal(other.to_string()),
            };
            for answer in answers {
                let _ = answer.send(Err(failure.clone()));
            }
        }
    }
}
