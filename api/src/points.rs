//! Points: terms, the scoring rules (versioned per term), a student's points and progress,
//! facts recognised outside activities, manual adjustments, the students behind the
//! requirement, and the leaderboard.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::{AccountKind, Permission},
    page::{PageParams, PageRequest},
    people::Degree,
    points::{
        BehindStudent, CategoryTotal, Leaderboard, LeaderboardRow, NewAdjustment, NewFact,
        NewRuleSet, NewTerm, PreviewRow, Reevaluation, RuleSetVersion, RulesPreview, Source,
        Standing, StudentPoints, Term, TermTotals, mask_student_no, percentile,
    },
    rules::{self, FactKind, Points},
};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{
        self,
        audit::Change,
        points::{self as ledger, StudentInfo, student},
        standings::{self, BoardRow},
    },
    error::AppError,
};

/// The term containing today (Asia/Shanghai).
async fn current_term(conn: &mut AsyncPgConnection) -> Result<Term, AppError> {
    let today = ledger::today();
    ledger::term_on(conn, today).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::Conflict,
            format!("no term contains today ({today}): the school admin adds one"),
        )
    })
}

/// List terms
///
/// Every term, oldest first. Every date falls in one term: a recognition counts in the term
/// its activity ended in. No authentication.
#[utoipa::path(
    tag = "points",
    responses((status = 200, description = "All terms", body = Vec<Term>)),
    security(()),
)]
#[get("/terms")]
pub async fn list_terms(state: web::Data<AppState>) -> Result<web::Json<Vec<Term>>, AppError> {
    let mut conn = state.db.conn().await?;
    Ok(web::Json(ledger::terms(&mut conn).await?))
}

/// Add a term
///
/// The school admin's. Terms may not overlap.
#[utoipa::path(
    tag = "points",
    request_body = NewTerm,
    responses(
        (status = 201, description = "Added", body = Term),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 409, description = "Overlaps another term or repeats its code", body = ApiError),
        (status = 422, description = "Invalid", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/terms")]
pub async fn create_term(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewTerm>,
) -> Result<HttpResponse, AppError> {
    actor.require_school_admin("terms are")?;
    body.validate()?;
    let mut conn = state.db.conn().await?;
    let input = body.into_inner();
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let clash =
                ledger::term_clashes(conn, input.code.trim(), input.starts_on, input.ends_on)
                    .await?;
            if clash {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the code is taken or the dates overlap another term",
                ));
            }
            crate::cache::REFERENCE_WRITES.bump();
            let id = ledger::insert_term(conn, &input, actor.account_id).await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(actor.org.id),
                    action: "term.create",
                    target_type: "term",
                    target_id: id.to_string(),
                    details: json!({"code": input.code, "starts_on": input.starts_on, "ends_on": input.ends_on}),
                },
            )
            .await?;
            Ok(id)
        })
        .await?;
    let term = ledger::term(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("term"))?;
    Ok(HttpResponse::Created().json(term))
}

