//! Transcripts (成绩单): built from the current ledger entries in one of three styles, issued
//! under an unguessable serial with a snapshot and its hash, rendered to PDF in-process,
//! verified publicly by serial, and printed in batches by a background job.
//!
//! Here: what a transcript is built from ([`Context`]) and issuing it, with the preview, issue,
//! PDF, revoke and list endpoints; public verification in [`verify`]; the batch print
//! endpoints in [`print`], and the job that runs a batch in `print_job`. What they store and
//! read goes through [`crate::db::transcripts`] and [`crate::db::print_jobs`].

pub mod print_jobs;
pub mod verify;

use actix_web::{HttpResponse, get, http::header, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    page::{PageParams, PageRequest},
    rules::{self, Points},
    transcript::{
        self, IssueRequest, IssuedTranscript, RevokeRequest, TranscriptDoc, TranscriptEntry,
        TranscriptStudent, TranscriptStyle, Verification,
    },
};
use std::{collections::HashMap, sync::Arc, time::Duration};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{
    AppState,
    auth::Actor,
    db::{
        self,
        audit::Change,
        points::{self as ledger, StudentInfo, student},
        transcripts::{Listed, NewTranscript},
    },
    error::AppError,
    pdf::PdfFonts,
};
use verify::{check_serial, status_of, verification};

/// The student as a transcript prints them.
fn printed(student: &StudentInfo) -> TranscriptStudent {
    TranscriptStudent {
        name: student.display_name.clone(),
        student_no: student.username.clone(),
        college: student.college.clone(),
        major: student.major.clone(),
        class_name: student.class_name.clone(),
        enrolment_year: student.enrolment_year,
        degree: student.degree(),
    }
}

/// What a transcript is built from besides the ledger, kept for a few seconds
/// ([`AppState::transcript_context`]; reloaded after any change to it by this server).
pub struct Context {
    school_name: String,
    names: HashMap<String, String>,
    order: Vec<String>,
    rules: rules::RuleSet,
    base_url: String,
}

/// How long a [`Context`] is kept.
pub const CONTEXT_KEEP: Duration = Duration::from_secs(5);

impl Context {
    /// The kept context, or a fresh one: five queries less on every PDF.
    async fn get(conn: &mut AsyncPgConnection, state: &AppState) -> Result<Arc<Context>, AppError> {
        let load = async { Ok::<_, AppError>(Arc::new(Context::load(conn, state).await?)) };
        state.transcript_context.get_or_load((), load).await
    }

    async fn load(conn: &mut AsyncPgConnection, state: &AppState) -> Result<Context, AppError> {
        let school_name = db::school::get(conn)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let names = db::categories::names(conn).await?;
        let order = db::categories::order(conn).await?;
        let term = ledger::term_on(conn, ledger::today()).await?;
        let rules = match term {
            Some(term) => ledger::rules_for(conn, &term).await?.1,
            None => rules::RuleSet::default_rules(),
        };
        Ok(Context {
            school_name,
            names,
            order,
            rules,
            base_url: state
                .settings
                .server
                .public_url
                .trim_end_matches('/')
                .to_owned(),
        })
    }

    /// The preview: everything but the serial, the issue time and the link.
    fn document(
        &self,
        style: TranscriptStyle,
        student: &StudentInfo,
        entries: &[TranscriptEntry],
        cadre: &[shared::transcript::CadreLine],
    ) -> TranscriptDoc {
        let printed = printed(student);
        let totals = transcript::category_totals(entries);
        let progress = rules::progress(self.rules.requirements.for_degree(printed.degree), &totals);
        let progress_codes: Vec<String> = progress.iter().map(|p| p.category.clone()).collect();
        let mut doc = TranscriptDoc {
            school_name: self.school_name.clone(),
            title: transcript::title_for(printed.degree),
            style,
            sections: transcript::sections(style, entries, &self.order),
            progress,
            total_points: Points(entries.iter().map(|e| e.points.0).sum()),
            total_hours: (entries.iter().map(|e| e.hours).sum::<f64>() * 100.0).round() / 100.0,
            student: printed,
            serial: String::new(),
            issued_at: String::new(),
            verify_url: String::new(),
            category_names: progress_names(&progress_codes, &self.names),
            cadre: cadre.to_vec(),
        };
        no_negative_zero(&mut doc);
        doc
    }

