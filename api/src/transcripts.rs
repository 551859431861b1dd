//! Transcripts (成绩单): built from the current ledger entries in one of three styles, issued
//! under an unguessable serial with a snapshot and its hash, rendered to PDF in-process,
//! verified publicly by serial, and printed in batches by a background job.

use actix_web::{HttpResponse, get, http::header, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Date, Double, Integer, Nullable, Text},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    page::{PageParams, PageRequest},
    rules::{self, Points},
    transcript::{
        self, IssueRequest, IssuedTranscript, NewPrintJob, PrintJob, PrintStatus, RevokeRequest,
        TranscriptDoc, TranscriptEntry, TranscriptStudent, TranscriptStyle, Verification,
        VerificationStatus,
    },
};
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{
    AppState,
    auth::Actor,
    db::{
        self,
        audit::Change,
        points::{self as ledger, STUDENT_SQL, StudentInfo, student},
        prepared,
        schema::print_jobs,
        schema::transcripts,
    },
    error::AppError,
    pdf::PdfFonts,
};

mod print_file;

/// Most students one batch prints.
pub const MAX_BATCH: usize = 10_000;

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

#[derive(QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
    #[diesel(sql_type = Text)]
    term_code: String,
    #[diesel(sql_type = Text)]
    term_name: String,
    #[diesel(sql_type = Text)]
    academic_year: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    detail: String,
    #[diesel(sql_type = Double)]
    hours: f64,
    #[diesel(sql_type = BigInt)]
    points: i64,
}

/// The current (neither reversing nor reversed) entries of the students, as printed lines.
async fn entries_of(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    names: &HashMap<String, String>,
) -> QueryResult<HashMap<i64, Vec<TranscriptEntry>>> {
    let rows: Vec<EntryRow> = prepared::sql(
        "SELECT e.student_id, e.occurred_on, t.code AS term_code, t.name AS term_name,
                t.academic_year, e.category, e.method, e.title, e.detail,
                e.hours::float8 AS hours, e.points
         FROM ledger_entries e JOIN terms t ON t.id = e.term_id
         WHERE e.student_id = ANY($1) AND e.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses = e.id)
         ORDER BY e.student_id, e.occurred_on, e.id",
    )
    .bind::<Array<BigInt>, _>(students)
    .load(conn)
    .await?;
    let mut out: HashMap<i64, Vec<TranscriptEntry>> = HashMap::new();
    for row in rows {
        out.entry(row.student_id)
            .or_default()
            .push(TranscriptEntry {
                date: row.occurred_on.to_string(),
                term_code: row.term_code,
                term_name: row.term_name,
                academic_year: row.academic_year,
                category_name: names
                    .get(&row.category)
                    .cloned()
                    .unwrap_or_else(|| row.category.clone()),
                category: row.category,
                method: ledger::parse_method(&row.method),
                title: row.title,
                detail: row.detail,
                hours: row.hours,
                points: Points(row.points),
            });
    }
    Ok(out)
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
    ) -> TranscriptDoc {
        let printed = printed(student);
        let totals = transcript::category_totals(entries);
        let progress = rules::progress(self.rules.requirements.for_degree(printed.degree), &totals);
        let progress_codes: Vec<String> = progress.iter().map(|p| p.category.clone()).collect();
        TranscriptDoc {
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
        }
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
    format!("SCT-{}", groups.join("-"))
}

#[derive(QueryableByName)]
struct Latest {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    serial: String,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    content_hash: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    issued_at: DateTime<Utc>,
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
) -> QueryResult<(Vec<TranscriptDoc>, usize)> {
    let ids: Vec<i64> = docs.iter().map(|(id, _)| *id).collect();
    let latest: Vec<Latest> = prepared::sql(
        "SELECT DISTINCT ON (student_id) student_id, serial, content_hash, issued_at
         FROM transcripts
         WHERE student_id = ANY($1) AND style = $2 AND revoked_at IS NULL
         ORDER BY student_id, id DESC",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Text, _>(style.as_str())
    .load(conn)
    .await?;
    let latest: HashMap<i64, Latest> = latest.into_iter().map(|l| (l.student_id, l)).collect();
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
                rows.push((
                    transcripts::serial.eq(serial.clone()),
                    transcripts::student_id.eq(student),
                    transcripts::style.eq(style.as_str()),
                    transcripts::snapshot.eq(serde_json::to_value(&doc).expect("serialises")),
                    transcripts::content_hash.eq(hash),
                    transcripts::issued_at.eq(now),
                    transcripts::issued_by.eq(issued_by),
                    transcripts::batch_id.eq(batch),
                ));
                (serial, now)
            }
        };
        doc.serial = serial.clone();
        doc.issued_at = at.to_rfc3339();
        doc.verify_url = context.verify_url(&serial);
        out.push(doc);
    }
    for chunk in rows.chunks(1000) {
        diesel::insert_into(transcripts::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
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
    let entries = entries_of(&mut conn, &[id], &context.names).await?;
    let entries = entries.get(&id).map(Vec::as_slice).unwrap_or_default();
    Ok(web::Json(context.document(style, &student, entries)))
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
        let entries = entries_of(conn, &[id], &context.names).await?;
        let entries = entries.get(&id).map(Vec::as_slice).unwrap_or_default();
        let doc = context.document(style, student, entries);
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

#[derive(QueryableByName)]
struct IssuedRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    snapshot: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    issued_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    revoke_reason: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    superseded_at: Option<DateTime<Utc>>,
}

/// When a transcript `t` was superseded: the first later one of the same student and style
/// that says something else.
const SUPERSEDED_AT: &str = "(SELECT min(n.issued_at) FROM transcripts n
         WHERE n.student_id = t.student_id AND n.style = t.style AND n.id > t.id
           AND n.content_hash <> t.content_hash) AS superseded_at";

