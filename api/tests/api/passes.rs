//! Personal check-in codes: a student's key bound to a phone, codes verified by the scanner's
//! sync (valid, expired, forged, another key's, replayed), idempotent and concurrent batches, a
//! batch after the window closed, device changes per term, modes per activity.

use crate::{
    attendance::{activity, participants},
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::pass::{Code, hex, public_key};

/// A student's phone: its id, its secret seed, and the key id the server gave it.
struct Phone {
    device: String,
    seed: [u8; 32],
    key_id: i64,
}

impl Phone {
    fn code(&self, at: DateTime<Utc>) -> String {
        Code::sign(&self.seed, self.key_id, at).text()
    }
}

fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed
}

async fn register(app: &TestApp, bearer: &str, device: &str) -> reqwest::Response {
    let seed = seed();
    send_as(
        app,
        Method::PUT,
        Some(bearer),
        "/api/me/checkin-key",
        Some(&json!({"device_id": device, "public_key": hex(&public_key(&seed))})),
    )
    .await
}

/// Registers a new key for `bearer` from `device`.
async fn phone(app: &TestApp, bearer: &str, device: &str) -> Phone {
    let seed = seed();
    let response = send_as(
        app,
        Method::PUT,
        Some(bearer),
        "/api/me/checkin-key",
        Some(&json!({"device_id": device, "public_key": hex(&public_key(&seed))})),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let key: Value = response.json().await.unwrap();
    assert_eq!(key["step_secs"], 5);
    Phone {
        device: device.to_owned(),
        seed,
        key_id: key["key_id"].as_i64().unwrap(),
    }
}

/// An activity of 程序设计协会 under way now, with confirmed places for `students`.
async fn running(app: &TestApp, students: &[&str]) -> i64 {
    let now = Utc::now();
    let id = activity(
        app,
        "volunteer",
        now - Duration::minutes(10),
        now + Duration::hours(2),
    )
    .await;
    participants(app, id, students).await;
    id
}

fn scan(code: &str, at: DateTime<Utc>) -> Value {
    json!({"id": uuid::Uuid::new_v4(), "code": code, "scanned_at": at})
}

async fn sync(app: &TestApp, bearer: &str, id: i64, scans: &[Value]) -> Value {
    let response = send_as(
        app,
        Method::POST,
        Some(bearer),
        &format!("/api/activities/{id}/scans"),
        Some(&json!({"device_id": "organiser-phone-1", "scans": scans})),
    )
    .await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn outcomes(sync: &Value) -> Vec<&str> {
    sync["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect()
}

async fn attendance(app: &TestApp, bearer: &str, id: i64) -> Vec<Value> {
    let page: Value = get_as(
        app,
        bearer,
        &format!("/api/activities/{id}/attendance?per_page=100"),
    )
    .await
    .json()
    .await
    .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    use diesel::{QueryableByName, sql_types::BigInt};
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    diesel::sql_query(sql)
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
}

#[tokio::test]
async fn a_personal_code_scanned_offline_checks_the_student_in_once() {
    let app = demo_app().await;
    let id = running(&app, &["2023010101", "2023010102"]).await;
    let club = token(&app, "acm_admin").await;
    let student = token(&app, "2023010101").await;
    let phone = phone(&app, &student, "phone-of-li-hua").await;

    // The scanner's roster carries the student's key.
    let pack: Value = get_as(&app, &club, &format!("/api/activities/{id}/scanner"))
        .await
        .json()
        .await
        .unwrap();
    let entry = pack["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["student_no"] == "2023010101")
        .unwrap_or_else(|| panic!("{pack}"));
    assert_eq!(entry["keys"][0]["key_id"], phone.key_id);
    assert_eq!(
        entry["keys"][0]["public_key"],
        hex(&public_key(&phone.seed))
    );
    assert_eq!(pack["personal_code"], true);
    let mine: Value = get_as(&app, &student, "/api/me/checkin-key")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["key_id"], phone.key_id);

    let now = Utc::now();
    let batch = vec![scan(&phone.code(now), now)];
    let first = sync(&app, &club, id, &batch).await;
    assert_eq!(outcomes(&first), ["accepted"]);
    assert_eq!(first["results"][0]["student_no"], "2023010101");
    assert_eq!(first["accepted"], 1);
    assert_eq!(first["checked_in"], 1);

    // The same batch again (a retry): the same answer, counted once.
    let again = sync(&app, &club, id, &batch).await;
    assert_eq!(outcomes(&again), ["accepted"]);
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["checked_in"], 1);

    // An overlapping batch: the first scan again, a new scan of the same code (a replay), and
    // a number typed in for a student without a phone.
    let overlapping = vec![
        batch[0].clone(),
        scan(&phone.code(now), now + Duration::seconds(2)),
        json!({"id": uuid::Uuid::new_v4(), "student_no": "2023010102", "scanned_at": now}),
    ];
    let third = sync(&app, &club, id, &overlapping).await;
    assert_eq!(outcomes(&third), ["accepted", "duplicate", "accepted"]);
    assert_eq!(third["accepted"], 1);
    assert_eq!(third["checked_in"], 2);

    let list = attendance(&app, &club, id).await;
    assert_eq!(list.len(), 2);
    let li = list
        .iter()
        .find(|r| r["student_no"] == "2023010101")
        .unwrap();
    assert_eq!(li["method"], "pass");
    assert_eq!(li["recorded_by"], "程序设计协会");
    let typed = list
        .iter()
        .find(|r| r["student_no"] == "2023010102")
        .unwrap();
    assert_eq!(typed["method"], "manual");
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM checkin_scans WHERE activity_id = {id}")
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM audit_log WHERE action = 'attendance.scans' AND target_id = '{id}'"
            )
        )
        .await,
        2,
        "the retry stored nothing and left no entry"
    );
}

