//! The background side of a batch print: a worker in every API process claims queued jobs from
//! PostgreSQL (at most `AppState::batch_turns` at once), issues each job's students'
//! transcripts a chunk at a time, renders them off the async executor into the file
//! ([`super::file`]), stores the file's parts as they come with a heartbeat, and marks the job
//! done or failed — only while its claim holds. A job whose process dies is claimed again by
//! another process once its heartbeat is `jobs.stale_secs` old, and starts over as a new
//! attempt (the transcripts it issued are issued again only if their contents changed).

use actix_web::web;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use shared::transcript::{NewPrintJob, TranscriptDoc};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use uuid::Uuid;

use super::{MAX_BATCH, file as print_file};
use crate::transcripts::{Context, issue, render_slot};
use crate::{
    AppState,
    db::{self, print_jobs::Claimed},
    error::AppError,
    pdf::PdfFonts,
};

/// How often an idle worker looks for queued jobs (a job queued by this process wakes it at
/// once; one queued by another is seen within this).
const POLL: Duration = Duration::from_secs(1);
/// How often the worker sweeps: finished files past retention, old sign-in tries.
const SWEEP: Duration = Duration::from_secs(10 * 60);

/// Starts this process's worker: for as long as the server runs, it claims a job whenever a
/// batch turn is free.
pub fn start(state: Arc<AppState>) {
    let worker = format!(
        "{}:{}:{}",
        hostname(),
        std::process::id(),
        &Uuid::new_v4().simple().to_string()[..8]
    );
    tokio::spawn(async move {
        let mut swept = Instant::now() - SWEEP;
        loop {
            while let Ok(turn) = state.batch_turns.clone().try_acquire_owned() {
                match claim(&state, &worker).await {
                    Ok(Some(job)) => {
                        let state = state.clone();
                        tokio::spawn(async move {
                            run_claimed(&state, job).await;
                            drop(turn);
                            state.jobs_wake.notify_one();
                        });
                    }
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(%error, "the print queue could not be read; retrying");
                        break;
                    }
                }
            }
            if swept.elapsed() >= SWEEP {
                swept = Instant::now();
                if let Err(error) = sweep(&state).await {
                    tracing::warn!(%error, "the print queue's sweep failed; it runs again later");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = state.jobs_wake.notified() => {}
            }
        }
    });
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned())
}

async fn claim(state: &AppState, worker: &str) -> Result<Option<Claimed>, AppError> {
    let jobs = &state.settings.jobs;
    let mut conn = state.db.conn().await?;
    let abandoned =
        db::print_jobs::abandon(&mut conn, jobs.stale_secs as i32, jobs.max_attempts as i32)
            .await?;
    if abandoned > 0 {
        tracing::warn!(
            abandoned,
            "batch prints that kept stopping were marked failed"
        );
    }
    let claimed = db::print_jobs::claim_next(
        &mut conn,
        worker,
        jobs.stale_secs as i32,
        jobs.max_attempts as i32,
    )
    .await?;
    if let Some(job) = &claimed {
        tracing::info!(job = %job.id, attempt = job.attempt, %worker, "batch print claimed");
    }
    Ok(claimed)
}

/// Drops finished files past their retention, and sign-in tries past the throttle's window.
async fn sweep(state: &AppState) -> Result<(), AppError> {
    let mut conn = state.db.conn().await?;
    let before = Utc::now() - chrono::Duration::days(state.settings.jobs.retention_days.into());
    let expired = db::print_jobs::expire(&mut conn, before).await?;
    if expired > 0 {
        tracing::info!(expired, "batch print files past retention dropped");
    }
    db::login_attempts::sweep(&mut conn).await?;
    Ok(())
}

/// Runs a claimed job to its end; a failure marks it failed (if the claim still holds).
async fn run_claimed(state: &AppState, job: Claimed) {
    let (id, claim) = (job.id, job.claim);
    let outcome = match serde_json::from_value::<NewPrintJob>(job.params.clone()) {
        Ok(params) => run_batch(state, &job, params).await,
        Err(error) => Err(AppError::Internal(format!("stored parameters: {error}"))),
    };
    match outcome {
        Ok(true) => tracing::info!(job = %id, "batch print done"),
        Ok(false) => tracing::warn!(job = %id, "batch print taken over by another process"),
        Err(error) => {
            tracing::error!(job = %id, %error, "batch print failed");
            if let Ok(mut conn) = state.db.conn().await {
                let _ = db::print_jobs::fail(&mut conn, id, claim, &error.to_string()).await;
            }
        }
    }
}

