//! The working-day calendar: public holidays and adjusted working days (调休).

use actix_web::{get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use shared::{
    ApiError, ErrorCode, Page,
    calendar::{CalendarDay, Deadline, DeadlineRequest, WorkCalendar},
    page::{PageParams, PageRequest},
};
use utoipa::IntoParams;

use crate::{AppState, db, error::AppError};

/// Which exceptions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Only this calendar year (e.g. 2026); all years when absent.
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub year: Option<i32>,
    /// 1-based page number (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 50)]
    pub per_page: Option<u32>,
}

/// List calendar exceptions
///
/// The days that depart from the Monday–Friday week: holidays (`holiday`) and weekend days
/// that are worked (`workday`, 调休). Deadlines counted in working days use this calendar.
/// Ships with the official 2025 and 2026 arrangements. No authentication.
#[utoipa::path(
    tag = "calendar",
    params(CalendarQuery),
    responses(
        (status = 200, description = "One page of exceptions, by date", body = Page<CalendarDay>),
        (status = 400, description = "Bad query parameter", body = ApiError,
            example = json!({"code": "invalid_query", "message": "year must be between 2000 and 2100", "field": "year"})),
    ),
    security(()),
)]
#[get("/calendar/days")]
pub async fn list_days(
    state: web::Data<AppState>,
    query: web::Query<CalendarQuery>,
) -> Result<web::Json<Page<CalendarDay>>, AppError> {
    let page = PageRequest::try_from(PageParams {
        page: query.page,
        per_page: query.per_page,
    })?;
    let (from, to) = match query.year {
        Some(year) if !(2000..=2100).contains(&year) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "year must be between 2000 and 2100",
            )
            .with_field("year")
            .into());
        }
        Some(year) => (first_day(year), last_day(year)),
        None => (first_day(1900), last_day(2999)),
    };
    let mut conn = state.db.conn().await?;
    let (days, total) = db::calendar::list(&mut conn, from, to, page).await?;
    Ok(web::Json(Page::new(days, page, total)))
}

/// Count working days
///
/// The date on which `working_days` working days have passed after `start` (the start day not
/// counted), skipping weekends and holidays and counting adjusted working days (调休). This is
/// how the platform's deadlines are computed: results within 10 working days after an activity
/// ends, make-up check-in within 5. No authentication.
#[utoipa::path(
    tag = "calendar",
    request_body = DeadlineRequest,
    responses(
        (status = 200, description = "The deadline", body = Deadline),
        (status = 400, description = "Malformed JSON", body = ApiError,
            example = json!({"code": "malformed_json", "message": "invalid JSON body: missing field `start` at line 1 column 21", "field": "start"})),
        (status = 422, description = "A value out of range", body = ApiError,
            example = json!({"code": "validation_failed", "message": "working_days must be between 0 and 500", "field": "working_days"})),
    ),
    security(()),
)]
#[post("/calendar/deadline")]
pub async fn deadline(
    state: web::Data<AppState>,
    body: web::Json<DeadlineRequest>,
) -> Result<web::Json<Deadline>, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let mut conn = state.db.conn().await?;
    let exceptions = db::calendar::from(&mut conn, request.start).await?;
    let deadline =
        WorkCalendar::new(&exceptions).add_working_days(request.start, request.working_days);
    let exceptions = exceptions
        .into_iter()
        .filter(|day| day.date > request.start && day.date <= deadline)
        .collect();
    Ok(web::Json(Deadline {
        start: request.start,
        working_days: request.working_days,
        deadline,
        exceptions,
    }))
}

fn first_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default()
}

fn last_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default()
}
