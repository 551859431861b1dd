//! The organisation tree's writes and the audit log they leave.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::assert_error,
};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn creating_an_organisation_creates_its_main_account_and_an_audit_entry() {
    let app = demo_app().await;
    let admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let body = json!({
        "parent_id": cs, "kind": "club", "code": "chess", "name": "国际象棋社",
        "main_account": {"username": "chess_admin", "password": "Chess2026ok"}
    });

    let response = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/organizations",
        Some(&body),
    )
    .await;

    assert_eq!(response.status().as_u16(), 201);
    let org: Value = response.json().await.unwrap();
    assert_eq!(org["main_account"], "chess_admin");
    let path: Vec<i64> = serde_json::from_value(org["path"].clone()).unwrap();
    assert_eq!(path[path.len() - 2..], [cs, org["id"].as_i64().unwrap()]);
    let signed_in = crate::auth::sign_in(&app, "chess_admin", "Chess2026ok")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(signed_in["user"]["role"], "org_main");
    let log: Value = get_as(&app, &admin, "/api/audit?action=organization.create")
        .await
        .json()
        .await
        .unwrap();
    let entry = &log["items"][0];
    assert_eq!(entry["actor_username"], "cs_admin");
    assert_eq!(entry["target_id"], org["id"].as_i64().unwrap().to_string());
    assert_eq!(entry["details"]["main_account"]["username"], "chess_admin");
    assert!(
        !entry.to_string().contains("Chess2026ok"),
        "no password in the log"
    );

    // The same code again is a conflict on the field.
    let again = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/organizations",
        Some(&body),
    )
    .await;
    assert_eq!(assert_error(again, 409, "conflict").await["field"], "code");
}

#[tokio::test]
async fn moving_a_club_moves_its_subtree_and_with_it_who_may_manage_it() {
    let app = demo_app().await;
    let school = token(&app, "admin").await;
    let (acm, em) = (app.org_id("acm").await, app.org_id("em").await);

    let response = send_as(
        &app,
        Method::PATCH,
        Some(&school),
        &format!("/api/organizations/{acm}"),
        Some(&json!({"parent_id": em})),
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    let moved: Value = response.json().await.unwrap();
    assert_eq!(moved["parent_id"], em);
    assert_eq!(moved["path"][1], em);
    let cs_admin = token(&app, "cs_admin").await;
    let rename = send_as(
        &app,
        Method::PATCH,
        Some(&cs_admin),
        &format!("/api/organizations/{acm}"),
        Some(&json!({"name": "x"})),
    )
    .await;
    assert_error(rename, 403, "forbidden").await;
    let em_admin = token(&app, "em_admin").await;
    let rename = send_as(
        &app,
        Method::PATCH,
        Some(&em_admin),
        &format!("/api/organizations/{acm}"),
        Some(&json!({"name": "程序设计社"})),
    )
    .await;
    assert_eq!(rename.status().as_u16(), 200);
}

#[tokio::test]
async fn moves_that_would_break_the_tree_are_refused() {
    let app = demo_app().await;
    let school = token(&app, "admin").await;
    let (cs, acm, tw) = (
        app.org_id("cs").await,
        app.org_id("acm").await,
        app.org_id("tw").await,
    );
    let patch = |id: i64, body: Value| {
        let (app, school) = (&app, school.clone());
        async move {
            send_as(
                app,
                Method::PATCH,
                Some(&school),
                &format!("/api/organizations/{id}"),
                Some(&body),
            )
            .await
        }
    };

    let body = assert_error(
        patch(cs, json!({"parent_id": acm})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "parent_id");
    // A club cannot sit directly under the school.
    assert_error(
        patch(acm, json!({"parent_id": tw})).await,
        422,
        "validation_failed",
    )
    .await;
    // The school admin cannot move or deactivate the root itself.
    assert_error(patch(tw, json!({"active": false})).await, 403, "forbidden").await;
}

#[tokio::test]
async fn deactivating_a_college_deactivates_its_clubs() {
    let app = demo_app().await;
    let school = token(&app, "admin").await;
    let (cs, acm) = (app.org_id("cs").await, app.org_id("acm").await);

    let response = send_as(
        &app,
        Method::PATCH,
        Some(&school),
        &format!("/api/organizations/{cs}"),
        Some(&json!({"active": false})),
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    let club: Value = get_as(&app, &school, &format!("/api/organizations/{acm}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(club["active"], false);
    let listed: Value = get_as(&app, &school, "/api/organizations?per_page=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["code"] != "acm"),
        "hidden by default"
    );
    // Reactivating a club under a deactivated college is refused.
    let again = send_as(
        &app,
        Method::PATCH,
        Some(&school),
        &format!("/api/organizations/{acm}"),
        Some(&json!({"active": true})),
    )
    .await;
    assert_eq!(
        assert_error(again, 422, "validation_failed").await["field"],
        "active"
    );
}

#[tokio::test]
async fn the_audit_log_shows_only_the_callers_subtree() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let em_admin = token(&app, "em_admin").await;
    let cs = app.org_id("cs").await;
    send_as(
        &app,
        Method::PATCH,
        Some(&cs_admin),
        &format!("/api/organizations/{cs}"),
        Some(&json!({"name": "计算机与人工智能学院团委"})),
    )
    .await;

    let theirs: Value = get_as(&app, &cs_admin, "/api/audit")
        .await
        .json()
        .await
        .unwrap();
    let others: Value = get_as(&app, &em_admin, "/api/audit")
        .await
        .json()
        .await
        .unwrap();

    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "organization.update")
    );
    assert!(
        others["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["organization_id"] != cs)
    );
}

#[tokio::test]
async fn the_database_refuses_to_change_the_audit_log() {
    let app = demo_app().await;
    let mut conn = app.db().await;

    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let error = diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let count: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM audit_log)",
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(count >= 1, "the seed's entry is still there");
}
