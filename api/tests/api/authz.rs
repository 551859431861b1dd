//! The authorisation matrix: every endpoint that changes (or reveals) an organisation's data,
//! tried by the caller's own organisation, a child, a sibling and the parent, by a sub-account
//! without the permission, by a student and anonymously.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::TestApp,
};
use reqwest::Method;
use serde_json::{Value, json};

/// Ids of the demo organisations and accounts by code / name.
struct Demo {
    orgs: std::collections::HashMap<String, i64>,
    accounts: std::collections::HashMap<String, i64>,
}

async fn demo_ids(app: &TestApp, admin: &str) -> Demo {
    let page: Value = get_as(app, admin, "/api/organizations?per_page=100")
        .await
        .json()
        .await
        .unwrap();
    let orgs = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["code"].as_str().unwrap().to_owned(),
                o["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut accounts = std::collections::HashMap::new();
    for code in ["tw", "cs", "em", "acm"] {
        let org_id = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == code)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let list: Value = get_as(app, admin, &format!("/api/organizations/{org_id}/accounts"))
            .await
            .json()
            .await
            .unwrap();
        for account in list["items"].as_array().unwrap() {
            accounts.insert(
                account["username"].as_str().unwrap().to_owned(),
                account["id"].as_i64().unwrap(),
            );
        }
    }
    Demo { orgs, accounts }
}

#[derive(Clone, Copy, Debug)]
enum Caller {
    CollegeAdmin,
    SubWithoutPermission,
    Student,
    Anonymous,
}

