//! Results recognition (成绩认定): the organiser records each participant's outcome after the
//! activity — attendance, hours, role, award — by hand or from a spreadsheet, then finalises
//! before the working-day deadline. These recognised facts are what points are derived from.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, put, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    attendance::{
        Award, AwardLevel, FinalizeRequest, OverdueActivity, ParticipantRole, RecognitionGround,
        RecognitionRequest, ResultInput, ResultRecord, UploadReport, UploadRow,
        recognition_grounds,
    },
    auth::Permission,
    page::{PageParams, PageRequest},
    people::RowError,
};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    attendance::{calendar_from, managed, shanghai_date},
    auth::Actor,
    db::{self, attendance::CheckinRow, audit::Change},
    error::AppError,
    imports::sheet::{self, Format},
};

/// `PUT /api/activities/{id}/results`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResultsInput {
    pub results: Vec<ResultInput>,
}

const MAX_ROWS: usize = 20_000;

/// The activity may be recognised now: published, ended, not finalised.
fn check_recognisable(row: &CheckinRow) -> Result<(), AppError> {
    if row.status != "published" {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "only a published activity has results",
        ));
    }
    if Utc::now() < row.ends_at {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the activity has not ended yet",
        ));
    }
    if row.recognized_at.is_some() {
        return Err(finalised());
    }
    Ok(())
}

fn awaiting_approval() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "the results wait for the level above to approve their back-fill: no changes until it decides",
    )
}

fn finalised() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "the results were finalised; corrections go through a back-fill",
    )
}

/// What a row naming a student who neither signed up nor checked in is told.
const NOT_A_PARTICIPANT: &str = "this student neither signed up nor checked in: give a back-fill reason (backfill_reason, 补录原因) for the level above to approve";

/// Resolves student numbers and checks every row; the first problem names `results[i].…`. A
/// row may name only a participant (a confirmed place or a check-in) unless it gives a
/// back-fill reason; a participant's back-fill reason is dropped (nothing to approve).
async fn resolve(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    rows: &[ResultInput],
) -> Result<Vec<(i64, ResultInput)>, AppError> {
    if rows.len() > MAX_ROWS {
        return Err(ApiError::invalid("results", format!("at most {MAX_ROWS} rows")).into());
    }
    let participants = db::results::participants(conn, activity_id).await?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        row.validate(i)?;
        let (id, _) = db::attendance::student_by_number(conn, &row.student_no)
            .await?
            .ok_or_else(|| {
                AppError::from(ApiError::invalid(
                    format!("results[{i}].student_no"),
                    "no such student",
                ))
            })?;
        if !seen.insert(id) {
            return Err(ApiError::invalid(
                format!("results[{i}].student_no"),
                "the student appears twice",
            )
            .into());
        }
        let mut row = row.clone();
        if participants.contains(&id) {
            row.backfill_reason = None;
        } else if row.backfill_reason.is_none() {
            return Err(
                ApiError::invalid(format!("results[{i}].student_no"), NOT_A_PARTICIPANT).into(),
            );
        }
        out.push((id, row));
    }
    Ok(out)
}

async fn store(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    row: &CheckinRow,
    organizer_id: i64,
    rows: Vec<(i64, ResultInput)>,
    source: &str,
) -> Result<(), AppError> {
    let count = rows.len();
    conn.transaction::<_, AppError, _>(async |conn| {
        // Serialised with the finalisation: results written here either precede it (and become
        // points) or see it and are refused.
        if db::activities::lock_recognised_at(conn, row.id)
            .await?
            .is_some()
        {
            return Err(finalised());
        }
        if db::recognition_requests::pending_for(conn, row.id)
            .await?
            .is_some()
        {
            return Err(awaiting_approval());
        }
        db::results::upsert(conn, row.id, &rows, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer_id),
                action: "results.record",
                target_type: "activity",
                target_id: row.id.to_string(),
                details: json!({"rows": count, "source": source}),
            },
        )
        .await?;
        Ok(())
    })
    .await
}

/// An activity's results
///
/// Permission `recognise_results` over the organiser.
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "Every recognised row (one page)", body = Page<ResultRecord>)),
    security(("bearer" = [])),
)]
#[get("/activities/{id}/results")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<Page<ResultRecord>>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, _) = managed(&mut conn, &actor, *id, Permission::RecogniseResults).await?;
    let items = db::results::list(&mut conn, row.id).await?;
    let total = items.len() as u64;
    Ok(web::Json(Page {
        page: 1,
        per_page: total.max(1) as u32,
        total,
        items,
    }))
}

