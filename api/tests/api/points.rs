//! Points: finalising results writes the ledger (append-only), totals and standings in the same
//! transaction; facts and adjustments; corrections as reversing entries under a new rule
//! version; the leaderboard; the students behind the requirement; who may see and do what.

use crate::{
    attendance::{activity, participants},
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use chrono::{Duration, TimeZone, Utc};
use diesel::{QueryableByName, sql_types::BigInt};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use shared::rules::RuleSet;

/// The end of a competition that can still be recognised on time: yesterday at 18:00 in
/// Shanghai (term 2026-2027-1).
pub(crate) fn recently_ended() -> chrono::DateTime<Utc> {
    let yesterday = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        - chrono::Days::new(1);
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&yesterday.and_hms_opt(18, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// A competition of 程序设计协会 that ended yesterday, the students of its results signed up,
/// its results recorded and finalised.
pub(crate) async fn recognised_competition(app: &TestApp, results: Value) -> i64 {
    let club = token(app, "acm_admin").await;
    let ended = recently_ended();
    let id = activity(app, "competition", ended - Duration::hours(3), ended).await;
    let named: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["student_no"].as_str())
        .collect();
    participants(app, id, &named).await;
    let saved = send_as(
        app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&json!({ "results": results })),
    )
    .await;
    assert!(
        saved.status().is_success(),
        "{}",
        saved.text().await.unwrap()
    );
    let finalised = send_as(
        app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/results/finalize"),
        None,
    )
    .await;
    assert_eq!(
        finalised.status(),
        200,
        "{}",
        finalised.text().await.unwrap()
    );
    id
}

async fn points(app: &TestApp, who: &str) -> Value {
    get_as(app, &token(app, who).await, "/api/me/points")
        .await
        .json()
        .await
        .unwrap()
}

#[derive(QueryableByName)]
struct Sums {
    #[diesel(sql_type = BigInt)]
    ledger: i64,
    #[diesel(sql_type = BigInt)]
    totals: i64,
    #[diesel(sql_type = BigInt)]
    standing: i64,
}

/// The student's ledger sum, totals sum and overall standing.
async fn sums(app: &TestApp, student_no: &str) -> (i64, i64, i64) {
    let mut conn = app.db().await;
    let s: Sums = diesel::sql_query(
        "SELECT
           (SELECT coalesce(sum(points), 0)::bigint FROM ledger_entries e JOIN accounts a ON a.id = e.student_id WHERE a.username = $1) AS ledger,
           (SELECT coalesce(sum(points), 0)::bigint FROM point_totals t JOIN accounts a ON a.id = t.student_id WHERE a.username = $1) AS totals,
           (SELECT coalesce(sum(points), 0)::bigint FROM standings s JOIN accounts a ON a.id = s.student_id WHERE a.username = $1 AND s.term_id = 0) AS standing",
    )
    .bind::<diesel::sql_types::Text, _>(student_no)
    .get_result(&mut conn)
    .await
    .unwrap();
    (s.ledger, s.totals, s.standing)
}

#[tokio::test]
async fn finalised_results_become_points_totals_and_ranks_at_once() {
    let app = demo_app().await;
    recognised_competition(
        &app,
        json!([
            {"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"},
            {"student_no": "2023010102", "attended": true, "award": "first", "award_level": "school", "role": "member"},
            {"student_no": "2023010103", "attended": false}
        ]),
    )
    .await;

    let mine = points(&app, "2023010101").await;
    assert_eq!(mine["total"], 250, "2.5 for a school first prize: {mine}");
    assert_eq!(mine["categories"][0]["category"], "competition");
    assert_eq!(mine["terms"][0]["term"]["code"], "2026-2027-1");
    let entry = &mine["entries"][0];
    assert_eq!(
        (
            entry["source"].as_str(),
            entry["method"].as_str(),
            entry["rule_version"].as_i64()
        ),
        (Some("activity"), Some("award"), Some(1))
    );
    assert_eq!(entry["detail"], "校级一等奖（负责人）");
    assert_eq!(entry["recognized_by"], "程序设计协会");
    assert_eq!(mine["college_standing"]["rank"], 1);
    assert_eq!(
        mine["progress"].as_array().unwrap().last().unwrap()["required"],
        1000,
        "undergraduates need 10 points in all"
    );
    assert_eq!(
        points(&app, "2023010102").await["total"],
        200,
        "team member × 0.8"
    );
    assert_eq!(
        points(&app, "2023010103").await["total"],
        0,
        "absent: nothing"
    );
    assert_eq!(sums(&app, "2023010101").await, (250, 250, 250));

    // The college leaderboard shows the recognition as soon as it committed.
    let cs = app.org_id("cs").await;
    let board: Value = get_as(
        &app,
        &token(&app, "2023010102").await,
        &format!("/api/leaderboard?college_id={cs}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(board["rows"][0]["points"], 250);
    assert_eq!(
        board["rows"][0]["student_no"], "2023****01",
        "numbers are masked"
    );
    assert_eq!(board["rows"][1]["me"], true);
    assert_eq!(board["me"]["rank"], 2);
    let own: Value = get_as(
        &app,
        &token(&app, "2023010102").await,
        "/api/leaderboard?scope=college",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(own["college_id"], cs, "scope=college is the student's own");
    assert_eq!(own["me"], board["me"]);
    let of = board["me"]["of"].as_i64().unwrap();
    assert_eq!(of, board["students"].as_i64().unwrap());
    assert!(of > 50, "every student of the college counts: {of}");
    // Another college's scope does not rank the caller.
    let em = app.org_id("em").await;
    let other: Value = get_as(
        &app,
        &token(&app, "2023010102").await,
        &format!("/api/leaderboard?college_id={em}&limit=5"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(other["me"].is_null());
    assert!(other["rows"].as_array().unwrap().is_empty());

    // The ledger is append-only in the database itself.
    let mut conn = app.db().await;
    let edit = diesel::sql_query("UPDATE ledger_entries SET points = 9999")
        .execute(&mut conn)
        .await;
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    let delete = diesel::sql_query("DELETE FROM ledger_entries")
        .execute(&mut conn)
        .await;
    assert!(delete.is_err());
}

#[tokio::test]
async fn lists_and_transcripts_print_the_college_not_its_league_committee() {
    let app = demo_app().await;
    let id = recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"}]),
    )
    .await;
    let (admin, club) = (token(&app, "admin").await, token(&app, "acm_admin").await);
    let cs = app.org_id("cs").await;
    let json_of = async |bearer: &str, path: String| -> Value {
        let response = get_as(&app, bearer, &path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    };

    let board = json_of(&admin, format!("/api/leaderboard?college_id={cs}")).await;
    let people = json_of(&admin, "/api/students?q=2023010101".into()).await;
    let student = people["items"][0]["id"].as_i64().unwrap();
    let registrants = json_of(&club, format!("/api/activities/{id}/registrations")).await;
    let export = get_as(
        &app,
        &club,
        &format!("/api/activities/{id}/registrations/export?format=csv"),
    )
    .await
    .text()
    .await
    .unwrap();
    let transcript = json_of(
        &admin,
        format!("/api/transcripts/preview?student_id={student}"),
    )
    .await;

    assert_eq!(board["rows"][0]["college"], "计算机学院");
    assert_eq!(people["items"][0]["college_name"], "计算机学院");
    assert_eq!(registrants["items"][0]["college_name"], "计算机学院");
    assert!(
        export.contains("计算机学院") && !export.contains("团委"),
        "{export}"
    );
    assert_eq!(transcript["student"]["college"], "计算机学院");
}

#[tokio::test]
async fn the_same_achievement_counts_once_at_its_highest() {
    let app = demo_app().await;
    recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "first", "award_level": "college", "role": "participant", "achievement": "挑战杯2026"}]),
    )
    .await;
    assert_eq!(points(&app, "2023010101").await["total"], 200);
    recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "second", "award_level": "province", "role": "participant", "achievement": "挑战杯2026"}]),
    )
    .await;
    let mine = points(&app, "2023010101").await;
    assert_eq!(
        mine["total"], 250,
        "the provincial second prize replaces the college first: {mine}"
    );
    let entries = mine["entries"].as_array().unwrap();
    // The college-level entry was reversed and written again at zero, never edited.
    let reversals = entries.iter().filter(|e| !e["reverses"].is_null()).count();
    assert_eq!(reversals, 1, "{mine}");
    assert!(
        entries
            .iter()
            .any(|e| e["points"] == 0 && e["detail"].as_str().unwrap().contains("同一成果"))
    );
    assert_eq!(sums(&app, "2023010101").await, (250, 250, 250));
}

