use crate::helpers::{assert_error, spawn_app};
use serde_json::json;
use shared::{
    Page,
    calendar::{CalendarDay, DayKind, Deadline},
};

#[tokio::test]
async fn ships_the_official_2025_and_2026_arrangements() {
    let app = spawn_app().await;

    let y2025: Page<CalendarDay> = app
        .get("/api/calendar/days?year=2025&per_page=100")
        .await
        .json()
        .await
        .unwrap();
    let y2026: Page<CalendarDay> = app
        .get("/api/calendar/days?year=2026&per_page=100")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!((y2025.total, y2026.total), (33, 39));
    let national_day = y2026
        .items
        .iter()
        .filter(|d| d.name == "国庆节" && d.kind == DayKind::Holiday)
        .count();
    assert_eq!(national_day, 7);
    assert!(
        y2026.items.windows(2).all(|w| w[0].date < w[1].date),
        "sorted by date"
    );
    let saturday = y2026
        .items
        .iter()
        .find(|d| d.date.to_string() == "2026-10-10")
        .unwrap();
    assert_eq!(saturday.kind, DayKind::Workday);
}

#[tokio::test]
async fn lists_are_paginated() {
    let app = spawn_app().await;

    let first: Page<CalendarDay> = app
        .get("/api/calendar/days?per_page=30")
        .await
        .json()
        .await
        .unwrap();
    let third: Page<CalendarDay> = app
        .get("/api/calendar/days?per_page=30&page=3")
        .await
        .json()
        .await
        .unwrap();
    let beyond: Page<CalendarDay> = app
        .get("/api/calendar/days?per_page=30&page=9")
        .await
        .json()
        .await
        .unwrap();
    let default: Page<CalendarDay> = app.get("/api/calendar/days").await.json().await.unwrap();

    assert_eq!(
        (first.items.len(), first.total, first.page, first.per_page),
        (30, 72, 1, 30)
    );
    assert_eq!(third.items.len(), 12);
    assert!(first.items.last().unwrap().date < third.items[0].date);
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 72);
    assert_eq!(default.per_page, 20);
}

#[tokio::test]
async fn deadlines_skip_holidays_and_count_adjusted_workdays() {
    let app = spawn_app().await;

    // Activity ends Wed 2026-09-30; 5 working days: 10-08, 10-09, 10-10 (Sat, 调休), 10-12, 10-13.
    let response = app
        .post_json(
            "/api/calendar/deadline",
            &json!({"start": "2026-09-30", "working_days": 5}),
        )
        .await;

    assert_eq!(response.status().as_u16(), 200);
    let deadline: Deadline = response.json().await.unwrap();
    assert_eq!(deadline.deadline.to_string(), "2026-10-13");
    assert_eq!(
        deadline.exceptions.len(),
        8,
        "seven days off and one adjusted Saturday"
    );

    // Spring Festival 2026: Friday 02-13 + 10 working days, 02-14 (Sat) and 02-28 (Sat) worked.
    let spring: Deadline = app
        .post_json(
            "/api/calendar/deadline",
            &json!({"start": "2026-02-13", "working_days": 10}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(spring.deadline.to_string(), "2026-03-05");
}

#[tokio::test]
async fn deadline_out_of_range_is_422_on_the_field() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/calendar/deadline",
            &json!({"start": "2026-09-30", "working_days": 501}),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(body["field"], "working_days");
}