    fn verify_url(&self, serial: &str) -> String {
        format!("{}/verify/{serial}", self.base_url)
    }
}

fn progress_names(
    codes: &[String],
    names: &HashMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    codes
        .iter()
        .filter_map(|c| names.get(c).map(|n| (c.clone(), n.clone())))
        .collect()
}

/// Turns the hours that are -0.0 (a sum of no hours: `f64`'s `Sum` starts from -0.0) into 0.0.
/// The snapshot is stored as `jsonb`, whose numbers have no negative zero: a document hashed
/// with `-0.0` in it would read back as `0.0`, and its hash would no longer match its snapshot
/// (found by the restore drill, `tests/api/backups.rs`).
fn no_negative_zero(doc: &mut TranscriptDoc) {
    // Adding 0.0 turns -0.0 into 0.0 and leaves every other number as it is.
    doc.total_hours += 0.0;
    for section in &mut doc.sections {
        section.hours += 0.0;
        for entry in &mut section.entries {
            entry.hours += 0.0;
        }
    }
    for row in &mut doc.progress {
        row.earned_hours += 0.0;
        row.required_hours += 0.0;
    }
}

/// The hash of what a transcript says (without its serial, time and link).
fn content_hash(doc: &TranscriptDoc) -> Vec<u8> {
    let mut bare = doc.clone();
    bare.serial.clear();
    bare.issued_at.clear();
    bare.verify_url.clear();
    Sha256::digest(serde_json::to_vec(&bare).expect("document serialises")).to_vec()
}

/// 120 random bits in Crockford base32, `SCT-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`.
fn new_serial() -> String {
    serial("SCT")
}

/// `PREFIX-` and 120 random bits in Crockford base32 (six groups of four); certificates' are
/// `SCC-…`.
pub(crate) fn serial(prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = crate::auth::secret::bytes::<15>();
    let mut bits: u128 = 0;
    for b in &bytes[..15] {
        bits = (bits << 8) | u128::from(*b);
    }
    let chars: Vec<char> = (0..24)
        .map(|i| ALPHABET[((bits >> (115 - i * 5)) & 31) as usize] as char)
        .collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    format!("{prefix}-{}", groups.join("-"))
}

/// Issues the documents: a student whose latest transcript of the style says the same (and is
/// not revoked) keeps its serial; otherwise a new serial is stored with the snapshot. Returns
/// the documents with serial, time and link set, and how many got a new serial.
async fn issue(
    conn: &mut AsyncPgConnection,
    context: &Context,
    style: TranscriptStyle,
    docs: Vec<(i64, TranscriptDoc)>,
    issued_by: i64,
    batch: Option<Uuid>,
) -> db::Result<(Vec<TranscriptDoc>, usize)> {
    let ids: Vec<i64> = docs.iter().map(|(id, _)| *id).collect();
    let latest = db::transcripts::latest(conn, &ids, style).await?;
    let now = Utc::now();
    let mut out = Vec::with_capacity(docs.len());
    let mut rows = Vec::new();
    for (student, mut doc) in docs {
        let hash = content_hash(&doc);
        let (serial, at) = match latest.get(&student) {
            Some(l) if l.content_hash == hash => (l.serial.clone(), l.issued_at),
            _ => {
                let serial = new_serial();
                doc.serial = serial.clone();
                doc.issued_at = now.to_rfc3339();
                doc.verify_url = context.verify_url(&serial);
                rows.push(NewTranscript {
                    serial: serial.clone(),
                    student_id: student,
                    style,
                    snapshot: serde_json::to_value(&doc).expect("serialises"),
                    content_hash: hash,
                    issued_at: now,
                    issued_by,
                    batch_id: batch,
                });
                (serial, now)
            }
        };
        doc.serial = serial.clone();
        doc.issued_at = at.to_rfc3339();
        doc.verify_url = context.verify_url(&serial);
        out.push(doc);
    }
    db::transcripts::insert(conn, &rows).await?;
    Ok((out, rows.len()))
}

