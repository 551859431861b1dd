//! Surveys (问卷): an organisation (`publish_activities`) builds a questionnaire for the
//! students of its subtree, an intake of it, or one activity's checked-in participants;
//! publishes it (each targeted student is notified) and may close it early. Targeted students
//! answer once and may change the answer until it closes. Results (`view_reports` or
//! `publish_activities` over the organisation) count each question for the whole target or a
//! college / intake of it, never for fewer than five respondents.
//!
//! Anonymous surveys (fixed before publishing): no endpoint, export or audit entry ties an
//! answer to its author. The response is stored without the account, with a random id and no
//! time; an edit key handed once to the respondent (kept as its SHA-256) changes it. The audit
//! entry of answering names the survey only.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    page::{PageParams, PageRequest},
    survey::{
        self, MIN_GROUP, MyResponse, NewSurvey, SubmitAnswers, SubmitReceipt, Survey,
        SurveyResults, SurveyState, SurveySummary, TargetKind,
    },
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change, surveys::SurveyRow},
    error::AppError,
    insight::xlsx::{self, Cell, Sheet, Table},
};

/// Header carrying an anonymous respondent's edit key when reading their answers back.
pub const EDIT_KEY_HEADER: &str = "x-survey-edit-key";

const MANAGERS: [Permission; 2] = [Permission::PublishActivities, Permission::ViewReports];

async fn row(conn: &mut AsyncPgConnection, id: i64) -> Result<SurveyRow, AppError> {
    db::surveys::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("survey"))
}

/// An organisation account that may see the survey: inside its organisation's subtree, with
/// `publish_activities` or `view_reports`. Anyone else finds no survey there.
fn require_manager_view(actor: &Actor, row: &SurveyRow) -> Result<(), AppError> {
    if actor.kind == AccountKind::Student {
        return Err(AppError::not_found("survey"));
    }
    actor.require_any(&MANAGERS)?;
    if actor.is_within(&row.organization_path) {
        Ok(())
    } else {
        Err(AppError::not_found("survey"))
    }
}

fn view(actor: &Actor, row: &SurveyRow, answered: bool) -> Survey {
    let now = Utc::now();
    Survey {
        id: row.id,
        organization_id: row.organization_id,
        organization: row.organization.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        anonymous: row.anonymous,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        target: row.target(),
        target_label: row.target_label(),
        questions: row.questions(),
        state: row.state(now),
        published_at: row.published_at,
        respondents: row.respondents,
        can_manage: actor.permissions.contains(&Permission::PublishActivities)
            && actor.is_within(&row.organization_path),
        answered,
    }
}

