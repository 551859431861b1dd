//! E-certificates (电子奖状, 电子志愿时卡, 电子聘书, 电子荣誉证书): seals and templates an
//! organisation designs, certificates issued with them from what the platform knows (awards,
//! volunteer hours, cadre positions) or from honours entered, each under an unguessable serial
//! with a QR code to the public verification page, downloaded as PDF or PNG, alone or a batch
//! as a zip, and revocable with a reason. Activity posters are drawn by the same stack
//! ([`poster`]).
//!
//! Authority: `issue_certificates` over the template's organisation, which is the issuer; what
//! a certificate attests must lie in the issuer's subtree (the activity's organiser, the
//! organisation recognising the hours, the position's organisation, the honoured student's
//! college).

pub mod poster;
pub mod render;

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    attendance::{Award, AwardLevel},
    auth::{AccountKind, Permission},
    certificate::{
        self, Certificate, CertificateDetail, CertificateDoc, CertificateKind, CertificateStatus,
        CertificateVerification, Field, Fields, IssueCertificates, IssueOutcome, IssueSource,
        NewTemplate, Seal, SkipReason, Skipped, Template, TemplateDesign,
    },
    page::{PageParams, PageRequest},
    transcript::RevokeRequest,
};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{
    AppState,
    auth::Actor,
    db::{
        self,
        audit::Change,
        certificates::{NewCertificate, Recipient},
    },
    error::AppError,
    insight::xlsx::attachment,
    pdf::PdfFonts,
};
use render::Format;

/// Who may read certificates (of their subtree) besides their students.
const READERS: &[Permission] = &[Permission::IssueCertificates, Permission::ViewReports];

/// The largest seal accepted.
pub const MAX_SEAL_BYTES: usize = 512 * 1024;
/// The largest side of a seal, in pixels (PNG) or user units (SVG).
const MAX_SEAL_SIDE: u32 = 2048;

fn audit<'a>(
    org: i64,
    action: &'a str,
    target_type: &'a str,
    id: impl ToString,
    details: serde_json::Value,
) -> Change<'a> {
    Change {
        organization_id: Some(org),
        action,
        target_type,
        target_id: id.to_string(),
        details,
    }
}

fn fonts(state: &AppState) -> Result<PdfFonts, AppError> {
    state.pdf.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::ServiceUnavailable,
            "certificates cannot be drawn on this server: it has no CJK font (install \
             fonts-noto-cjk or set TRANSCRIPT_FONT)",
        )
    })
}

/// Draws on the blocking pool once a render slot is free.
async fn draw<T: Send + 'static>(
    state: &AppState,
    job: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, AppError> {
    let _slot = state
        .pdf_renders
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    web::block(job)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}

/// An organisation in the actor's subtree over which they hold `issue_certificates`.
async fn issuer(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    organization: i64,
) -> Result<db::organizations::OrgRow, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let org = db::organizations::get(conn, organization)
        .await?
        .ok_or_else(|| AppError::not_found("organisation"))?;
    actor.require_within(Permission::IssueCertificates, &org.path)?;
    Ok(org)
}

// --- seals ----------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SealQuery {
    /// The organisation whose seal it is.
    #[param(minimum = 1)]
    pub organization: i64,
}

/// A seal as stored.
struct SealImage {
    content_type: &'static str,
    data: Vec<u8>,
    size: (u32, u32),
}

/// What an upload is: PNG (its size read from its header, then decoded whole) or SVG (read
/// and written again by usvg, which keeps shapes and images only: no script, no link, no
/// outside file). Returns (content type, bytes to store, size).
fn read_seal(bytes: &[u8], fonts: Option<&PdfFonts>) -> Result<SealImage, ApiError> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    let too_large = || {
        ApiError::new(
            ErrorCode::InvalidFile,
            format!("a seal is at most {MAX_SEAL_SIDE} × {MAX_SEAL_SIDE}"),
        )
    };
    if bytes.starts_with(PNG) {
        if bytes.len() < 24 {
            return Err(ApiError::new(
                ErrorCode::InvalidFile,
                "the PNG is cut short",
            ));
        }
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        if width == 0 || height == 0 || width > MAX_SEAL_SIDE || height > MAX_SEAL_SIDE {
            return Err(too_large());
        }
        resvg::tiny_skia::Pixmap::decode_png(bytes).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidFile,
                format!("the PNG cannot be read: {e}"),
            )
        })?;
        return Ok(SealImage {
            content_type: "image/png",
            data: bytes.to_vec(),
            size: (width, height),
        });
    }
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.contains("<svg"))
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidFile, "a seal is a PNG or SVG image"))?;
    let options = match fonts {
        Some(fonts) => fonts.svg_options(),
        None => {
            let mut options = usvg::Options::default();
            options.image_href_resolver.resolve_string = Box::new(|_, _| None);
            std::sync::Arc::new(options)
        }
    };
    let tree = usvg::Tree::from_str(text, &options).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidFile,
            format!("the SVG cannot be read: {e}"),
        )
    })?;
    let size = tree.size();
    let (width, height) = (size.width().ceil() as u32, size.height().ceil() as u32);
    if width == 0 || height == 0 || width > MAX_SEAL_SIDE || height > MAX_SEAL_SIDE {
        return Err(too_large());
    }
    let clean = tree.to_string(&usvg::WriteOptions::default());
    if clean.len() > MAX_SEAL_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidFile,
            "the SVG is larger than 512 KB once its text is drawn as shapes",
        ));
    }
    Ok(SealImage {
        content_type: "image/svg+xml",
        data: clean.into_bytes(),
        size: (width, height),
    })
}

