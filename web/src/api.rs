//! The typed API client: one function per endpoint, each returning the shared error type.
//!
//! Requests of a signed-in user carry `Authorization: Bearer <access token>`. When the server
//! answers `token_expired`, the client trades the refresh token for a new pair once — a single
//! refresh shared by every request that failed together, since a refresh token works only once
//! — and retries. When that fails, or the server says the session is over, the session ends
//! and the app sends the user to sign in.

use std::{cell::RefCell, fmt::Display};

use chrono::{DateTime, SecondsFormat, Utc};
use futures::{
    FutureExt,
    future::{LocalBoxFuture, Shared},
};
use serde::{Serialize, de::DeserializeOwned};
use shared::{
    ApiError, ErrorCode, Page,
    activity::{
        Activity, ActivityInput, ActivityStatus, ActivitySummary, CancelRequest, Category,
        LotteryResult, RegisterRequest, Registration, RegistrationStatus, ReviewDecision,
        ReviewItem,
    },
    attendance::{
        Anomaly, AttendanceRecord, AttendanceRequest, CheckinCode, CheckinRequest, CheckinResult,
        CheckinSettings, CodeKind, Deadlines, FinalizeRequest, ManualAttendance,
        NewAttendanceRequest, OverdueActivity, PendingScan, ReceiptRequest, RecognitionRequest,
        ResultInput, ResultRecord, ScanReceipt, UploadReport,
    },
    audit::AuditEntry,
    auth::{ChangePasswordRequest, LoginRequest, LoginResponse, Me, RefreshRequest, TokenPair},
    cadre::{
        AssessmentRound, AssessmentStandard, GradesInput, NewPosition, NewRound, Position,
        PositionType, PositionTypes, ReturnRound, RoundSummary,
    },
    calendar::{CalendarDay, Deadline, DeadlineRequest},
    certificate as cert,
    checkin::CheckinPolicy,
    health::Health,
    organization::{
        CreateOrganization, CreateSubAccount, OrgAccount, OrgKind, Organization, PasswordReset,
        UpdateAccount, UpdateOrganization,
    },
    pass::{CheckinKey, RegisterKey, ScanBatch, ScanSync, ScannerPack},
    people::{
        ImportKind, ImportPreview, ImportResult, NewStaff, NewStudent, Staff, StaffCreated,
        Student, StudentCreated, UpdateStudent,
    },
    points::{
        BehindStudent, Leaderboard, NewAdjustment, NewFact, NewRuleSet, NewTerm, Reevaluation,
        RuleSetVersion, RulesPreview, StudentPoints, Term,
    },
    practice::{MyPractice, NewPracticeRecord, PracticeKind, PracticeRecord, PracticeSummary},
    school::School,
    survey::{
        EvaluationSummary, MyResponse, NewEvaluation, NewSurvey, PendingEvaluation, SubmitAnswers,
        SubmitReceipt, Survey, SurveyResults, SurveySummary,
    },
    transcript::{
        IssueRequest, IssuedTranscript, NewPrintJob, PrintJob, RevokeRequest, TranscriptDoc,
        TranscriptStyle, Verification,
    },
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::session;

// ---------------------------------------------------------------------------------------------
// Public, unauthenticated

/// `GET /healthz`. A 503 still carries a health report, so it is a report, not an error.
pub async fn health() -> Result<Health, ApiError> {
    let reply = send("GET", "/healthz", &Body::Empty, None).await?;
    match reply.status {
        200 | 503 => parse(&reply.text),
        _ => Err(reply.error()),
    }
}

/// `GET /api/school`.
pub async fn school() -> Result<School, ApiError> {
    get("/api/school").await
}

/// `GET /api/calendar/days`.
pub async fn calendar_days(
    year: i32,
    page: u32,
    per_page: u32,
) -> Result<Page<CalendarDay>, ApiError> {
    get(&format!(
        "/api/calendar/days?year={year}&page={page}&per_page={per_page}"
    ))
    .await
}

/// `POST /api/calendar/deadline`.
pub async fn deadline(request: &DeadlineRequest) -> Result<Deadline, ApiError> {
    post("/api/calendar/deadline", request).await
}

// ---------------------------------------------------------------------------------------------
// Signing in and the signed-in account

/// `POST /api/auth/login`. A `rate_limited` error says the wait; see [`retry_after`].
pub async fn login(request: &LoginRequest) -> Result<LoginResponse, ApiError> {
    let reply = send("POST", "/api/auth/login", &Body::json(request)?, None).await?;
    reply.json()
}

/// `POST /api/auth/logout`: ends this session on the server.
pub async fn logout() -> Result<(), ApiError> {
    call("POST", "/api/auth/logout", Body::Empty).await?.empty()
}

/// `POST /api/auth/logout-all`: ends every session of the account.
pub async fn logout_all() -> Result<(), ApiError> {
    call("POST", "/api/auth/logout-all", Body::Empty)
        .await?
        .empty()
}

/// `GET /api/me`.
pub async fn me() -> Result<Me, ApiError> {
    get("/api/me").await
}

/// `POST /api/me/password`.
pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), ApiError> {
    call("POST", "/api/me/password", Body::json(request)?)
        .await?
        .empty()
}

