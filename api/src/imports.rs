//! Bulk import of students and staff (批量导入) from a spreadsheet, in two steps:
//! `POST /api/imports/{kind}/previews` reads the file and stores a preview — what each row would do, or
//! why it cannot — and `POST /api/imports/{id}/confirm` applies it, all rows in one
//! transaction. `GET /api/imports/{kind}/template.csv` hands out a file to fill in.

mod positions;
pub mod sheet;

use actix_web::{
    HttpRequest, HttpResponse, get,
    http::{StatusCode, header},
    post, web,
};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version, password_hash::SaltString};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    auth::{AccountKind, Permission, check_name, check_username},
    organization::OrgKind,
    page::{PageParams, PageRequest},
    people::{
        Degree, ImportCounts, ImportKind, ImportPreview, ImportResult, ImportRow, IssuedCredential,
        RowAction, RowError, check_enrolment_year, check_phone, check_text,
    },
};
use std::collections::{BTreeSet, HashMap, hash_map::Entry};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::{Actor, password::temporary_password},
    db::{
        self,
        accounts::NewAccount,
        audit::Change,
        imports::{ImportRecord, NewImport},
        organizations::OrgRow,
        people::{Existing, StaffDetails, StaffUpdate, StudentDetails, StudentUpdate},
    },
    error::AppError,
    students::require_organization,
};
use sheet::{Format, Row, Unreadable};

/// The largest file accepted (the route's `PayloadConfig`).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 20_000;

/// An uploaded file's bytes, or the typed error of a body that is too large (413) or did not
/// arrive whole (422) — the `PayloadConfig`'s own answer would be plain text.
pub fn uploaded(body: Result<web::Bytes, actix_web::Error>) -> Result<web::Bytes, AppError> {
    body.map_err(|error| {
        if let Some(payload) = error.as_error::<actix_web::error::PayloadError>()
            && crate::body_timeout::is_timeout(payload)
        {
            return crate::error::timed_out();
        }
        if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "the file is larger than {} MB",
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            )
        } else {
            AppError::new(
                ErrorCode::InvalidFile,
                format!("the upload did not arrive whole: {error}"),
            )
        }
    })
}

// --- columns --------------------------------------------------------------------------------

/// A column an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Number,
    Name,
    Organization,
    Major,
    ClassName,
    EnrolmentYear,
    Degree,
    Title,
    Phone,
}

/// A column with its field name (as row errors name it) and the headers it is known by; the
/// first header is the template's.
struct Spec {
    column: Column,
    field: &'static str,
    headers: &'static [&'static str],
    required: bool,
}

const STUDENT_COLUMNS: &[Spec] = &[
    Spec {
        column: Column::Number,
        field: "student_no",
        headers: &["学号", "student_no", "student_number"],
        required: true,
    },
    Spec {
        column: Column::Name,
        field: "name",
        headers: &["姓名", "name"],
        required: true,
    },
    Spec {
        column: Column::Organization,
        field: "college",
        headers: &["学院", "college", "所在学院"],
        required: true,
    },
    Spec {
        column: Column::Major,
        field: "major",
        headers: &["专业", "major"],
        required: true,
    },
    Spec {
        column: Column::ClassName,
        field: "class_name",
        headers: &["班级", "class_name", "class"],
        required: true,
    },
    Spec {
        column: Column::EnrolmentYear,
        field: "enrolment_year",
        headers: &["入学年份", "enrolment_year", "enrollment_year", "年级"],
        required: true,
    },
    Spec {
        column: Column::Degree,
        field: "degree",
        headers: &["学历", "degree", "学生类别"],
        required: true,
    },
    Spec {
        column: Column::Phone,
        field: "phone",
        headers: &["手机", "phone", "手机号", "手机号码", "mobile"],
        required: false,
    },
];

const STAFF_COLUMNS: &[Spec] = &[
    Spec {
        column: Column::Number,
        field: "staff_no",
        headers: &["工号", "staff_no", "staff_number"],
        required: true,
    },
    Spec {
        column: Column::Name,
        field: "name",
        headers: &["姓名", "name"],
        required: true,
    },
    Spec {
        column: Column::Organization,
        field: "organization",
        headers: &["单位", "organization", "organisation", "所在单位", "部门"],
        required: true,
    },
    Spec {
        column: Column::Title,
        field: "title",
        headers: &["职称", "title"],
        required: false,
    },
    Spec {
        column: Column::Phone,
        field: "phone",
        headers: &["手机", "phone", "手机号", "手机号码", "mobile"],
        required: false,
    },
];

fn specs(kind: ImportKind) -> &'static [Spec] {
    match kind {
        ImportKind::Students => STUDENT_COLUMNS,
        ImportKind::Staff | ImportKind::Positions => STAFF_COLUMNS,
    }
}

fn field_of(kind: ImportKind, column: Column) -> &'static str {
    specs(kind)
        .iter()
        .find(|spec| spec.column == column)
        .map_or("", |spec| spec.field)
}

