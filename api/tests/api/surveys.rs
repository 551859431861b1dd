//! Surveys and activity evaluations: targeting (a subtree, an intake, an activity's
//! participants), one answer per student even under parallel requests, changing until the
//! window closes, results hidden under five respondents, anonymity that no endpoint, export or
//! audit entry breaks, authorisation across the tree, and evaluations feeding the dashboard.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

fn questions() -> Value {
    json!([
        {"kind": "single", "title": "总体满意度", "required": true, "options": ["满意", "一般", "不满意"]},
        {"kind": "multiple", "title": "常参加的活动", "required": false, "options": ["讲座", "志愿", "竞赛"]},
        {"kind": "stars", "title": "签到体验", "required": true},
        {"kind": "nps", "title": "推荐度", "required": false},
        {"kind": "text", "title": "建议", "required": false}
    ])
}

fn survey(org: i64, target: Value, anonymous: bool) -> Value {
    let now = Utc::now();
    json!({"organization_id": org, "title": "满意度调查", "description": "请如实填写",
        "anonymous": anonymous, "opens_at": now - Duration::hours(1),
        "closes_at": now + Duration::days(7), "target": target, "questions": questions()})
}

fn answers(choice: u32, stars: i32, text: &str) -> Value {
    json!({"answers": [{"choices": [choice]}, {}, {"rating": stars}, {"rating": 9}, {"text": text}]})
}

