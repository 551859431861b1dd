//! Activities: `GET/POST /api/activities`, `GET/PUT /api/activities/{id}`; the review workflow
//! in [`review`], sign-ups in [`registrations`].

pub mod registrations;
pub mod review;

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    activity::{
        Activity, ActivityInput, ActivityStatus, ActivitySummary, CreditLevel, PersonRef,
        ReviewStep, StudentFacts,
    },
    auth::{AccountKind, Permission, Role},
    page::{PageParams, PageRequest},
    people::Degree,
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, activities::ActivityRow, audit::Change, organizations::OrgRow},
    error::AppError,
};

/// The activity, if the actor may see it: published and cancelled ones are visible to every
/// signed-in account; drafts and those under review only to the organiser's subtree and to the
/// organisations in its review chain. Anything else is 404.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<(ActivityRow, OrgRow), AppError> {
    let row = db::activities::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    let organizer = db::organizations::get(conn, row.organizer_id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    let public = matches!(
        row.status(),
        ActivityStatus::Published | ActivityStatus::Cancelled
    );
    let managing = actor.role.is_organization() && actor.is_within(&organizer.path);
    let reviewing = actor.role.is_organization() && row.review_chain.contains(&actor.org.id);
    if public || managing || reviewing {
        Ok((row, organizer))
    } else {
        Err(AppError::not_found("activity"))
    }
}

/// The actor may manage the activity (edit, submit, cancel, see sign-ups) with `permission`.
pub fn require_manage(
    actor: &Actor,
    organizer: &OrgRow,
    permission: Permission,
) -> Result<(), AppError> {
    actor.require_within(permission, &organizer.path)
}

/// The student facts eligibility looks at, for a student actor.
pub async fn student_facts(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
) -> Result<Option<StudentFacts>, AppError> {
    if actor.kind != AccountKind::Student {
        return Ok(None);
    }
    let row = db::people::intake(conn, actor.account_id).await?;
    Ok(row.map(|(enrolment_year, degree)| StudentFacts {
        college_id: actor.org.id,
        enrolment_year,
        degree: Degree::parse(&degree).unwrap_or(Degree::Undergraduate),
    }))
}

/// The full view of an activity for `actor`.
pub async fn detail(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    row: ActivityRow,
    organizer: &OrgRow,
) -> Result<Activity, AppError> {
    let now = Utc::now();
    let category_name = db::activities::category_name(conn, &row.category)
        .await?
        .map(|(name, _)| name)
        .unwrap_or_default();
    let instructors = db::activities::staff_people(conn, &row.instructor_ids).await?;
    let (_, confirmed, waitlisted, pending) = db::activities::counts(conn, &[row.id])
        .await?
        .into_iter()
        .next()
        .unwrap_or((row.id, 0, 0, 0));
    let transitions = db::activities::transitions(conn, row.id).await?;
    let names = db::activities::organization_names(conn, &row.review_chain).await?;
    let name_of = |id: i64| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    // Approvals of the current round: those after the latest submission.
    let round_start = transitions
        .iter()
        .rposition(|t| t.transition.action == "submit")
        .unwrap_or(0);
    let review = row
        .review_chain
        .iter()
        .map(|org| {
            let approval = transitions[round_start..]
                .iter()
                .find(|t| t.organization_id == *org && t.transition.action == "approve")
                .map(|t| &t.transition);
            ReviewStep {
                organization_id: *org,
                organization_name: name_of(*org),
                approved_at: approval.map(|t| t.at),
                approved_by: approval.map(|t| t.actor_name.clone()),
            }
        })
        .collect();
    let (my_registration, ineligible) = match student_facts(conn, actor).await? {
        Some(facts) => {
            let mine = db::registrations::of_student(conn, row.id, actor.account_id)
                .await?
                .map(|r| r.status());
            (mine, row.eligibility().check(facts))
        }
        None => (None, Vec::new()),
    };
    Ok(Activity {
        id: row.id,
        organizer: PersonRef {
            id: organizer.id,
            name: organizer.name.clone(),
        },
        title: row.title.clone(),
        category: row.category.clone(),
        category_name,
        credit_level: row.credit_level(),
        description: row.description.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place: row.place.clone(),
        campus: row.campus.clone(),
        capacity: row.capacity.map(|c| c as u32),
        registration_opens_at: row.registration_opens_at,
        registration_closes_at: row.registration_closes_at,
        eligibility: row.eligibility(),
        instructors,
        cover_image_url: row.cover_image_url.clone(),
        points_rule: row.points_rule.clone(),
        enrolment_mode: row.enrolment_mode(),
        fields: row.form(),
        cancel_cutoff_hours: row.cancel_cutoff_hours.max(0) as u32,
        status: row.status(),
        phase: row.phase(now),
        confirmed,
        waitlisted,
        pending,
        review,
        awaiting: row.awaiting().map(|id| PersonRef {
            id,
            name: name_of(id),
        }),
        lottery_seed: row.lottery_seed.clone(),
        transitions: transitions.into_iter().map(|t| t.transition).collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        my_registration,
        ineligible,
    })
}