fn sha256(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// A fresh edit key: 32 random bytes, hex.
fn new_edit_key() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness for an edit key: {e}")))?;
    Ok(hex::encode(bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Surveys of the organisation
///
/// The surveys of the caller's subtree, newest first: drafts, published, closed. Needs
/// `publish_activities` or `view_reports`; students see theirs at `/api/me/surveys`.
#[utoipa::path(
    tag = "surveys",
    params(ListQuery),
    responses(
        (status = 200, description = "One page", body = Page<SurveySummary>),
        (status = 400, description = "A bad page", body = ApiError),
        (status = 403, description = "A student, or the permission missing", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/surveys")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Page<SurveySummary>>, AppError> {
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "students see theirs at /api/me/surveys",
        ));
    }
    actor.require_any(&MANAGERS)?;
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let (rows, total) =
        db::surveys::list(&mut conn, actor.org.id, page.limit(), page.offset()).await?;
    let now = Utc::now();
    let items = rows.iter().map(|r| r.summary(now, false)).collect();
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// My open surveys
///
/// The published surveys that ask the signed-in student and have not closed (including those
/// opening later), soonest closing first, each saying whether the student has answered.
#[utoipa::path(
    tag = "surveys",
    responses(
        (status = 200, description = "Soonest closing first", body = Vec<SurveySummary>),
        (status = 403, description = "Not a student", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/surveys")]
pub async fn mine(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<SurveySummary>>, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let now = Utc::now();
    let rows = db::surveys::open_for(&mut conn, actor.account_id, now).await?;
    Ok(web::Json(
        rows.iter()
            .map(|(row, answered)| row.summary(now, *answered))
            .collect(),
    ))
}

fn require_student(actor: &Actor) -> Result<(), AppError> {
    if actor.kind == AccountKind::Student {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden, "only students answer"))
    }
}

/// Checks the questionnaire and where it points: the organisation inside the caller's subtree
/// (`publish_activities`), the target subtree inside the organisation's, the activity the
/// organisation's subtree's.
async fn check(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    input: &NewSurvey,
) -> Result<(), AppError> {
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
    match input.target.kind {
        TargetKind::Organization | TargetKind::Intake => {
            let target = db::organizations::get(conn, input.target.organization_id)
                .await?
                .ok_or_else(|| {
                    AppError::from(ApiError::invalid(
                        "target.organization_id",
                        "no such organisation",
                    ))
                })?;
            if !target.path.contains(&org.id) {
                return Err(ApiError::invalid(
                    "target.organization_id",
                    "a survey asks the students of its own organisation's subtree",
                )
                .into());
            }
        }
        TargetKind::Activity => {
            let activity = input.target.activity_id.unwrap_or_default();
            db::surveys::activity(conn, activity)
                .await?
                .filter(|a| a.organizer_path.contains(&org.id) && a.published)
                .ok_or_else(|| {
                    AppError::from(ApiError::invalid(
                        "target.activity_id",
                        "no published activity of this organisation's subtree",
                    ))
                })?;
            if input.target.organization_id != org.id {
                return Err(ApiError::invalid(
                    "target.organization_id",
                    "an activity target names the survey's own organisation",
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Create a survey
///
/// A draft questionnaire of an organisation in the caller's subtree: its questions, window,
/// target and whether it is anonymous. Needs `publish_activities` over the organisation;
/// audited.
#[utoipa::path(
    tag = "surveys",
    request_body = NewSurvey,
    responses(
        (status = 201, description = "The draft", body = Survey),
        (status = 403, description = "Permission missing, or an organisation outside the subtree", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/surveys")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewSurvey>,
) -> Result<HttpResponse, AppError> {
    actor.require(Permission::PublishActivities)?;
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            check(conn, &actor, &input).await?;
            let id = db::surveys::save(conn, None, &input, actor.account_id).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(input.organization_id),
                    action: "survey.create",
                    target_type: "survey",
                    target_id: id.to_string(),
                    details: json!(input),
                },
            )
            .await?;
            Ok(id)
        })
        .await?;
    let row = row(&mut conn, id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/surveys/{id}")))
        .json(view(&actor, &row, false)))
}

/// One survey
///
/// Its questionnaire, window, target and state. Seen by its organisation's subtree (with
/// `publish_activities` or `view_reports`) and, once published, by the students it asks
/// (with whether they have answered); to anyone else there is no such survey.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1)),
    responses(
        (status = 200, description = "The survey", body = Survey),
        (status = 404, description = "No such survey, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/surveys/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Survey>, AppError> {
    let mut conn = state.db.conn().await?;
    let row = row(&mut conn, *id).await?;
    if actor.kind == AccountKind::Student {
        let answered = db::surveys::has_answered(&mut conn, row.id, actor.account_id).await?;
        let targeted = db::surveys::targeted(&mut conn, row.id, actor.account_id)
            .await?
            .is_some();
        if !row.published() || !(targeted || answered) {
            return Err(AppError::not_found("survey"));
        }
        return Ok(web::Json(view(&actor, &row, answered)));
    }
    require_manager_view(&actor, &row)?;
    Ok(web::Json(view(&actor, &row, false)))
}

/// Locks a survey the caller manages (`publish_activities` over its organisation).
async fn managed(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<SurveyRow, AppError> {
    let row = db::surveys::lock(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("survey"))?;
    if actor.kind == AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisation accounts may do this",
        ));
    }
    if !actor.is_within(&row.organization_path) {
        return Err(AppError::not_found("survey"));
    }
    actor.require(Permission::PublishActivities)?;
    Ok(row)
}

/// Edit a draft survey
///
/// Replaces a draft's questionnaire, window, target and anonymity; a published survey can no
/// longer change (409). Needs `publish_activities` over the organisation; audited.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1)),
    request_body = NewSurvey,
    responses(
        (status = 200, description = "The draft", body = Survey),
        (status = 403, description = "Permission missing, or moved outside the subtree", body = ApiError),
        (status = 404, description = "No such survey in the caller's subtree", body = ApiError),
        (status = 409, description = "Already published", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/surveys/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NewSurvey>,
) -> Result<web::Json<Survey>, AppError> {
    let input = body.into_inner();
    let id = *id;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = managed(conn, &actor, id).await?;
        if row.published() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "a published survey cannot change",
            ));
        }
        check(conn, &actor, &input).await?;
        db::surveys::save(conn, Some(id), &input, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(input.organization_id),
                action: "survey.update",
                target_type: "survey",
                target_id: id.to_string(),
                details: json!(input),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = row(&mut conn, id).await?;
    Ok(web::Json(view(&actor, &row, false)))
}

/// Publish a survey
///
/// The draft becomes visible to the students it asks, each of whom gets a notification; its
/// questions, window, target and anonymity are fixed from now on. The window must not have
/// closed (422 on `closes_at`). Needs `publish_activities` over the organisation; audited.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1)),
    responses(
        (status = 200, description = "Published", body = Survey),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such survey in the caller's subtree", body = ApiError),
        (status = 409, description = "Already published", body = ApiError),
        (status = 422, description = "The window has already closed", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/surveys/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Survey>, AppError> {
    let id = *id;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = managed(conn, &actor, id).await?;
        if row.published() {
            return Err(AppError::new(ErrorCode::Conflict, "already published"));
        }
        if row.closes_at <= Utc::now() {
            return Err(ApiError::invalid("closes_at", "the window has already closed").into());
        }
        let body = format!(
            "{} 邀请你填写问卷（{}），{} 截止。",
            row.organization,
            if row.anonymous { "匿名" } else { "实名" },
            row.closes_at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
        );
        let notified = db::surveys::publish(conn, id, actor.account_id, &row.title, &body).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(row.organization_id),
                action: "survey.publish",
                target_type: "survey",
                target_id: id.to_string(),
                details: json!({"notified": notified, "anonymous": row.anonymous}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = row(&mut conn, id).await?;
    Ok(web::Json(view(&actor, &row, false)))
}

/// Close a survey early
///
/// Ends a published survey's window now: no answer is taken or changed after this. A draft or
/// a closed survey answers 409. Needs `publish_activities` over the organisation; audited.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1)),
    responses(
        (status = 200, description = "Closed", body = Survey),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such survey in the caller's subtree", body = ApiError),
        (status = 409, description = "A draft, or already closed", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/surveys/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Survey>, AppError> {
    let id = *id;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = managed(conn, &actor, id).await?;
        let now = Utc::now();
        match row.state(now) {
            SurveyState::Draft => {
                return Err(AppError::new(ErrorCode::Conflict, "a draft is not open"));
            }
            SurveyState::Closed => {
                return Err(AppError::new(ErrorCode::Conflict, "already closed"));
            }
            _ => {}
        }
        db::surveys::close(conn, id, actor.account_id, now).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(row.organization_id),
                action: "survey.close",
                target_type: "survey",
                target_id: id.to_string(),
                details: json!({}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = row(&mut conn, id).await?;
    Ok(web::Json(view(&actor, &row, false)))
}

/// Answer a survey
///
/// The signed-in student's answers, one per question in order. One answer per student: the
/// first stores it; later ones replace it until the survey closes — a named survey's by
/// account, an anonymous survey's only with the `edit_key` its first answer returned (without
/// it: 409). An anonymous answer is stored with no link to the student, and its audit entry
/// names the survey only. Refused: a student the survey does not ask (403), a survey not open
/// yet (409 `conflict`) or closed (409 `deadline_passed`).
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1)),
    request_body = SubmitAnswers,
    responses(
        (status = 200, description = "Stored; an anonymous first answer carries its edit key", body = SubmitReceipt),
        (status = 403, description = "Not a student, or not one the survey asks", body = ApiError),
        (status = 404, description = "No such published survey", body = ApiError),
        (status = 409, description = "Not open yet, closed (`deadline_passed`), or an anonymous answer given already", body = ApiError),
        (status = 422, description = "An answer breaks its question (the field says which), or an edit key of no answer", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/surveys/{id}/response")]
pub async fn answer(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<SubmitAnswers>,
) -> Result<web::Json<SubmitReceipt>, AppError> {
    require_student(&actor)?;
    let input = body.into_inner();
    let mut conn = state.db.conn().await?;
    let row = row(&mut conn, *id).await?;
    if !row.published() {
        return Err(AppError::not_found("survey"));
    }
    let (college, year) = db::surveys::targeted(&mut conn, row.id, actor.account_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "this survey does not ask you"))?;
    match row.state(Utc::now()) {
        SurveyState::Open => {}
        SurveyState::Closed => {
            return Err(AppError::new(
                ErrorCode::DeadlinePassed,
                "the survey has closed",
            ));
        }
        _ => {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the survey is not open yet",
            ));
        }
    }
    let answers = survey::validate_answers(&row.questions(), &input.answers)?;
    let key_hash = match (&input.edit_key, row.anonymous) {
        (Some(key), true) => Some(sha256(key.trim())),
        _ => None,
    };
    let new_key = new_edit_key()?;
    let new_key_hash = sha256(&new_key);
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            let outcome = db::surveys::answer(
                conn,
                &row,
                actor.account_id,
                college,
                year,
                &answers,
                key_hash.as_deref(),
                &new_key_hash,
            )
            .await?;
            // Anonymous: the survey, nothing else — no response id, no answers, no "changed".
            let details = if row.anonymous {
                json!({})
            } else {
                json!({"changed": matches!(outcome, db::surveys::Answered::NamedChanged)})
            };
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(row.organization_id),
                    action: "survey.answer",
                    target_type: "survey",
                    target_id: row.id.to_string(),
                    details,
                },
            )
            .await?;
            Ok(outcome)
        })
        .await?;
    use db::surveys::Answered;
    Ok(web::Json(SubmitReceipt {
        survey_id: row.id,
        anonymous: row.anonymous,
        changed: matches!(outcome, Answered::NamedChanged | Answered::AnonymousChanged),
        edit_key: matches!(outcome, Answered::Anonymous).then_some(new_key),
    }))
}

/// My answers to a survey
///
/// The signed-in student's stored answers, to change them. A named survey's by account; an
/// anonymous survey's only with the edit key in the `X-Survey-Edit-Key` header (the server
/// cannot tell which answer is the student's otherwise). 404 when there is none.
#[utoipa::path(
    tag = "surveys",
    params(
        ("id" = i64, Path, description = "Survey id", minimum = 1),
        ("X-Survey-Edit-Key" = Option<String>, Header, description = "An anonymous answer's edit key"),
    ),
    responses(
        (status = 200, description = "The answers", body = MyResponse),
        (status = 403, description = "Not a student", body = ApiError),
        (status = 404, description = "No such survey, or no answer of the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/surveys/{id}/response")]
pub async fn my_response(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<web::Json<MyResponse>, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let row = row(&mut conn, *id).await?;
    if !row.published() || !db::surveys::has_answered(&mut conn, row.id, actor.account_id).await? {
        return Err(AppError::not_found("answer"));
    }
    let answers = if row.anonymous {
        match req
            .headers()
            .get(EDIT_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            Some(key) => {
                db::surveys::answers_by_key(&mut conn, row.id, &sha256(key.trim())).await?
            }
            None => None,
        }
    } else {
        db::surveys::answers_of(&mut conn, row.id, actor.account_id).await?
    };
    let answers = answers.ok_or_else(|| AppError::not_found("answer"))?;
    Ok(web::Json(MyResponse {
        survey_id: row.id,
        answers,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Only respondents of this college.
    #[param(minimum = 1)]
    pub college_id: Option<i64>,
    /// Only respondents of this intake (enrolment year).
    #[param(minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
}

/// The results of the group, or `suppressed` under five respondents.
async fn results_of(
    state: &AppState,
    actor: &Actor,
    id: i64,
    query: &ResultsQuery,
) -> Result<SurveyResults, AppError> {
    if let Some(year) = query.year
        && !(1990..=2100).contains(&year)
    {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "1990 to 2100")
            .with_field("year")
            .into());
    }
    if query.college_id.is_some_and(|c| c < 1) {
        return Err(
            ApiError::new(ErrorCode::InvalidQuery, "a college id is 1 or more")
                .with_field("college_id")
                .into(),
        );
    }
    let mut conn = state.db.conn().await?;
    let row = row(&mut conn, id).await?;
    require_manager_view(actor, &row)?;
    let responses = db::surveys::responses(&mut conn, row.id, query.college_id, query.year).await?;
    let respondents = responses.len() as i64;
    let suppressed = respondents < MIN_GROUP;
    Ok(SurveyResults {
        survey_id: row.id,
        title: row.title.clone(),
        anonymous: row.anonymous,
        state: row.state(Utc::now()),
        college_id: query.college_id,
        year: query.year,
        respondents,
        suppressed,
        min_group: MIN_GROUP,
        questions: if suppressed {
            Vec::new()
        } else {
            survey::tally(&row.questions(), &responses)
        },
    })
}

/// Survey results
///
/// Counts and percentages per question (ratings with their mean, NPS with its score), text
/// answers sorted by their text, for all respondents or those of a college and/or intake. A
/// group of fewer than five respondents shows no figures (`suppressed`). Never names a
/// respondent. Needs `publish_activities` or `view_reports` over the organisation.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1), ResultsQuery),
    responses(
        (status = 200, description = "The results", body = SurveyResults),
        (status = 400, description = "A bad filter", body = ApiError),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such survey in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/surveys/{id}/results")]
pub async fn results(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<ResultsQuery>,
) -> Result<web::Json<SurveyResults>, AppError> {
    Ok(web::Json(results_of(&state, &actor, *id, &query).await?))
}

/// Survey results as a spreadsheet
///
/// The same figures as `GET /api/surveys/{id}/results`, as .xlsx: one sheet of counts per
/// question, one of text answers (sorted by text). A group of fewer than five respondents
/// answers 409 `group_too_small`.
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id", minimum = 1), ResultsQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A bad filter", body = ApiError),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such survey in the caller's subtree", body = ApiError),
        (status = 409, description = "Fewer than five respondents (`group_too_small`)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/surveys/{id}/results.xlsx")]
pub async fn results_xlsx(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let figures = results_of(&state, &actor, *id, &query).await?;
    if figures.suppressed {
        return Err(AppError::new(
            ErrorCode::GroupTooSmall,
            format!("fewer than {MIN_GROUP} respondents: results are not shown"),
        ));
    }
    let mut counts = Table::new(
        format!("{}（{} 人作答）", figures.title, figures.respondents),
        &["题号", "题目", "选项", "人数", "占比"],
    );
    let mut texts = Table::new("文本回答（按内容排序）", &["题号", "题目", "回答"]);
    for q in &figures.questions {
        let number = (q.index + 1) as i64;
        for c in &q.counts {
            counts.row(vec![
                number.into(),
                q.title.clone().into(),
                c.label.clone().into(),
                c.count.into(),
                Cell::Percent(c.percent / 100.0),
            ]);
        }
        if let Some(average) = q.average {
            counts.row(vec![
                number.into(),
                q.title.clone().into(),
                "平均分".into(),
                Cell::Num(average),
                Cell::Text(String::new()),
            ]);
        }
        for t in &q.texts {
            texts.row(vec![
                number.into(),
                q.title.clone().into(),
                t.clone().into(),
            ]);
        }
    }
    let bytes = xlsx::workbook(&[
        Sheet {
            name: "统计".into(),
            tables: vec![counts],
        },
        Sheet {
            name: "文本回答".into(),
            tables: vec![texts],
        },
    ])?;
    Ok(xlsx::download(bytes, &format!("问卷-{}", figures.title)))
}