/// Issues the transcripts and renders them off the async executor, a chunk of students at a
/// time, storing the file's parts as they come; the job is done when the last part is stored.
async fn run_batch(state: &AppState, job: &Claimed, params: NewPrintJob) -> Result<bool, AppError> {
    let fonts: PdfFonts = state.pdf.clone().ok_or_else(|| {
        AppError::Internal("this server has no CJK font to render transcripts".into())
    })?;
    let _slot = render_slot(state).await?;
    let mut conn = state.db.conn().await?;
    let students = db::transcripts::batch_students(&mut conn, &params, MAX_BATCH as i64).await?;
    let context = Context::get(&mut conn, state).await?;
    // Two parts in flight: the renderer runs ahead of the database by at most that.
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let parts = print_file::Parts::new(sender, state.settings.app.print_part_bytes);
    let mut file = print_file::PrintFile::new(params.format, parts).map_err(AppError::Internal)?;
    let mut stored = Stored {
        job: job.id,
        claim: job.claim,
        attempt: job.attempt,
        receiver,
        next: 0,
        drawn: Arc::new(AtomicUsize::new(0)),
    };
    for chunk in students.chunks(ISSUE_CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|s| s.id).collect();
        let docs = conn
            .transaction::<_, AppError, _>(async |conn| {
                let entries = db::transcripts::entries(conn, &ids, &context.names).await?;
                let cadre = db::cadres::transcript_lines(conn, &ids).await?;
                let prepared: Vec<(i64, TranscriptDoc)> = chunk
                    .iter()
                    .map(|s| {
                        let lines = entries.get(&s.id).map(Vec::as_slice).unwrap_or_default();
                        let positions = cadre.get(&s.id).map(Vec::as_slice).unwrap_or_default();
                        (s.id, context.document(params.style, s, lines, positions))
                    })
                    .collect();
                Ok(issue(
                    conn,
                    &context,
                    params.style,
                    prepared,
                    job.requested_by,
                    Some(job.id),
                )
                .await?
                .0)
            })
            .await?;
        let names: Vec<String> = chunk.iter().map(|s| s.username.clone()).collect();
        let (fonts, drawn) = (fonts.clone(), stored.drawn.clone());
        let work = web::block(move || {
            file.add(&fonts, &docs, &names, &|| {
                drawn.fetch_add(1, Ordering::Relaxed);
            })?;
            Ok(file)
        });
        file = stored.follow(&mut conn, work).await?;
    }
    let size = stored
        .follow(&mut conn, web::block(move || file.finish()))
        .await?;
    let (name, content_type) = print_file::PrintFile::describe(params.format, &job.id);
    let file = db::print_jobs::File {
        name: &name,
        content_type,
        size,
    };
    Ok(db::print_jobs::finish(&mut conn, job.id, job.claim, students.len() as i32, &file).await?)
}

/// Students a batch issues in one transaction before rendering them (their entries, documents
/// and snapshots are in memory meanwhile).
const ISSUE_CHUNK: usize = 200;

/// The storing side of a batch: the parts the renderer sends, and its progress.
struct Stored {
    job: Uuid,
    /// The claim this process holds: every write checks it still does.
    claim: Uuid,
    attempt: i32,
    receiver: tokio::sync::mpsc::Receiver<Vec<u8>>,
    /// The next part's number.
    next: i32,
    /// Transcripts rendered so far.
    drawn: Arc<AtomicUsize>,
}

impl Stored {
    /// Awaits `work` (on the blocking pool), storing the parts it sends and, every 400 ms, the
    /// progress with the heartbeat (stopping when the claim is lost).
    async fn follow<T>(
        &mut self,
        conn: &mut AsyncPgConnection,
        work: impl Future<Output = Result<Result<T, String>, actix_web::error::BlockingError>>,
    ) -> Result<T, AppError> {
        tokio::pin!(work);
        let mut progress = tokio::time::interval(Duration::from_millis(400));
        progress.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let finished = loop {
            tokio::select! {
                finished = &mut work => break finished,
                Some(part) = self.receiver.recv() => self.store(conn, part).await?,
                _ = progress.tick() => {
                    let so_far = AtomicUsize::load(&self.drawn, Ordering::Relaxed) as i32;
                    if !db::print_jobs::heartbeat(conn, self.job, self.claim, so_far).await? {
                        return Err(AppError::Internal(
                            "the job was taken over by another process".into(),
                        ));
                    }
                }
            }
        };
        // What the work sent before it finished.
        while let Ok(part) = self.receiver.try_recv() {
            self.store(conn, part).await?;
        }
        finished
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(AppError::Internal)
    }

    async fn store(&mut self, conn: &mut AsyncPgConnection, part: Vec<u8>) -> Result<(), AppError> {
        db::print_jobs::add_part(conn, self.job, self.attempt, self.next, &part).await?;
        self.next += 1;
        Ok(())
    }
}
