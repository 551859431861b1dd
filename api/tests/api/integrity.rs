//! The no-show record (诚信记录) and its policy, cancellation rules, watches and scheduled
//! reminders, and the living demo.

use crate::{
    attendance::{activity, participants},
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

async fn sql(app: &TestApp, query: &str) {
    let mut conn = app.db().await;
    diesel::sql_query(query).execute(&mut conn).await.unwrap();
}

async fn record(app: &TestApp, student: &str) -> Value {
    let bearer = token(app, student).await;
    let response = get_as(app, &bearer, "/api/me/no-shows").await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// An activity that ended an hour ago, `2023010101` and `2024020101` confirmed, one other
/// student checked in (so the activity took attendance).
async fn ended_with_absentees(app: &TestApp) -> i64 {
    let now = Utc::now();
    let id = activity(
        app,
        "volunteer",
        now - Duration::hours(4),
        now - Duration::hours(1),
    )
    .await;
    participants(app, id, &["2023010101", "2024020101", "2023010102"]).await;
    sql(
        app,
        &format!(
            "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered)
             SELECT {id}, id, now() - interval '3 hours', 'manual', true FROM accounts
             WHERE username = '2023010102'"
        ),
    )
    .await;
    id
}

#[tokio::test]
async fn a_confirmed_student_who_did_not_come_is_a_no_show_unless_excused() {
    let app = demo_app().await;
    let id = ended_with_absentees(&app).await;
    // An activity that recorded nobody judges nobody.
    let now = Utc::now();
    let silent = activity(
        &app,
        "lecture",
        now - Duration::hours(5),
        now - Duration::hours(2),
    )
    .await;
    participants(&app, silent, &["2023010101"]).await;

    let mine = record(&app, "2023010101").await;
    assert_eq!(mine["standing"]["count"], 1, "{mine}");
    assert_eq!(mine["items"][0]["activity_id"], id);
    assert_eq!(mine["items"][0]["kind"], "absent");
    assert_eq!(mine["standing"]["remaining"], 2, "three by default");
    assert_eq!(mine["policy"]["threshold"], 3);
    assert_eq!(record(&app, "2023010102").await["standing"]["count"], 0);

    // The organiser sees it on the sign-up list, and excuses the other absentee.
    let club = token(&app, "acm_admin").await;
    let list: Value = get_as(&app, &club, &format!("/api/activities/{id}/registrations"))
        .await
        .json()
        .await
        .unwrap();
    let row = |no: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["student_no"] == no)
            .cloned()
            .unwrap()
    };
    assert_eq!(row("2023010101")["no_shows"], 1);
    assert_eq!(row("2023010102")["no_shows"], 0);
    let other = row("2024020101")["id"].as_i64().unwrap();
    let path = format!("/api/registrations/{other}/excuse");
    let empty = send_as(
        &app,
        Method::POST,
        Some(&club),
        &path,
        Some(&json!({"reason": " "})),
    )
    .await;
    assert_error(empty, 422, "validation_failed").await;
    let excused: Value = send_as(
        &app,
        Method::POST,
        Some(&club),
        &path,
        Some(&json!({"reason": "校运会集训"})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(excused["excuse"], "校运会集训", "{excused}");
    assert_eq!(record(&app, "2024020101").await["standing"]["count"], 0);
    // Someone outside the organiser's subtree cannot.
    let em = token(&app, "em_admin").await;
    let outside = send_as(
        &app,
        Method::POST,
        Some(&em),
        &path,
        Some(&json!({"reason": "x"})),
    )
    .await;
    assert_error(outside, 404, "not_found").await;
    // Withdrawn, it counts again; withdrawing twice is a conflict.
    let back = send_as(&app, Method::DELETE, Some(&club), &path, None).await;
    assert_eq!(back.status().as_u16(), 200);
    assert_eq!(record(&app, "2024020101").await["standing"]["count"], 1);
    assert_error(
        send_as(&app, Method::DELETE, Some(&club), &path, None).await,
        409,
        "conflict",
    )
    .await;

    let audit: Value = get_as(
        &app,
        &token(&app, "admin").await,
        "/api/audit?action=registration.excuse",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(audit["total"], 1, "{audit}");
}

#[tokio::test]
async fn three_no_shows_block_first_come_sign_up_but_not_review() {
    let app = demo_app().await;
    for _ in 0..3 {
        ended_with_absentees(&app).await;
    }
    let mine = record(&app, "2023010101").await;
    assert_eq!(mine["standing"]["count"], 3);
    let until = mine["standing"]["blocked_until"].as_str().expect("blocked");
    assert!(until > Utc::now().to_rfc3339().as_str());

    let now = Utc::now();
    let open = activity(
        &app,
        "lecture",
        now + Duration::days(3),
        now + Duration::days(3) + Duration::hours(2),
    )
    .await;
    let student = token(&app, "2023010101").await;
    let refused = send_as(
        &app,
        Method::POST,
        Some(&student),
        &format!("/api/activities/{open}/registrations"),
        Some(&json!({"answers": {}})),
    )
    .await;
    assert_error(refused, 409, "signup_blocked").await;
    // Another student signs up as before.
    let other = token(&app, "2023010102").await;
    let fine = send_as(
        &app,
        Method::POST,
        Some(&other),
        &format!("/api/activities/{open}/registrations"),
        Some(&json!({"answers": {}})),
    )
    .await;
    assert_eq!(fine.status().as_u16(), 201);

    // The school turns the consequence off: the record stays, the sign-up goes through.
    let admin = token(&app, "admin").await;
    let mut policy: Value = get_as(&app, &admin, "/api/school/checkin-policy")
        .await
        .json()
        .await
        .unwrap();
    policy["no_shows"]["threshold"] = json!(0);
    let put = send_as(
        &app,
        Method::PUT,
        Some(&admin),
        "/api/school/checkin-policy",
        Some(&policy),
    )
    .await;
    assert_eq!(put.status().as_u16(), 200);
    policy["no_shows"]["block_days"] = json!(0);
    let bad = send_as(
        &app,
        Method::PUT,
        Some(&admin),
        "/api/school/checkin-policy",
        Some(&policy),
    )
    .await;
    assert_error(bad, 422, "validation_failed").await;
    let after = record(&app, "2023010101").await;
    assert_eq!(
        (
            after["standing"]["count"].as_i64(),
            after["standing"]["blocked_until"].as_str()
        ),
        (Some(3), None)
    );
    let signed = send_as(
        &app,
        Method::POST,
        Some(&student),
        &format!("/api/activities/{open}/registrations"),
        Some(&json!({"answers": {}})),
    )
    .await;
    assert_eq!(signed.status().as_u16(), 201);
}

#[tokio::test]
async fn cancelling_after_the_cut_off_is_a_no_show_and_a_checked_in_student_cannot_cancel() {
    let app = demo_app().await;
    let now = Utc::now();
    // Starts in 10 hours: inside the default 24-hour cut-off.
    let soon = activity(
        &app,
        "lecture",
        now + Duration::hours(10),
        now + Duration::hours(12),
    )
    .await;
    sql(&app, &format!("UPDATE activities SET registration_closes_at = now() + interval '5 hours' WHERE id = {soon}")).await;
    let student = token(&app, "2023010101").await;
    let path = format!("/api/activities/{soon}/registrations");
    let signed = send_as(
        &app,
        Method::POST,
        Some(&student),
        &path,
        Some(&json!({"answers": {}})),
    )
    .await;
    assert_eq!(signed.status().as_u16(), 201);
    let cancelled = send_as(
        &app,
        Method::DELETE,
        Some(&student),
        &format!("{path}/mine"),
        None,
    )
    .await;
    assert_eq!(cancelled.status().as_u16(), 200);
    // It counts once the activity has ended.
    sql(&app, &format!("UPDATE activities SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = {soon}")).await;
    let mine = record(&app, "2023010101").await;
    assert_eq!(mine["items"][0]["kind"], "late_cancel", "{mine}");

    // Cancelling well before the cut-off costs nothing.
    let later = activity(
        &app,
        "lecture",
        now + Duration::days(5),
        now + Duration::days(5) + Duration::hours(2),
    )
    .await;
    let other = token(&app, "2023010102").await;
    let path = format!("/api/activities/{later}/registrations");
    send_as(
        &app,
        Method::POST,
        Some(&other),
        &path,
        Some(&json!({"answers": {}})),
    )
    .await;
    let fine = send_as(
        &app,
        Method::DELETE,
        Some(&other),
        &format!("{path}/mine"),
        None,
    )
    .await;
    assert_eq!(fine.status().as_u16(), 200);
    sql(
        &app,
        &format!(
            "UPDATE activities SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = {later}"
        ),
    )
    .await;
    sql(
        &app,
        &format!("UPDATE registrations SET cancelled_at = now() - interval '3 days' WHERE activity_id = {later}"),
    )
    .await;
    assert_eq!(record(&app, "2023010102").await["standing"]["count"], 0);

    // Checked in: the sign-up stays.
    let running = activity(
        &app,
        "volunteer",
        now + Duration::hours(30),
        now + Duration::hours(32),
    )
    .await;
    let path = format!("/api/activities/{running}/registrations");
    send_as(
        &app,
        Method::POST,
        Some(&other),
        &path,
        Some(&json!({"answers": {}})),
    )
    .await;
    sql(&app, &format!("INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered) SELECT {running}, id, now(), 'manual', true FROM accounts WHERE username = '2023010102'")).await;
    let refused = send_as(
        &app,
        Method::DELETE,
        Some(&other),
        &format!("{path}/mine"),
        None,
    )
    .await;
    assert_error(refused, 409, "already_checked_in").await;
}

#[tokio::test]
async fn reminders_go_out_once_however_many_processes_run_them() {
    let app = demo_app().await;
    let now = Utc::now();
    // Starting in 40 minutes, two confirmed.
    let soon = activity(
        &app,
        "lecture",
        now + Duration::minutes(40),
        now + Duration::hours(2),
    )
    .await;
    participants(&app, soon, &["2023010101", "2023010102"]).await;
    // Registration closing in 20 hours, watched by one who has not signed up.
    let watched = activity(
        &app,
        "volunteer",
        now + Duration::days(3),
        now + Duration::days(3) + Duration::hours(2),
    )
    .await;
    sql(&app, &format!("UPDATE activities SET registration_closes_at = now() + interval '20 hours' WHERE id = {watched}")).await;
    let student = token(&app, "2024020101").await;
    let watch = send_as(
        &app,
        Method::PUT,
        Some(&student),
        &format!("/api/activities/{watched}/watch"),
        None,
    )
    .await;
    assert_eq!(watch.status().as_u16(), 200);
    let watching: Value = get_as(&app, &student, &format!("/api/activities/{watched}/watch"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(watching["watching"], true);

    // Two processes at once, then a third later: each reminder exactly once.
    let (a, b) = tokio::join!(
        async { api::reminders::run(&mut app.db().await, now).await.unwrap() },
        async { api::reminders::run(&mut app.db().await, now).await.unwrap() },
    );
    let again = api::reminders::run(&mut app.db().await, now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(a.starting + b.starting + again.starting, 2);
    assert_eq!(a.closing + b.closing + again.closing, 1);

    let inbox = |who: &'static str| {
        let app = &app;
        async move {
            let bearer = token(app, who).await;
            let page: Value = get_as(app, &bearer, "/api/notifications")
                .await
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["kind"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        inbox("2023010101")
            .await
            .iter()
            .filter(|k| *k == "activity_starting")
            .count(),
        1
    );
    assert_eq!(
        inbox("2024020101")
            .await
            .iter()
            .filter(|k| *k == "registration_closing")
            .count(),
        1
    );

    // Unwatched and signed up: nothing more.
    let gone = send_as(
        &app,
        Method::DELETE,
        Some(&student),
        &format!("/api/activities/{watched}/watch"),
        None,
    )
    .await;
    assert_eq!(gone.status().as_u16(), 204);
    let club = token(&app, "acm_admin").await;
    let not_student = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{watched}/watch"),
        None,
    )
    .await;
    assert_error(not_student, 403, "forbidden").await;
}

#[tokio::test]
async fn the_mid_term_sweep_tells_students_behind_once_per_term() {
    let app = demo_app().await;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    sql(&app, &format!("UPDATE terms SET midterm_on = GREATEST(starts_on, DATE '{today}') WHERE starts_on <= DATE '{today}' AND ends_on >= DATE '{today}'")).await;
    let now = Utc::now();
    let (a, b) = tokio::join!(
        async { api::reminders::run(&mut app.db().await, now).await.unwrap() },
        async { api::reminders::run(&mut app.db().await, now).await.unwrap() },
    );
    let total = a.behind + b.behind;
    assert!(total > 0, "the demo's students start behind");
    assert!(a.behind == 0 || b.behind == 0, "one process does the sweep");
    let again = api::reminders::run(&mut app.db().await, now).await.unwrap();
    assert_eq!(again.behind, 0);
    let bearer = token(&app, "2023010101").await;
    let page: Value = get_as(&app, &bearer, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    let behind: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "behind_midterm")
        .collect();
    assert_eq!(behind.len(), 1, "{page}");
    assert!(behind[0]["body"].as_str().unwrap().contains("还差"));
}

#[tokio::test]
async fn a_recognised_result_is_announced_to_each_participant() {
    let app = demo_app().await;
    let mut conn = app.db().await;
    api::seed::seed_history(&mut conn).await.unwrap();
    let bearer = token(&app, "2023010101").await;
    let page: Value = get_as(&app, &bearer, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "result_recognised"
                && n["title"].as_str().unwrap().starts_with("成绩已认定")),
        "{page}"
    );
}

#[tokio::test]
async fn the_demo_lives_on_the_day_it_is_seeded_and_a_later_run_moves_it_without_duplicates() {
    let app = demo_app().await;
    let mut conn = app.db().await;
    api::seed::seed_history(&mut conn).await.unwrap();
    let now = Utc::now();
    let placed = api::seed::seed_live(&mut conn, now).await.unwrap();
    assert!(placed >= 10);
    let student = token(&app, "2024020101").await;
    let open: Value = get_as(&app, &student, "/api/activities?open=true&per_page=50")
        .await
        .json()
        .await
        .unwrap();
    assert!(open["total"].as_i64().unwrap() >= 3, "{open}");

    // Under way with check-in open: the organiser's code works now.
    let cs = token(&app, "cs_admin").await;
    let all: Value = get_as(&app, &cs, "/api/activities?q=新生团日&per_page=5")
        .await
        .json()
        .await
        .unwrap();
    let running = all["items"][0]["id"]
        .as_i64()
        .expect("the running activity");
    let code = get_as(
        &app,
        &cs,
        &format!("/api/activities/{running}/checkin-code"),
    )
    .await;
    assert_eq!(code.status().as_u16(), 200);
    // Waiting at the college and at the school.
    let reviews: Value = get_as(&app, &cs, "/api/reviews")
        .await
        .json()
        .await
        .unwrap();
    assert!(reviews["total"].as_i64().unwrap() >= 1, "{reviews}");

    let before = live_count(&mut conn).await;
    api::seed::seed_live(&mut conn, now + Duration::days(3))
        .await
        .unwrap();
    assert_eq!(live_count(&mut conn).await, before, "nothing duplicated");
    let moved: Value = get_as(&app, &cs, &format!("/api/activities/{running}"))
        .await
        .json()
        .await
        .unwrap();
    let starts: chrono::DateTime<Utc> = moved["starts_at"].as_str().unwrap().parse().unwrap();
    assert!(
        starts > now + Duration::days(2),
        "moved to the later day: {starts}"
    );
}

async fn live_count(conn: &mut diesel_async::AsyncPgConnection) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM activities WHERE description LIKE '示范数据：随%'")
        .get_result::<N>(conn)
        .await
        .unwrap()
        .n
}
