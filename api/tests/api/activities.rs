//! Activities: the review state machine up the tree, amendments, the review queue, sign-ups with
//! custom fields, eligibility, capacity under concurrency, review and lottery modes, export.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

/// A valid definition with registration open now, starting in two days.
fn definition(organizer: i64, level: &str) -> Value {
    let now = Utc::now();
    json!({
        "organizer_id": organizer, "title": "算法竞赛校内选拔赛", "category": "competition", "credit_level": level,
        "description": "面向全校的程序设计竞赛选拔。",
        "starts_at": now + Duration::days(2), "ends_at": now + Duration::days(2) + Duration::hours(4),
        "place": "信息楼 301", "campus": "主校区", "capacity": 60,
        "registration_opens_at": now - Duration::hours(1), "registration_closes_at": now + Duration::days(1),
        "enrolment_mode": "first_come",
        "fields": [
            {"key": "language", "label": "参赛语言", "kind": "single_choice", "required": true, "options": ["C++", "Java", "Python"]},
            {"key": "phone", "label": "联系电话", "kind": "phone", "required": false}
        ]
    })
}

async fn call(
    app: &TestApp,
    bearer: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    send_as(app, method, Some(bearer), path, body.as_ref()).await
}

async fn create(app: &TestApp, bearer: &str, body: Value) -> i64 {
    let response = call(app, bearer, Method::POST, "/api/activities", Some(body)).await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "{}",
        response.text().await.unwrap()
    );
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn act(
    app: &TestApp,
    bearer: &str,
    id: i64,
    action: &str,
    body: Option<Value>,
) -> reqwest::Response {
    call(
        app,
        bearer,
        Method::POST,
        &format!("/api/activities/{id}/{action}"),
        body,
    )
    .await
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert!((200..300).contains(&status), "{status}: {body}");
    body
}

/// Signs `bearer` up for activity `id` with no answers; the registration.
pub async fn sign_up(app: &TestApp, bearer: &str, id: i64) -> Value {
    ok(act(app, bearer, id, "registrations", Some(json!({}))).await).await
}

/// A published college-level activity of 计算机学院团委 (no approval needed), with `changes`.
pub async fn published(app: &TestApp, changes: Value) -> i64 {
    let admin = token(app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let mut body = definition(cs, "college");
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    let id = create(app, &admin, body).await;
    assert_eq!(
        ok(act(app, &admin, id, "submit", None).await).await["status"],
        "published"
    );
    id
}

#[tokio::test]
async fn a_clubs_school_level_activity_is_approved_by_its_college_then_the_school() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let college = token(&app, "cs_admin").await;
    let school = token(&app, "admin").await;
    let acm = app.org_id("acm").await;

    let id = create(&app, &club, definition(acm, "school")).await;
    let submitted = ok(act(&app, &club, id, "submit", None).await).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["awaiting"]["name"], "计算机学院团委");
    assert_error(
        act(&app, &school, id, "approve", None).await,
        403,
        "forbidden",
    )
    .await;

    let after_college = ok(act(&app, &college, id, "approve", None).await).await;
    assert_eq!(after_college["status"], "submitted");
    assert_eq!(after_college["awaiting"]["name"], "校团委");
    assert!(after_college["review"][0]["approved_at"].is_string());

    let after_school = ok(act(
        &app,
        &school,
        id,
        "approve",
        Some(json!({"reason": "同意"})),
    )
    .await)
    .await;
    assert_eq!(after_school["status"], "published");
    assert_eq!(after_school["phase"], "registration_open");
    let actions: Vec<&str> = after_school["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "approve", "approve", "publish"]);
    assert_eq!(
        after_school["transitions"][1]["actor_name"],
        "计算机学院团委"
    );
}

#[tokio::test]
async fn an_activity_at_the_organisers_own_level_is_published_on_submit() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let acm = app.org_id("acm").await;
    let id = create(&app, &club, definition(acm, "club")).await;

    let body = ok(act(&app, &club, id, "submit", None).await).await;

    assert_eq!(body["status"], "published");
    assert_eq!(body["review"], json!([]));
}

