//! The working-day calendar: public holidays and adjusted working days (调休).

use actix_web::{delete, get, post, put, web};
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

/// `PUT /api/calendar/days/{date}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"kind": "holiday", "name": "校庆日"}))]
pub struct CalendarDayInput {
    pub kind: shared::calendar::DayKind,
    pub name: String,
}

/// Set a calendar exception
///
/// Marks a date as a holiday (放假) or as a worked weekend day (调休上班), replacing what the
/// date had. The school admin's (the root organisation with `manage_accounts`).
#[utoipa::path(
    tag = "calendar",
    params(("date" = chrono::NaiveDate, Path, description = "The date, YYYY-MM-DD")),
    request_body = CalendarDayInput,
    responses(
        (status = 200, description = "The exception", body = CalendarDay),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 422, description = "A bad name", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/calendar/days/{date}")]
pub async fn put_day(
    state: web::Data<AppState>,
    actor: crate::auth::Actor,
    date: web::Path<NaiveDate>,
    body: web::Json<CalendarDayInput>,
) -> Result<web::Json<CalendarDay>, AppError> {
    actor.require_school_admin("the calendar is")?;
    let input = body.into_inner();
    let name = input.name.trim().to_owned();
    if !(1..=50).contains(&name.chars().count()) {
        return Err(ApiError::invalid("name", "a name has 1 to 50 characters").into());
    }
    let day = CalendarDay {
        date: *date,
        kind: input.kind,
        name,
    };
    let mut conn = state.db.conn().await?;
    diesel_async::AsyncConnection::transaction::<_, AppError, _>(&mut *conn, async |conn| {
        db::calendar::upsert(conn, &day, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            db::audit::Change {
                organization_id: Some(actor.org.id),
                action: "calendar.put",
                target_type: "calendar_day",
                target_id: day.date.to_string(),
                details: serde_json::json!({"kind": day.kind.as_str(), "name": day.name}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(day))
}

/// Remove a calendar exception
///
/// The date follows the ordinary week again. The school admin's.
#[utoipa::path(
    tag = "calendar",
    params(("date" = chrono::NaiveDate, Path, description = "The date, YYYY-MM-DD")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 404, description = "No exception on that date", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[delete("/calendar/days/{date}")]
pub async fn delete_day(
    state: web::Data<AppState>,
    actor: crate::auth::Actor,
    date: web::Path<NaiveDate>,
) -> Result<actix_web::HttpResponse, AppError> {
    actor.require_school_admin("the calendar is")?;
    let date = *date;
    let mut conn = state.db.conn().await?;
    diesel_async::AsyncConnection::transaction::<_, AppError, _>(&mut *conn, async |conn| {
        if !db::calendar::delete(conn, date).await? {
            return Err(AppError::not_found("calendar exception"));
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            db::audit::Change {
                organization_id: Some(actor.org.id),
                action: "calendar.delete",
                target_type: "calendar_day",
                target_id: date.to_string(),
                details: serde_json::json!({}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}