async fn create(app: &TestApp, tok: &str, body: &Value) -> i64 {
    let response = send_as(app, Method::POST, Some(tok), "/api/surveys", Some(body)).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn publish(app: &TestApp, tok: &str, id: i64) -> Value {
    let response = send_as(
        app,
        Method::POST,
        Some(tok),
        &format!("/api/surveys/{id}/publish"),
        None,
    )
    .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn answer(app: &TestApp, tok: &str, id: i64, body: &Value) -> reqwest::Response {
    send_as(
        app,
        Method::PUT,
        Some(tok),
        &format!("/api/surveys/{id}/response"),
        Some(body),
    )
    .await
}

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    diesel::sql_query(sql)
        .execute(&mut app.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(&mut app.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// A published activity of `org` that ended `ended_days_ago` days ago (negative: ends in
/// the future), with these students checked in.
async fn activity(app: &TestApp, org: &str, ended_days_ago: i64, students: &[i64]) -> i64 {
    let org_id = app.org_id(org).await;
    let admin = app.org_student_id(&format!("{org}_admin")).await;
    let ends = Utc::now() - Duration::days(ended_days_ago);
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let id = diesel::sql_query(format!(
        "INSERT INTO activities (organizer_id, title, category, credit_level, description,
            starts_at, ends_at, place, registration_opens_at, registration_closes_at,
            enrolment_mode, status, created_by, updated_by)
         VALUES ({org_id}, '问卷测试活动', 'lecture', 'college', '',
            '{ends}'::timestamptz - interval '3 hours', '{ends}'::timestamptz, '报告厅',
            '{ends}'::timestamptz - interval '20 days', '{ends}'::timestamptz - interval '4 hours',
            'first_come', 'published', {admin}, {admin}) RETURNING id",
        ends = ends.to_rfc3339()
    ))
    .get_result::<Id>(&mut app.db().await)
    .await
    .unwrap()
    .id;
    for student in students {
        exec(
            app,
            &format!(
                "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered)
                 VALUES ({id}, {student}, '{}'::timestamptz - interval '2 hours', 'manual', true)",
                ends.to_rfc3339()
            ),
        )
        .await;
    }
    id
}

/// The cs students of the 2023 intake the tests answer as.
const CS_2023: [&str; 6] = [
    "2023010101",
    "2023010102",
    "2023010103",
    "2023010104",
    "2023010105",
    "2023010201",
];

#[tokio::test]
async fn a_survey_is_built_published_answered_changed_counted_and_closed() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let target = json!({"kind": "intake", "organization_id": cs, "year": 2023});
    let id = create(&app, &cs_admin, &survey(cs, target, false)).await;

    // A draft is the organisation's own.
    let student = token(&app, "2023010101").await;
    let response = get_as(&app, &student, &format!("/api/surveys/{id}")).await;
    assert_error(response, 404, "not_found").await;
    assert_error(
        answer(&app, &student, id, &answers(0, 5, "")).await,
        404,
        "not_found",
    )
    .await;

    // Drafts change; an invalid one names its field.
    let mut bad = survey(cs, json!({"kind": "intake", "organization_id": cs}), false);
    let body = assert_error(
        send_as(
            &app,
            Method::PUT,
            Some(&cs_admin),
            &format!("/api/surveys/{id}"),
            Some(&bad),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "target.year");
    bad["target"]["year"] = json!(2023);
    bad["title"] = json!("满意度调查（修订）");
    let edited = ok_json(
        send_as(
            &app,
            Method::PUT,
            Some(&cs_admin),
            &format!("/api/surveys/{id}"),
            Some(&bad),
        )
        .await,
    )
    .await;
    assert_eq!(edited["title"], "满意度调查（修订）");
    assert_eq!(edited["state"], "draft");

    let published = publish(&app, &cs_admin, id).await;
    assert_eq!(published["state"], "open");
    // Published: fixed.
    assert_error(
        send_as(
            &app,
            Method::PUT,
            Some(&cs_admin),
            &format!("/api/surveys/{id}"),
            Some(&bad),
        )
        .await,
        409,
        "conflict",
    )
    .await;

    // The targeted student is told and sees it on the home page.
    let notes = ok_json(get_as(&app, &student, "/api/notifications").await).await;
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "survey_published" && n["title"] == "满意度调查（修订）"),
        "{notes}"
    );
    let mine = ok_json(get_as(&app, &student, "/api/me/surveys").await).await;
    assert_eq!(mine[0]["id"], id);
    assert_eq!(mine[0]["answered"], false);

    // Others are not asked: another intake of cs, another college.
    for other in ["2024010101", "2024020101"] {
        let tok = token(&app, other).await;
        assert_error(
            answer(&app, &tok, id, &answers(0, 5, "")).await,
            403,
            "forbidden",
        )
        .await;
        let mine = ok_json(get_as(&app, &tok, "/api/me/surveys").await).await;
        assert!(mine.as_array().unwrap().iter().all(|s| s["id"] != id));
    }

    // Answers follow their questions.
    let body = assert_error(
        answer(
            &app,
            &student,
            id,
            &json!({"answers": [{}, {}, {"rating": 5}, {}, {}]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "answers[0]");

    // Four answers: nothing shown yet.
    for (i, who) in CS_2023[..4].iter().enumerate() {
        let tok = token(&app, who).await;
        let receipt =
            ok_json(answer(&app, &tok, id, &answers(0, 4, &format!("建议{i}"))).await).await;
        assert_eq!(receipt["changed"], false);
        assert_eq!(receipt["edit_key"], Value::Null);
    }
    let results =
        ok_json(get_as(&app, &cs_admin, &format!("/api/surveys/{id}/results")).await).await;
    assert_eq!(results["respondents"], 4);
    assert_eq!(results["suppressed"], true);
    assert_eq!(results["questions"], json!([]));
    assert_error(
        get_as(&app, &cs_admin, &format!("/api/surveys/{id}/results.xlsx")).await,
        409,
        "group_too_small",
    )
    .await;

    // The fifth: counted.
    let fifth = token(&app, CS_2023[4]).await;
    ok_json(answer(&app, &fifth, id, &answers(2, 2, "建议4")).await).await;
    let results =
        ok_json(get_as(&app, &cs_admin, &format!("/api/surveys/{id}/results")).await).await;
    assert_eq!(results["suppressed"], false);
    assert_eq!(results["questions"][0]["counts"][0]["count"], 4);
    assert_eq!(results["questions"][0]["counts"][0]["percent"], 80.0);
    assert_eq!(results["questions"][2]["average"], 3.6);
    assert_eq!(results["questions"][1]["answered"], 0);
    let texts = results["questions"][4]["texts"].as_array().unwrap().clone();
    let mut sorted = texts.clone();
    sorted.sort_by_key(|t| t.as_str().unwrap().to_owned());
    assert_eq!(texts, sorted);

    // Changed by account until the window closes.
    let receipt = ok_json(answer(&app, &student, id, &answers(1, 5, "改主意了")).await).await;
    assert_eq!(receipt["changed"], true);
    let back = ok_json(get_as(&app, &student, &format!("/api/surveys/{id}/response")).await).await;
    assert_eq!(back["answers"][0]["choices"], json!([1]));
    let results =
        ok_json(get_as(&app, &cs_admin, &format!("/api/surveys/{id}/results")).await).await;
    assert_eq!(results["respondents"], 5);
    assert_eq!(results["questions"][0]["counts"][0]["count"], 3);

    // A filter naming a smaller group hides it.
    let filtered = ok_json(
        get_as(
            &app,
            &cs_admin,
            &format!("/api/surveys/{id}/results?year=2024"),
        )
        .await,
    )
    .await;
    assert_eq!(filtered["suppressed"], true);
    let by_college = ok_json(
        get_as(
            &app,
            &cs_admin,
            &format!("/api/surveys/{id}/results?college_id={cs}&year=2023"),
        )
        .await,
    )
    .await;
    assert_eq!(by_college["respondents"], 5);
    let xlsx = get_as(&app, &cs_admin, &format!("/api/surveys/{id}/results.xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    let cells = workbook_text(&xlsx.bytes().await.unwrap());
    assert!(
        cells.contains("总体满意度") && cells.contains("改主意了"),
        "{cells}"
    );

    // Closed early: no more answers.
    let closed = ok_json(
        send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            &format!("/api/surveys/{id}/close"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(closed["state"], "closed");
    assert_error(
        answer(&app, &student, id, &answers(0, 5, "")).await,
        409,
        "deadline_passed",
    )
    .await;
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            &format!("/api/surveys/{id}/close"),
            None,
        )
        .await,
        409,
        "conflict",
    )
    .await;
    let mine = ok_json(get_as(&app, &student, "/api/me/surveys").await).await;
    assert!(mine.as_array().unwrap().iter().all(|s| s["id"] != id));
}

#[tokio::test]
async fn parallel_first_answers_of_one_student_store_one() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let student = token(&app, "2023010101").await;
    for anonymous in [false, true] {
        let target = json!({"kind": "organization", "organization_id": cs});
        let id = create(&app, &cs_admin, &survey(cs, target, anonymous)).await;
        publish(&app, &cs_admin, id).await;
        let body = answers(0, 5, "并发");
        let responses = join_all((0..8).map(|_| answer(&app, &student, id, &body))).await;
        let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
        let keys = join_all(responses.into_iter().map(|r| async move {
            r.json::<Value>().await.unwrap()["edit_key"]
                .as_str()
                .map(str::to_owned)
        }))
        .await;
        if anonymous {
            // One first answer; the others are told to use the key it returned.
            assert_eq!(
                statuses.iter().filter(|s| **s == 200).count(),
                1,
                "{statuses:?}"
            );
            assert_eq!(
                statuses.iter().filter(|s| **s == 409).count(),
                7,
                "{statuses:?}"
            );
            assert_eq!(keys.iter().flatten().count(), 1);
        } else {
            assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        }
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id}")
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_respondents WHERE survey_id = {id}")
            )
            .await,
            1
        );
    }
}

/// Every cell of every sheet, tab-separated.
fn workbook_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let mut out = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("a sheet");
        for row in range.rows() {
            for cell in row {
                out.push_str(&cell.to_string());
                out.push('\t');
            }
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn an_anonymous_answer_cannot_be_tied_to_its_author_through_any_endpoint() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let school_admin = token(&app, "admin").await;
    let cs = app.org_id("cs").await;
    let target = json!({"kind": "intake", "organization_id": cs, "year": 2023});
    let id = create(&app, &cs_admin, &survey(cs, target, true)).await;
    let published = publish(&app, &cs_admin, id).await;
    assert_eq!(published["anonymous"], true);

    // Six students answer, each with a text only they wrote.
    let mut authors = Vec::new();
    for (i, who) in CS_2023.iter().enumerate() {
        let tok = token(&app, who).await;
        let secret = format!("匿名标记{}", ["甲", "乙", "丙", "丁", "戊", "己"][i]);
        let receipt =
            ok_json(answer(&app, &tok, id, &answers(i as u32 % 3, 3, &secret)).await).await;
        let key = receipt["edit_key"]
            .as_str()
            .expect("an edit key")
            .to_owned();
        assert_eq!(key.len(), 64);
        let account = app.org_student_id(who).await;
        authors.push((who.to_string(), account, tok, secret, key));
    }
    // Without the key the answer cannot be read back or given again; with it, it changes.
    let (tok0, key0) = (authors[0].2.clone(), authors[0].4.clone());
    let (tok0, key0) = (&tok0, &key0);
    assert_error(
        get_as(&app, tok0, &format!("/api/surveys/{id}/response")).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        answer(&app, tok0, id, &answers(0, 3, "再答一次")).await,
        409,
        "conflict",
    )
    .await;
    let mut with_key = answers(1, 4, "匿名标记甲改");
    with_key["edit_key"] = json!(key0);
    let receipt = ok_json(answer(&app, tok0, id, &with_key).await).await;
    assert_eq!(receipt["changed"], true);
    assert_eq!(receipt["edit_key"], Value::Null);
    authors[0].3 = "匿名标记甲改".into();
    let back = ok_json(
        app.request(Method::GET, &format!("/api/surveys/{id}/response"), tok0)
            .header("x-survey-edit-key", key0.as_str())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(back["answers"][4]["text"], "匿名标记甲改");
    let mut wrong = answers(1, 4, "x");
    wrong["edit_key"] = json!("0".repeat(64));
    let body = assert_error(
        answer(&app, tok0, id, &wrong).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "edit_key");

    // The database keeps no account, no time, and only the key's hash with a response.
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id}
               AND account_id IS NULL AND answered_at IS NULL AND edit_key_hash IS NOT NULL"
            )
        )
        .await,
        6
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM information_schema.columns
                     WHERE table_name = 'survey_respondents'"
        )
        .await,
        2,
        "the respondent mark holds the survey and the account only"
    );
    // …and refuses a response with an account for an anonymous survey.
    let (_, account0, _, _, _) = &authors[0];
    let refused = diesel::sql_query(format!(
        "INSERT INTO survey_responses (id, survey_id, anonymous, account_id, answers)
         VALUES (gen_random_uuid(), {id}, true, {account0}, '[]')"
    ))
    .execute(&mut app.db().await)
    .await;
    assert!(
        refused.is_err(),
        "an anonymous response with an account was stored"
    );

    #[derive(diesel::QueryableByName)]
    struct Rid {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let response_ids: Vec<String> = diesel::sql_query(format!(
        "SELECT id::text AS id FROM survey_responses WHERE survey_id = {id}"
    ))
    .load::<Rid>(&mut app.db().await)
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect();

    // Everything every survey endpoint, export and the audit log shows, to the admins and the
    // students.
    let mut seen: Vec<(String, String)> = Vec::new();
    for tok in [&cs_admin, &school_admin] {
        for path in [
            "/api/surveys".to_owned(),
            format!("/api/surveys/{id}"),
            format!("/api/surveys/{id}/results"),
            format!("/api/surveys/{id}/results?college_id={cs}"),
            format!("/api/surveys/{id}/results?year=2023"),
            format!("/api/surveys/{id}/results?college_id={cs}&year=2023"),
            "/api/audit?per_page=100".to_owned(),
            "/api/audit?action=survey&per_page=100".to_owned(),
        ] {
            let response = get_as(&app, tok, &path).await;
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            seen.push((path, response.text().await.unwrap()));
        }
        let xlsx = get_as(&app, tok, &format!("/api/surveys/{id}/results.xlsx")).await;
        assert_eq!(xlsx.status(), 200);
        seen.push((
            "results.xlsx".into(),
            workbook_text(&xlsx.bytes().await.unwrap()),
        ));
    }
    for (who, _, tok, _, key) in &authors {
        for path in [
            "/api/me/surveys".to_owned(),
            format!("/api/surveys/{id}"),
            "/api/notifications".to_owned(),
        ] {
            let response = get_as(&app, tok, &path).await;
            seen.push((format!("{path} as {who}"), response.text().await.unwrap()));
        }
        let own = app
            .request(Method::GET, &format!("/api/surveys/{id}/response"), tok)
            .header("x-survey-edit-key", key.as_str())
            .send()
            .await
            .unwrap();
        seen.push((format!("own answers of {who}"), own.text().await.unwrap()));
    }
    let audit_rows = {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            line: String,
        }
        diesel::sql_query(format!(
            "SELECT concat_ws(' ', actor_id, action, target_type, target_id, details::text) AS line
             FROM audit_log WHERE action = 'survey.answer' AND target_id = '{id}'"
        ))
        .load::<Row>(&mut app.db().await)
        .await
        .unwrap()
    };
    assert_eq!(audit_rows.len(), 7, "six answers and one change, audited");
    for row in &audit_rows {
        assert!(
            row.line
                .ends_with(&format!("survey.answer survey {id} {{}}")),
            "{}",
            row.line
        );
        seen.push(("audit row".into(), row.line.clone()));
    }

    let mut names: Vec<(String, String)> = Vec::new();
    for (who, ..) in &authors {
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let name = diesel::sql_query(format!(
            "SELECT display_name AS name FROM accounts WHERE username = '{who}'"
        ))
        .get_result::<Name>(&mut app.db().await)
        .await
        .unwrap()
        .name;
        names.push((who.clone(), name));
    }
    for (place, text) in &seen {
        for rid in &response_ids {
            assert!(!text.contains(rid.as_str()), "{place} shows a response id");
        }
        for (i, (who, account, _, secret, _)) in authors.iter().enumerate() {
            if !text.contains(secret.as_str()) {
                continue;
            }
            // Where an answer appears, nothing names its author: not their number, name or id
            // — unless it is their own answer, shown back to them by their key.
            if place == &format!("own answers of {who}") {
                continue;
            }
            let (_, name) = &names[i];
            assert!(
                !text.contains(who.as_str())
                    && !text.contains(name.as_str())
                    && !text.contains(&format!("\"id\":{account}"))
                    && !text.contains(&format!("\"account_id\":{account}")),
                "{place} ties the answer «{secret}» to {who}: {text}"
            );
        }
        // No audit entry carries an answer.
        if place.contains("audit") {
            for (_, _, _, secret, _) in &authors {
                assert!(!text.contains(secret.as_str()), "{place} carries an answer");
            }
        }
    }
    // Texts are listed by their text, not in the order given.
    let results =
        ok_json(get_as(&app, &cs_admin, &format!("/api/surveys/{id}/results")).await).await;
    let texts: Vec<String> = results["questions"][4]["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    let mut sorted = texts.clone();
    sorted.sort();
    assert_eq!(texts, sorted);
    assert_eq!(texts.len(), 6);
}