struct Case {
    name: &'static str,
    caller: Caller,
    method: Method,
    path: String,
    body: Option<Value>,
    expect: u16,
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

fn new_club(parent: i64, kind: &str) -> Value {
    json!({
        "parent_id": parent, "kind": kind, "code": unique("c"), "name": "测试社团",
        "main_account": {"username": unique("m"), "password": "Test2026pass"}
    })
}

fn new_sub() -> Value {
    json!({"username": unique("s"), "display_name": "子账号", "password": "Test2026pass", "permissions": ["view_reports"]})
}

#[tokio::test]
async fn every_organisation_endpoint_is_authorised_against_the_subtree() {
    let app = demo_app().await;
    let admin = token(&app, "admin").await;
    let ids = demo_ids(&app, &admin).await;
    let (own, child, sibling, parent) = (
        ids.orgs["cs"],
        ids.orgs["acm"],
        ids.orgs["em"],
        ids.orgs["tw"],
    );
    let (own_sub, child_main, sibling_main, parent_main) = (
        ids.accounts["cs_reports"],
        ids.accounts["acm_admin"],
        ids.accounts["em_admin"],
        ids.accounts["admin"],
    );
    use Caller::*;
    let mut cases = Vec::new();
    let org_paths = [own, child, sibling, parent];
    let account_targets = [own_sub, child_main, sibling_main, parent_main];
    let mut push = |name: &'static str,
                    caller: Caller,
                    method: Method,
                    path: String,
                    body: Option<Value>,
                    expect: u16| {
        cases.push(Case {
            name,
            caller,
            method,
            path,
            body,
            expect,
        });
    };
    // Create an organisation: a club under cs; a club cannot hold one (422, but authorised).
    for (target, kind, expect) in [
        (own, "club", 201),
        (child, "club", 422),
        (sibling, "club", 403),
        (parent, "college", 403),
    ] {
        push(
            "create organisation",
            CollegeAdmin,
            Method::POST,
            "/api/organizations".into(),
            Some(new_club(target, kind)),
            expect,
        );
    }
    for (target, expect) in org_paths.iter().zip([200, 200, 403, 403]) {
        push(
            "rename organisation",
            CollegeAdmin,
            Method::PATCH,
            format!("/api/organizations/{target}"),
            Some(json!({"name": "新名字"})),
            expect,
        );
        push(
            "list accounts",
            CollegeAdmin,
            Method::GET,
            format!("/api/organizations/{target}/accounts"),
            None,
            expect,
        );
        push(
            "read audit log",
            CollegeAdmin,
            Method::GET,
            format!("/api/audit?organization_id={target}"),
            None,
            expect,
        );
    }
    for (target, expect) in org_paths.iter().zip([201, 201, 403, 403]) {
        push(
            "create sub-account",
            CollegeAdmin,
            Method::POST,
            format!("/api/organizations/{target}/accounts"),
            Some(new_sub()),
            expect,
        );
    }
    // Accounts outside the subtree do not exist for the caller (404).
    for (target, expect) in account_targets.iter().zip([200, 200, 404, 404]) {
        push(
            "update account",
            CollegeAdmin,
            Method::PATCH,
            format!("/api/accounts/{target}"),
            Some(json!({"display_name": "改名"})),
            expect,
        );
    }
    for (target, expect) in account_targets.iter().zip([200, 200, 404, 404]) {
        push(
            "reset password",
            CollegeAdmin,
            Method::POST,
            format!("/api/accounts/{target}/reset-password"),
            None,
            expect,
        );
    }
    // The same operations on the caller's own organisation, by callers who may not.
    for (caller, expect) in [
        (SubWithoutPermission, 403),
        (Student, 403),
        (Anonymous, 401),
    ] {
        push(
            "create organisation",
            caller,
            Method::POST,
            "/api/organizations".into(),
            Some(new_club(own, "club")),
            expect,
        );
        push(
            "rename organisation",
            caller,
            Method::PATCH,
            format!("/api/organizations/{own}"),
            Some(json!({"name": "x"})),
            expect,
        );
        push(
            "list accounts",
            caller,
            Method::GET,
            format!("/api/organizations/{own}/accounts"),
            None,
            expect,
        );
        push(
            "create sub-account",
            caller,
            Method::POST,
            format!("/api/organizations/{own}/accounts"),
            Some(new_sub()),
            expect,
        );
        push(
            "update account",
            caller,
            Method::PATCH,
            format!("/api/accounts/{own_sub}"),
            Some(json!({"display_name": "x"})),
            expect,
        );
        push(
            "reset password",
            caller,
            Method::POST,
            format!("/api/accounts/{own_sub}/reset-password"),
            None,
            expect,
        );
    }
    // Any organisation account reads its own subtree's log; students never.
    push(
        "read audit log",
        SubWithoutPermission,
        Method::GET,
        format!("/api/audit?organization_id={own}"),
        None,
        200,
    );
    push(
        "read audit log",
        Student,
        Method::GET,
        "/api/audit".into(),
        None,
        403,
    );
    push(
        "read audit log",
        Anonymous,
        Method::GET,
        "/api/audit".into(),
        None,
        401,
    );

    let college_admin = token(&app, "cs_admin").await;
    let sub = token(&app, "cs_publisher").await;
    let student = token(&app, "2023010101").await;
    let mut failures = Vec::new();
    for case in cases {
        let bearer = match case.caller {
            CollegeAdmin => Some(college_admin.as_str()),
            SubWithoutPermission => Some(sub.as_str()),
            Student => Some(student.as_str()),
            Anonymous => None,
        };
        let response = send_as(
            &app,
            case.method.clone(),
            bearer,
            &case.path,
            case.body.as_ref(),
        )
        .await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code_ok = match status {
            401 => body["code"] == "unauthenticated",
            403 => body["code"] == "forbidden",
            404 => body["code"] == "not_found",
            _ => true,
        };
        if status != case.expect || !code_ok {
            failures.push(format!(
                "{} by {:?}: {} {} → {status} {body}, expected {}",
                case.name, case.caller, case.method, case.path, case.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} authorisation failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_sub_account_cannot_grant_what_it_does_not_hold_nor_touch_its_main_account() {
    let app = demo_app().await;
    let admin = token(&app, "cs_admin").await;
    let ids = demo_ids(&app, &token(&app, "admin").await).await;
    let cs = ids.orgs["cs"];
    // A sub-account that may manage accounts but not view reports.
    let manager = json!({"username": "cs_manager", "display_name": "人事", "password": "Manage2026", "permissions": ["manage_accounts", "publish_activities", "record_attendance"]});
    let created = send_as(
        &app,
        Method::POST,
        Some(&admin),
        &format!("/api/organizations/{cs}/accounts"),
        Some(&manager),
    )
    .await;
    assert_eq!(created.status().as_u16(), 201);
    let manager = crate::auth::sign_in(&app, "cs_manager", "Manage2026")
        .await
        .json::<Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let escalate = json!({"username": "cs_x", "display_name": "x", "password": "Test2026pass", "permissions": ["view_reports"]});
    let response = send_as(
        &app,
        Method::POST,
        Some(&manager),
        &format!("/api/organizations/{cs}/accounts"),
        Some(&escalate),
    )
    .await;
    let body = crate::helpers::assert_error(response, 403, "forbidden").await;
    assert_eq!(body["field"], "permissions");

    let main = ids.accounts["cs_admin"];
    let response = send_as(
        &app,
        Method::POST,
        Some(&manager),
        &format!("/api/accounts/{main}/reset-password"),
        None,
    )
    .await;
    crate::helpers::assert_error(response, 403, "forbidden").await;
    // cs_reports holds view_reports, which the manager lacks: a stronger peer.
    let reports = ids.accounts["cs_reports"];
    let response = send_as(
        &app,
        Method::PATCH,
        Some(&manager),
        &format!("/api/accounts/{reports}"),
        Some(&json!({"active": false})),
    )
    .await;
    crate::helpers::assert_error(response, 403, "forbidden").await;
    // Nor anywhere below: the club's main account holds every permission. Resetting it would
    // let the manager sign in as it and grant points.
    let club_main = ids.accounts["acm_admin"];
    for (method, path, body) in [
        (
            Method::POST,
            format!("/api/accounts/{club_main}/reset-password"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/accounts/{club_main}"),
            Some(json!({"active": false})),
        ),
        (
            Method::PATCH,
            format!("/api/accounts/{club_main}"),
            Some(json!({"display_name": "改名"})),
        ),
    ] {
        let response = send_as(&app, method, Some(&manager), &path, body.as_ref()).await;
        let body = crate::helpers::assert_error(response, 403, "forbidden").await;
        assert!(
            body["message"].as_str().unwrap().contains("permissions"),
            "{body}"
        );
    }
    // The college's main account, which holds them all, may.
    let response = send_as(
        &app,
        Method::POST,
        Some(&admin),
        &format!("/api/accounts/{club_main}/reset-password"),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    // A weaker peer is fine.
    let publisher = ids.accounts.get("cs_publisher").copied().unwrap();
    let response = send_as(
        &app,
        Method::PATCH,
        Some(&manager),
        &format!("/api/accounts/{publisher}"),
        Some(&json!({"display_name": "宣传"})),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
}