#[tokio::test]
async fn facts_adjustments_and_a_new_rule_version_correct_by_reversal() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let practice = json!({
        "student_no": "2023010101", "organization_id": cs, "title": "三下乡社会实践",
        "occurred_on": "2026-11-10", "kind": {"type": "practice_days", "days": 3, "hours_per_day": null}
    });
    let after: Value = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/points/facts",
        Some(&practice),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(after["total"], 120, "3 days × 8 hours × 0.05: {after}");
    assert_eq!(after["entries"][0]["hours"], 24.0);
    assert_eq!(after["entries"][0]["source"], "practice");

    // The school publishes version 2 for the current term: practice at 0.1 an hour.
    let admin = token(&app, "admin").await;
    let terms: Value = app.get("/api/terms").await.json().await.unwrap();
    let term = terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2026-2027-1")
        .unwrap()["id"]
        .clone();
    let mut rules = RuleSet::default_rules();
    rules
        .categories
        .iter_mut()
        .find(|c| c.category == "practice")
        .unwrap()
        .per_hour = shared::rules::Points(10);
    let published = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/rules",
        Some(&json!({"effective_term_id": term, "rules": rules, "note": "实践加倍"})),
    )
    .await;
    assert_eq!(published.status(), 201);
    // A cadre position re-evaluates the term: the practice entry is reversed and rewritten
    // under version 2.
    let cadre = json!({
        "student_no": "2023010101", "organization_id": cs, "title": "学生会主席",
        "occurred_on": "2026-12-20", "kind": {"type": "cadre", "level": "college", "grade": "excellent"}
    });
    let after: Value = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/points/facts",
        Some(&cadre),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(after["total"], 240 + 150, "{after}");
    let entries = after["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        4,
        "practice, its reversal, practice again, cadre: {after}"
    );
    let reversal = entries.iter().find(|e| !e["reverses"].is_null()).unwrap();
    assert_eq!(reversal["points"], -120);
    assert!(
        entries
            .iter()
            .any(|e| e["rule_version"] == 2 && e["points"] == 240)
    );

    // A manual adjustment: its own entry, either way.
    for (delta, total) in [(50, 440), (-30, 410)] {
        let body = json!({"student_no": "2023010101", "category": "volunteer", "points": delta,
            "reason": "马拉松志愿服务补记", "occurred_on": "2026-11-02"});
        let after: Value = send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/points/adjustments",
            Some(&body),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(after["total"], total, "{after}");
    }
    assert_eq!(sums(&app, "2023010101").await, (410, 410, 410));

    // Bad input names the field; nothing is written.
    for (body, field) in [
        (
            json!({"student_no": "nobody", "category": "volunteer", "points": 10, "reason": "补记原因", "occurred_on": "2026-11-02"}),
            "student_no",
        ),
        (
            json!({"student_no": "2023010101", "category": "nope", "points": 10, "reason": "补记原因", "occurred_on": "2026-11-02"}),
            "category",
        ),
        (
            json!({"student_no": "2023010101", "category": "volunteer", "points": 10, "reason": "", "occurred_on": "2026-11-02"}),
            "reason",
        ),
        (
            json!({"student_no": "2023010101", "category": "volunteer", "points": 10, "reason": "补记原因", "occurred_on": "1990-01-01"}),
            "occurred_on",
        ),
    ] {
        let refused = send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/points/adjustments",
            Some(&body),
        )
        .await;
        assert_eq!(
            assert_error(refused, 422, "validation_failed").await["field"],
            field
        );
    }
    let bad_fact = json!({"student_no": "2023010101", "organization_id": cs, "title": "x",
        "occurred_on": "2026-11-10", "kind": {"type": "practice_days", "days": -1, "hours_per_day": null}});
    let refused = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/points/facts",
        Some(&bad_fact),
    )
    .await;
    assert_eq!(
        assert_error(refused, 422, "validation_failed").await["field"],
        "kind.days"
    );
    assert_eq!(sums(&app, "2023010101").await, (410, 410, 410));
}

