//! Student cadres (党团学干部经历): the position types and ratio standard the school admin
//! sets, the register each organisation keeps (`manage_cadres`), assessment rounds graded within
//! the standard — checked with the round locked, so concurrent submissions cannot exceed it —
//! and reviewed by the organisation above, whose approval locks the round and enters the
//! ledger through the rules.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    cadre::{
        self, AssessmentRound, AssessmentStandard, GradesInput, NewPosition, NewRound, Position,
        PositionType, PositionTypes, ReturnRound, RoundStatus, RoundSummary,
    },
    organization::OrgKind,
    page::{PageParams, PageRequest},
    rules::CadreLevel,
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change, cadres::RoundRow, organizations::OrgRow},
    error::AppError,
};

/// Who may read the register and the rounds (of their subtree).
const READERS: &[Permission] = &[Permission::ManageCadres, Permission::ViewReports];

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

// --- the school's settings ------------------------------------------------------------------

/// Position types
///
/// The school's list of position types (主席团成员, 部长/副部长 …) in order, retired ones
/// included. Any signed-in account.
#[utoipa::path(
    tag = "cadres",
    responses((status = 200, description = "In order", body = Vec<PositionType>)),
    security(("bearer" = [])),
)]
#[get("/school/position-types")]
pub async fn list_types(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<web::Json<Vec<PositionType>>, AppError> {
    let mut conn = state.db.conn().await?;
    let types = db::cadres::position_types(&mut conn).await?;
    Ok(web::Json(types.into_iter().map(|(_, t)| t).collect()))
}

/// Set the position types
///
/// The whole list, in order. A type left out is retired (positions keep it; new ones cannot
/// take it); its code is what the rules' cadre matrix names. The school admin's; audited.
#[utoipa::path(
    tag = "cadres",
    request_body = PositionTypes,
    responses(
        (status = 200, description = "The list as stored", body = Vec<PositionType>),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/school/position-types")]
pub async fn put_types(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<PositionTypes>,
) -> Result<web::Json<Vec<PositionType>>, AppError> {
    actor.require_school_admin("position types are")?;
    let input = body.into_inner();
    input.validate()?;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        db::cadres::put_position_types(conn, &input, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                actor.org.id,
                "cadres.types",
                "school",
                1,
                json!({"types": input.types}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    let types = db::cadres::position_types(&mut conn).await?;
    Ok(web::Json(types.into_iter().map(|(_, t)| t).collect()))
}

/// The assessment standard
///
/// The school's ratio standard: the largest share of a round's positions of a level that may
/// receive a grade. Any signed-in account.
#[utoipa::path(
    tag = "cadres",
    responses((status = 200, description = "The standard", body = AssessmentStandard)),
    security(("bearer" = [])),
)]
#[get("/school/assessment-standard")]
pub async fn get_standard(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<web::Json<AssessmentStandard>, AppError> {
    let mut conn = state.db.conn().await?;
    Ok(web::Json(db::cadres::standard(&mut conn).await?))
}

/// Set the assessment standard
///
/// Replaces the whole standard; rounds already submitted keep what they were checked against.
/// The school admin's; audited.
#[utoipa::path(
    tag = "cadres",
    request_body = AssessmentStandard,
    responses(
        (status = 200, description = "Stored", body = AssessmentStandard),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/school/assessment-standard")]
pub async fn put_standard(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<AssessmentStandard>,
) -> Result<web::Json<AssessmentStandard>, AppError> {
    actor.require_school_admin("the assessment standard is")?;
    let input = body.into_inner();
    input.validate()?;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        db::cadres::put_standard(conn, &input, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                actor.org.id,
                "cadres.standard",
                "school",
                1,
                json!({"limits": input.limits}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(db::cadres::standard(&mut conn).await?))
}

// --- the register ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PositionQuery {
    /// Only this organisation's (default: the caller's whole subtree).
    pub organization_id: Option<i64>,
    /// Only positions held on this day.
    pub on: Option<NaiveDate>,
    /// Student number or name contains.
    #[param(max_length = 50)]
    pub q: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Cadre positions
///
/// The register of the caller's subtree, newest tenure first, each with its assessments.
/// Needs `manage_cadres` or `view_reports`.
#[utoipa::path(
    tag = "cadres",
    params(PositionQuery),
    responses(
        (status = 200, description = "One page", body = Page<Position>),
        (status = 403, description = "Permission missing, or an organisation outside the subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/cadre-positions")]
pub async fn list_positions(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<PositionQuery>,
) -> Result<web::Json<Page<Position>>, AppError> {
    actor.require_any(READERS)?;
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "students see their own positions at /api/me/cadre-positions",
        ));
    }
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 50) {
        return Err(
            ApiError::new(ErrorCode::InvalidQuery, "at most 50 characters")
                .with_field("q")
                .into(),
        );
    }
    let mut conn = state.db.conn().await?;
    if let Some(org) = query.organization_id {
        let org = organization(&mut conn, org, "organization_id").await?;
        if !actor.is_within(&org.path) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "outside your organisation's subtree",
            ));
        }
    }
    let filter = db::cadres::Filter {
        within: Some(actor.org.id),
        organization_id: query.organization_id,
        student_id: None,
        on: query.on,
        q: query.q.filter(|q| !q.trim().is_empty()),
    };
    let (rows, total) =
        db::cadres::list(&mut conn, &filter, page.limit(), page.offset(), false).await?;
    let items = rows.into_iter().map(|(p, _)| p).collect();
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// My positions
///
/// The signed-in student's positions, each with its approved assessments.
#[utoipa::path(
    tag = "cadres",
    responses(
        (status = 200, description = "Newest tenure first", body = Vec<Position>),
        (status = 403, description = "Not a student", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/cadre-positions")]
pub async fn my_positions(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<Position>>, AppError> {
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students hold positions",
        ));
    }
    let mut conn = state.db.conn().await?;
    let filter = db::cadres::Filter {
        student_id: Some(actor.account_id),
        ..Default::default()
    };
    let (rows, _) = db::cadres::list(&mut conn, &filter, 500, 0, true).await?;
    Ok(web::Json(rows.into_iter().map(|(p, _)| p).collect()))
}

