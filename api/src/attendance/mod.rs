//! Attendance (考勤): the organiser's rotating QR code, students' scans, the live list and its
//! anomalies, manual entry and make-up within 5 working days; back-fill beyond that lives in
//! [`requests`].

pub mod coalesce;
pub mod pass;
pub mod requests;
pub mod token;

use actix_web::{FromRequest, HttpRequest, HttpResponse, get, http::header, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    attendance::{
        Anomaly, AnomalyKind, AttendanceMethod, AttendanceRecord, CheckinCode, CheckinRequest,
        CheckinResult, CheckinSettings, CodeKind, Deadlines, MAKEUP_WORKING_DAYS, ManualAttendance,
        PENDING_SCAN_MINUTES, PendingScan, ReceiptRequest, ScanReceipt,
    },
    auth::{AccountKind, Permission},
    calendar::WorkCalendar,
    checkin::{Mark, bursts},
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{
    AppState,
    activities::{not_a_student, require_student, visible},
    auth::{self, Actor, client_ip},
    db::{self, attendance::CheckinRow, audit::Change, organizations::OrgRow},
    error::AppError,
};

/// The activity with its organiser, for an organiser acting with `permission`.
pub async fn managed(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
    permission: Permission,
) -> Result<(CheckinRow, OrgRow), AppError> {
    let (_, organizer) = visible(conn, actor, id).await?;
    actor.require_within(permission, &organizer.path)?;
    let row = db::attendance::checkin_row(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    Ok((row, organizer))
}

/// The school's calendar from `from` on.
pub async fn calendar_from(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
) -> Result<WorkCalendar, AppError> {
    let days = db::calendar::from(conn, from).await?;
    Ok(WorkCalendar::new(&days))
}

pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

/// The deadlines of an activity that ended at `ends_at`.
pub async fn deadlines_of(
    conn: &mut AsyncPgConnection,
    row: &CheckinRow,
) -> Result<Deadlines, AppError> {
    let ends_on = shanghai_date(row.ends_at);
    let calendar = calendar_from(conn, ends_on).await?;
    let days = shared::attendance::recognition_days(
        &row.category,
        db::categories::recognition_days(conn, &row.category).await?,
    );
    let due = days.map(|days| calendar.add_working_days(ends_on, days));
    let today = shanghai_date(Utc::now());
    Ok(Deadlines {
        ends_on,
        makeup_until: calendar.add_working_days(ends_on, MAKEUP_WORKING_DAYS),
        recognition_due: due,
        recognition_days_left: due.map(|due| calendar.working_days_between(today, due)),
        recognized_at: row.recognized_at,
    })
}

fn settings_of(row: &CheckinRow) -> CheckinSettings {
    let (opens_at, closes_at) = row.window();
    CheckinSettings {
        opens_at,
        closes_at,
        checkout_enabled: row.checkout_enabled,
        latitude: row.checkin_latitude,
        longitude: row.checkin_longitude,
        radius_m: row.checkin_radius_m.map(|r| r as u32),
        step_secs: row.timing().step_secs,
        grace_secs: row.timing().grace_secs,
        projected_code: row.projected_code,
        personal_code: row.personal_code,
    }
}

/// Check-in settings
///
/// The window codes are accepted in (default: 30 minutes before the start until the end),
/// check-out, and the optional location signal. Permission `record_attendance`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The settings", body = CheckinSettings), (status = 403, description = "Permission missing", body = ApiError)),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/checkin-settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<CheckinSettings>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, _) = managed(&mut conn, &actor, *id, Permission::RecordAttendance).await?;
    Ok(web::Json(settings_of(&row)))
}

/// Change the check-in settings
///
/// Permission `record_attendance` over the organiser.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = CheckinSettings,
    responses(
        (status = 200, description = "The settings", body = CheckinSettings),
        (status = 422, description = "A bad window or a partial location", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/activities/{id}/checkin-settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<CheckinSettings>,
) -> Result<web::Json<CheckinSettings>, AppError> {
    let settings = body.into_inner();
    settings.validate()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (_, organizer) = managed(&mut conn, &actor, id, Permission::RecordAttendance).await?;
    let changes = db::attendance::CheckinChanges {
        checkin_opens_at: Some(settings.opens_at),
        checkin_closes_at: Some(settings.closes_at),
        checkout_enabled: settings.checkout_enabled,
        checkin_latitude: settings.latitude,
        checkin_longitude: settings.longitude,
        checkin_radius_m: settings.radius_m.map(|r| r as i32),
        checkin_step_secs: settings.step_secs as i16,
        checkin_grace_secs: settings.grace_secs as i16,
        projected_code: settings.projected_code,
        personal_code: settings.personal_code,
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        crate::cache::ACTIVITY_WRITES.bump();
        db::attendance::set_checkin(conn, id, &changes).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer.id),
                action: "attendance.settings",
                target_type: "activity",
                target_id: id.to_string(),
                details: serde_json::to_value(&settings).unwrap_or_default(),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = db::attendance::checkin_row(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    Ok(web::Json(settings_of(&row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// `in` (default) or `out`.
    pub kind: Option<CodeKind>,
}

/// The current check-in code
///
/// For the organiser's screen (phone or projector): a signed token for this activity, shown for
/// the activity's step (5–30 s, default 10) and accepted for its grace after that, the
/// scan-page URL carrying it, its QR code as SVG, and the live counts. Fetch again after
/// `refresh_in_ms`. Only inside the check-in window. Permission `record_attendance`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id"), CodeQuery),
    responses(
        (status = 200, description = "The code", body = CheckinCode),
        (status = 409, description = "Outside the check-in window, check-out not taken, or the activity takes personal codes only (`checkin_mode_off`)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/checkin-code")]
pub async fn checkin_code(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, AppError> {
    let kind = query.kind.unwrap_or(CodeKind::In);
    let mut conn = state.db.conn().await?;
    let (row, _) = managed(&mut conn, &actor, *id, Permission::RecordAttendance).await?;
    let now = Utc::now();
    if !row.is_open(now) {
        let (opens, closes) = row.window();
        return Err(AppError::new(
            ErrorCode::CheckinClosed,
            format!(
                "check-in is open from {} to {}",
                opens.with_timezone(&Shanghai).format("%m-%d %H:%M"),
                closes.with_timezone(&Shanghai).format("%m-%d %H:%M")
            ),
        ));
    }
    if kind == CodeKind::In && !row.projected_code {
        return Err(projected_off());
    }
    if kind == CodeKind::Out && !row.checkout_enabled {
        return Err(AppError::new(
            ErrorCode::CheckinClosed,
            "this activity does not take check-out",
        ));
    }
    let millis = now.timestamp_millis();
    let (token, next) = state
        .checkin
        .current(row.id, kind, now.timestamp(), row.timing());
    let base = state.settings.server.public_url.trim_end_matches('/');
    let url = format!("{base}/checkin?t={token}");
    let svg = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .min_dimensions(320, 320)
        .build();
    let (checked_in, checked_out) = db::attendance::counts(&mut conn, row.id).await?;
    let next_step_ms = next * 1000;
    let body = CheckinCode {
        kind,
        token,
        url,
        svg,
        refresh_in_ms: (next_step_ms - millis).max(200) as u64,
        checked_in,
        checked_out,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// A receipt for a scanned code
///
/// The scan page asks for this as soon as it opens, before any sign-in: the answer notes the
/// moment this phone (`device_id`) opened the code, signed. Sent with the check-in (within 15
/// minutes), it makes the check-in measure the code's age at that moment, so a genuine scan
/// survives a slow sign-in while a relayed code, opened late, is refused or flagged. No
/// authentication; nothing is stored.
#[utoipa::path(
    tag = "attendance",
    request_body = ReceiptRequest,
    responses(
        (status = 201, description = "The receipt", body = ScanReceipt),
        (status = 400, description = "No phone id (`device_required`), or a malformed body", body = ApiError),
        (status = 410, description = "The code expired: scan the code on the screen again", body = ApiError),
        (status = 422, description = "Not a genuine code, or a malformed phone id", body = ApiError),
    ),
    security(()),
)]
#[post("/checkin/receipts")]
pub async fn receipt(
    state: web::Data<AppState>,
    body: web::Json<ReceiptRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    let device = shared::checkin::device_id(request.device_id.as_deref())?;
    let now = Utc::now();
    state
        .checkin
        .verify(&request.token, now.timestamp())
        .map_err(|refused| refused.error)?;
    let received_ms = now.timestamp_millis();
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ScanReceipt {
            receipt: state.checkin.receipt(&request.token, device, received_ms),
            received_at: DateTime::from_timestamp_millis(received_ms).unwrap_or(now),
        }))
}

/// Record a scan made signed out
///
/// The scan page, opened by a phone that is not signed in, records the code it scanned while
/// the code is valid, and gets back a token for this browser alone (only its hash is stored)
/// and the activity's title for the sign-in page. Once signed in, the page sends the check-in
/// with `pending`: it is redeemed once, within 3 minutes, from the same phone and for the same
/// code, and the code's age is counted at the moment it was recorded here. At most 60 per
/// client address a minute. No authentication.
#[utoipa::path(
    tag = "attendance",
    request_body = ReceiptRequest,
    responses(
        (status = 201, description = "Recorded: redeem it with the check-in after signing in", body = PendingScan),
        (status = 400, description = "No phone id (`device_required`), or a malformed body", body = ApiError),
        (status = 410, description = "The code expired: scan the code on the screen again", body = ApiError),
        (status = 422, description = "Not a genuine code, or a malformed phone id", body = ApiError),
        (status = 429, description = "Too many scans from this address (`rate_limited`)", body = ApiError),
    ),
    security(()),
)]
#[post("/checkin/pending")]
pub async fn pending_scan(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ReceiptRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    let device = shared::checkin::device_id(request.device_id.as_deref())?;
    let code = state
        .checkin
        .verify(&request.token, Utc::now().timestamp())
        .map_err(|refused| refused.error)?;
    let secret = auth::token::new_refresh_token();
    let token_hash = auth::token::hash_refresh_token(&secret);
    let device_hash = token::device_hash(device);
    let ip = client_ip(&req);
    let mut conn = state.db.conn().await?;
    let row = db::attendance::add_pending(
        &mut conn,
        &db::attendance::NewPendingScan {
            token_hash: &token_hash,
            activity_id: code.activity_id,
            code: request.token.trim(),
            device_id: &device_hash,
            client_ip: &ip,
            minutes: PENDING_SCAN_MINUTES,
            per_minute: PENDING_PER_MINUTE,
        },
    )
    .await?
    .ok_or_else(|| {
        AppError::new(
            ErrorCode::RateLimited,
            "too many scans from this network: wait a minute and scan again",
        )
    })?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PendingScan {
            pending: secret,
            activity_id: code.activity_id,
            activity_title: row.title,
            scanned_at: row.scanned_at,
            expires_at: row.expires_at,
        }))
}

/// Pending scans one client address may record in a minute (a hall behind one NAT included).
const PENDING_PER_MINUTE: i64 = 60;

/// Check in (or out) by scanning
///
/// The student's phone sends the code from the scanned URL, the phone's id (required) and the
/// receipt the scan page got when it opened. Accepted only for the activity the code was made
/// for, while it is accepted (its step plus grace, counted from the receipt when there is one),
/// inside the activity's check-in window, once per student, and from a phone that has not
/// checked in another student. Each refusal says why, and is recorded (reason, address, phone)
/// for the organiser's anomalies.
#[utoipa::path(
    tag = "attendance",
    request_body = CheckinRequest,
    responses(
        (status = 200, description = "Checked in (or out)", body = CheckinResult),
        (status = 400, description = "No phone id (`device_required`), or a malformed body", body = ApiError,
            example = json!({"code": "device_required", "message": "a scan must say which phone sent it (device_id): scan with the app's page", "field": "device_id"})),
        (status = 401, description = "Not signed in, or the session ended", body = ApiError),
        (status = 403, description = "Not a student", body = ApiError),
        (status = 404, description = "The activity does not exist", body = ApiError),
        (status = 409, description = "Check-in closed, already checked in, the phone used for another student, or the activity takes personal codes only (`checkin_mode_off`)", body = ApiError,
            example = json!({"code": "already_checked_in", "message": "already checked in at 14:02"})),
        (status = 410, description = "The code (or its receipt) expired", body = ApiError,
            example = json!({"code": "checkin_code_expired", "message": "this code has expired: scan the code on the screen again"})),
        (status = 422, description = "Not a genuine code or receipt, or a malformed phone id", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/checkin")]
pub async fn check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<CheckinRequest>,
) -> Result<web::Json<CheckinResult>, AppError> {
    // The token's signature here; its session is checked in the statement that records the scan.
    let (student, session_id) = auth::token_claims(&req, &state)?;
    let now = Utc::now();
    let request = body.into_inner();
    let ip = client_ip(&req);
    let device = shared::checkin::device_id(request.device_id.as_deref());
    let device_hash = device.as_ref().ok().map(|d| token::device_hash(d));
    let refuse = async |outcome: &'static str,
                        activity_id: Option<i64>,
                        code_from: Option<i64>,
                        error: AppError|
           -> AppError {
        let Some(activity_id) = activity_id else {
            return error;
        };
        let attempt = db::attendance::Attempt {
            activity_id,
            student_id: student,
            outcome,
            device_id: device_hash.as_deref(),
            client_ip: &ip,
            code_from: code_from.and_then(|s| DateTime::from_timestamp(s, 0)),
        };
        match state.db.conn().await {
            Ok(mut conn) => match db::attendance::record_attempt(&mut conn, &attempt).await {
                Ok(()) => error,
                Err(failure) => failure.into(),
            },
            Err(failure) => failure.into(),
        }
    };
    // A scan recorded while signed out: redeemed once, from the phone that recorded it.
    let pending_at = match (&request.pending, &device) {
        (Some(pending), Ok(device)) => {
            let mut conn = state.db.conn().await?;
            let redeemed = db::attendance::redeem_pending(
                &mut conn,
                &auth::token::hash_refresh_token(pending),
                request.token.trim(),
                &token::device_hash(device),
                student,
            )
            .await?;
            drop(conn);
            match redeemed {
                db::attendance::Redeemed::Scanned(at) => Some(at),
                db::attendance::Redeemed::Stale => {
                    return Err(refuse(
                        "stale_receipt",
                        claimed_activity(&request.token),
                        None,
                        AppError::new(
                            ErrorCode::CheckinCodeExpired,
                            "this scan waited too long or was already used: scan the code on the screen again",
                        ),
                    )
                    .await);
                }
                db::attendance::Redeemed::Unknown => {
                    return Err(refuse(
                        "forged",
                        claimed_activity(&request.token),
                        None,
                        AppError::new(
                            ErrorCode::CheckinCodeInvalid,
                            "this pending scan was not made for this code and phone",
                        ),
                    )
                    .await);
                }
            }
        }
        _ => None,
    };
    // When the phone opened the code: the pending scan's moment, the receipt's, else now.
    let opened_ms = match (pending_at, &request.receipt, &device) {
        (Some(at), _, _) => at.timestamp_millis(),
        (None, Some(given), Ok(device)) => {
            match state.checkin.receipt_time(given, &request.token, device) {
                Some(at) if at <= now.timestamp_millis() + 2000 => {
                    if now.timestamp_millis() - at > token::RECEIPT_TTL_MS {
                        let claimed = claimed_activity(&request.token);
                        return Err(refuse(
                            "stale_receipt",
                            claimed,
                            None,
                            AppError::new(
                                ErrorCode::CheckinCodeExpired,
                                "this scan waited too long: scan the code on the screen again",
                            ),
                        )
                        .await);
                    }
                    at
                }
                _ => {
                    return Err(refuse(
                        "forged",
                        claimed_activity(&request.token),
                        None,
                        AppError::new(
                            ErrorCode::CheckinCodeInvalid,
                            "this receipt was not made for this code and phone",
                        ),
                    )
                    .await);
                }
            }
        }
        _ => now.timestamp_millis(),
    };
    let code = match state
        .checkin
        .verify(&request.token, opened_ms.div_euclid(1000))
    {
        Ok(code) => code,
        Err(refused) => {
            return Err(refuse(
                refused.outcome,
                refused.activity_id,
                refused.from,
                refused.error,
            )
            .await);
        }
    };
    let device = match device {
        Ok(device) => device,
        Err(problem) => {
            return Err(refuse(
                "no_device",
                Some(code.activity_id),
                Some(code.from),
                problem.into(),
            )
            .await);
        }
    };
    let device_hash = token::device_hash(device);
    if code.kind == CodeKind::Out {
        let actor = Actor::extract(&req).await?;
        return check_out(&state, &actor, code.activity_id, now).await;
    }
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect::<String>());
    let lag = opened_ms - code.from * 1000;
    // A redeemed pending scan counts at the moment it was recorded.
    let at = pending_at.unwrap_or(now);
    let scan = db::attendance::Scan {
        session_id,
        student_id: student,
        activity_id: code.activity_id,
        at,
        device_id: Some(device_hash.clone()),
        client_ip: ip.clone(),
        user_agent,
        code_lag_ms: lag.clamp(0, i64::from(i32::MAX)) as i32,
        code_from: DateTime::from_timestamp(code.from, 0).unwrap_or(now),
        latitude: request.latitude,
        longitude: request.longitude,
    };
    // Written with the scans that arrive with it, in one statement (see `coalesce`).
    let found = state.scans.scan_in(scan).await?;
    auth::admit(found.session_ended.map(|ended| auth::SessionState {
        ended,
        active: found.active.unwrap_or(false),
        must_change_password: found.must_change_password.unwrap_or(false),
    }))?;
    if found.kind.as_deref() != Some(AccountKind::Student.as_str()) {
        return Err(refuse(
            "not_a_student",
            Some(code.activity_id),
            Some(code.from),
            not_a_student(),
        )
        .await);
    }
    let title = found.title.ok_or_else(|| AppError::not_found("activity"))?;
    if found.open != Some(true) {
        return Err(refuse(
            "closed",
            Some(code.activity_id),
            Some(code.from),
            checkin_closed(),
        )
        .await);
    }
    if found.projected == Some(false) {
        return Err(refuse(
            "mode_off",
            Some(code.activity_id),
            Some(code.from),
            projected_off(),
        )
        .await);
    }
    if found.device_used {
        return Err(refuse(
            "device_used",
            Some(code.activity_id),
            Some(code.from),
            AppError::new(
                ErrorCode::DeviceAlreadyUsed,
                "this phone already checked in another student: each student scans with their own phone",
            ),
        )
        .await);
    }
    if !found.inserted {
        return Err(AppError::new(
            ErrorCode::AlreadyCheckedIn,
            "you are already checked in for this activity",
        ));
    }
    Ok(web::Json(CheckinResult {
        activity_id: code.activity_id,
        activity_title: title,
        kind: CodeKind::In,
        at,
        registered: found.registered,
    }))
}

/// The activity a code names, genuine or not.
fn claimed_activity(token: &str) -> Option<i64> {
    token.trim().split('.').next()?.parse().ok()
}

/// The 409 of the projected code of an activity that takes personal codes only.
fn projected_off() -> AppError {
    AppError::new(
        ErrorCode::CheckinModeOff,
        "this activity takes personal codes only: show your own check-in code (我的签到码) to the organiser",
    )
}

/// The 409 of a scan outside the activity's check-in window.
fn checkin_closed() -> AppError {
    AppError::new(
        ErrorCode::CheckinClosed,
        "this activity is not taking check-ins now",
    )
}

/// A scan of the check-out code: the student's check-in gets its check-out time, once.
async fn check_out(
    state: &AppState,
    actor: &Actor,
    activity_id: i64,
    now: DateTime<Utc>,
) -> Result<web::Json<CheckinResult>, AppError> {
    require_student(actor)?;
    let mut conn = state.db.conn().await?;
    let row = db::attendance::checkin_row(&mut conn, activity_id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    if !row.is_open(now) {
        return Err(checkin_closed());
    }
    let student = actor.account_id;
    match db::attendance::check_out(&mut conn, row.id, student, now).await? {
        Some(true) => {
            let registered = db::attendance::is_registered(&mut conn, row.id, student).await?;
            Ok(web::Json(CheckinResult {
                activity_id: row.id,
                activity_title: row.title,
                kind: CodeKind::Out,
                at: now,
                registered,
            }))
        }
        Some(false) => Err(AppError::new(
            ErrorCode::AlreadyCheckedIn,
            "you are already checked out",
        )),
        None => Err(AppError::new(
            ErrorCode::CheckinClosed,
            "check in first: you have no check-in for this activity",
        )),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
    /// For a screen the hall can see (the projected code's list of arrivals): student numbers
    /// masked as on the leaderboard (`2023****01`), so the full number never reaches it.
    pub masked: Option<bool>,
}

/// Who is checked in
///
/// Newest first, with how each check-in was made; `total` is the live count. With `masked`,
/// student numbers are masked as on the leaderboard, for the projector. Permission
/// `record_attendance` over the organiser.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id"), ListQuery),
    responses((status = 200, description = "One page", body = Page<AttendanceRecord>), (status = 403, description = "Permission missing", body = ApiError)),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/attendance")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Page<AttendanceRecord>>, AppError> {
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let (row, _) = managed(&mut conn, &actor, *id, Permission::RecordAttendance).await?;
    let (total, _) = db::attendance::counts(&mut conn, row.id).await?;
    let mut items = db::attendance::list(&mut conn, row.id, page.offset(), page.limit()).await?;
    if query.masked == Some(true) {
        for item in &mut items {
            item.student_no = shared::points::mask_student_no(&item.student_no);
        }
    }
    Ok(web::Json(Page::new(items, page, u64::from(total))))
}

/// Anomalies of the check-ins
///
/// One phone for several students; bursts from one network address (outside the school's
/// trusted campus networks) or one phone within the school's sliding window; each student's
/// refused scans with counts per reason; one code presented late by several phones (a relay);
/// codes scanned after they were replaced; check-ins without a place or far from it. Signals
/// for the organiser, not verdicts. Permission `record_attendance`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "Newest first (one page of at most 500)", body = Page<Anomaly>),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such activity in sight", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/attendance/anomalies")]
pub async fn anomalies(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Page<Anomaly>>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, _) = managed(&mut conn, &actor, *id, Permission::RecordAttendance).await?;
    let late_after = row.timing().late_after_ms().clamp(0, i64::from(i32::MAX)) as i32;
    let rows =
        db::attendance::anomalies(&mut conn, row.id, row.checkin_radius_m, late_after).await?;
    let policy = db::school::checkin_policy(&mut conn).await?;
    let marks = db::attendance::scan_marks(&mut conn, row.id).await?;
    drop(conn);
    let mut items: Vec<Anomaly> = rows
        .into_iter()
        .filter_map(|r| {
            let kind = match r.kind.as_str() {
                "shared_device" => AnomalyKind::SharedDevice,
                "refused" => AnomalyKind::Refused,
                "relayed_code" => AnomalyKind::RelayedCode,
                "late_scan" => AnomalyKind::LateScan,
                "unregistered" => AnomalyKind::Unregistered,
                "far_away" => AnomalyKind::FarAway,
                "device_changed" => AnomalyKind::DeviceChanged,
                _ => return None,
            };
            Some(Anomaly {
                kind,
                at: r.at,
                students: r.students,
                detail: r.detail,
            })
        })
        .collect();
    let by_address: Vec<Mark> = marks
        .iter()
        .filter(|m| m.accepted)
        .filter_map(|m| {
            let ip = m.client_ip.as_deref()?;
            (!policy.trusts(ip)).then_some(Mark {
                key: ip,
                at: m.at,
                student: &m.student_no,
            })
        })
        .collect();
    let by_device: Vec<Mark> = marks
        .iter()
        .filter_map(|m| {
            Some(Mark {
                key: m.device_id.as_deref()?,
                at: m.at,
                student: &m.student_no,
            })
        })
        .collect();
    let window = policy.window_secs;
    for burst in bursts(&by_address, window, policy.per_address) {
        items.push(Anomaly {
            kind: AnomalyKind::Burst,
            at: burst.from,
            detail: format!(
                "{} check-ins from {} within {} s",
                burst.scans,
                burst.key,
                (burst.to - burst.from).num_seconds().max(0)
            ),
            students: burst.students,
        });
    }
    for burst in bursts(&by_device, window, policy.per_device) {
        items.push(Anomaly {
            kind: AnomalyKind::DeviceBurst,
            at: burst.from,
            detail: format!(
                "{} scans from phone {} within {} s",
                burst.scans,
                &burst.key[..burst.key.len().min(8)],
                (burst.to - burst.from).num_seconds().max(0)
            ),
            students: burst.students,
        });
    }
    items.sort_by_key(|a| std::cmp::Reverse(a.at));
    items.truncate(500);
    let total = items.len() as u64;
    Ok(web::Json(Page {
        items,
        page: 1,
        per_page: 500,
        total,
    }))
}

/// Record a student by number
///
/// During the activity (a student without a phone): `manual`. After it ended, within 5 working
/// days (weekends, holidays and 调休 counted by the school calendar): a make-up with a reason.
/// Later than that answers `deadline_passed`: file a back-fill request for the level above.
/// Permission `record_attendance`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = ManualAttendance,
    responses(
        (status = 201, description = "Recorded", body = AttendanceRecord),
        (status = 404, description = "No such student", body = ApiError),
        (status = 409, description = "Already checked in, not yet open, or the make-up window passed", body = ApiError,
            example = json!({"code": "deadline_passed", "message": "the make-up window closed on 2026-10-13: ask the level above (POST /api/activities/{id}/attendance-requests)"})),
        (status = 422, description = "A make-up needs a reason", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/attendance")]
pub async fn record(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ManualAttendance>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let (row, organizer) = managed(&mut conn, &actor, id, Permission::RecordAttendance).await?;
    if row.status != "published" {
        return Err(AppError::new(
            ErrorCode::CheckinClosed,
            "only a published activity takes attendance",
        ));
    }
    let (student, _) = db::attendance::student_by_number(&mut conn, &request.student_no)
        .await?
        .ok_or_else(|| {
            AppError::from(
                ApiError::new(ErrorCode::NotFound, "no such student").with_field("student_no"),
            )
        })?;
    let now = Utc::now();
    let (opens, _) = row.window();
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let method = if now < opens {
        return Err(AppError::new(
            ErrorCode::CheckinClosed,
            "the activity has not opened check-in yet",
        ));
    } else if now < row.ends_at {
        AttendanceMethod::Manual
    } else {
        let deadlines = deadlines_of(&mut conn, &row).await?;
        if shanghai_date(now) > deadlines.makeup_until {
            return Err(AppError::new(
                ErrorCode::DeadlinePassed,
                format!(
                    "the make-up window closed on {}: ask the level above (POST /api/activities/{id}/attendance-requests)",
                    deadlines.makeup_until
                ),
            ));
        }
        if reason.is_none() {
            return Err(
                ApiError::invalid("reason", "a make-up after the activity needs a reason").into(),
            );
        }
        AttendanceMethod::Makeup
    };
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid("reason", "at most 500 characters").into());
    }
    let registered = db::attendance::is_registered(&mut conn, id, student).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let new = db::attendance::NewAttendance {
            activity_id: id,
            student_id: student,
            checked_in_at: now,
            method: method.as_str(),
            device_id: None,
            client_ip: None,
            user_agent: None,
            code_lag_ms: None,
            distance_m: None,
            registered,
            recorded_by: Some(actor.account_id),
            reason,
        };
        if !db::attendance::check_in(conn, &new).await? {
            return Err(AppError::new(ErrorCode::AlreadyCheckedIn, "the student is already checked in"));
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer.id),
                action: "attendance.record",
                target_type: "activity",
                target_id: id.to_string(),
                details: json!({"student_no": request.student_no, "method": method.as_str(), "reason": reason}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let record = db::attendance::list(&mut conn, id, 0, 1000)
        .await?
        .into_iter()
        .find(|r| r.student_id == student)
        .ok_or_else(|| AppError::Internal("attendance vanished".into()))?;
    Ok(HttpResponse::Created().json(record))
}

/// Deadlines of an activity
///
/// The make-up window (5 working days after the end) and, for competitions and volunteer
/// service, the recognition deadline (10 working days) with the working days left — counted
/// on the school's calendar in Asia/Shanghai. Permission `record_attendance` or
/// `recognise_results`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The deadlines", body = Deadlines)),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/deadlines")]
pub async fn get_deadlines(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Deadlines>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, _) = match managed(&mut conn, &actor, *id, Permission::RecordAttendance).await {
        Ok(found) => found,
        Err(_) => managed(&mut conn, &actor, *id, Permission::RecogniseResults).await?,
    };
    Ok(web::Json(deadlines_of(&mut conn, &row).await?))
}