/// List rule set versions
///
/// Every version of the scoring rules (成绩积分认定细则), newest first. Any signed-in account.
#[utoipa::path(
    tag = "points",
    responses((status = 200, description = "Newest first", body = Vec<RuleSetVersion>)),
    security(("bearer" = [])),
)]
#[get("/rules")]
pub async fn list_rules(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<web::Json<Vec<RuleSetVersion>>, AppError> {
    let mut conn = state.db.conn().await?;
    Ok(web::Json(ledger::rule_set_versions(&mut conn, None).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesQuery {
    /// The term (default: the one containing today).
    pub term_id: Option<i64>,
}

/// The rules of a term
///
/// The version a term is evaluated under. The web app previews grants with these rules and the
/// same code the server runs. Any signed-in account.
#[utoipa::path(
    tag = "points",
    params(RulesQuery),
    responses(
        (status = 200, description = "The version in force", body = RuleSetVersion),
        (status = 404, description = "No such term", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/rules/current")]
pub async fn current_rules(
    state: web::Data<AppState>,
    _actor: Actor,
    query: web::Query<RulesQuery>,
) -> Result<web::Json<RuleSetVersion>, AppError> {
    let mut conn = state.db.conn().await?;
    let term = match query.term_id {
        Some(id) => ledger::term(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("term"))?,
        None => current_term(&mut conn).await?,
    };
    let (version, rules) = ledger::rules_for(&mut conn, &term).await?;
    let found = ledger::rule_set_versions(&mut conn, Some(version))
        .await?
        .pop();
    Ok(web::Json(found.unwrap_or(RuleSetVersion {
        version,
        effective_term: None,
        rules,
        note: String::new(),
        created_at: chrono::Utc::now(),
        created_by: None,
    })))
}

/// A rules document read with the path of whatever serde refuses: an unknown field is a 400
/// naming it (`rules.categories[0].cap_per_year`), never silently dropped.
fn rules_document(body: serde_json::Value) -> Result<NewRuleSet, AppError> {
    serde_path_to_error::deserialize::<_, NewRuleSet>(body).map_err(|error| {
        let mut path = error.path().to_string();
        let message = error.inner().to_string();
        if let Some(unknown) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            && !path.ends_with(unknown)
        {
            path = if path == "." {
                unknown.to_owned()
            } else {
                format!("{path}.{unknown}")
            };
        }
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("invalid rules: {message}"),
        )
        .with_field(path)
        .into()
    })
}

/// The rules checked: sound in themselves, and their cadre matrix naming the school's position
/// types.
async fn checked_rules(conn: &mut AsyncPgConnection, input: &NewRuleSet) -> Result<Term, AppError> {
    input.rules.validate().map_err(|e| {
        let field = e.field.clone().map(|f| format!("rules.{f}"));
        ApiError::invalid(field.unwrap_or_else(|| "rules".into()), e.message)
    })?;
    if input.note.chars().count() > 500 {
        return Err(ApiError::invalid("note", "at most 500 characters").into());
    }
    let types = db::cadres::position_types(conn).await?;
    if let Some(code) = input
        .rules
        .cadre_matrix
        .keys()
        .find(|code| !types.iter().any(|(_, t)| &t.code == *code))
    {
        return Err(ApiError::invalid(
            format!("rules.cadre_matrix.{code}"),
            "not one of the school's position types",
        )
        .into());
    }
    let term = ledger::term(conn, input.effective_term_id)
        .await?
        .ok_or_else(|| AppError::from(ApiError::invalid("effective_term_id", "no such term")))?;
    if term.ends_on < ledger::today() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "{} has ended: past terms keep the rules they were recognised under",
                term.name
            ),
        ));
    }
    Ok(term)
}

/// Publish a rule set version
///
/// The school admin's. Applies from the given term on; a term that has ended keeps the rules
/// it was recognised under. Every student with recognised facts in that term or later is then
/// re-evaluated in the background (`GET /api/rules/{version}/reevaluation` shows the
/// progress); recognitions from then on record the new version. A field the rules do not know
/// is refused (400, the field naming it).
#[utoipa::path(
    tag = "points",
    request_body = NewRuleSet,
    responses(
        (status = 201, description = "Published; the re-evaluation has started", body = RuleSetVersion),
        (status = 400, description = "A field the rules do not know (the field names it)", body = ApiError,
            example = json!({"code": "malformed_json", "message": "invalid rules: unknown field `cap_per_year`, expected one of …", "field": "rules.categories[0].cap_per_year"})),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 409, description = "The term has ended", body = ApiError),
        (status = 422, description = "Invalid rules (the field says where)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/rules")]
pub async fn publish_rules(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    actor.require_school_admin("the scoring rules are")?;
    let input = rules_document(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let term = checked_rules(&mut conn, &input).await?;
    let (version, students) = conn
        .transaction::<_, AppError, _>(async |conn| {
            let next = ledger::next_rule_version(conn).await?;
            crate::cache::REFERENCE_WRITES.bump();
            ledger::insert_rule_set(
                conn,
                next,
                term.id,
                &input.rules,
                input.note.trim(),
                actor.account_id,
            )
            .await?;
            let students = ledger::affected_students(conn, term.starts_on).await?;
            ledger::start_reevaluation(
                conn,
                next,
                i32::try_from(students.len()).unwrap_or(i32::MAX),
                actor.account_id,
            )
            .await?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(actor.org.id),
                    action: "rules.publish",
                    target_type: "rule_set",
                    target_id: next.to_string(),
                    details: json!({"effective_term": term.code, "note": input.note, "reevaluate": students.len()}),
                },
            )
            .await?;
            Ok((next, students))
        })
        .await?;
    reevaluate(
        state.clone().into_inner(),
        version,
        students,
        actor.account_id,
    );
    let found = ledger::rule_set_versions(&mut conn, Some(version))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("rule set"))?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/rules/{version}/reevaluation"),
        ))
        .json(found))
}

