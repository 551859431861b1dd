//! Monthly work reports (工作月报). On the 28th each college's month is frozen ([`freeze`]);
//! the college reads it, writes its comments and files it (an account of the college with
//! `view_reports`); after the 28th an unfiled report is late. The school (its accounts with
//! `view_reports`) sees who filed, compares the colleges side by side, writes its analysis and
//! publishes the school's report, which every organisation can then read. Each downloads as
//! .xlsx (figures, activities, overdue items, cadre work) and as PDF.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use shared::{
    ApiError, ErrorCode, Page,
    auth::Permission,
    insight::{
        CollegeColumn, Month, MonthlyContent, MonthlyReport, MonthlyReportSummary, ReportComments,
        ReportStatus, SchoolAnalysis, SchoolReport, SchoolReportStatus, SchoolReportSummary,
        is_late, report_text,
    },
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change, reports::ReportRow},
    error::AppError,
    insight::xlsx,
};

pub mod document;
pub mod freeze;
pub mod mail;

use freeze::SCHOOL;

fn summary(row: &ReportRow, now: DateTime<Utc>) -> MonthlyReportSummary {
    MonthlyReportSummary {
        id: row.id,
        organization_id: row.organization_id,
        organization: row.organization.clone(),
        month: Month::of(row.month),
        status: ReportStatus::parse(&row.status),
        late: is_late(row.due_at, row.filed_at, now),
        due_at: row.due_at,
        frozen_at: row.frozen_at,
        filed_at: row.filed_at,
        filed_by: row.filed_by.clone(),
    }
}

fn content(row: &ReportRow) -> MonthlyContent {
    serde_json::from_value(row.content.clone()).unwrap_or_default()
}

/// Whether the caller is the school committee's own account with `view_reports`.
fn is_school(actor: &Actor) -> bool {
    actor.org.path.len() == 1 && actor.permissions.contains(&Permission::ViewReports)
}

fn may_file(actor: &Actor, row: &ReportRow) -> bool {
    actor.org.id == row.organization_id
        && actor.permissions.contains(&Permission::ViewReports)
        && row.status == "open"
}

fn full(actor: &Actor, row: ReportRow, now: DateTime<Utc>) -> MonthlyReport {
    MonthlyReport {
        summary: summary(&row, now),
        period_from: row.period_from,
        period_to: row.period_to,
        content: content(&row),
        can_file: may_file(actor, &row),
        comments: row.comments,
    }
}

/// A report the caller may read: `view_reports` over its college.
async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<ReportRow, AppError> {
    actor.require(Permission::ViewReports)?;
    let row = db::reports::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("monthly report"))?;
    let org = db::organizations::get(conn, row.organization_id)
        .await?
        .ok_or_else(|| AppError::not_found("monthly report"))?;
    if !actor.is_within(&org.path) {
        return Err(AppError::not_found("monthly report"));
    }
    Ok(row)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this month's (`2026-11`).
    #[param(pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Monthly reports
///
/// The colleges' reports in the caller's subtree (the school sees every college's), newest
/// month first, each with whether it is filed and whether it is late. Needs `view_reports`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, description = "One page", body = Page<MonthlyReportSummary>),
        (status = 400, description = "A bad month or page", body = ApiError),
        (status = 403, description = "No `view_reports`", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/monthly-reports")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ReportQuery>,
) -> Result<web::Json<Page<MonthlyReportSummary>>, AppError> {
    actor.require(Permission::ViewReports)?;
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let month = match &query.month {
        Some(text) => Some(Month::parse(text).ok_or_else(|| {
            AppError::from(
                ApiError::new(ErrorCode::InvalidQuery, "a month like 2026-11").with_field("month"),
            )
        })?),
        None => None,
    };
    let mut conn = state.db.conn().await?;
    let (rows, total) = db::reports::list(
        &mut conn,
        SCHOOL,
        actor.org.id,
        month.map(Month::first_day),
        page.limit(),
        page.offset(),
    )
    .await?;
    let now = Utc::now();
    let items = rows.iter().map(|r| summary(r, now)).collect();
    Ok(web::Json(Page::new(items, page, total as u64)))
}

/// A monthly report
///
/// A college's frozen month: its figures, the activities held, overdue items and cadre work,
/// with its comments and whether the caller may file it. Needs `view_reports` over the college.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "The report", body = MonthlyReport),
        (status = 403, description = "No `view_reports`", body = ApiError),
        (status = 404, description = "No such report in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/monthly-reports/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<i64>,
) -> Result<web::Json<MonthlyReport>, AppError> {
    let mut conn = state.db.conn().await?;
    let row = readable(&mut conn, &actor, path.into_inner()).await?;
    Ok(web::Json(full(&actor, row, Utc::now())))
}