/// The student's own; or an organisation over the student's college holding one of `any_of`.
fn may_print(actor: &Actor, student: &StudentInfo, any_of: &[Permission]) -> Result<(), AppError> {
    actor.require_student_or_within(student.id, &student.college_path, any_of)
}

fn fonts(state: &AppState) -> Result<PdfFonts, AppError> {
    state.pdf.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::ServiceUnavailable,
            "transcript PDFs are unavailable on this server: it has no CJK font (install \
             fonts-noto-cjk or set TRANSCRIPT_FONT)",
        )
    })
}

/// Waits for one of the render slots (`AppState::pdf_renders`); the render holds it.
async fn render_slot(state: &AppState) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
    state
        .pdf_renders
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Renders on the blocking pool, once a render slot is free.
async fn render(
    state: &AppState,
    fonts: PdfFonts,
    doc: TranscriptDoc,
) -> Result<Vec<u8>, AppError> {
    let _slot = render_slot(state).await?;
    web::block(move || crate::pdf::render(&fonts, &doc))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// Default: the signed-in student.
    pub student_id: Option<i64>,
    /// `by_method`, `by_term` or `by_category` (default).
    #[param(pattern = "^(by_method|by_term|by_category)$")]
    pub style: Option<String>,
}

fn style_of(text: Option<&str>) -> Result<TranscriptStyle, AppError> {
    match text {
        None => Ok(TranscriptStyle::ByCategory),
        Some(text) => TranscriptStyle::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "style is by_method, by_term or by_category",
            )
            .with_field("style")
            .into()
        }),
    }
}

fn target(actor: &Actor, student_id: Option<i64>) -> Result<i64, AppError> {
    match student_id {
        Some(id) => Ok(id),
        None if actor.kind == AccountKind::Student => Ok(actor.account_id),
        None => Err(ApiError::invalid("student_id", "say whose transcript").into()),
    }
}

