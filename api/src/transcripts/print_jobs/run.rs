//! The background side of a batch print: issuing its students' transcripts a chunk at a time,
//! rendering them off the async executor into the file ([`super::file`]), storing the
//! file's parts as they come and the job's progress, and marking the job done or failed.

use actix_web::web;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use shared::transcript::{NewPrintJob, TranscriptDoc};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use uuid::Uuid;

use super::file as print_file;
use crate::transcripts::{Context, issue, render_slot};
use crate::{
    AppState,
    db::{self, points::StudentInfo},
    error::AppError,
    pdf::PdfFonts,
};

/// Runs the batch `id` in the background; a failure marks the job failed and drops the parts
/// stored so far.
pub(super) fn spawn(
    state: Arc<AppState>,
    fonts: PdfFonts,
    id: Uuid,
    params: NewPrintJob,
    students: Vec<StudentInfo>,
    actor: i64,
) {
    actix_web::rt::spawn(async move {
        if let Err(error) = run_batch(&state, fonts, id, params, students, actor).await {
            tracing::error!(job = %id, %error, "batch print failed");
            if let Ok(mut conn) = state.db.conn().await {
                let _ = db::print_jobs::discard_parts(&mut conn, id).await;
                let _ = db::print_jobs::fail(&mut conn, id, &error.to_string()).await;
            }
        }
    });
}

/// Issues the transcripts and renders them off the async executor, a chunk of students at a
/// time, storing the file's parts as they come; the job is done when the last part is stored.
async fn run_batch(
    state: &AppState,
    fonts: PdfFonts,
    id: Uuid,
    params: NewPrintJob,
    students: Vec<StudentInfo>,
    actor: i64,
) -> Result<(), AppError> {
    // The turn first, then a connection: a batch waiting for a render slot holds none (a
    // dozen queued batches once took the whole pool, and every other request answered 503).
    let _turn = state
        .batch_turns
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let _slot = render_slot(state).await?;
    let mut conn = state.db.conn().await?;
    db::print_jobs::start(&mut conn, id).await?;
    let context = Context::get(&mut conn, state).await?;
    // Two parts in flight: the renderer runs ahead of the database by at most that.
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let parts = print_file::Parts::new(sender, state.settings.app.print_part_bytes);
    let mut file = print_file::PrintFile::new(params.format, parts).map_err(AppError::Internal)?;
    let mut stored = Stored {
        job: id,
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
                Ok(
                    issue(conn, &context, params.style, prepared, actor, Some(id))
                        .await?
                        .0,
                )
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
    let (name, content_type) = print_file::PrintFile::describe(params.format, &id);
    let file = db::print_jobs::File {
        name: &name,
        content_type,
        size,
    };
    db::print_jobs::finish(&mut conn, id, students.len() as i32, &file).await?;
    Ok(())
}

/// Students a batch issues in one transaction before rendering them (their entries, documents
/// and snapshots are in memory meanwhile).
const ISSUE_CHUNK: usize = 200;

/// The storing side of a batch: the parts the renderer sends, and its progress.
struct Stored {
    job: Uuid,
    receiver: tokio::sync::mpsc::Receiver<Vec<u8>>,
    /// The next part's number.
    next: i32,
    /// Transcripts rendered so far.
    drawn: Arc<AtomicUsize>,
}

impl Stored {
    /// Awaits `work` (on the blocking pool), storing the parts it sends and, every 400 ms, the
    /// progress.
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
                    db::print_jobs::progress(conn, self.job, so_far).await?;
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
        db::print_jobs::add_part(conn, self.job, self.next, &part).await?;
        self.next += 1;
        Ok(())
    }
}
