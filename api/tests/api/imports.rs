//! Bulk import: preview a CSV or .xlsx file, then confirm it in one transaction.

use crate::helpers::{TestApp, assert_error, login, spawn_app};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use shared::{
    Page,
    people::{ImportPreview, ImportResult, RowAction, Staff, Student},
};
use std::time::Instant;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn seeded() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app
}

async fn upload(
    app: &TestApp,
    token: &str,
    kind: &str,
    file_name: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/imports/{kind}/previews?file_name={file_name}"),
        token,
    )
    .header("content-type", content_type)
    .body(body)
    .send()
    .await
    .unwrap()
}

async fn preview_of(response: reqwest::Response) -> ImportPreview {
    assert_eq!(response.status().as_u16(), 201, "preview stored");
    response.json().await.unwrap()
}

async fn confirm(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/imports/{id}/confirm"), token)
        .send()
        .await
        .unwrap()
}

async fn find_student(app: &TestApp, token: &str, student_no: &str) -> Option<Student> {
    let page: Page<Student> = app
        .request(
            Method::GET,
            &format!("/api/students?q={student_no}&include_inactive=true"),
            token,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page.items.into_iter().find(|s| s.student_no == student_no)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let row: Count = diesel::sql_query(sql)
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    row.n
}

#[tokio::test]
async fn a_csv_creates_and_updates_students() {
    // Arrange: columns in another order, English and Chinese headers, a BOM; two new students,
    // one existing with a new class, one existing exactly as stored (phone left empty).
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let existing = find_student(&app, &token, "2022010101").await.unwrap();
    let same = find_student(&app, &token, "2022010102").await.unwrap();
    let file = format!(
        "\u{feff}姓名,student_no,学院,专业,班级,入学年份,学历,手机\n\
         张伟,2026010001,cs,软件工程,软件2601,2026,本科生,13800138001\n\
         \"王芳\",2026010002,计算机学院团委,人工智能,人工2601,2026级,研究生,\n\
         {},2022010101,cs,{},新班级,2022,本科生,\n\
         {},2022010102,cs,{},{},2022,本科生,\n",
        existing.name, existing.major, same.name, same.major, same.class_name
    );

    // Act
    let preview =
        preview_of(upload(&app, &token, "students", "新生.csv", "text/csv", file).await).await;

    // Assert: the preview, and the same stored.
    assert_eq!(
        (
            preview.counts.create,
            preview.counts.update,
            preview.counts.unchanged,
            preview.counts.reject
        ),
        (2, 1, 1, 0),
        "{:?}",
        preview.rows
    );
    assert!(preview.confirmable);
    assert_eq!(preview.file_name, "新生.csv");
    let lines: Vec<(u32, RowAction)> = preview.rows.iter().map(|r| (r.line, r.action)).collect();
    assert_eq!(
        lines,
        [
            (2, RowAction::Create),
            (3, RowAction::Create),
            (4, RowAction::Update),
            (5, RowAction::Unchanged)
        ]
    );
    let stored: ImportPreview = app
        .request(Method::GET, &format!("/api/imports/{}", preview.id), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored, preview);

    // Act: confirm.
    let response = confirm(&app, &token, &preview.id).await;

    // Assert: applied; the new students sign in with their one-time passwords.
    assert_eq!(response.status().as_u16(), 200);
    let result: ImportResult = response.json().await.unwrap();
    assert_eq!((result.counts.create, result.counts.update), (2, 1));
    let usernames: Vec<&str> = result
        .credentials
        .iter()
        .map(|c| c.username.as_str())
        .collect();
    assert_eq!(usernames, ["2026010001", "2026010002"]);
    let wang = find_student(&app, &token, "2026010002").await.unwrap();
    assert_eq!(
        (
            wang.name.as_str(),
            wang.major.as_str(),
            wang.enrolment_year,
            wang.degree.as_str(),
            wang.phone
        ),
        ("王芳", "人工智能", 2026, "graduate", None)
    );
    let updated = find_student(&app, &token, "2022010101").await.unwrap();
    assert_eq!(updated.class_name, "新班级");
    assert_eq!(
        updated.phone, existing.phone,
        "an empty cell leaves the phone"
    );
    let credential = &result.credentials[1];
    let signed_in = app
        .post_json(
            "/api/auth/login",
            &json!({"username": credential.username, "password": credential.temporary_password}),
        )
        .await;
    assert_eq!(signed_in.status().as_u16(), 200);
    let signed_in: Value = signed_in.json().await.unwrap();
    assert_eq!(signed_in["user"]["must_change_password"], true);
    let confirmed: ImportPreview = app
        .request(Method::GET, &format!("/api/imports/{}", preview.id), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!confirmed.confirmable, "a confirmed import is done");
    let audit: Value = app
        .request(Method::GET, "/api/audit?action=import.", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["items"][0]["action"], "import.confirm");
    assert_eq!(audit["items"][0]["details"]["counts"]["create"], 2);
}

#[tokio::test]
async fn an_xlsx_workbook_creates_students_with_numbers_stored_as_numbers() {
    // Arrange: a workbook as Excel writes it, numbers as numbers, in its first worksheet.
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "学号",
        "姓名",
        "学院",
        "专业",
        "班级",
        "入学年份",
        "学历",
        "手机",
    ];
    for (column, title) in header.iter().enumerate() {
        sheet.write(0, column as u16, *title).unwrap();
    }
    for (row, (number, name)) in [(2026010101.0, "赵一"), (2026010102.0, "钱二")]
        .into_iter()
        .enumerate()
    {
        let row = row as u32 + 1;
        sheet.write(row, 0, number).unwrap();
        sheet.write(row, 1, name).unwrap();
        sheet.write(row, 2, "计算机学院团委").unwrap();
        sheet.write(row, 3, "软件工程").unwrap();
        sheet.write(row, 4, "软件2601").unwrap();
        sheet.write(row, 5, 2026).unwrap();
        sheet.write(row, 6, "本科").unwrap();
        sheet.write(row, 7, 13800138000.0 + f64::from(row)).unwrap();
    }
    workbook.add_worksheet().write(0, 0, "ignored").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    // Act
    let preview =
        preview_of(upload(&app, &token, "students", "名单.xlsx", XLSX, bytes).await).await;
    let response = confirm(&app, &token, &preview.id).await;

    // Assert
    assert_eq!(preview.counts.create, 2, "{:?}", preview.rows);
    assert_eq!(preview.rows[0].key, "2026010101");
    assert_eq!(preview.rows[1].line, 3);
    assert_eq!(response.status().as_u16(), 200);
    let qian = find_student(&app, &token, "2026010102").await.unwrap();
    assert_eq!(qian.phone.as_deref(), Some("13800138002"));
    assert_eq!(qian.enrolment_year, 2026);
}

