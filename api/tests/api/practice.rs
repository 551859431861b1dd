//! Practice teams and training records: hours (8 a day unless a member's are stated with a
//! reason), the report file, who certifies (a college its own college's, a school-level
//! organisation its own, never a club), and certification entering the ledger.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use reqwest::Method;
use serde_json::{Value, json};

fn team(org: i64, name: &str) -> Value {
    json!({"kind": "practice", "organization_id": org, "name": name, "topic": "乡村数字化调研",
        "place": "江西省赣州市", "instructors": "王老师", "starts_on": "2026-11-10",
        "ends_on": "2026-11-16",
        "members": [{"student_no": "2023010101", "role": "leader"},
                    {"student_no": "2023010102", "hours": 40, "hours_reason": "中途返校两天"}]})
}

async fn create(app: &TestApp, who: &str, body: &Value) -> Value {
    let created = send_as(
        app,
        Method::POST,
        Some(who),
        "/api/practice-records",
        Some(body),
    )
    .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    created.json().await.unwrap()
}

async fn upload(app: &TestApp, who: &str, id: i64, bytes: &[u8], name: &str) -> reqwest::Response {
    app.request(
        Method::PUT,
        &format!("/api/practice-records/{id}/report?file_name={name}"),
        who,
    )
    .header("content-type", "application/pdf")
    .body(bytes.to_vec())
    .send()
    .await
    .unwrap()
}

async fn certify(app: &TestApp, who: &str, id: i64) -> reqwest::Response {
    send_as(
        app,
        Method::POST,
        Some(who),
        &format!("/api/practice-records/{id}/certify"),
        None,
    )
    .await
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[tokio::test]
async fn a_team_is_certified_by_its_college_with_its_report_and_counts_its_hours() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let record = create(&app, &cs_admin, &team(cs, "青春护航乡村振兴实践团")).await;
    let id = record["id"].as_i64().unwrap();
    assert_eq!(record["days"], 7);
    assert_eq!(
        record["default_hours"], 56.0,
        "8 hours a day, both ends included"
    );
    let members = record["members"].as_array().unwrap();
    assert_eq!(
        (members[0]["role"].clone(), members[0]["hours"].clone()),
        (json!("leader"), json!(56.0))
    );
    assert_eq!(members[1]["hours"], 40.0);
    assert_eq!(record["certifier_id"], cs);
    assert_eq!(record["can_certify"], true);

    // Without its report a team is not certified; a file that is no report is refused.
    assert_error(certify(&app, &cs_admin, id).await, 409, "conflict").await;
    let none = get_as(
        &app,
        &cs_admin,
        &format!("/api/practice-records/{id}/report"),
    )
    .await;
    assert_error(none, 409, "conflict").await;
    let long = "a".repeat(201);
    assert_error(
        upload(&app, &cs_admin, id, PDF, &long).await,
        400,
        "invalid_query",
    )
    .await;
    let text = upload(&app, &cs_admin, id, b"just text", "report.pdf").await;
    assert_error(text, 422, "invalid_file").await;
    let big = vec![b'%'; 10 * 1024 * 1024 + 1];
    assert_error(
        upload(&app, &cs_admin, id, &big, "big.pdf").await,
        413,
        "payload_too_large",
    )
    .await;
    let stored = upload(
        &app,
        &cs_admin,
        id,
        PDF,
        "%E5%AE%9E%E8%B7%B5%E6%8A%A5%E5%91%8A.pdf",
    )
    .await;
    assert_eq!(stored.status(), 200);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(stored["report"]["file_name"], "实践报告.pdf");
    assert_eq!(stored["report"]["content_type"], "application/pdf");

    // The report is served to the team's members and its organisation, to nobody else.
    let member = token(&app, "2023010102").await;
    let file = get_as(&app, &member, &format!("/api/practice-records/{id}/report")).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
    let stranger = token(&app, "2024020101").await;
    let hidden = get_as(
        &app,
        &stranger,
        &format!("/api/practice-records/{id}/report"),
    )
    .await;
    assert_error(hidden, 404, "not_found").await;
    let em_admin = token(&app, "em_admin").await;
    assert_error(certify(&app, &em_admin, id).await, 404, "not_found").await;

    // Certified: in the ledger (56 h × 0.05 = 2.8; 40 h = 2), fixed from then on.
    let certified = certify(&app, &cs_admin, id).await;
    assert_eq!(
        certified.status(),
        200,
        "{}",
        certified.text().await.unwrap()
    );
    let certified: Value = certified.json().await.unwrap();
    assert_eq!(certified["certified"], true);
    assert_eq!(certified["certified_by"], "计算机学院团委");
    for (student, points, hours) in [("2023010101", 280, 56.0), ("2023010102", 200, 40.0)] {
        let mine: Value = get_as(&app, &token(&app, student).await, "/api/me/points")
            .await
            .json()
            .await
            .unwrap();
        let entry = mine["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"] == "practice")
            .unwrap_or_else(|| panic!("{mine}"));
        assert_eq!(
            (entry["points"].clone(), entry["hours"].clone()),
            (json!(points), json!(hours)),
            "{entry}"
        );
    }
    let again = send_as(
        &app,
        Method::PUT,
        Some(&cs_admin),
        &format!("/api/practice-records/{id}"),
        Some(&team(cs, "改名")),
    )
    .await;
    assert_error(again, 409, "conflict").await;
    assert_error(certify(&app, &cs_admin, id).await, 409, "conflict").await;
    let own: Value = get_as(&app, &member, "/api/me/practice-records")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own[0]["hours"], 40.0, "{own}");
    let told: Value = get_as(&app, &member, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(told["items"][0]["kind"], "practice_certified", "{told}");
    assert_eq!(own[0]["certified"], true);
}