fn account_kind(kind: ImportKind) -> AccountKind {
    match kind {
        ImportKind::Students => AccountKind::Student,
        ImportKind::Staff | ImportKind::Positions => AccountKind::Staff,
    }
}

/// A header as compared: lowercase letters and digits only, without a parenthesised note, so
/// `学号*`, `学号（必填）` and `Student No.` all match their column.
fn normalise(header: &str) -> String {
    let header = header.split(['(', '（']).next().unwrap_or_default();
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each column of a kind of import sits in a file's header.
struct Columns {
    index: HashMap<Column, usize>,
}

impl Columns {
    /// Finds the columns by their headers, in any order; unknown columns are ignored.
    fn locate(kind: ImportKind, header: &[String]) -> Result<Columns, String> {
        let mut index = HashMap::new();
        for (position, text) in header.iter().enumerate() {
            let text = normalise(text);
            let found = specs(kind)
                .iter()
                .find(|spec| spec.headers.iter().any(|h| normalise(h) == text));
            if let Some(spec) = found
                && let Some(first) = index.insert(spec.column, position)
            {
                return Err(format!(
                    "the column {} ({}) appears twice, as columns {} and {}",
                    spec.headers[0],
                    spec.field,
                    first + 1,
                    position + 1
                ));
            }
        }
        let missing: Vec<String> = specs(kind)
            .iter()
            .filter(|spec| spec.required && !index.contains_key(&spec.column))
            .map(|spec| format!("{} ({})", spec.headers[0], spec.field))
            .collect();
        if missing.is_empty() {
            Ok(Columns { index })
        } else {
            Err(format!(
                "the first row must name the columns; missing: {}",
                missing.join(", ")
            ))
        }
    }

    fn cell<'r>(&self, row: &'r Row, column: Column) -> &'r str {
        self.index.get(&column).map_or("", |i| row.cell(*i))
    }
}

// --- the plan -------------------------------------------------------------------------------

/// A row's validated data, as confirming writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Person {
    Student {
        college_id: i64,
        major: String,
        class_name: String,
        enrolment_year: i32,
        degree: Degree,
        /// `None` leaves a stored phone number as it is.
        phone: Option<String>,
    },
    Staff {
        organization_id: i64,
        /// `None` leaves a stored title as it is.
        title: Option<String>,
        phone: Option<String>,
    },
}

impl Person {
    fn organization_id(&self) -> i64 {
        match self {
            Person::Student { college_id, .. } => *college_id,
            Person::Staff {
                organization_id, ..
            } => *organization_id,
        }
    }
}

/// One row as stored in `imports.rows`: what the preview showed, the account an update changes
/// and the data to write.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlannedRow {
    #[serde(flatten)]
    row: ImportRow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person: Option<Person>,
}

/// The organisations a file may name, by code or by name, for rows landing inside `within`.
struct Organizations<'a> {
    within: i64,
    by_code: HashMap<String, &'a OrgRow>,
    by_name: HashMap<&'a str, Vec<&'a OrgRow>>,
}

impl<'a> Organizations<'a> {
    fn new(organizations: &'a [OrgRow], within: i64) -> Organizations<'a> {
        let mut by_name: HashMap<&str, Vec<&OrgRow>> = HashMap::new();
        for org in organizations {
            by_name.entry(org.name.trim()).or_default().push(org);
        }
        Organizations {
            within,
            by_code: organizations.iter().map(|o| (o.code.clone(), o)).collect(),
            by_name,
        }
    }

    /// The organisation a cell names by code or by name (a name shared by several counts if
    /// only one of them lies inside `within`); it must lie inside `within` and be active.
    fn find(&self, text: &str) -> Result<&'a OrgRow, String> {
        if text.is_empty() {
            return Err("required".to_owned());
        }
        let org = match self.by_code.get(&text.to_lowercase()) {
            Some(org) => *org,
            None => {
                let named = self.by_name.get(text).map(Vec::as_slice).unwrap_or(&[]);
                let inside: Vec<&OrgRow> = named
                    .iter()
                    .copied()
                    .filter(|o| o.path.contains(&self.within))
                    .collect();
                match (named, inside.as_slice()) {
                    ([], _) => return Err(format!("no organisation is named or coded “{text}”")),
                    ([only], _) | (_, [only]) => *only,
                    (_, []) => return Err(format!("“{text}” is outside your organisation")),
                    _ => {
                        return Err(format!(
                            "several organisations are named “{text}”: use the code instead"
                        ));
                    }
                }
            }
        };
        if !org.path.contains(&self.within) {
            return Err(format!("“{}” is outside your organisation", org.name));
        }
        if !org.active {
            return Err(format!("“{}” is deactivated", org.name));
        }
        Ok(org)
    }
}

/// Judges rows against the organisations and the accounts their numbers name.
struct Planner<'a> {
    kind: ImportKind,
    /// The importing organisation: rows land in its subtree only.
    within: i64,
    organizations: Organizations<'a>,
    /// By lowercased account name.
    existing: HashMap<String, Existing>,
    /// Lowercased numbers seen so far, with their line.
    seen: HashMap<String, u32>,
}

