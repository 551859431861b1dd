//! Practice teams (三下乡 and other social practice) and training records: an organisation
//! registers one (`publish_activities`) with its members and, for a team, its report; the
//! responsible organisation certifies it (`certify_practice`) — a college its own college's, a
//! school-level organisation its own, never a club — and certification enters the ledger:
//! 8 hours a day per member unless a member's hours are stated with a reason.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    organization::OrgKind,
    page::{PageParams, PageRequest},
    practice::{
        self, MemberRole, MyPractice, NewPracticeRecord, PracticeKind, PracticeRecord,
        PracticeSummary,
    },
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change, practice::RecordRow},
    error::AppError,
};

/// The largest report accepted (the route's `PayloadConfig`).
pub const MAX_REPORT_BYTES: usize = 10 * 1024 * 1024;

/// The organisation that certifies a record of the organisation with this path.
async fn certifier_of(
    conn: &mut AsyncPgConnection,
    path: &[i64],
) -> Result<Option<(i64, String)>, AppError> {
    let along = db::organizations::along(conn, path).await?;
    let kinds: Vec<(i64, OrgKind)> = along.iter().map(|o| (o.id, o.kind())).collect();
    Ok(practice::certifier(&kinds)
        .and_then(|id| along.into_iter().find(|o| o.id == id))
        .map(|o| (o.id, o.name)))
}

/// The hours a day practice counts under the rules of the term the record ends in.
async fn hours_per_day(conn: &mut AsyncPgConnection, row: &RecordRow) -> Result<f64, AppError> {
    Ok(match db::points::term_on(conn, row.ends_on).await? {
        Some(term) => {
            db::points::rules_for(conn, &term)
                .await?
                .1
                .practice_hours_per_day
        }
        None => 8.0,
    })
}

/// Who may see a record: its organisation's subtree, its certifier, and its members.
async fn view(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    row: RecordRow,
) -> Result<PracticeRecord, AppError> {
    let certifier = certifier_of(conn, &row.organization_path).await?;
    let per_day = hours_per_day(conn, &row).await?;
    let default_hours =
        practice::default_hours(row.kind(), row.starts_on, row.ends_on, row.hours, per_day);
    let members = db::practice::members(conn, row.id, default_hours).await?;
    let is_certifier = certifier
        .as_ref()
        .is_some_and(|(id, _)| *id == actor.org.id);
    let visible = match actor.kind {
        AccountKind::Student => members.iter().any(|m| m.student_id == actor.account_id),
        _ => actor.is_within(&row.organization_path) || is_certifier,
    };
    if !visible {
        return Err(AppError::not_found("practice record"));
    }
    let certified = row.certified();
    Ok(PracticeRecord {
        id: row.id,
        kind: row.kind(),
        organization_id: row.organization_id,
        organization: row.organization.clone(),
        name: row.name.clone(),
        topic: row.topic.clone(),
        place: row.place.clone(),
        instructors: row.instructors.clone(),
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        days: practice::days(row.starts_on, row.ends_on),
        hours: row.hours,
        default_hours,
        members,
        report: row.report(),
        certified,
        certified_at: row.certified_at,
        certified_by: row.certified_by.clone(),
        certifier_id: certifier.as_ref().map(|(id, _)| *id),
        certifier: certifier.map(|(_, name)| name),
        can_edit: !certified
            && actor.permissions.contains(&Permission::PublishActivities)
            && actor.is_within(&row.organization_path),
        can_certify: !certified
            && is_certifier
            && actor.permissions.contains(&Permission::CertifyPractice),
    })
}