#[tokio::test]
async fn only_the_responsible_organisation_certifies() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let acm_admin = token(&app, "acm_admin").await;
    let su_admin = token(&app, "su_admin").await;
    let admin = token(&app, "admin").await;
    let (acm, su) = (app.org_id("acm").await, app.org_id("su").await);

    // A club's team: its college certifies it, the club cannot, nor the committee above.
    let club = create(&app, &acm_admin, &team(acm, "程序设计协会支教队")).await;
    let club_id = club["id"].as_i64().unwrap();
    assert_eq!(club["certifier"], "计算机学院团委");
    assert_eq!(club["can_certify"], false);
    assert_eq!(
        upload(&app, &acm_admin, club_id, PDF, "r.pdf")
            .await
            .status(),
        200
    );
    assert_error(certify(&app, &acm_admin, club_id).await, 403, "forbidden").await;
    assert_error(certify(&app, &admin, club_id).await, 403, "forbidden").await;
    assert_eq!(certify(&app, &cs_admin, club_id).await.status(), 200);

    // The student union certifies its own team; the college cannot see it.
    let union = create(&app, &su_admin, &team(su, "校学生会三下乡")).await;
    let union_id = union["id"].as_i64().unwrap();
    assert_eq!(
        upload(&app, &su_admin, union_id, PDF, "r.pdf")
            .await
            .status(),
        200
    );
    assert_error(certify(&app, &cs_admin, union_id).await, 404, "not_found").await;
    assert_eq!(certify(&app, &su_admin, union_id).await.status(), 200);

    // A sub-account without certify_practice cannot.
    let cs = app.org_id("cs").await;
    let own = create(&app, &cs_admin, &team(cs, "学院实践队")).await;
    let own_id = own["id"].as_i64().unwrap();
    assert_eq!(
        upload(&app, &cs_admin, own_id, PDF, "r.pdf").await.status(),
        200
    );
    let publisher = token(&app, "cs_publisher").await;
    assert_error(certify(&app, &publisher, own_id).await, 403, "forbidden").await;
}

#[tokio::test]
async fn training_records_count_their_hours_in_their_own_category() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let mut body = json!({"kind": "training", "organization_id": cs, "name": "学生干部能力提升培训",
        "starts_on": "2026-10-10", "ends_on": "2026-10-11", "hours": 6.5,
        "members": [{"student_no": "2023010103"}, {"student_no": "2023010104"}]});
    // Training states its hours; practice does not; a member's other hours need a reason.
    for (field, value, expected) in [
        ("hours", Value::Null, "hours"),
        (
            "members",
            json!([{"student_no": "2023010103", "hours": 3}]),
            "members[0].hours_reason",
        ),
        (
            "members",
            json!([{"student_no": "2023010103"}, {"student_no": "2023010103"}]),
            "members[1].student_no",
        ),
        (
            "members",
            json!([{"student_no": "nobody"}]),
            "members[0].student_no",
        ),
        ("ends_on", json!("2026-10-01"), "ends_on"),
    ] {
        let mut wrong = body.clone();
        wrong[field] = value;
        let refused = send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/practice-records",
            Some(&wrong),
        )
        .await;
        let error = assert_error(refused, 422, "validation_failed").await;
        assert_eq!(error["field"], expected, "{error}");
    }
    let record = create(&app, &cs_admin, &body).await;
    assert_eq!(record["default_hours"], 6.5);
    let id = record["id"].as_i64().unwrap();
    // Training needs no report.
    assert_eq!(certify(&app, &cs_admin, id).await.status(), 200);
    let mine: Value = get_as(&app, &token(&app, "2023010103").await, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    let entry = mine["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "training")
        .unwrap_or_else(|| panic!("{mine}"));
    // Training earns 0.5 a time by the default rules, its 6.5 hours kept.
    assert_eq!(entry["category"], "training");
    assert_eq!(
        (entry["points"].clone(), entry["hours"].clone()),
        (json!(50), json!(6.5))
    );
    body["name"] = json!("x");
    let listed: Value = get_as(&app, &cs_admin, "/api/practice-records?kind=training")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    assert_error(
        get_as(&app, &cs_admin, "/api/practice-records?kind=sports").await,
        400,
        "invalid_query",
    )
    .await;
}