impl<'a> Planner<'a> {
    fn new(
        kind: ImportKind,
        within: i64,
        organizations: &'a [OrgRow],
        existing: Vec<Existing>,
    ) -> Planner<'a> {
        Planner {
            kind,
            within,
            organizations: Organizations::new(organizations, within),
            existing: existing
                .into_iter()
                .map(|e| (e.username.to_lowercase(), e))
                .collect(),
            seen: HashMap::new(),
        }
    }

    /// The organisation a cell names by code or by name, if the row may land there.
    fn organization(&self, text: &str) -> Result<&'a OrgRow, String> {
        let org = self.organizations.find(text)?;
        if self.kind == ImportKind::Students && org.kind() != OrgKind::College {
            return Err(format!("“{}” is not a college", org.name));
        }
        Ok(org)
    }

    fn plan(&mut self, columns: &Columns, row: &Row) -> PlannedRow {
        let kind = self.kind;
        let mut errors: Vec<RowError> = Vec::new();
        let mut fail = |column: Column, message: String| {
            errors.push(RowError {
                column: field_of(kind, column).to_owned(),
                message,
            })
        };
        let check = |result: Result<(), ApiError>| result.err().map(|e| e.message);

        let key = columns.cell(row, Column::Number).to_owned();
        let name = columns.cell(row, Column::Name).to_owned();
        let mut existing = None;
        if let Some(message) = check(check_username(field_of(kind, Column::Number), &key)) {
            fail(Column::Number, message);
        } else {
            match self.seen.entry(key.to_lowercase()) {
                Entry::Occupied(first) => fail(
                    Column::Number,
                    format!("also on line {} of this file", first.get()),
                ),
                Entry::Vacant(slot) => {
                    slot.insert(row.line);
                    match self.existing.get(&key.to_lowercase()) {
                        Some(e) if e.kind != account_kind(kind) => fail(
                            Column::Number,
                            format!(
                                "{key} is already the account name of {}",
                                match e.kind {
                                    AccountKind::Student => "a student",
                                    AccountKind::Staff => "a staff member",
                                    AccountKind::Organization => "an organisation account",
                                }
                            ),
                        ),
                        Some(e) if !e.organization_path.contains(&self.within) => fail(
                            Column::Number,
                            format!("{key} belongs to someone outside your organisation"),
                        ),
                        found => existing = found,
                    }
                }
            }
        }
        if let Some(message) = check(check_name("name", &name)) {
            fail(Column::Name, message);
        }
        let organization = self
            .organization(columns.cell(row, Column::Organization))
            .map_err(|message| fail(Column::Organization, message))
            .ok();
        let optional = |column: Column| Some(columns.cell(row, column)).filter(|t| !t.is_empty());
        let phone = optional(Column::Phone).map(|p| p.replace([' ', '-'], ""));
        if let Some(message) = phone
            .as_deref()
            .and_then(|p| check(check_phone("phone", p)))
        {
            fail(Column::Phone, message);
        }

        let person = match kind {
            ImportKind::Students => {
                let major = columns.cell(row, Column::Major);
                let class_name = columns.cell(row, Column::ClassName);
                if let Some(message) = check(check_text("major", major, 50)) {
                    fail(Column::Major, message);
                }
                if let Some(message) = check(check_text("class_name", class_name, 50)) {
                    fail(Column::ClassName, message);
                }
                let year = parse_year(columns.cell(row, Column::EnrolmentYear))
                    .map_err(|message| fail(Column::EnrolmentYear, message))
                    .ok();
                let degree = Degree::parse(columns.cell(row, Column::Degree));
                if degree.is_none() {
                    fail(
                        Column::Degree,
                        "use 本科生 (undergraduate) or 研究生 (graduate)".to_owned(),
                    );
                }
                match (organization, year, degree) {
                    (Some(college), Some(enrolment_year), Some(degree)) => Some(Person::Student {
                        college_id: college.id,
                        major: major.to_owned(),
                        class_name: class_name.to_owned(),
                        enrolment_year,
                        degree,
                        phone,
                    }),
                    _ => None,
                }
            }
            ImportKind::Staff | ImportKind::Positions => {
                let title = optional(Column::Title);
                if let Some(message) = title.and_then(|t| check(check_text("title", t, 50))) {
                    fail(Column::Title, message);
                }
                organization.map(|org| Person::Staff {
                    organization_id: org.id,
                    title: title.map(str::to_owned),
                    phone,
                })
            }
        };

        // In the order of the columns, as a person reads the row.
        errors.sort_by_key(|e| specs(kind).iter().position(|s| s.field == e.column));
        let (action, person) = match person {
            Some(person) if errors.is_empty() => {
                let action = match existing {
                    None => RowAction::Create,
                    Some(e) if unchanged(e, &name, &person) => RowAction::Unchanged,
                    Some(_) => RowAction::Update,
                };
                (action, Some(person))
            }
            _ => (RowAction::Reject, None),
        };
        PlannedRow {
            row: ImportRow {
                line: row.line,
                key,
                name,
                action,
                errors,
            },
            account_id: existing.map(|e| e.id).filter(|_| person.is_some()),
            person,
        }
    }
}