#[tokio::test]
async fn concurrent_recognitions_keep_totals_equal_to_the_ledger() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (app, cs_admin) = (&app, cs_admin.clone());
        tasks.push(async move {
            let response = if i % 3 == 0 {
                let body = json!({"student_no": "2024010101", "organization_id": cs,
                    "title": format!("志愿服务 {i}"), "occurred_on": "2026-11-10",
                    "kind": {"type": "hours", "hours": 5}});
                send_as(app, Method::POST, Some(&cs_admin), "/api/points/facts", Some(&body)).await
            } else {
                let body = json!({"student_no": "2024010101", "category": "lecture", "points": 10 + i,
                    "reason": format!("讲座补记 {i}"), "occurred_on": "2026-10-12"});
                send_as(app, Method::POST, Some(&cs_admin), "/api/points/adjustments", Some(&body)).await
            };
            assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        });
    }
    futures_util::future::join_all(tasks).await;
    let (ledger, totals, standing) = sums(&app, "2024010101").await;
    // Adjustments 10+i for i not divisible by 3; 4 practice facts of 5 hours at 0.05.
    let expected: i64 = (0..12).filter(|i| i % 3 != 0).map(|i| 10 + i).sum::<i64>() + 4 * 25;
    assert_eq!((ledger, totals, standing), (expected, expected, expected));
}

