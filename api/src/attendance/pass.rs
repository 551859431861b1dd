//! Personal check-in codes (个人签到码, [`shared::pass`]): a student's phone registers the public
//! half of its key; the organiser's phone downloads the roster with the keys, scans codes
//! offline and syncs its queue here, where every scan is checked again and answered once.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use shared::{
    ApiError, ErrorCode,
    auth::Permission,
    pass::{
        CheckinKey, Code, QueuedScan, RegisterKey, STEP_SECS, ScanBatch, ScanOutcome, ScanResult,
        ScanSync, ScannerPack, TOLERANCE_SECS, WINDOW_TOLERANCE_SECS,
    },
};

use super::token;
use crate::{
    AppState,
    activities::{require_student, visible},
    auth::Actor,
    db::{
        self,
        attendance::CheckinRow,
        audit::Change,
        passes::{Decided, KeyRow, Registered},
    },
    error::AppError,
};

fn key_of(row: KeyRow, limit: u32) -> CheckinKey {
    CheckinKey {
        key_id: row.id,
        public_key: shared::pass::hex(&row.public_key),
        created_at: row.created_at,
        device_changes: row.device_changes.max(0) as u32,
        device_change_limit: limit,
        step_secs: STEP_SECS as u32,
        server_time: Utc::now(),
    }
}

/// Register my phone's check-in key
///
/// The student's phone makes an Ed25519 key pair, keeps the secret half and registers the
/// public half here, right after signing in; from then on it shows its personal code (a
/// signature over the key id and the 5-second step) with no network. The key is bound to this
/// session and phone: registering from another phone replaces the old phone's key (its codes
/// stop counting) and is a device change, allowed a few times a term by the school's policy
/// (`device_changes_per_term`), then refused with 409 `device_change_limit`; registering again
/// from the same phone only rotates the key. Signing out (or out everywhere) ends the key.
/// Students only.
#[utoipa::path(
    tag = "attendance",
    request_body = RegisterKey,
    responses(
        (status = 200, description = "The key, with the term's device changes", body = CheckinKey),
        (status = 409, description = "A new phone, and the term's device changes are used up (`device_change_limit`)", body = ApiError,
            example = json!({"code": "device_change_limit", "message": "your check-in code has moved to another phone 3 times this term, the most the school allows: ask your college's Youth League committee"})),
    ),
    security(("bearer" = [])),
)]
#[put("/me/checkin-key")]
pub async fn put_key(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<RegisterKey>,
) -> Result<web::Json<CheckinKey>, AppError> {
    require_student(&actor)?;
    let request = body.into_inner();
    let device = shared::checkin::device_id(Some(&request.device_id))?;
    let public_key = request.key()?;
    let device_hash = token::device_hash(device);
    let mut conn = state.db.conn().await?;
    let limit = db::school::checkin_policy(&mut conn)
        .await?
        .device_changes_per_term;
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let row = match db::passes::register_key(
                conn,
                actor.account_id,
                actor.session_id,
                &device_hash,
                &public_key,
                limit,
            )
            .await?
            {
                Registered::Key(row) => row,
                Registered::LimitReached(changes) => {
                    return Err(AppError::new(
                        ErrorCode::DeviceChangeLimit,
                        format!(
                            "your check-in code has moved to another phone {changes} times this term, the most the school allows: ask your college's Youth League committee"
                        ),
                    ));
                }
            };
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(actor.org.id),
                    action: "checkin_key.register",
                    target_type: "checkin_key",
                    target_id: row.id.to_string(),
                    details: json!({
                        "device": &device_hash[..12],
                        "device_changes": row.device_changes,
                    }),
                },
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(key_of(row, limit)))
}

/// My phone's check-in key
///
/// The live key: 404 when there is none — never registered, replaced by another phone, or its
/// session signed out. The phone compares `key_id` with its own to know whether its codes
/// still count. Students only.
#[utoipa::path(
    tag = "attendance",
    responses((status = 200, description = "The live key", body = CheckinKey)),
    security(("bearer" = [])),
)]
#[get("/me/checkin-key")]
pub async fn get_key(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<CheckinKey>, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    let row = db::passes::live_key(&mut conn, actor.account_id)
        .await?
        .ok_or_else(|| AppError::not_found("check-in key"))?;
    let limit = db::school::checkin_policy(&mut conn)
        .await?
        .device_changes_per_term;
    Ok(web::Json(key_of(row, limit)))
}