/// `2024`, also written `2024级` or `2024年`.
fn parse_year(text: &str) -> Result<i32, String> {
    let year = text
        .trim_end_matches(['级', '年'])
        .trim()
        .parse::<i32>()
        .map_err(|_| "enter a year such as 2024".to_owned())?;
    check_enrolment_year("enrolment_year", year).map_err(|e| e.message)?;
    Ok(year)
}

/// Whether the stored account already holds what the row says (an empty optional cell
/// matches anything).
fn unchanged(existing: &Existing, name: &str, person: &Person) -> bool {
    let same_optional =
        |new: &Option<String>, stored: &Option<String>| new.is_none() || new == stored;
    existing.display_name == name
        && existing.organization_id == person.organization_id()
        && match (person, &existing.student, &existing.staff) {
            (
                Person::Student {
                    major,
                    class_name,
                    enrolment_year,
                    degree,
                    phone,
                    ..
                },
                Some((s_major, s_class, s_year, s_degree, s_phone)),
                _,
            ) => {
                major == s_major
                    && class_name == s_class
                    && enrolment_year == s_year
                    && degree.as_str() == s_degree
                    && same_optional(phone, s_phone)
            }
            (Person::Staff { title, phone, .. }, _, Some((s_title, s_phone))) => {
                same_optional(title, s_title) && same_optional(phone, s_phone)
            }
            _ => false,
        }
}

fn counts(rows: &[PlannedRow]) -> ImportCounts {
    tally(rows.iter().map(|r| &r.row))
}

fn tally<'r>(rows: impl Iterator<Item = &'r ImportRow>) -> ImportCounts {
    let mut counts = ImportCounts::default();
    for row in rows {
        match row.action {
            RowAction::Create => counts.create += 1,
            RowAction::Update => counts.update += 1,
            RowAction::Unchanged => counts.unchanged += 1,
            RowAction::Reject => counts.reject += 1,
        }
    }
    counts
}

fn confirmable(counts: &ImportCounts) -> bool {
    counts.reject == 0 && counts.create + counts.update > 0
}

fn preview_of(
    id: uuid::Uuid,
    kind: ImportKind,
    file_name: String,
    rows: Vec<ImportRow>,
    confirmed: bool,
) -> ImportPreview {
    let counts = tally(rows.iter());
    ImportPreview {
        id: id.to_string(),
        kind,
        file_name,
        counts,
        confirmable: !confirmed && confirmable(&counts),
        rows,
    }
}

// --- handlers -------------------------------------------------------------------------------

/// The uploaded file's name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The name of the file as the user picked it (`2025级新生.xlsx`); its extension decides
    /// the format when the content type does not.
    pub file_name: Option<String>,
}

/// The raw bytes of an uploaded file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileUpload(pub Vec<u8>);

fn invalid_file(error: Unreadable) -> AppError {
    AppError::new(ErrorCode::InvalidFile, error.0)
}

fn conflict(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::Conflict, message)
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(error.to_string())
}

/// The file name as stored: its last path component (browsers may send a whole path), at most
/// 200 characters.
fn clean_file_name(given: Option<&str>, kind: ImportKind, format: Format) -> String {
    let name = given
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    if name.is_empty() {
        let extension = match format {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        };
        format!("{}.{extension}", kind.as_str())
    } else {
        name.chars().take(200).collect()
    }
}

