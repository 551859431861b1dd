//! Insight (智能统计分析): the live dashboard of an organisation's subtree, as JSON and as an
//! .xlsx, and the instructor workload sheet (指导老师工作量表). Reading either needs
//! `view_reports` over the organisation; instructors read their own workload.
//!
//! The dashboard is read from the tables when asked and kept for 30 seconds per organisation
//! and term (one reader refreshes it while the others get the kept one), so figures are at most
//! a minute old; the web app asks again every 30 seconds.

use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use shared::{
    ErrorCode,
    auth::{AccountKind, Permission},
    insight::{Dashboard, Workload, WorkloadActivity, WorkloadRow, scheduled_hours},
    points::Term,
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    cache,
    db::{self, insight::Span, organizations::OrgRow},
    error::AppError,
};

pub mod figures;
pub mod xlsx;

use xlsx::{Cell, Sheet, Table};

/// How long a dashboard is kept before it is read again.
pub const DASHBOARD_KEEP: std::time::Duration = std::time::Duration::from_secs(30);

/// Never bumped: a dashboard is kept for its time whatever is written meanwhile.
pub static DASHBOARD_WRITES: cache::Writes = cache::Writes::new("dashboard");

/// The dashboards kept, by (organisation, term).
pub type Dashboards = cache::Recent<(i64, i64), Arc<Dashboard>>;

pub fn dashboards() -> Dashboards {
    cache::Recent::new(DASHBOARD_KEEP, 512, &DASHBOARD_WRITES)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// The organisation whose subtree is counted (default: the caller's).
    pub organization: Option<i64>,
    /// The term (default: the one containing today, else the latest begun).
    pub term: Option<i64>,
}

/// The term asked for, else the one containing today, else the latest that has begun.
pub async fn term_or_current(
    conn: &mut AsyncPgConnection,
    id: Option<i64>,
) -> Result<Term, AppError> {
    if let Some(id) = id {
        return db::points::term(conn, id).await?.ok_or_else(|| {
            AppError::from(
                shared::ApiError::new(ErrorCode::NotFound, format!("no term {id}"))
                    .with_field("term"),
            )
        });
    }
    let today = db::points::today();
    if let Some(term) = db::points::term_on(conn, today).await? {
        return Ok(term);
    }
    db::points::terms(conn)
        .await?
        .into_iter()
        .rev()
        .find(|t| t.starts_on <= today)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Conflict,
                "no term has begun yet: the school admin adds one",
            )
        })
}

/// The organisation asked for (default: the caller's), which the caller oversees with
/// `view_reports`.
async fn scope(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    organization: Option<i64>,
) -> Result<OrgRow, AppError> {
    actor.require(Permission::ViewReports)?;
    let id = organization.unwrap_or(actor.org.id);
    let org = db::organizations::get(conn, id).await?.ok_or_else(|| {
        AppError::from(
            shared::ApiError::new(ErrorCode::NotFound, format!("no organisation {id}"))
                .with_field("organization"),
        )
    })?;
    actor.require_within(Permission::ViewReports, &org.path)?;
    Ok(org)
}

async fn read_dashboard(
    state: &AppState,
    actor: &Actor,
    query: &ScopeQuery,
) -> Result<Arc<Dashboard>, AppError> {
    let mut conn = state.db.conn().await?;
    let org = scope(&mut conn, actor, query.organization).await?;
    let term = term_or_current(&mut conn, query.term).await?;
    state
        .dashboards
        .get_or_load((org.id, term.id), async {
            Ok::<_, AppError>(Arc::new(
                figures::dashboard(&mut conn, &org, &term, Utc::now()).await?,
            ))
        })
        .await
}