/// What the verification page says of a transcript.
fn status_of(
    revoked_at: Option<DateTime<Utc>>,
    superseded_at: Option<DateTime<Utc>>,
) -> VerificationStatus {
    if revoked_at.is_some() {
        VerificationStatus::Revoked
    } else if superseded_at.is_some() {
        VerificationStatus::Superseded
    } else {
        VerificationStatus::Genuine
    }
}

async fn issued(conn: &mut AsyncPgConnection, serial: &str) -> QueryResult<Option<IssuedRow>> {
    prepared::sql(format!(
        "SELECT t.student_id, t.snapshot, t.issued_at, t.revoked_at, t.revoke_reason,
                {SUPERSEDED_AT}
         FROM transcripts t WHERE t.serial = $1"
    ))
    .bind::<Text, _>(serial)
    .get_result(conn)
    .await
    .optional()
}

async fn verification(
    conn: &mut AsyncPgConnection,
    serial: &str,
) -> Result<Option<Verification>, AppError> {
    let Some(row) = issued(conn, serial).await? else {
        return Ok(None);
    };
    let document: TranscriptDoc = serde_json::from_value(row.snapshot)
        .map_err(|e| AppError::Internal(format!("transcript snapshot: {e}")))?;
    Ok(Some(Verification {
        serial: serial.to_owned(),
        status: status_of(row.revoked_at, row.superseded_at),
        issued_at: row.issued_at,
        superseded_at: row.superseded_at,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
        document,
    }))
}

/// Well-formed serials only reach the database.
fn check_serial(serial: &str) -> Result<(), AppError> {
    let ok = serial.len() == 33
        && serial.starts_with("SCT-")
        && serial[4..]
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(AppError::not_found("transcript"))
    }
}