/// Preview an import
///
/// Send the file itself as the body — CSV (UTF-8, with or without BOM) as `text/csv`, or an
/// .xlsx workbook (its first worksheet) as
/// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` — at most 5 MB and
/// 20,000 rows. The first row names the columns, in Chinese or English, in any order: for
/// students 学号/student_no, 姓名/name, 学院/college (name or code), 专业/major, 班级/class_name,
/// 入学年份/enrolment_year, 学历/degree (本科生/研究生) and optionally 手机/phone; for staff
/// 工号/staff_no, 姓名/name, 单位/organization (name or code), and optionally 职称/title and
/// 手机/phone; for cadre positions 学号/student_no, 组织/organization (name or code), 职务/title,
/// 职务类型/position_type (the school's, by name or code), 开始日期/starts_on, 结束日期/ends_on
/// (2026-09-01, 2026/9/1, 2026年9月1日 or a spreadsheet date), and optionally 姓名/name,
/// 级别/level (校级/院级/社团/班级), 班级/class_name and 任命文号/appointment_no. Nothing changes
/// yet: the answer says for each row whether confirming would create an account or position,
/// update one (a number already in the caller's subtree; a position of the same organisation,
/// student, title and start), leave it unchanged, or why it rejects the row, per column. An
/// empty optional cell leaves a stored value as it is, and a deactivated account stays
/// deactivated. Needs `manage_accounts` (`manage_cadres` for positions).
#[utoipa::path(
    tag = "people",
    params(
        ("kind" = ImportKind, Path, description = "`students`, `staff` or `positions`"),
        UploadQuery,
    ),
    request_body(
        description = "The file, as it is",
        content(
            (FileUpload = "text/csv"),
            (FileUpload = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ),
    ),
    responses(
        (status = 201, description = "The stored preview; confirm it with `POST /api/imports/{id}/confirm`", body = ImportPreview),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 413, description = "Larger than 5 MB", body = ApiError),
        (status = 422, description = "The file cannot be read at all; nothing is stored", body = ApiError,
            example = json!({"code": "invalid_file", "message": "the first row must name the columns; missing: 学号 (student_no)"})),
    ),
    security(("bearer" = [])),
)]
#[post("/{kind}/previews")]
pub async fn preview_import(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    kind: web::Path<ImportKind>,
    query: web::Query<UploadQuery>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let kind = kind.into_inner();
    actor.require(kind.permission())?;
    let bytes = uploaded(body)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let given_name = query.file_name.as_deref().unwrap_or_default();
    let format = Format::detect(&bytes, content_type, given_name).map_err(invalid_file)?;
    let file_name = clean_file_name(query.file_name.as_deref(), kind, format);
    let sheet = web::block(move || sheet::read(&bytes, format, MAX_ROWS))
        .await
        .map_err(internal)?
        .map_err(invalid_file)?;
    let unreadable = |m: String| invalid_file(Unreadable(m));
    let mut conn = state.db.conn().await?;
    let organizations = db::imports::organizations(&mut conn).await?;
    let (stored, shown) = if kind == ImportKind::Positions {
        let columns = positions::Columns::locate(&sheet.header).map_err(unreadable)?;
        let types = db::cadres::position_types(&mut conn).await?;
        let numbers = columns.numbers(&sheet.rows);
        let mut planner =
            positions::Planner::new(&mut conn, actor.org.id, &organizations, &types, &numbers)
                .await?;
        let mut rows: Vec<positions::PlannedRow> = sheet
            .rows
            .iter()
            .map(|row| planner.plan(&columns, row))
            .collect();
        positions::settle(&mut conn, &mut rows).await?;
        let shown = rows.iter().map(|r| r.row.clone()).collect();
        (serde_json::to_value(&rows).map_err(internal)?, shown)
    } else {
        let columns = Columns::locate(kind, &sheet.header).map_err(unreadable)?;
        let numbers: Vec<String> = sheet
            .rows
            .iter()
            .map(|row| columns.cell(row, Column::Number).to_owned())
            .filter(|number| !number.is_empty())
            .collect();
        let existing = db::people::by_usernames(&mut conn, &numbers).await?;
        let mut planner = Planner::new(kind, actor.org.id, &organizations, existing);
        let rows: Vec<PlannedRow> = sheet
            .rows
            .iter()
            .map(|row| planner.plan(&columns, row))
            .collect();
        let shown = rows.iter().map(|r| r.row.clone()).collect();
        (serde_json::to_value(&rows).map_err(internal)?, shown)
    };

    let id = uuid::Uuid::new_v4();
    db::imports::insert(
        &mut conn,
        &NewImport {
            id,
            kind: kind.as_str(),
            file_name: &file_name,
            organization_id: actor.org.id,
            created_by: actor.account_id,
            rows: stored,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/imports/{id}")))
        .json(preview_of(id, kind, file_name, shown, false)))
}

/// The permissions any import needs one of (the kind's is checked once the import is read).
const IMPORTERS: &[Permission] = &[Permission::ManageAccounts, Permission::ManageCadres];

/// An import of the actor's subtree, of a kind the actor may import; any other answers 404
/// (403 for a kind whose permission the actor lacks).
async fn visible(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<(ImportRecord, ImportKind), AppError> {
    let record = db::imports::get(conn, id)
        .await?
        .filter(|record| actor.is_within(&record.organization_path))
        .ok_or_else(|| AppError::not_found("import"))?;
    let kind = ImportKind::parse(&record.kind)
        .ok_or_else(|| internal(format!("import of unknown kind {}", record.kind)))?;
    actor.require(kind.permission())?;
    Ok((record, kind))
}

/// The stored rows of a people import.
fn people_rows(record: &ImportRecord) -> Result<Vec<PlannedRow>, AppError> {
    serde_json::from_value(record.rows.clone()).map_err(internal)
}

/// The stored rows of a positions import.
fn position_rows(record: &ImportRecord) -> Result<Vec<positions::PlannedRow>, AppError> {
    serde_json::from_value(record.rows.clone()).map_err(internal)
}

/// One import's preview
///
/// The preview as stored when the file was uploaded; once confirmed, `confirmable` is false.
/// Imports made in the caller's subtree only (others answer 404); needs `manage_accounts`
/// (`manage_cadres` for positions).
#[utoipa::path(
    tag = "people",
    params(("id" = uuid::Uuid, Path, description = "The import's id")),
    responses(
        (status = 200, description = "The preview", body = ImportPreview),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such import in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<ImportPreview>, AppError> {
    require_organization(&actor)?;
    actor.require_any(IMPORTERS)?;
    let mut conn = state.db.conn().await?;
    let (record, kind) = visible(&mut conn, &actor, *id).await?;
    let rows: Vec<ImportRow> = match kind {
        ImportKind::Positions => position_rows(&record)?.into_iter().map(|r| r.row).collect(),
        _ => people_rows(&record)?.into_iter().map(|r| r.row).collect(),
    };
    let confirmed = record.confirmed_at.is_some();
    Ok(web::Json(preview_of(
        record.id,
        kind,
        record.file_name,
        rows,
        confirmed,
    )))
}

/// Argon2id at a lower cost than chosen passwords (1 MiB and one pass, not 19 MiB and two):
/// these passwords are random — 12 characters, about 61 bits — so the cost that slows down
/// guessing a person's password adds nothing to them, while at full cost 3,000 rows would keep
/// both cores busy for 45 seconds. Each must be replaced at the first sign-in, and the new
/// password is hashed at full cost.
fn hash_one_time(password: &str) -> String {
    let params = Params::new(1024, 1, 1, None).expect("valid Argon2 parameters");
    let salt =
        SaltString::encode_b64(&crate::auth::secret::bytes::<16>()).expect("16 bytes make a salt");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .expect("hashing cannot fail with valid params")
        .to_string()
}

/// Hashes on the blocking pool, one batch per core.
async fn hash_all(passwords: &[String]) -> Result<Vec<String>, AppError> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let batch = passwords.len().div_ceil(cores).max(1);
    let tasks: Vec<_> = passwords
        .chunks(batch)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            tokio::task::spawn_blocking(move || {
                chunk.iter().map(|p| hash_one_time(p)).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut hashes = Vec::with_capacity(passwords.len());
    for task in tasks {
        hashes.extend(task.await.map_err(internal)?);
    }
    Ok(hashes)
}

/// Confirm an import
///
/// Applies a confirmable preview — no rejected row, something to create or update — all rows
/// in one transaction: if anything fails, nothing is written. New accounts get a one-time
/// password each, answered here once, to be changed at the first sign-in. What the preview saw
/// must still hold: a number registered since, or an account moved out of the subtree, answers
/// 409 and the file must be uploaded again. Needs `manage_accounts` (`manage_cadres` for
/// positions, which create no accounts).
#[utoipa::path(
    tag = "people",
    params(("id" = uuid::Uuid, Path, description = "The import's id")),
    responses(
        (status = 200, description = "Applied; the credentials of the new accounts", body = ImportResult),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such import in the caller's subtree", body = ApiError),
        (status = 409, description = "Confirmed already, not confirmable, or stale", body = ApiError,
            example = json!({"code": "conflict", "message": "this import has been confirmed already"})),
    ),
    security(("bearer" = [])),
)]
#[post("/{id}/confirm")]
pub async fn confirm_import(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<ImportResult>, AppError> {
    require_organization(&actor)?;
    actor.require_any(IMPORTERS)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (record, kind) = visible(&mut conn, &actor, id).await?;
    let already = || conflict("this import has been confirmed already");
    if record.confirmed_at.is_some() {
        return Err(already());
    }
    if kind == ImportKind::Positions {
        return confirm_positions(&mut conn, &actor, record).await;
    }
    let rows = people_rows(&record)?;
    let counts = counts(&rows);
    if counts.reject > 0 {
        return Err(conflict(format!(
            "{} rows are rejected: correct the file and upload it again",
            counts.reject
        )));
    }
    if !confirmable(&counts) {
        return Err(conflict("nothing to do: every row is unchanged"));
    }
    let credentials: Vec<IssuedCredential> = rows
        .iter()
        .filter(|r| r.row.action == RowAction::Create)
        .map(|r| IssuedCredential {
            username: r.row.key.clone(),
            name: r.row.name.clone(),
            temporary_password: temporary_password(),
        })
        .collect();
    let passwords: Vec<String> = credentials
        .iter()
        .map(|c| c.temporary_password.clone())
        .collect();
    let hashes = hash_all(&passwords).await?;
    let within = record.organization_id;
    let file_name = record.file_name.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        if db::imports::lock(conn, id).await? {
            return Err(already());
        }
        apply(conn, kind, &rows, &hashes, actor.account_id, within).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(within),
                action: "import.confirm",
                target_type: "import",
                target_id: id.to_string(),
                details: json!({"kind": kind.as_str(), "file_name": file_name, "counts": counts}),
            },
        )
        .await?;
        db::imports::mark_confirmed(conn, id, actor.account_id).await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(ImportResult {
        id: id.to_string(),
        counts,
        credentials,
    }))
}