#[tokio::test]
async fn forged_expired_other_keys_and_unregistered_codes_are_refused_with_their_reason() {
    let app = demo_app().await;
    let id = running(&app, &["2023010101"]).await;
    let club = token(&app, "acm_admin").await;
    let li = phone(&app, &token(&app, "2023010101").await, "phone-li").await;
    let wang = phone(&app, &token(&app, "2023010102").await, "phone-wang").await;
    let now = Utc::now();

    let mut forged = Code::sign(&wang.seed, li.key_id, now);
    let forged_text = forged.text();
    forged.step += 1;
    let results = sync(
        &app,
        &club,
        id,
        &[
            // Another student's key signing for li's key id.
            scan(&forged_text, now),
            // A signature for another step.
            scan(&forged.text(), now),
            // A screenshot from a minute ago.
            scan(&li.code(now - Duration::seconds(60)), now),
            // Not a code at all.
            scan("https://example.com/not-a-code", now),
            // A genuine code of a student without a place.
            scan(&wang.code(now), now),
            // A number nobody has.
            json!({"id": uuid::Uuid::new_v4(), "student_no": "nobody-here", "scanned_at": now}),
            // A scan the scanner dates an hour ahead.
            scan(&li.code(now + Duration::hours(1)), now + Duration::hours(1)),
        ],
    )
    .await;
    assert_eq!(
        outcomes(&results),
        [
            "invalid_code",
            "invalid_code",
            "expired_code",
            "invalid_code",
            "not_registered",
            "unknown_student",
            "out_of_window"
        ]
    );
    assert_eq!(results["accepted"], 0);
    assert_eq!(results["results"][4]["student_no"], "2023010102");
    assert!(results["results"][4]["student_name"].is_string());
    // Refusals of known students are kept among the anomalies.
    let anomalies = crate::attendance::anomalies(&app, &club, id).await;
    let refused: Vec<&Value> = anomalies
        .iter()
        .filter(|a| a["kind"] == "refused")
        .collect();
    let details: String = refused
        .iter()
        .map(|a| a["detail"].as_str().unwrap())
        .collect();
    assert!(details.contains("forged ×2"), "{anomalies:?}");
    assert!(details.contains("expired ×1"), "{anomalies:?}");
    assert!(details.contains("not_registered ×1"), "{anomalies:?}");

    // A malformed batch is refused whole, naming the field.
    for (scans, field) in [
        (json!([]), "scans"),
        (
            json!([{"id": uuid::Uuid::new_v4(), "code": "SCP1:1:1:AA", "scanned_at": "9999-01-01T00:00:00Z"}]),
            "scans[0].scanned_at",
        ),
        (
            json!([{"id": uuid::Uuid::new_v4(), "code": "SCP1:1:1:AA", "student_no": "2023010101", "scanned_at": now}]),
            "scans[0]",
        ),
    ] {
        let response = send_as(
            &app,
            Method::POST,
            Some(&club),
            &format!("/api/activities/{id}/scans"),
            Some(&json!({"device_id": "organiser-phone-1", "scans": scans})),
        )
        .await;
        assert_eq!(
            assert_error(response, 422, "validation_failed").await["field"],
            field
        );
    }
    // Now the genuine one goes through.
    let good = sync(&app, &club, id, &[scan(&li.code(now), now)]).await;
    assert_eq!(outcomes(&good), ["accepted"]);
}

