//! Students: `GET/POST /api/students` and `GET/PATCH /api/students/{id}`. A student's college is
//! their account's organisation; organisation accounts see the students of the colleges in their
//! subtree, and students outside it do not exist for them (404).

use actix_web::{HttpResponse, get, patch, post, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    organization::OrgKind,
    page::{PageParams, PageRequest},
    people::{Degree, NewStudent, Student, StudentCreated, UpdateStudent},
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::{Actor, password::temporary_password},
    db::{
        self,
        accounts::{AccountChanges, NewAccount},
        audit::Change,
        organizations::OrgRow,
        people::{StudentChanges, StudentDetails},
    },
    error::AppError,
    organizations::field,
};

/// Filters of the student list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StudentQuery {
    /// Name or student number containing this text.
    pub q: Option<String>,
    pub college_id: Option<i64>,
    pub enrolment_year: Option<i32>,
    pub degree: Option<Degree>,
    /// Exactly this class.
    pub class_name: Option<String>,
    /// Also deactivated students.
    #[serde(default)]
    pub include_inactive: bool,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// Students and staff are read by organisation accounts only.
pub(crate) fn require_organization(actor: &Actor) -> Result<(), AppError> {
    if actor.role.is_organization() {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisation accounts may do this",
        ))
    }
}

/// The organisation a person is placed in (created in, or moved to): it exists (404), lies in
/// the actor's subtree with `manage_accounts` (403) and is active (422); errors name `field_name`.
pub(crate) async fn placement(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
    field_name: &str,
) -> Result<OrgRow, AppError> {
    let org = db::organizations::get(conn, id)
        .await?
        .ok_or_else(|| field(AppError::not_found("organisation"), field_name))?;
    actor
        .require_within(Permission::ManageAccounts, &org.path)
        .map_err(|e| field(e, field_name))?;
    if !org.active {
        return Err(ApiError::invalid(field_name, "the organisation is deactivated").into());
    }
    Ok(org)
}

/// A college to hold students: [`placement`], and of kind `college` (422).
async fn college(conn: &mut AsyncPgConnection, actor: &Actor, id: i64) -> Result<OrgRow, AppError> {
    let org = placement(conn, actor, id, "college_id").await?;
    if org.kind() == OrgKind::College {
        Ok(org)
    } else {
        Err(ApiError::invalid(
            "college_id",
            format!(
                "students belong to a college, not a {}",
                org.kind().as_str()
            ),
        )
        .into())
    }
}