async fn organization(
    conn: &mut AsyncPgConnection,
    id: i64,
    field: &str,
) -> Result<OrgRow, AppError> {
    db::organizations::get(conn, id)
        .await?
        .ok_or_else(|| ApiError::invalid(field, "no such organisation").into())
}

/// The position as the register stores it, resolved and checked: the organisation is the
/// caller's to manage, the student exists (and belongs to the organisation's college, if it
/// lies in one), the type is an active one of the school's.
async fn resolve<'a>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    input: &'a NewPosition,
) -> Result<(db::cadres::PositionValues<'a>, OrgRow), AppError> {
    input.validate()?;
    let org = organization(conn, input.organization_id, "organization_id").await?;
    actor.require_within(Permission::ManageCadres, &org.path)?;
    if !org.active {
        return Err(ApiError::invalid("organization_id", "the organisation is deactivated").into());
    }
    let student = db::attendance::student_by_number(conn, &input.student_no)
        .await?
        .ok_or_else(|| AppError::from(ApiError::invalid("student_no", "no such student")))?;
    let info = db::points::student(conn, student.0).await?;
    let college = college_of(conn, &org).await?;
    if college.is_some_and(|c| c != info.college_id) {
        return Err(ApiError::invalid(
            "student_no",
            "a position of a college is held by one of its students",
        )
        .into());
    }
    let types = db::cadres::position_types(conn).await?;
    let (type_id, _) = types
        .iter()
        .find(|(_, t)| t.code == input.position_type && t.active)
        .ok_or_else(|| {
            AppError::from(ApiError::invalid(
                "position_type",
                "not one of the school's position types",
            ))
        })?;
    let level = input.level.unwrap_or_else(|| cadre::level_of(org.kind()));
    let own = cadre::level_of(org.kind());
    if level != own && !(level == CadreLevel::Class && org.kind() == OrgKind::College) {
        return Err(ApiError::invalid(
            "level",
            "a position sits at its organisation's level, or a college registers its classes'",
        )
        .into());
    }
    if level == CadreLevel::Class
        && input
            .class_name
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        return Err(ApiError::invalid("class_name", "a class position names its class").into());
    }
    Ok((
        db::cadres::PositionValues {
            organization_id: org.id,
            student_id: student.0,
            position_type_id: *type_id,
            level,
            input,
        },
        org,
    ))
}

