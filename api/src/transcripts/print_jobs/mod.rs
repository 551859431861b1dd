//! Batch printing: `POST /api/print-jobs` queues one (in PostgreSQL; any API process's worker
//! in [`run`] takes it), `GET /api/print-jobs[/{id}]` follow them, and
//! `GET /api/print-jobs/{id}/file` downloads the finished file (kept `jobs.retention_days`).

mod file;
pub mod run;

use actix_web::{HttpResponse, get, http::header, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::Permission,
    page::{PageParams, PageRequest},
    transcript::{NewPrintJob, PrintJob, PrintStatus},
};
use utoipa::IntoParams;
use uuid::Uuid;

use super::fonts;
use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change, print_jobs::JobRow},
    error::AppError,
};

/// Most students one batch prints.
pub const MAX_BATCH: usize = 10_000;

/// Start a batch print
///
/// Prints the transcripts of the students of an organisation's subtree (a college, say),
/// optionally one major, class and/or intake, as one PDF or a zip of one PDF per student. Each
/// transcript is issued with its own serial. Queued and run in the background by whichever API
/// process is free (taken over by another if that one stops): poll `GET /api/print-jobs/{id}`
/// for progress, then download `GET /api/print-jobs/{id}/file`; the file is kept 30 days
/// (`jobs.retention_days`), then the job reads `expired`. An organisation has at most 3 batches
/// waiting or printing at once (`jobs.per_organization`; then 429). `issue_certificates` over the
/// organisation.
#[utoipa::path(
    tag = "transcripts",
    request_body = NewPrintJob,
    responses(
        (status = 202, description = "Started", body = PrintJob),
        (status = 403, description = "Lacks the permission or outside the subtree", body = ApiError),
        (status = 422, description = "No students match, or too many", body = ApiError),
        (status = 429, description = "The organisation has as many batches waiting or printing as allowed; see Retry-After", body = ApiError),
        (status = 503, description = "No CJK font installed on the server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/print-jobs")]