/// Verify a transcript
///
/// What the QR code on a transcript opens: whether the transcript with this serial is genuine,
/// superseded by a newer one, or revoked — and exactly what it said when issued. No
/// authentication; unknown serials answer 404 and nothing else is revealed.
#[utoipa::path(
    tag = "transcripts",
    params(("serial" = String, Path, description = "The serial printed on the transcript", example = "SCT-7Q2K-9D4M-XH3B-R8TW-5NVC-1PJE")),
    responses(
        (status = 200, description = "Issued by the platform", body = Verification),
        (status = 404, description = "No transcript has this serial", body = ApiError),
    ),
    security(()),
)]
#[get("/verify/{serial}")]
pub async fn verify(
    state: web::Data<AppState>,
    serial: web::Path<String>,
) -> Result<web::Json<Verification>, AppError> {
    check_serial(&serial)?;
    let mut conn = state.db.conn().await?;
    verification(&mut conn, &serial)
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("transcript"))
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
    let row = issued(&mut conn, &serial)
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
    let row = issued(&mut conn, &serial)
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
        let changed = diesel::update(
            transcripts::table
                .filter(transcripts::serial.eq(&serial))
                .filter(transcripts::revoked_at.is_null()),
        )
        .set((
            transcripts::revoked_at.eq(diesel::dsl::now),
            transcripts::revoked_by.eq(actor.account_id),
            transcripts::revoke_reason.eq(&reason),
        ))
        .execute(conn)
        .await?;
        if changed == 0 {
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

#[derive(QueryableByName)]
struct ListedRow {
    #[diesel(sql_type = Text)]
    serial: String,
    #[diesel(sql_type = Text)]
    style: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    issued_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    issued_by: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    batch: bool,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    total: serde_json::Value,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    superseded_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    revoke_reason: Option<String>,
}

impl ListedRow {
    fn listed(self) -> Result<IssuedTranscript, AppError> {
        let style = TranscriptStyle::parse(&self.style)
            .ok_or_else(|| AppError::Internal(format!("transcript style {}", self.style)))?;
        let total: Points = serde_json::from_value(self.total)
            .map_err(|e| AppError::Internal(format!("transcript total: {e}")))?;
        Ok(IssuedTranscript {
            status: status_of(self.revoked_at, self.superseded_at),
            serial: self.serial,
            style,
            issued_at: self.issued_at,
            issued_by: self.issued_by,
            batch: self.batch,
            total,
            superseded_at: self.superseded_at,
            revoked_at: self.revoked_at,
            revoke_reason: self.revoke_reason,
        })
    }
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
    let rows: Vec<ListedRow> = prepared::sql(format!(
        "SELECT t.serial, t.style, t.issued_at, a.display_name AS issued_by,
                t.batch_id IS NOT NULL AS batch, t.snapshot -> 'total_points' AS total,
                {SUPERSEDED_AT}, t.revoked_at, t.revoke_reason
         FROM transcripts t JOIN accounts a ON a.id = t.issued_by
         WHERE t.student_id = $1
         ORDER BY t.issued_at DESC, t.id DESC
         LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(student.id)
    .bind::<BigInt, _>(page.limit())
    .bind::<BigInt, _>(page.offset())
    .load(&mut conn)
    .await?;
    let total: i64 = transcripts::table
        .filter(transcripts::student_id.eq(student.id))
        .count()
        .get_result(&mut conn)
        .await?;
    let items = rows
        .into_iter()
        .map(ListedRow::listed)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(Page::new(items, page, total as u64)))
}

// ---------------------------------------------------------------------------------------------
// Batch printing

#[derive(QueryableByName)]
struct JobRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Integer)]
    total: i32,
    #[diesel(sql_type = Integer)]
    done: i32,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    params: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    file_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
    #[diesel(sql_type = Text)]
    requested_by: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    finished_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Array<BigInt>)]
    org_path: Vec<i64>,
    /// Set, with `file_name`, once the file's last part is stored.
    #[diesel(sql_type = Nullable<Text>)]
    content_type: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    size_bytes: Option<i64>,
}

impl JobRow {
    fn job(self) -> Option<PrintJob> {
        Some(PrintJob {
            id: self.id.to_string(),
            organization: self.organization,
            status: match self.status.as_str() {
                "queued" => PrintStatus::Queued,
                "running" => PrintStatus::Running,
                "done" => PrintStatus::Done,
                _ => PrintStatus::Failed,
            },
            total: self.total,
            done: self.done,
            params: serde_json::from_value(self.params).ok()?,
            file_name: self.file_name,
            error: self.error,
            requested_by: self.requested_by,
            created_at: self.created_at,
            finished_at: self.finished_at,
        })
    }
}

const JOB_SQL: &str = "SELECT j.id, o.name AS organization, j.status, j.total, j.done, j.params,
        j.file_name, j.error, a.display_name AS requested_by, j.created_at, j.finished_at,
        o.path AS org_path, j.content_type, j.size_bytes
    FROM print_jobs j JOIN organizations o ON o.id = j.organization_id
    JOIN accounts a ON a.id = j.requested_by";

