//! Student cadres: the register, assessment rounds within the school's ratio standard (also
//! under concurrent grading), review and locking by the organisation above, the ledger and
//! the transcript's cadre section.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use diesel::{QueryableByName, sql_types::BigInt};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) async fn current_term(app: &TestApp) -> i64 {
    let terms: Value = app.get("/api/terms").await.json().await.unwrap();
    terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2026-2027-1")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Registers a position and answers its id.
pub(crate) async fn position(
    app: &TestApp,
    by: &str,
    org: i64,
    student_no: &str,
    title: &str,
    position_type: &str,
) -> i64 {
    let created = send_as(
        app,
        Method::POST,
        Some(by),
        "/api/cadre-positions",
        Some(
            &json!({"student_no": student_no, "organization_id": org, "title": title,
            "position_type": position_type, "starts_on": "2026-09-01", "ends_on": "2027-06-30",
            "appointment_no": "计院团字〔2026〕12号"}),
        ),
    )
    .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let body: Value = created.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

/// Ten college positions of 计算机学院 held this term, and a round for them.
async fn ten_positions_and_a_round(app: &TestApp, cs_admin: &str) -> (Vec<i64>, i64) {
    let cs = app.org_id("cs").await;
    let mut ids = Vec::new();
    for no in [
        "2023010101",
        "2023010102",
        "2023010103",
        "2023010104",
        "2023010105",
        "2023010106",
        "2023010107",
        "2023010108",
        "2023010201",
        "2023010202",
    ] {
        ids.push(position(app, cs_admin, cs, no, "学生会部长", "minister").await);
    }
    let term = current_term(app).await;
    let round = send_as(
        app,
        Method::POST,
        Some(cs_admin),
        "/api/assessment-rounds",
        Some(&json!({"organization_id": cs, "term_id": term})),
    )
    .await;
    assert_eq!(round.status(), 201, "{}", round.text().await.unwrap());
    let round: Value = round.json().await.unwrap();
    assert_eq!(round["items"].as_array().unwrap().len(), 10, "{round}");
    (ids, round["id"].as_i64().unwrap())
}

async fn grade(app: &TestApp, who: &str, round: i64, grades: Value) -> reqwest::Response {
    send_as(
        app,
        Method::PUT,
        Some(who),
        &format!("/api/assessment-rounds/{round}/grades"),
        Some(&json!({ "grades": grades })),
    )
    .await
}

fn room<'a>(round: &'a Value, level: &str, grade: &str) -> &'a Value {
    round["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["level"] == level)
        .unwrap()["grades"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["grade"] == grade)
        .unwrap()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut app.db().await)
        .await
        .unwrap()
        .n
}