async fn record(conn: &mut AsyncPgConnection, id: i64) -> Result<RecordRow, AppError> {
    db::practice::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("practice record"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    /// `practice` or `training` (default: both).
    #[param(pattern = "^(practice|training)$")]
    pub kind: Option<String>,
    /// Only certified ones (`true`) or only those waiting (`false`).
    pub certified: Option<bool>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Practice teams and training records
///
/// Those of the caller's subtree, newest first. Needs `publish_activities`,
/// `certify_practice` or `view_reports`.
#[utoipa::path(
    tag = "practice",
    params(RecordQuery),
    responses(
        (status = 200, description = "One page", body = Page<PracticeSummary>),
        (status = 400, description = "An unknown kind or a bad page", body = ApiError),
        (status = 403, description = "Permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/practice-records")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<RecordQuery>,
) -> Result<web::Json<Page<PracticeSummary>>, AppError> {
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "students see their own at /api/me/practice-records",
        ));
    }
    actor.require_any(&[
        Permission::PublishActivities,
        Permission::CertifyPractice,
        Permission::ViewReports,
    ])?;
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let kind = match query.kind.as_deref() {
        None => None,
        Some(text) => Some(PracticeKind::parse(text).ok_or_else(|| {
            AppError::from(
                ApiError::new(ErrorCode::InvalidQuery, "practice or training").with_field("kind"),
            )
        })?),
    };
    let mut conn = state.db.conn().await?;
    let (items, total) = db::practice::list(
        &mut conn,
        actor.org.id,
        kind,
        query.certified,
        page.limit(),
        page.offset(),
    )
    .await?;
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// My practice and training
///
/// The signed-in student's teams and training records, with their role and hours.
#[utoipa::path(
    tag = "practice",
    responses(
        (status = 200, description = "Newest first", body = Vec<MyPractice>),
        (status = 403, description = "Not a student", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/practice-records")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<MyPractice>>, AppError> {
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students take part",
        ));
    }
    let mut conn = state.db.conn().await?;
    let per_day = match db::points::term_on(&mut conn, db::points::today()).await? {
        Some(term) => {
            db::points::rules_for(&mut conn, &term)
                .await?
                .1
                .practice_hours_per_day
        }
        None => 8.0,
    };
    Ok(web::Json(
        db::practice::of_student(&mut conn, actor.account_id, per_day).await?,
    ))
}

/// Checks the input and resolves its members' numbers.
async fn resolve(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    input: &NewPracticeRecord,
) -> Result<(Vec<(i64, MemberRole, Option<f64>, Option<String>)>, i64), AppError> {
    input.validate()?;
    let org = db::organizations::get(conn, input.organization_id)
        .await?
        .ok_or_else(|| {
            AppError::from(ApiError::invalid("organization_id", "no such organisation"))
        })?;
    actor.require_within(Permission::PublishActivities, &org.path)?;
    if !org.active {
        return Err(ApiError::invalid("organization_id", "the organisation is deactivated").into());
    }
    let mut members = Vec::with_capacity(input.members.len());
    for (i, m) in input.members.iter().enumerate() {
        let (id, _) = db::attendance::student_by_number(conn, &m.student_no)
            .await?
            .ok_or_else(|| {
                AppError::from(ApiError::invalid(
                    format!("members[{i}].student_no"),
                    "no such student",
                ))
            })?;
        members.push((id, m.role, m.hours, m.hours_reason.clone()));
    }
    Ok((members, org.id))
}

/// Register a practice team or training record
///
/// With its members (at most one leader); practice counts 8 hours a day for each member unless
/// their hours are stated with a reason, training the record's hours. Needs
/// `publish_activities` over the organising organisation; audited.
#[utoipa::path(
    tag = "practice",
    request_body = NewPracticeRecord,
    responses(
        (status = 201, description = "Registered", body = PracticeRecord),
        (status = 403, description = "Permission missing, or an organisation outside the subtree", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/practice-records")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewPracticeRecord>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::PublishActivities)?;
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let (members, org) = resolve(conn, &actor, &input).await?;
            let id = db::practice::save(conn, None, &input, &members, actor.account_id).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(org),
                    action: "practice.create",
                    target_type: "practice_record",
                    target_id: id.to_string(),
                    details: json!(input),
                },
            )
            .await?;
            Ok(id)
        })
        .await?;
    let row = record(&mut conn, id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/practice-records/{id}")))
        .json(view(&mut conn, &actor, row).await?))
}