/// Dashboard
///
/// The figures of an organisation's subtree in a term: activities by category, level and
/// state; sign-ups, attendance and no-shows; points granted by category; overdue recognitions,
/// make-ups and back-fills; cadre work; participation by college, intake and degree; trends by
/// week and term; the top organisations and students. Read at most a minute before
/// (`computed_at`). Needs `view_reports` over the organisation.
#[utoipa::path(
    tag = "insight",
    params(ScopeQuery),
    responses(
        (status = 200, description = "The figures", body = Dashboard),
        (status = 403, description = "Not `view_reports` over the organisation", body = shared::ApiError),
        (status = 404, description = "No such organisation or term", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/insight/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ScopeQuery>,
) -> Result<web::Json<Dashboard>, AppError> {
    let board = read_dashboard(&state, &actor, &query).await?;
    Ok(web::Json(Dashboard::clone(&board)))
}

/// Dashboard as a spreadsheet
///
/// The same figures as `GET /api/insight/dashboard`, one sheet per group, as .xlsx.
#[utoipa::path(
    tag = "insight",
    params(ScopeQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "Not `view_reports` over the organisation", body = shared::ApiError),
        (status = 404, description = "No such organisation or term", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/insight/dashboard.xlsx")]
pub async fn dashboard_xlsx(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let board = read_dashboard(&state, &actor, &query).await?;
    let bytes = xlsx::workbook(&dashboard_sheets(&board))?;
    Ok(xlsx::download(
        bytes,
        &format!("统计-{}-{}", board.organization, board.term_code),
    ))
}

fn figure_table(title: &str, figures: &[shared::insight::Figure]) -> Table {
    let mut table = Table::new(title, &["项目", "数量"]);
    for f in figures {
        table.row(vec![f.label.clone().into(), f.value.into()]);
    }
    table
}

fn participation_table(title: &str, rows: &[shared::insight::Participation]) -> Table {
    let mut table = Table::new(title, &["分组", "学生数", "参与人数", "参与率"]);
    for p in rows {
        table.row(vec![
            p.label.clone().into(),
            p.students.into(),
            p.active.into(),
            Cell::Percent(p.rate()),
        ]);
    }
    table
}

fn trend_table(title: &str, rows: &[shared::insight::Trend]) -> Table {
    let mut table = Table::new(title, &["时间", "活动数", "签到人次", "授予积分"]);
    for t in rows {
        table.row(vec![
            t.key.clone().into(),
            t.activities.into(),
            t.checkins.into(),
            t.points.into(),
        ]);
    }
    table
}

/// The dashboard's sheets: 概览, 活动, 参与, 趋势, 排行.
pub fn dashboard_sheets(d: &Dashboard) -> Vec<Sheet> {
    let mut overview = Table::new(
        format!(
            "{} · {}（{} 至 {}）",
            d.organization, d.term_name, d.starts_on, d.ends_on
        ),
        &["指标", "数值"],
    );
    let a = &d.attendance;
    for (label, value) in [
        ("学生数", Cell::Int(d.students)),
        ("活动数", Cell::Int(d.activities)),
        ("报名人次", Cell::Int(a.registrations)),
        ("签到人次", Cell::Int(a.attended)),
        ("缺席人次", Cell::Int(a.no_shows)),
        ("出勤率", Cell::Percent(a.rate())),
        ("逾期未认定活动", Cell::Int(d.backlog.overdue_recognitions)),
        ("待审补签", Cell::Int(d.backlog.pending_makeups)),
        ("补签人次", Cell::Int(d.backlog.makeups)),
        ("补录人次", Cell::Int(d.backlog.backfills)),
        ("在任学生干部", Cell::Int(d.cadres.positions)),
        ("已考核人次", Cell::Int(d.cadres.assessed)),
        ("待审考核批次", Cell::Int(d.cadres.rounds_waiting)),
        ("数据时间", Cell::Text(d.computed_at.to_rfc3339())),
    ] {
        overview.row(vec![label.into(), value]);
    }
    let mut points = Table::new("分类积分", &["类别", "积分", "时长（小时）", "记录数"]);
    for p in &d.points {
        points.row(vec![
            p.label.clone().into(),
            p.points.into(),
            p.hours.into(),
            p.entries.into(),
        ]);
    }
    let mut top = Table::new("组织排行", &["组织", "活动数", "签到人次", "授予积分"]);
    for o in &d.top_organizations {
        top.row(vec![
            o.name.clone().into(),
            o.activities.into(),
            o.checkins.into(),
            o.points.into(),
        ]);
    }
    let mut leaders = Table::new("学生积分排行", &["名次", "姓名", "学号", "学院", "积分"]);
    for l in &d.leaderboard {
        leaders.row(vec![
            l.rank.into(),
            l.name.clone().into(),
            l.student_number.clone().into(),
            l.college.clone().into(),
            l.points.into(),
        ]);
    }
    vec![
        Sheet {
            name: "概览".into(),
            tables: vec![overview, points],
        },
        Sheet {
            name: "活动".into(),
            tables: vec![
                figure_table("按类别", &d.by_category),
                figure_table("按级别", &d.by_level),
                figure_table("按状态", &d.by_state),
            ],
        },
        Sheet {
            name: "参与".into(),
            tables: vec![
                participation_table("按学院", &d.by_college),
                participation_table("按年级", &d.by_year),
                participation_table("按学历层次", &d.by_degree),
            ],
        },
        Sheet {
            name: "趋势".into(),
            tables: vec![
                trend_table("按周", &d.weeks),
                trend_table("按学期", &d.terms),
            ],
        },
        Sheet {
            name: "排行".into(),
            tables: vec![top, leaders],
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Instructor workload.

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TermQuery {
    /// The term (default: the one containing today, else the latest begun).
    pub term: Option<i64>,
}

/// Rows per instructor from the activities they guided.
fn workload_of(
    term: &Term,
    organization_id: Option<i64>,
    rows: Vec<db::insight::GuidedRow>,
) -> Workload {
    let mut summary: Vec<WorkloadRow> = Vec::new();
    let mut activities = Vec::with_capacity(rows.len());
    for r in rows {
        let hours = scheduled_hours(r.starts_at, r.ends_at);
        match summary.last_mut() {
            Some(last) if last.instructor_id == r.instructor_id => {
                last.activities += 1;
                last.hours += hours;
                last.participants += r.participants;
                last.results += r.results;
                last.awards += r.awards;
            }
            _ => summary.push(WorkloadRow {
                instructor_id: r.instructor_id,
                name: r.instructor.clone(),
                username: r.username.clone(),
                organization: r.instructor_org.clone(),
                activities: 1,
                hours,
                participants: r.participants,
                results: r.results,
                awards: r.awards,
            }),
        }
        activities.push(WorkloadActivity {
            instructor_id: r.instructor_id,
            activity_id: r.activity_id,
            title: r.title,
            category: r.category,
            organizer: r.organizer,
            starts_at: r.starts_at,
            hours,
            participants: r.participants,
            results: r.results,
            awards: r.awards,
        });
    }
    Workload {
        term_id: term.id,
        term_code: term.code.clone(),
        term_name: term.name.clone(),
        organization_id,
        rows: summary,
        activities,
    }
}

async fn read_workload(
    state: &AppState,
    actor: &Actor,
    organization: Option<i64>,
    term: Option<i64>,
) -> Result<Workload, AppError> {
    let mut conn = state.db.conn().await?;
    let term = term_or_current(&mut conn, term).await?;
    let span = Span::days(term.starts_on, term.ends_on);
    if actor.kind == AccountKind::Staff && organization.is_none() {
        let rows = db::insight::guided(&mut conn, None, Some(actor.account_id), span).await?;
        return Ok(workload_of(&term, None, rows));
    }
    let org = scope(&mut conn, actor, organization).await?;
    let orgs = db::insight::subtree(&mut conn, org.id).await?;
    let rows = db::insight::guided(&mut conn, Some(&orgs), None, span).await?;
    Ok(workload_of(&term, Some(org.id), rows))
}

/// Instructor workload
///
/// Per instructor, over the term: the published activities of the organisation's subtree they
/// guided, those activities' scheduled hours, the students who checked in, the results
/// recognised and the awards among them; and each activity. Needs `view_reports` over the
/// organisation.
#[utoipa::path(
    tag = "insight",
    params(ScopeQuery),
    responses(
        (status = 200, description = "The sheet", body = Workload),
        (status = 403, description = "Not `view_reports` over the organisation", body = shared::ApiError),
        (status = 404, description = "No such organisation or term", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/insight/workload")]
pub async fn workload(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ScopeQuery>,
) -> Result<web::Json<Workload>, AppError> {
    if actor.kind != AccountKind::Organization {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "instructors read their own at /api/me/workload",
        ));
    }
    Ok(web::Json(
        read_workload(
            &state,
            &actor,
            Some(query.organization.unwrap_or(actor.org.id)),
            query.term,
        )
        .await?,
    ))
}

/// Instructor workload as a spreadsheet
///
/// The same sheet as `GET /api/insight/workload`, as .xlsx (a summary and the activities).
#[utoipa::path(
    tag = "insight",
    params(ScopeQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "Not `view_reports` over the organisation", body = shared::ApiError),
        (status = 404, description = "No such organisation or term", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/insight/workload.xlsx")]
pub async fn workload_xlsx(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    if actor.kind != AccountKind::Organization {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "instructors read their own at /api/me/workload.xlsx",
        ));
    }
    let sheet = read_workload(
        &state,
        &actor,
        Some(query.organization.unwrap_or(actor.org.id)),
        query.term,
    )
    .await?;
    workload_download(&sheet)
}

/// My workload
///
/// The signed-in instructor's own sheet over the term (every organisation's activities they
/// guided). Instructors (staff accounts) only.
#[utoipa::path(
    tag = "insight",
    params(TermQuery),
    responses(
        (status = 200, description = "The sheet", body = Workload),
        (status = 403, description = "Not an instructor", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/workload")]
pub async fn my_workload(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<TermQuery>,
) -> Result<web::Json<Workload>, AppError> {
    require_staff(&actor)?;
    Ok(web::Json(
        read_workload(&state, &actor, None, query.term).await?,
    ))
}

/// My workload as a spreadsheet
///
/// The same sheet as `GET /api/me/workload`, as .xlsx. Instructors only.
#[utoipa::path(
    tag = "insight",
    params(TermQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "Not an instructor", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/me/workload.xlsx")]
pub async fn my_workload_xlsx(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    require_staff(&actor)?;
    let sheet = read_workload(&state, &actor, None, query.term).await?;
    workload_download(&sheet)
}

fn require_staff(actor: &Actor) -> Result<(), AppError> {
    if actor.kind == AccountKind::Staff {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "only instructors have a workload sheet of their own; organisations read /api/insight/workload",
        ))
    }
}

fn workload_download(sheet: &Workload) -> Result<HttpResponse, AppError> {
    let mut summary = Table::new(
        format!("指导老师工作量表 · {}", sheet.term_name),
        &[
            "指导老师",
            "工号",
            "所在单位",
            "指导活动数",
            "活动时长（小时）",
            "参与人次",
            "认定成绩",
            "获奖",
        ],
    );
    for r in &sheet.rows {
        summary.row(vec![
            r.name.clone().into(),
            r.username.clone().into(),
            r.organization.clone().into(),
            r.activities.into(),
            r.hours.into(),
            r.participants.into(),
            r.results.into(),
            r.awards.into(),
        ]);
    }
    let names: std::collections::HashMap<i64, &str> = sheet
        .rows
        .iter()
        .map(|r| (r.instructor_id, r.name.as_str()))
        .collect();
    let mut detail = Table::new(
        "活动明细",
        &[
            "指导老师",
            "活动",
            "类别",
            "主办组织",
            "开始时间",
            "时长（小时）",
            "参与人次",
            "认定成绩",
            "获奖",
        ],
    );
    for a in &sheet.activities {
        detail.row(vec![
            names.get(&a.instructor_id).copied().unwrap_or("").into(),
            a.title.clone().into(),
            a.category.clone().into(),
            a.organizer.clone().into(),
            a.starts_at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
                .into(),
            a.hours.into(),
            a.participants.into(),
            a.results.into(),
            a.awards.into(),
        ]);
    }
    let bytes = xlsx::workbook(&[
        Sheet {
            name: "工作量".into(),
            tables: vec![summary],
        },
        Sheet {
            name: "活动明细".into(),
            tables: vec![detail],
        },
    ])?;
    Ok(xlsx::download(
        bytes,
        &format!("指导老师工作量-{}", sheet.term_code),
    ))
}