#[tokio::test]
async fn a_batch_after_the_window_closed_counts_the_scans_made_inside_it() {
    let app = demo_app().await;
    let now = Utc::now();
    let id = activity(
        &app,
        "volunteer",
        now - Duration::hours(2),
        now - Duration::minutes(30),
    )
    .await;
    participants(&app, id, &["2023010101", "2023010102"]).await;
    let club = token(&app, "acm_admin").await;
    let li = phone(&app, &token(&app, "2023010101").await, "phone-li").await;
    let wang = phone(&app, &token(&app, "2023010102").await, "phone-wang").await;
    // The keys were on the phones before the activity.
    count(
        &app,
        "WITH u AS (UPDATE checkin_keys SET created_at = now() - interval '1 day' RETURNING 1)
         SELECT count(*) AS n FROM u",
    )
    .await;

    let inside = now - Duration::hours(1);
    let after = now - Duration::minutes(20);
    let results = sync(
        &app,
        &club,
        id,
        &[
            scan(&li.code(inside), inside),
            scan(&wang.code(after), after),
        ],
    )
    .await;
    assert_eq!(outcomes(&results), ["accepted", "out_of_window"]);
    let list = attendance(&app, &club, id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["checked_in_at"]
            .as_str()
            .map(|t| t[..19].to_owned()),
        Some(inside.format("%Y-%m-%dT%H:%M:%S").to_string()),
        "the time the phone scanned, not the time it synced"
    );
}