/// Preview a transcript
///
/// What a transcript of the style would print now (no serial yet). The student's own, or an
/// organisation over the student's college with `issue_certificates` or `view_reports`.
#[utoipa::path(
    tag = "transcripts",
    params(PreviewQuery),
    responses(
        (status = 200, description = "The document", body = TranscriptDoc),
        (status = 403, description = "An organisation account without the permission", body = ApiError),
        (status = 404, description = "No such student, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/transcripts/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<PreviewQuery>,
) -> Result<web::Json<TranscriptDoc>, AppError> {
    let style = style_of(query.style.as_deref())?;
    let id = target(&actor, query.student_id)?;
    let may = [Permission::IssueCertificates, Permission::ViewReports];
    actor.require_any(&may)?;
    let mut conn = state.db.conn().await?;
    let student = student(&mut conn, id).await?;
    may_print(&actor, &student, &may)?;
    let context = Context::get(&mut conn, &state).await?;
    let entries = db::transcripts::entries(&mut conn, &[id], &context.names).await?;
    let entries = entries.get(&id).map(Vec::as_slice).unwrap_or_default();
    let cadre = db::cadres::transcript_lines(&mut conn, &[id]).await?;
    let cadre = cadre.get(&id).map(Vec::as_slice).unwrap_or_default();
    Ok(web::Json(context.document(style, &student, entries, cadre)))
}

/// Issue a transcript
///
/// Stores what the transcript says under a new unguessable serial (or returns the current one
/// when nothing changed since) and returns it. The student's own, or an organisation over the
/// student's college with `issue_certificates`. Download the PDF from
/// `GET /api/transcripts/{serial}/pdf`.
#[utoipa::path(
    tag = "transcripts",
    request_body = IssueRequest,
    responses(
        (status = 201, description = "Issued", body = Verification),
        (status = 403, description = "An organisation account without the permission", body = ApiError),
        (status = 404, description = "No such student, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/transcripts")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<IssueRequest>,
) -> Result<HttpResponse, AppError> {
    let id = target(&actor, body.student_id)?;
    let style = body.style;
    actor.require_any(&[Permission::IssueCertificates])?;
    let mut conn = state.db.conn().await?;
    let student = student(&mut conn, id).await?;
    may_print(&actor, &student, &[Permission::IssueCertificates])?;
    let doc = issue_one(&mut conn, &state, &actor, &student, style).await?;
    let found = verification(&mut conn, &doc.serial)
        .await?
        .ok_or_else(|| AppError::not_found("transcript"))?;
    Ok(HttpResponse::Created().json(found))
}

/// Issues (or finds unchanged) one student's transcript of a style, audited.
async fn issue_one(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    actor: &Actor,
    student: &StudentInfo,
    style: TranscriptStyle,
) -> Result<TranscriptDoc, AppError> {
    let context = Context::get(conn, state).await?;
    let id = student.id;
    conn.transaction::<_, AppError, _>(async |conn| {
        let entries = db::transcripts::entries(conn, &[id], &context.names).await?;
        let entries = entries.get(&id).map(Vec::as_slice).unwrap_or_default();
        let cadre = db::cadres::transcript_lines(conn, &[id]).await?;
        let cadre = cadre.get(&id).map(Vec::as_slice).unwrap_or_default();
        let doc = context.document(style, student, entries, cadre);
        let (mut issued, new) = issue(
            conn,
            &context,
            style,
            vec![(id, doc)],
            actor.account_id,
            None,
        )
        .await?;
        let doc = issued.pop().expect("one document");
        if new == 0 {
            // The same transcript as last time: nothing was written, nothing to audit.
            return Ok(doc);
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "transcript.issue",
                target_type: "transcript",
                target_id: doc.serial.clone(),
                details: json!({"student_id": id, "style": style.as_str()}),
            },
        )
        .await?;
        Ok(doc)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StyleQuery {
    /// `by_method`, `by_term` or `by_category` (default).
    #[param(pattern = "^(by_method|by_term|by_category)$")]
    pub style: Option<String>,
}

/// My transcript as a PDF
///
/// The signed-in student's transcript in one step: issued (or, when nothing changed since the
/// last one of the style, the same serial again) and rendered. The serial is in the
/// `X-Transcript-Serial` header.
#[utoipa::path(
    tag = "transcripts",
    params(StyleQuery),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "Unknown style", body = ApiError),
        (status = 403, description = "Not a student", body = ApiError),
        (status = 503, description = "No CJK font installed on the server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/transcript.pdf")]
pub async fn my_pdf(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StyleQuery>,
) -> Result<HttpResponse, AppError> {
    let style = style_of(query.style.as_deref())?;
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students have transcripts",
        ));
    }
    let fonts = fonts(&state)?;
    let mut conn = state.db.conn().await?;
    let student = student(&mut conn, actor.account_id).await?;
    let doc = issue_one(&mut conn, &state, &actor, &student, style).await?;
    drop(conn);
    let serial = doc.serial.clone();
    let bytes = render(&state, fonts, doc).await?;
    Ok(pdf_response(bytes, &student.username, &serial))
}

fn pdf_response(bytes: Vec<u8>, student_no: &str, serial: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"transcript-{student_no}.pdf\""),
        ))
        .insert_header(("X-Transcript-Serial", serial))
        .body(bytes)
}

/// Download an issued transcript
///
/// The PDF (A4) of an issued transcript: what was issued, with its serial and a QR code of its
/// verification link. The student's own, or an organisation over the student's college with
/// `issue_certificates`.
#[utoipa::path(
    tag = "transcripts",
    params(("serial" = String, Path, description = "Serial")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "An organisation account without the permission", body = ApiError),
        (status = 404, description = "No such transcript, or not one the caller may see", body = ApiError),
        (status = 503, description = "No CJK font installed on the server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/transcripts/{serial}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    actor: Actor,
    serial: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    check_serial(&serial)?;
    actor.require_any(&[Permission::IssueCertificates])?;
    let fonts = fonts(&state)?;
    let mut conn = state.db.conn().await?;
    let row = db::transcripts::issued(&mut conn, &serial)
        .await?
        .ok_or_else(|| AppError::not_found("transcript"))?;
    let student = student(&mut conn, row.student_id).await?;
    may_print(&actor, &student, &[Permission::IssueCertificates])?;
    drop(conn);
    let doc: TranscriptDoc = serde_json::from_value(row.snapshot)
        .map_err(|e| AppError::Internal(format!("transcript snapshot: {e}")))?;
    let bytes = render(&state, fonts, doc).await?;
    Ok(pdf_response(bytes, &student.username, &serial))
}