/// One practice team or training record
///
/// With its members and their hours, its report (if any), and who certifies it. Seen by its
/// organisation's subtree, its certifier and its members.
#[utoipa::path(
    tag = "practice",
    params(("id" = i64, Path, description = "Record id")),
    responses(
        (status = 200, description = "The record", body = PracticeRecord),
        (status = 404, description = "No such record, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/practice-records/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<PracticeRecord>, AppError> {
    let mut conn = state.db.conn().await?;
    let row = record(&mut conn, *id).await?;
    Ok(web::Json(view(&mut conn, &actor, row).await?))
}

/// Locks a record the caller may still edit.
async fn editable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<RecordRow, AppError> {
    let row = db::practice::lock(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("practice record"))?;
    let shown = view(conn, actor, row.clone()).await?;
    if shown.certified {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "certified already: a certified record is fixed",
        ));
    }
    if !shown.can_edit {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only its organisation (publish_activities) edits a record",
        ));
    }
    Ok(row)
}

/// Change a practice team or training record
///
/// The whole record and its members, until it is certified. Needs `publish_activities` over
/// its organisation; audited.
#[utoipa::path(
    tag = "practice",
    params(("id" = i64, Path, description = "Record id")),
    request_body = NewPracticeRecord,
    responses(
        (status = 200, description = "Changed", body = PracticeRecord),
        (status = 403, description = "Not its organisation", body = ApiError),
        (status = 404, description = "No such record, or not one the caller may see", body = ApiError),
        (status = 409, description = "Certified already", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/practice-records/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NewPracticeRecord>,
) -> Result<web::Json<PracticeRecord>, AppError> {
    actor.require(Permission::PublishActivities)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        editable(conn, &actor, id).await?;
        let (members, org) = resolve(conn, &actor, &input).await?;
        db::practice::save(conn, Some(id), &input, &members, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(org),
                action: "practice.update",
                target_type: "practice_record",
                target_id: id.to_string(),
                details: json!(input),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = record(&mut conn, id).await?;
    Ok(web::Json(view(&mut conn, &actor, row).await?))
}

/// Remove a practice team or training record
///
/// Only before it is certified. Needs `publish_activities` over its organisation; audited.
#[utoipa::path(
    tag = "practice",
    params(("id" = i64, Path, description = "Record id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not its organisation", body = ApiError),
        (status = 404, description = "No such record, or not one the caller may see", body = ApiError),
        (status = 409, description = "Certified already", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/practice-records/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::PublishActivities)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = editable(conn, &actor, id).await?;
        db::practice::delete(conn, id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(row.organization_id),
                action: "practice.delete",
                target_type: "practice_record",
                target_id: id.to_string(),
                details: json!({"name": row.name}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What a report file is, by its first bytes (never by what the client claims): PDF, DOCX
/// (a ZIP), PNG or JPEG.
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some((
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The file's name as the user picked it (`实践报告.pdf`).
    #[param(max_length = 200)]
    pub file_name: Option<String>,
}

/// Upload a team's report
///
/// The file itself as the body: PDF, DOCX, PNG or JPEG (told by its content, not its name), at
/// most 10 MB. Replaces any report before. Until certified; needs `publish_activities` over the
/// record's organisation; audited.
#[utoipa::path(
    tag = "practice",
    params(("id" = i64, Path, description = "Record id"), ReportQuery),
    request_body(
        description = "The file, as it is",
        content(
            (crate::imports::FileUpload = "application/pdf"),
            (crate::imports::FileUpload = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (crate::imports::FileUpload = "image/png"),
            (crate::imports::FileUpload = "image/jpeg"),
        ),
    ),
    responses(
        (status = 200, description = "Stored", body = PracticeRecord),
        (status = 403, description = "Not its organisation", body = ApiError),
        (status = 404, description = "No such record, or not one the caller may see", body = ApiError),
        (status = 409, description = "Certified already", body = ApiError),
        (status = 400, description = "A file name longer than 200 characters", body = ApiError),
        (status = 413, description = "Larger than 10 MB", body = ApiError),
        (status = 422, description = "Not a PDF, DOCX, PNG or JPEG file", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/report")]
pub async fn put_report(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<ReportQuery>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<web::Json<PracticeRecord>, AppError> {
    actor.require(Permission::PublishActivities)?;
    let bytes = body.map_err(|error| {
        if error.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
        {
            AppError::new(
                ErrorCode::PayloadTooLarge,
                "the report is larger than 10 MB",
            )
        } else {
            AppError::new(
                ErrorCode::InvalidFile,
                format!("the upload did not arrive whole: {error}"),
            )
        }
    })?;
    if query
        .file_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 200)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "a file name of at most 200 characters",
        )
        .with_field("file_name")
        .into());
    }
    let (content_type, extension) = sniff(&bytes).ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidFile,
            "a report is a PDF, DOCX, PNG or JPEG file",
        )
    })?;
    let name: String = query
        .file_name
        .as_deref()
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let name = if name.is_empty() {
        format!("report.{extension}")
    } else {
        name
    };
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = editable(conn, &actor, id).await?;
        db::practice::set_report(conn, id, &name, content_type, &bytes, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(row.organization_id),
                action: "practice.report",
                target_type: "practice_record",
                target_id: id.to_string(),
                details: json!({"file_name": name, "bytes": bytes.len(), "content_type": content_type}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = record(&mut conn, id).await?;
    Ok(web::Json(view(&mut conn, &actor, row).await?))
}

/// Download a team's report
///
/// To those who may see the record (its organisation's subtree, its certifier, its members);
/// 409 while the record has no report yet.
#[utoipa::path(
    tag = "practice",
    params(("id" = i64, Path, description = "Record id")),
    responses(
        (status = 200, description = "The file, as uploaded", content(
            (crate::imports::FileUpload = "application/pdf"),
            (crate::imports::FileUpload = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (crate::imports::FileUpload = "image/png"),
            (crate::imports::FileUpload = "image/jpeg"),
        )),
        (status = 404, description = "No such record, or not one the caller may see", body = ApiError),
        (status = 409, description = "No report uploaded yet", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/report")]
pub async fn get_report(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    _req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let row = record(&mut conn, *id).await?;
    let file = row.report_file_id;
    view(&mut conn, &actor, row).await?;
    let (name, content_type, bytes) = match file {
        Some(file) => db::practice::file(&mut conn, file).await?,
        None => None,
    }
    .ok_or_else(|| AppError::new(ErrorCode::Conflict, "no report has been uploaded yet"))?;
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"report\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// Certify a practice team or training record
///
/// Only the responsible organisation — a college for the records of its college (its own and
/// its clubs'), a school-level organisation for its own, the committee for its own and its
/// direct clubs' — with `certify_practice`. A practice team needs its report first.
/// Certification fixes the record and enters every member's hours in the ledger; audited.
#[utoipa::path(
    tag = "practice",
    params(("id" = i64, Path, description = "Record id")),
    responses(
        (status = 200, description = "Certified and counted", body = PracticeRecord),
        (status = 403, description = "Not the responsible organisation", body = ApiError),
        (status = 404, description = "No such record, or not one the caller may see", body = ApiError),
        (status = 409, description = "Certified already, or a team without its report", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/practice-records/{id}/certify")]
pub async fn certify(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<PracticeRecord>, AppError> {
    actor.require(Permission::CertifyPractice)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = db::practice::lock(conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("practice record"))?;
        let shown = view(conn, &actor, row.clone()).await?;
        if shown.certified {
            return Err(AppError::new(ErrorCode::Conflict, "certified already"));
        }
        if shown.certifier_id != Some(actor.org.id) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "{} is certified by {}",
                    shown.name,
                    shown.certifier.as_deref().unwrap_or("another organisation")
                ),
            ));
        }
        if shown.kind == PracticeKind::Practice && shown.report.is_none() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "a practice team is certified with its report: upload it first",
            ));
        }
        db::practice::certify(conn, id, actor.account_id).await?;
        let students = db::practice::student_ids(conn, id).await?;
        let book = db::points::RuleBook::load(conn).await?;
        crate::cache::STANDINGS_WRITES.bump();
        let done = db::points::refresh_all(
            conn,
            &students,
            &book,
            actor.account_id,
            Some(actor.account_id),
        )
        .await?;
        let title = format!("“{}”已认证，时长计入成绩单", shown.name);
        db::notifications::notify(conn, &students, "practice_certified", &title, "", None).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(row.organization_id),
                action: "practice.certify",
                target_type: "practice_record",
                target_id: id.to_string(),
                details: json!({"members": students.len(), "entries": done.written}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = record(&mut conn, id).await?;
    Ok(web::Json(view(&mut conn, &actor, row).await?))
}