/// Confirms a positions import: every row written in one transaction, audited.
async fn confirm_positions(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    record: ImportRecord,
) -> Result<web::Json<ImportResult>, AppError> {
    let rows = position_rows(&record)?;
    let counts = tally(rows.iter().map(|r| &r.row));
    if counts.reject > 0 {
        return Err(conflict(format!(
            "{} rows are rejected: correct the file and upload it again",
            counts.reject
        )));
    }
    if !confirmable(&counts) {
        return Err(conflict("nothing to do: every row is unchanged"));
    }
    let (id, within, file_name) = (record.id, record.organization_id, record.file_name);
    conn.transaction::<_, AppError, _>(async |conn| {
        if db::imports::lock(conn, id).await? {
            return Err(conflict("this import has been confirmed already"));
        }
        positions::apply(conn, &rows, actor.account_id, within).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(within),
                action: "import.confirm",
                target_type: "import",
                target_id: id.to_string(),
                details: json!({"kind": "positions", "file_name": file_name, "counts": counts}),
            },
        )
        .await?;
        db::imports::mark_confirmed(conn, id, actor.account_id).await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(ImportResult {
        id: id.to_string(),
        counts,
        credentials: Vec::new(),
    }))
}

/// Writes the planned rows: multi-row inserts for new accounts, one statement per table for
/// updates. Refuses (409) when what the preview saw no longer holds.
async fn apply(
    conn: &mut AsyncPgConnection,
    kind: ImportKind,
    rows: &[PlannedRow],
    hashes: &[String],
    by: i64,
    within: i64,
) -> Result<(), AppError> {
    let with_action = |action: RowAction| {
        rows.iter()
            .filter(move |r| r.row.action == action)
            .filter_map(|r| r.person.as_ref().map(|person| (r, person)))
    };
    let creates: Vec<(&PlannedRow, &Person)> = with_action(RowAction::Create).collect();
    let updates: Vec<(&PlannedRow, &Person)> = with_action(RowAction::Update).collect();

    let numbers: Vec<String> = creates.iter().map(|(r, _)| r.row.key.clone()).collect();
    let taken = db::people::taken_usernames(conn, &numbers).await?;
    if let Some(example) = taken.first() {
        return Err(conflict(format!(
            "{} of the numbers to create were registered since the preview ({example}…): upload \
             the file again",
            taken.len()
        )));
    }
    let ids: Vec<i64> = updates.iter().filter_map(|(r, _)| r.account_id).collect();
    if db::people::count_within(conn, &ids, account_kind(kind), within).await? != updates.len() {
        return Err(conflict(
            "accounts to update have changed since the preview: upload the file again",
        ));
    }
    let destinations: BTreeSet<i64> = creates
        .iter()
        .chain(&updates)
        .map(|(_, person)| person.organization_id())
        .collect();
    for org_id in destinations {
        let org = db::organizations::get(conn, org_id).await?;
        let still_fits = org.is_some_and(|org| {
            org.active
                && org.path.contains(&within)
                && (kind == ImportKind::Staff || org.kind() == OrgKind::College)
        });
        if !still_fits {
            return Err(conflict(
                "an organisation of the file has changed since the preview: upload the file again",
            ));
        }
    }

    let accounts: Vec<NewAccount<'_>> = creates
        .iter()
        .zip(hashes)
        .map(|((row, person), hash)| NewAccount {
            username: &row.row.key,
            display_name: &row.row.name,
            password_hash: hash,
            kind: account_kind(kind).as_str(),
            organization_id: person.organization_id(),
            is_main: false,
            permissions: vec![],
            must_change_password: true,
            created_by: Some(by),
            updated_by: Some(by),
        })
        .collect();
    let inserted: HashMap<String, i64> = db::people::insert_accounts(conn, &accounts)
        .await?
        .into_iter()
        .map(|(id, username)| (username.to_lowercase(), id))
        .collect();
    let new_id = |row: &PlannedRow| {
        inserted
            .get(&row.row.key.to_lowercase())
            .copied()
            .ok_or_else(|| internal(format!("no id for the new account {}", row.row.key)))
    };

    let names: Vec<String> = updates.iter().map(|(r, _)| r.row.name.clone()).collect();
    let organizations: Vec<i64> = updates.iter().map(|(_, p)| p.organization_id()).collect();
    db::people::update_accounts(conn, &ids, &names, &organizations, by).await?;

    match kind {
        ImportKind::Positions => {}
        ImportKind::Students => {
            let mut details = Vec::with_capacity(creates.len());
            for (row, person) in &creates {
                if let Person::Student {
                    major,
                    class_name,
                    enrolment_year,
                    degree,
                    phone,
                    ..
                } = person
                {
                    details.push(StudentDetails {
                        account_id: new_id(row)?,
                        major: major.clone(),
                        class_name: class_name.clone(),
                        enrolment_year: *enrolment_year,
                        degree: degree.as_str(),
                        phone: phone.clone(),
                    });
                }
            }
            db::people::insert_student_details(conn, &details).await?;
            let changes: Vec<StudentUpdate> = updates
                .iter()
                .filter_map(|(row, person)| match (row.account_id, person) {
                    (
                        Some(account_id),
                        Person::Student {
                            major,
                            class_name,
                            enrolment_year,
                            degree,
                            phone,
                            ..
                        },
                    ) => Some(StudentUpdate {
                        account_id,
                        major: major.clone(),
                        class_name: class_name.clone(),
                        enrolment_year: *enrolment_year,
                        degree: degree.as_str(),
                        phone: phone.clone(),
                    }),
                    _ => None,
                })
                .collect();
            db::people::update_student_details(conn, &changes).await?;
        }
        ImportKind::Staff => {
            let mut details = Vec::with_capacity(creates.len());
            for (row, person) in &creates {
                if let Person::Staff { title, phone, .. } = person {
                    details.push(StaffDetails {
                        account_id: new_id(row)?,
                        title: title.clone(),
                        phone: phone.clone(),
                    });
                }
            }
            db::people::insert_staff_details(conn, &details).await?;
            let changes: Vec<StaffUpdate> = updates
                .iter()
                .filter_map(|(row, person)| match (row.account_id, person) {
                    (Some(account_id), Person::Staff { title, phone, .. }) => Some(StaffUpdate {
                        account_id,
                        title: title.clone(),
                        phone: phone.clone(),
                    }),
                    _ => None,
                })
                .collect();
            db::people::update_staff_details(conn, &changes).await?;
        }
    }
    Ok(())
}