#[tokio::test]
async fn rules_terms_and_points_are_guarded() {
    let app = demo_app().await;
    // Version 1 stored by the migration is the default rule set the code documents.
    let versions: Value = get_as(&app, &token(&app, "2023010101").await, "/api/rules")
        .await
        .json()
        .await
        .unwrap();
    let v1: RuleSet = serde_json::from_value(versions[0]["rules"].clone()).unwrap();
    assert_eq!(v1, RuleSet::default_rules());

    let terms: Value = app.get("/api/terms").await.json().await.unwrap();
    let id_of = |code: &str| {
        terms
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap()["id"]
            .clone()
    };
    let rules = RuleSet::default_rules();
    let admin = token(&app, "admin").await;
    let cs_admin = token(&app, "cs_admin").await;
    let publish = |who: String, body: Value| {
        let app = &app;
        async move { send_as(app, Method::POST, Some(&who), "/api/rules", Some(&body)).await }
    };
    let current = json!({"effective_term_id": id_of("2026-2027-1"), "rules": rules});
    assert_error(
        publish(cs_admin.clone(), current.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let past = json!({"effective_term_id": id_of("2025-2026-1"), "rules": rules});
    assert_error(publish(admin.clone(), past).await, 409, "conflict").await;
    let mut broken = RuleSet::default_rules();
    broken.team_member_percent = 150;
    let invalid = json!({"effective_term_id": id_of("2026-2027-1"), "rules": broken});
    let refused = assert_error(
        publish(admin.clone(), invalid).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["field"], "rules.team_member_percent");

    // Terms: the school admin adds one; overlaps are refused.
    let overlapping = json!({"code": "2026-2027-3", "name": "夏季学期", "starts_on": "2027-07-01", "ends_on": "2027-08-31"});
    let response = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/terms",
        Some(&overlapping),
    )
    .await;
    assert_error(response, 409, "conflict").await;
    let new = json!({"code": "2031-2032-1", "name": "2031-2032学年第一学期", "starts_on": "2031-09-01", "ends_on": "2032-02-14"});
    let response = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/terms",
        Some(&new),
    )
    .await;
    assert_error(response, 403, "forbidden").await;
    let response = send_as(&app, Method::POST, Some(&admin), "/api/terms", Some(&new)).await;
    assert_eq!(response.status(), 201);

    // Points: the student's own; the organisations over their college. To anyone else a
    // student out of their sight looks exactly like an id that is no student (404), and a
    // sub-account without the permission is refused before the id is looked at.
    let student = app.org_student_id("2023010101").await;
    for (who, status) in [
        ("2023010101", 200),
        ("2023010102", 404),
        ("cs_admin", 200),
        ("cs_reports", 200),
        ("admin", 200),
        ("em_admin", 404),
        ("acm_admin", 404),
    ] {
        let response = get_as(
            &app,
            &token(&app, who).await,
            &format!("/api/students/{student}/points"),
        )
        .await;
        assert_eq!(response.status(), status, "{who}");
        let absent = get_as(&app, &token(&app, who).await, "/api/students/999999/points").await;
        assert_eq!(absent.status(), 404, "{who}: an id that is no student");
    }
    for id in [student, 999_999] {
        let response = get_as(
            &app,
            &token(&app, "cs_publisher").await,
            &format!("/api/students/{id}/points"),
        )
        .await;
        assert_error(response, 403, "forbidden").await;
    }
    let response = get_as(&app, &token(&app, "cs_admin").await, "/api/me/points").await;
    assert_error(response, 403, "forbidden").await;
    // A club records cadre facts for its own organisation only.
    let em = app.org_id("em").await;
    let cadre = json!({"student_no": "2023010101", "organization_id": em, "title": "主席",
        "occurred_on": "2026-11-10", "kind": {"type": "cadre", "level": "club", "grade": "competent"}});
    let response = send_as(
        &app,
        Method::POST,
        Some(&token(&app, "acm_admin").await),
        "/api/points/facts",
        Some(&cadre),
    )
    .await;
    assert_error(response, 403, "forbidden").await;
    // Adjustments only over the student's college: to another college the student reads
    // exactly as a number that is no student's.
    let body = json!({"student_no": "2023010101", "category": "volunteer", "points": 10, "reason": "补记原因", "occurred_on": "2026-11-02"});
    let em_admin = token(&app, "em_admin").await;
    let response = send_as(
        &app,
        Method::POST,
        Some(&em_admin),
        "/api/points/adjustments",
        Some(&body),
    )
    .await;
    let outside = assert_error(response, 422, "validation_failed").await;
    let mut unknown = body.clone();
    unknown["student_no"] = json!("2099999999");
    let response = send_as(
        &app,
        Method::POST,
        Some(&em_admin),
        "/api/points/adjustments",
        Some(&unknown),
    )
    .await;
    let absent = assert_error(response, 422, "validation_failed").await;
    assert_eq!(outside, absent);
    let response = send_as(
        &app,
        Method::POST,
        Some(&token(&app, "2023010101").await),
        "/api/points/adjustments",
        Some(&body),
    )
    .await;
    assert_error(response, 403, "forbidden").await;
}

