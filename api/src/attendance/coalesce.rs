//! Check-ins that arrive together are written together: a whole hall scanning at once costs a
//! few statements and commits, not one per student. Each scan is handed to a gatherer; while up
//! to [`RUNNING`] batches are being written, the scans that arrive wait, and the next batch takes
//! all of them (up to [`MOST`]) in one statement (`db::attendance::scan_many`). A scan that
//! arrives alone is written at once, so nothing waits for company. Every scan still gets its own
//! outcome (checked in, already checked in, not registered …).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::{
    db::{
        self, Database,
        attendance::{Scan, ScanOutcome},
    },
    error::AppError,
};

/// Batches being written at once. Two: one is written while the next gathers.
const RUNNING: usize = 2;
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

async fn gather(db: Database, mut receiver: mpsc::Receiver<(Scan, Answer)>) {
    let running = Arc::new(Semaphore::new(RUNNING));
    // Scans put off because they share a pair with one in the batch being made.
    let mut put_off: VecDeque<(Scan, Answer)> = VecDeque::new();
    loop {
        let Ok(turn) = running.clone().acquire_owned().await else {
            return;
        };
        let first = match put_off.pop_front() {
            Some(job) => job,
            None => match receiver.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut taken: HashSet<(i64, String)> = keys(&first.0).into_iter().collect();
        let mut batch = vec![first];
        let mut later = VecDeque::new();
        let mut offer = |job: (Scan, Answer), batch: &mut Vec<(Scan, Answer)>| {
            let pairs = keys(&job.0);
            if batch.len() >= MOST || pairs.iter().any(|pair| taken.contains(pair)) {
                later.push_back(job);
            } else {
                taken.extend(pairs);
                batch.push(job);
            }
        };
        for job in put_off.drain(..) {
            offer(job, &mut batch);
        }
        while batch.len() < MOST {
            match receiver.try_recv() {
                Ok(job) => offer(job, &mut batch),
                Err(_) => break,
            }
        }
        put_off = later;
        let db = db.clone();
        tokio::spawn(async move {
            write(&db, batch).await;
            drop(turn);
        });
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