/// A student inside the actor's subtree; any other id answers 404.
async fn visible(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<Student, AppError> {
    db::people::student(conn, id)
        .await?
        .filter(|record| actor.is_within(&record.college_path))
        .map(|record| record.student)
        .ok_or_else(|| AppError::not_found("student"))
}

/// List students
///
/// The students of the colleges in the caller's subtree, ordered by student number; `q` finds a
/// name or student number containing the text. Deactivated students only with
/// `include_inactive`. Any organisation account may read its subtree's students; students and
/// staff may not.
#[utoipa::path(
    tag = "people",
    params(StudentQuery),
    responses(
        (status = 200, description = "One page of students", body = Page<Student>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an organisation account", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/students")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StudentQuery>,
) -> Result<web::Json<Page<Student>>, AppError> {
    require_organization(&actor)?;
    let query = query.into_inner();
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let filter = db::people::StudentFilter {
        within: actor.org.id,
        search: query.q,
        college_id: query.college_id,
        enrolment_year: query.enrolment_year,
        degree: query.degree,
        class_name: query.class_name,
        include_inactive: query.include_inactive,
    };
    let mut conn = state.db.conn().await?;
    let (items, total) = db::people::list_students(&mut conn, &filter, page).await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// One student
///
/// A student of a college in the caller's subtree; any other id answers 404, so the existence
/// of students elsewhere does not leak. Organisation accounts only.
#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "The student's account id")),
    responses(
        (status = 200, description = "The student", body = Student),
        (status = 403, description = "Not an organisation account", body = ApiError),
        (status = 404, description = "No such student in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/students/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Student>, AppError> {
    require_organization(&actor)?;
    let mut conn = state.db.conn().await?;
    Ok(web::Json(visible(&mut conn, &actor, *id).await?))
}

/// Create a student
///
/// A student account in a college of the caller's subtree (permission `manage_accounts`). The
/// student number is the account name; the answer carries a one-time password, shown once, that
/// the student must change at the first sign-in.
#[utoipa::path(
    tag = "people",
    request_body = NewStudent,
    responses(
        (status = 201, description = "Created, with the one-time password", body = StudentCreated),
        (status = 403, description = "College outside the caller's subtree, or permission missing", body = ApiError),
        (status = 404, description = "No such college", body = ApiError),
        (status = 409, description = "The student number is taken", body = ApiError,
            example = json!({"code": "conflict", "message": "the student number is taken", "field": "student_no"})),
        (status = 422, description = "Invalid field, or `college_id` is not an active college", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/students")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewStudent>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    actor.require(Permission::ManageAccounts)?;
    let mut conn = state.db.conn().await?;
    let college = college(&mut conn, &actor, request.college_id).await?;
    let temporary = temporary_password();
    let hash = state.auth.hasher.hash(temporary.clone()).await?;
    let student = conn
        .transaction::<_, AppError, _>(async move |conn| {
            if db::accounts::username_taken(conn, &request.student_no).await? {
                return Err(
                    ApiError::new(ErrorCode::Conflict, "the student number is taken")
                        .with_field("student_no")
                        .into(),
                );
            }
            let id = db::people::insert_student(
                conn,
                &NewAccount {
                    username: &request.student_no,
                    display_name: request.name.trim(),
                    password_hash: &hash,
                    kind: AccountKind::Student.as_str(),
                    organization_id: college.id,
                    is_main: false,
                    permissions: vec![],
                    must_change_password: true,
                    created_by: Some(actor.account_id),
                    updated_by: Some(actor.account_id),
                },
                StudentDetails {
                    account_id: 0,
                    major: request.major.trim().to_owned(),
                    class_name: request.class_name.trim().to_owned(),
                    enrolment_year: request.enrolment_year,
                    degree: request.degree.as_str(),
                    phone: request.phone.clone(),
                },
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(college.id),
                    action: "student.create",
                    target_type: "account",
                    target_id: id.to_string(),
                    details: json!({
                        "student_no": request.student_no, "name": request.name.trim(),
                        "college_id": college.id, "enrolment_year": request.enrolment_year,
                        "degree": request.degree.as_str(),
                    }),
                },
            )
            .await?;
            visible(conn, &actor, id).await
        })
        .await?;
    Ok(HttpResponse::Created().json(StudentCreated {
        student,
        temporary_password: temporary,
    }))
}

/// Records `name: {from, to}` in `details` when the value changes; answers whether it does.
pub(crate) fn changed<T: PartialEq + serde::Serialize>(
    details: &mut Value,
    name: &str,
    from: &T,
    to: Option<&T>,
) -> bool {
    match to {
        Some(to) if to != from => {
            details[name] = json!({"from": from, "to": to});
            true
        }
        _ => false,
    }
}

/// Change a student
///
/// Any subset of name, college, major, class, enrolment year, degree and phone (`null` clears
/// the phone), and `active`: `false` deactivates the account and ends its sessions at once.
/// Moving a student to another college needs both colleges in the caller's subtree. Needs
/// `manage_accounts`; students outside the subtree answer 404.
#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "The student's account id")),
    request_body = UpdateStudent,
    responses(
        (status = 200, description = "The student as they are now", body = Student),
        (status = 403, description = "Permission missing, or a new college outside the caller's subtree", body = ApiError),
        (status = 404, description = "No such student in the caller's subtree", body = ApiError),
        (status = 422, description = "Invalid field, or `college_id` is not an active college", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[patch("/students/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<UpdateStudent>,
) -> Result<web::Json<Student>, AppError> {
    let request = body.into_inner();
    request.validate()?;
    actor.require(Permission::ManageAccounts)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let student = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let current = visible(conn, &actor, id).await?;
            let mut details = json!({});
            let name = request.name.as_deref().map(|n| n.trim().to_owned());
            let name = name.filter(|n| changed(&mut details, "name", &current.name, Some(n)));
            let college_id = match request.college_id {
                Some(to) if to != current.college_id => {
                    college(conn, &actor, to).await?;
                    changed(&mut details, "college_id", &current.college_id, Some(&to));
                    Some(to)
                }
                _ => None,
            };
            let active = request
                .active
                .filter(|a| changed(&mut details, "active", &current.active, Some(a)));
            let trimmed = |text: &Option<String>| text.as_deref().map(|t| t.trim().to_owned());
            let changes = StudentChanges {
                major: trimmed(&request.major)
                    .filter(|m| changed(&mut details, "major", &current.major, Some(m))),
                class_name: trimmed(&request.class_name)
                    .filter(|c| changed(&mut details, "class_name", &current.class_name, Some(c))),
                enrolment_year: request.enrolment_year.filter(|y| {
                    changed(
                        &mut details,
                        "enrolment_year",
                        &current.enrolment_year,
                        Some(y),
                    )
                }),
                degree: request
                    .degree
                    .filter(|d| changed(&mut details, "degree", &current.degree, Some(d)))
                    .map(Degree::as_str),
                phone: request
                    .phone
                    .clone()
                    .filter(|p| changed(&mut details, "phone", &current.phone, Some(p))),
            };
            if details.as_object().is_some_and(|d| d.is_empty()) {
                return Ok(current);
            }
            db::accounts::update(
                conn,
                id,
                &AccountChanges {
                    display_name: name,
                    active,
                    organization_id: college_id,
                    updated_by: Some(actor.account_id),
                    ..Default::default()
                },
            )
            .await?;
            db::people::update_student(conn, id, &changes).await?;
            if active == Some(false) {
                let ended = db::accounts::end_sessions(conn, id, None, "account_disabled").await?;
                details["sessions_ended"] = json!(ended);
            }
            details["student_no"] = json!(current.student_no);
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(current.college_id),
                    action: "student.update",
                    target_type: "account",
                    target_id: id.to_string(),
                    details,
                },
            )
            .await?;
            visible(conn, &actor, id).await
        })
        .await?;
    Ok(web::Json(student))
}