/// The college an organisation lies in (itself, or one above it), if any.
async fn college_of(conn: &mut AsyncPgConnection, org: &OrgRow) -> Result<Option<i64>, AppError> {
    Ok(db::organizations::along(conn, &org.path)
        .await?
        .iter()
        .rev()
        .find(|o| o.kind() == OrgKind::College)
        .map(|o| o.id))
}

async fn position_of(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<Position, AppError> {
    let (position, path) = db::cadres::get(conn, id)
        .await?
        .filter(|(_, path)| actor.is_within(path))
        .ok_or_else(|| AppError::not_found("position"))?;
    let _ = path;
    Ok(position)
}

/// Register a position
///
/// A student's position in an organisation of the caller's subtree: title, the school's
/// position type, level (the organisation's own; a college may register its classes'
/// positions with `level` `class` and the class's name), tenure and appointment number. Needs
/// `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    request_body = NewPosition,
    responses(
        (status = 201, description = "Registered", body = Position),
        (status = 403, description = "Permission missing, or an organisation outside the subtree", body = ApiError),
        (status = 409, description = "The same student, title and start already registered", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/cadre-positions")]
pub async fn create_position(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewPosition>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::ManageCadres)?;
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let (values, org) = resolve(conn, &actor, &input).await?;
            let id = db::cadres::insert(conn, &values, actor.account_id).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                audit(
                    org.id,
                    "cadres.position.create",
                    "cadre_position",
                    id,
                    json!(input),
                ),
            )
            .await?;
            Ok(id)
        })
        .await?;
    let position = position_of(&mut conn, &actor, id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/cadre-positions/{id}")))
        .json(position))
}

/// One position
///
/// With every assessment (of rounds in any state). In the caller's subtree; needs
/// `manage_cadres` or `view_reports`.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Position id")),
    responses(
        (status = 200, description = "The position", body = Position),
        (status = 404, description = "No such position in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/cadre-positions/{id}")]