/// Checks what a definition refers to: the category, eligible colleges, instructors, and that
/// the claimed level is not below the organiser's own.
async fn check_references(
    conn: &mut AsyncPgConnection,
    input: &ActivityInput,
    organizer: &OrgRow,
) -> Result<(), AppError> {
    match db::activities::category_name(conn, &input.category).await? {
        Some((_, true)) => {}
        _ => {
            return Err(ApiError::invalid(
                "category",
                "no such active category (see GET /api/categories)",
            )
            .into());
        }
    }
    if input.credit_level < CreditLevel::of(organizer.kind()) {
        return Err(ApiError::invalid(
            "credit_level",
            format!(
                "a {} cannot claim {} credit",
                organizer.kind().as_str(),
                input.credit_level.as_str()
            ),
        )
        .into());
    }
    for college in &input.eligibility.colleges {
        let ok = db::organizations::get(conn, *college)
            .await?
            .is_some_and(|o| o.kind() == shared::organization::OrgKind::College);
        if !ok {
            return Err(ApiError::invalid(
                "eligibility.colleges",
                format!("{college} is not a college"),
            )
            .into());
        }
    }
    let instructors = db::activities::staff_people(conn, &input.instructor_ids).await?;
    if let Some(missing) = input
        .instructor_ids
        .iter()
        .find(|id| !instructors.iter().any(|p| p.id == **id))
    {
        return Err(ApiError::invalid(
            "instructor_ids",
            format!("{missing} is not an active staff account"),
        )
        .into());
    }
    Ok(())
}

/// Create an activity
///
/// A draft of the organising organisation (inside the caller's subtree; permission
/// `publish_activities`). Submit it for review with `POST /api/activities/{id}/submit`.
#[utoipa::path(
    tag = "activities",
    request_body = ActivityInput,
    responses(
        (status = 201, description = "The draft", body = Activity),
        (status = 403, description = "Organiser outside the caller's subtree, or permission missing", body = ApiError),
        (status = 422, description = "A field breaks a rule", body = ApiError,
            example = json!({"code": "validation_failed", "message": "the end must come after the start", "field": "ends_at"})),
    ),
    security(("bearer" = [])),
)]
#[post("/activities")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<ActivityInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    input.validate()?;
    let mut conn = state.db.conn().await?;
    let organizer = db::organizations::get(&mut conn, input.organizer_id)
        .await?
        .ok_or_else(|| {
            AppError::from(
                ApiError::new(ErrorCode::NotFound, "no such organisation")
                    .with_field("organizer_id"),
            )
        })?;
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    if !organizer.active {
        return Err(ApiError::invalid("organizer_id", "the organisation is deactivated").into());
    }
    check_references(&mut conn, &input, &organizer).await?;
    let definition = db::activities::Definition::from_input(&input, actor.account_id);
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            crate::cache::ACTIVITY_WRITES.bump();
            let row = db::activities::insert(conn, organizer.id, &definition).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(organizer.id),
                    action: "activity.create",
                    target_type: "activity",
                    target_id: row.id.to_string(),
                    details: json!({"title": row.title, "credit_level": row.credit_level}),
                },
            )
            .await?;
            Ok(row)
        })
        .await?;
    let activity = detail(&mut conn, &actor, row, &organizer).await?;
    Ok(HttpResponse::Created().json(activity))
}