/// A template to fill in
///
/// A CSV file (UTF-8 with BOM, so Excel opens it as such) with the Chinese column headers of an
/// import of `kind` and one example row naming an organisation of the caller's subtree. Any
/// signed-in organisation account may download it.
#[utoipa::path(
    tag = "people",
    params(("kind" = ImportKind, Path, description = "`students`, `staff` or `positions`")),
    responses(
        (status = 200, description = "The template", content_type = "text/csv", body = String),
        (status = 403, description = "Not an organisation account", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/{kind}/template.csv")]
pub async fn template(
    state: web::Data<AppState>,
    actor: Actor,
    kind: web::Path<ImportKind>,
) -> Result<HttpResponse, AppError> {
    require_organization(&actor)?;
    let kind = kind.into_inner();
    let organization = match kind {
        ImportKind::Staff | ImportKind::Positions => actor.org.name.clone(),
        ImportKind::Students => {
            let filter = db::organizations::Filter {
                within: Some(actor.org.id),
                kind: Some(OrgKind::College),
                ..Default::default()
            };
            let first = PageRequest::try_from(PageParams {
                page: Some(1),
                per_page: Some(1),
            })?;
            let mut conn = state.db.conn().await?;
            let (colleges, _) = db::organizations::list(&mut conn, &filter, first).await?;
            colleges
                .into_iter()
                .next()
                .map_or_else(|| "计算机学院".to_owned(), |c| c.name)
        }
    };
    let example: Vec<&str> = match kind {
        ImportKind::Students => vec![
            "2025019999",
            "张三",
            &organization,
            "软件工程",
            "软件2501",
            "2025",
            "本科生",
            "13800138000",
        ],
        ImportKind::Staff => vec!["T2025999", "李老师", &organization, "讲师", "13900139000"],
        ImportKind::Positions => Vec::new(),
    };
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    if kind == ImportKind::Positions {
        let (headers, example) = positions::template(&organization);
        writer.write_record(&headers).map_err(internal)?;
        writer.write_record(&example).map_err(internal)?;
    } else {
        let headers: Vec<&str> = specs(kind).iter().map(|spec| spec.headers[0]).collect();
        writer.write_record(&headers).map_err(internal)?;
        writer.write_record(&example).map_err(internal)?;
    }
    let body = writer.into_inner().map_err(internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-template.csv\"", kind.as_str()),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_either_language_and_any_order() {
        let header: Vec<String> = [
            "Name",
            "学号*",
            "college",
            "专业（必填）",
            "班级",
            "年级",
            "学历",
            "备注",
        ]
        .map(String::from)
        .to_vec();
        let columns = Columns::locate(ImportKind::Students, &header).unwrap();
        assert_eq!(columns.index[&Column::Number], 1);
        assert_eq!(columns.index[&Column::Name], 0);
        assert_eq!(columns.index[&Column::EnrolmentYear], 5);
        assert!(!columns.index.contains_key(&Column::Phone));
    }

    #[test]
    fn missing_or_doubled_columns_are_named() {
        let header: Vec<String> = ["姓名", "学院"].map(String::from).to_vec();
        let error = Columns::locate(ImportKind::Students, &header)
            .err()
            .unwrap();
        assert!(error.contains("学号 (student_no)"), "{error}");
        assert!(!error.contains("手机"), "{error}");
        let header: Vec<String> = ["工号", "姓名", "单位", "name"].map(String::from).to_vec();
        let error = Columns::locate(ImportKind::Staff, &header).err().unwrap();
        assert!(error.contains("appears twice"), "{error}");
    }

    #[test]
    fn years_may_carry_a_suffix() {
        assert_eq!(parse_year("2024级"), Ok(2024));
        assert_eq!(parse_year("2024"), Ok(2024));
        assert!(parse_year("二〇二四").is_err());
        assert!(parse_year("1800").is_err());
    }

    #[test]
    fn one_time_hashes_are_argon2id_and_distinct() {
        let (a, b) = (hash_one_time("abcdefghjk23"), hash_one_time("abcdefghjk23"));
        assert!(a.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
    }
}
