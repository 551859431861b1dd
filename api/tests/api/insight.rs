//! Insight: the dashboard's figures against hand counts on a small fixture (a college of its
//! own with three students, three activities, sign-ups, check-ins, results and points), the
//! monthly report's freeze (once, also when two processes race), filing (once, also when two
//! requests race) and the school's report, the workload sheet, the downloads read back, and
//! the report's e-mail through an SMTP sink started by the test.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::TestApp,
};
use chrono::{DateTime, Utc};
use diesel::{QueryableByName, sql_types::BigInt};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use shared::insight::Month;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

async fn one_id(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Id>(&mut app.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .id
}

async fn exec(app: &TestApp, sql: &str) {
    diesel::sql_query(sql)
        .execute(&mut app.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The fixture's ids.
struct Fixture {
    college: i64,
    term: i64,
    students: [i64; 3],
    instructor: i64,
}

/// 测试学院 with three students (2024 ×2 undergraduates, a 2025 graduate) and, in November
/// 2026: A (lecture, college level, recognised, guided by T2015001; s1 s2 s3 signed up, s1 s2
/// checked in, s2 awarded), B (competition, club level; s1 signed up and checked in, s2
/// withdrew), C (a draft). Points: s1 200 lecture + 150 competition (3 h), s2 200 lecture.
async fn fixture(app: &TestApp) -> Fixture {
    let admin = token(app, "admin").await;
    let root = app.org_id("tw").await;
    let created = send_as(
        app,
        Method::POST,
        Some(&admin),
        "/api/organizations",
        Some(&json!({
            "parent_id": root, "kind": "college", "code": "ts", "name": "测试学院",
            "main_account": {"username": "ts_admin", "password": "Tsadmin2026ok"}
        })),
    )
    .await;
    assert_eq!(
        created.status().as_u16(),
        201,
        "{}",
        created.text().await.unwrap()
    );
    let college = app.org_id("ts").await;
    let ts_admin = one_id(app, "SELECT id FROM accounts WHERE username = 'ts_admin'").await;
    let term = one_id(app, "SELECT id FROM terms WHERE code = '2026-2027-1'").await;
    let instructor = one_id(app, "SELECT id FROM accounts WHERE username = 'T2015001'").await;
    let mut students = [0; 3];
    for (i, (year, degree)) in [
        (2024, "undergraduate"),
        (2024, "undergraduate"),
        (2025, "graduate"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = one_id(
            app,
            &format!(
                "INSERT INTO accounts (username, display_name, password_hash, kind, organization_id)
                 VALUES ('TS00{i}', '测试{i}', 'x', 'student', {college}) RETURNING id"
            ),
        )
        .await;
        exec(
            app,
            &format!(
                "INSERT INTO students (account_id, major, class_name, enrolment_year, degree)
                 VALUES ({id}, '测试', '测试2401', {year}, '{degree}')"
            ),
        )
        .await;
        students[i] = id;
    }
    let [s1, s2, s3] = students;
    let activity = |title: &str,
                    category: &str,
                    level: &str,
                    starts: &str,
                    ends: &str,
                    status: &str,
                    recognised: bool| {
        format!(
            "INSERT INTO activities (organizer_id, title, category, credit_level, starts_at, ends_at,
                 place, registration_opens_at, registration_closes_at, enrolment_mode, status,
                 instructor_ids, recognized_at, created_by, updated_by)
             VALUES ({college}, '{title}', '{category}', '{level}', '{starts}', '{ends}', '报告厅',
                 '2026-10-01T00:00:00Z', '{starts}', 'first_come', '{status}', ARRAY[{instructor}]::bigint[],
                 {recognised}, {ts_admin}, {ts_admin}) RETURNING id",
            recognised = if recognised { "now()" } else { "NULL" },
        )
    };
    let a = one_id(
        app,
        &activity(
            "讲座A",
            "lecture",
            "college",
            "2026-11-10T02:00:00Z",
            "2026-11-10T04:00:00Z",
            "published",
            true,
        ),
    )
    .await;
    let b = one_id(
        app,
        &activity(
            "竞赛B",
            "competition",
            "club",
            "2026-11-20T02:00:00Z",
            "2026-11-20T05:00:00Z",
            "published",
            false,
        ),
    )
    .await;
    one_id(
        app,
        &activity(
            "草稿C",
            "lecture",
            "club",
            "2026-11-25T02:00:00Z",
            "2026-11-25T03:00:00Z",
            "draft",
            false,
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO activity_transitions (activity_id, at, action, from_status, to_status, actor_id, organization_id)
             VALUES ({a}, '2026-11-01T02:00:00Z', 'approve', 'submitted', 'published', {ts_admin}, {college})"
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO registrations (activity_id, student_id, status) VALUES
               ({a}, {s1}, 'confirmed'), ({a}, {s2}, 'confirmed'), ({a}, {s3}, 'confirmed'),
               ({b}, {s1}, 'confirmed'), ({b}, {s2}, 'cancelled')"
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered) VALUES
               ({a}, {s1}, '2026-11-10T02:05:00Z', 'qr', true),
               ({a}, {s2}, '2026-11-10T02:06:00Z', 'qr', true),
               ({b}, {s1}, '2026-11-20T02:01:00Z', 'qr', true)"
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO results (activity_id, student_id, attended, award, award_level, recognized_by)
             VALUES ({a}, {s1}, true, NULL, NULL, {ts_admin}),
                    ({a}, {s2}, true, 'first', 'college', {ts_admin})"
        ),
    )
    .await;
    let entry =
        |student: i64, category: &str, points: i64, hours: f64, day: &str, activity: i64| {
            format!(
            "INSERT INTO ledger_entries (student_id, term_id, category, points, hours, source, fact,
                 activity_id, title, method, organization_id, recognized_by, occurred_on)
             VALUES ({student}, {term}, '{category}', {points}, {hours}, 'activity',
                 'result:{student}-{activity}', {activity}, 'fixture', 'participation', {college},
                 {ts_admin}, '{day}')"
        )
        };
    exec(app, &entry(s1, "lecture", 200, 0.0, "2026-11-10", a)).await;
    exec(app, &entry(s2, "lecture", 200, 0.0, "2026-11-10", a)).await;
    exec(app, &entry(s1, "competition", 150, 3.0, "2026-11-20", b)).await;
    // The ledger's writer keeps standings in step; these entries were written around it.
    exec(
        app,
        &format!(
            "INSERT INTO standings (student_id, term_id, college_id, enrolment_year, points) VALUES
               ({s1}, {term}, {college}, 2024, 350), ({s2}, {term}, {college}, 2024, 200)"
        ),
    )
    .await;
    Fixture {
        college,
        term,
        students,
        instructor,
    }
}

fn figure(list: &Value, key: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .map_or(0, |f| f["value"].as_i64().unwrap())
}

fn share<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {list}"))
}