/// Students re-evaluated per transaction: short enough that a student's ledger is never
/// locked for long, long enough that the progress row is not the main cost.
const REEVALUATION_CHUNK: usize = 50;

/// Re-evaluates `students` under the rule book as it stands, a chunk per transaction, in the
/// background; the progress is kept in `rule_reevaluations`. Refreshing is idempotent, so a
/// re-evaluation interrupted by a restart is simply run again ([`resume_reevaluations`]).
pub fn reevaluate(state: std::sync::Arc<AppState>, version: i32, students: Vec<i64>, actor: i64) {
    tokio::spawn(async move {
        let outcome = async {
            let mut conn = state.db.conn().await?;
            for chunk in students.chunks(REEVALUATION_CHUNK) {
                let changed = conn
                    .transaction::<_, AppError, _>(async |conn| {
                        let book = ledger::RuleBook::load(conn).await?;
                        let mut changed = 0;
                        for student in chunk {
                            let done = ledger::refresh(conn, *student, &book, actor, None).await?;
                            if done.written + done.reversed > 0 {
                                changed += 1;
                            }
                        }
                        ledger::advance_reevaluation(conn, version, chunk.len() as i32, changed)
                            .await?;
                        Ok(changed)
                    })
                    .await?;
                if changed > 0 {
                    crate::cache::STANDINGS_WRITES.bump();
                }
            }
            Ok::<_, AppError>(conn)
        }
        .await;
        let error = outcome.as_ref().err().map(|e| e.body().message);
        if let Some(error) = &error {
            tracing::error!(version, %error, "rule re-evaluation failed");
        }
        if let Ok(mut conn) = state.db.conn().await {
            let _ = ledger::finish_reevaluation(&mut conn, version, error.as_deref()).await;
        }
    });
}

/// Runs again the re-evaluations a stopped server left unfinished (called at start).
pub fn resume_reevaluations(state: std::sync::Arc<AppState>) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    tokio::spawn(async move {
        let Ok(mut conn) = state.db.conn().await else {
            return;
        };
        let Ok(unfinished) = ledger::unfinished_reevaluations(&mut conn).await else {
            return;
        };
        for (version, by) in unfinished {
            let Ok(Some(found)) = ledger::rule_set_versions(&mut conn, Some(version))
                .await
                .map(|mut v| v.pop())
            else {
                continue;
            };
            let from = found
                .effective_term
                .map_or(chrono::NaiveDate::MIN, |t| t.starts_on);
            let Ok(students) = ledger::affected_students(&mut conn, from).await else {
                continue;
            };
            let total = i32::try_from(students.len()).unwrap_or(i32::MAX);
            if ledger::start_reevaluation(&mut conn, version, total, by)
                .await
                .is_ok()
            {
                tracing::warn!(version, total, "resuming an interrupted rule re-evaluation");
                reevaluate(state.clone(), version, students, by);
            }
        }
    });
}

/// A re-evaluation's progress
///
/// After a version is published, every affected student is re-evaluated in the background:
/// how many of how many, how many changed, and whether it is done. The school admin's.
#[utoipa::path(
    tag = "points",
    params(("version" = i32, Path, description = "Rule set version")),
    responses(
        (status = 200, description = "The progress", body = Reevaluation),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 404, description = "No re-evaluation for that version", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/rules/{version}/reevaluation")]
pub async fn reevaluation(
    state: web::Data<AppState>,
    actor: Actor,
    version: web::Path<i32>,
) -> Result<web::Json<Reevaluation>, AppError> {
    actor.require_school_admin("the scoring rules are")?;
    let mut conn = state.db.conn().await?;
    Ok(web::Json(
        ledger::reevaluation(&mut conn, *version)
            .await?
            .ok_or_else(|| AppError::not_found("re-evaluation"))?,
    ))
}

/// Students a preview evaluates at most: enough to show what changes for whom in a few
/// seconds; the count of those affected is always exact.
const PREVIEW_STUDENTS: usize = 1000;

/// Preview a rule set
///
/// What publishing these rules from the term would change, before publishing: how many
/// students would be re-evaluated, and for up to 1,000 of them (spread over the id range) how
/// many gain or lose points, the sums before and after, and the 20 largest changes. Nothing is
/// stored. The school admin's.
#[utoipa::path(
    tag = "points",
    request_body = NewRuleSet,
    responses(
        (status = 200, description = "What would change", body = RulesPreview),
        (status = 400, description = "A field the rules do not know (the field names it)", body = ApiError),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 409, description = "The term has ended", body = ApiError),
        (status = 422, description = "Invalid rules (the field says where)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/rules/previews")]