#[tokio::test]
async fn advisers_see_who_is_behind_in_their_subtree() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    // One student meets the requirement in full through adjustments.
    for (category, points) in [
        ("lecture", 200),
        ("volunteer", 200),
        ("practice", 200),
        ("innovation", 400),
    ] {
        let body = json!({"student_no": "2022010101", "category": category, "points": points,
            "reason": "历年补记", "occurred_on": "2026-10-12"});
        let response = send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/points/adjustments",
            Some(&body),
        )
        .await;
        assert_eq!(response.status(), 201);
    }
    let page: Value = get_as(
        &app,
        &cs_admin,
        "/api/points/behind?per_page=100&enrolment_year=2022",
    )
    .await
    .json()
    .await
    .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(
        page["total"], 15,
        "16 undergraduates of 2022 in the college, one meets it: {page}"
    );
    assert!(
        items.iter().all(|i| i["college"] == "计算机学院团委"
            || i["college"].as_str().unwrap().contains("计算机"))
    );
    assert!(!items.iter().any(|i| i["student_no"] == "2022010101"));
    assert_eq!(
        items[0]["missing"].as_array().unwrap().last().unwrap()["category"],
        "total"
    );
    // A college cannot look at another's.
    let em = app.org_id("em").await;
    let response = get_as(
        &app,
        &cs_admin,
        &format!("/api/points/behind?organization_id={em}"),
    )
    .await;
    assert_error(response, 403, "forbidden").await;
    let response = get_as(&app, &token(&app, "2023010101").await, "/api/points/behind").await;
    assert_error(response, 403, "forbidden").await;
}