/// Record results
///
/// Adds or replaces the rows given (one per student): attended or absent, hours (default:
/// check-in to check-out), role, award and its level. A row may name only a student who signed
/// up (a confirmed place) or checked in; anyone else needs `backfill_reason`, and makes the
/// finalisation a back-fill the level above approves. All rows or none: the first bad one is a
/// 422 naming `results[i].<field>`. After the activity ended and before it is finalised (or
/// while its back-fill waits for approval). Permission `recognise_results`.
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "Activity id")),
    request_body = ResultsInput,
    responses(
        (status = 200, description = "Every recognised row now", body = Page<ResultRecord>),
        (status = 409, description = "Not ended, finalised, or its back-fill awaits approval", body = ApiError),
        (status = 422, description = "A bad row, or a student who did not take part without a back-fill reason", body = ApiError,
            example = json!({"code": "validation_failed", "message": "an award needs its level, and a level its award", "field": "results[2].award_level"})),
    ),
    security(("bearer" = [])),
)]
#[put("/activities/{id}/results")]
pub async fn record(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ResultsInput>,
) -> Result<web::Json<Page<ResultRecord>>, AppError> {
    let mut conn = state.db.conn().await?;
    let (row, organizer) = managed(&mut conn, &actor, *id, Permission::RecogniseResults).await?;
    check_recognisable(&row)?;
    let rows = resolve(&mut conn, row.id, &body.results).await?;
    store(&mut conn, &actor, &row, organizer.id, rows, "form").await?;
    let items = db::results::list(&mut conn, row.id).await?;
    let total = items.len() as u64;
    Ok(web::Json(Page {
        page: 1,
        per_page: total.max(1) as u32,
        total,
        items,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    pub file_name: Option<String>,
    /// Only report; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn normalise(header: &str) -> String {
    header
        .split(['(', '（'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "出勤" | "到" | "y" | "yes" | "true" | "1" | "attended" => Some(true),
        "否" | "缺勤" | "未到" | "n" | "no" | "false" | "0" | "absent" => Some(false),
        _ => None,
    }
}

fn role_of(text: &str) -> Option<ParticipantRole> {
    ParticipantRole::parse(text).or(match text.trim() {
        "队长" | "负责人" | "组长" => Some(ParticipantRole::Leader),
        "队员" | "成员" | "组员" => Some(ParticipantRole::Member),
        "参与者" | "个人" => Some(ParticipantRole::Participant),
        _ => None,
    })
}

fn award_of(text: &str) -> Option<Award> {
    Award::parse(text).or(match text.trim() {
        "一等奖" | "金奖" => Some(Award::First),
        "二等奖" | "银奖" => Some(Award::Second),
        "三等奖" | "铜奖" => Some(Award::Third),
        "优秀奖" | "鼓励奖" => Some(Award::Honourable),
        "参与奖" | "参赛" => Some(Award::Participation),
        _ => None,
    })
}

fn level_of(text: &str) -> Option<AwardLevel> {
    AwardLevel::parse(text).or(match text.trim() {
        "院级" => Some(AwardLevel::College),
        "校级" => Some(AwardLevel::School),
        "省级" => Some(AwardLevel::Province),
        "国家级" => Some(AwardLevel::National),
        _ => None,
    })
}

/// Upload results from a spreadsheet
///
/// A .xlsx or .csv with the columns 学号, 是否出勤, 时长, 角色, 奖项, 奖项级别, 备注, 成果, 补录原因
/// (or their English names); a student who did not take part needs a 补录原因. Answers a per-row report; the rows are recorded only when every one is good — a bad
/// file changes nothing. `dry_run=true` only reports. Permission `recognise_results`.
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "Activity id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The file's bytes (CSV or XLSX)"),
    responses(
        (status = 200, description = "The report; `applied` says whether anything was written", body = UploadReport),
        (status = 409, description = "Not ended, or finalised", body = ApiError),
        (status = 413, description = "Larger than 5 MB", body = ApiError),
        (status = 422, description = "The file cannot be read", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("")]
pub async fn upload(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<UploadQuery>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<web::Json<UploadReport>, AppError> {
    let bytes = crate::imports::uploaded(body)?;
    let mut conn = state.db.conn().await?;
    let (row, organizer) = managed(&mut conn, &actor, *id, Permission::RecogniseResults).await?;
    check_recognisable(&row)?;
    let invalid = |message: String| AppError::from(ApiError::new(ErrorCode::InvalidFile, message));
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format: Format = Format::detect(
        &bytes,
        content_type,
        query.file_name.as_deref().unwrap_or_default(),
    )
    .map_err(|e| invalid(e.0))?;
    let sheet = web::block(move || sheet::read(&bytes, format, MAX_ROWS))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| invalid(e.0))?;
    let find = |names: &[&str]| {
        sheet
            .header
            .iter()
            .position(|h| names.iter().any(|n| normalise(h) == normalise(n)))
    };
    let student_col = find(&["学号", "student_no", "studentno"])
        .ok_or_else(|| invalid("the file needs a 学号 (student_no) column".into()))?;
    let attended_col = find(&["是否出勤", "出勤", "attended"]);
    let hours_col = find(&["时长", "学时", "小时", "hours"]);
    let role_col = find(&["角色", "role"]);
    let award_col = find(&["奖项", "获奖", "award"]);
    let level_col = find(&["奖项级别", "级别", "award_level", "awardlevel"]);
    let note_col = find(&["备注", "note"]);
    let achievement_col = find(&["成果", "同一成果", "achievement"]);
    let backfill_col = find(&["补录原因", "backfill_reason", "backfillreason"]);
    let participants = db::results::participants(&mut conn, row.id).await?;
    let mut report_rows = Vec::new();
    let mut inputs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for sheet_row in &sheet.rows {
        let cell = |col: Option<usize>| {
            col.map(|c| sheet_row.cell(c).trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let student_no = sheet_row.cell(student_col).trim().to_owned();
        let mut errors = Vec::new();
        let mut error = |column: &str, message: &str| {
            errors.push(RowError {
                column: column.to_owned(),
                message: message.to_owned(),
            })
        };
        let attended = match cell(attended_col) {
            None => true,
            Some(v) => yes_no(&v).unwrap_or_else(|| {
                error("attended", "use 是/否");
                true
            }),
        };
        let hours = cell(hours_col).and_then(|v| {
            v.parse::<f64>()
                .map_err(|_| error("hours", "not a number"))
                .ok()
        });
        let role = cell(role_col).and_then(|v| {
            role_of(&v).or_else(|| {
                error("role", "use 队长/队员/参与者");
                None
            })
        });
        let award = cell(award_col).and_then(|v| {
            award_of(&v).or_else(|| {
                error("award", "use 一等奖/二等奖/三等奖/优秀奖/参与奖");
                None
            })
        });
        let award_level = cell(level_col).and_then(|v| {
            level_of(&v).or_else(|| {
                error("award_level", "use 院级/校级/省级/国家级");
                None
            })
        });
        let input = ResultInput {
            student_no: student_no.clone(),
            attended,
            hours,
            role,
            award,
            award_level,
            note: cell(note_col),
            achievement: cell(achievement_col),
            backfill_reason: cell(backfill_col),
        };
        if errors.is_empty()
            && let Err(e) = input.validate(0)
        {
            let column = e
                .field
                .as_deref()
                .and_then(|f| f.rsplit('.').next())
                .unwrap_or("student_no")
                .to_owned();
            errors.push(RowError {
                column,
                message: e.message,
            });
        }
        match db::attendance::student_by_number(&mut conn, &student_no).await? {
            Some((student, _)) if !seen.insert(student) => {
                errors.push(RowError {
                    column: "student_no".into(),
                    message: "the student appears twice".into(),
                });
            }
            Some((student, _)) if errors.is_empty() => {
                if participants.contains(&student) {
                    inputs.push((
                        student,
                        ResultInput {
                            backfill_reason: None,
                            ..input
                        },
                    ));
                } else if input.backfill_reason.is_some() {
                    inputs.push((student, input));
                } else {
                    errors.push(RowError {
                        column: "student_no".into(),
                        message: NOT_A_PARTICIPANT.into(),
                    });
                }
            }
            Some(_) => {}
            None => errors.push(RowError {
                column: "student_no".into(),
                message: "no such student".into(),
            }),
        }
        report_rows.push(UploadRow {
            line: sheet_row.line,
            ok: errors.is_empty(),
            student_no,
            errors,
        });
    }
    let rejected = report_rows.iter().filter(|r| !r.ok).count() as u32;
    let accepted = report_rows.len() as u32 - rejected;
    let applied = rejected == 0 && accepted > 0 && !query.dry_run;
    if applied {
        store(&mut conn, &actor, &row, organizer.id, inputs, "upload").await?;
    }
    report_rows.sort_by_key(|r| (r.ok, r.line));
    Ok(web::Json(UploadReport {
        applied,
        accepted,
        rejected,
        rows: report_rows,
    }))
}

/// Finalise the recognition
///
/// Marks the activity's results as recognised: they become points at once, and later changes
/// need a back-fill. A finalisation that is itself a back-fill — after the recognition
/// deadline (10 working days for competitions and volunteer service), into a term that has
/// ended, or with rows for students who did not take part — needs `reason` and goes to the
/// organisation above (202 with the request, `GET /api/recognition-requests`): the points
/// are written when it approves, marked back-fill, and the activity stays in the overdue list
/// until then. Permission `recognise_results`.
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "Activity id")),
    request_body(content = FinalizeRequest, description = "The reason, when the finalisation is a back-fill"),
    responses(
        (status = 200, description = "Recognised: the deadlines, now with `recognized_at`", body = shared::attendance::Deadlines),
        (status = 202, description = "A back-fill: filed for the level above to approve", body = RecognitionRequest),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Permission missing", body = ApiError),
        (status = 404, description = "No such activity in sight", body = ApiError),
        (status = 409, description = "Not ended, already finalised, or a back-fill already waits", body = ApiError),
        (status = 422, description = "A back-fill without a reason (the message names its grounds)", body = ApiError,
            example = json!({"code": "validation_failed", "message": "finalising now is a back-fill (late): give a reason for the level above", "field": "reason"})),
    ),
    security(("bearer" = [])),
)]
#[post("/activities/{id}/results/finalize")]
pub async fn finalize(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: crate::error::OptionalJson<FinalizeRequest>,
) -> Result<HttpResponse, AppError> {
    let reason = body
        .0
        .and_then(|b| b.reason)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid("reason", "at most 500 characters").into());
    }
    let mut conn = state.db.conn().await?;
    let (row, organizer) = managed(&mut conn, &actor, *id, Permission::RecogniseResults).await?;
    check_recognisable(&row)?;
    let id = row.id;
    let grounds = grounds_of(&mut conn, &row).await?;
    if !grounds.is_empty() {
        let Some(reason) = reason else {
            let named: Vec<&str> = grounds.iter().map(|g| g.as_str()).collect();
            return Err(ApiError::invalid(
                "reason",
                format!(
                    "finalising now is a back-fill ({}): give a reason for the level above",
                    named.join(", ")
                ),
            )
            .into());
        };
        // The level above decides; the school committee, having none, decides for itself.
        let approver = organizer.parent_id.unwrap_or(organizer.id);
        let request = conn
            .transaction::<_, AppError, _>(async |conn| {
                if db::activities::lock_recognised_at(conn, id)
                    .await?
                    .is_some()
                {
                    return Err(finalised());
                }
                let Some(request) = db::recognition_requests::create(
                    conn,
                    id,
                    &grounds,
                    &reason,
                    approver,
                    actor.account_id,
                )
                .await?
                else {
                    return Err(awaiting_approval());
                };
                db::audit::record(
                    conn,
                    Some(actor.account_id),
                    Change {
                        organization_id: Some(organizer.id),
                        action: "results.backfill_request",
                        target_type: "activity",
                        target_id: id.to_string(),
                        details: json!({"request": request, "grounds": grounds, "reason": reason}),
                    },
                )
                .await?;
                Ok(request)
            })
            .await?;
        let filed = crate::recognition_requests::one(&mut conn, request).await?;
        return Ok(HttpResponse::Accepted().json(filed));
    }
    conn.transaction::<_, AppError, _>(async |conn| {
        // The same lock as a results edit; of two finalisations the second finds it done.
        if db::activities::lock_recognised_at(conn, id)
            .await?
            .is_some()
            || db::results::mark_recognised(conn, id, actor.account_id).await? == 0
        {
            return Err(finalised());
        }
        if db::recognition_requests::pending_for(conn, id)
            .await?
            .is_some()
        {
            return Err(awaiting_approval());
        }
        crate::cache::ACTIVITY_WRITES.bump();
        // The results become points: every participant's term is re-evaluated under its rules.
        crate::cache::STANDINGS_WRITES.bump();
        let ledger =
            db::points::recognise_activity(conn, id, actor.account_id, Some(actor.account_id))
                .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(organizer.id),
                action: "results.finalize",
                target_type: "activity",
                target_id: id.to_string(),
                details: json!({"ledger_entries": ledger.written, "reversed": ledger.reversed}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    let row = db::attendance::checkin_row(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    Ok(HttpResponse::Ok().json(crate::attendance::deadlines_of(&mut conn, &row).await?))
}

/// Why finalising the activity now would be a back-fill.
async fn grounds_of(
    conn: &mut AsyncPgConnection,
    row: &CheckinRow,
) -> Result<Vec<RecognitionGround>, AppError> {
    let deadlines = crate::attendance::deadlines_of(conn, row).await?;
    let today = shanghai_date(Utc::now());
    // No term holding the end: the recognition itself says so (409).
    let term_ends_on = db::points::term_on(conn, deadlines.ends_on)
        .await?
        .map_or(today, |term| term.ends_on);
    let (_, non_participants) = db::results::counts(conn, row.id).await?;
    Ok(recognition_grounds(
        today,
        deadlines.recognition_due,
        term_ends_on,
        non_participants > 0,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// Overdue recognitions
///
/// Activities in the caller's subtree whose results were not finalised within their
/// category's deadline (10 working days for competitions and volunteer service, as the school
/// sets for others) after their end — visible to the organisation and everyone
/// above it, until recognised (a back-fill awaiting approval stays, `awaiting_approval`).
/// Any organisation account.
#[utoipa::path(
    tag = "results",
    params(OverdueQuery),
    responses((status = 200, description = "Most overdue first", body = Page<OverdueActivity>), (status = 403, description = "Not an organisation account", body = ApiError)),
    security(("bearer" = [])),
)]
#[get("/recognition/overdue")]
pub async fn overdue(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<OverdueQuery>,
) -> Result<web::Json<Page<OverdueActivity>>, AppError> {
    if !actor.role.is_organization() {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only organisation accounts see overdue work",
        ));
    }
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let items = overdue_within(&mut conn, actor.org.id, Utc::now()).await?;
    let total = items.len() as u64;
    let items = items
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// The activities of the subtree under `within` whose recognition is overdue at `now`, most
/// overdue first (the overdue list, and the dashboard's and monthly report's counts).
pub async fn overdue_within(
    conn: &mut AsyncPgConnection,
    within: i64,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<OverdueActivity>, AppError> {
    // Each category's deadline: the notice's, or the school's.
    let deadlines: std::collections::HashMap<String, u32> = db::categories::list(conn)
        .await?
        .into_iter()
        .filter_map(|c| {
            shared::attendance::recognition_days(&c.code, c.recognition_working_days)
                .map(|days| (c.code, days))
        })
        .collect();
    let with_deadline: Vec<&str> = deadlines.keys().map(String::as_str).collect();
    let rows = db::results::unrecognised(
        conn,
        within,
        &with_deadline,
        now - chrono::Duration::days(400),
        now,
    )
    .await?;
    let earliest = rows
        .iter()
        .map(|r| shanghai_date(r.5))
        .min()
        .unwrap_or_else(|| shanghai_date(now));
    let calendar = calendar_from(conn, earliest).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let awaiting = db::recognition_requests::pending_among(conn, &ids).await?;
    let today = shanghai_date(now);
    let mut items: Vec<OverdueActivity> = rows
        .into_iter()
        .filter_map(
            |(activity_id, title, category, organizer_id, organizer_name, ends_at)| {
                let ended_on = shanghai_date(ends_at);
                let days = deadlines.get(&category).copied()?;
                let due = calendar.add_working_days(ended_on, days);
                (today > due).then(|| OverdueActivity {
                    activity_id,
                    title,
                    category,
                    organizer_id,
                    organizer_name,
                    ended_on,
                    due,
                    working_days_overdue: calendar.working_days_between(due, today),
                    awaiting_approval: awaiting.contains(&activity_id),
                })
            },
        )
        .collect();
    items.sort_by_key(|i| (std::cmp::Reverse(i.working_days_overdue), i.activity_id));
    Ok(items)
}