/// Change an activity
///
/// Replaces the definition. Drafts change freely. A published activity may be amended: a change
/// of time, place, credit level or points rule sends it back to review (sign-ups are kept);
/// other changes apply at once. While under review it cannot change (withdraw it first). A
/// registration field's type cannot change once students have answered it. Permission
/// `publish_activities` over the organiser.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = ActivityInput,
    responses(
        (status = 200, description = "The activity as it is now", body = Activity),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such activity visible to the caller", body = ApiError),
        (status = 409, description = "Under review, cancelled, or a field type change after answers", body = ApiError),
        (status = 422, description = "A field breaks a rule", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/activities/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ActivityInput>,
) -> Result<web::Json<Activity>, AppError> {
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = visible(&mut conn, &actor, id).await?;
    require_manage(&actor, &organizer, Permission::PublishActivities)?;
    if input.organizer_id != organizer.id {
        return Err(ApiError::invalid(
            "organizer_id",
            "the organiser of an activity cannot change",
        )
        .into());
    }
    check_references(&mut conn, &input, &organizer).await?;
    let definition = db::activities::Definition::from_input(&input, actor.account_id);
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let current = db::activities::get_for_update(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))?;
            let status = current.status();
            match status {
                ActivityStatus::Submitted => {
                    return Err(AppError::new(
                        ErrorCode::Conflict,
                        "the activity is under review: withdraw it to edit",
                    ));
                }
                ActivityStatus::Cancelled => {
                    return Err(AppError::new(
                        ErrorCode::Conflict,
                        "a cancelled activity cannot change",
                    ));
                }
                _ => {}
            }
            // Answers already given pin their field's type.
            let answered = db::activities::answered_keys(conn, id).await?;
            let old_form = current.form();
            for (i, field) in input.fields.iter().enumerate() {
                let changed = old_form
                    .iter()
                    .find(|f| f.key == field.key)
                    .is_some_and(|old| old.kind != field.kind);
                if changed && answered.contains(&field.key) {
                    return Err(ApiError::new(
                        ErrorCode::Conflict,
                        "students have answered this field: its type cannot change",
                    )
                    .with_field(format!("fields[{i}].kind"))
                    .into());
                }
            }
            let needs_review = status == ActivityStatus::Published
                && (current.starts_at != definition.starts_at
                    || current.ends_at != definition.ends_at
                    || current.place != definition.place
                    || current.campus != definition.campus
                    || current.credit_level != definition.credit_level
                    || current.points_rule != definition.points_rule);
            crate::cache::ACTIVITY_WRITES.bump();
            db::activities::update_definition(conn, id, &definition).await?;
            if needs_review {
                review::resubmit(conn, &actor, id, &organizer, input.credit_level, "amend").await?;
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(organizer.id),
                    action: "activity.update",
                    target_type: "activity",
                    target_id: id.to_string(),
                    details: json!({"status": status.as_str(), "back_to_review": needs_review}),
                },
            )
            .await?;
            db::activities::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("activity"))
        })
        .await?;
    Ok(web::Json(detail(&mut conn, &actor, row, &organizer).await?))
}