/// The college's own open report, for a write by an account of it.
async fn writable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: i64,
) -> Result<ReportRow, AppError> {
    let row = readable(conn, actor, id).await?;
    if actor.org.id != row.organization_id {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only the college's own accounts comment on and file its report",
        ));
    }
    if row.status != "open" {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the report is filed and can no longer change",
        ));
    }
    Ok(row)
}

/// Comment on a monthly report
///
/// Saves the college's comments (工作总结, at most 5,000 characters) on its open report.
/// An account of the college with `view_reports`.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    request_body = ReportComments,
    responses(
        (status = 200, description = "Saved", body = MonthlyReport),
        (status = 400, description = "Too long", body = ApiError),
        (status = 403, description = "Not the college's account with `view_reports`", body = ApiError),
        (status = 404, description = "No such report in the caller's subtree", body = ApiError),
        (status = 409, description = "Already filed", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/monthly-reports/{id}")]
pub async fn comment(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<i64>,
    body: web::Json<ReportComments>,
) -> Result<web::Json<MonthlyReport>, AppError> {
    let id = path.into_inner();
    let comments = report_text(&body.comments, "comments")?;
    let mut conn = state.db.conn().await?;
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let row = writable(conn, &actor, id).await?;
            if !db::reports::comment(conn, id, &comments, actor.account_id).await? {
                return Err(AppError::new(ErrorCode::Conflict, "the report was filed meanwhile"));
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(row.organization_id),
                    action: "monthly_report.comment",
                    target_type: "monthly_report",
                    target_id: id.to_string(),
                    details: json!({ "month": Month::of(row.month), "chars": comments.chars().count() }),
                },
            )
            .await?;
            db::reports::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("monthly report"))
        })
        .await?;
    Ok(web::Json(full(&actor, row, Utc::now())))
}

/// File a monthly report
///
/// Files the college's open report as it stands (its figures frozen on the 28th and its
/// comments); it is read-only afterwards. Filed after the end of the 28th, it stays marked
/// late. Filing twice answers 409. An account of the college with `view_reports`.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "Filed", body = MonthlyReport),
        (status = 403, description = "Not the college's account with `view_reports`", body = ApiError),
        (status = 404, description = "No such report in the caller's subtree", body = ApiError),
        (status = 409, description = "Already filed", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/monthly-reports/{id}/file")]
pub async fn file(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<i64>,
) -> Result<web::Json<MonthlyReport>, AppError> {
    let id = path.into_inner();
    let mut conn = state.db.conn().await?;
    let row = conn
        .transaction::<_, AppError, _>(async |conn| {
            let row = writable(conn, &actor, id).await?;
            if !db::reports::file(conn, id, actor.account_id).await? {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the report is already filed",
                ));
            }
            let filed = db::reports::get(conn, id)
                .await?
                .ok_or_else(|| AppError::not_found("monthly report"))?;
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(row.organization_id),
                    action: "monthly_report.file",
                    target_type: "monthly_report",
                    target_id: id.to_string(),
                    details: json!({
                        "month": Month::of(row.month),
                        "late": is_late(filed.due_at, filed.filed_at, Utc::now()),
                    }),
                },
            )
            .await?;
            Ok(filed)
        })
        .await?;
    Ok(web::Json(full(&actor, row, Utc::now())))
}