/// Remove my check-in key
///
/// The phone's codes stop counting at once (e.g. before handing the phone on). Students only.
#[utoipa::path(
    tag = "attendance",
    responses((status = 204, description = "Removed (or there was none)")),
    security(("bearer" = [])),
)]
#[delete("/me/checkin-key")]
pub async fn delete_key(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    require_student(&actor)?;
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if db::passes::remove_key(conn, actor.account_id).await? {
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(actor.org.id),
                    action: "checkin_key.remove",
                    target_type: "account",
                    target_id: actor.account_id.to_string(),
                    details: json!({}),
                },
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The activity for a scanner: an account with `record_attendance` over the organiser, or an
/// instructor of the activity.
async fn scanner(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<(CheckinRow, String, i64), AppError> {
    let (activity, organizer) = visible(conn, actor, id).await?;
    if !activity.instructor_ids.contains(&actor.account_id) {
        actor.require_within(Permission::RecordAttendance, &organizer.path)?;
    }
    let row = db::attendance::checkin_row(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    let place = activity.place;
    Ok((row, place, organizer.id))
}

/// The scanner's roster
///
/// What the organiser's phone keeps to scan personal codes with no network: the activity's
/// check-in window, the students with a confirmed place (number, name, college, class, already
/// checked in) and the public keys their codes are verified with, and the server's clock.
/// Download it before the activity; the phone verifies each code against it, queues the scans
/// and sends them to `POST /api/activities/{id}/scans` when it can. For accounts with
/// `record_attendance` over the organiser and the activity's instructors.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The roster", body = ScannerPack)),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/scanner")]
pub async fn pack(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<ScannerPack>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, place, _) = scanner(&mut conn, &actor, *id).await?;
    let (opens_at, closes_at) = row.window();
    let since = opens_at - Duration::seconds(WINDOW_TOLERANCE_SECS);
    let students = db::passes::roster(&mut conn, row.id, since).await?;
    Ok(web::Json(ScannerPack {
        activity_id: row.id,
        title: row.title,
        place: Some(place).filter(|p| !p.trim().is_empty()),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        opens_at,
        closes_at,
        personal_code: row.personal_code,
        step_secs: STEP_SECS as u32,
        tolerance_secs: TOLERANCE_SECS as u32,
        window_tolerance_secs: WINDOW_TOLERANCE_SECS as u32,
        server_time: Utc::now(),
        students,
    }))
}

/// Sync scanned codes
///
/// The organiser's phone sends the scans it queued (1–1000 at a time; codes read, or student
/// numbers typed in), each with the id it made and the time it scanned. Each is checked as the
/// phone did and with what only the server knows: a genuine code of a live key (a code shown
/// before its key was replaced still counts), shown within 20 s of the recorded time, recorded
/// inside the check-in window (± 2 minutes) and not in the future, of a student with a
/// confirmed place, from a phone that has not checked in another student here; a student is
/// checked in once (`duplicate` after). A scan sent again — a retry, an overlapping batch —
/// answers as it did the first time and counts once. Refused scans are kept with their reason
/// among the anomalies. For accounts with `record_attendance` over the organiser and the
/// activity's instructors.
#[utoipa::path(
    tag = "attendance",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = ScanBatch,
    responses((status = 200, description = "Each scan's result, in the order sent", body = ScanSync)),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/scans")]
pub async fn sync(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ScanBatch>,
) -> Result<web::Json<ScanSync>, AppError> {
    let batch = body.into_inner();
    batch.validate()?;
    let scanner_device = token::device_hash(batch.device_id.trim());
    let mut conn = state.db.conn().await?;
    let (row, _, organizer_id) = scanner(&mut conn, &actor, *id).await?;

    let ids: Vec<uuid::Uuid> = batch.scans.iter().map(|s| s.id).collect();
    let before: HashMap<uuid::Uuid, ScanResult> = db::passes::stored_scans(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, stored_result(s)))
        .collect();
    let mut seen = HashSet::new();
    let fresh: Vec<&QueuedScan> = batch
        .scans
        .iter()
        .filter(|s| !before.contains_key(&s.id) && seen.insert(s.id))
        .collect();
    let mut decided = decide(&mut conn, &row, &fresh).await?;

    let mut outcomes: HashMap<&'static str, u32> = HashMap::new();
    for scan in &decided {
        *outcomes.entry(scan.outcome.as_str()).or_default() += 1;
    }
    let stored = conn
        .transaction::<_, AppError, _>(async |conn| {
            let stored = db::passes::record(
                conn,
                row.id,
                actor.account_id,
                &scanner_device,
                &mut decided,
            )
            .await?;
            if !stored.is_empty() {
                db::audit::record(
                    conn,
                    Some(actor.account_id),
                    Change {
                        organization_id: Some(organizer_id),
                        action: "attendance.scans",
                        target_type: "activity",
                        target_id: row.id.to_string(),
                        details: json!({
                            "scanner": &scanner_device[..12],
                            "sent": batch.scans.len(),
                            "stored": stored.len(),
                            "accepted": decided.iter().filter(|d| d.outcome == ScanOutcome::Accepted).count(),
                            "outcomes": outcomes,
                        }),
                    },
                )
                .await?;
            }
            Ok(stored)
        })
        .await?;
    let stored: HashSet<uuid::Uuid> = stored.into_iter().collect();

    // Scans another sync stored meanwhile answer as it did.
    let raced: Vec<uuid::Uuid> = decided
        .iter()
        .filter(|d| !stored.contains(&d.id))
        .map(|d| d.id)
        .collect();
    let mut answers = before;
    if !raced.is_empty() {
        for scan in db::passes::stored_scans(&mut conn, &raced).await? {
            answers.insert(scan.id, stored_result(scan));
        }
    }
    let names = names_of(&mut conn, &decided).await?;
    let mut accepted = 0;
    for scan in decided.iter().filter(|d| stored.contains(&d.id)) {
        if scan.outcome == ScanOutcome::Accepted {
            accepted += 1;
        }
        let (student_no, student_name) = scan
            .student_id
            .and_then(|id| names.get(&id).cloned())
            .map_or((scan.student_no.clone(), None), |(no, name)| {
                (Some(no), Some(name))
            });
        answers.insert(
            scan.id,
            ScanResult {
                id: scan.id,
                outcome: scan.outcome,
                student_no,
                student_name,
                scanned_at: scan.scanned_at,
            },
        );
    }
    let results = batch
        .scans
        .iter()
        .filter_map(|s| answers.get(&s.id).cloned())
        .collect();
    let (checked_in, _) = db::attendance::counts(&mut conn, row.id).await?;
    Ok(web::Json(ScanSync {
        results,
        accepted,
        checked_in,
    }))
}

fn stored_result(scan: db::passes::StoredScan) -> ScanResult {
    ScanResult {
        id: scan.id,
        outcome: ScanOutcome::parse(&scan.outcome).unwrap_or(ScanOutcome::InvalidCode),
        student_no: scan.student_no,
        student_name: scan.student_name,
        scanned_at: scan.scanned_at,
    }
}

/// Numbers and names of the students the scans name.
async fn names_of(
    conn: &mut AsyncPgConnection,
    scans: &[Decided],
) -> Result<HashMap<i64, (String, String)>, AppError> {
    let ids: Vec<i64> = scans.iter().filter_map(|s| s.student_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(db::passes::students(conn, 0, &ids, &[])
        .await?
        .into_iter()
        .map(|s| (s.id, (s.student_no, s.name)))
        .collect())
}

/// Decides each new scan by the rules, in the order sent (so the first scan of a student is
/// the one that checks them in).
async fn decide(
    conn: &mut AsyncPgConnection,
    row: &CheckinRow,
    scans: &[&QueuedScan],
) -> Result<Vec<Decided>, AppError> {
    let now = Utc::now();
    let codes: Vec<Option<Code>> = scans
        .iter()
        .map(|s| s.code.as_deref().and_then(Code::parse))
        .collect();
    let key_ids: Vec<i64> = codes.iter().flatten().map(|c| c.key_id).collect();
    let keys: HashMap<i64, db::passes::ScanKey> = if key_ids.is_empty() {
        HashMap::new()
    } else {
        db::passes::keys(conn, &key_ids)
            .await?
            .into_iter()
            .map(|k| (k.id, k))
            .collect()
    };
    let numbers: Vec<String> = scans
        .iter()
        .filter_map(|s| s.student_no.as_deref())
        .map(|n| n.trim().to_lowercase())
        .collect();
    let student_ids: Vec<i64> = keys.values().map(|k| k.student_id).collect();
    let students = db::passes::students(conn, row.id, &student_ids, &numbers).await?;
    let by_id: HashMap<i64, &db::passes::ScanStudent> =
        students.iter().map(|s| (s.id, s)).collect();
    let by_no: HashMap<String, &db::passes::ScanStudent> = students
        .iter()
        .map(|s| (s.student_no.to_lowercase(), s))
        .collect();
    let devices: Vec<String> = keys.values().map(|k| k.device_id.clone()).collect();
    let mut device_owner: HashMap<String, HashSet<i64>> = HashMap::new();
    for (device, student) in db::passes::used_devices(conn, row.id, &devices).await? {
        device_owner.entry(device).or_default().insert(student);
    }

    let (opens, closes) = row.window();
    let tolerance = Duration::seconds(WINDOW_TOLERANCE_SECS);
    let open = row.status == "published" && row.recognized_at.is_none();
    let mut checked: HashSet<i64> = HashSet::new();
    let mut decided = Vec::with_capacity(scans.len());
    for (scan, code) in scans.iter().zip(codes) {
        let at = scan.scanned_at;
        let mut out = Decided {
            id: scan.id,
            student_id: None,
            key_id: None,
            code_step: None,
            student_no: scan.student_no.as_ref().map(|n| n.trim().to_owned()),
            scanned_at: at,
            outcome: ScanOutcome::InvalidCode,
            device_id: None,
            registered: false,
            code_lag_ms: None,
        };
        let student = if scan.code.is_some() {
            let key = code.as_ref().and_then(|c| keys.get(&c.key_id));
            let (Some(code), Some(key)) = (code, key) else {
                decided.push(out);
                continue;
            };
            out.student_id = Some(key.student_id);
            out.key_id = Some(key.id);
            out.code_step = Some(code.step);
            out.device_id = Some(key.device_id.clone());
            out.code_lag_ms = Some(
                (at - code.shown_at())
                    .num_milliseconds()
                    .clamp(0, 3_600_000) as i32,
            );
            let signed = <[u8; 32]>::try_from(key.public_key.as_slice())
                .is_ok_and(|k| code.is_signed_by(&k));
            out.outcome = if !row.personal_code {
                ScanOutcome::ModeOff
            } else if !signed || at + Duration::seconds(TOLERANCE_SECS) < key.valid_from {
                ScanOutcome::InvalidCode
            } else if !code.fresh_at(at) {
                ScanOutcome::ExpiredCode
            } else if key.valid_until.is_some_and(|until| at >= until) {
                ScanOutcome::RevokedKey
            } else {
                ScanOutcome::Accepted
            };
            if out.outcome != ScanOutcome::Accepted {
                decided.push(out);
                continue;
            }
            by_id.get(&key.student_id).copied()
        } else {
            let no = out.student_no.clone().unwrap_or_default().to_lowercase();
            by_no.get(&no).copied()
        };
        let Some(student) = student else {
            out.outcome = ScanOutcome::UnknownStudent;
            decided.push(out);
            continue;
        };
        out.student_id = Some(student.id);
        out.registered = student.registered;
        let in_window = at >= opens - tolerance && at < closes + tolerance;
        let future = at > now + Duration::minutes(2);
        let device_taken = out.device_id.as_ref().is_some_and(|d| {
            device_owner
                .get(d)
                .is_some_and(|owners| owners.iter().any(|o| *o != student.id))
        });
        out.outcome = if !student.registered {
            ScanOutcome::NotRegistered
        } else if !open || !in_window || future {
            ScanOutcome::OutOfWindow
        } else if device_taken {
            ScanOutcome::DeviceUsed
        } else if !checked.insert(student.id) {
            ScanOutcome::Duplicate
        } else {
            ScanOutcome::Accepted
        };
        if out.outcome == ScanOutcome::Accepted
            && let Some(device) = &out.device_id
        {
            device_owner
                .entry(device.clone())
                .or_default()
                .insert(student.id);
        }
        decided.push(out);
    }
    Ok(decided)
}