pub async fn get_position(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Position>, AppError> {
    actor.require_any(READERS)?;
    if actor.kind == AccountKind::Student {
        return Err(AppError::not_found("position"));
    }
    let mut conn = state.db.conn().await?;
    Ok(web::Json(position_of(&mut conn, &actor, *id).await?))
}

/// Change a position
///
/// The whole position as registered. A position already graded keeps its student and
/// organisation (409 to change them). Needs `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Position id")),
    request_body = NewPosition,
    responses(
        (status = 200, description = "Changed", body = Position),
        (status = 404, description = "No such position in the caller's subtree", body = ApiError),
        (status = 409, description = "Graded already: student and organisation are fixed", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/cadre-positions/{id}")]
pub async fn update_position(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NewPosition>,
) -> Result<web::Json<Position>, AppError> {
    actor.require(Permission::ManageCadres)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let before = position_of(conn, &actor, id).await?;
        let (values, org) = resolve(conn, &actor, &input).await?;
        if db::cadres::graded(conn, id).await? > 0
            && (values.student_id != before.student_id
                || values.organization_id != before.organization_id
                || values.level != before.level)
        {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this position has been graded: its student, organisation and level stay",
            ));
        }
        db::cadres::update(conn, id, &values, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                org.id,
                "cadres.position.update",
                "cadre_position",
                id,
                json!(input),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(position_of(&mut conn, &actor, id).await?))
}

/// Remove a position
///
/// Only a position never graded (a graded one is history). Needs `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Position id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such position in the caller's subtree", body = ApiError),
        (status = 409, description = "Graded already", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/cadre-positions/{id}")]
pub async fn delete_position(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::ManageCadres)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let position = position_of(conn, &actor, id).await?;
        if db::cadres::graded(conn, id).await? > 0 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this position has been graded and stays on record",
            ));
        }
        db::cadres::delete(conn, id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                position.organization_id,
                "cadres.position.delete",
                "cadre_position",
                id,
                json!({"student_no": position.student_no, "title": position.title}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// --- assessment rounds ----------------------------------------------------------------------

/// The round as the caller sees it; 404 to anyone who neither is in its organisation's
/// subtree nor reviews it.
async fn round_view(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    row: &RoundRow,
) -> Result<AssessmentRound, AppError> {
    let reviewer = row.reviewer() == actor.org.id;
    if !(actor.is_within(&row.organization_path) || reviewer) {
        return Err(AppError::not_found("assessment round"));
    }
    let items = db::cadres::items(conn, row).await?;
    let standard = db::cadres::standard(conn).await?;
    let graded: Vec<_> = items.iter().map(|i| (i.level, i.grade)).collect();
    let term = db::points::term(conn, row.term_id)
        .await?
        .ok_or_else(|| AppError::not_found("term"))?;
    let manages = actor.permissions.contains(&Permission::ManageCadres);
    Ok(AssessmentRound {
        id: row.id,
        organization_id: row.organization_id,
        organization: row.organization.clone(),
        term,
        status: row.status(),
        rooms: cadre::rooms(&standard, &graded),
        items,
        submitted_by: row.submitted_by.clone(),
        submitted_at: row.submitted_at,
        reviewed_by: row.reviewed_by.clone(),
        reviewed_at: row.reviewed_at,
        return_reason: row.return_reason.clone(),
        can_grade: manages && actor.org.id == row.organization_id && row.status().editable(),
        can_review: manages && reviewer && row.status() == RoundStatus::Submitted,
    })
}

/// Round `id` read afresh, as the caller sees it.
async fn shown_round(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<AssessmentRound, AppError> {
    let row = db::cadres::round(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("assessment round"))?;
    round_view(conn, actor, &row).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundQuery {
    /// `own` (default): rounds of the caller's subtree. `review`: rounds waiting for the
    /// caller's organisation to review.
    #[param(pattern = "^(own|review)$")]
    pub scope: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Assessment rounds
///
/// The rounds of the caller's subtree (`scope=own`), or those waiting for its review
/// (`scope=review`), newest term first, with how many positions are graded. Needs
/// `manage_cadres` or `view_reports`.
#[utoipa::path(
    tag = "cadres",
    params(RoundQuery),
    responses(
        (status = 200, description = "One page", body = Page<RoundSummary>),
        (status = 400, description = "An unknown scope or a bad page", body = ApiError),
        (status = 403, description = "Permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/assessment-rounds")]
pub async fn list_rounds(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<RoundQuery>,
) -> Result<web::Json<Page<RoundSummary>>, AppError> {
    crate::students::require_organization(&actor)?;
    actor.require_any(READERS)?;
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let reviewer = match query.scope.as_deref().unwrap_or("own") {
        "own" => None,
        "review" => Some(actor.org.id),
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("unknown scope `{other}`: use own or review"),
            )
            .with_field("scope")
            .into());
        }
    };
    let mut conn = state.db.conn().await?;
    let (items, total) = db::cadres::rounds(
        &mut conn,
        actor.org.id,
        reviewer,
        page.limit(),
        page.offset(),
    )
    .await?;
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// Start an assessment round
///
/// An organisation of the caller's subtree rates the positions it held during a term: one
/// round per organisation and term. Needs `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    request_body = NewRound,
    responses(
        (status = 201, description = "Started; its positions listed ungraded", body = AssessmentRound),
        (status = 403, description = "Permission missing, or an organisation outside the subtree", body = ApiError),
        (status = 409, description = "The organisation has a round for that term", body = ApiError),
        (status = 422, description = "No such organisation or term", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/assessment-rounds")]
pub async fn create_round(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewRound>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::ManageCadres)?;
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    let org = organization(&mut conn, input.organization_id, "organization_id").await?;
    actor.require_within(Permission::ManageCadres, &org.path)?;
    let term = db::points::term(&mut conn, input.term_id)
        .await?
        .ok_or_else(|| AppError::from(ApiError::invalid("term_id", "no such term")))?;
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let id = db::cadres::insert_round(conn, org.id, term.id, actor.account_id)
                .await
                .map_err(|e| match AppError::from(e) {
                    e if e.body().code == ErrorCode::Conflict => AppError::new(
                        ErrorCode::Conflict,
                        format!("{} has a round for {} already", org.name, term.name),
                    ),
                    e => e,
                })?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                audit(
                    org.id,
                    "cadres.round.create",
                    "assessment_round",
                    id,
                    json!({"term": term.code}),
                ),
            )
            .await?;
            Ok(id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/assessment-rounds/{id}")))
        .json(shown_round(&mut conn, &actor, id).await?))
}

/// One assessment round
///
/// Its positions with their grades, and the room the school's standard leaves for each grade
/// at each level (`rooms`). Seen by the organisation's subtree and the organisation above.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = AssessmentRound),
        (status = 404, description = "No such round, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/assessment-rounds/{id}")]
pub async fn get_round(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<AssessmentRound>, AppError> {
    actor.require_any(READERS)?;
    if actor.kind == AccountKind::Student {
        return Err(AppError::not_found("assessment round"));
    }
    let mut conn = state.db.conn().await?;
    Ok(web::Json(shown_round(&mut conn, &actor, *id).await?))
}

/// Locks the round and checks the caller is its own organisation and it may still change.
async fn editable_round(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<RoundRow, AppError> {
    let row = db::cadres::lock_round(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("assessment round"))?;
    if !(actor.is_within(&row.organization_path) || row.reviewer() == actor.org.id) {
        return Err(AppError::not_found("assessment round"));
    }
    if actor.org.id != row.organization_id {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "a round is graded by its own organisation",
        ));
    }
    if !row.status().editable() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "the round is {}: its grades are fixed",
                row.status().as_str()
            ),
        ));
    }
    Ok(row)
}