/// The seconds a `rate_limited` answer asks to wait.
pub fn retry_after(error: &ApiError) -> Option<u64> {
    if error.code != ErrorCode::RateLimited {
        return None;
    }
    // `send` puts the Retry-After header in the message as "retry in N seconds".
    error
        .message
        .split(|c: char| !c.is_ascii_digit())
        .find(|part| !part.is_empty())
        .and_then(|digits| digits.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Organisations and their accounts

/// Filters of `GET /api/organizations`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrgFilter {
    pub within: Option<i64>,
    pub kind: Option<OrgKind>,
    pub q: Option<String>,
    pub include_inactive: bool,
}

/// `GET /api/organizations`: one page of the tree, depth first.
pub async fn organizations(
    filter: &OrgFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<Organization>, ApiError> {
    let path = Query::default()
        .opt("within", filter.within)
        .opt("kind", filter.kind.map(OrgKind::as_str))
        .opt("q", filter.q.as_deref().filter(|q| !q.trim().is_empty()))
        .opt("include_inactive", filter.include_inactive.then_some(true))
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/organizations");
    get(&path).await
}

/// Every organisation matching `filter`, fetching as many pages as it takes (a university has
/// dozens, not thousands).
pub async fn all_organizations(filter: &OrgFilter) -> Result<Vec<Organization>, ApiError> {
    let mut items = Vec::new();
    for page in 1.. {
        let mut batch = organizations(filter, page, shared::page::MAX_PER_PAGE).await?;
        let last = u64::from(page) >= batch.pages() || batch.items.is_empty();
        items.append(&mut batch.items);
        if last || page >= 50 {
            break;
        }
    }
    Ok(items)
}

/// `GET /api/organizations/{id}`.
pub async fn organization(id: i64) -> Result<Organization, ApiError> {
    get(&format!("/api/organizations/{id}")).await
}

/// `POST /api/organizations`: a child organisation with its main account.
pub async fn create_organization(request: &CreateOrganization) -> Result<Organization, ApiError> {
    post("/api/organizations", request).await
}

/// `PATCH /api/organizations/{id}`: rename, move, (de)activate.
pub async fn update_organization(
    id: i64,
    request: &UpdateOrganization,
) -> Result<Organization, ApiError> {
    patch(&format!("/api/organizations/{id}"), request).await
}

/// `GET /api/organizations/{id}/accounts`: the main account first, then the sub-accounts.
pub async fn organization_accounts(id: i64) -> Result<Page<OrgAccount>, ApiError> {
    get(&format!("/api/organizations/{id}/accounts")).await
}

/// `POST /api/organizations/{id}/accounts`: a sub-account.
pub async fn create_sub_account(
    organization_id: i64,
    request: &CreateSubAccount,
) -> Result<OrgAccount, ApiError> {
    post(
        &format!("/api/organizations/{organization_id}/accounts"),
        request,
    )
    .await
}

/// `PATCH /api/accounts/{id}`: rename, permissions, enable/disable.
pub async fn update_account(id: i64, request: &UpdateAccount) -> Result<OrgAccount, ApiError> {
    patch(&format!("/api/accounts/{id}"), request).await
}

/// `POST /api/accounts/{id}/reset-password`: a one-time password, answered once.
pub async fn reset_password(id: i64) -> Result<PasswordReset, ApiError> {
    call(
        "POST",
        &format!("/api/accounts/{id}/reset-password"),
        Body::Empty,
    )
    .await?
    .json()
}

// ---------------------------------------------------------------------------------------------
// The audit log

/// Filters of `GET /api/audit`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    pub organization_id: Option<i64>,
    /// Actions starting with this (`account.`, `session.login` …).
    pub action: Option<String>,
    pub actor_id: Option<i64>,
}

/// `GET /api/audit`: newest first.
pub async fn audit(
    filter: &AuditFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<AuditEntry>, ApiError> {
    let path = Query::default()
        .opt("organization_id", filter.organization_id)
        .opt(
            "action",
            filter.action.as_deref().filter(|a| !a.trim().is_empty()),
        )
        .opt("actor_id", filter.actor_id)
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/audit");
    get(&path).await
}

// ---------------------------------------------------------------------------------------------
// Students, staff and imports

/// Filters of `GET /api/students`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StudentFilter {
    pub q: Option<String>,
    pub college_id: Option<i64>,
    pub enrolment_year: Option<i32>,
    pub degree: Option<shared::people::Degree>,
    pub class_name: Option<String>,
}

/// `GET /api/students`.
pub async fn students(
    filter: &StudentFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<Student>, ApiError> {
    let path = Query::default()
        .opt("q", filter.q.as_deref().filter(|q| !q.trim().is_empty()))
        .opt("college_id", filter.college_id)
        .opt("enrolment_year", filter.enrolment_year)
        .opt("degree", filter.degree.map(|d| d.as_str()))
        .opt(
            "class_name",
            filter
                .class_name
                .as_deref()
                .filter(|c| !c.trim().is_empty()),
        )
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/students");
    get(&path).await
}

/// `POST /api/students`: the student and a one-time password.
#[allow(dead_code, reason = "no screen uses it yet")]
pub async fn create_student(request: &NewStudent) -> Result<StudentCreated, ApiError> {
    post("/api/students", request).await
}

/// `PATCH /api/students/{id}`.
#[allow(dead_code, reason = "no screen uses it yet")]
pub async fn update_student(id: i64, request: &UpdateStudent) -> Result<Student, ApiError> {
    patch(&format!("/api/students/{id}"), request).await
}

/// `GET /api/staff`.
pub async fn staff(
    q: Option<&str>,
    organization_id: Option<i64>,
    page: u32,
    per_page: u32,
) -> Result<Page<Staff>, ApiError> {
    let path = Query::default()
        .opt("q", q.filter(|q| !q.trim().is_empty()))
        .opt("organization_id", organization_id)
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/staff");
    get(&path).await
}

/// `POST /api/staff`: the staff member and a one-time password.
#[allow(dead_code, reason = "no screen uses it yet")]
pub async fn create_staff(request: &NewStaff) -> Result<StaffCreated, ApiError> {
    post("/api/staff", request).await
}

/// `POST /api/imports/{kind}/previews?file_name=…` with the file's bytes: a preview, nothing written.
pub async fn import_preview(
    kind: ImportKind,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<ImportPreview, ApiError> {
    let path = Query::default()
        .add("file_name", file_name)
        .to(&format!("/api/imports/{}/previews", kind.as_str()));
    let body = Body::File {
        bytes,
        content_type: content_type.to_owned(),
    };
    call("POST", &path, body).await?.json()
}

/// `GET /api/imports/{id}`: a preview again.
#[allow(dead_code, reason = "no screen uses it yet")]
pub async fn import(id: &str) -> Result<ImportPreview, ApiError> {
    get(&format!("/api/imports/{}", encode(id))).await
}

/// `POST /api/imports/{id}/confirm`: writes the rows; answers the one-time passwords.
pub async fn confirm_import(id: &str) -> Result<ImportResult, ApiError> {
    call(
        "POST",
        &format!("/api/imports/{}/confirm", encode(id)),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/imports/{kind}/template.csv`: the file to fill in.
pub async fn import_template(kind: ImportKind) -> Result<String, ApiError> {
    let reply = call(
        "GET",
        &format!("/api/imports/{}/template.csv", kind.as_str()),
        Body::Empty,
    )
    .await?;
    if reply.ok() {
        Ok(reply.text)
    } else {
        Err(reply.error())
    }
}

// ---------------------------------------------------------------------------------------------
// Activities, their review and sign-ups

/// Filters of `GET /api/activities`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActivityFilter {
    /// `scope=managed`: what the caller's organisations run, drafts included.
    pub managed: bool,
    pub category: Option<String>,
    pub organizer: Option<i64>,
    pub campus: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub open: bool,
    pub status: Option<ActivityStatus>,
    pub q: Option<String>,
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `GET /api/activities`: the feed, or with `managed` the organisation's own.
pub async fn activities(
    filter: &ActivityFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<ActivitySummary>, ApiError> {
    let text = |t: &Option<String>| t.clone().filter(|t| !t.trim().is_empty());
    let path = Query::default()
        .opt("scope", filter.managed.then_some("managed"))
        .opt("category", text(&filter.category))
        .opt("organizer", filter.organizer)
        .opt("campus", text(&filter.campus))
        .opt("from", filter.from.map(instant))
        .opt("to", filter.to.map(instant))
        .opt("open", filter.open.then_some(true))
        .opt("status", filter.status.map(ActivityStatus::as_str))
        .opt("q", text(&filter.q).map(|q| q.trim().to_owned()))
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/activities");
    get(&path).await
}

/// `GET /api/activities/{id}`.
pub async fn activity(id: i64) -> Result<Activity, ApiError> {
    get(&format!("/api/activities/{id}")).await
}

/// `POST /api/activities`: a draft.
pub async fn create_activity(input: &ActivityInput) -> Result<Activity, ApiError> {
    post("/api/activities", input).await
}

/// `PUT /api/activities/{id}`: the whole definition.
pub async fn update_activity(id: i64, input: &ActivityInput) -> Result<Activity, ApiError> {
    call("PUT", &format!("/api/activities/{id}"), Body::json(input)?)
        .await?
        .json()
}

/// `POST /api/activities/{id}/submit`: for review (or published at once).
pub async fn submit_activity(id: i64) -> Result<Activity, ApiError> {
    call("POST", &format!("/api/activities/{id}/submit"), Body::Empty)
        .await?
        .json()
}

/// `POST /api/activities/{id}/withdraw`: back to draft.
pub async fn withdraw_activity(id: i64) -> Result<Activity, ApiError> {
    call(
        "POST",
        &format!("/api/activities/{id}/withdraw"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `POST /api/activities/{id}/approve` at the caller's level.
pub async fn approve_activity(id: i64, decision: &ReviewDecision) -> Result<Activity, ApiError> {
    post(&format!("/api/activities/{id}/approve"), decision).await
}

/// `POST /api/activities/{id}/reject` with a reason.
pub async fn reject_activity(id: i64, decision: &ReviewDecision) -> Result<Activity, ApiError> {
    post(&format!("/api/activities/{id}/reject"), decision).await
}

/// `POST /api/activities/{id}/cancel` with a reason.
pub async fn cancel_activity(id: i64, request: &CancelRequest) -> Result<Activity, ApiError> {
    post(&format!("/api/activities/{id}/cancel"), request).await
}

/// `GET /api/reviews`: oldest first.
pub async fn reviews(page: u32, per_page: u32) -> Result<Page<ReviewItem>, ApiError> {
    get(&format!("/api/reviews?page={page}&per_page={per_page}")).await
}

/// `GET /api/categories`.
pub async fn categories() -> Result<Page<Category>, ApiError> {
    get("/api/categories").await
}

/// `POST /api/activities/{id}/registrations`: sign up with the form's answers.
pub async fn register(id: i64, request: &RegisterRequest) -> Result<Registration, ApiError> {
    post(&format!("/api/activities/{id}/registrations"), request).await
}

/// `DELETE /api/activities/{id}/registrations/mine`.
pub async fn cancel_registration(id: i64) -> Result<Registration, ApiError> {
    call(
        "DELETE",
        &format!("/api/activities/{id}/registrations/mine"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/me/registrations`: newest first.
pub async fn my_registrations(page: u32, per_page: u32) -> Result<Page<Registration>, ApiError> {
    get(&format!(
        "/api/me/registrations?page={page}&per_page={per_page}"
    ))
    .await
}

/// `GET /api/me/no-shows`: the student's record this term, the policy, where they stand.
pub async fn my_no_shows() -> Result<shared::integrity::NoShowRecord, ApiError> {
    get("/api/me/no-shows").await
}

/// `GET /api/activities/{id}/watch`.
pub async fn watching(id: i64) -> Result<bool, ApiError> {
    let watch: serde_json::Value = get(&format!("/api/activities/{id}/watch")).await?;
    Ok(watch["watching"].as_bool().unwrap_or(false))
}

/// `PUT` (or `DELETE`) `/api/activities/{id}/watch`.
pub async fn set_watching(id: i64, on: bool) -> Result<(), ApiError> {
    let path = format!("/api/activities/{id}/watch");
    call(if on { "PUT" } else { "DELETE" }, &path, Body::Empty)
        .await?
        .empty()
}

/// `POST` (or with `None`, `DELETE`) `/api/registrations/{id}/excuse`.
pub async fn excuse(id: i64, reason: Option<&str>) -> Result<Registration, ApiError> {
    let path = format!("/api/registrations/{id}/excuse");
    match reason {
        Some(reason) => {
            post(
                &path,
                &shared::integrity::Excuse {
                    reason: reason.to_owned(),
                },
            )
            .await
        }
        None => call("DELETE", &path, Body::Empty).await?.json(),
    }
}

/// `GET /api/activities/{id}/registrations`: in sign-up order.
pub async fn registrations(
    id: i64,
    status: Option<RegistrationStatus>,
    q: Option<&str>,
    page: u32,
    per_page: u32,
) -> Result<Page<Registration>, ApiError> {
    let path = Query::default()
        .opt("status", status.map(RegistrationStatus::as_str))
        .opt("q", q.filter(|q| !q.trim().is_empty()))
        .add("page", page)
        .add("per_page", per_page)
        .to(&format!("/api/activities/{id}/registrations"));
    get(&path).await
}

/// `POST /api/registrations/{id}/approve` (review mode).
pub async fn approve_registration(id: i64) -> Result<Registration, ApiError> {
    call(
        "POST",
        &format!("/api/registrations/{id}/approve"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `POST /api/registrations/{id}/reject` (review mode).
pub async fn reject_registration(id: i64) -> Result<Registration, ApiError> {
    call(
        "POST",
        &format!("/api/registrations/{id}/reject"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `POST /api/activities/{id}/lottery`.
pub async fn draw_lottery(id: i64) -> Result<LotteryResult, ApiError> {
    call(
        "POST",
        &format!("/api/activities/{id}/lottery"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/activities/{id}/registrations/export?format=xlsx|csv`: the file's bytes.
pub async fn export_registrations(id: i64, format: &str) -> Result<Vec<u8>, ApiError> {
    let path = format!(
        "/api/activities/{id}/registrations/export?format={}",
        encode(format)
    );
    bytes(&path).await
}

// ---------------------------------------------------------------------------------------------
// Notifications

/// One in-app notification (`GET /api/notifications`).
pub use shared::notification::Notification;

/// `GET /api/notifications`; with `unread`, `total` is the badge count.
pub async fn notifications(
    unread: bool,
    page: u32,
    per_page: u32,
) -> Result<Page<Notification>, ApiError> {
    let path = Query::default()
        .opt("unread", unread.then_some(true))
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/notifications");
    get(&path).await
}

/// `POST /api/notifications/read`: clears the badge.
pub async fn read_notifications() -> Result<(), ApiError> {
    call("POST", "/api/notifications/read", Body::Empty)
        .await?
        .empty()
}

// ---------------------------------------------------------------------------------------------
// Attendance (考勤) and results (成绩认定)

/// `GET /api/activities/{id}/checkin-code?kind=in|out`: the current QR code and the counts.
pub async fn checkin_code(id: i64, kind: CodeKind) -> Result<CheckinCode, ApiError> {
    let kind = match kind {
        CodeKind::In => "in",
        CodeKind::Out => "out",
    };
    get(&format!("/api/activities/{id}/checkin-code?kind={kind}")).await
}

/// `GET /api/school/checkin-policy`.
pub async fn checkin_policy() -> Result<CheckinPolicy, ApiError> {
    get("/api/school/checkin-policy").await
}

/// `PUT /api/school/checkin-policy` (the school admin's).
pub async fn put_checkin_policy(policy: &CheckinPolicy) -> Result<CheckinPolicy, ApiError> {
    put("/api/school/checkin-policy", policy).await
}

/// `POST /api/checkin/receipts`: the moment the scan page opened, signed (no sign-in).
pub async fn checkin_receipt(request: &ReceiptRequest) -> Result<ScanReceipt, ApiError> {
    post("/api/checkin/receipts", request).await
}

/// `POST /api/checkin/pending`: a scan made signed out, redeemed with the check-in after signing in.
pub async fn checkin_pending(request: &ReceiptRequest) -> Result<PendingScan, ApiError> {
    post("/api/checkin/pending", request).await
}

/// `POST /api/checkin`: the student's scan.
pub async fn check_in(request: &CheckinRequest) -> Result<CheckinResult, ApiError> {
    post("/api/checkin", request).await
}

/// `PUT /api/me/checkin-key`: this phone's public key for the student's personal code (a
/// phone that already had one rotates it; another phone's key is replaced).
pub async fn register_checkin_key(request: &RegisterKey) -> Result<CheckinKey, ApiError> {
    put("/api/me/checkin-key", request).await
}

/// `GET /api/me/checkin-key`: the live key; `not_found` when there is none (never made,
/// replaced by another phone, or its session ended).
pub async fn checkin_key() -> Result<CheckinKey, ApiError> {
    get("/api/me/checkin-key").await
}

/// `GET /api/activities/{id}/scanner`: the roster the organiser's phone scans against offline.
pub async fn scanner_pack(id: i64) -> Result<ScannerPack, ApiError> {
    get(&format!("/api/activities/{id}/scanner")).await
}

/// `POST /api/activities/{id}/scans`: a batch of queued scans (idempotent by scan id).
pub async fn sync_scans(id: i64, batch: &ScanBatch) -> Result<ScanSync, ApiError> {
    post(&format!("/api/activities/{id}/scans"), batch).await
}

/// `GET /api/activities/{id}/checkin-settings`.
pub async fn checkin_settings(id: i64) -> Result<CheckinSettings, ApiError> {
    get(&format!("/api/activities/{id}/checkin-settings")).await
}

/// `PUT /api/activities/{id}/checkin-settings`.
pub async fn put_checkin_settings(
    id: i64,
    settings: &CheckinSettings,
) -> Result<CheckinSettings, ApiError> {
    put(&format!("/api/activities/{id}/checkin-settings"), settings).await
}

/// `GET /api/activities/{id}/attendance`: newest first; `total` is the live count.
pub async fn attendance(
    id: i64,
    page: u32,
    per_page: u32,
) -> Result<Page<AttendanceRecord>, ApiError> {
    get(&format!(
        "/api/activities/{id}/attendance?page={page}&per_page={per_page}"
    ))
    .await
}

/// The newest arrivals for the projected screen: student numbers come masked from the server.
pub async fn arrivals(id: i64, per_page: u32) -> Result<Page<AttendanceRecord>, ApiError> {
    get(&format!(
        "/api/activities/{id}/attendance?page=1&per_page={per_page}&masked=true"
    ))
    .await
}

/// Every attendance record of an activity, fetching as many pages as it takes.
pub async fn all_attendance(id: i64) -> Result<Vec<AttendanceRecord>, ApiError> {
    let mut items = Vec::new();
    for page in 1.. {
        let mut batch = attendance(id, page, shared::page::MAX_PER_PAGE).await?;
        let last = u64::from(page) >= batch.pages() || batch.items.is_empty();
        items.append(&mut batch.items);
        if last || page >= 200 {
            break;
        }
    }
    Ok(items)
}

/// `GET /api/activities/{id}/attendance/anomalies`.
pub async fn anomalies(id: i64) -> Result<Page<Anomaly>, ApiError> {
    get(&format!("/api/activities/{id}/attendance/anomalies")).await
}

/// `POST /api/activities/{id}/attendance`: a manual check-in, or a make-up after the end.
pub async fn record_attendance(
    id: i64,
    request: &ManualAttendance,
) -> Result<AttendanceRecord, ApiError> {
    post(&format!("/api/activities/{id}/attendance"), request).await
}

/// `GET /api/activities/{id}/deadlines`.
pub async fn deadlines(id: i64) -> Result<Deadlines, ApiError> {
    get(&format!("/api/activities/{id}/deadlines")).await
}

/// `POST /api/activities/{id}/attendance-requests`: a back-fill for the level above.
pub async fn request_backfill(
    id: i64,
    request: &NewAttendanceRequest,
) -> Result<AttendanceRequest, ApiError> {
    post(
        &format!("/api/activities/{id}/attendance-requests"),
        request,
    )
    .await
}

/// Which back-fill requests `GET /api/attendance-requests` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestScope {
    /// What waits for the caller's organisation to decide.
    Incoming,
    /// What the caller's subtree asked.
    Outgoing,
}

impl RequestScope {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestScope::Incoming => "incoming",
            RequestScope::Outgoing => "outgoing",
        }
    }
}

/// `GET /api/attendance-requests?scope=…&pending=…`: newest first.
pub async fn attendance_requests(
    scope: RequestScope,
    pending: bool,
    page: u32,
    per_page: u32,
) -> Result<Page<AttendanceRequest>, ApiError> {
    let path = Query::default()
        .add("scope", scope.as_str())
        .opt("pending", pending.then_some(true))
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/attendance-requests");
    get(&path).await
}

/// `POST /api/attendance-requests/{id}/approve`.
pub async fn approve_request(
    id: i64,
    decision: &ReviewDecision,
) -> Result<AttendanceRequest, ApiError> {
    post(&format!("/api/attendance-requests/{id}/approve"), decision).await
}

/// `POST /api/attendance-requests/{id}/reject`: with a reason.
pub async fn reject_request(
    id: i64,
    decision: &ReviewDecision,
) -> Result<AttendanceRequest, ApiError> {
    post(&format!("/api/attendance-requests/{id}/reject"), decision).await
}

/// `GET /api/activities/{id}/results`.
pub async fn results(id: i64) -> Result<Page<ResultRecord>, ApiError> {
    get(&format!("/api/activities/{id}/results")).await
}

/// The body of `PUT /api/activities/{id}/results`.
#[derive(Serialize)]
struct ResultsBody<'a> {
    results: &'a [ResultInput],
}

/// `PUT /api/activities/{id}/results`: all rows or none; a bad row is named
/// `results[i].<field>`.
pub async fn put_results(id: i64, rows: &[ResultInput]) -> Result<Page<ResultRecord>, ApiError> {
    put(
        &format!("/api/activities/{id}/results"),
        &ResultsBody { results: rows },
    )
    .await
}

/// `POST /api/activities/{id}/results/upload?file_name=…&dry_run=…` with the file's bytes.
pub async fn upload_results(
    id: i64,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<UploadReport, ApiError> {
    let path = Query::default()
        .add("file_name", file_name)
        .add("dry_run", dry_run)
        .to(&format!("/api/activities/{id}/results/upload"));
    let body = Body::File {
        bytes,
        content_type: content_type.to_owned(),
    };
    call("POST", &path, body).await?.json()
}

/// What a finalisation did.
#[derive(Clone, Debug)]
pub enum Finalised {
    /// Recognised: the deadlines, now with `recognized_at`.
    Recognised(Deadlines),
    /// A back-fill, filed for the level above (202).
    Requested(RecognitionRequest),
}

/// `POST /api/activities/{id}/results/finalize`, with the reason a back-fill needs.
pub async fn finalize_results(id: i64, reason: Option<String>) -> Result<Finalised, ApiError> {
    let reply = call(
        "POST",
        &format!("/api/activities/{id}/results/finalize"),
        Body::json(&FinalizeRequest { reason })?,
    )
    .await?;
    if reply.status == 202 {
        parse(&reply.text).map(Finalised::Requested)
    } else {
        reply.json().map(Finalised::Recognised)
    }
}

/// `GET /api/recognition-requests?scope=…&pending=…`: newest first.
pub async fn recognition_requests(
    scope: RequestScope,
    pending: bool,
    page: u32,
    per_page: u32,
) -> Result<Page<RecognitionRequest>, ApiError> {
    let path = Query::default()
        .add("scope", scope.as_str())
        .opt("pending", pending.then_some(true))
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/recognition-requests");
    get(&path).await
}

/// `POST /api/recognition-requests/{id}/approve`.
pub async fn approve_recognition(
    id: i64,
    decision: &ReviewDecision,
) -> Result<RecognitionRequest, ApiError> {
    post(&format!("/api/recognition-requests/{id}/approve"), decision).await
}

/// `POST /api/recognition-requests/{id}/reject`: with a reason.
pub async fn reject_recognition(
    id: i64,
    decision: &ReviewDecision,
) -> Result<RecognitionRequest, ApiError> {
    post(&format!("/api/recognition-requests/{id}/reject"), decision).await
}

/// `GET /api/recognition/overdue`: most overdue first.
pub async fn overdue(page: u32, per_page: u32) -> Result<Page<OverdueActivity>, ApiError> {
    get(&format!(
        "/api/recognition/overdue?page={page}&per_page={per_page}"
    ))
    .await
}

// ---------------------------------------------------------------------------------------------
// Points: the scoring rules, students behind the requirement, what organisations record, and
// batch printing of transcripts (the admin console)

/// `GET /api/terms`: oldest first.
pub async fn terms() -> Result<Vec<Term>, ApiError> {
    get("/api/terms").await
}

/// `POST /api/terms`: a term added to the calendar of terms (the school admin's); it may not
/// overlap another or repeat a code.
pub async fn create_term(request: &NewTerm) -> Result<Term, ApiError> {
    post("/api/terms", request).await
}

/// `GET /api/rules`: every version of the scoring rules, newest first.
pub async fn rule_versions() -> Result<Vec<RuleSetVersion>, ApiError> {
    get("/api/rules").await
}

/// `GET /api/rules/current?term_id=…`: the version a term is evaluated under (default: the
/// term containing today).
pub async fn current_rules(term_id: Option<i64>) -> Result<RuleSetVersion, ApiError> {
    get(&Query::default()
        .opt("term_id", term_id)
        .to("/api/rules/current"))
    .await
}

/// `POST /api/rules`: a new version from a term that has not ended (the school admin's); a
/// bad rule is named `rules.<field>`.
pub async fn publish_rules(request: &NewRuleSet) -> Result<RuleSetVersion, ApiError> {
    post("/api/rules", request).await
}

/// `POST /api/rules/previews`: what publishing these rules would change, nothing written.
pub async fn preview_rules(request: &NewRuleSet) -> Result<RulesPreview, ApiError> {
    post("/api/rules/previews", request).await
}

/// `GET /api/rules/{version}/reevaluation`: how far the re-evaluation a publication started
/// has got.
pub async fn reevaluation(version: i32) -> Result<Reevaluation, ApiError> {
    get(&format!("/api/rules/{version}/reevaluation")).await
}

/// Filters of `GET /api/points/behind`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BehindFilter {
    pub organization_id: Option<i64>,
    pub enrolment_year: Option<i32>,
}

/// `GET /api/points/behind`: students short of their graduation requirement, fewest points
/// first.
pub async fn behind(
    filter: &BehindFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<BehindStudent>, ApiError> {
    let path = Query::default()
        .opt("organization_id", filter.organization_id)
        .opt("enrolment_year", filter.enrolment_year)
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/points/behind");
    get(&path).await
}

/// `GET /api/me/suggestions`: the open activities that close the signed-in student's gap (or
/// match their interests), best first.
pub async fn my_suggestions() -> Result<shared::guidance::Suggestions, ApiError> {
    get("/api/me/suggestions").await
}

/// `GET /api/students/{id}/suggestions`: a student's suggestions, as their adviser sees them.
pub async fn student_suggestions(id: i64) -> Result<shared::guidance::Suggestions, ApiError> {
    get(&format!("/api/students/{id}/suggestions")).await
}

/// `POST /api/students/{id}/reminders`: notifies the student of what they miss (once a day).
pub async fn remind_student(id: i64) -> Result<shared::guidance::Reminder, ApiError> {
    call(
        "POST",
        &format!("/api/students/{id}/reminders"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/students/{id}/points`.
pub async fn student_points(id: i64) -> Result<StudentPoints, ApiError> {
    get(&format!("/api/students/{id}/points")).await
}

/// `POST /api/points/facts`: a cadre position or practice; answers the student's points.
pub async fn record_fact(request: &NewFact) -> Result<StudentPoints, ApiError> {
    post("/api/points/facts", request).await
}

/// `POST /api/points/adjustments`: points added or taken away by hand, with the reason.
pub async fn adjust_points(request: &NewAdjustment) -> Result<StudentPoints, ApiError> {
    post("/api/points/adjustments", request).await
}

/// `POST /api/print-jobs`: starts a batch print (202).
pub async fn start_print_job(request: &NewPrintJob) -> Result<PrintJob, ApiError> {
    post("/api/print-jobs", request).await
}

/// `GET /api/print-jobs/{id}`: a batch's progress.
pub async fn print_job(id: &str) -> Result<PrintJob, ApiError> {
    get(&format!("/api/print-jobs/{}", encode(id))).await
}

/// `GET /api/print-jobs`: the subtree's batches, newest first.
pub async fn print_jobs(page: u32, per_page: u32) -> Result<Page<PrintJob>, ApiError> {
    get(&format!("/api/print-jobs?page={page}&per_page={per_page}")).await
}

/// `GET /api/print-jobs/{id}/file`: the finished batch's bytes (PDF or zip).
pub async fn print_job_file(id: &str) -> Result<Vec<u8>, ApiError> {
    let path = format!("/api/print-jobs/{}/file", encode(id));
    bytes(&path).await
}

// ---------------------------------------------------------------------------------------------
// Student cadres (学生干部): position types, the standard, the register, assessment rounds

/// `GET /api/school/position-types`: the school's list, retired ones included, in order.
pub async fn position_types() -> Result<Vec<PositionType>, ApiError> {
    get("/api/school/position-types").await
}

/// `PUT /api/school/position-types`: the whole list (the school admin's).
pub async fn put_position_types(types: &PositionTypes) -> Result<Vec<PositionType>, ApiError> {
    put("/api/school/position-types", types).await
}

/// `GET /api/school/assessment-standard`: the largest share of each grade per level.
pub async fn assessment_standard() -> Result<AssessmentStandard, ApiError> {
    get("/api/school/assessment-standard").await
}

/// `PUT /api/school/assessment-standard`: the whole standard (the school admin's).
pub async fn put_assessment_standard(
    standard: &AssessmentStandard,
) -> Result<AssessmentStandard, ApiError> {
    put("/api/school/assessment-standard", standard).await
}

/// Filters of `GET /api/cadre-positions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PositionFilter {
    pub organization_id: Option<i64>,
    /// Only positions held on this day.
    pub on: Option<chrono::NaiveDate>,
    /// Student number or name contains.
    pub q: Option<String>,
}

/// `GET /api/cadre-positions`: the register of the caller's subtree, newest tenure first.
pub async fn positions(
    filter: &PositionFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<Position>, ApiError> {
    let path = Query::default()
        .opt("organization_id", filter.organization_id)
        .opt("on", filter.on)
        .opt(
            "q",
            filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()),
        )
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/cadre-positions");
    get(&path).await
}

/// `POST /api/cadre-positions`.
pub async fn create_position(input: &NewPosition) -> Result<Position, ApiError> {
    post("/api/cadre-positions", input).await
}

/// `PUT /api/cadre-positions/{id}`: the whole position.
pub async fn update_position(id: i64, input: &NewPosition) -> Result<Position, ApiError> {
    put(&format!("/api/cadre-positions/{id}"), input).await
}

/// `DELETE /api/cadre-positions/{id}`: only one never graded.
pub async fn delete_position(id: i64) -> Result<(), ApiError> {
    call("DELETE", &format!("/api/cadre-positions/{id}"), Body::Empty)
        .await?
        .empty()
}

/// `GET /api/me/cadre-positions`: the signed-in student's positions with approved grades.
pub async fn my_positions() -> Result<Vec<Position>, ApiError> {
    get("/api/me/cadre-positions").await
}

/// `GET /api/assessment-rounds`: the subtree's rounds, or with `review` those waiting for the
/// caller's review.
pub async fn rounds(
    review: bool,
    page: u32,
    per_page: u32,
) -> Result<Page<RoundSummary>, ApiError> {
    let path = Query::default()
        .add("scope", if review { "review" } else { "own" })
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/assessment-rounds");
    get(&path).await
}

/// `POST /api/assessment-rounds`: one round per organisation and term.
pub async fn create_round(request: &NewRound) -> Result<AssessmentRound, ApiError> {
    post("/api/assessment-rounds", request).await
}

/// `GET /api/assessment-rounds/{id}`: its positions, grades and the room left per grade.
pub async fn round(id: i64) -> Result<AssessmentRound, ApiError> {
    get(&format!("/api/assessment-rounds/{id}")).await
}

/// `PUT /api/assessment-rounds/{id}/grades`: all checked together against the standard
/// (`grade_limit_exceeded` names the level and grade).
pub async fn put_grades(id: i64, grades: &GradesInput) -> Result<AssessmentRound, ApiError> {
    put(&format!("/api/assessment-rounds/{id}/grades"), grades).await
}

/// `POST /api/assessment-rounds/{id}/submit`: to the organisation above.
pub async fn submit_round(id: i64) -> Result<AssessmentRound, ApiError> {
    call(
        "POST",
        &format!("/api/assessment-rounds/{id}/submit"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `POST /api/assessment-rounds/{id}/approve`: counts its grades in the ledger.
pub async fn approve_round(id: i64) -> Result<AssessmentRound, ApiError> {
    call(
        "POST",
        &format!("/api/assessment-rounds/{id}/approve"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `POST /api/assessment-rounds/{id}/return`: back to be graded again, with the reason.
pub async fn return_round(id: i64, reason: &str) -> Result<AssessmentRound, ApiError> {
    post(
        &format!("/api/assessment-rounds/{id}/return"),
        &ReturnRound {
            reason: reason.to_owned(),
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Practice teams and training (社会实践与培训)

/// `GET /api/practice-records`: the subtree's records, newest first.
pub async fn practice_records(
    kind: Option<PracticeKind>,
    certified: Option<bool>,
    page: u32,
    per_page: u32,
) -> Result<Page<PracticeSummary>, ApiError> {
    let path = Query::default()
        .opt("kind", kind.map(PracticeKind::as_str))
        .opt("certified", certified)
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/practice-records");
    get(&path).await
}

/// `GET /api/practice-records/{id}`.
pub async fn practice_record(id: i64) -> Result<PracticeRecord, ApiError> {
    get(&format!("/api/practice-records/{id}")).await
}

/// `POST /api/practice-records`.
pub async fn create_practice_record(input: &NewPracticeRecord) -> Result<PracticeRecord, ApiError> {
    post("/api/practice-records", input).await
}

/// `PUT /api/practice-records/{id}`: the whole record, until certified.
pub async fn update_practice_record(
    id: i64,
    input: &NewPracticeRecord,
) -> Result<PracticeRecord, ApiError> {
    put(&format!("/api/practice-records/{id}"), input).await
}

/// `DELETE /api/practice-records/{id}`: until certified.
pub async fn delete_practice_record(id: i64) -> Result<(), ApiError> {
    call(
        "DELETE",
        &format!("/api/practice-records/{id}"),
        Body::Empty,
    )
    .await?
    .empty()
}

/// `PUT /api/practice-records/{id}/report?file_name=…` with the file's bytes (PDF, DOCX, PNG or
/// JPEG, at most 10 MB).
pub async fn upload_practice_report(
    id: i64,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<PracticeRecord, ApiError> {
    let path = Query::default()
        .add("file_name", file_name)
        .to(&format!("/api/practice-records/{id}/report"));
    let body = Body::File {
        bytes,
        content_type: content_type.to_owned(),
    };
    call("PUT", &path, body).await?.json()
}

/// `GET /api/practice-records/{id}/report`: the report's bytes.
pub async fn practice_report(id: i64) -> Result<Vec<u8>, ApiError> {
    let path = format!("/api/practice-records/{id}/report");
    bytes(&path).await
}

/// `POST /api/practice-records/{id}/certify`: enters every member's hours in the ledger.
pub async fn certify_practice_record(id: i64) -> Result<PracticeRecord, ApiError> {
    call(
        "POST",
        &format!("/api/practice-records/{id}/certify"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/me/practice-records`: the signed-in student's teams and training, with hours.
pub async fn my_practice() -> Result<Vec<MyPractice>, ApiError> {
    get("/api/me/practice-records").await
}

// ---------------------------------------------------------------------------------------------
// Monthly work reports (工作月报) and the school's report over them

/// Which file of a report to download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Xlsx,
    Pdf,
}

impl ReportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Pdf => "pdf",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Pdf => "application/pdf",
        }
    }
}

/// `GET /api/monthly-reports`: the colleges' reports of the caller's subtree, newest month
/// first (only `month`'s when given).
pub async fn monthly_reports(
    month: Option<shared::insight::Month>,
    page: u32,
    per_page: u32,
) -> Result<Page<shared::insight::MonthlyReportSummary>, ApiError> {
    let path = Query::default()
        .opt("month", month)
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/monthly-reports");
    get(&path).await
}

/// `GET /api/monthly-reports/{id}`.
pub async fn monthly_report(id: i64) -> Result<shared::insight::MonthlyReport, ApiError> {
    get(&format!("/api/monthly-reports/{id}")).await
}

/// `PUT /api/monthly-reports/{id}`: the college's comments (工作总结), saved, not filed.
pub async fn comment_report(
    id: i64,
    comments: &str,
) -> Result<shared::insight::MonthlyReport, ApiError> {
    let body = shared::insight::ReportComments {
        comments: comments.to_owned(),
    };
    put(&format!("/api/monthly-reports/{id}"), &body).await
}

/// `POST /api/monthly-reports/{id}/file`: filed as it stands; read-only afterwards.
pub async fn file_report(id: i64) -> Result<shared::insight::MonthlyReport, ApiError> {
    call(
        "POST",
        &format!("/api/monthly-reports/{id}/file"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/monthly-reports/{id}/report.xlsx|pdf`: the file's bytes.
pub async fn monthly_report_file(id: i64, format: ReportFormat) -> Result<Vec<u8>, ApiError> {
    bytes(&format!(
        "/api/monthly-reports/{id}/report.{}",
        format.extension()
    ))
    .await
}

/// `GET /api/school-reports`: the months, newest first (other than the school's own accounts,
/// only the published ones).
pub async fn school_reports() -> Result<Vec<shared::insight::SchoolReportSummary>, ApiError> {
    get("/api/school-reports").await
}

/// `GET /api/school-reports/{month}`: the colleges side by side and the school's analysis.
pub async fn school_report(
    month: shared::insight::Month,
) -> Result<shared::insight::SchoolReport, ApiError> {
    get(&format!("/api/school-reports/{month}")).await
}

/// `PUT /api/school-reports/{month}`: the school's analysis of a draft.
pub async fn analyse_school_report(
    month: shared::insight::Month,
    analysis: &str,
) -> Result<shared::insight::SchoolReport, ApiError> {
    let body = shared::insight::SchoolAnalysis {
        analysis: analysis.to_owned(),
    };
    put(&format!("/api/school-reports/{month}"), &body).await
}

/// `POST /api/school-reports/{month}/publish`: every organisation may read it then.
pub async fn publish_school_report(
    month: shared::insight::Month,
) -> Result<shared::insight::SchoolReport, ApiError> {
    call(
        "POST",
        &format!("/api/school-reports/{month}/publish"),
        Body::Empty,
    )
    .await?
    .json()
}

/// `GET /api/school-reports/{month}/report.xlsx|pdf`: the file's bytes.
pub async fn school_report_file(
    month: shared::insight::Month,
    format: ReportFormat,
) -> Result<Vec<u8>, ApiError> {
    bytes(&format!(
        "/api/school-reports/{month}/report.{}",
        format.extension()
    ))
    .await
}

// ---------------------------------------------------------------------------------------------
// A student's points (积分), the leaderboard and transcripts (成绩单)

/// `GET /api/me/points`: the signed-in student's totals, progress, standing and ledger.
pub async fn my_points() -> Result<StudentPoints, ApiError> {
    get("/api/me/points").await
}

/// The scope of `GET /api/leaderboard`; all `None` is the whole school over all terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeaderboardScope {
    pub college_id: Option<i64>,
    pub enrolment_year: Option<i32>,
    pub term_id: Option<i64>,
}

/// `GET /api/leaderboard`: the top `limit` of the scope, and the caller's standing.
pub async fn leaderboard(scope: &LeaderboardScope, limit: u32) -> Result<Leaderboard, ApiError> {
    let path = Query::default()
        .opt("college_id", scope.college_id)
        .opt("enrolment_year", scope.enrolment_year)
        .opt("term_id", scope.term_id)
        .add("limit", limit)
        .to("/api/leaderboard");
    get(&path).await
}

/// `GET /api/transcripts/preview?style=…[&student_id=…]`: what a transcript would say now —
/// the signed-in student's own, or (for an organisation) the student's.
pub async fn transcript_preview(
    student: Option<i64>,
    style: TranscriptStyle,
) -> Result<TranscriptDoc, ApiError> {
    get(&Query::default()
        .opt("student_id", student)
        .add("style", style.as_str())
        .to("/api/transcripts/preview"))
    .await
}

/// `POST /api/transcripts`: issues a transcript — the signed-in student's own, or the
/// student's (the same serial while nothing changed).
pub async fn issue_transcript(
    student: Option<i64>,
    style: TranscriptStyle,
) -> Result<Verification, ApiError> {
    post(
        "/api/transcripts",
        &IssueRequest {
            student_id: student,
            style,
        },
    )
    .await
}

/// `GET /api/students/{id}/transcripts`: every transcript issued to the student, newest first.
pub async fn issued_transcripts(
    student: i64,
    page: u32,
    per_page: u32,
) -> Result<Page<IssuedTranscript>, ApiError> {
    get(&format!(
        "/api/students/{student}/transcripts?page={page}&per_page={per_page}"
    ))
    .await
}

/// `POST /api/transcripts/{serial}/revoke`: withdraws an issued transcript, with the reason.
pub async fn revoke_transcript(serial: &str, reason: &str) -> Result<Verification, ApiError> {
    post(
        &format!("/api/transcripts/{}/revoke", encode(serial)),
        &RevokeRequest {
            reason: reason.to_owned(),
        },
    )
    .await
}

/// `GET /api/transcripts/{serial}/pdf`: the issued transcript's PDF.
pub async fn transcript_pdf(serial: &str) -> Result<Vec<u8>, ApiError> {
    let path = format!("/api/transcripts/{}/pdf", encode(serial));
    bytes(&path).await
}

/// `GET /api/verify/{serial}`: public, so sent without the session's token — a stale session
/// must not stand between a reader and the answer.
pub async fn verify_transcript(serial: &str) -> Result<Verification, ApiError> {
    send(
        "GET",
        &format!("/api/verify/{}", encode(serial)),
        &Body::Empty,
        None,
    )
    .await?
    .json()
}

// ---------------------------------------------------------------------------------------------
// Insight (统计): the live dashboard and the instructor workload sheet

/// What an insight page reads: an organisation's subtree (default: the caller's) in a term
/// (default: the current one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsightScope {
    pub organization: Option<i64>,
    pub term: Option<i64>,
}

impl InsightScope {
    fn to(self, path: &str) -> String {
        Query::default()
            .opt("organization", self.organization)
            .opt("term", self.term)
            .to(path)
    }
}

/// `GET /api/insight/dashboard`: the subtree's figures, read at most a minute before.
pub async fn dashboard(scope: InsightScope) -> Result<shared::insight::Dashboard, ApiError> {
    get(&scope.to("/api/insight/dashboard")).await
}

/// `GET /api/insight/dashboard.xlsx`: the same figures as a workbook.
pub async fn dashboard_xlsx(scope: InsightScope) -> Result<Vec<u8>, ApiError> {
    bytes(&scope.to("/api/insight/dashboard.xlsx")).await
}

/// `GET /api/insight/workload`: the instructors who guided the subtree's activities.
pub async fn workload(scope: InsightScope) -> Result<shared::insight::Workload, ApiError> {
    get(&scope.to("/api/insight/workload")).await
}

/// `GET /api/insight/workload.xlsx`.
pub async fn workload_xlsx(scope: InsightScope) -> Result<Vec<u8>, ApiError> {
    bytes(&scope.to("/api/insight/workload.xlsx")).await
}

/// `GET /api/me/workload`: the signed-in instructor's own sheet.
pub async fn my_workload(term: Option<i64>) -> Result<shared::insight::Workload, ApiError> {
    get(&Query::default().opt("term", term).to("/api/me/workload")).await
}

/// `GET /api/me/workload.xlsx`.
pub async fn my_workload_xlsx(term: Option<i64>) -> Result<Vec<u8>, ApiError> {
    bytes(
        &Query::default()
            .opt("term", term)
            .to("/api/me/workload.xlsx"),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// E-certificates (电子证书): seals, templates, issuing, the issued list and the wallet

/// `POST /api/certificate-seals?organization=…` with a PNG or SVG (at most 512 KB).
pub async fn upload_seal(
    organization: i64,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<cert::Seal, ApiError> {
    let path = Query::default()
        .add("organization", organization)
        .to("/api/certificate-seals");
    let body = Body::File {
        bytes,
        content_type: content_type.to_owned(),
    };
    call("POST", &path, body).await?.json()
}

/// `GET /api/certificate-seals/{id}`: the seal's image.
pub async fn seal_image(id: i64) -> Result<Vec<u8>, ApiError> {
    bytes(&format!("/api/certificate-seals/{id}")).await
}

/// `GET /api/certificate-templates`: the subtree's templates (archived ones left out).
pub async fn certificate_templates(
    organization: Option<i64>,
    kind: Option<cert::CertificateKind>,
) -> Result<Vec<cert::Template>, ApiError> {
    let path = Query::default()
        .opt("organization", organization)
        .opt("kind", kind.map(cert::CertificateKind::as_str))
        .to("/api/certificate-templates");
    get(&path).await
}

/// `GET /api/certificate-templates/{id}`.
pub async fn certificate_template(id: i64) -> Result<cert::Template, ApiError> {
    get(&format!("/api/certificate-templates/{id}")).await
}

/// `POST /api/certificate-templates`.
pub async fn create_certificate_template(
    template: &cert::NewTemplate,
) -> Result<cert::Template, ApiError> {
    post("/api/certificate-templates", template).await
}

/// `PUT /api/certificate-templates/{id}`: the whole design.
pub async fn update_certificate_template(
    id: i64,
    design: &cert::TemplateDesign,
) -> Result<cert::Template, ApiError> {
    put(&format!("/api/certificate-templates/{id}"), design).await
}

/// `DELETE /api/certificate-templates/{id}`: archives it (what it issued stays valid).
pub async fn archive_certificate_template(id: i64) -> Result<(), ApiError> {
    call(
        "DELETE",
        &format!("/api/certificate-templates/{id}"),
        Body::Empty,
    )
    .await?
    .empty()
}

/// `GET /api/certificate-templates/{id}/preview.png`: the sample as the server prints it.
pub async fn certificate_template_png(id: i64) -> Result<Vec<u8>, ApiError> {
    bytes(&format!("/api/certificate-templates/{id}/preview.png")).await
}

/// `POST /api/certificates`: issues a batch with a template.
pub async fn issue_certificates(
    request: &cert::IssueCertificates,
) -> Result<cert::IssueOutcome, ApiError> {
    post("/api/certificates", request).await
}

/// Filters of `GET /api/certificates`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CertificateFilter {
    pub kind: Option<cert::CertificateKind>,
    pub batch: Option<String>,
    pub q: Option<String>,
    pub status: Option<cert::CertificateStatus>,
}

/// `GET /api/certificates`: the subtree's issued certificates, newest first.
pub async fn certificates(
    filter: &CertificateFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<cert::Certificate>, ApiError> {
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let path = Query::default()
        .opt("kind", filter.kind.map(cert::CertificateKind::as_str))
        .opt("batch", text(&filter.batch))
        .opt("q", text(&filter.q))
        .opt(
            "status",
            filter.status.map(|s| match s {
                cert::CertificateStatus::Genuine => "genuine",
                cert::CertificateStatus::Revoked => "revoked",
            }),
        )
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/certificates");
    get(&path).await
}

/// `GET /api/me/certificates`: the signed-in student's certificates.
pub async fn my_certificates() -> Result<Vec<cert::Certificate>, ApiError> {
    get("/api/me/certificates").await
}

/// `POST /api/certificates/{id}/revoke` with the reason the verification page shows.
pub async fn revoke_certificate(id: i64, reason: &str) -> Result<cert::Certificate, ApiError> {
    post(
        &format!("/api/certificates/{id}/revoke"),
        &RevokeRequest {
            reason: reason.to_owned(),
        },
    )
    .await
}

/// `GET /api/certificates/{id}/pdf` or `/png`: the certificate as a file (409 once revoked).
pub async fn certificate_file(id: i64, format: &str) -> Result<Vec<u8>, ApiError> {
    bytes(&format!("/api/certificates/{id}/{format}")).await
}

/// `GET /api/certificates/batches/{batch}/zip`: one issue's PDFs.
pub async fn certificate_batch_zip(batch: &str) -> Result<Vec<u8>, ApiError> {
    bytes(&format!("/api/certificates/batches/{}/zip", encode(batch))).await
}

/// `GET /api/certificates/verify/{serial}`: public, sent without the session's token.
pub async fn verify_certificate(serial: &str) -> Result<cert::CertificateVerification, ApiError> {
    send(
        "GET",
        &format!("/api/certificates/verify/{}", encode(serial)),
        &Body::Empty,
        None,
    )
    .await?
    .json()
}

// Surveys (问卷) and activity evaluations (活动评价)

/// `GET /api/surveys`: the subtree's surveys, newest first.
pub async fn surveys(page: u32, per_page: u32) -> Result<Page<SurveySummary>, ApiError> {
    let path = Query::default()
        .add("page", page)
        .add("per_page", per_page)
        .to("/api/surveys");
    get(&path).await
}

/// `GET /api/me/surveys`: the open surveys that ask the student.
pub async fn my_surveys() -> Result<Vec<SurveySummary>, ApiError> {
    get("/api/me/surveys").await
}

/// `GET /api/surveys/{id}`.
pub async fn survey(id: i64) -> Result<Survey, ApiError> {
    get(&format!("/api/surveys/{id}")).await
}

/// `POST /api/surveys`: a draft.
pub async fn create_survey(input: &NewSurvey) -> Result<Survey, ApiError> {
    post("/api/surveys", input).await
}

/// `PUT /api/surveys/{id}`: a draft's new content.
pub async fn update_survey(id: i64, input: &NewSurvey) -> Result<Survey, ApiError> {
    put(&format!("/api/surveys/{id}"), input).await
}

/// `POST /api/surveys/{id}/publish`.
pub async fn publish_survey(id: i64) -> Result<Survey, ApiError> {
    call("POST", &format!("/api/surveys/{id}/publish"), Body::Empty)
        .await?
        .json()
}

/// `POST /api/surveys/{id}/close`.
pub async fn close_survey(id: i64) -> Result<Survey, ApiError> {
    call("POST", &format!("/api/surveys/{id}/close"), Body::Empty)
        .await?
        .json()
}

/// `PUT /api/surveys/{id}/response`: the student's answers (an anonymous change carries its
/// edit key).
pub async fn answer_survey(id: i64, input: &SubmitAnswers) -> Result<SubmitReceipt, ApiError> {
    put(&format!("/api/surveys/{id}/response"), input).await
}

/// `GET /api/surveys/{id}/response`: a named survey's stored answers.
pub async fn my_survey_response(id: i64) -> Result<MyResponse, ApiError> {
    get(&format!("/api/surveys/{id}/response")).await
}

/// `GET /api/surveys/{id}/results`, for a college and/or intake.
pub async fn survey_results(
    id: i64,
    college: Option<i64>,
    year: Option<i32>,
) -> Result<SurveyResults, ApiError> {
    let path = Query::default()
        .opt("college_id", college)
        .opt("year", year)
        .to(&format!("/api/surveys/{id}/results"));
    get(&path).await
}

/// `GET /api/surveys/{id}/results.xlsx`.
pub async fn survey_results_xlsx(
    id: i64,
    college: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<u8>, ApiError> {
    let path = Query::default()
        .opt("college_id", college)
        .opt("year", year)
        .to(&format!("/api/surveys/{id}/results.xlsx"));
    bytes(&path).await
}

/// `GET /api/me/evaluations`: ended activities to rate (or rated, still changeable).
pub async fn my_evaluations() -> Result<Vec<PendingEvaluation>, ApiError> {
    get("/api/me/evaluations").await
}

/// `PUT /api/activities/{id}/evaluation`.
pub async fn evaluate_activity(
    id: i64,
    input: &NewEvaluation,
) -> Result<PendingEvaluation, ApiError> {
    put(&format!("/api/activities/{id}/evaluation"), input).await
}

/// `GET /api/activities/{id}/evaluations`: the organiser's summary, without names.
pub async fn activity_evaluations(id: i64) -> Result<EvaluationSummary, ApiError> {
    get(&format!("/api/activities/{id}/evaluations")).await
}

/// A download's bytes, sent with the session's token.
async fn bytes(path: &str) -> Result<Vec<u8>, ApiError> {
    let reply = call_as("GET", path, Body::Empty, true).await?;
    if reply.ok() {
        Ok(reply.bytes.unwrap_or_default())
    } else {
        Err(reply.error())
    }
}

// ---------------------------------------------------------------------------------------------
// Plumbing

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call("GET", path, Body::Empty).await?.json()
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    call("POST", path, Body::json(body)?).await?.json()
}

async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    call("PATCH", path, Body::json(body)?).await?.json()
}

async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    call("PUT", path, Body::json(body)?).await?.json()
}

enum Body {
    Empty,
    Json(String),
    File {
        bytes: Vec<u8>,
        content_type: String,
    },
}

impl Body {
    fn json<B: Serialize>(body: &B) -> Result<Body, ApiError> {
        serde_json::to_string(body)
            .map(Body::Json)
            .map_err(|e| ApiError::new(ErrorCode::MalformedJson, e.to_string()))
    }
}

/// A response as read.
struct Reply {
    status: u16,
    text: String,
    /// The body as bytes, when asked for (files).
    bytes: Option<Vec<u8>>,
    retry_after: Option<u64>,
}

impl Reply {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn json<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        if self.ok() {
            parse(&self.text)
        } else {
            Err(self.error())
        }
    }

    fn empty(self) -> Result<(), ApiError> {
        if self.ok() { Ok(()) } else { Err(self.error()) }
    }

    /// The server's error body, or one made from the status when the body is not ours.
    fn error(&self) -> ApiError {
        let mut error = serde_json::from_str(&self.text).unwrap_or_else(|_| {
            let code = ErrorCode::ALL
                .into_iter()
                .find(|code| code.http_status() == self.status)
                .unwrap_or(ErrorCode::Internal);
            ApiError::new(code, format!("HTTP {}", self.status))
        });
        if let (ErrorCode::RateLimited, Some(seconds)) = (error.code, self.retry_after) {
            error.message = format!("retry in {seconds} seconds");
        }
        error
    }

    fn code(&self) -> Option<ErrorCode> {
        (!self.ok()).then(|| self.error().code)
    }
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("unexpected response from the server: {e}"),
        )
    })
}

/// A request as the signed-in user (or anonymously when nobody is), refreshing an expired
/// access token once and ending the session when the server has ended it.
async fn call(method: &str, path: &str, body: Body) -> Result<Reply, ApiError> {
    call_as(method, path, body, false).await
}

/// [`call`], reading the body as bytes when `binary`.
async fn call_as(method: &str, path: &str, body: Body, binary: bool) -> Result<Reply, ApiError> {
    let Some(tokens) = session::tokens() else {
        return send_as(method, path, &body, None, binary).await;
    };
    let mut reply = send_as(method, path, &body, Some(&tokens.access_token), binary).await?;
    if reply.code() == Some(ErrorCode::TokenExpired) {
        refresh(&tokens.access_token).await?;
        let access = session::tokens().map(|t| t.access_token);
        reply = send_as(method, path, &body, access.as_deref(), binary).await?;
    }
    match reply.code() {
        Some(
            ErrorCode::SessionEnded
            | ErrorCode::InvalidToken
            | ErrorCode::Unauthenticated
            | ErrorCode::TokenExpired
            | ErrorCode::AccountDisabled
            | ErrorCode::RefreshTokenReused,
        ) => session::expire(),
        Some(ErrorCode::PasswordChangeRequired) => session::require_password_change(),
        _ => {}
    }
    Ok(reply)
}

type Refreshing = Shared<LocalBoxFuture<'static, Result<(), ApiError>>>;

thread_local! {
    static REFRESHING: RefCell<Option<Refreshing>> = const { RefCell::new(None) };
}

/// Makes sure the stored access token is newer than `expired`: joins a refresh under way, or
/// starts one. On failure the session has ended.
async fn refresh(expired: &str) -> Result<(), ApiError> {
    let refreshing = REFRESHING.with(|slot| slot.borrow().clone());
    let refreshing = match refreshing {
        Some(refreshing) => refreshing,
        None => {
            match session::tokens() {
                // Another request (or tab) has already refreshed.
                Some(tokens) if tokens.access_token != expired => return Ok(()),
                Some(_) => {}
                None => {
                    return Err(ApiError::new(
                        ErrorCode::Unauthenticated,
                        "the session has ended; sign in again",
                    ));
                }
            }
            let refreshing = trade_refresh_token().boxed_local().shared();
            REFRESHING.with(|slot| *slot.borrow_mut() = Some(refreshing.clone()));
            refreshing
        }
    };
    refreshing.await
}

async fn trade_refresh_token() -> Result<(), ApiError> {
    let outcome: Result<(), ApiError> = async {
        let tokens = session::tokens()
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "the session has ended"))?;
        let request = RefreshRequest {
            refresh_token: tokens.refresh_token,
        };
        let reply = send("POST", "/api/auth/refresh", &Body::json(&request)?, None).await?;
        let pair: TokenPair = reply.json()?;
        session::replace_tokens(session::Tokens {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
        });
        Ok(())
    }
    .await;
    REFRESHING.with(|slot| *slot.borrow_mut() = None);
    if let Err(error) = &outcome
        && error.code != ErrorCode::Unreachable
    {
        session::expire();
    }
    outcome
}

/// One request; any failure to reach the server becomes `unreachable`.
async fn send(
    method: &str,
    path: &str,
    body: &Body,
    access_token: Option<&str>,
) -> Result<Reply, ApiError> {
    send_as(method, path, body, access_token, false).await
}

/// [`send`], reading the body as bytes when `binary`.
async fn send_as(
    method: &str,
    path: &str,
    body: &Body,
    access_token: Option<&str>,
    binary: bool,
) -> Result<Reply, ApiError> {
    let unreachable =
        |detail: JsValue| ApiError::new(ErrorCode::Unreachable, format!("{detail:?}"));
    let window = web_sys::window().ok_or_else(|| unreachable(JsValue::from_str("no window")))?;
    let init = RequestInit::new();
    init.set_method(method);
    match body {
        Body::Empty => {}
        Body::Json(json) => init.set_body(&JsValue::from_str(json)),
        Body::File { bytes, .. } => init.set_body(&js_sys::Uint8Array::from(bytes.as_slice())),
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(unreachable)?;
    let headers = request.headers();
    let _ = headers.set("Accept", "application/json");
    match body {
        Body::Empty => {}
        Body::Json(_) => {
            let _ = headers.set("Content-Type", "application/json");
        }
        Body::File { content_type, .. } => {
            let _ = headers.set("Content-Type", content_type);
        }
    }
    if let Some(token) = access_token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(unreachable)?;
    let response: Response = response.dyn_into().map_err(unreachable)?;
    let retry_after = response
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|value| value.trim().parse().ok());
    if binary {
        let buffer = JsFuture::from(response.array_buffer().map_err(unreachable)?)
            .await
            .map_err(unreachable)?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        return Ok(Reply {
            status: response.status(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: Some(bytes),
            retry_after,
        });
    }
    let text = JsFuture::from(response.text().map_err(unreachable)?)
        .await
        .map_err(unreachable)?;
    Ok(Reply {
        status: response.status(),
        text: text.as_string().unwrap_or_default(),
        bytes: None,
        retry_after,
    })
}

/// A query string built from the parameters that are set.
#[derive(Default)]
struct Query(Vec<String>);

impl Query {
    fn add(mut self, key: &str, value: impl Display) -> Query {
        self.0.push(format!("{key}={}", encode(&value.to_string())));
        self
    }

    fn opt(self, key: &str, value: Option<impl Display>) -> Query {
        match value {
            Some(value) => self.add(key, value),
            None => self,
        }
    }

    fn to(self, path: &str) -> String {
        if self.0.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", self.0.join("&"))
        }
    }
}

/// Percent-encodes one URL component.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}