#[tokio::test]
async fn a_staff_csv_creates_and_updates_instructors() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let file = "工号,姓名,单位,职称,手机\n\
                T2026001,陈老师,acm,讲师,\n\
                T2015001,周老师,计算机学院团委,教授,13900139000\n";

    let preview =
        preview_of(upload(&app, &token, "staff", "老师.csv", "text/csv", file).await).await;
    let response = confirm(&app, &token, &preview.id).await;

    assert_eq!(
        (preview.counts.create, preview.counts.update),
        (1, 1),
        "{:?}",
        preview.rows
    );
    assert_eq!(response.status().as_u16(), 200);
    let staff: Page<Staff> = app
        .request(Method::GET, "/api/staff?q=T20", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chen = staff
        .items
        .iter()
        .find(|s| s.staff_no == "T2026001")
        .unwrap();
    assert_eq!(
        (chen.organization_name.as_str(), chen.title.as_deref()),
        ("程序设计协会", Some("讲师"))
    );
    let zhou = staff
        .items
        .iter()
        .find(|s| s.staff_no == "T2015001")
        .unwrap();
    assert_eq!(
        (
            zhou.name.as_str(),
            zhou.title.as_deref(),
            zhou.phone.as_deref()
        ),
        ("周老师", Some("教授"), Some("13900139000"))
    );
}