/// Grade positions
///
/// Sets (or with `grade` null clears) the grades of some or all of the round's positions, with
/// optional comments. All of them are checked together against the school's standard with the
/// round locked: if any grade would exceed its share, nothing is stored (409
/// `grade_limit_exceeded`, the field naming level and grade), also when two people grade at
/// once. Only the round's own organisation, with `manage_cadres`, while the round is a draft or
/// returned; audited.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Round id")),
    request_body = GradesInput,
    responses(
        (status = 200, description = "Stored; the round with its rooms", body = AssessmentRound),
        (status = 403, description = "Not the round's organisation", body = ApiError),
        (status = 404, description = "No such round, or not one the caller may see", body = ApiError),
        (status = 409, description = "Over the standard (`grade_limit_exceeded`), or the round is submitted or approved", body = ApiError,
            example = json!({"code": "grade_limit_exceeded", "message": "3 of 10 college positions are rated 优秀, more than the 2 the school's standard allows", "field": "grades.college.excellent"})),
        (status = 422, description = "A position not in the round (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/assessment-rounds/{id}/grades")]
pub async fn put_grades(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<GradesInput>,
) -> Result<web::Json<AssessmentRound>, AppError> {
    actor.require(Permission::ManageCadres)?;
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = editable_round(conn, &actor, id).await?;
        let items = db::cadres::items(conn, &row).await?;
        for (i, g) in input.grades.iter().enumerate() {
            if !items.iter().any(|item| item.position_id == g.position_id) {
                return Err(ApiError::invalid(
                    format!("grades[{i}].position_id"),
                    "not a position of this round",
                )
                .into());
            }
            let comment = g
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            db::cadres::set_grade(conn, id, g.position_id, g.grade, comment, actor.account_id)
                .await?;
        }
        let items = db::cadres::items(conn, &row).await?;
        let standard = db::cadres::standard(conn).await?;
        let graded: Vec<_> = items.iter().map(|i| (i.level, i.grade)).collect();
        cadre::over_limit(&cadre::rooms(&standard, &graded))?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                row.organization_id,
                "cadres.round.grade",
                "assessment_round",
                id,
                json!({"grades": input.grades}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(shown_round(&mut conn, &actor, id).await?))
}

