//! Rule documents as published universities write them: unknown fields refused by name, the
//! cadre matrix priced by the school's position types, a preview before publishing, and every
//! affected student re-evaluated in the background after it.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    cadres::{current_term, position},
    helpers::{TestApp, assert_error},
};
use reqwest::Method;
use serde_json::{Value, json};
use shared::rules::{GradePoints, Points, RuleSet};

async fn publish(app: &TestApp, admin: &str, rules: Value) -> reqwest::Response {
    send_as(app, Method::POST, Some(admin), "/api/rules", Some(&rules)).await
}

/// A round of 计算机学院 approved: 2023010101 rated 优秀 as 部长 (minister).
async fn approved_cadre(app: &TestApp) {
    let cs_admin = token(app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let id = position(app, &cs_admin, cs, "2023010101", "学生会部长", "minister").await;
    let round: Value = send_as(
        app,
        Method::POST,
        Some(&cs_admin),
        "/api/assessment-rounds",
        Some(&json!({"organization_id": cs, "term_id": current_term(app).await})),
    )
    .await
    .json()
    .await
    .unwrap();
    let round = round["id"].as_i64().unwrap();
    // One position: 20 % of one is none; the school allows 优秀 for it.
    let admin = token(app, "admin").await;
    let standard = send_as(
        app,
        Method::PUT,
        Some(&admin),
        "/api/school/assessment-standard",
        Some(&json!({"limits": []})),
    )
    .await;
    assert_eq!(standard.status(), 200);
    let graded = send_as(
        app,
        Method::PUT,
        Some(&cs_admin),
        &format!("/api/assessment-rounds/{round}/grades"),
        Some(&json!({"grades": [{"position_id": id, "grade": "excellent"}]})),
    )
    .await;
    assert_eq!(graded.status(), 200);
    for (who, action) in [(&cs_admin, "submit"), (&admin, "approve")] {
        let done = send_as(
            app,
            Method::POST,
            Some(who),
            &format!("/api/assessment-rounds/{round}/{action}"),
            None,
        )
        .await;
        assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    }
}

async fn cadre_points(app: &TestApp) -> i64 {
    let mine: Value = get_as(app, &token(app, "2023010101").await, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    mine["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "cadre")
        .map_or(0, |c| c["points"].as_i64().unwrap())
}

#[tokio::test]
async fn unknown_fields_and_position_types_are_refused_by_name() {
    let app = demo_app().await;
    let admin = token(&app, "admin").await;
    let term = current_term(&app).await;
    let mut document = json!({"effective_term_id": term, "rules": RuleSet::default_rules()});
    document["rules"]["categories"][0]["cap_per_year"] = json!(100);
    let error = assert_error(publish(&app, &admin, document).await, 400, "malformed_json").await;
    assert_eq!(
        error["field"], "rules.categories[0].cap_per_year",
        "{error}"
    );
    let mut document = json!({"effective_term_id": term, "rules": RuleSet::default_rules()});
    document["rules"]["requirements"]["undergraduate"]["hours"] = json!(15);
    let error = assert_error(publish(&app, &admin, document).await, 400, "malformed_json").await;
    assert_eq!(
        error["field"], "rules.requirements.undergraduate.hours",
        "{error}"
    );
    let document =
        json!({"effective_term_id": term, "rules": RuleSet::default_rules(), "notes": "x"});
    let error = assert_error(publish(&app, &admin, document).await, 400, "malformed_json").await;
    assert_eq!(error["field"], "notes", "{error}");

    let mut rules = RuleSet::default_rules();
    rules
        .cadre_matrix
        .insert("emperor".into(), GradePoints::default());
    let error = assert_error(
        publish(
            &app,
            &admin,
            json!({"effective_term_id": term, "rules": rules}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["field"], "rules.cadre_matrix.emperor");
    // Nothing was published by any of it.
    let versions: Value = get_as(&app, &admin, "/api/rules")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_new_version_is_previewed_then_re_evaluates_every_affected_student() {
    let app = demo_app().await;
    approved_cadre(&app).await;
    // College position, 优秀: 1.5 × 100 %.
    assert_eq!(cadre_points(&app).await, 150);

    // 部长 优秀 4 by the matrix, the cadre category uncapped.
    let mut rules = RuleSet::default_rules();
    let p = Points::from_f64;
    rules.cadre_matrix.insert(
        "minister".into(),
        GradePoints {
            excellent: p(4.0),
            competent: p(3.0),
            fair: p(2.0),
            incompetent: Points::ZERO,
        },
    );
    for category in &mut rules.categories {
        if category.category == "cadre" {
            category.cap_per_term = None;
        }
    }
    let admin = token(&app, "admin").await;
    let term = current_term(&app).await;
    let body = json!({"effective_term_id": term, "rules": rules, "note": "干部按职务类型计分"});
    let preview = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/rules/previews",
        Some(&body),
    )
    .await;
    assert_eq!(preview.status(), 200, "{}", preview.text().await.unwrap());
    let preview: Value = preview.json().await.unwrap();
    assert!(preview["affected"].as_u64().unwrap() >= 1, "{preview}");
    assert_eq!(preview["evaluated"], preview["affected"], "{preview}");
    assert!(preview["gaining"].as_u64().unwrap() >= 1, "{preview}");
    let row = preview["sample"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["student_no"] == "2023010101")
        .unwrap_or_else(|| panic!("{preview}"));
    assert_eq!(
        (row["after"].as_i64().unwrap() - row["before"].as_i64().unwrap()),
        400 - 150
    );
    // The preview stored nothing.
    assert_eq!(cadre_points(&app).await, 150);
    let teacher = token(&app, "cs_admin").await;
    let refused = send_as(
        &app,
        Method::POST,
        Some(&teacher),
        "/api/rules/previews",
        Some(&body),
    )
    .await;
    assert_error(refused, 403, "forbidden").await;

    let published = publish(&app, &admin, body).await;
    assert_eq!(published.status(), 201);
    let progress_at = published
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    // In the background, without any other write: the student's cadre points follow the new
    // rules.
    let mut status = Value::Null;
    for _ in 0..100 {
        status = get_as(&app, &admin, &progress_at)
            .await
            .json()
            .await
            .unwrap();
        if status["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["done"], status["total"]);
    assert!(status["changed"].as_i64().unwrap() >= 1, "{status}");
    assert_eq!(cadre_points(&app).await, 400);
}