#[tokio::test]
async fn concurrent_overlapping_syncs_check_each_student_in_once() {
    let app = demo_app().await;
    let students = ["2023010101", "2023010102", "2023010103"];
    let id = running(&app, &students).await;
    let club = token(&app, "acm_admin").await;
    let now = Utc::now();
    let mut scans = Vec::new();
    for (i, no) in students.iter().enumerate() {
        let phone = phone(&app, &token(&app, no).await, &format!("phone-{i}-of-{no}")).await;
        scans.push(scan(&phone.code(now), now));
        scans.push(scan(&phone.code(now), now + Duration::seconds(1)));
    }
    // Five phones-worth of retries at once: the whole queue, and overlapping halves.
    let batches = [
        scans.clone(),
        scans[..3].to_vec(),
        scans[2..].to_vec(),
        scans.clone(),
        scans[1..5].to_vec(),
    ];
    let answers =
        futures_util::future::join_all(batches.iter().map(|batch| sync(&app, &club, id, batch)))
            .await;

    let accepted: i64 = answers
        .iter()
        .map(|a| a["accepted"].as_i64().unwrap())
        .sum();
    assert_eq!(accepted, 3, "{answers:?}");
    // Every answer about one scan is the same.
    let mut by_id = std::collections::HashMap::new();
    for answer in &answers {
        for result in answer["results"].as_array().unwrap() {
            let previous = by_id.insert(result["id"].clone(), result["outcome"].clone());
            if let Some(previous) = previous {
                assert_eq!(previous, result["outcome"], "{answers:?}");
            }
        }
    }
    assert_eq!(by_id.len(), 6);
    assert_eq!(attendance(&app, &club, id).await.len(), 3);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM checkin_scans WHERE activity_id = {id}")
        )
        .await,
        6
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM checkin_scans WHERE activity_id = {id} AND outcome = 'accepted'")
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_new_phone_replaces_the_key_and_changes_are_limited_per_term() {
    let app = demo_app().await;
    let id = running(&app, &["2023010101"]).await;
    let club = token(&app, "acm_admin").await;
    let student = token(&app, "2023010101").await;
    let old = phone(&app, &student, "phone-old").await;
    let before = Utc::now();
    // The same phone again only rotates its key: no device change.
    let rotated = phone(&app, &student, "phone-old").await;
    let key: Value = get_as(&app, &student, "/api/me/checkin-key")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(key["device_changes"], 0);
    assert_eq!(key["device_change_limit"], 3);

    // A friend signs in as the student on another phone.
    let elsewhere = token(&app, "2023010101").await;
    let friend = phone(&app, &elsewhere, "phone-of-a-friend").await;
    let key: Value = get_as(&app, &elsewhere, "/api/me/checkin-key")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(key["key_id"], friend.key_id);
    assert_eq!(key["device_changes"], 1);

    // The old phone's code stops counting; the new phone's counts.
    let now = Utc::now();
    let results = sync(
        &app,
        &club,
        id,
        &[scan(&rotated.code(now), now), scan(&friend.code(now), now)],
    )
    .await;
    assert_eq!(outcomes(&results), ["revoked_key", "accepted"]);
    // A code the old phone showed before the change was genuine then (a scan queued offline).
    let results = sync(&app, &club, id, &[scan(&old.code(before), before)]).await;
    assert_eq!(outcomes(&results), ["duplicate"]);
    let anomalies = crate::attendance::anomalies(&app, &club, id).await;
    assert!(
        anomalies
            .iter()
            .any(|a| a["kind"] == "device_changed" && a["students"] == json!(["2023010101"])),
        "{anomalies:?}"
    );

    // The school allows one change a term: moving back is refused.
    let admin = token(&app, "admin").await;
    let mut policy: Value = get_as(&app, &admin, "/api/school/checkin-policy")
        .await
        .json()
        .await
        .unwrap();
    policy["device_changes_per_term"] = json!(1);
    let put = send_as(
        &app,
        Method::PUT,
        Some(&admin),
        "/api/school/checkin-policy",
        Some(&policy),
    )
    .await;
    assert_eq!(put.status().as_u16(), 200);
    assert_error(
        register(&app, &student, "phone-old").await,
        409,
        "device_change_limit",
    )
    .await;
    // The friend's phone may still rotate its own key.
    let _ = phone(&app, &elsewhere, "phone-of-a-friend").await;

    // Signing out everywhere ends the key.
    let out = send_as(
        &app,
        Method::POST,
        Some(&elsewhere),
        "/api/auth/logout-all",
        None,
    )
    .await;
    assert_eq!(out.status().as_u16(), 204);
    let fresh = token(&app, "2023010101").await;
    assert_error(
        get_as(&app, &fresh, "/api/me/checkin-key").await,
        404,
        "not_found",
    )
    .await;
    // The roster still has the student, with every key of the window and when each ended.
    let pack: Value = get_as(&app, &club, &format!("/api/activities/{id}/scanner"))
        .await
        .json()
        .await
        .unwrap();
    let keys = pack["students"][0]["keys"].as_array().unwrap();
    assert_eq!(pack["students"][0]["student_no"], "2023010101");
    assert!(keys.len() >= 3, "{pack}");
    assert!(keys.iter().all(|k| k["valid_until"].is_string()), "{pack}");
    // A bad key or phone id is a 422 naming the field; staff have no key.
    let bad = send_as(
        &app,
        Method::PUT,
        Some(&fresh),
        "/api/me/checkin-key",
        Some(&json!({"device_id": "phone-of-a-friend", "public_key": "00"})),
    )
    .await;
    assert_eq!(
        assert_error(bad, 422, "validation_failed").await["field"],
        "public_key"
    );
    assert_error(
        register(&app, &club, "organiser-phone").await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(friend.device, "phone-of-a-friend");
}

#[tokio::test]
async fn the_organiser_chooses_the_modes_and_only_its_subtree_or_instructors_scan() {
    let app = demo_app().await;
    let id = running(&app, &["2023010101"]).await;
    let club = token(&app, "acm_admin").await;
    let student = token(&app, "2023010101").await;
    let li = phone(&app, &student, "phone-li").await;
    let path = format!("/api/activities/{id}/checkin-settings");
    let mut settings: Value = get_as(&app, &club, &path).await.json().await.unwrap();
    assert_eq!(settings["projected_code"], true);
    assert_eq!(settings["personal_code"], true);

    settings["projected_code"] = json!(false);
    settings["personal_code"] = json!(false);
    let neither = send_as(&app, Method::PUT, Some(&club), &path, Some(&settings)).await;
    assert_eq!(
        assert_error(neither, 422, "validation_failed").await["field"],
        "personal_code"
    );

    // Personal codes only: the projected code is not shown and not taken.
    settings["personal_code"] = json!(true);
    let put = send_as(&app, Method::PUT, Some(&club), &path, Some(&settings)).await;
    assert_eq!(put.status().as_u16(), 200);
    assert_error(
        get_as(&app, &club, &format!("/api/activities/{id}/checkin-code")).await,
        409,
        "checkin_mode_off",
    )
    .await;
    let code =
        api::attendance::token::CheckinKeys::new(b"test-secret-test-secret-test-secret-0123")
            .current(
                id,
                shared::attendance::CodeKind::In,
                Utc::now().timestamp(),
                shared::checkin::CodeTiming::default(),
            )
            .0;
    let projected = send_as(
        &app,
        Method::POST,
        Some(&student),
        "/api/checkin",
        Some(&json!({"token": code, "device_id": "phone-li"})),
    )
    .await;
    assert_error(projected, 409, "checkin_mode_off").await;

    // The projected code only: personal codes are refused as such.
    settings["projected_code"] = json!(true);
    settings["personal_code"] = json!(false);
    let put = send_as(&app, Method::PUT, Some(&club), &path, Some(&settings)).await;
    assert_eq!(put.status().as_u16(), 200);
    let now = Utc::now();
    let off = sync(&app, &club, id, &[scan(&li.code(now), now)]).await;
    assert_eq!(outcomes(&off), ["mode_off"]);

    // Who may scan: the organiser's subtree, not a student nor another college.
    for (who, status) in [("2023010101", 403), ("em_admin", 403), ("cs_admin", 200)] {
        let bearer = token(&app, who).await;
        let response = get_as(&app, &bearer, &format!("/api/activities/{id}/scanner")).await;
        assert_eq!(response.status().as_u16(), status, "{who}");
    }
    // An instructor of the activity may scan too (T2015001 is a teacher of the demo).
    count(
        &app,
        &format!(
            "WITH u AS (UPDATE activities SET instructor_ids = ARRAY[(SELECT id FROM accounts WHERE username = 'T2015001')] WHERE id = {id} RETURNING 1)
             SELECT count(*) AS n FROM u"
        ),
    )
    .await;
    let instructor = token(&app, "T2015001").await;
    let response = get_as(&app, &instructor, &format!("/api/activities/{id}/scanner")).await;
    assert_eq!(response.status().as_u16(), 200);
}