#[tokio::test]
async fn illegal_transitions_are_clear_errors() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let college = token(&app, "cs_admin").await;
    let acm = app.org_id("acm").await;
    let id = create(&app, &club, definition(acm, "college")).await;

    assert_error(
        act(&app, &college, id, "approve", None).await,
        409,
        "conflict",
    )
    .await;
    assert_error(
        act(&app, &club, id, "withdraw", None).await,
        409,
        "conflict",
    )
    .await;
    assert_error(
        act(&app, &club, id, "cancel", Some(json!({"reason": "x"}))).await,
        409,
        "conflict",
    )
    .await;
    ok(act(&app, &club, id, "submit", None).await).await;
    assert_error(act(&app, &club, id, "submit", None).await, 409, "conflict").await;
    let edit = call(
        &app,
        &club,
        Method::PUT,
        &format!("/api/activities/{id}"),
        Some(definition(acm, "college")),
    )
    .await;
    assert_error(edit, 409, "conflict").await;
    let body = assert_error(
        act(&app, &college, id, "reject", Some(json!({}))).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "reason");
    // The club itself cannot approve what waits for its college.
    assert_error(
        act(&app, &club, id, "approve", None).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_rejection_returns_to_draft_with_its_reason_and_review_starts_over() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let college = token(&app, "cs_admin").await;
    let acm = app.org_id("acm").await;
    let id = create(&app, &club, definition(acm, "college")).await;
    ok(act(&app, &club, id, "submit", None).await).await;

    let rejected = ok(act(
        &app,
        &college,
        id,
        "reject",
        Some(json!({"reason": "时间与校运会冲突"})),
    )
    .await)
    .await;

    assert_eq!(rejected["status"], "draft");
    let last = rejected["transitions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["action"].as_str(), last["reason"].as_str()),
        (Some("reject"), Some("时间与校运会冲突"))
    );
    let mut fixed = definition(acm, "college");
    fixed["place"] = json!("体育馆");
    ok(call(
        &app,
        &club,
        Method::PUT,
        &format!("/api/activities/{id}"),
        Some(fixed),
    )
    .await)
    .await;
    let again = ok(act(&app, &club, id, "submit", None).await).await;
    assert_eq!(again["status"], "submitted");
    assert!(again["review"][0]["approved_at"].is_null(), "a new round");
}

#[tokio::test]
async fn amending_time_or_place_goes_back_to_review_other_changes_do_not() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let college = token(&app, "cs_admin").await;
    let acm = app.org_id("acm").await;
    let mut body = definition(acm, "college");
    let id = create(&app, &club, body.clone()).await;
    ok(act(&app, &club, id, "submit", None).await).await;
    ok(act(&app, &college, id, "approve", None).await).await;

    body["description"] = json!("补充说明：自带电脑。");
    let described = ok(call(
        &app,
        &club,
        Method::PUT,
        &format!("/api/activities/{id}"),
        Some(body.clone()),
    )
    .await)
    .await;
    assert_eq!(described["status"], "published");

    body["place"] = json!("图书馆报告厅");
    let moved = ok(call(
        &app,
        &club,
        Method::PUT,
        &format!("/api/activities/{id}"),
        Some(body),
    )
    .await)
    .await;
    assert_eq!(moved["status"], "submitted");
    assert_eq!(
        moved["transitions"].as_array().unwrap().last().unwrap()["action"],
        "amend"
    );
}