#[tokio::test]
async fn an_assessment_round_from_register_to_ledger_and_transcript() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let (ids, round) = ten_positions_and_a_round(&app, &cs_admin).await;

    // 优秀 ≤ 20 % of 10 college positions: two.
    let two = grade(
        &app,
        &cs_admin,
        round,
        json!([{"position_id": ids[0], "grade": "excellent", "comment": "迎新工作出色"},
               {"position_id": ids[1], "grade": "excellent"}]),
    )
    .await;
    assert_eq!(two.status(), 200);
    let shown: Value = two.json().await.unwrap();
    let excellent = room(&shown, "college", "excellent");
    assert_eq!(
        (
            &excellent["max"],
            &excellent["given"],
            &excellent["remaining"]
        ),
        (&json!(2), &json!(2), &json!(0)),
        "{shown}"
    );
    // A third is refused, and nothing of that request is stored.
    let third = grade(
        &app,
        &cs_admin,
        round,
        json!([{"position_id": ids[2], "grade": "competent"},
               {"position_id": ids[3], "grade": "excellent"}]),
    )
    .await;
    let body = assert_error(third, 409, "grade_limit_exceeded").await;
    assert_eq!(body["field"], "grades.college.excellent");
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM cadre_assessments WHERE round_id = {round}")
        )
        .await,
        2
    );
    // Submitting with positions ungraded is refused.
    let early = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        &format!("/api/assessment-rounds/{round}/submit"),
        None,
    )
    .await;
    assert_error(early, 422, "validation_failed").await;
    let rest: Vec<Value> = ids[2..]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let grade = if i == 7 { "fair" } else { "competent" };
            json!({"position_id": id, "grade": grade})
        })
        .collect();
    assert_eq!(
        grade(&app, &cs_admin, round, json!(rest)).await.status(),
        200
    );
    let submitted = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        &format!("/api/assessment-rounds/{round}/submit"),
        None,
    )
    .await;
    assert_eq!(submitted.status(), 200);
    // Submitted: the grades are fixed for its organisation.
    let late = grade(
        &app,
        &cs_admin,
        round,
        json!([{"position_id": ids[2], "grade": "fair"}]),
    )
    .await;
    assert_error(late, 409, "conflict").await;
    // Only the organisation above reviews: not the college itself, not a club, not another
    // college (which does not see it at all).
    let own = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        &format!("/api/assessment-rounds/{round}/approve"),
        None,
    )
    .await;
    assert_error(own, 403, "forbidden").await;
    let em = token(&app, "em_admin").await;
    let other = send_as(
        &app,
        Method::POST,
        Some(&em),
        &format!("/api/assessment-rounds/{round}/approve"),
        None,
    )
    .await;
    assert_error(other, 404, "not_found").await;
    let admin = token(&app, "admin").await;
    let waiting: Value = get_as(&app, &admin, "/api/assessment-rounds?scope=review")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == round && r["graded"] == 10),
        "{waiting}"
    );
    // Returned with a reason, graded again, resubmitted, approved.
    let no_reason = send_as(
        &app,
        Method::POST,
        Some(&admin),
        &format!("/api/assessment-rounds/{round}/return"),
        Some(&json!({"reason": " "})),
    )
    .await;
    assert_error(no_reason, 422, "validation_failed").await;
    let returned: Value = send_as(
        &app,
        Method::POST,
        Some(&admin),
        &format!("/api/assessment-rounds/{round}/return"),
        Some(&json!({"reason": "请补充考核评语"})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["return_reason"], "请补充考核评语");
    let told: Value = get_as(&app, &cs_admin, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(told["items"][0]["kind"], "cadre_round_returned", "{told}");
    assert_eq!(told["items"][0]["body"], "请补充考核评语");
    assert_eq!(
        grade(
            &app,
            &cs_admin,
            round,
            json!([{"position_id": ids[1], "grade": "excellent", "comment": "组织技术沙龙"}])
        )
        .await
        .status(),
        200
    );
    for (who, action) in [(&cs_admin, "submit"), (&admin, "approve")] {
        let done = send_as(
            &app,
            Method::POST,
            Some(who),
            &format!("/api/assessment-rounds/{round}/{action}"),
            None,
        )
        .await;
        assert_eq!(
            done.status(),
            200,
            "{action}: {}",
            done.text().await.unwrap()
        );
    }
    // Approved: locked, and in the ledger through the rules (college 1.5 × 优秀 100 %).
    let locked = grade(
        &app,
        &cs_admin,
        round,
        json!([{"position_id": ids[0], "grade": "fair"}]),
    )
    .await;
    assert_error(locked, 409, "conflict").await;
    let student = token(&app, "2023010101").await;
    let points: Value = get_as(&app, &student, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    let entry = points["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "cadre")
        .unwrap_or_else(|| panic!("a cadre entry: {points}"));
    assert_eq!(entry["points"], 150, "{entry}");
    assert_eq!(entry["detail"], "院级干部 · 优秀");
    assert_eq!(entry["title"], "计算机学院团委 学生会部长");
    // The student sees the position and its grade, and the transcript prints it.
    let mine: Value = get_as(&app, &student, "/api/me/cadre-positions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["assessments"][0]["grade"], "excellent", "{mine}");
    assert_eq!(mine[0]["assessments"][0]["comment"], "迎新工作出色");
    let told: Value = get_as(&app, &student, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        told["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "cadre_assessed"),
        "{told}"
    );
    let doc: Value = get_as(&app, &student, "/api/transcripts/preview")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["cadre"][0]["title"], "学生会部长", "{doc}");
    assert_eq!(doc["cadre"][0]["grades"], "2026-2027-1 优秀");
    // Every step is in the audit log, with who did it.
    let audited = count(
        &app,
        &format!(
            "SELECT count(*) AS n FROM audit_log WHERE target_type = 'assessment_round'
             AND target_id = '{round}'"
        ),
    )
    .await;
    assert_eq!(
        audited,
        1 + 3 + 2 + 1 + 1,
        "a creation, three gradings, two submissions, a return, an approval"
    );
    // A graded position stays: not deleted, not moved to another student.
    let gone = send_as(
        &app,
        Method::DELETE,
        Some(&cs_admin),
        &format!("/api/cadre-positions/{}", ids[0]),
        None,
    )
    .await;
    assert_error(gone, 409, "conflict").await;
}

#[tokio::test]
async fn concurrent_grading_never_exceeds_the_standard() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let (ids, round) = ten_positions_and_a_round(&app, &cs_admin).await;
    // Ten requests at once, each rating a different position 优秀: the standard allows two.
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (client, url, token) = (
                app.client.clone(),
                app.url(&format!("/api/assessment-rounds/{round}/grades")),
                cs_admin.clone(),
            );
            let body = json!({"grades": [{"position_id": id, "grade": "excellent"}]});
            tokio::spawn(async move {
                client
                    .put(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 409, 409, 409, 409, 409, 409, 409, 409]);
    let stored = count(
        &app,
        &format!(
            "SELECT count(*) AS n FROM cadre_assessments WHERE round_id = {round} AND grade = 'excellent'"
        ),
    )
    .await;
    assert_eq!(stored, 2);
    let audited = count(
        &app,
        &format!(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'cadres.round.grade' AND target_id = '{round}'"
        ),
    )
    .await;
    assert_eq!(audited, 2, "only what was stored is audited");
}

#[tokio::test]
async fn the_register_is_kept_by_its_organisations() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let em = app.org_id("em").await;
    let base = json!({"student_no": "2023010101", "organization_id": cs, "title": "班长",
        "position_type": "monitor", "level": "class", "class_name": "软件2301",
        "starts_on": "2026-09-01", "ends_on": "2027-06-30"});
    let with = |change: Value| {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let post = |body: Value, who: String| {
        let app = &app;
        async move {
            send_as(
                app,
                Method::POST,
                Some(&who),
                "/api/cadre-positions",
                Some(&body),
            )
            .await
        }
    };
    // A college registers its classes' positions.
    let created = post(base.clone(), cs_admin.clone()).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["level"], "class");
    assert_eq!(created["position_type_name"], "班长");
    // The same student, title and start once.
    assert_error(post(base.clone(), cs_admin.clone()).await, 409, "conflict").await;
    for (change, field) in [
        (json!({"position_type": "emperor"}), "position_type"),
        (json!({"student_no": "2024020101"}), "student_no"),
        (json!({"student_no": "nobody"}), "student_no"),
        (json!({"ends_on": "2026-08-01"}), "ends_on"),
        (json!({"class_name": null, "title": "团支书"}), "class_name"),
        (json!({"level": "school", "title": "主席"}), "level"),
    ] {
        let body = assert_error(
            post(with(change.clone()), cs_admin.clone()).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], field, "{change}: {body}");
    }
    // Another college's register is not the caller's.
    let outside = post(with(json!({"organization_id": em})), cs_admin.clone()).await;
    assert_error(outside, 403, "forbidden").await;
    let reports = token(&app, "cs_reports").await;
    assert_error(
        post(with(json!({"title": "学习委员"})), reports.clone()).await,
        403,
        "forbidden",
    )
    .await;
    // An unknown field in the body is refused, naming it.
    let unknown = post(with(json!({"rank": 1})), cs_admin.clone()).await;
    let body = assert_error(unknown, 400, "malformed_json").await;
    assert_eq!(body["field"], "rank");
    // The list: the caller's subtree, searchable.
    let listed: Value = get_as(&app, &cs_admin, "/api/cadre-positions?q=2023010101")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    let em_admin = token(&app, "em_admin").await;
    let theirs: Value = get_as(&app, &em_admin, "/api/cadre-positions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);
    let hidden = get_as(
        &app,
        &em_admin,
        &format!("/api/cadre-positions/{}", created["id"]),
    )
    .await;
    assert_error(hidden, 404, "not_found").await;
    // Position types are the school admin's.
    let types = send_as(
        &app,
        Method::PUT,
        Some(&cs_admin),
        "/api/school/position-types",
        Some(&json!({"types": [{"code": "monitor", "name": "班长", "active": true}]})),
    )
    .await;
    assert_error(types, 403, "forbidden").await;
    let admin = token(&app, "admin").await;
    let kept: Value = send_as(
        &app,
        Method::PUT,
        Some(&admin),
        "/api/school/position-types",
        Some(
            &json!({"types": [{"code": "monitor", "name": "班长", "active": true},
                               {"code": "presidium", "name": "主席团成员", "active": true}]}),
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    let officer = kept
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "officer")
        .unwrap();
    assert_eq!(officer["active"], false, "left out: retired, not deleted");
    let retired = post(
        with(json!({"position_type": "officer", "title": "干事", "level": null})),
        cs_admin.clone(),
    )
    .await;
    assert_error(retired, 422, "validation_failed").await;
}