#[derive(QueryableByName)]
struct Everyone {
    #[diesel(sql_type = BigInt)]
    entries: i64,
    #[diesel(sql_type = BigInt)]
    ledger: i64,
    #[diesel(sql_type = BigInt)]
    totals: i64,
    #[diesel(sql_type = BigInt)]
    standing: i64,
}

#[tokio::test]
async fn the_demo_history_is_recognised_through_the_ledger_once() {
    let app = demo_app().await;
    let mut conn = app.db().await;
    assert_eq!(api::seed::seed_history(&mut conn).await.unwrap(), 10);
    assert_eq!(
        api::seed::seed_history(&mut conn).await.unwrap(),
        0,
        "only once"
    );
    let all: Everyone = diesel::sql_query(
        "SELECT (SELECT count(*) FROM ledger_entries) AS entries,
                (SELECT coalesce(sum(points), 0)::bigint FROM ledger_entries) AS ledger,
                (SELECT coalesce(sum(points), 0)::bigint FROM point_totals) AS totals,
                (SELECT coalesce(sum(points), 0)::bigint FROM standings WHERE term_id = 0) AS standing",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(all.entries > 200, "{} entries", all.entries);
    assert_eq!((all.totals, all.standing), (all.ledger, all.ledger));
    // The school leaderboard has a top.
    let board: Value = get_as(
        &app,
        &token(&app, "admin").await,
        "/api/leaderboard?limit=10",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(board["rows"].as_array().unwrap().len(), 10);
    assert!(board["rows"][0]["points"].as_i64().unwrap() > 0);
    // 计算机学院's cadres were assessed last term and the summer practice team certified:
    // the demo student holds both, in the ledger and on the transcript.
    let student = token(&app, "2023010101").await;
    let mine: Value = get_as(&app, &student, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    for source in ["cadre", "practice", "training"] {
        assert!(
            mine["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["source"] == source && e["points"].as_i64().unwrap() > 0),
            "a {source} entry: {mine}"
        );
    }
    let positions: Value = get_as(&app, &student, "/api/me/cadre-positions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(positions.as_array().unwrap().len(), 2, "{positions}");
    assert!(
        positions
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["assessments"][0]["grade"] == "excellent"),
        "{positions}"
    );
    let cs_admin = token(&app, "cs_admin").await;
    let rounds: Value = get_as(&app, &cs_admin, "/api/assessment-rounds")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rounds["items"][0]["status"], "approved", "{rounds}");
    assert_eq!(rounds["items"][0]["graded"], 6);
}

#[derive(QueryableByName)]
struct RaceOutcome {
    #[diesel(sql_type = BigInt)]
    results: i64,
    #[diesel(sql_type = BigInt)]
    unrecognised: i64,
    #[diesel(sql_type = BigInt)]
    finalisations: i64,
}

/// A results edit racing the finalisation: the edit is either refused (409) or its rows become
/// ledger entries; of two finalisations one answers 200 and the other 409, audited once.
#[tokio::test]
async fn a_results_edit_racing_the_finalisation_is_refused_or_recognised() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let ended = recently_ended();
    let row = |no: &str| json!({"student_no": no, "attended": true, "award": "first", "award_level": "school", "role": "member"});
    for round in 0..8 {
        let id = activity(&app, "competition", ended - Duration::hours(3), ended).await;
        participants(
            &app,
            id,
            &[
                "2023010101",
                "2023010102",
                "2023010103",
                "2023010104",
                "2023010105",
                "2023010106",
            ],
        )
        .await;
        let path = format!("/api/activities/{id}/results");
        let first = json!({"results": [row("2023010101")]});
        let saved = send_as(&app, Method::PUT, Some(&club), &path, Some(&first)).await;
        assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
        let edit =
            json!({"results": [row("2023010101"), row(&format!("202301010{}", 2 + round % 5))]});
        let finalize = format!("/api/activities/{id}/results/finalize");
        let (edited, one, two) = tokio::join!(
            send_as(&app, Method::PUT, Some(&club), &path, Some(&edit)),
            send_as(&app, Method::POST, Some(&club), &finalize, None),
            send_as(&app, Method::POST, Some(&club), &finalize, None),
        );
        let edited = edited.status().as_u16();
        assert!(matches!(edited, 200 | 409), "round {round}: edit {edited}");
        let mut finals = [one.status().as_u16(), two.status().as_u16()];
        finals.sort();
        assert_eq!(finals, [200, 409], "round {round}: one finalisation wins");

        let mut conn = app.db().await;
        let outcome: RaceOutcome = diesel::sql_query(
            "SELECT
               (SELECT count(*) FROM results WHERE activity_id = $1) AS results,
               (SELECT count(*) FROM results r WHERE r.activity_id = $1 AND NOT EXISTS
                  (SELECT 1 FROM ledger_entries e WHERE e.activity_id = r.activity_id
                     AND e.student_id = r.student_id)) AS unrecognised,
               (SELECT count(*) FROM audit_log WHERE action = 'results.finalize'
                  AND target_id = $1::text) AS finalisations",
        )
        .bind::<BigInt, _>(id)
        .get_result(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            outcome.results,
            if edited == 200 { 2 } else { 1 },
            "round {round}"
        );
        assert_eq!(
            outcome.unrecognised, 0,
            "round {round}: a result lost its points"
        );
        assert_eq!(outcome.finalisations, 1, "round {round}");
    }
}

#[derive(QueryableByName)]
struct Drift {
    #[diesel(sql_type = BigInt)]
    totals: i64,
    #[diesel(sql_type = BigInt)]
    standings: i64,
    #[diesel(sql_type = BigInt)]
    entries: i64,
}

/// (student, term, category) totals that differ from their ledger, overall standings that
/// differ from the ledger, and ledger entries in all.
async fn drift(app: &TestApp) -> Drift {
    let mut conn = app.db().await;
    diesel::sql_query(
        "SELECT
           (SELECT count(*) FROM
              (SELECT student_id, term_id, category, sum(points) AS points, sum(hours) AS hours
                 FROM ledger_entries GROUP BY 1, 2, 3) l
              FULL JOIN point_totals t USING (student_id, term_id, category)
            WHERE coalesce(l.points, 0) <> coalesce(t.points, 0)
               OR coalesce(l.hours, 0) <> coalesce(t.hours, 0)) AS totals,
           (SELECT count(*) FROM
              (SELECT student_id, sum(points) AS points FROM ledger_entries GROUP BY 1) l
              FULL JOIN (SELECT student_id, points FROM standings WHERE term_id = 0) s
                USING (student_id)
            WHERE coalesce(l.points, 0) <> coalesce(s.points, 0)) AS standings,
           (SELECT count(*) FROM ledger_entries) AS entries",
    )
    .get_result(&mut conn)
    .await
    .unwrap()
}

/// Property: whatever the interleaving of finalisations, back-fills approved after them, facts
/// and rule publications — each round's operations sent at once, in an order drawn from a seed —
/// every total and standing equals the sum of its ledger.
#[tokio::test]
async fn totals_equal_the_ledger_after_any_interleaving_of_recognition_backfill_and_rules() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let college = token(&app, "cs_admin").await;
    let admin = token(&app, "admin").await;
    let cs = app.org_id("cs").await;
    let ended = recently_ended();
    let students = ["2023010101", "2023010102", "2023010103", "2023010104"];
    let mut activities = Vec::new();
    for (i, category) in ["competition", "volunteer", "competition", "volunteer"]
        .into_iter()
        .enumerate()
    {
        let id = activity(&app, category, ended - Duration::hours(3), ended).await;
        participants(&app, id, &students[..3]).await;
        let rows: Vec<Value> = students[..3]
            .iter()
            .map(|no| {
                if category == "competition" {
                    let award = ["first", "second", "third"][i % 3];
                    json!({"student_no": no, "attended": true, "award": award,
                        "award_level": "school", "role": "member", "achievement": format!("race-{}", i % 2)})
                } else {
                    json!({"student_no": no, "attended": true, "hours": 2 + i})
                }
            })
            .collect();
        let saved = send_as(
            &app,
            Method::PUT,
            Some(&club),
            &format!("/api/activities/{id}/results"),
            Some(&json!({ "results": rows })),
        )
        .await;
        assert_eq!(saved.status(), 200);
        activities.push(id);
    }
    let terms: Value = app.get("/api/terms").await.json().await.unwrap();
    let term = terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2026-2027-1")
        .unwrap()["id"]
        .clone();

    let mut seed = 0x5eed_1234_abcd_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..3 {
        // This round's operations, in a drawn order, all sent at once.
        let mut ops: Vec<(Method, String, String, Value)> = Vec::new();
        for &id in &activities {
            ops.push((
                Method::POST,
                club.clone(),
                format!("/api/activities/{id}/results/finalize"),
                json!({}),
            ));
        }
        let mut rules = RuleSet::default_rules();
        rules.participation = shared::rules::Points(10 + (next() % 40) as i64);
        rules.team_member_percent = 50 + (next() % 50) as i64;
        ops.push((
            Method::POST,
            admin.clone(),
            "/api/rules".into(),
            json!({"effective_term_id": term, "rules": rules, "note": format!("round {round}")}),
        ));
        let student = students[(next() % 4) as usize];
        ops.push((
            Method::POST,
            college.clone(),
            "/api/points/facts".into(),
            json!({"student_no": student, "organization_id": cs, "title": format!("实践 {round}"),
                "occurred_on": "2026-11-10", "kind": {"type": "practice_days", "days": 1 + next() % 3, "hours_per_day": null}}),
        ));
        // A back-fill of the fourth student, asked now and approved in the same burst.
        let target = activities[(next() % 4) as usize];
        let asked = send_as(
            &app,
            Method::POST,
            Some(&club),
            &format!("/api/activities/{target}/attendance-requests"),
            Some(&json!({"student_no": students[3], "reason": format!("漏签 {round}")})),
        )
        .await;
        if asked.status() == 201 {
            let request: Value = asked.json().await.unwrap();
            ops.push((
                Method::POST,
                college.clone(),
                format!("/api/attendance-requests/{}/approve", request["id"]),
                json!({}),
            ));
        }
        for i in (1..ops.len()).rev() {
            ops.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        let answers =
            futures_util::future::join_all(ops.iter().map(|(method, bearer, path, body)| {
                let app = &app;
                async move {
                    let response =
                        send_as(app, method.clone(), Some(bearer), path, Some(body)).await;
                    (path.clone(), response.status().as_u16())
                }
            }))
            .await;
        for (path, status) in &answers {
            assert!(
                matches!(status, 200 | 201 | 409),
                "round {round}: {path} answered {status}"
            );
        }
        let found = drift(&app).await;
        assert!(found.entries > 0, "round {round}: the ledger has entries");
        assert_eq!(
            (found.totals, found.standings),
            (0, 0),
            "round {round}: totals and standings equal the ledger ({answers:?})"
        );
    }
}