#[tokio::test]
async fn a_sibling_college_can_neither_review_nor_edit() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let sibling = token(&app, "em_admin").await;
    let acm = app.org_id("acm").await;
    let id = create(&app, &club, definition(acm, "college")).await;
    ok(act(&app, &club, id, "submit", None).await).await;

    // Not theirs to see while under review…
    assert_error(
        get_as(&app, &sibling, &format!("/api/activities/{id}")).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        act(&app, &sibling, id, "approve", None).await,
        404,
        "not_found",
    )
    .await;
    // …nor to edit once public.
    let college = token(&app, "cs_admin").await;
    ok(act(&app, &college, id, "approve", None).await).await;
    let edit = call(
        &app,
        &sibling,
        Method::PUT,
        &format!("/api/activities/{id}"),
        Some(definition(acm, "college")),
    )
    .await;
    assert_error(edit, 403, "forbidden").await;
    assert_error(
        act(&app, &sibling, id, "cancel", Some(json!({"reason": "x"}))).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn the_review_queue_shows_what_waits_oldest_first() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let college = token(&app, "cs_admin").await;
    let acm = app.org_id("acm").await;
    let first = create(&app, &club, definition(acm, "college")).await;
    let second = create(&app, &club, definition(acm, "school")).await;
    ok(act(&app, &club, first, "submit", None).await).await;
    ok(act(&app, &club, second, "submit", None).await).await;

    let queue: Value = get_as(&app, &college, "/api/reviews")
        .await
        .json()
        .await
        .unwrap();
    let elsewhere: Value = get_as(&app, &token(&app, "em_admin").await, "/api/reviews")
        .await
        .json()
        .await
        .unwrap();

    let ids: Vec<i64> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["activity"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [first, second]);
    assert!(queue["items"][0]["waiting_seconds"].as_i64().unwrap() >= 0);
    assert_eq!(elsewhere["total"], 0);
    assert_error(
        get_as(&app, &token(&app, "cs_reports").await, "/api/reviews").await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn definitions_are_validated_field_by_field() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let acm = app.org_id("acm").await;
    let cases = [
        (json!({"title": ""}), "title"),
        (json!({"ends_at": Utc::now()}), "ends_at"),
        (json!({"category": "nope"}), "category"),
        (json!({"capacity": 0}), "capacity"),
        (json!({"instructor_ids": [1]}), "instructor_ids"),
        (
            json!({"fields": [{"key": "a", "label": "A", "kind": "single_choice"}]}),
            "fields[0].options",
        ),
        (
            json!({"eligibility": {"colleges": [acm]}}),
            "eligibility.colleges",
        ),
    ];
    for (change, field) in cases {
        let mut body = definition(acm, "club");
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = call(&app, &club, Method::POST, "/api/activities", Some(body)).await;
        assert_eq!(
            assert_error(response, 422, "validation_failed").await["field"],
            field
        );
    }
    // A club cannot claim less than its own level… nor can a college claim club credit.
    let college = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let response = call(
        &app,
        &college,
        Method::POST,
        "/api/activities",
        Some(definition(cs, "club")),
    )
    .await;
    assert_eq!(
        assert_error(response, 422, "validation_failed").await["field"],
        "credit_level"
    );
    // The publisher sub-account may create; the reports one may not.
    assert_eq!(
        call(
            &app,
            &token(&app, "cs_publisher").await,
            Method::POST,
            "/api/activities",
            Some(definition(cs, "college"))
        )
        .await
        .status()
        .as_u16(),
        201
    );
    assert_error(
        call(
            &app,
            &token(&app, "cs_reports").await,
            Method::POST,
            "/api/activities",
            Some(definition(cs, "college")),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn answers_are_checked_against_each_field() {
    let app = demo_app().await;
    let id = published(&app, json!({"fields": [
        {"key": "language", "label": "语言", "kind": "single_choice", "required": true, "options": ["C++", "Java"]},
        {"key": "topics", "label": "方向", "kind": "multiple_choice", "options": ["AI", "Web"]},
        {"key": "age", "label": "年龄", "kind": "number", "min": 16, "max": 40},
        {"key": "phone", "label": "电话", "kind": "phone"},
        {"key": "mail", "label": "邮箱", "kind": "email"},
        {"key": "day", "label": "日期", "kind": "date"},
        {"key": "bio", "label": "简介", "kind": "long_text"}
    ]}))
    .await;
    let student = token(&app, "2023010101").await;
    let path = format!("/api/activities/{id}/registrations");
    for (answers, field) in [
        (json!({}), "answers.language"),
        (json!({"language": "Go"}), "answers.language"),
        (
            json!({"language": "C++", "topics": ["Rust"]}),
            "answers.topics",
        ),
        (json!({"language": "C++", "age": 99}), "answers.age"),
        (json!({"language": "C++", "phone": "110"}), "answers.phone"),
        (
            json!({"language": "C++", "mail": "not-an-email"}),
            "answers.mail",
        ),
        (json!({"language": "C++", "day": "tomorrow"}), "answers.day"),
        (
            json!({"language": "C++", "bio": "x".repeat(2001)}),
            "answers.bio",
        ),
    ] {
        let response = call(
            &app,
            &student,
            Method::POST,
            &path,
            Some(json!({"answers": answers})),
        )
        .await;
        assert_eq!(
            assert_error(response, 422, "validation_failed").await["field"],
            field
        );
    }
    let good = json!({"answers": {"language": "Java", "topics": ["AI"], "age": 20, "phone": "13800138000", "mail": "a@b.cn", "day": "2026-12-01"}});
    let registration = ok(call(&app, &student, Method::POST, &path, Some(good)).await).await;
    assert_eq!(registration["status"], "confirmed");
    assert_eq!(registration["answers"]["age"], 20.0);
    assert_error(
        call(
            &app,
            &student,
            Method::POST,
            &path,
            Some(json!({"answers": {"language": "C++"}})),
        )
        .await,
        409,
        "conflict",
    )
    .await;
}

#[tokio::test]
async fn eligibility_is_enforced_and_explained() {
    let app = demo_app().await;
    let id = published(&app, json!({"eligibility": {"enrolment_years": [2024], "degrees": ["undergraduate"]}, "fields": []})).await;
    let student_2023 = token(&app, "2023010101").await;

    let detail: Value = get_as(&app, &student_2023, &format!("/api/activities/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let response = call(
        &app,
        &student_2023,
        Method::POST,
        &format!("/api/activities/{id}/registrations"),
        Some(json!({})),
    )
    .await;

    assert_eq!(detail["ineligible"], json!(["enrolment_year"]));
    let body = assert_error(response, 403, "forbidden").await;
    assert_eq!(body["field"], "eligibility");
    let staff = token(&app, "T2015001").await;
    assert_error(
        call(
            &app,
            &staff,
            Method::POST,
            &format!("/api/activities/{id}/registrations"),
            Some(json!({})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn capacity_holds_under_concurrent_sign_ups_and_the_waitlist_keeps_order() {
    let app = demo_app().await;
    let id = published(&app, json!({"capacity": 5, "fields": []})).await;
    let mut tokens = Vec::new();
    for year in [2022, 2023, 2024] {
        for seq in 1..=8 {
            tokens.push(token(&app, &format!("{year}0101{seq:02}")).await);
        }
    }
    let path = format!("/api/activities/{id}/registrations");

    let responses = futures_util::future::join_all(
        tokens
            .iter()
            .map(|t| call(&app, t, Method::POST, &path, Some(json!({"answers": {}})))),
    )
    .await;

    assert!(responses.iter().all(|r| r.status().as_u16() == 201));
    let admin = token(&app, "cs_admin").await;
    let list: Value = get_as(&app, &admin, &format!("{path}?per_page=100"))
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    let confirmed = items.iter().filter(|r| r["status"] == "confirmed").count();
    let waiting: Vec<&Value> = items
        .iter()
        .filter(|r| r["status"] == "waitlisted")
        .collect();
    assert_eq!((confirmed, waiting.len()), (5, 19));
    let positions: Vec<i64> = waiting
        .iter()
        .map(|r| r["waitlist_position"].as_i64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=19).collect::<Vec<_>>(),
        "listed in sign-up order"
    );

    // A confirmed student cancels: the first on the waitlist moves up, atomically.
    let leaver = items.iter().find(|r| r["status"] == "confirmed").unwrap()["student_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_waiting = waiting[0]["student_no"].as_str().unwrap().to_owned();
    let cancelled = ok(call(
        &app,
        &token(&app, &leaver).await,
        Method::DELETE,
        &format!("{path}/mine"),
        None,
    )
    .await)
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    let promoted = token(&app, &first_waiting).await;
    let mine: Value = get_as(&app, &promoted, "/api/me/registrations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["status"], "confirmed");
    let notes: Value = get_as(&app, &promoted, "/api/notifications?unread=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes["items"][0]["kind"], "waitlist_promoted");
}

#[tokio::test]
async fn review_mode_confirms_only_what_the_organiser_approves_within_capacity() {
    let app = demo_app().await;
    let id = published(
        &app,
        json!({"capacity": 1, "enrolment_mode": "review", "fields": []}),
    )
    .await;
    let admin = token(&app, "cs_admin").await;
    let a = sign_up(&app, &token(&app, "2023010101").await, id).await;
    let b = sign_up(&app, &token(&app, "2023010102").await, id).await;
    assert_eq!(a["status"], "pending");

    let approved = ok(call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/registrations/{}/approve", a["id"]),
        None,
    )
    .await)
    .await;
    let full = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/registrations/{}/approve", b["id"]),
        None,
    )
    .await;
    let rejected = ok(call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/registrations/{}/reject", b["id"]),
        None,
    )
    .await)
    .await;

    assert_eq!(approved["status"], "confirmed");
    assert_eq!(approved["decided_by"], "计算机学院团委");
    assert_error(full, 409, "conflict").await;
    assert_eq!(rejected["status"], "rejected");
    // Another college's sign-ups do not exist for it.
    let sibling = token(&app, "em_admin").await;
    assert_error(
        call(
            &app,
            &sibling,
            Method::POST,
            &format!("/api/registrations/{}/approve", a["id"]),
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_lottery_draws_from_a_recorded_seed_after_registration_closes() {
    let app = demo_app().await;
    let id = published(
        &app,
        json!({"capacity": 3, "enrolment_mode": "lottery", "fields": []}),
    )
    .await;
    let admin = token(&app, "cs_admin").await;
    for seq in 1..=6 {
        let student = token(&app, &format!("20230101{seq:02}")).await;
        sign_up(&app, &student, id).await;
    }
    assert_error(
        act(&app, &admin, id, "lottery", None).await,
        409,
        "conflict",
    )
    .await;
    // Registration closes.
    diesel::sql_query(format!(
        "UPDATE activities SET registration_closes_at = now() - interval '1 minute' WHERE id = {id}"
    ))
    .execute(&mut app.db().await)
    .await
    .unwrap();

    let draw = ok(act(&app, &admin, id, "lottery", None).await).await;

    assert_eq!(
        (draw["applicants"].as_i64(), draw["selected"].as_i64()),
        (Some(6), Some(3))
    );
    let list: Value = get_as(&app, &admin, &format!("/api/activities/{id}/registrations"))
        .await
        .json()
        .await
        .unwrap();
    let in_order: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let winners: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "confirmed")
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let mut expected = shared::activity::draw_lottery(draw["seed"].as_str().unwrap(), &in_order, 3);
    expected.sort();
    let mut winners_sorted = winners.clone();
    winners_sorted.sort();
    assert_eq!(
        winners_sorted, expected,
        "anyone can re-run the draw from the seed"
    );
    assert_error(
        act(&app, &admin, id, "lottery", None).await,
        409,
        "conflict",
    )
    .await;
    let detail: Value = get_as(&app, &admin, &format!("/api/activities/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["lottery_seed"], draw["seed"]);
}

#[tokio::test]
async fn cancelling_notifies_everyone_signed_up() {
    let app = demo_app().await;
    let id = published(&app, json!({"fields": []})).await;
    let student = token(&app, "2023010101").await;
    sign_up(&app, &student, id).await;

    let cancelled = ok(act(
        &app,
        &token(&app, "cs_admin").await,
        id,
        "cancel",
        Some(json!({"reason": "场地维修"})),
    )
    .await)
    .await;

    assert_eq!(cancelled["status"], "cancelled");
    let notes: Value = get_as(&app, &student, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes["items"][0]["kind"], "activity_cancelled");
    assert_eq!(notes["items"][0]["body"], "场地维修");
}

#[tokio::test]
async fn the_feed_filters_and_managed_scope_shows_drafts() {
    let app = demo_app().await;
    let open = published(
        &app,
        json!({"title": "人工智能讲座", "category": "lecture", "fields": []}),
    )
    .await;
    let admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let draft = create(&app, &admin, definition(cs, "college")).await;
    let student = token(&app, "2023010101").await;

    let feed: Value = get_as(
        &app,
        &student,
        "/api/activities?category=lecture&open=true&q=人工智能",
    )
    .await
    .json()
    .await
    .unwrap();
    let managed: Value = get_as(&app, &admin, "/api/activities?scope=managed&status=draft")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [open]
    );
    assert!(
        managed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == draft)
    );
    assert_error(
        get_as(&app, &student, "/api/activities?scope=managed").await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        get_as(&app, &student, &format!("/api/activities/{draft}")).await,
        404,
        "not_found",
    )
    .await;
}

/// The feed's pages are kept for a second (`api::cache::Recent`), but never past a change made
/// through this server: a sign-up and a cancellation show on the very next read.
#[tokio::test]
async fn the_feed_shows_a_sign_up_and_a_cancellation_at_once() {
    let app = demo_app().await;
    let id = published(&app, json!({"title": "缓存测试讲座", "fields": []})).await;
    let student = token(&app, "2023010101").await;
    let feed = || async {
        let page: Value = get_as(&app, &student, "/api/activities?q=缓存测试讲座")
            .await
            .json()
            .await
            .unwrap();
        let item = &page["items"][0];
        assert_eq!(item["id"], id, "{page}");
        (item["confirmed"].as_i64(), item["status"].clone())
    };
    assert_eq!(feed().await, (Some(0), json!("published")));
    assert_eq!(feed().await, (Some(0), json!("published")), "served again");

    sign_up(&app, &student, id).await;
    assert_eq!(feed().await, (Some(1), json!("published")));

    ok(act(
        &app,
        &token(&app, "cs_admin").await,
        id,
        "cancel",
        Some(json!({"reason": "场地维修"})),
    )
    .await)
    .await;
    assert_eq!(feed().await.1, json!("cancelled"));
}

#[tokio::test]
async fn the_organiser_exports_sign_ups_with_their_answers() {
    let app = demo_app().await;
    let id = published(&app, json!({})).await;
    let student = token(&app, "2023010101").await;
    let answers = json!({"answers": {"language": "Python", "phone": "13900139000"}});
    ok(call(
        &app,
        &student,
        Method::POST,
        &format!("/api/activities/{id}/registrations"),
        Some(answers),
    )
    .await)
    .await;
    let admin = token(&app, "cs_admin").await;

    let csv = get_as(
        &app,
        &admin,
        &format!("/api/activities/{id}/registrations/export?format=csv"),
    )
    .await;
    let xlsx = get_as(
        &app,
        &admin,
        &format!("/api/activities/{id}/registrations/export"),
    )
    .await;

    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    assert!(
        text.contains("参赛语言") && text.contains("Python") && text.contains("2023010101"),
        "{text}"
    );
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "a zip container"
    );
    assert_error(
        get_as(
            &app,
            &student,
            &format!("/api/activities/{id}/registrations/export"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_search_takes_wildcards_literally() {
    let app = demo_app().await;
    let underscore = published(&app, json!({"title": "编程讲座 S_01", "fields": []})).await;
    let digit = published(&app, json!({"title": "编程讲座 S101", "fields": []})).await;
    let percent = published(&app, json!({"title": "满意度 100% 讲座", "fields": []})).await;
    let backslash = published(&app, json!({"title": r"路径 C:\temp 讲座", "fields": []})).await;
    let student = token(&app, "2023010101").await;
    for (q, expect) in [
        ("S_01", vec![underscore]),
        ("S101", vec![digit]),
        ("100%25", vec![percent]),
        (r"C:%5Ctemp", vec![backslash]),
        ("S%25", vec![]),
    ] {
        let page: Value = get_as(&app, &student, &format!("/api/activities?q={q}"))
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, expect, "q={q}: {page}");
    }
}

#[tokio::test]
async fn an_exported_answer_never_runs_as_a_spreadsheet_formula() {
    let app = demo_app().await;
    let fields = json!([{"key": "note", "label": "备注", "kind": "text", "required": false}]);
    let id = published(
        &app,
        json!({"fields": fields, "enrolment_mode": "first_come"}),
    )
    .await;
    let formulas = [
        "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "普通备注",
    ];
    for (i, note) in formulas.iter().enumerate() {
        let student = token(&app, &format!("20230101{:02}", i + 1)).await;
        ok(call(
            &app,
            &student,
            Method::POST,
            &format!("/api/activities/{id}/registrations"),
            Some(json!({"answers": {"note": note}})),
        )
        .await)
        .await;
    }
    let admin = token(&app, "cs_admin").await;
    let csv = get_as(
        &app,
        &admin,
        &format!("/api/activities/{id}/registrations/export?format=csv"),
    )
    .await
    .text()
    .await
    .unwrap();
    let mut reader =
        ::csv::ReaderBuilder::new().from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let notes: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().iter().next_back().unwrap().to_owned())
        .collect();
    for note in &formulas {
        let expect = if note.starts_with(['=', '+', '-', '@', '\t']) {
            format!("'{note}")
        } else {
            note.to_string()
        };
        assert!(notes.contains(&expect), "{expect:?} in {notes:?}");
    }
}