#[tokio::test]
async fn a_file_that_cannot_be_read_is_refused_and_nothing_is_stored() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i * 7919 % 251) as u8 | 0x80)
        .collect();
    let too_many = std::iter::once("学号,姓名,学院,专业,班级,入学年份,学历".to_owned())
        .chain((0..20_001).map(|i| format!("2026{i:06},学生,cs,软件工程,软件2601,2026,本科生")))
        .collect::<Vec<_>>()
        .join("\n");

    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("garbage.csv", "text/csv", garbage.clone(), "UTF-8"),
        ("garbage.xlsx", XLSX, garbage, "xlsx"),
        (
            "zip.xlsx",
            XLSX,
            b"PK\x03\x04 not a workbook".to_vec(),
            "xlsx",
        ),
        (
            "old.xls",
            "application/vnd.ms-excel",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1],
            ".xls",
        ),
        ("empty.csv", "text/csv", Vec::new(), "empty"),
        (
            "no-number.csv",
            "text/csv",
            "姓名,学院\n李明,cs\n".into(),
            "学号 (student_no)",
        ),
        (
            "twice.csv",
            "text/csv",
            "学号,student_no,姓名\n".into(),
            "twice",
        ),
        (
            "big.csv",
            "text/csv",
            too_many.into_bytes(),
            "more than 20000 rows",
        ),
    ];
    for (name, content_type, body, says) in cases {
        let response = upload(&app, &token, "students", name, content_type, body).await;
        let error = assert_error(response, 422, "invalid_file").await;
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{name}: {error}"
        );
    }

    assert_eq!(count(&app, "SELECT count(*) AS n FROM imports").await, 0);
}