/// Upload a seal
///
/// The image itself as the body: PNG or SVG (told by its content), at most 512 KB and
/// 2048 × 2048. An SVG is stored as usvg writes it back (shapes and embedded images only; no
/// script, link or outside reference). Seals belong to an organisation and only its templates
/// use them. `issue_certificates` over the organisation; audited.
#[utoipa::path(
    tag = "certificates",
    params(SealQuery),
    request_body(
        description = "The image, as it is",
        content(
            (crate::imports::FileUpload = "image/png"),
            (crate::imports::FileUpload = "image/svg+xml"),
        ),
    ),
    responses(
        (status = 201, description = "Stored", body = Seal),
        (status = 403, description = "Not over this organisation", body = ApiError),
        (status = 404, description = "No such organisation", body = ApiError),
        (status = 413, description = "Larger than 512 KB", body = ApiError),
        (status = 422, description = "Not a readable PNG or SVG, or too large a picture", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("")]
pub async fn upload_seal(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<SealQuery>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let bytes = body.map_err(|error| {
        if error.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
        {
            AppError::new(ErrorCode::PayloadTooLarge, "a seal is at most 512 KB")
        } else {
            AppError::new(
                ErrorCode::InvalidFile,
                format!("the upload did not arrive whole: {error}"),
            )
        }
    })?;
    let mut conn = state.db.conn().await?;
    let org = issuer(&mut conn, &actor, query.organization).await?;
    let fonts = state.pdf.clone();
    let SealImage {
        content_type,
        data,
        size,
    } = web::block(move || read_seal(&bytes, fonts.as_ref()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let seal = conn
        .transaction::<_, AppError, _>(async |conn| {
            let seal = db::certificates::insert_seal(
                conn,
                org.id,
                content_type,
                &data,
                size,
                actor.account_id,
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                audit(
                    org.id,
                    "certificates.seal",
                    "certificate_seal",
                    seal.id,
                    json!({"content_type": content_type, "bytes": data.len()}),
                ),
            )
            .await?;
            Ok(seal)
        })
        .await?;
    Ok(HttpResponse::Created().json(seal))
}

/// A seal's image
///
/// The image as stored (PNG, or SVG as rewritten), for the template editor's preview.
/// `issue_certificates` over the seal's organisation.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Seal id", minimum = 1)),
    responses(
        (status = 200, description = "The image", content(
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/svg+xml"),
        )),
        (status = 403, description = "Not over its organisation", body = ApiError),
        (status = 404, description = "No such seal", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/{id}")]
pub async fn get_seal(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let mut conn = state.db.conn().await?;
    let (_, path) = db::certificates::seal(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("seal"))?;
    actor.require_within(Permission::IssueCertificates, &path)?;
    let (content_type, data) = db::certificates::seal_data(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("seal"))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // An SVG opened on its own runs nothing.
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(data))
}

// --- templates ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Only this organisation's (in the caller's subtree).
    #[param(minimum = 1)]
    pub organization: Option<i64>,
    pub kind: Option<CertificateKind>,
}

/// Certificate templates
///
/// The templates of the organisations in the caller's subtree (archived ones left out), by
/// organisation, kind and name. `issue_certificates`.
#[utoipa::path(
    tag = "certificates",
    params(TemplateQuery),
    responses(
        (status = 200, description = "The templates", body = Vec<Template>),
        (status = 403, description = "Without `issue_certificates`, or an organisation outside the subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificate-templates")]
pub async fn list_templates(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<TemplateQuery>,
) -> Result<web::Json<Vec<Template>>, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let mut conn = state.db.conn().await?;
    if let Some(org) = query.organization {
        issuer(&mut conn, &actor, org).await?;
    }
    Ok(web::Json(
        db::certificates::templates(&mut conn, actor.org.id, query.organization, query.kind)
            .await?,
    ))
}

/// The seal a design names must be the organisation's own.
async fn check_seal(
    conn: &mut AsyncPgConnection,
    design: &TemplateDesign,
    organization: i64,
) -> Result<(), AppError> {
    if let Some(id) = design.seal_id {
        match db::certificates::seal(conn, id).await? {
            Some((seal, _)) if seal.organization_id == organization => {}
            _ => {
                return Err(ApiError::invalid(
                    "seal_id",
                    "a seal uploaded for this template's organisation",
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Create a template
///
/// A template of one kind for an organisation: title, body with `{fields}` (those the kind
/// knows: see `Field`), issuer name, orientation, frame and seal. `issue_certificates` over
/// the organisation; audited.
#[utoipa::path(
    tag = "certificates",
    request_body = NewTemplate,
    responses(
        (status = 201, description = "Created", body = Template),
        (status = 403, description = "Not over this organisation", body = ApiError),
        (status = 404, description = "No such organisation", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/certificate-templates")]
pub async fn create_template(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewTemplate>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    let org = issuer(&mut conn, &actor, input.organization_id).await?;
    input.design.validate(input.kind)?;
    check_seal(&mut conn, &input.design, org.id).await?;
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let id = db::certificates::insert_template(
                conn,
                org.id,
                input.kind,
                &input.design,
                actor.account_id,
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                audit(
                    org.id,
                    "certificates.template.create",
                    "certificate_template",
                    id,
                    json!({"kind": input.kind, "design": input.design}),
                ),
            )
            .await?;
            Ok(id)
        })
        .await?;
    let template = db::certificates::template(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    Ok(HttpResponse::Created().json(template.template))
}

/// A template the actor may use: `issue_certificates` over its organisation.
async fn usable_template(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<db::certificates::TemplateInfo, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let info = db::certificates::template(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    actor.require_within(Permission::IssueCertificates, &info.organization_path)?;
    Ok(info)
}

/// One template
///
/// `issue_certificates` over its organisation.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Template id", minimum = 1)),
    responses(
        (status = 200, description = "The template", body = Template),
        (status = 403, description = "Not over its organisation", body = ApiError),
        (status = 404, description = "No such template", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificate-templates/{id}")]
pub async fn get_template(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Template>, AppError> {
    let mut conn = state.db.conn().await?;
    Ok(web::Json(
        usable_template(&mut conn, &actor, *id).await?.template,
    ))
}

/// Change a template
///
/// Replaces its design. Certificates issued with it keep what they printed. Not once
/// archived. `issue_certificates` over its organisation; audited.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Template id", minimum = 1)),
    request_body = TemplateDesign,
    responses(
        (status = 200, description = "The template as stored", body = Template),
        (status = 403, description = "Not over its organisation", body = ApiError),
        (status = 404, description = "No such template", body = ApiError),
        (status = 409, description = "Archived", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/certificate-templates/{id}")]
pub async fn update_template(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<TemplateDesign>,
) -> Result<web::Json<Template>, AppError> {
    let design = body.into_inner();
    let mut conn = state.db.conn().await?;
    let info = usable_template(&mut conn, &actor, *id).await?;
    if info.archived {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the template is archived",
        ));
    }
    design.validate(info.template.kind)?;
    check_seal(&mut conn, &design, info.template.organization_id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        db::certificates::update_template(conn, *id, &design, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                info.template.organization_id,
                "certificates.template.update",
                "certificate_template",
                *id,
                json!({"before": info.template.design, "after": design}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    let template = db::certificates::template(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    Ok(web::Json(template.template))
}

/// Archive a template
///
/// It leaves the lists and issues no more; certificates issued with it stay valid.
/// `issue_certificates` over its organisation; audited.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Template id", minimum = 1)),
    responses(
        (status = 204, description = "Archived"),
        (status = 403, description = "Not over its organisation", body = ApiError),
        (status = 404, description = "No such template", body = ApiError),
        (status = 409, description = "Archived already", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/certificate-templates/{id}")]
pub async fn archive_template(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let info = usable_template(&mut conn, &actor, *id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if !db::certificates::archive_template(conn, *id, actor.account_id).await? {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the template is archived already",
            ));
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                info.template.organization_id,
                "certificates.template.archive",
                "certificate_template",
                *id,
                json!({"name": info.template.design.name}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A seal as the page's image: a `data:` URL.
async fn seal_url(
    conn: &mut AsyncPgConnection,
    seal: Option<i64>,
) -> Result<Option<String>, AppError> {
    Ok(match seal {
        Some(id) => db::certificates::seal_data(conn, id)
            .await?
            .map(|(content_type, data)| render::data_url(&content_type, &data)),
        None => None,
    })
}

/// Preview a template
///
/// The template drawn as PNG exactly as the server prints it, filled with a sample student
/// (the web app's live preview draws the same page itself). `issue_certificates` over its
/// organisation.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Template id", minimum = 1)),
    responses(
        (status = 200, description = "The page", content_type = "image/png", body = Vec<u8>),
        (status = 403, description = "Not over its organisation", body = ApiError),
        (status = 404, description = "No such template", body = ApiError),
        (status = 503, description = "No CJK font on this server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificate-templates/{id}/preview.png")]
pub async fn preview_template(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let info = usable_template(&mut conn, &actor, *id).await?;
    let fonts = fonts(&state)?;
    let seal = seal_url(&mut conn, info.template.design.seal_id).await?;
    drop(conn);
    let doc = certificate::preview(info.template.kind, &info.template.design);
    let image = draw(&state, move || {
        render::certificate(&fonts, &doc, seal.as_deref(), Format::Png)
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(image))
}

// --- issuing --------------------------------------------------------------------------------

/// One certificate to issue.
struct Candidate {
    recipient: Recipient,
    key: String,
    summary: String,
    fields: Fields,
}

impl Candidate {
    fn new(recipient: Recipient, key: String, summary: String, mut fields: Fields) -> Candidate {
        fields.insert(Field::Name.key().into(), recipient.name.clone());
        fields.insert(Field::StudentNo.key().into(), recipient.student_no.clone());
        fields.insert(Field::College.key().into(), recipient.college.clone());
        Candidate {
            recipient,
            key,
            summary,
            fields,
        }
    }
}

fn fields<const N: usize>(pairs: [(Field, String); N]) -> Fields {
    pairs
        .into_iter()
        .map(|(f, v)| (f.key().to_owned(), v))
        .collect()
}

async fn term_name(conn: &mut AsyncPgConnection, day: NaiveDate) -> Result<String, AppError> {
    Ok(db::points::term_on(conn, day)
        .await?
        .map(|t| t.name)
        .unwrap_or_default())
}

/// Narrows candidates to the students named (when named): the others named are skipped as
/// unknown, or as having nothing to attest.
async fn named(
    conn: &mut AsyncPgConnection,
    candidates: Vec<Candidate>,
    numbers: Option<&Vec<String>>,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Candidate>, AppError> {
    let Some(numbers) = numbers else {
        return Ok(candidates);
    };
    let wanted: HashSet<&str> = numbers.iter().map(|n| n.trim()).collect();
    let found: HashSet<String> = candidates
        .iter()
        .filter(|c| wanted.contains(c.recipient.student_no.as_str()))
        .map(|c| c.recipient.student_no.clone())
        .collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|n| !found.contains(**n))
        .map(|n| n.to_string())
        .collect();
    let existing: HashSet<String> = db::certificates::students_by_no(conn, &missing)
        .await?
        .into_iter()
        .map(|r| r.student_no)
        .collect();
    for number in missing {
        let reason = if existing.contains(&number) {
            SkipReason::NothingToAttest
        } else {
            SkipReason::UnknownStudent
        };
        skipped.push(Skipped {
            student_no: number,
            reason,
        });
    }
    Ok(candidates
        .into_iter()
        .filter(|c| wanted.contains(c.recipient.student_no.as_str()))
        .collect())
}

/// What the source attests, student by student; and who is skipped before storing.
async fn candidates(
    conn: &mut AsyncPgConnection,
    issuer: &db::certificates::TemplateInfo,
    source: &IssueSource,
    today: NaiveDate,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Candidate>, AppError> {
    let org = issuer.template.organization_id;
    let within = |path: &[i64]| path.contains(&org);
    Ok(match source {
        IssueSource::Award {
            activity_id,
            student_nos,
        } => {
            let activity = db::certificates::award_activity(conn, *activity_id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            if !within(&activity.organizer_path) {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "the activity is organised outside the template's organisation",
                ));
            }
            if !activity.recognized {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the activity's results are not recognised yet",
                ));
            }
            let term = term_name(conn, activity.held_on).await?;
            let activity_level = shared::activity::CreditLevel::parse(&activity.credit_level)
                .map(|l| l.label_zh())
                .unwrap_or_default();
            let rows = db::certificates::awards(conn, activity.id).await?;
            let all = rows
                .into_iter()
                .filter_map(|row| {
                    let award = Award::parse(&row.award)?;
                    if award == Award::Participation {
                        return None;
                    }
                    let level = row
                        .award_level
                        .as_deref()
                        .and_then(AwardLevel::parse)
                        .map_or(activity_level, AwardLevel::label_zh);
                    Some(Candidate::new(
                        row.recipient,
                        format!("result:{}", row.result_id),
                        format!("{} · {}", award.label_zh(), activity.title),
                        fields([
                            (Field::Award, award.label_zh().to_owned()),
                            (Field::Activity, activity.title.clone()),
                            (Field::Level, level.to_owned()),
                            (
                                Field::Hours,
                                row.hours.map(certificate::hours_text).unwrap_or_default(),
                            ),
                            (Field::Term, term.clone()),
                        ]),
                    ))
                })
                .collect();
            named(conn, all, student_nos.as_ref(), skipped).await?
        }
        IssueSource::Volunteer {
            from,
            to,
            student_nos,
        } => {
            let term = term_name(conn, *to).await?;
            let period = certificate::period_zh(*from, *to);
            let rows = db::certificates::volunteer_hours(conn, org, *from, *to).await?;
            let all = rows
                .into_iter()
                .map(|row| {
                    let hours = certificate::hours_text(row.hours);
                    Candidate::new(
                        row.recipient,
                        format!("volunteer:{org}:{from}:{to}"),
                        format!("{hours} 小时 · {period}"),
                        fields([
                            (Field::Hours, hours),
                            (Field::Period, period.clone()),
                            (Field::Term, term.clone()),
                        ]),
                    )
                })
                .collect();
            named(conn, all, student_nos.as_ref(), skipped).await?
        }
        IssueSource::Appointment { position_ids } => {
            let rows =
                db::certificates::positions(conn, org, position_ids.as_deref(), today).await?;
            if let Some(ids) = position_ids {
                let found: HashSet<i64> = rows.iter().map(|r| r.position_id).collect();
                if let Some(i) = ids.iter().position(|id| !found.contains(id)) {
                    return Err(ApiError::invalid(
                        format!("source.position_ids[{i}]"),
                        "no such position",
                    )
                    .into());
                }
                if rows.iter().any(|r| !within(&r.organization_path)) {
                    return Err(AppError::new(
                        ErrorCode::Forbidden,
                        "a position is held outside the template's organisation",
                    ));
                }
            }
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let term = term_name(conn, row.starts_on).await?;
                out.push(Candidate::new(
                    row.recipient,
                    format!("position:{}", row.position_id),
                    format!("{} {}", row.organization, row.title),
                    fields([
                        (Field::Position, row.title.clone()),
                        (Field::Organization, row.organization.clone()),
                        (
                            Field::Period,
                            certificate::period_zh(row.starts_on, row.ends_on),
                        ),
                        (Field::Term, term),
                    ]),
                ));
            }
            out
        }
        IssueSource::Honour {
            honour,
            term_id,
            student_nos,
        } => {
            let term = match term_id {
                Some(id) => db::points::term(conn, *id).await?.ok_or_else(|| {
                    AppError::from(ApiError::invalid("source.term_id", "no such term"))
                })?,
                None => db::points::term_on(conn, today).await?.ok_or_else(|| {
                    AppError::from(ApiError::invalid(
                        "source.term_id",
                        "no term is current today: name one",
                    ))
                })?,
            };
            let honour = honour.trim().to_owned();
            let numbers: Vec<String> = student_nos.iter().map(|n| n.trim().to_owned()).collect();
            let found = db::certificates::students_by_no(conn, &numbers).await?;
            let known: HashSet<String> = found.iter().map(|r| r.student_no.clone()).collect();
            let mut seen = HashSet::new();
            for number in &numbers {
                if !known.contains(number) && seen.insert(number.clone()) {
                    skipped.push(Skipped {
                        student_no: number.clone(),
                        reason: SkipReason::UnknownStudent,
                    });
                }
            }
            let mut out = Vec::with_capacity(found.len());
            for recipient in found {
                if !within(&recipient.college_path) {
                    skipped.push(Skipped {
                        student_no: recipient.student_no,
                        reason: SkipReason::OutsideSubtree,
                    });
                    continue;
                }
                out.push(Candidate::new(
                    recipient,
                    format!("honour:{org}:{}:{honour}", term.id),
                    honour.clone(),
                    fields([
                        (Field::Honour, honour.clone()),
                        (Field::Term, term.name.clone()),
                    ]),
                ));
            }
            out
        }
    })
}

/// Issue certificates
///
/// With a template, for what its kind attests: an activity's recognised awards (奖状),
/// volunteer hours over a period (志愿时卡), cadre positions (聘书) or an honour entered for
/// students (荣誉证书). What is attested must lie in the template organisation's subtree.
/// Each certificate gets an unguessable serial and a QR code to `/verify/{serial}`; a student
/// already holding one for the same thing (not revoked) is skipped, so repeating a request (or
/// sending it twice at once) issues nothing twice. At most 5,000 at a time.
/// `issue_certificates` over the template's organisation; audited (one entry per request,
/// naming every serial).
#[utoipa::path(
    tag = "certificates",
    request_body = IssueCertificates,
    responses(
        (status = 201, description = "Issued (and who was skipped, why)", body = IssueOutcome),
        (status = 403, description = "Not over the template's organisation, or what is attested lies outside it", body = ApiError),
        (status = 404, description = "No such template or activity", body = ApiError),
        (status = 409, description = "The template is archived, or the activity's results are not recognised yet", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/certificates")]
pub async fn issue(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<IssueCertificates>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    let mut conn = state.db.conn().await?;
    let info = usable_template(&mut conn, &actor, request.template_id).await?;
    if info.archived {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the template is archived",
        ));
    }
    if request.source.kind() != info.template.kind {
        return Err(ApiError::invalid(
            "source.kind",
            format!(
                "the template is for {} ({}): send `{}`",
                info.template.kind.label_en().to_lowercase(),
                info.template.kind.label_zh(),
                info.template.kind.as_str()
            ),
        )
        .into());
    }
    request.source.validate()?;
    let base_url = state
        .settings
        .server
        .public_url
        .trim_end_matches('/')
        .to_owned();
    let outcome = issue_with(
        &mut conn,
        actor.account_id,
        &info,
        &request.source,
        &base_url,
        db::points::today(),
    )
    .await?;
    Ok(HttpResponse::Created().json(outcome))
}

/// Issues with a template (its authority checked by the caller): builds each certificate,
/// stores those not held yet and audits the batch as `by`'s.
pub async fn issue_with(
    conn: &mut AsyncPgConnection,
    by: i64,
    info: &db::certificates::TemplateInfo,
    source: &IssueSource,
    base_url: &str,
    today: NaiveDate,
) -> Result<IssueOutcome, AppError> {
    let mut skipped = Vec::new();
    let candidates = candidates(conn, info, source, today, &mut skipped).await?;
    if candidates.len() > certificate::MAX_BATCH {
        return Err(ApiError::invalid(
            "source",
            format!(
                "{} certificates: issue at most {} at a time (name the students)",
                candidates.len(),
                certificate::MAX_BATCH
            ),
        )
        .into());
    }
    let design = &info.template.design;
    let date = certificate::date_zh(today);
    let rows: Vec<NewCertificate> = candidates
        .iter()
        .map(|c| {
            let serial = crate::transcripts::serial("SCC");
            let mut fields = c.fields.clone();
            fields.insert(Field::Date.key().into(), date.clone());
            let doc = CertificateDoc {
                kind: info.template.kind,
                orientation: design.orientation,
                background: design.background,
                title: design.title.clone(),
                body: certificate::fill(&design.body, &fields),
                issuer: design.issuer_name.clone(),
                date: date.clone(),
                student_name: c.recipient.name.clone(),
                student_no: c.recipient.student_no.clone(),
                college: c.recipient.college.clone(),
                fields,
                verify_url: format!("{base_url}/verify/{serial}"),
                serial: serial.clone(),
            };
            NewCertificate {
                serial,
                kind: info.template.kind,
                template_id: info.template.id,
                organization_id: info.template.organization_id,
                student_id: c.recipient.student_id,
                source_key: c.key.clone(),
                summary: c.summary.clone(),
                document: serde_json::to_value(&doc).expect("a document serialises"),
                seal_id: design.seal_id,
            }
        })
        .collect();
    let batch = Uuid::new_v4();
    let stored = conn
        .transaction::<_, AppError, _>(async |conn| {
            let stored = db::certificates::insert(conn, &rows, batch, by).await?;
            if !stored.is_empty() {
                let kept: HashSet<(i64, &str)> =
                    stored.iter().map(|(_, s, k)| (*s, k.as_str())).collect();
                let serials: Vec<&str> = rows
                    .iter()
                    .filter(|r| kept.contains(&(r.student_id, r.source_key.as_str())))
                    .map(|r| r.serial.as_str())
                    .collect();
                db::audit::record(
                    conn,
                    Some(by),
                    audit(
                        info.template.organization_id,
                        "certificates.issue",
                        "certificate_batch",
                        batch,
                        json!({
                            "template_id": info.template.id,
                            "kind": info.template.kind,
                            "source": source,
                            "issued": stored.len(),
                            "serials": serials,
                        }),
                    ),
                )
                .await?;
            }
            Ok(stored)
        })
        .await?;
    // Who was left out by the "once" rule.
    let kept: HashSet<(i64, &str)> = stored.iter().map(|(_, s, k)| (*s, k.as_str())).collect();
    for c in &candidates {
        if !kept.contains(&(c.recipient.student_id, c.key.as_str())) {
            skipped.push(Skipped {
                student_no: c.recipient.student_no.clone(),
                reason: SkipReason::AlreadyIssued,
            });
        }
    }
    let first: Vec<i64> = stored.iter().take(50).map(|(id, _, _)| *id).collect();
    let certificates = db::certificates::by_ids(conn, &first).await?;
    Ok(IssueOutcome {
        batch_id: batch,
        issued: stored.len(),
        skipped,
        certificates,
    })
}

// --- reading, downloading, revoking ---------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// Issued by this organisation (in the caller's subtree).
    #[param(minimum = 1)]
    pub organization: Option<i64>,
    pub kind: Option<CertificateKind>,
    /// One issue's certificates.
    pub batch: Option<Uuid>,
    /// A student number or name, or a serial, containing this.
    #[param(max_length = 100)]
    pub q: Option<String>,
    pub status: Option<CertificateStatus>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Certificates issued
///
/// The certificates issued by the organisations of the caller's subtree, newest first,
/// narrowed by issuer, kind, batch, text and status. `issue_certificates` or `view_reports`.
#[utoipa::path(
    tag = "certificates",
    params(CertificateQuery),
    responses(
        (status = 200, description = "A page of certificates", body = Page<Certificate>),
        (status = 400, description = "A malformed filter", body = ApiError),
        (status = 403, description = "Without the permissions, or an organisation outside the subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificates")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<CertificateQuery>,
) -> Result<web::Json<Page<Certificate>>, AppError> {
    let query = query.into_inner();
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisation accounts may do this: students see theirs at /api/me/certificates",
        ));
    }
    actor.require_any(READERS)?;
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(
            ApiError::new(ErrorCode::InvalidQuery, "at most 100 characters")
                .with_field("q")
                .into(),
        );
    }
    let mut conn = state.db.conn().await?;
    if let Some(org) = query.organization {
        let row = db::organizations::get(&mut conn, org)
            .await?
            .ok_or_else(|| AppError::not_found("organisation"))?;
        if !actor.is_within(&row.path) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "outside your organisation's subtree",
            ));
        }
    }
    let filter = db::certificates::Filter {
        subtree: actor.org.id,
        organization: query.organization,
        kind: query.kind,
        batch: query.batch,
        q: query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()),
        revoked: query.status.map(|s| s == CertificateStatus::Revoked),
    };
    let (items, total) = db::certificates::list(&mut conn, &filter, page).await?;
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// My certificates
///
/// The signed-in student's certificates (the wallet), newest first, revoked ones included
/// with their reason. Other accounts hold none.
#[utoipa::path(
    tag = "certificates",
    responses((status = 200, description = "Newest first", body = Vec<Certificate>)),
    security(("bearer" = [])),
)]
#[get("/me/certificates")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<Certificate>>, AppError> {
    if actor.kind != AccountKind::Student {
        return Ok(web::Json(Vec::new()));
    }
    let mut conn = state.db.conn().await?;
    Ok(web::Json(
        db::certificates::of_student(&mut conn, actor.account_id).await?,
    ))
}

/// The certificate, if the actor may see it: its student, or an organisation account with
/// `issue_certificates` or `view_reports` over its issuer. To anyone else it is not there.
async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<db::certificates::Full, AppError> {
    if actor.kind != AccountKind::Student {
        actor.require_any(READERS)?;
    }
    let full = db::certificates::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("certificate"))?;
    let may = if actor.kind == AccountKind::Student {
        full.certificate.student_id == actor.account_id
    } else {
        actor.is_within(&full.organization_path)
    };
    if may {
        Ok(full)
    } else {
        Err(AppError::not_found("certificate"))
    }
}

/// One certificate
///
/// With exactly what it printed. Its student, or `issue_certificates` / `view_reports` over
/// its issuer.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Certificate id", minimum = 1)),
    responses(
        (status = 200, description = "The certificate", body = CertificateDetail),
        (status = 403, description = "An organisation account without the permissions", body = ApiError),
        (status = 404, description = "No such certificate visible to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificates/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<CertificateDetail>, AppError> {
    let mut conn = state.db.conn().await?;
    let full = readable(&mut conn, &actor, *id).await?;
    Ok(web::Json(CertificateDetail {
        certificate: full.certificate,
        document: full.document,
    }))
}

/// A file name: 奖状-2023010101-张晓明.
fn file_name(doc: &CertificateDoc) -> String {
    format!(
        "{}-{}-{}",
        doc.kind.label_zh(),
        doc.student_no,
        doc.student_name
    )
    .chars()
    .filter(|c| !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
    .collect()
}

async fn download(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    format: Format,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let full = readable(&mut conn, &actor, id).await?;
    if full.certificate.status == CertificateStatus::Revoked {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "the certificate was revoked: {}",
                full.certificate.revoke_reason.unwrap_or_default()
            ),
        ));
    }
    let fonts = fonts(&state)?;
    let seal = seal_url(&mut conn, full.seal_id).await?;
    drop(conn);
    let name = file_name(&full.document);
    let doc = full.document;
    let bytes = draw(&state, move || {
        render::certificate(&fonts, &doc, seal.as_deref(), format)
    })
    .await?;
    Ok(match format {
        Format::Pdf => attachment(bytes, &name, "pdf", "application/pdf"),
        Format::Png => attachment(bytes, &name, "png", "image/png"),
    })
}

/// A certificate as PDF
///
/// A4, its text selectable, the QR code to its verification page bottom left. Its student, or
/// `issue_certificates` / `view_reports` over its issuer; not once revoked.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Certificate id", minimum = 1)),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "An organisation account without the permissions", body = ApiError),
        (status = 404, description = "No such certificate visible to the caller", body = ApiError),
        (status = 409, description = "Revoked", body = ApiError),
        (status = 503, description = "No CJK font on this server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificates/{id}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    download(state, actor, *id, Format::Pdf).await
}

/// A certificate as PNG
///
/// The same page as the PDF, 2 pixels per point (1684 × 1190 landscape), to keep on a phone or
/// share in a chat. Its student, or `issue_certificates` / `view_reports` over its issuer; not
/// once revoked.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Certificate id", minimum = 1)),
    responses(
        (status = 200, description = "The PNG", content_type = "image/png", body = Vec<u8>),
        (status = 403, description = "An organisation account without the permissions", body = ApiError),
        (status = 404, description = "No such certificate visible to the caller", body = ApiError),
        (status = 409, description = "Revoked", body = ApiError),
        (status = 503, description = "No CJK font on this server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificates/{id}/png")]
pub async fn png(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    download(state, actor, *id, Format::Png).await
}

/// Revoke a certificate
///
/// With a reason (2–500 characters), which the verification page shows from then on; the
/// student keeps it in their wallet marked revoked. `issue_certificates` over its issuer;
/// audited.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "Certificate id", minimum = 1)),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Revoked", body = Certificate),
        (status = 403, description = "Not over its issuer", body = ApiError),
        (status = 404, description = "No such certificate visible to the caller", body = ApiError),
        (status = 409, description = "Revoked already", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/certificates/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<RevokeRequest>,
) -> Result<web::Json<Certificate>, AppError> {
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisation accounts may do this",
        ));
    }
    actor.require(Permission::IssueCertificates)?;
    let reason = body.reason.trim().to_owned();
    if !(2..=500).contains(&reason.chars().count()) {
        return Err(ApiError::invalid("reason", "say why, in 2 to 500 characters").into());
    }
    let mut conn = state.db.conn().await?;
    let full = readable(&mut conn, &actor, *id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if !db::certificates::revoke(conn, *id, actor.account_id, &reason).await? {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the certificate is revoked already",
            ));
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                full.certificate.organization_id,
                "certificates.revoke",
                "certificate",
                *id,
                json!({"serial": full.certificate.serial, "student_id": full.certificate.student_id, "reason": reason}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    let certificate = db::certificates::by_ids(&mut conn, &[*id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("certificate"))?;
    Ok(web::Json(certificate))
}

/// Verify a certificate
///
/// What the QR code on a certificate opens (through the web page `/verify/{serial}`, the same
/// as transcripts'): whether the certificate with this serial is genuine or revoked (with the
/// reason), and exactly what it printed. No authentication; unknown serials answer 404 and
/// nothing else is revealed.
#[utoipa::path(
    tag = "certificates",
    params(("serial" = String, Path, description = "The serial printed on the certificate",
        pattern = "^SCC-[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$", example = "SCC-7Q2K-9D4M-XH3B-R8TW-5NVC-1PJE")),
    responses(
        (status = 200, description = "Issued by the platform", body = CertificateVerification),
        (status = 404, description = "No certificate has this serial", body = ApiError),
    ),
    security(()),
)]
#[get("/certificates/verify/{serial}")]
pub async fn verify(
    state: web::Data<AppState>,
    serial: web::Path<String>,
) -> Result<web::Json<CertificateVerification>, AppError> {
    if !certificate::is_certificate_serial(&serial) {
        return Err(AppError::not_found("certificate"));
    }
    let mut conn = state.db.conn().await?;
    let full = db::certificates::by_serial(&mut conn, &serial)
        .await?
        .ok_or_else(|| AppError::not_found("certificate"))?;
    Ok(web::Json(CertificateVerification {
        serial: full.certificate.serial,
        status: full.certificate.status,
        issued_at: full.certificate.issued_at,
        revoked_at: full.certificate.revoked_at,
        revoke_reason: full.certificate.revoke_reason,
        document: full.document,
    }))
}

/// One issue's certificates as a zip
///
/// A PDF per certificate (`奖状-学号-姓名.pdf`), revoked ones left out, streamed as they are
/// drawn: a batch of thousands starts downloading at once and is never held whole in memory.
/// `issue_certificates` over the batch's issuer.
#[utoipa::path(
    tag = "certificates",
    params(("batch" = Uuid, Path, description = "The batch id an issue answered")),
    responses(
        (status = 200, description = "The zip", content_type = "application/zip", body = Vec<u8>),
        (status = 403, description = "Not over the batch's issuer", body = ApiError),
        (status = 404, description = "No such batch", body = ApiError),
        (status = 503, description = "No CJK font on this server", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/certificates/batches/{batch}/zip")]
pub async fn batch_zip(
    state: web::Data<AppState>,
    actor: Actor,
    batch: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::IssueCertificates)?;
    let batch = batch.into_inner();
    let fonts = fonts(&state)?;
    let mut conn = state.db.conn().await?;
    let (_, path, _) = db::certificates::batch_issuer(&mut conn, batch)
        .await?
        .ok_or_else(|| AppError::not_found("batch"))?;
    actor.require_within(Permission::IssueCertificates, &path)?;
    // What they printed (a few KB each), then the seals they use once each.
    let mut docs = Vec::new();
    let mut after = 0;
    loop {
        let page = db::certificates::batch_page(&mut conn, batch, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.certificate.id;
        docs.extend(
            page.into_iter()
                .filter(|f| f.certificate.status == CertificateStatus::Genuine)
                .map(|f| (f.document, f.seal_id)),
        );
    }
    let mut seals = HashMap::new();
    for id in docs.iter().filter_map(|(_, s)| *s).collect::<HashSet<_>>() {
        if let Some(url) = seal_url(&mut conn, Some(id)).await? {
            seals.insert(id, url);
        }
    }
    drop(conn);
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<web::Bytes>(4);
    let state = state.into_inner();
    tokio::spawn(async move {
        // A batch waits for its turn (one fewer than the render slots), then holds one slot.
        let Ok(_turn) = state.zip_turns.acquire().await else {
            return;
        };
        let Ok(_slot) = state.pdf_renders.acquire().await else {
            return;
        };
        let written =
            tokio::task::spawn_blocking(move || write_zip(&fonts, &docs, &seals, sender)).await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%batch, %error, "certificate zip stopped"),
            Err(error) => tracing::error!(%batch, %error, "certificate zip failed"),
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| {
        receiver
            .poll_recv(cx)
            .map(|piece| piece.map(Ok::<_, std::io::Error>))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"certificates-{}.zip\"",
                &batch.to_string()[..8]
            ),
        ))
        .streaming(stream))
}

/// Draws every certificate and writes the zip to the channel.
fn write_zip(
    fonts: &PdfFonts,
    docs: &[(CertificateDoc, Option<i64>)],
    seals: &HashMap<i64, String>,
    sender: tokio::sync::mpsc::Sender<web::Bytes>,
) -> Result<(), String> {
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new_stream(render::ChannelWriter::new(sender));
    // The PDFs are compressed already.
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut names = HashSet::new();
    for (doc, seal) in docs {
        let seal = seal.and_then(|id| seals.get(&id)).map(String::as_str);
        let file = render::certificate(fonts, doc, seal, Format::Pdf)?;
        let mut name = file_name(doc);
        if !names.insert(name.clone()) {
            name = format!("{name}-{}", &doc.serial[4..8]);
        }
        zip.start_file(format!("{name}.pdf"), options)
            .map_err(|e| e.to_string())?;
        zip.write_all(&file).map_err(|e| e.to_string())?;
    }
    let mut writer = zip.finish().map_err(|e| e.to_string())?.into_inner();
    writer.flush().map_err(|e| e.to_string())
}