/// Submit a round for review
///
/// Every position graded and the whole round within the standard (checked again, with the
/// round locked); it then waits for the organisation above. Only the round's own organisation,
/// with `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "Submitted", body = AssessmentRound),
        (status = 403, description = "Not the round's organisation", body = ApiError),
        (status = 404, description = "No such round, or not one the caller may see", body = ApiError),
        (status = 409, description = "Over the standard, submitted already, or no positions", body = ApiError),
        (status = 422, description = "A position is not graded yet", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/assessment-rounds/{id}/submit")]
pub async fn submit_round(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<AssessmentRound>, AppError> {
    actor.require(Permission::ManageCadres)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = editable_round(conn, &actor, id).await?;
        let items = db::cadres::items(conn, &row).await?;
        if items.is_empty() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "no positions were held in this term: register them first",
            ));
        }
        if let Some(missing) = items.iter().find(|i| i.grade.is_none()) {
            return Err(ApiError::invalid(
                "grades",
                format!(
                    "every position needs a grade: {} {} has none",
                    missing.student_name, missing.title
                ),
            )
            .into());
        }
        let standard = db::cadres::standard(conn).await?;
        let graded: Vec<_> = items.iter().map(|i| (i.level, i.grade)).collect();
        cadre::over_limit(&cadre::rooms(&standard, &graded))?;
        db::cadres::set_status(conn, id, RoundStatus::Submitted, actor.account_id, None).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                row.organization_id,
                "cadres.round.submit",
                "assessment_round",
                id,
                json!({"positions": items.len()}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(shown_round(&mut conn, &actor, id).await?))
}

/// Locks a submitted round for its reviewer.
async fn reviewable_round(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<RoundRow, AppError> {
    let row = db::cadres::lock_round(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("assessment round"))?;
    let reviewer = row.reviewer() == actor.org.id;
    if !(actor.is_within(&row.organization_path) || reviewer) {
        return Err(AppError::not_found("assessment round"));
    }
    if !reviewer {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "a round is reviewed by the organisation above it",
        ));
    }
    if row.status() != RoundStatus::Submitted {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "the round is {}, not waiting for review",
                row.status().as_str()
            ),
        ));
    }
    Ok(row)
}

/// Approve a round
///
/// Locks it and counts its grades in the ledger through the rules of its term (cadre points by
/// position type × grade, or level × grade factor). Only the organisation above, with
/// `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Round id")),
    responses(
        (status = 200, description = "Approved and counted", body = AssessmentRound),
        (status = 403, description = "Not the organisation above", body = ApiError),
        (status = 404, description = "No such round, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not waiting for review", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/assessment-rounds/{id}/approve")]
pub async fn approve_round(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<AssessmentRound>, AppError> {
    actor.require(Permission::ManageCadres)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = reviewable_round(conn, &actor, id).await?;
        db::cadres::set_status(conn, id, RoundStatus::Approved, actor.account_id, None).await?;
        let students = db::cadres::round_students(conn, id).await?;
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
        let title = format!("{}的干部考核结果已认定", row.organization);
        db::notifications::notify(conn, &students, "cadre_assessed", &title, "", None).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                row.organization_id,
                "cadres.round.approve",
                "assessment_round",
                id,
                json!({"students": students.len(), "entries": done.written}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(shown_round(&mut conn, &actor, id).await?))
}

/// Return a round
///
/// Sends it back with a reason; its organisation grades again and resubmits. Only the
/// organisation above, with `manage_cadres`; audited.
#[utoipa::path(
    tag = "cadres",
    params(("id" = i64, Path, description = "Round id")),
    request_body = ReturnRound,
    responses(
        (status = 200, description = "Returned", body = AssessmentRound),
        (status = 403, description = "Not the organisation above", body = ApiError),
        (status = 404, description = "No such round, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not waiting for review", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/assessment-rounds/{id}/return")]
pub async fn return_round(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReturnRound>,
) -> Result<web::Json<AssessmentRound>, AppError> {
    actor.require(Permission::ManageCadres)?;
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = reviewable_round(conn, &actor, id).await?;
        let reason = input.reason.trim();
        db::cadres::set_status(
            conn,
            id,
            RoundStatus::Returned,
            actor.account_id,
            Some(reason),
        )
        .await?;
        if let Some(submitter) = db::cadres::submitter(conn, id).await? {
            db::notifications::notify(
                conn,
                &[submitter],
                "cadre_round_returned",
                &format!("{}的干部考核被退回", row.organization),
                reason,
                None,
            )
            .await?;
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            audit(
                row.organization_id,
                "cadres.round.return",
                "assessment_round",
                id,
                json!({"reason": reason}),
            ),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(shown_round(&mut conn, &actor, id).await?))
}