#[tokio::test]
async fn the_dashboard_counts_what_happened_in_the_subtree() {
    let app = demo_app().await;
    let f = fixture(&app).await;
    let ts = crate::helpers::login(&app, "ts_admin", "Tsadmin2026ok").await;
    let path = format!(
        "/api/insight/dashboard?organization={}&term={}",
        f.college, f.term
    );
    let response = get_as(&app, &ts, &path).await;
    assert_eq!(response.status().as_u16(), 200);
    let d: Value = response.json().await.unwrap();

    assert_eq!(d["organization"], "测试学院");
    assert_eq!(d["students"], 3);
    assert_eq!(d["activities"], 3);
    assert_eq!(figure(&d["by_category"], "lecture"), 2);
    assert_eq!(figure(&d["by_category"], "competition"), 1);
    assert_eq!(figure(&d["by_level"], "college"), 1);
    assert_eq!(figure(&d["by_level"], "club"), 2);
    assert_eq!(figure(&d["by_state"], "recognised"), 1);
    assert_eq!(figure(&d["by_state"], "awaiting_recognition"), 1);
    assert_eq!(figure(&d["by_state"], "draft"), 1);
    assert_eq!(
        d["attendance"],
        json!({"registrations": 4, "attended": 3, "no_shows": 1})
    );
    let points = d["points"].as_array().unwrap();
    let lecture = points.iter().find(|p| p["category"] == "lecture").unwrap();
    assert_eq!(
        (lecture["points"].as_i64(), lecture["entries"].as_i64()),
        (Some(400), Some(2))
    );
    assert_eq!(lecture["label"], "报告讲座");
    let competition = points
        .iter()
        .find(|p| p["category"] == "competition")
        .unwrap();
    assert_eq!(competition["points"], 150);
    assert_eq!(competition["hours"], 3.0);
    // s1 and s2 took part; s3 signed up and never came.
    let college = share(&d["by_college"], &f.college.to_string());
    assert_eq!(
        (college["students"].as_i64(), college["active"].as_i64()),
        (Some(3), Some(2))
    );
    let y2024 = share(&d["by_year"], "2024");
    assert_eq!(
        (y2024["students"].as_i64(), y2024["active"].as_i64()),
        (Some(2), Some(2))
    );
    let graduates = share(&d["by_degree"], "graduate");
    assert_eq!(
        (graduates["students"].as_i64(), graduates["active"].as_i64()),
        (Some(1), Some(0))
    );
    // The weeks of 9 and 16 November.
    let weeks = d["weeks"].as_array().unwrap();
    let week = |monday: &str| weeks.iter().find(|w| w["key"] == monday).unwrap().clone();
    assert_eq!(week("2026-11-09")["checkins"], 2);
    assert_eq!(week("2026-11-09")["points"], 400);
    assert_eq!(week("2026-11-16")["activities"], 1);
    assert_eq!(week("2026-11-16")["points"], 150);
    let this_term = d["terms"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(this_term["key"], "2026-2027-1");
    assert_eq!(
        (
            this_term["activities"].as_i64(),
            this_term["checkins"].as_i64(),
            this_term["points"].as_i64()
        ),
        (Some(2), Some(3), Some(550))
    );
    assert_eq!(d["top_organizations"][0]["name"], "测试学院");
    assert_eq!(d["top_organizations"][0]["checkins"], 3);
    let leaders = d["leaderboard"].as_array().unwrap();
    assert_eq!(leaders[0]["student_id"], f.students[0]);
    assert_eq!(leaders[0]["points"], 350);
    assert_eq!(leaders[1]["student_id"], f.students[1]);
    assert_eq!(leaders.len(), 2);

    // The school's dashboard includes the college's; another college sees none of it.
    let admin = token(&app, "admin").await;
    let school: Value = get_as(
        &app,
        &admin,
        &format!("/api/insight/dashboard?term={}", f.term),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(school["attendance"]["attended"].as_i64().unwrap() >= 3);
    assert!(share(&school["by_college"], &f.college.to_string())["active"] == 2);
    let cs = token(&app, "cs_admin").await;
    assert_eq!(get_as(&app, &cs, &path).await.status().as_u16(), 403);
    let student = token(&app, "2023010101").await;
    assert_eq!(get_as(&app, &student, &path).await.status().as_u16(), 403);
    let unknown = get_as(&app, &admin, "/api/insight/dashboard?organization=999999").await;
    assert_eq!(unknown.status().as_u16(), 404);
    let bad = get_as(&app, &admin, "/api/insight/dashboard?term=x").await;
    assert_eq!(bad.status().as_u16(), 400);

    // The spreadsheet holds the same numbers.
    let xlsx = get_as(
        &app,
        &ts,
        &format!(
            "/api/insight/dashboard.xlsx?organization={}&term={}",
            f.college, f.term
        ),
    )
    .await;
    assert_eq!(xlsx.status().as_u16(), 200);
    let rows = sheet_rows(&xlsx.bytes().await.unwrap(), "概览");
    assert_eq!(value_of(&rows, "签到人次"), 3.0);
    assert_eq!(value_of(&rows, "缺席人次"), 1.0);
    assert_eq!(value_of(&rows, "学生数"), 3.0);
}

/// The rows of one sheet, as text or numbers.
fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let range = book.worksheet_range(sheet).expect("the sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

/// The number beside `label` in a two-column block.
fn value_of(rows: &[Vec<calamine::Data>], label: &str) -> f64 {
    let row = rows
        .iter()
        .find(|r| r.iter().next().is_some_and(|c| *c == label))
        .unwrap_or_else(|| panic!("no row {label}"));
    match &row[1] {
        calamine::Data::Float(n) => *n,
        calamine::Data::Int(n) => *n as f64,
        other => panic!("{label}: {other:?}"),
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

#[tokio::test]
async fn the_month_is_frozen_once_filed_once_and_compared_by_the_school() {
    let app = demo_app().await;
    fixture(&app).await;
    let november = Month::new(2026, 11).unwrap();
    let frozen_at = at("2026-11-27T16:00:30Z");

    // Two processes reach the 28th at once: one freezes, the other finds it done.
    let (mut one, mut two) = (app.db().await, app.db().await);
    let (a, b) = tokio::join!(
        api::reports::freeze::freeze(&mut one, november, frozen_at),
        api::reports::freeze::freeze(&mut two, november, frozen_at),
    );
    assert_eq!(
        [a.unwrap(), b.unwrap()]
            .iter()
            .filter(|done| **done)
            .count(),
        1
    );
    // A later run (the next day, after a restart) freezes nothing more.
    let again = api::reports::freeze::run(&mut app.db().await, at("2026-12-02T00:00:00Z"))
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    let reports = one_id(&app, "SELECT count(*) AS id FROM monthly_reports").await;
    let colleges = one_id(
        &app,
        "SELECT count(*) AS id FROM organizations WHERE kind = 'college' AND active",
    )
    .await;
    assert_eq!(reports, colleges);

    let ts = crate::helpers::login(&app, "ts_admin", "Tsadmin2026ok").await;
    let list: Value = get_as(&app, &ts, "/api/monthly-reports")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "a college sees its own: {list}");
    let id = list["items"][0]["id"].as_i64().unwrap();
    assert_eq!(list["items"][0]["month"], "2026-11");
    let report: Value = get_as(&app, &ts, &format!("/api/monthly-reports/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["period_from"], "2026-10-28");
    assert_eq!(report["period_to"], "2026-11-27");
    assert_eq!(report["due_at"], "2026-11-28T16:00:00Z");
    let figures = &report["content"]["figures"];
    assert_eq!(figures["students"], 3);
    assert_eq!(figures["active_students"], 2);
    assert_eq!(figures["published"], 1);
    assert_eq!(figures["held"], 2);
    assert_eq!(
        figures["attendance"],
        json!({"registrations": 4, "attended": 3, "no_shows": 1})
    );
    assert_eq!(report["content"]["activities"].as_array().unwrap().len(), 2);
    assert_eq!(report["can_file"], true);
    // Today is past the 28th: unfiled, it is late.
    assert_eq!(report["late"], true);

    // Only the college's own accounts write; others in the school read; other colleges see nothing.
    let admin = token(&app, "admin").await;
    let cs = token(&app, "cs_admin").await;
    assert_eq!(
        get_as(&app, &cs, &format!("/api/monthly-reports/{id}"))
            .await
            .status()
            .as_u16(),
        404
    );
    let by_school = send_as(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/monthly-reports/{id}"),
        Some(&json!({"comments": "x"})),
    )
    .await;
    assert_eq!(by_school.status().as_u16(), 403);
    let too_long = send_as(
        &app,
        Method::PUT,
        Some(&ts),
        &format!("/api/monthly-reports/{id}"),
        Some(&json!({"comments": "长".repeat(5001)})),
    )
    .await;
    assert_eq!(too_long.status().as_u16(), 422);
    let saved = send_as(
        &app,
        Method::PUT,
        Some(&ts),
        &format!("/api/monthly-reports/{id}"),
        Some(&json!({"comments": "本月举办讲座与竞赛各一场。"})),
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);

    // Two filings at once: one files, the other is told it is filed.
    let file = format!("/api/monthly-reports/{id}/file");
    let (x, y) = tokio::join!(
        send_as(&app, Method::POST, Some(&ts), &file, None),
        send_as(&app, Method::POST, Some(&ts), &file, None),
    );
    let mut statuses = [x.status().as_u16(), y.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let filed: Value = get_as(&app, &ts, &format!("/api/monthly-reports/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filed["status"], "filed");
    assert_eq!(filed["late"], true, "filed after the 28th stays late");
    assert_eq!(filed["can_file"], false);
    assert_eq!(filed["filed_by"], "测试学院");
    let after = send_as(
        &app,
        Method::PUT,
        Some(&ts),
        &format!("/api/monthly-reports/{id}"),
        Some(&json!({"comments": "改"})),
    )
    .await;
    assert_eq!(after.status().as_u16(), 409);
    let audit: Value = get_as(&app, &admin, "/api/audit?action=monthly_report.file")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);

    // The college's spreadsheet: the figures as on the page.
    let xlsx = get_as(&app, &ts, &format!("/api/monthly-reports/{id}/report.xlsx")).await;
    assert_eq!(xlsx.status().as_u16(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let rows = sheet_rows(&bytes, "数据汇总");
    assert_eq!(value_of(&rows, "签到人次"), 3.0);
    assert_eq!(value_of(&rows, "报名人次"), 4.0);
    assert_eq!(value_of(&rows, "授予积分"), 550.0);
    assert_eq!(
        sheet_rows(&bytes, "活动明细").len(),
        2 + 2,
        "title, header and the two activities"
    );
    let pdf = get_as(&app, &ts, &format!("/api/monthly-reports/{id}/report.pdf")).await;
    if pdf.status().as_u16() == 200 {
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    } else {
        assert_eq!(pdf.status().as_u16(), 503, "only without a CJK font");
    }

    // The school: who filed, side by side; a draft is the school's alone until published.
    let school: Value = get_as(&app, &admin, "/api/school-reports/2026-11")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(school["status"], "draft");
    assert_eq!(school["filed"], 1);
    assert_eq!(school["late"], colleges);
    assert_eq!(
        school["colleges"].as_array().unwrap().len() as i64,
        colleges
    );
    assert_eq!(school["can_publish"], true);
    assert_eq!(
        get_as(&app, &cs, "/api/school-reports/2026-11")
            .await
            .status()
            .as_u16(),
        404
    );
    let analysed = send_as(
        &app,
        Method::PUT,
        Some(&admin),
        "/api/school-reports/2026-11",
        Some(&json!({"analysis": "测试学院按时开展活动。"})),
    )
    .await;
    assert_eq!(analysed.status().as_u16(), 200);
    let by_college = send_as(
        &app,
        Method::POST,
        Some(&ts),
        "/api/school-reports/2026-11/publish",
        None,
    )
    .await;
    assert_eq!(by_college.status().as_u16(), 403);
    let published = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/school-reports/2026-11/publish",
        None,
    )
    .await;
    assert_eq!(published.status().as_u16(), 200);
    let twice = send_as(
        &app,
        Method::POST,
        Some(&admin),
        "/api/school-reports/2026-11/publish",
        None,
    )
    .await;
    assert_eq!(twice.status().as_u16(), 409);
    let read: Value = get_as(&app, &cs, "/api/school-reports/2026-11")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["status"], "published");
    assert_eq!(read["analysis"], "测试学院按时开展活动。");
    let months: Value = get_as(&app, &cs, "/api/school-reports")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(months[0]["month"], "2026-11");
    let book = get_as(&app, &cs, "/api/school-reports/2026-11/report.xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let compare = sheet_rows(&book, "学院对比");
    let column = compare[1].iter().position(|c| *c == "测试学院").unwrap();
    let attended = compare.iter().find(|r| r[0] == "签到人次").unwrap();
    assert_eq!(attended[column], calamine::Data::Float(3.0));
    assert_eq!(
        get_as(&app, &cs, "/api/school-reports/2026-13")
            .await
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn instructors_see_their_workload_and_organisations_their_subtree() {
    let app = demo_app().await;
    let f = fixture(&app).await;
    let teacher = token(&app, "T2015001").await;
    let mine: Value = get_as(&app, &teacher, &format!("/api/me/workload?term={}", f.term))
        .await
        .json()
        .await
        .unwrap();
    let row = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instructor_id"] == f.instructor)
        .unwrap()
        .clone();
    assert!(row["activities"].as_i64().unwrap() >= 2);
    let ts = crate::helpers::login(&app, "ts_admin", "Tsadmin2026ok").await;
    let sheet: Value = get_as(&app, &ts, &format!("/api/insight/workload?term={}", f.term))
        .await
        .json()
        .await
        .unwrap();
    let rows = sheet["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    // A (2 h, 2 checked in, 2 results, 1 award) and B (3 h, 1 checked in); C is a draft.
    assert_eq!(rows[0]["activities"], 2);
    assert_eq!(rows[0]["hours"], 5.0);
    assert_eq!(rows[0]["participants"], 3);
    assert_eq!(rows[0]["results"], 2);
    assert_eq!(rows[0]["awards"], 1);
    assert_eq!(sheet["activities"].as_array().unwrap().len(), 2);
    assert_eq!(
        get_as(&app, &teacher, "/api/insight/workload")
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        get_as(&app, &ts, "/api/me/workload")
            .await
            .status()
            .as_u16(),
        403
    );
    let xlsx = get_as(
        &app,
        &ts,
        &format!("/api/insight/workload.xlsx?term={}", f.term),
    )
    .await;
    assert_eq!(xlsx.status().as_u16(), 200);
    let book = sheet_rows(&xlsx.bytes().await.unwrap(), "工作量");
    assert_eq!(book[2][3], calamine::Data::Float(2.0));
}

/// A one-connection SMTP sink: answers like a server and keeps each message's data.
async fn smtp_sink() -> (u16, tokio::task::JoinHandle<Vec<String>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let mut messages = Vec::new();
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut data: Option<String> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(body) = data.as_mut() {
                if line == "." {
                    messages.push(data.take().unwrap());
                    write.write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    body.push_str(&line);
                    body.push('\n');
                }
                continue;
            }
            let verb = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                "DATA" => {
                    data = Some(String::new());
                    b"354 go on\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(answer).await.unwrap();
        }
        messages
    });
    (port, handle)
}

#[tokio::test]
async fn each_college_with_a_contact_is_mailed_once() {
    let app = demo_app().await;
    let f = fixture(&app).await;
    exec(
        &app,
        &format!(
            "UPDATE organizations SET contact_email = 'tw@ts.example.edu.cn' WHERE id = {}",
            f.college
        ),
    )
    .await;
    let mut conn = app.db().await;
    assert!(
        api::reports::freeze::freeze(
            &mut conn,
            Month::new(2026, 11).unwrap(),
            at("2026-11-27T16:00:30Z")
        )
        .await
        .unwrap()
    );
    let (port, sink) = smtp_sink().await;
    let mailer = api::reports::mail::Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "第二课堂成绩单 <noreply@localhost>",
    )
    .unwrap();
    let sent = api::reports::mail::send_due(&mut conn, &mailer, "https://sc.example.edu.cn")
        .await
        .unwrap();
    assert_eq!(sent, 1);
    drop(mailer);
    let messages = tokio::time::timeout(std::time::Duration::from_secs(10), sink)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("tw@ts.example.edu.cn"),
        "{}",
        messages[0]
    );
    let (_, body) = messages[0]
        .split_once("\n\n")
        .expect("headers, then the body");
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD
        .decode(body.split_whitespace().collect::<String>())
        .expect("a base64 body");
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("测试学院"), "{body}");
    assert!(
        body.contains("https://sc.example.edu.cn/reports/"),
        "{body}"
    );
    // Sent once: nothing is due any more.
    let (port, _sink) = smtp_sink().await;
    let mailer =
        api::reports::mail::Mailer::new(&format!("smtp://127.0.0.1:{port}"), "noreply@localhost")
            .unwrap();
    assert_eq!(
        api::reports::mail::send_due(&mut conn, &mailer, "https://x")
            .await
            .unwrap(),
        0
    );
    assert!(api::reports::mail::Mailer::new("http://x", "a@b").is_err());
}