pub async fn preview_rules(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<RulesPreview>, AppError> {
    actor.require_school_admin("the scoring rules are")?;
    let input = rules_document(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let term = checked_rules(&mut conn, &input).await?;
    let students = ledger::affected_students(&mut conn, term.starts_on).await?;
    let step = students.len().div_ceil(PREVIEW_STUDENTS).max(1);
    let chosen: Vec<i64> = students.iter().step_by(step).copied().collect();
    let book = ledger::RuleBook::load(&mut conn).await?.with(
        i32::MAX,
        term.starts_on,
        input.rules.clone(),
    );
    let mut preview = RulesPreview {
        affected: u32::try_from(students.len()).unwrap_or(u32::MAX),
        evaluated: u32::try_from(chosen.len()).unwrap_or(u32::MAX),
        changed: 0,
        gaining: 0,
        losing: 0,
        points_before: Points::ZERO,
        points_after: Points::ZERO,
        sample: Vec::new(),
    };
    let mut changes: Vec<(i64, i64, Points, Points)> = Vec::new();
    for student in chosen {
        let (before, after) = ledger::preview_student(&mut conn, student, &book).await?;
        preview.points_before.0 += before.0;
        preview.points_after.0 += after.0;
        if before != after {
            preview.changed += 1;
            if after > before {
                preview.gaining += 1;
            } else {
                preview.losing += 1;
            }
            changes.push(((after.0 - before.0).abs(), student, before, after));
        }
    }
    changes.sort_by_key(|(size, student, _, _)| (std::cmp::Reverse(*size), *student));
    for (_, student, before, after) in changes.into_iter().take(20) {
        let info = ledger::student(&mut conn, student).await?;
        preview.sample.push(PreviewRow {
            student_no: info.username,
            name: info.display_name,
            before,
            after,
        });
    }
    Ok(web::Json(preview))
}

/// A leaderboard scope: college and intake, each optional.
type Scope = (Option<i64>, Option<i32>);

/// How many active students each leaderboard scope has, kept for a minute ([`crate::cache`]):
/// the count changes with enrolment, not with every recognition, and counting 50,000 rows per
/// read is the leaderboard's most expensive part. Bounded, as its keys are the callers' to
/// choose.
pub type ScopeCounts = crate::cache::Recent<Scope, i64>;

/// The writes the scope counts depend on. Nothing bumps it: a count is served until it is a
/// minute old (two, while one caller counts again), so enrolment changes (imports, deactivated
/// accounts) show within that. `STANDINGS_WRITES` would not fit: it moves with every
/// recognition, which leaves the counts as they are.
static ENROLMENT_WRITES: crate::cache::Writes = crate::cache::Writes::new("enrolment");

/// The most scopes whose counts are kept: every college with every intake, and more.
const MOST_SCOPES: usize = 512;

pub fn scope_counts() -> ScopeCounts {
    ScopeCounts::new(
        std::time::Duration::from_secs(60),
        MOST_SCOPES,
        &ENROLMENT_WRITES,
    )
}

/// How many active students the scope has (kept in `counts`).
async fn students_in(
    conn: &mut AsyncPgConnection,
    counts: &ScopeCounts,
    college: Option<i64>,
    year: Option<i32>,
) -> db::Result<i64> {
    counts
        .get_or_load(
            (college, year),
            standings::students_in_scope(conn, college, year),
        )
        .await
}

/// The top rows of each leaderboard asked for, by (term, college, intake, limit), kept for a
/// second ([`crate::cache`]): the students of a college all open the same board, which only
/// recognitions change.
pub type Boards = crate::cache::Recent<(i64, Option<i64>, Option<i32>, i64), Arc<Vec<BoardRow>>>;

pub fn boards() -> Boards {
    Boards::new(
        std::time::Duration::from_secs(1),
        256,
        &crate::cache::STANDINGS_WRITES,
    )
}

/// A student's rank in a scope (1 + those with more points) and the scope's size.
async fn standing(
    conn: &mut AsyncPgConnection,
    counts: &ScopeCounts,
    term_id: i64,
    college: Option<i64>,
    year: Option<i32>,
    points: i64,
) -> db::Result<Standing> {
    let above = standings::above(conn, term_id, college, year, points).await?;
    let rank = above + 1;
    let of = students_in(conn, counts, college, year).await?.max(rank);
    Ok(Standing {
        rank,
        of,
        percentile: percentile(rank, of),
        points: Points(points),
    })
}

async fn student_points(
    conn: &mut AsyncPgConnection,
    counts: &ScopeCounts,
    row: StudentInfo,
) -> Result<StudentPoints, AppError> {
    let names = db::categories::names(conn).await?;
    let order = db::categories::order(conn).await?;
    let terms: HashMap<i64, Term> = ledger::terms(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let totals = ledger::totals_of(conn, row.id).await?;
    let entries = ledger::entries_of(conn, row.id).await?;
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let rank_of = |code: &str| order.iter().position(|c| c == code).unwrap_or(usize::MAX);

    let mut overall: BTreeMap<String, (i64, f64)> = BTreeMap::new();
    let mut per_term: BTreeMap<i64, BTreeMap<String, (i64, f64)>> = BTreeMap::new();
    for t in &totals {
        let o = overall.entry(t.category.clone()).or_default();
        o.0 += t.points;
        o.1 += t.hours;
        let p = per_term
            .entry(t.term_id)
            .or_default()
            .entry(t.category.clone())
            .or_default();
        p.0 += t.points;
        p.1 += t.hours;
    }
    let to_list = |map: &BTreeMap<String, (i64, f64)>| {
        let mut list: Vec<CategoryTotal> = map
            .iter()
            .map(|(category, (points, hours))| CategoryTotal {
                category: category.clone(),
                category_name: name_of(category),
                points: Points(*points),
                hours: (*hours * 100.0).round() / 100.0,
            })
            .collect();
        list.sort_by_key(|c| rank_of(&c.category));
        list
    };
    let mut term_list: Vec<TermTotals> = per_term
        .iter()
        .filter_map(|(term_id, map)| {
            terms.get(term_id).map(|term| TermTotals {
                term: term.clone(),
                points: Points(map.values().map(|(p, _)| p).sum()),
                categories: to_list(map),
            })
        })
        .collect();
    term_list.sort_by_key(|t| t.term.starts_on);
    let degree = row.degree();
    let term = current_term(conn).await?;
    let (_, rules) = ledger::rules_for(conn, &term).await?;
    let earned: BTreeMap<String, rules::Earned> = overall
        .iter()
        .map(|(c, (p, h))| {
            (
                c.clone(),
                rules::Earned {
                    points: Points(*p),
                    hours: *h,
                },
            )
        })
        .collect();
    let progress = rules::progress(rules.requirements.for_degree(degree), &earned);
    let total: i64 = overall.values().map(|(p, _)| p).sum();
    let total_hours: f64 = overall.values().map(|(_, h)| h).sum();
    let college_standing = standing(conn, counts, 0, Some(row.college_id), None, total).await?;
    Ok(StudentPoints {
        student_id: row.id,
        student_no: row.username,
        name: row.display_name,
        degree,
        total: Points(total),
        total_hours: (total_hours * 100.0).round() / 100.0,
        categories: to_list(&overall),
        terms: term_list,
        progress,
        entries,
        college_standing,
    })
}

/// My points
///
/// The signed-in student's totals per term and category, progress against the graduation
/// requirement, every ledger entry, and their standing in their college.
#[utoipa::path(
    tag = "points",
    responses(
        (status = 200, description = "The student's points", body = StudentPoints),
        (status = 403, description = "Not a student", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/points")]
pub async fn my_points(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<StudentPoints>, AppError> {
    if actor.kind != AccountKind::Student {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only students have points",
        ));
    }
    let mut conn = state.db.conn().await?;
    let row = student(&mut conn, actor.account_id).await?;
    Ok(web::Json(
        student_points(&mut conn, &state.scope_counts, row).await?,
    ))
}

/// A student's points
///
/// As `GET /api/me/points`, for the student themself or an organisation over the student's
/// college with `view_reports` or `recognise_results`.
#[utoipa::path(
    tag = "points",
    params(("id" = i64, Path, description = "Student account id")),
    responses(
        (status = 200, description = "The student's points", body = StudentPoints),
        (status = 403, description = "An organisation account without the permission", body = ApiError),
        (status = 404, description = "No such student, or not one the caller may see", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/students/{id}/points")]
pub async fn points_of(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<web::Json<StudentPoints>, AppError> {
    let may = [Permission::ViewReports, Permission::RecogniseResults];
    actor.require_any(&may)?;
    let mut conn = state.db.conn().await?;
    let row = student(&mut conn, *id).await?;
    actor.require_student_or_within(row.id, &row.college_path, &may)?;
    Ok(web::Json(
        student_points(&mut conn, &state.scope_counts, row).await?,
    ))
}

fn no_such_student() -> AppError {
    ApiError::invalid("student_no", "no such student").into()
}

/// A student by number, with their college's path.
async fn student_by_no(conn: &mut AsyncPgConnection, no: &str) -> Result<StudentInfo, AppError> {
    let id = db::attendance::student_by_number(conn, no.trim())
        .await?
        .map(|(id, _)| id)
        .ok_or_else(no_such_student)?;
    Ok(student(conn, id).await?)
}

async fn term_for_day(conn: &mut AsyncPgConnection, day: NaiveDate) -> Result<Term, AppError> {
    ledger::term_on(conn, day)
        .await?
        .ok_or_else(|| ApiError::invalid("occurred_on", "no term contains this day").into())
}

/// Record a cadre position or practice
///
/// A cadre position with its term assessment (`manage_cadres`), or social-practice days or
/// hours (`certify_practice`), recognised by an organisation in the caller's subtree. The
/// student's term is re-evaluated under its rules at once: caps and "once at the highest"
/// apply, and the ledger, totals and leaderboard change in the same transaction.
#[utoipa::path(
    tag = "points",
    request_body = NewFact,
    responses(
        (status = 201, description = "Recorded; the student's points after it", body = StudentPoints),
        (status = 403, description = "Lacks the permission, or the organisation is outside the subtree", body = ApiError),
        (status = 422, description = "Invalid (the field says which)", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/points/facts")]
pub async fn record_fact(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewFact>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    input.validate()?;
    let permission = match input.kind {
        FactKind::Cadre { .. } => Permission::ManageCadres,
        _ => Permission::CertifyPractice,
    };
    let mut conn = state.db.conn().await?;
    let org = db::organizations::get(&mut conn, input.organization_id)
        .await?
        .ok_or_else(|| {
            AppError::from(ApiError::invalid("organization_id", "no such organisation"))
        })?;
    actor.require_within(permission, &org.path)?;
    let row = student_by_no(&mut conn, &input.student_no).await?;
    let term = term_for_day(&mut conn, input.occurred_on).await?;
    let source = match input.kind {
        FactKind::Cadre { .. } => Source::Cadre,
        _ => Source::Practice,
    };
    let student_id = row.id;
    conn.transaction::<_, AppError, _>(async |conn| {
        let id =
            ledger::insert_fact(conn, student_id, term.id, &input, source, actor.account_id)
                .await?;
        let book = ledger::RuleBook::load(conn).await?;
        crate::cache::STANDINGS_WRITES.bump();
        ledger::refresh(
            conn,
            student_id,
            &book,
            actor.account_id,
            Some(actor.account_id),
        )
        .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(org.id),
                action: "points.fact",
                target_type: "point_fact",
                target_id: id.to_string(),
                details: json!({"student_id": student_id, "term": term.code, "kind": input.kind, "title": input.title}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(student_points(&mut conn, &state.scope_counts, row).await?))
}

/// Adjust a student's points
///
/// Adds (or with a negative amount takes away) points by hand, with the reason, as its own
/// ledger entry — nothing is edited. An organisation over the student's college with
/// `recognise_results`.
#[utoipa::path(
    tag = "points",
    request_body = NewAdjustment,
    responses(
        (status = 201, description = "Recorded; the student's points after it", body = StudentPoints),
        (status = 403, description = "Lacks the permission", body = ApiError),
        (status = 422, description = "Invalid (the field says which); a student outside the subtree is no such student", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/points/adjustments")]
pub async fn adjust(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewAdjustment>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    input.validate()?;
    let mut conn = state.db.conn().await?;
    let names = db::categories::names(&mut conn).await?;
    if !names.contains_key(input.category.as_str()) {
        return Err(ApiError::invalid("category", "no such category").into());
    }
    actor.require(Permission::RecogniseResults)?;
    let row = student_by_no(&mut conn, &input.student_no).await?;
    if !actor.is_within(&row.college_path) {
        // A student outside the subtree reads exactly as a number that is no student's.
        return Err(no_such_student());
    }
    let term = term_for_day(&mut conn, input.occurred_on).await?;
    let student_id = row.id;
    conn.transaction::<_, AppError, _>(async |conn| {
        crate::cache::STANDINGS_WRITES.bump();
        let fact = ledger::adjust(
            conn,
            student_id,
            &term,
            &input.category,
            input.points,
            input.hours,
            input.reason.trim(),
            actor.org.id,
            actor.account_id,
            input.occurred_on,
        )
        .await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "points.adjust",
                target_type: "student",
                target_id: student_id.to_string(),
                details: json!({"fact": fact, "category": input.category, "points": input.points, "hours": input.hours, "reason": input.reason}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(student_points(&mut conn, &state.scope_counts, row).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BehindQuery {
    /// An organisation in the caller's subtree (default: the caller's own).
    pub organization_id: Option<i64>,
    pub enrolment_year: Option<i32>,
    pub page: Option<u32>,
    #[param(maximum = 100)]
    pub per_page: Option<u32>,
}

/// Students behind the requirement
///
/// The students of the subtree's colleges whose points fall short of their degree's graduation
/// requirement (current rules), per category or in all — fewest points first, so advisers
/// start with those furthest behind (精准育人). `view_reports` or `recognise_results`.
#[utoipa::path(
    tag = "points",
    params(BehindQuery),
    responses(
        (status = 200, description = "One page, fewest points first", body = Page<BehindStudent>),
        (status = 403, description = "Lacks the permission or outside the subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/points/behind")]
pub async fn behind(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<BehindQuery>,
) -> Result<web::Json<Page<BehindStudent>>, AppError> {
    if !actor.permissions.contains(&Permission::ViewReports) {
        actor.require(Permission::RecogniseResults)?;
    }
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let mut conn = state.db.conn().await?;
    let org_id = query.organization_id.unwrap_or(actor.org.id);
    let org = db::organizations::get(&mut conn, org_id)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    if !actor.is_within(&org.path) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "outside your organisation's subtree",
        ));
    }
    let behind = behind_under(&mut conn, org.id, query.enrolment_year).await?;
    let total = behind.len() as u64;
    let items = behind
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// The active students under the organisation (of one intake if given) whose points fall short
/// of their degree's requirement under the current rules, fewest points first.
pub async fn behind_under(
    conn: &mut AsyncPgConnection,
    org: i64,
    enrolment_year: Option<i32>,
) -> Result<Vec<BehindStudent>, AppError> {
    let people = standings::active_students_under(conn, org, enrolment_year).await?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let sums = standings::category_sums(conn, &ids).await?;
    let mut earned: HashMap<i64, BTreeMap<String, rules::Earned>> = HashMap::new();
    for s in sums {
        earned.entry(s.student_id).or_default().insert(
            s.category,
            rules::Earned {
                points: Points(s.points),
                hours: s.hours,
            },
        );
    }
    let term = current_term(conn).await?;
    let (_, rules) = ledger::rules_for(conn, &term).await?;
    let empty = BTreeMap::new();
    let mut short: Vec<BehindStudent> = people
        .into_iter()
        .filter_map(|p| {
            let degree = Degree::parse(&p.degree).unwrap_or(Degree::Undergraduate);
            let totals = earned.get(&p.id).unwrap_or(&empty);
            let missing: Vec<_> = rules::progress(rules.requirements.for_degree(degree), totals)
                .into_iter()
                .filter(|row| !row.met)
                .collect();
            (!missing.is_empty()).then(|| BehindStudent {
                student_id: p.id,
                student_no: p.username,
                name: p.display_name,
                college: p.college,
                class_name: p.class_name,
                enrolment_year: p.enrolment_year,
                degree,
                total: Points(totals.values().map(|v| v.points.0).sum()),
                missing,
            })
        })
        .collect();
    short.sort_by(|a, b| (a.total, &a.student_no).cmp(&(b.total, &b.student_no)));
    Ok(short)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// `college`: the signed-in student's own college (when `college_id` is not given).
    #[param(pattern = "^(school|college)$")]
    pub scope: Option<String>,
    /// Only this college (organisation id).
    pub college_id: Option<i64>,
    /// Only this intake.
    pub enrolment_year: Option<i32>,
    /// Only this term's points (default: all terms).
    pub term_id: Option<i64>,
    /// Rows, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Leaderboard
///
/// Students ranked by points — the whole school, one college and/or one intake, over all terms
/// or one term — top rows first (equal points share a rank), with the caller's own rank and
/// percentile when a student in the scope asks. Read from standings kept in step with every
/// recognition. Any signed-in account.
#[utoipa::path(
    tag = "points",
    params(LeaderboardQuery),
    responses(
        (status = 200, description = "The top rows and the caller's standing", body = Leaderboard),
        (status = 400, description = "Bad query parameter", body = ApiError),
        (status = 404, description = "No such term", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/leaderboard")]
pub async fn leaderboard(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<LeaderboardQuery>,
) -> Result<web::Json<Leaderboard>, AppError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(
            ApiError::new(ErrorCode::InvalidQuery, "limit must be between 1 and 100")
                .with_field("limit")
                .into(),
        );
    }
    let mut conn = state.db.conn().await?;
    let term = match query.term_id {
        Some(id) => Some(
            ledger::term(&mut conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("term"))?,
        ),
        None => None,
    };
    let term_id = term.as_ref().map_or(0, |t| t.id);
    // An unknown scope is refused even when `college_id` makes it moot.
    if query
        .scope
        .as_deref()
        .is_some_and(|s| !matches!(s, "school" | "college"))
    {
        return Err(
            ApiError::new(ErrorCode::InvalidQuery, "scope is school or college")
                .with_field("scope")
                .into(),
        );
    }
    let college = match (query.college_id, query.scope.as_deref()) {
        (Some(id), _) => Some(id),
        // A student's organisation is their college.
        (None, Some("college")) => Some(actor.org.id),
        (None, _) => None,
    };
    let year = query.enrolment_year;
    // The top rows and the caller's own standing go out together, pipelined on the one
    // connection: one round trip for the board after authentication.
    let read_board = async {
        let rows = standings::top(&conn, term_id, college, year, limit).await?;
        Ok::<_, db::Error>(Arc::new(rows))
    };
    let board = state
        .boards
        .get_or_load((term_id, college, year, limit), read_board);
    // The caller's points, college, intake and rank.
    let mine = async {
        if actor.kind != AccountKind::Student {
            return Ok(None);
        }
        standings::mine(&conn, term_id, college, year, actor.account_id)
            .await
            .map(Some)
    };
    let (rows, mine) = futures_util::future::try_join(board, mine).await?;
    let students = students_in(&mut conn, &state.scope_counts, college, year).await?;
    let mut out: Vec<LeaderboardRow> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.points.0 == row.points => prev.rank,
            _ => i as i64 + 1,
        };
        out.push(LeaderboardRow {
            rank,
            name: row.display_name.clone(),
            student_no: mask_student_no(&row.username),
            college: row.college.clone(),
            enrolment_year: row.enrolment_year,
            points: Points(row.points),
            me: row.student_id == actor.account_id,
        });
    }
    let me = mine.and_then(|mine| {
        let in_scope = college.is_none_or(|c| c == mine.college_id)
            && year.is_none_or(|y| y == mine.enrolment_year);
        in_scope.then(|| {
            let rank = mine.above + 1;
            let of = students.max(rank);
            Standing {
                rank,
                of,
                percentile: percentile(rank, of),
                points: Points(mine.points),
            }
        })
    });
    Ok(web::Json(Leaderboard {
        term,
        college_id: college,
        enrolment_year: year,
        students,
        rows: out,
        me,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handlers reach the counts through `AppState`, which keeps them in a bounded cache.
    #[allow(dead_code)]
    fn counts_of(state: &AppState) -> &crate::cache::Recent<Scope, i64> {
        &state.scope_counts
    }

    #[tokio::test]
    async fn scope_counts_stay_bounded_whatever_scopes_are_asked_for() {
        let counts = scope_counts();
        // Any caller picks the college and intake: distinct scopes without end.
        for college in 0..4 * MOST_SCOPES as i64 {
            let n = counts
                .get_or_load((Some(college), Some(2024)), async {
                    Ok::<_, db::Error>(college)
                })
                .await
                .unwrap();
            assert_eq!(n, college);
        }
        assert!(counts.len() <= MOST_SCOPES, "{} counts kept", counts.len());
        // A count just read is served without counting again.
        let last = 4 * MOST_SCOPES as i64 - 1;
        let again = counts
            .get_or_load((Some(last), Some(2024)), async {
                Err(db::Error::NotFound("count"))
            })
            .await;
        assert_eq!(again.unwrap(), last);
    }
}