#[tokio::test]
async fn targets_are_a_subtree_an_intake_or_an_activitys_participants() {
    let app = demo_app().await;
    let admin = token(&app, "admin").await;
    let cs_admin = token(&app, "cs_admin").await;
    let root = app.org_id("tw").await;
    let cs = app.org_id("cs").await;
    let em = app.org_id("em").await;

    // The committee asks every college's students.
    let all = create(
        &app,
        &admin,
        &survey(
            root,
            json!({"kind": "organization", "organization_id": root}),
            true,
        ),
    )
    .await;
    publish(&app, &admin, all).await;
    for who in ["2023010101", "2024020101", "S2024010001"] {
        let tok = token(&app, who).await;
        ok_json(answer(&app, &tok, all, &answers(0, 5, "")).await).await;
    }

    // A college asks its own students only, and cannot aim at a sibling's.
    let own = create(
        &app,
        &cs_admin,
        &survey(
            cs,
            json!({"kind": "organization", "organization_id": cs}),
            false,
        ),
    )
    .await;
    publish(&app, &cs_admin, own).await;
    let em_student = token(&app, "2024020101").await;
    assert_error(
        answer(&app, &em_student, own, &answers(0, 5, "")).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        get_as(&app, &em_student, &format!("/api/surveys/{own}")).await,
        404,
        "not_found",
    )
    .await;
    let body = assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/surveys",
            Some(&survey(
                cs,
                json!({"kind": "organization", "organization_id": em}),
                false,
            )),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "target.organization_id");

    // An activity's checked-in participants, and nobody else.
    let participant = app.org_student_id("2023010101").await;
    let act = activity(&app, "cs", 1, &[participant]).await;
    let by_activity = create(
        &app,
        &cs_admin,
        &survey(
            cs,
            json!({"kind": "activity", "organization_id": cs, "activity_id": act}),
            false,
        ),
    )
    .await;
    let shown = publish(&app, &cs_admin, by_activity).await;
    assert_eq!(shown["target_label"], "问卷测试活动");
    let yes = token(&app, "2023010101").await;
    let no = token(&app, "2023010102").await;
    ok_json(answer(&app, &yes, by_activity, &answers(0, 5, "")).await).await;
    assert_error(
        answer(&app, &no, by_activity, &answers(0, 5, "")).await,
        403,
        "forbidden",
    )
    .await;
    // An activity of another college cannot be the target.
    let em_act = activity(&app, "em", 1, &[]).await;
    let body = assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/surveys",
            Some(&survey(
                cs,
                json!({"kind": "activity", "organization_id": cs, "activity_id": em_act}),
                false,
            )),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "target.activity_id");

    // Not open yet: refused until it opens.
    let mut later = survey(
        cs,
        json!({"kind": "organization", "organization_id": cs}),
        false,
    );
    later["opens_at"] = json!(Utc::now() + Duration::days(1));
    let later = create(&app, &cs_admin, &later).await;
    assert_eq!(publish(&app, &cs_admin, later).await["state"], "scheduled");
    assert_error(
        answer(&app, &yes, later, &answers(0, 5, "")).await,
        409,
        "conflict",
    )
    .await;
}