async fn job(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<JobRow>> {
    prepared::sql(format!("{JOB_SQL} WHERE j.id = $1"))
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result(conn)
        .await
        .optional()
}

/// The batch's students, ordered by class then number.
async fn batch_students(
    conn: &mut AsyncPgConnection,
    params: &NewPrintJob,
) -> QueryResult<Vec<StudentInfo>> {
    prepared::sql(format!(
        "{STUDENT_SQL}
         WHERE a.kind = 'student' AND a.active AND o.path @> ARRAY[$1]::bigint[]
           AND ($2::text IS NULL OR s.major = $2)
           AND ($3::text IS NULL OR s.class_name = $3)
           AND ($4::int IS NULL OR s.enrolment_year = $4)
         ORDER BY s.class_name, a.username
         LIMIT {}",
        MAX_BATCH + 1
    ))
    .bind::<BigInt, _>(params.organization_id)
    .bind::<Nullable<Text>, _>(params.major.as_deref().map(str::trim))
    .bind::<Nullable<Text>, _>(params.class_name.as_deref().map(str::trim))
    .bind::<Nullable<Integer>, _>(params.enrolment_year)
    .load(conn)
    .await
}

/// Start a batch print
///
/// Prints the transcripts of the students of an organisation's subtree (a college, say),
/// optionally one major, class and/or intake, as one PDF or a zip of one PDF per student. Each
/// transcript is issued with its own serial. Runs in the background: poll
/// `GET /api/print-jobs/{id}` for progress, then download `GET /api/print-jobs/{id}/file`.
/// `issue_certificates` over the organisation.
#[utoipa::path(
    tag = "transcripts",
    request_body = NewPrintJob,
    responses(
        (status = 202, description = "Started", body = PrintJob),
        (status = 403, description = "Lacks the permission or outside the subtree", body = ApiError),
        (status = 422, description = "No students match, or too many", body = ApiError),
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
    let fonts = fonts(&state)?;
    let mut conn = state.db.conn().await?;
    let org = db::organizations::get(&mut conn, params.organization_id)
        .await?
        .ok_or_else(|| {
            AppError::from(ApiError::invalid("organization_id", "no such organisation"))
        })?;
    actor.require_within(Permission::IssueCertificates, &org.path)?;
    let students = batch_students(&mut conn, &params).await?;
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
    let id = Uuid::new_v4();
    let total = students.len() as i32;
    conn.transaction::<_, AppError, _>(async |conn| {
        diesel::insert_into(print_jobs::table)
            .values((
                print_jobs::id.eq(id),
                print_jobs::organization_id.eq(org.id),
                print_jobs::requested_by.eq(actor.account_id),
                print_jobs::params.eq(serde_json::to_value(&params).expect("params")),
                print_jobs::total.eq(total),
            ))
            .execute(conn)
            .await?;
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
    let created = job(&mut conn, id)
        .await?
        .and_then(JobRow::job)
        .ok_or_else(|| AppError::not_found("print job"))?;
    drop(conn);
    let state = state.into_inner();
    let actor_id = actor.account_id;
    actix_web::rt::spawn(async move {
        if let Err(error) = run_batch(&state, fonts, id, params, students, actor_id).await {
            tracing::error!(job = %id, %error, "batch print failed");
            if let Ok(mut conn) = state.db.conn().await {
                let _ = db::print_jobs::discard_parts(&mut conn, id).await;
                let _ = diesel::update(print_jobs::table.find(id))
                    .set((
                        print_jobs::status.eq("failed"),
                        print_jobs::error.eq(error.to_string()),
                        print_jobs::finished_at.eq(diesel::dsl::now),
                    ))
                    .execute(&mut conn)
                    .await;
            }
        }
    });
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/print-jobs/{id}/file")))
        .json(created))
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
    let mut conn = state.db.conn().await?;
    diesel::update(print_jobs::table.find(id))
        .set(print_jobs::status.eq("running"))
        .execute(&mut conn)
        .await?;
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
    let _slot = render_slot(state).await?;
    for chunk in students.chunks(ISSUE_CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|s| s.id).collect();
        let docs = conn
            .transaction::<_, AppError, _>(async |conn| {
                let entries = entries_of(conn, &ids, &context.names).await?;
                let prepared: Vec<(i64, TranscriptDoc)> = chunk
                    .iter()
                    .map(|s| {
                        let lines = entries.get(&s.id).map(Vec::as_slice).unwrap_or_default();
                        (s.id, context.document(params.style, s, lines))
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
                    diesel::update(print_jobs::table.find(self.job))
                        .set(print_jobs::done.eq(so_far))
                        .execute(conn)
                        .await?;
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

/// A batch print's progress
///
/// The organisation that asked, or any above it, with `issue_certificates`.
#[utoipa::path(
    tag = "transcripts",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, description = "Progress", body = PrintJob),
        (status = 403, description = "Outside the subtree", body = ApiError),
        (status = 404, description = "No such job", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/print-jobs/{id}")]
pub async fn get_batch(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<Uuid>,
) -> Result<web::Json<PrintJob>, AppError> {
    let mut conn = state.db.conn().await?;
    let row = job(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("print job"))?;
    actor.require_within(Permission::IssueCertificates, &row.org_path)?;
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
    let rows: Vec<JobRow> = prepared::sql(format!(
        "{JOB_SQL} WHERE o.path @> ARRAY[$1]::bigint[] ORDER BY j.created_at DESC
         LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(actor.org.id)
    .bind::<BigInt, _>(page.limit())
    .bind::<BigInt, _>(page.offset())
    .load(&mut conn)
    .await?;
    let total: i64 = print_jobs::table
        .inner_join(db::schema::organizations::table)
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "organizations.path @> ARRAY[{}]::bigint[]",
            actor.org.id
        )))
        .count()
        .get_result(&mut conn)
        .await?;
    let items = rows.into_iter().filter_map(JobRow::job).collect();
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// Download a batch
///
/// The finished batch's file (PDF or zip). As `GET /api/print-jobs/{id}`.
#[utoipa::path(
    tag = "transcripts",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, description = "Outside the subtree", body = ApiError),
        (status = 404, description = "No such job", body = ApiError),
        (status = 202, description = "Still printing: the job, with `Location` to ask again", body = PrintJob),
        (status = 409, description = "The batch failed", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/print-jobs/{id}/file")]
pub async fn batch_file(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let row = job(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("print job"))?;
    actor.require_within(Permission::IssueCertificates, &row.org_path)?;
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