/// One activity
///
/// With its registration form, places taken, review chain and history; for a student also their
/// own sign-up and, if they may not sign up, why.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = Activity),
        (status = 404, description = "No such activity visible to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Activity>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, organizer) = visible(&mut conn, &actor, *id).await?;
    Ok(web::Json(detail(&mut conn, &actor, row, &organizer).await?))
}

/// Filters of the activity list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// `feed` (default): published and cancelled activities, for everyone. `managed`: every
    /// activity organised in the caller's subtree, drafts included (organisation accounts).
    #[param(pattern = "^(feed|managed)$")]
    pub scope: Option<String>,
    /// A category code.
    pub category: Option<String>,
    /// Organised by this organisation or anything under it (e.g. a college).
    pub organizer: Option<i64>,
    pub campus: Option<String>,
    /// Activities ending on or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Activities starting on or before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only those open for registration now.
    #[serde(default)]
    pub open: bool,
    /// A status (with `scope=managed`).
    pub status: Option<ActivityStatus>,
    /// Title or place containing this text.
    pub q: Option<String>,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// List activities
///
/// The feed students browse (published and cancelled, newest first), filterable by category,
/// organiser (a college's subtree), campus, dates, open registration and text; or, with
/// `scope=managed`, what the caller's organisations run, in every state.
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses(
        (status = 200, description = "One page of activities", body = Page<ActivitySummary>),
        (status = 400, description = "A bad filter", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let now = Utc::now();
    let mut filter = db::activities::Filter {
        category: query.category,
        campus: query.campus.filter(|c| !c.is_empty()),
        from: query.from,
        to: query.to,
        open_now: query.open.then_some(now),
        search: query.q,
        organizer_within: query.organizer,
        ..Default::default()
    };
    // The feed is the same for everyone: one page read serves all who ask within a moment.
    let mut feed_key = None;
    match query.scope.as_deref().unwrap_or("feed") {
        "feed" => {
            filter.statuses = vec![ActivityStatus::Published, ActivityStatus::Cancelled];
            let key = format!(
                "{:?}",
                (
                    &filter.category,
                    &filter.campus,
                    filter.from,
                    filter.to,
                    query.open,
                    &filter.search,
                    filter.organizer_within,
                    page.page(),
                    page.per_page()
                )
            );
            feed_key = Some(key);
        }
        "managed" => {
            if !actor.role.is_organization() {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "only organisation accounts manage activities",
                ));
            }
            let within = match query.organizer {
                Some(org) => {
                    let mut conn = state.db.conn().await?;
                    let row = db::organizations::get(&mut conn, org)
                        .await?
                        .ok_or_else(|| AppError::not_found("organisation"))?;
                    if !actor.is_within(&row.path) {
                        return Err(AppError::new(
                            ErrorCode::Forbidden,
                            "outside your organisation's subtree",
                        ));
                    }
                    org
                }
                None => actor.org.id,
            };
            filter.organizer_within = Some(within);
            filter.statuses = query.status.into_iter().collect();
        }
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("unknown scope `{other}`: use feed or managed"),
            )
            .with_field("scope")
            .into());
        }
    }
    let read = async {
        let mut conn = state.db.conn().await?;
        let (items, total) = db::activities::list(&mut conn, &filter, page, now).await?;
        drop(conn);
        let body = serde_json::to_vec(&Page::new(items, page, total))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok::<_, AppError>(web::Bytes::from(body))
    };
    let body = match feed_key {
        Some(key) => state.feed.get_or_load(key, read).await?,
        None => read.await?,
    };
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// Whether the actor is a student (sign-ups are theirs alone).
pub fn require_student(actor: &Actor) -> Result<(), AppError> {
    if actor.role == Role::Student {
        Ok(())
    } else {
        Err(not_a_student())
    }
}

/// The 403 of an account that is not a student doing what only students do.
pub fn not_a_student() -> AppError {
    AppError::new(ErrorCode::Forbidden, "only students sign up for activities")
}