#[tokio::test]
async fn surveys_are_managed_within_the_organisation_tree() {
    let app = demo_app().await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;
    let id = create(
        &app,
        &cs_admin,
        &survey(
            cs,
            json!({"kind": "organization", "organization_id": cs}),
            false,
        ),
    )
    .await;

    // A sibling college and a club below do not see it; the committee above does.
    let em_admin = token(&app, "em_admin").await;
    let acm_admin = token(&app, "acm_admin").await;
    for tok in [&em_admin, &acm_admin] {
        assert_error(
            get_as(&app, tok, &format!("/api/surveys/{id}")).await,
            404,
            "not_found",
        )
        .await;
        assert_error(
            send_as(
                &app,
                Method::POST,
                Some(tok),
                &format!("/api/surveys/{id}/publish"),
                None,
            )
            .await,
            404,
            "not_found",
        )
        .await;
        assert_error(
            get_as(&app, tok, &format!("/api/surveys/{id}/results")).await,
            404,
            "not_found",
        )
        .await;
    }
    let admin = token(&app, "admin").await;
    ok_json(get_as(&app, &admin, &format!("/api/surveys/{id}")).await).await;
    let list = ok_json(get_as(&app, &em_admin, "/api/surveys").await).await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != id)
    );

    // A club cannot speak for its college; the reports sub-account reads but does not write.
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&acm_admin),
            "/api/surveys",
            Some(&survey(
                cs,
                json!({"kind": "organization", "organization_id": cs}),
                false,
            )),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let reports = token(&app, "cs_reports").await;
    ok_json(get_as(&app, &reports, &format!("/api/surveys/{id}/results")).await).await;
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&reports),
            &format!("/api/surveys/{id}/publish"),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Students answer; they do not manage.
    let student = token(&app, "2023010101").await;
    assert_error(
        get_as(&app, &student, "/api/surveys").await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&student),
            "/api/surveys",
            Some(&survey(
                cs,
                json!({"kind": "organization", "organization_id": cs}),
                false,
            )),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        get_as(&app, &student, &format!("/api/surveys/{id}/results")).await,
        404,
        "not_found",
    )
    .await;

    // Every write is audited.
    publish(&app, &cs_admin, id).await;
    let audit =
        ok_json(get_as(&app, &cs_admin, "/api/audit?action=survey.&per_page=50").await).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"survey.create") && actions.contains(&"survey.publish"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn participants_rate_an_ended_activity_and_the_organiser_sees_no_names() {
    let app = demo_app().await;
    let ids: Vec<i64> = join_all(CS_2023.iter().map(|s| app.org_student_id(s))).await;
    let ended = activity(&app, "cs", 2, &ids[..3]).await;
    let long_ago = activity(&app, "cs", 40, &ids[..1]).await;
    let running = activity(&app, "cs", -1, &ids[..1]).await;

    let student = token(&app, "2023010101").await;
    let pending = ok_json(get_as(&app, &student, "/api/me/evaluations").await).await;
    let item = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["activity_id"] == ended)
        .expect("the ended activity waits for a rating");
    assert_eq!(item["rating"], Value::Null);
    assert!(
        pending
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["activity_id"] != long_ago)
    );

    let rate = |tok: String, activity: i64, body: Value| {
        let app = &app;
        async move {
            send_as(
                app,
                Method::PUT,
                Some(&tok),
                &format!("/api/activities/{activity}/evaluation"),
                Some(&body),
            )
            .await
        }
    };
    ok_json(
        rate(
            student.clone(),
            ended,
            json!({"rating": 2, "comment": "一般"}),
        )
        .await,
    )
    .await;
    // Changed, not added.
    ok_json(
        rate(
            student.clone(),
            ended,
            json!({"rating": 5, "comment": "很好"}),
        )
        .await,
    )
    .await;
    let other = token(&app, "2023010102").await;
    ok_json(rate(other.clone(), ended, json!({"rating": 4})).await).await;
    let body = assert_error(
        rate(other.clone(), ended, json!({"rating": 6})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "rating");
    let outsider = token(&app, "2023010105").await;
    assert_error(
        rate(outsider, ended, json!({"rating": 1})).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        rate(student.clone(), long_ago, json!({"rating": 1})).await,
        409,
        "deadline_passed",
    )
    .await;
    assert_error(
        rate(student.clone(), running, json!({"rating": 1})).await,
        409,
        "conflict",
    )
    .await;
    let pending = ok_json(get_as(&app, &student, "/api/me/evaluations").await).await;
    let item = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["activity_id"] == ended)
        .unwrap();
    assert_eq!(item["rating"], 5);

    let cs_admin = token(&app, "cs_admin").await;
    let summary = ok_json(
        get_as(
            &app,
            &cs_admin,
            &format!("/api/activities/{ended}/evaluations"),
        )
        .await,
    )
    .await;
    assert_eq!(summary["count"], 2);
    assert_eq!(summary["participants"], 3);
    assert_eq!(summary["average"], 4.5);
    assert_eq!(summary["distribution"][4]["count"], 1);
    assert_eq!(summary["comments"], json!(["很好"]));
    let text = summary.to_string();
    assert!(!text.contains("2023010101") && !text.contains(&ids[0].to_string()));
    let em_admin = token(&app, "em_admin").await;
    assert_error(
        get_as(
            &app,
            &em_admin,
            &format!("/api/activities/{ended}/evaluations"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // The dashboard counts them.
    let board = ok_json(get_as(&app, &cs_admin, "/api/insight/dashboard").await).await;
    assert!(
        board["evaluations"]["count"].as_i64().unwrap() >= 2,
        "{}",
        board["evaluations"]
    );
    assert!(board["evaluations"]["average"].as_f64().is_some());
}