pub async fn start_batch(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewPrintJob>,
) -> Result<HttpResponse, AppError> {
    let params = body.into_inner();
    // Whichever process runs the batch needs a font; refuse here rather than queue a failure.
    fonts(&state)?;
    let mut conn = state.db.conn().await?;
    let org = db::organizations::get(&mut conn, params.organization_id)
        .await?
        .ok_or_else(|| {
            AppError::from(ApiError::invalid("organization_id", "no such organisation"))
        })?;
    actor.require_within(Permission::IssueCertificates, &org.path)?;
    let students =
        db::transcripts::batch_students(&mut conn, &params, MAX_BATCH as i64 + 1).await?;
    if students.is_empty() {
        return Err(ApiError::invalid("organization_id", "no students match").into());
    }
    if students.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "organization_id",
            format!("at most {MAX_BATCH} students in one batch: narrow it by intake or major"),
        )
        .into());
    }
    let quota = state.settings.jobs.per_organization;
    if db::print_jobs::unfinished_of(&mut conn, org.id).await? >= i64::from(quota) {
        return Ok(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, "30"))
            .json(ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "{} already has {quota} batches waiting or printing; start this one when one \
                     of them is done",
                    org.name
                ),
            )));
    }
    let id = Uuid::new_v4();
    let total = students.len() as i32;
    conn.transaction::<_, AppError, _>(async |conn| {
        db::print_jobs::create(conn, id, org.id, actor.account_id, &params, total).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(org.id),
                action: "transcript.batch",
                target_type: "print_job",
                target_id: id.to_string(),
                details: json!({"params": params, "students": total}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let created = db::print_jobs::get(&mut conn, id)
        .await?
        .and_then(JobRow::job)
        .ok_or_else(|| AppError::not_found("print job"))?;
    drop(conn);
    // This process's worker looks at once; the others within a second.
    state.jobs_wake.notify_one();
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/print-jobs/{id}/file")))
        .json(created))
}

/// A batch print's progress
///
/// The organisation that asked, or any above it, with `issue_certificates`.
#[utoipa::path(
    tag = "transcripts",
    params(("id" = uuid::Uuid, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, description = "Progress", body = PrintJob),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such job, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/print-jobs/{id}")]
pub async fn get_batch(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<Uuid>,
) -> Result<web::Json<PrintJob>, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let mut conn = state.db.conn().await?;
    // Another subtree's jobs are not there for the caller (404, as an unknown id).
    let row = db::print_jobs::get(&mut conn, *id)
        .await?
        .filter(|row| actor.is_within(&row.org_path))
        .ok_or_else(|| AppError::not_found("print job"))?;
    row.job()
        .map(web::Json)
        .ok_or_else(|| AppError::Internal("print job parameters".into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// Batch prints
///
/// The batches of the caller's subtree, newest first. `issue_certificates`.
#[utoipa::path(
    tag = "transcripts",
    params(JobsQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<PrintJob>),
        (status = 403, description = "Lacks the permission", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/print-jobs")]
pub async fn list_batches(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<JobsQuery>,
) -> Result<web::Json<Page<PrintJob>>, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let (rows, total) = db::print_jobs::list_within(&mut conn, actor.org.id, page).await?;
    let items = rows.into_iter().filter_map(JobRow::job).collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// Download a batch
///
/// The finished batch's file (PDF or zip). As `GET /api/print-jobs/{id}`.
#[utoipa::path(
    tag = "transcripts",
    params(("id" = uuid::Uuid, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, description = "The file: a PDF, or a zip of PDFs", content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/zip"))),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such job, or not one the caller may see", body = ApiError),
        (status = 202, description = "Still printing: the job, with `Location` to ask again", body = PrintJob),
        (status = 409, description = "The batch failed, or its file was dropped after the retention period", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/print-jobs/{id}/file")]
pub async fn batch_file(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let mut conn = state.db.conn().await?;
    // Another subtree's jobs are not there for the caller (404, as an unknown id).
    let row = db::print_jobs::get(&mut conn, *id)
        .await?
        .filter(|row| actor.is_within(&row.org_path))
        .ok_or_else(|| AppError::not_found("print job"))?;
    drop(conn);
    match (&row.file_name, &row.content_type, row.size_bytes) {
        (Some(name), Some(content_type), Some(size)) => Ok(HttpResponse::Ok()
            .content_type(content_type.as_str())
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .no_chunking(size as u64)
            .streaming(file_parts(state.db.clone(), *id))),
        _ => {
            let job = row
                .job()
                .ok_or_else(|| AppError::Internal("print job parameters".into()))?;
            if job.status == PrintStatus::Failed {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("the batch failed: {}", job.error.unwrap_or_default()),
                ));
            }
            if job.status == PrintStatus::Expired {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "the batch's file was dropped {} days after it was made; start the \
                         batch again (its transcripts keep their serials if unchanged)",
                        state.settings.jobs.retention_days
                    ),
                ));
            }
            // Still printing: come back (the same URL) in a moment.
            Ok(HttpResponse::Accepted()
                .insert_header((header::LOCATION, format!("/api/print-jobs/{}/file", job.id)))
                .insert_header((header::RETRY_AFTER, "1"))
                .json(job))
        }
    }
}

/// The stored parts of job `id`'s file, in order, each read with a connection taken for that
/// part alone: a slow download holds no connection while the client reads. A failure midway
/// can only cut the response short (its length is announced), which the client notices.
fn file_parts(
    db: db::Database,
    id: Uuid,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + 'static {
    futures_util::stream::try_unfold(0, move |seq| {
        let db = db.clone();
        async move {
            let part = async {
                let mut conn = db.conn().await?;
                Ok::<_, AppError>(db::print_jobs::part(&mut conn, id, seq).await?)
            }
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
            Ok(part.map(|bytes| (web::Bytes::from(bytes), seq + 1)))
        }
    })
}