#[tokio::test]
async fn a_file_over_5_mb_is_413() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let body = vec![b'a'; 5 * 1024 * 1024 + 1];

    let response = upload(&app, &token, "students", "big.csv", "text/csv", body).await;

    assert_error(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn rejected_rows_say_why_per_column_and_block_the_import() {
    // Arrange: one good row and one problem per row after it.
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let file = "学号,姓名,学院,专业,班级,入学年份,学历,手机\n\
                2026010001,好学生,cs,软件工程,软件2601,2026,本科生,\n\
                2026010001,重复,cs,软件工程,软件2601,2026,本科生,\n\
                2026010003,别院,em,会计学,会计2601,2026,本科生,\n\
                2026010004,社团,acm,软件工程,软件2601,2026,本科生,\n\
                2026010005,无此院,nowhere,软件工程,软件2601,2026,本科生,\n\
                2026010006,坏年份,cs,软件工程,软件2601,1800,大专,123\n\
                2024020101,他院学生,cs,软件工程,软件2601,2024,本科生,\n\
                cs_publisher,子账号,cs,软件工程,软件2601,2026,本科生,\n\
                T2015001,老师,cs,软件工程,软件2601,2026,本科生,\n\
                学号?,,cs,,软件2601,2026,本科生,\n";

    // Act
    let preview =
        preview_of(upload(&app, &token, "students", "mixed.csv", "text/csv", file).await).await;
    let response = confirm(&app, &token, &preview.id).await;

    // Assert
    assert_eq!((preview.counts.create, preview.counts.reject), (1, 9));
    assert!(!preview.confirmable);
    let errors: Vec<(u32, Vec<(&str, &str)>)> = preview
        .rows
        .iter()
        .filter(|r| r.action == RowAction::Reject)
        .map(|r| {
            let errors = r
                .errors
                .iter()
                .map(|e| (e.column.as_str(), e.message.as_str()))
                .collect();
            (r.line, errors)
        })
        .collect();
    let columns = |line: u32| -> Vec<&str> {
        errors
            .iter()
            .find(|(l, _)| *l == line)
            .unwrap()
            .1
            .iter()
            .map(|(c, _)| *c)
            .collect()
    };
    let message = |line: u32| errors.iter().find(|(l, _)| *l == line).unwrap().1[0].1;
    assert!(message(3).contains("also on line 2"), "{errors:?}");
    assert!(
        message(4).contains("outside your organisation"),
        "{errors:?}"
    );
    assert!(message(5).contains("not a college"), "{errors:?}");
    assert!(message(6).contains("no organisation"), "{errors:?}");
    assert_eq!(columns(7), ["enrolment_year", "degree", "phone"]);
    assert!(
        message(8).contains("outside your organisation"),
        "{errors:?}"
    );
    assert!(message(9).contains("organisation account"), "{errors:?}");
    assert!(message(10).contains("staff member"), "{errors:?}");
    assert_eq!(columns(11), ["student_no", "name", "major"]);
    assert_eq!(columns(3), ["student_no"]);
    assert_eq!(columns(4), ["college"]);

    let error = assert_error(response, 409, "conflict").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("9 rows are rejected")
    );
    assert!(find_student(&app, &token, "2026010001").await.is_none());
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM accounts WHERE username LIKE '2026%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn confirming_twice_or_with_nothing_to_do_is_a_conflict() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let file = "学号,姓名,学院,专业,班级,入学年份,学历\n2026010001,张伟,cs,软件工程,软件2601,2026,本科生\n";
    let preview =
        preview_of(upload(&app, &token, "students", "a.csv", "text/csv", file).await).await;

    let first = confirm(&app, &token, &preview.id).await;
    let second = confirm(&app, &token, &preview.id).await;
    let again = preview_of(upload(&app, &token, "students", "a.csv", "text/csv", file).await).await;
    let nothing = confirm(&app, &token, &again.id).await;

    assert_eq!(first.status().as_u16(), 200);
    let error = assert_error(second, 409, "conflict").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("confirmed already")
    );
    assert_eq!((again.counts.unchanged, again.confirmable), (1, false));
    assert_error(nothing, 409, "conflict").await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'import.confirm'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_number_registered_since_the_preview_stops_the_whole_import() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let cs = app.org_id("cs").await;
    let file = "学号,姓名,学院,专业,班级,入学年份,学历\n\
                2026010001,张伟,cs,软件工程,软件2601,2026,本科生\n\
                2026010002,李娜,cs,软件工程,软件2601,2026,本科生\n";
    let preview =
        preview_of(upload(&app, &token, "students", "a.csv", "text/csv", file).await).await;
    let created = app
        .request(Method::POST, "/api/students", &token)
        .json(&json!({
            "student_no": "2026010002", "name": "李娜", "college_id": cs, "major": "软件工程",
            "class_name": "软件2601", "enrolment_year": 2026, "degree": "undergraduate"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    let response = confirm(&app, &token, &preview.id).await;

    assert_error(response, 409, "conflict").await;
    assert!(find_student(&app, &token, "2026010001").await.is_none());
}

#[tokio::test]
async fn imports_are_for_the_importing_subtree_and_manage_accounts_only() {
    let app = seeded().await;
    let cs_admin = app.demo_login("cs_admin").await;
    let em_admin = app.demo_login("em_admin").await;
    let acm_admin = app.demo_login("acm_admin").await;
    let publisher = app.demo_login("cs_publisher").await;
    let student = app.demo_login("2023010101").await;
    let file = "学号,姓名,学院,专业,班级,入学年份,学历\n2026010001,张伟,cs,软件工程,软件2601,2026,本科生\n";
    let preview =
        preview_of(upload(&app, &cs_admin, "students", "a.csv", "text/csv", file).await).await;

    // A sibling college sees no such import.
    let seen = app
        .request(
            Method::GET,
            &format!("/api/imports/{}", preview.id),
            &em_admin,
        )
        .send()
        .await
        .unwrap();
    assert_error(seen, 404, "not_found").await;
    assert_error(
        confirm(&app, &em_admin, &preview.id).await,
        404,
        "not_found",
    )
    .await;

    // A club under cs may import, but not into cs itself.
    let club =
        preview_of(upload(&app, &acm_admin, "students", "a.csv", "text/csv", file).await).await;
    assert_eq!(club.counts.reject, 1);
    assert!(
        club.rows[0].errors[0]
            .message
            .contains("outside your organisation")
    );

    // No permission, no account, no import.
    for token in [&publisher, &student] {
        let response = upload(&app, token, "students", "a.csv", "text/csv", file).await;
        assert_error(response, 403, "forbidden").await;
        assert_error(confirm(&app, token, &preview.id).await, 403, "forbidden").await;
    }
    let anonymous = app
        .client
        .post(app.url("/api/imports/students/previews"))
        .body(file)
        .send()
        .await
        .unwrap();
    assert_error(anonymous, 401, "unauthenticated").await;
    let bad_kind = upload(&app, &cs_admin, "teachers", "a.csv", "text/csv", file).await;
    assert_error(bad_kind, 400, "invalid_path").await;

    // The school above may confirm what cs previewed.
    let admin = app.demo_login("admin").await;
    assert_eq!(
        confirm(&app, &admin, &preview.id).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn the_template_opens_in_excel_and_imports_as_is() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;

    let response = app
        .request(Method::GET, "/api/imports/students/template.csv", &token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(
        text.starts_with("学号,姓名,学院,专业,班级,入学年份,学历,手机\n"),
        "{text}"
    );
    assert!(text.contains("计算机学院团委"), "{text}");
    let preview =
        preview_of(upload(&app, &token, "students", "template.csv", "text/csv", bytes).await).await;
    assert_eq!(preview.counts.create, 1, "{:?}", preview.rows);

    let staff = app
        .request(Method::GET, "/api/imports/staff/template.csv", &token)
        .send()
        .await
        .unwrap();
    assert!(
        staff
            .text()
            .await
            .unwrap()
            .contains("工号,姓名,单位,职称,手机")
    );
    let student = app.demo_login("2023010101").await;
    let refused = app
        .request(Method::GET, "/api/imports/staff/template.csv", &student)
        .send()
        .await
        .unwrap();
    assert_error(refused, 403, "forbidden").await;
    assert_error(
        app.get("/api/imports/staff/template.csv").await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn three_thousand_students_in_one_confirmation() {
    // Arrange
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    let mut file = String::from("学号,姓名,学院,专业,班级,入学年份,学历,手机\n");
    for i in 0..3000 {
        file.push_str(&format!(
            "2030{i:06},学生{i},cs,软件工程,软件30{:02},2030,本科生,139{i:08}\n",
            i % 40
        ));
    }

    // Act
    let started = Instant::now();
    let preview =
        preview_of(upload(&app, &token, "students", "3000.csv", "text/csv", file).await).await;
    let previewed = started.elapsed();
    let response = confirm(&app, &token, &preview.id).await;
    let confirmed = started.elapsed() - previewed;
    eprintln!("3,000 rows: preview {previewed:?}, confirm {confirmed:?}");

    // Assert
    assert_eq!(preview.counts.create, 3000);
    assert_eq!(response.status().as_u16(), 200);
    let result: ImportResult = response.json().await.unwrap();
    assert_eq!(result.counts.create, 3000);
    assert_eq!(result.credentials.len(), 3000);
    let page: Page<Student> = app
        .request(Method::GET, "/api/students?enrolment_year=2030", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.total, 3000);
    let last = &result.credentials[2999];
    let signed_in = login(&app, &last.username, &last.temporary_password).await;
    assert!(!signed_in.is_empty());
}

#[tokio::test]
async fn cadre_positions_import_with_a_report_per_row_and_all_or_nothing() {
    let app = seeded().await;
    let token = app.demo_login("cs_admin").await;
    // An .xlsx as a college keeps its register: a date typed as a date, one as text.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "学号",
        "姓名",
        "组织",
        "职务",
        "职务类型",
        "级别",
        "班级",
        "开始日期",
        "结束日期",
        "任命文号",
    ];
    for (column, title) in header.iter().enumerate() {
        sheet.write(0, column as u16, *title).unwrap();
    }
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 9, 1).unwrap();
    let rows: [[&str; 10]; 7] = [
        [
            "2023010101",
            "",
            "计算机学院团委",
            "学生会主席",
            "主席团成员",
            "",
            "",
            "",
            "2027-06-30",
            "计院团字〔2026〕3号",
        ],
        [
            "2023010102",
            "",
            "cs",
            "班长",
            "monitor",
            "班级",
            "软件2301",
            "",
            "2027/6/30",
            "",
        ],
        [
            "2023010103",
            "",
            "程序设计协会",
            "会长",
            "主席团成员",
            "",
            "",
            "",
            "2027年6月30日",
            "",
        ],
        // Bad rows: another college's student; an unknown type; a club position claimed as
        // a class's; no such organisation; an impossible end; the first row again.
        [
            "2024020101",
            "",
            "计算机学院团委",
            "干事",
            "干事",
            "",
            "",
            "",
            "2027-06-30",
            "",
        ],
        [
            "2023010104",
            "",
            "计算机学院团委",
            "部长",
            "皇帝",
            "",
            "",
            "",
            "2027-06-30",
            "",
        ],
        [
            "2023010105",
            "",
            "程序设计协会",
            "干事",
            "干事",
            "班级",
            "x",
            "",
            "2027-06-30",
            "",
        ],
        [
            "2023010106",
            "",
            "火星学院",
            "干事",
            "干事",
            "",
            "",
            "",
            "2026-13-01",
            "",
        ],
    ];
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, text) in row.iter().enumerate() {
            if c == 7 {
                sheet
                    .write_datetime_with_format(
                        r,
                        7,
                        &day,
                        &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
                    )
                    .unwrap();
            } else {
                sheet.write(r, c as u16, *text).unwrap();
            }
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let preview = preview_of(
        upload(
            &app,
            &token,
            "positions",
            "干部名册.xlsx",
            XLSX,
            bytes.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(preview.counts.create, 3, "{preview:?}");
    assert_eq!(preview.counts.reject, 4, "{preview:?}");
    assert!(!preview.confirmable);
    let columns: Vec<(u32, Vec<&str>)> = preview
        .rows
        .iter()
        .filter(|r| r.action == RowAction::Reject)
        .map(|r| (r.line, r.errors.iter().map(|e| e.column.as_str()).collect()))
        .collect();
    assert_eq!(
        columns,
        vec![
            (5, vec!["student_no"]),
            (6, vec!["position_type"]),
            (7, vec!["level"]),
            (8, vec!["organization", "ends_on"]),
        ],
        "{preview:?}"
    );
    // A file with rejected rows is not confirmed: nothing is written.
    assert_error(confirm(&app, &token, &preview.id).await, 409, "conflict").await;

    // The good rows alone, as CSV: created, then the same file again is unchanged, and a
    // changed end date updates.
    let good = "学号,组织,职务,职务类型,级别,班级,开始日期,结束日期\n\
        2023010101,计算机学院团委,学生会主席,主席团成员,,,2026-09-01,2027-06-30\n\
        2023010102,cs,班长,班长,班级,软件2301,2026-09-01,2027-06-30\n";
    let first =
        preview_of(upload(&app, &token, "positions", "名册.csv", "text/csv", good).await).await;
    assert_eq!(first.counts.create, 2, "{first:?}");
    let done: ImportResult = confirm(&app, &token, &first.id).await.json().await.unwrap();
    assert_eq!(done.counts.create, 2);
    assert!(done.credentials.is_empty());
    let again =
        preview_of(upload(&app, &token, "positions", "名册.csv", "text/csv", good).await).await;
    assert_eq!(
        (again.counts.unchanged, again.confirmable),
        (2, false),
        "{again:?}"
    );
    let longer = good.replace(
        "2023010102,cs,班长,班长,班级,软件2301,2026-09-01,2027-06-30",
        "2023010102,cs,班长,班长,班级,软件2301,2026-09-01,2028-06-30",
    );
    let update =
        preview_of(upload(&app, &token, "positions", "名册.csv", "text/csv", longer).await).await;
    assert_eq!(
        (update.counts.update, update.counts.unchanged),
        (1, 1),
        "{update:?}"
    );
    assert_eq!(confirm(&app, &token, &update.id).await.status(), 200);
    let listed: Value = app
        .request(Method::GET, "/api/cadre-positions?q=2023010102", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["ends_on"], "2028-06-30", "{listed}");
    assert_eq!(listed["items"][0]["level"], "class");

    // Positions need manage_cadres; a people-only sub-account cannot see the import either.
    let reports = app.demo_login("cs_reports").await;
    assert_error(
        upload(&app, &reports, "positions", "名册.csv", "text/csv", good).await,
        403,
        "forbidden",
    )
    .await;
    let template = app
        .request(Method::GET, "/api/imports/positions/template.csv", &token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(template.contains("职务类型"), "{template}");
}