/// A monthly report as a spreadsheet
///
/// Laid out like the work-report template: 数据汇总 (the figures), 活动明细 (the month's
/// activities), 逾期事项 (overdue items) and 干部工作 (cadre work), and the comments.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "No `view_reports`", body = ApiError),
        (status = 404, description = "No such report in the caller's subtree", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/monthly-reports/{id}/report.xlsx")]
pub async fn report_xlsx(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let row = readable(&mut conn, &actor, path.into_inner()).await?;
    let report = full(&actor, row, Utc::now());
    let bytes = xlsx::workbook(&document::college_sheets(&report))?;
    Ok(xlsx::download(bytes, &document::college_file_name(&report)))
}

/// A monthly report as PDF
///
/// The same tables as the spreadsheet, on A4 pages. 503 when the server has no CJK font.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "No `view_reports`", body = ApiError),
        (status = 404, description = "No such report in the caller's subtree", body = ApiError),
        (status = 503, description = "No CJK font installed for PDFs", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/monthly-reports/{id}/report.pdf")]
pub async fn report_pdf(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let row = readable(&mut conn, &actor, path.into_inner()).await?;
    drop(conn);
    let report = full(&actor, row, Utc::now());
    let doc = document::college_pdf(&report);
    let bytes = document::render(&state, doc).await?;
    Ok(xlsx::attachment(
        bytes,
        &document::college_file_name(&report),
        "pdf",
        "application/pdf",
    ))
}

// ---------------------------------------------------------------------------------------------
// The school's report.

/// School reports
///
/// The months with college reports, newest first: how many colleges filed, how many are late,
/// and the school report's state. The school's accounts with `view_reports` see every month;
/// other organisation accounts see the published ones.
#[utoipa::path(
    tag = "reports",
    responses(
        (status = 200, description = "Newest first", body = Vec<SchoolReportSummary>),
        (status = 403, description = "Not an organisation account", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/school-reports")]
pub async fn school_list(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<Vec<SchoolReportSummary>>, AppError> {
    crate::students::require_organization(&actor)?;
    let mut conn = state.db.conn().await?;
    let rows = db::reports::months(&mut conn, SCHOOL, Utc::now(), !is_school(&actor)).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| SchoolReportSummary {
                month: Month::of(r.month),
                status: school_status(r.status.as_deref()),
                published_at: r.published_at,
                colleges: r.colleges,
                filed: r.filed,
                late: r.late,
            })
            .collect(),
    ))
}

fn school_status(status: Option<&str>) -> SchoolReportStatus {
    if status == Some("published") {
        SchoolReportStatus::Published
    } else {
        SchoolReportStatus::Draft
    }
}

fn month_of_path(text: &str) -> Result<Month, AppError> {
    Month::parse(text).ok_or_else(|| {
        AppError::from(
            ApiError::new(ErrorCode::InvalidPath, "a month like 2026-11").with_field("month"),
        )
    })
}

/// The school's report of a month as the caller may see it.
async fn school_report_of(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    month: Month,
) -> Result<SchoolReport, AppError> {
    crate::students::require_organization(actor)?;
    let now = Utc::now();
    let stored = db::reports::school_report(conn, SCHOOL, month.first_day()).await?;
    let status = school_status(stored.as_ref().map(|s| s.status.as_str()));
    let school = is_school(actor);
    if !school && status != SchoolReportStatus::Published {
        return Err(AppError::not_found("published school report"));
    }
    let rows = db::reports::of_month(conn, SCHOOL, month.first_day()).await?;
    if rows.is_empty() && stored.is_none() {
        return Err(AppError::not_found("monthly report"));
    }
    let colleges: Vec<CollegeColumn> = rows
        .iter()
        .map(|row| CollegeColumn {
            report: summary(row, now),
            figures: content(row).figures,
            comments: row.comments.clone(),
        })
        .collect();
    let (period_from, period_to) = month.period();
    Ok(SchoolReport {
        month,
        period_from,
        period_to,
        due_at: freeze::due_at(month),
        status,
        analysis: stored
            .as_ref()
            .map(|s| s.analysis.clone())
            .unwrap_or_default(),
        published_at: stored.as_ref().and_then(|s| s.published_at),
        published_by: stored.and_then(|s| s.published_by),
        filed: colleges
            .iter()
            .filter(|c| c.report.status == ReportStatus::Filed)
            .count() as i64,
        late: colleges.iter().filter(|c| c.report.late).count() as i64,
        colleges,
        can_publish: school && status == SchoolReportStatus::Draft,
    })
}

/// The school's report of a month
///
/// The colleges side by side (each one's figures, filing and lateness, and comments) and the
/// school's analysis. A draft is the school's own (its accounts with `view_reports`); once
/// published every organisation account reads it.
#[utoipa::path(
    tag = "reports",
    params(("month" = String, Path, description = "`2026-11`", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")),
    responses(
        (status = 200, description = "The report", body = SchoolReport),
        (status = 400, description = "Not a month", body = ApiError),
        (status = 403, description = "Not an organisation account", body = ApiError),
        (status = 404, description = "No reports that month, or not published", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/school-reports/{month}")]
pub async fn school_get(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<String>,
) -> Result<web::Json<SchoolReport>, AppError> {
    let month = month_of_path(&path)?;
    let mut conn = state.db.conn().await?;
    Ok(web::Json(school_report_of(&mut conn, &actor, month).await?))
}

fn require_school(actor: &Actor) -> Result<(), AppError> {
    actor.require(Permission::ViewReports)?;
    if is_school(actor) {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "the school's report is written by the school committee",
        ))
    }
}

/// Write the school's analysis
///
/// Saves the analysis (at most 5,000 characters) of a month's draft. The school's accounts
/// with `view_reports`.
#[utoipa::path(
    tag = "reports",
    params(("month" = String, Path, description = "`2026-11`", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")),
    request_body = SchoolAnalysis,
    responses(
        (status = 200, description = "Saved", body = SchoolReport),
        (status = 400, description = "Not a month, or too long", body = ApiError),
        (status = 403, description = "Not the school with `view_reports`", body = ApiError),
        (status = 404, description = "No reports that month", body = ApiError),
        (status = 409, description = "Already published", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/school-reports/{month}")]
pub async fn school_analyse(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<String>,
    body: web::Json<SchoolAnalysis>,
) -> Result<web::Json<SchoolReport>, AppError> {
    let month = month_of_path(&path)?;
    require_school(&actor)?;
    let analysis = report_text(&body.analysis, "analysis")?;
    let mut conn = state.db.conn().await?;
    let report = conn
        .transaction::<_, AppError, _>(async |conn| {
            school_report_of(conn, &actor, month).await?;
            if !db::reports::analyse(conn, SCHOOL, month.first_day(), &analysis, actor.account_id)
                .await?
            {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the school report is published",
                ));
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(actor.org.id),
                    action: "school_report.analyse",
                    target_type: "school_report",
                    target_id: month.to_string(),
                    details: json!({ "chars": analysis.chars().count() }),
                },
            )
            .await?;
            school_report_of(conn, &actor, month).await
        })
        .await?;
    Ok(web::Json(report))
}

/// Publish the school's report
///
/// Publishes a month's report as it stands (the colleges' figures and the analysis); every
/// organisation can read it from then on. Publishing twice answers 409. The school's accounts
/// with `view_reports`.
#[utoipa::path(
    tag = "reports",
    params(("month" = String, Path, description = "`2026-11`", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")),
    responses(
        (status = 200, description = "Published", body = SchoolReport),
        (status = 400, description = "Not a month", body = ApiError),
        (status = 403, description = "Not the school with `view_reports`", body = ApiError),
        (status = 404, description = "No reports that month", body = ApiError),
        (status = 409, description = "Already published", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[post("/school-reports/{month}/publish")]
pub async fn school_publish(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<String>,
) -> Result<web::Json<SchoolReport>, AppError> {
    let month = month_of_path(&path)?;
    require_school(&actor)?;
    let mut conn = state.db.conn().await?;
    let report = conn
        .transaction::<_, AppError, _>(async |conn| {
            let before = school_report_of(conn, &actor, month).await?;
            if !db::reports::publish(conn, SCHOOL, month.first_day(), actor.account_id).await? {
                return Err(AppError::new(ErrorCode::Conflict, "the school report is already published"));
            }
            db::audit::record(
                conn,
                Some(actor.account_id),
                Change {
                    organization_id: Some(actor.org.id),
                    action: "school_report.publish",
                    target_type: "school_report",
                    target_id: month.to_string(),
                    details: json!({ "filed": before.filed, "late": before.late, "colleges": before.colleges.len() }),
                },
            )
            .await?;
            school_report_of(conn, &actor, month).await
        })
        .await?;
    Ok(web::Json(report))
}

/// The school's report as a spreadsheet
///
/// 学院对比 (every college's figures side by side), 提交情况 (who filed, who is late) and 分析
/// (the school's analysis and the colleges' comments).
#[utoipa::path(
    tag = "reports",
    params(("month" = String, Path, description = "`2026-11`", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "Not an organisation account", body = ApiError),
        (status = 404, description = "No reports that month, or not published", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/school-reports/{month}/report.xlsx")]
pub async fn school_xlsx(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let month = month_of_path(&path)?;
    let mut conn = state.db.conn().await?;
    let report = school_report_of(&mut conn, &actor, month).await?;
    let bytes = xlsx::workbook(&document::school_sheets(&report))?;
    Ok(xlsx::download(bytes, &format!("工作月报-全校-{month}")))
}

/// The school's report as PDF
///
/// The analysis, who filed, and the colleges side by side (five a table), on A4 pages. 503 when
/// the server has no CJK font.
#[utoipa::path(
    tag = "reports",
    params(("month" = String, Path, description = "`2026-11`", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "Not an organisation account", body = ApiError),
        (status = 404, description = "No reports that month, or not published", body = ApiError),
        (status = 503, description = "No CJK font installed for PDFs", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/school-reports/{month}/report.pdf")]
pub async fn school_pdf(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let month = month_of_path(&path)?;
    let mut conn = state.db.conn().await?;
    let report = school_report_of(&mut conn, &actor, month).await?;
    drop(conn);
    let bytes = document::render(&state, document::school_pdf(&report)).await?;
    Ok(xlsx::attachment(
        bytes,
        &format!("工作月报-全校-{month}"),
        "pdf",
        "application/pdf",
    ))
}