/// Revoke a transcript
///
/// Its verification page says so from now on, with the reason. An organisation over the
/// student's college with `issue_certificates`.
#[utoipa::path(
    tag = "transcripts",
    params(("serial" = String, Path, description = "Serial")),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Revoked", body = Verification),
        (status = 403, description = "Not over the student's college", body = ApiError),
        (status = 404, description = "No such transcript", body = ApiError),
        (status = 409, description = "Already revoked", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/transcripts/{serial}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    actor: Actor,
    serial: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<web::Json<Verification>, AppError> {
    check_serial(&serial)?;
    let reason = body.reason.trim().to_owned();
    if !(2..=500).contains(&reason.chars().count()) {
        return Err(ApiError::invalid("reason", "say why, in 2 to 500 characters").into());
    }
    let mut conn = state.db.conn().await?;
    let row = db::transcripts::issued(&mut conn, &serial)
        .await?
        .ok_or_else(|| AppError::not_found("transcript"))?;
    let student = student(&mut conn, row.student_id).await?;
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisations revoke transcripts",
        ));
    }
    actor.require_within(Permission::IssueCertificates, &student.college_path)?;
    let serial = serial.into_inner();
    conn.transaction::<_, AppError, _>(async |conn| {
        let revoked = db::transcripts::revoke(conn, &serial, actor.account_id, &reason).await?;
        if !revoked {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the transcript is already revoked",
            ));
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "transcript.revoke",
                target_type: "transcript",
                target_id: serial.clone(),
                details: json!({"student_id": student.id, "reason": reason}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    verification(&mut conn, &serial)
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("transcript"))
}

/// An issued transcript as the student's list shows it.
fn listed(row: Listed) -> Result<IssuedTranscript, AppError> {
    let style = TranscriptStyle::parse(&row.style)
        .ok_or_else(|| AppError::Internal(format!("transcript style {}", row.style)))?;
    let total: Points = serde_json::from_value(row.total)
        .map_err(|e| AppError::Internal(format!("transcript total: {e}")))?;
    Ok(IssuedTranscript {
        status: status_of(row.revoked_at, row.superseded_at),
        serial: row.serial,
        style,
        issued_at: row.issued_at,
        issued_by: row.issued_by,
        batch: row.batch,
        total,
        superseded_at: row.superseded_at,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
    })
}

/// A student's issued transcripts
///
/// Every transcript issued to the student, newest first, with whether it is still current,
/// superseded or revoked — what an organisation picks from to download again or revoke. The
/// student's own, or an organisation over the student's college with `issue_certificates` or
/// `view_reports`.
#[utoipa::path(
    tag = "transcripts",
    params(("id" = i64, Path, description = "Student account id"), PageParams),
    responses(
        (status = 200, description = "Newest first", body = Page<IssuedTranscript>),
        (status = 403, description = "An organisation account without the permission", body = ApiError),
        (status = 404, description = "No such student, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/students/{id}/transcripts")]
pub async fn list_issued(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<PageParams>,
) -> Result<web::Json<Page<IssuedTranscript>>, AppError> {
    let page = PageRequest::try_from(query.into_inner())?;
    let may = [Permission::IssueCertificates, Permission::ViewReports];
    actor.require_any(&may)?;
    let mut conn = state.db.conn().await?;
    let student = student(&mut conn, id.into_inner()).await?;
    may_print(&actor, &student, &may)?;
    let (rows, total) = db::transcripts::list(&mut conn, student.id, page).await?;
    let items = rows
        .into_iter()
        .map(listed)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(Page::new(items, page, total)))
}
