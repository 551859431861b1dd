//! Students and staff: creating, finding and changing them, within the caller's subtree only.

use crate::helpers::{TestApp, assert_error, login, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use shared::{
    Page,
    people::{Staff, StaffCreated, Student, StudentCreated},
};

async fn seeded() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app
}

fn new_student(college_id: i64) -> Value {
    json!({
        "student_no": "2026010199", "name": "李明", "college_id": college_id, "major": "软件工程",
        "class_name": "软件2601", "enrolment_year": 2026, "degree": "undergraduate",
        "phone": "13800138000"
    })
}

async fn students(app: &TestApp, token: &str, query: &str) -> Page<Student> {
    let response = app
        .request(Method::GET, &format!("/api/students{query}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "GET /api/students{query}");
    response.json().await.unwrap()
}

/// The id of the student with this number (as the school admin sees it).
async fn student_id(app: &TestApp, student_no: &str) -> i64 {
    let admin = app.demo_login("admin").await;
    let page = students(app, &admin, &format!("?q={student_no}")).await;
    page.items
        .iter()
        .find(|s| s.student_no == student_no)
        .unwrap_or_else(|| panic!("student {student_no}"))
        .id
}

async fn audit_actions(app: &TestApp, token: &str, prefix: &str) -> Vec<Value> {
    let response = app
        .request(
            Method::GET,
            &format!("/api/audit?action={prefix}&per_page=100"),
            token,
        )
        .send()
        .await
        .unwrap();
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_college_creates_finds_and_changes_a_student() {
    // Arrange
    let app = seeded().await;
    let cs = app.org_id("cs").await;
    let token = app.demo_login("cs_admin").await;

    // Act
    let response = app
        .request(Method::POST, "/api/students", &token)
        .json(&new_student(cs))
        .send()
        .await
        .unwrap();

    // Assert: created, with a one-time password that must be changed.
    assert_eq!(response.status().as_u16(), 201);
    let created: StudentCreated = response.json().await.unwrap();
    assert_eq!(created.student.student_no, "2026010199");
    assert_eq!(created.student.college_id, cs);
    assert_eq!(
        created.student.college_name, "计算机学院",
        "the college, not its league committee"
    );
    assert!(created.student.active);
    let signed_in = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "2026010199", "password": created.temporary_password}),
        )
        .await;
    assert_eq!(signed_in.status().as_u16(), 200);
    let signed_in: Value = signed_in.json().await.unwrap();
    assert_eq!(signed_in["user"]["must_change_password"], true);
    assert_eq!(signed_in["user"]["role"], "student");

    // Found by id, by name, by number prefix, and by the filters.
    let id = created.student.id;
    let one: Student = app
        .request(Method::GET, &format!("/api/students/{id}"), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one, created.student);
    for query in [
        "?q=李明",
        "?q=20260101",
        "?q=0199&enrolment_year=2026",
        "?class_name=软件2601&degree=undergraduate",
    ] {
        let page = students(&app, &token, query).await;
        assert!(page.items.iter().any(|s| s.id == id), "{query}");
    }
    assert_eq!(
        students(&app, &token, "?enrolment_year=2026").await.total,
        1
    );
    assert!(
        students(&app, &token, "?q=0199&degree=graduate")
            .await
            .items
            .is_empty()
    );
    let all = students(&app, &token, "?per_page=100").await;
    assert_eq!(all.total, 77, "76 demo students of cs and the new one");
    assert!(all.items.iter().all(|s| s.college_id == cs));
    assert!(
        all.items
            .windows(2)
            .all(|w| w[0].student_no < w[1].student_no)
    );

    // Changed: class, name, phone cleared.
    let response = app
        .request(Method::PATCH, &format!("/api/students/{id}"), &token)
        .json(&json!({"class_name": "软件2602", "name": " 李明明 ", "phone": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let changed: Student = response.json().await.unwrap();
    assert_eq!(
        (
            changed.class_name.as_str(),
            changed.name.as_str(),
            changed.phone.as_deref()
        ),
        ("软件2602", "李明明", None)
    );
    assert_eq!(changed.major, "软件工程", "the rest is left as it was");
    assert!(changed.updated_at > created.student.updated_at);

    // Both writes are in the audit log.
    let entries = audit_actions(&app, &token, "student.").await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["student.update", "student.create"]);
    assert_eq!(
        entries[0]["details"]["class_name"],
        json!({"from": "软件2601", "to": "软件2602"})
    );
}

#[tokio::test]
async fn student_numbers_are_unique_regardless_of_case() {
    let app = seeded().await;
    let cs = app.org_id("cs").await;
    let token = app.demo_login("cs_admin").await;

    for taken in ["2023010101", "s2024010001", "ADMIN"] {
        let mut body = new_student(cs);
        body["student_no"] = json!(taken);
        let response = app
            .request(Method::POST, "/api/students", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let error = assert_error(response, 409, "conflict").await;
        assert_eq!(error["field"], "student_no", "{taken}");
    }
}

#[tokio::test]
async fn students_belong_to_a_college_of_the_subtree() {
    let app = seeded().await;
    let (cs, acm) = (app.org_id("cs").await, app.org_id("acm").await);
    let cs_admin = app.demo_login("cs_admin").await;
    let em_admin = app.demo_login("em_admin").await;
    let post = |token: &str, college_id: i64| {
        app.request(Method::POST, "/api/students", token)
            .json(&new_student(college_id))
            .send()
    };

    let club = assert_error(
        post(&cs_admin, acm).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let sibling = assert_error(post(&em_admin, cs).await.unwrap(), 403, "forbidden").await;
    let missing = assert_error(post(&cs_admin, 999_999).await.unwrap(), 404, "not_found").await;
    let invalid = app
        .request(Method::POST, "/api/students", &cs_admin)
        .json(&json!({
            "student_no": "2026010199", "name": "李明", "college_id": cs, "major": "软件工程",
            "class_name": "软件2601", "enrolment_year": 2026, "degree": "undergraduate",
            "phone": "12345"
        }))
        .send()
        .await
        .unwrap();
    let invalid = assert_error(invalid, 422, "validation_failed").await;

    assert_eq!(club["field"], "college_id");
    assert_eq!(sibling["field"], "college_id");
    assert_eq!(missing["field"], "college_id");
    assert_eq!(invalid["field"], "phone");
    assert_eq!(students(&app, &cs_admin, "?q=2026010199").await.total, 0);
}

#[tokio::test]
async fn students_outside_the_subtree_do_not_exist() {
    // Arrange: a cs student, and the admin of a sibling college.
    let app = seeded().await;
    let id = student_id(&app, "2023010101").await;
    let em_admin = app.demo_login("em_admin").await;

    // Act
    let get = app
        .request(Method::GET, &format!("/api/students/{id}"), &em_admin)
        .send()
        .await
        .unwrap();
    let patch = app
        .request(Method::PATCH, &format!("/api/students/{id}"), &em_admin)
        .json(&json!({"class_name": "会计2301"}))
        .send()
        .await
        .unwrap();
    let search = students(&app, &em_admin, "?q=2023010101").await;
    let own = students(&app, &em_admin, "?per_page=100").await;

    // Assert
    assert_error(get, 404, "not_found").await;
    assert_error(patch, 404, "not_found").await;
    assert_eq!(search.total, 0);
    let em = app.org_id("em").await;
    assert_eq!(own.total, 76);
    assert!(own.items.iter().all(|s| s.college_id == em));
}

#[tokio::test]
async fn a_club_has_no_students_and_cannot_create_any() {
    let app = seeded().await;
    let cs = app.org_id("cs").await;
    let acm_admin = app.demo_login("acm_admin").await;

    let listed = students(&app, &acm_admin, "").await;
    let created = app
        .request(Method::POST, "/api/students", &acm_admin)
        .json(&new_student(cs))
        .send()
        .await
        .unwrap();

    assert_eq!(listed.total, 0);
    assert!(listed.items.is_empty());
    assert_error(created, 403, "forbidden").await;
}

#[tokio::test]
async fn writing_needs_manage_accounts_and_reading_an_organisation_account() {
    let app = seeded().await;
    let cs = app.org_id("cs").await;
    let id = student_id(&app, "2023010101").await;
    let publisher = app.demo_login("cs_publisher").await;
    let student = app.demo_login("2023010101").await;
    let teacher = app.demo_login("T2015001").await;

    // A sub-account without `manage_accounts` reads, but does not write.
    assert_eq!(students(&app, &publisher, "").await.total, 76);
    let created = app
        .request(Method::POST, "/api/students", &publisher)
        .json(&new_student(cs))
        .send()
        .await
        .unwrap();
    assert_error(created, 403, "forbidden").await;
    let patched = app
        .request(Method::PATCH, &format!("/api/students/{id}"), &publisher)
        .json(&json!({"class_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_error(patched, 403, "forbidden").await;

    // Students and staff neither.
    for token in [&student, &teacher] {
        for path in [
            "/api/students".to_owned(),
            format!("/api/students/{id}"),
            "/api/staff".to_owned(),
        ] {
            let response = app.request(Method::GET, &path, token).send().await.unwrap();
            assert_error(response, 403, "forbidden").await;
        }
    }

    // Nobody anonymous.
    assert_error(app.get("/api/students").await, 401, "unauthenticated").await;
    assert_error(app.get("/api/staff").await, 401, "unauthenticated").await;
    let anonymous = app.post_json("/api/students", &new_student(cs)).await;
    assert_error(anonymous, 401, "unauthenticated").await;
}

#[tokio::test]
async fn deactivating_a_student_ends_their_sessions() {
    // Arrange: the student is signed in.
    let app = seeded().await;
    let id = student_id(&app, "2023010101").await;
    let student = app.demo_login("2023010101").await;
    let cs_admin = app.demo_login("cs_admin").await;
    let me = app
        .request(Method::GET, "/api/me", &student)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);

    // Act
    let response = app
        .request(Method::PATCH, &format!("/api/students/{id}"), &cs_admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status().as_u16(), 200);
    let student_now: Student = response.json().await.unwrap();
    assert!(!student_now.active);
    let me = app
        .request(Method::GET, "/api/me", &student)
        .send()
        .await
        .unwrap();
    assert_error(me, 401, "session_ended").await;
    let again = app
        .post_json(
            "/api/auth/login",
            &json!({"username": "2023010101", "password": api::seed::DEMO_PASSWORD}),
        )
        .await;
    assert_error(again, 403, "account_disabled").await;
    assert_eq!(students(&app, &cs_admin, "?q=2023010101").await.total, 0);
    let with_inactive = students(&app, &cs_admin, "?q=2023010101&include_inactive=true").await;
    assert_eq!(with_inactive.total, 1);
    let entries = audit_actions(&app, &cs_admin, "student.update").await;
    assert_eq!(entries[0]["details"]["sessions_ended"], 1);
}

#[tokio::test]
async fn moving_a_student_needs_both_colleges_in_the_subtree() {
    let app = seeded().await;
    let (em, fl) = (app.org_id("em").await, app.org_id("fl").await);
    let id = student_id(&app, "2023010101").await;
    let cs_admin = app.demo_login("cs_admin").await;
    let admin = app.demo_login("admin").await;
    let patch = |token: &str, body: Value| {
        app.request(Method::PATCH, &format!("/api/students/{id}"), token)
            .json(&body)
            .send()
    };

    let refused = patch(&cs_admin, json!({"college_id": em})).await.unwrap();
    let error = assert_error(refused, 403, "forbidden").await;
    assert_eq!(error["field"], "college_id");

    let moved = patch(&admin, json!({"college_id": fl})).await.unwrap();
    assert_eq!(moved.status().as_u16(), 200);
    let moved: Student = moved.json().await.unwrap();
    assert_eq!(
        (moved.college_id, moved.college_name.as_str()),
        (fl, "外国语学院")
    );
    let gone = app
        .request(Method::GET, &format!("/api/students/{id}"), &cs_admin)
        .send()
        .await
        .unwrap();
    assert_error(gone, 404, "not_found").await;
}

#[tokio::test]
async fn staff_are_managed_like_students_in_any_organisation() {
    // Arrange
    let app = seeded().await;
    let (cs, acm) = (app.org_id("cs").await, app.org_id("acm").await);
    let cs_admin = app.demo_login("cs_admin").await;
    let em_admin = app.demo_login("em_admin").await;

    // Act: a staff member of a club under cs.
    let response = app
        .request(Method::POST, "/api/staff", &cs_admin)
        .json(&json!({"staff_no": "T2026001", "name": "陈老师", "organization_id": acm, "title": "讲师"}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status().as_u16(), 201);
    let created: StaffCreated = response.json().await.unwrap();
    assert_eq!(
        (
            created.staff.organization_name.as_str(),
            created.staff.title.as_deref()
        ),
        ("程序设计协会", Some("讲师"))
    );
    let token = login(&app, "T2026001", &created.temporary_password).await;
    assert!(!token.is_empty());
    let id = created.staff.id;

    let listed: Page<Staff> = app
        .request(Method::GET, "/api/staff?q=陈老师", &cs_admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.items, std::slice::from_ref(&created.staff));
    let all: Page<Staff> = app
        .request(Method::GET, "/api/staff", &cs_admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.total, 4, "three demo instructors of cs and the new one");

    let moved = app
        .request(Method::PATCH, &format!("/api/staff/{id}"), &cs_admin)
        .json(&json!({"organization_id": cs, "title": null, "phone": "13900139000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status().as_u16(), 200);
    let moved: Staff = moved.json().await.unwrap();
    assert_eq!(
        (moved.organization_id, moved.title, moved.phone.as_deref()),
        (cs, None, Some("13900139000"))
    );

    let taken = app
        .request(Method::POST, "/api/staff", &cs_admin)
        .json(&json!({"staff_no": "t2026001", "name": "王老师", "organization_id": cs}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(taken, 409, "conflict").await["field"],
        "staff_no"
    );
    let elsewhere = app
        .request(Method::GET, &format!("/api/staff/{id}"), &em_admin)
        .send()
        .await
        .unwrap();
    assert_error(elsewhere, 404, "not_found").await;
    let into_cs = app
        .request(Method::POST, "/api/staff", &em_admin)
        .json(&json!({"staff_no": "T2026002", "name": "王老师", "organization_id": cs}))
        .send()
        .await
        .unwrap();
    assert_error(into_cs, 403, "forbidden").await;
    let actions: Vec<String> = audit_actions(&app, &cs_admin, "staff.")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["staff.update", "staff.create"]);
}
