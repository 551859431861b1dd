//! Backups: the restore drill of the README's "Backups". A database with issued transcripts
//! (three styles, one superseded, one revoked, a batch print) is dumped with the real
//! `pg_dump -Fc`, restored with `pg_restore` into a fresh database, and a second server started
//! on it: every transcript there verifies as issued, with its snapshot's hash, and renders again
//! to the same PDF; the ledger, the audit trail and the batch's file came back whole.

use crate::{
    auth::{get_as, send_as, token},
    helpers::{TestApp, admin_url, create_database, database_url, drop_database, spawn_app_on},
    points::recognised_competition,
    transcripts::pdf_text,
};
use diesel::{
    QueryableByName,
    sql_types::{BigInt, Bytea, Text},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shared::transcript::TranscriptDoc;
use std::{collections::BTreeMap, path::PathBuf, time::Duration};

/// One stored transcript, as SQL reads it.
#[derive(QueryableByName, Debug, PartialEq)]
struct Row {
    #[diesel(sql_type = Text)]
    serial: String,
    #[diesel(sql_type = Text)]
    student_no: String,
    #[diesel(sql_type = Bytea)]
    content_hash: Vec<u8>,
}

async fn transcripts(conn: &mut AsyncPgConnection) -> Vec<Row> {
    diesel::sql_query(
        "SELECT t.serial, a.username AS student_no, t.content_hash
         FROM transcripts t JOIN accounts a ON a.id = t.student_id ORDER BY t.id",
    )
    .load(conn)
    .await
    .expect("read the transcripts")
}

/// What must come back whole: the ledger's entries and sum, and the audit trail's rows.
#[derive(QueryableByName, Debug, PartialEq)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    ledger_entries: i64,
    #[diesel(sql_type = BigInt)]
    ledger_points: i64,
    #[diesel(sql_type = BigInt)]
    audit_rows: i64,
    #[diesel(sql_type = BigInt)]
    transcripts: i64,
}

async fn totals(conn: &mut AsyncPgConnection) -> Totals {
    diesel::sql_query(
        "SELECT (SELECT count(*) FROM ledger_entries) AS ledger_entries,
                (SELECT coalesce(sum(points), 0)::bigint FROM ledger_entries) AS ledger_points,
                (SELECT count(*) FROM audit_log) AS audit_rows,
                (SELECT count(*) FROM transcripts) AS transcripts",
    )
    .get_result(conn)
    .await
    .expect("read the totals")
}

/// The hash the server stores with a snapshot: the document without serial, time and link.
fn snapshot_hash(document: &Value) -> Vec<u8> {
    let mut bare: TranscriptDoc =
        serde_json::from_value(document.clone()).expect("the document is a TranscriptDoc");
    bare.serial.clear();
    bare.issued_at.clear();
    bare.verify_url.clear();
    Sha256::digest(serde_json::to_vec(&bare).unwrap()).to_vec()
}

/// A file removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A database dropped when this is, also when the test fails before a server owns it.
struct DatabaseGuard(String);

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        drop_database(&admin_url(), &self.0);
    }
}

/// Runs a PostgreSQL client program and panics with its stderr unless it succeeds.
async fn run(program: &str, args: &[&str]) {
    let path = format!("/usr/bin/{program}");
    assert!(
        std::path::Path::new(&path).exists(),
        "{program} is missing: install postgresql-client-15"
    );
    let out = tokio::process::Command::new(&path)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn issue(app: &TestApp, bearer: &str, body: Value) -> Value {
    let response = send_as(
        app,
        Method::POST,
        Some(bearer),
        "/api/transcripts",
        Some(&body),
    )
    .await;
    assert_eq!(response.status(), 201, "issue {body}");
    response.json().await.unwrap()
}

/// Prints a class in the background and waits until the job is done; answers its id.
async fn print_class(app: &TestApp, bearer: &str, body: Value) -> String {
    let started = send_as(
        app,
        Method::POST,
        Some(bearer),
        "/api/print-jobs",
        Some(&body),
    )
    .await;
    assert_eq!(started.status(), 202, "start a batch");
    let id = started.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..600 {
        let job: Value = get_as(app, bearer, &format!("/api/print-jobs/{id}"))
            .await
            .json()
            .await
            .unwrap();
        match job["status"].as_str() {
            Some("done") => return id,
            Some("failed") => panic!("the batch failed: {job}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the batch did not finish in 60 s");
}

/// A transcript's PDF rendered by `app`: its bytes.
async fn rendered(app: &TestApp, bearer: &str, serial: &str) -> Vec<u8> {
    let response = get_as(app, bearer, &format!("/api/transcripts/{serial}/pdf")).await;
    assert_eq!(response.status(), 200, "the PDF of {serial}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"), "{serial} renders a PDF");
    pdf
}

#[tokio::test]
async fn a_pg_dump_restored_into_a_fresh_database_verifies_and_re_renders_every_transcript() {
    // Arrange: transcripts of every style, one superseded, one revoked, and a batch print.
    let app = spawn_app_on(create_database().await, |_| {}).await;
    app.seed_demo().await;
    recognised_competition(
        &app,
        json!([
            {"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"},
            {"student_no": "2023010102", "attended": true, "award": "second", "award_level": "province", "role": "member"}
        ]),
    )
    .await;
    let student = token(&app, "2023010101").await;
    let cs_admin = token(&app, "cs_admin").await;
    let first = issue(&app, &student, json!({"style": "by_category"})).await;
    issue(&app, &student, json!({"style": "by_term"})).await;
    let other = app.org_student_id("2023010102").await;
    let revoked = issue(
        &app,
        &cs_admin,
        json!({"student_id": other, "style": "by_method"}),
    )
    .await;
    let adjusted = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/points/adjustments",
        Some(
            &json!({"student_no": "2023010101", "category": "volunteer", "points": 50,
            "reason": "马拉松志愿服务补记", "occurred_on": "2026-11-02"}),
        ),
    )
    .await;
    assert!(adjusted.status().is_success(), "{}", adjusted.status());
    let newer = issue(&app, &student, json!({"style": "by_category"})).await;
    assert_ne!(newer["serial"], first["serial"], "new points, a new serial");
    let revoke = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        &format!(
            "/api/transcripts/{}/revoke",
            revoked["serial"].as_str().unwrap()
        ),
        Some(&json!({"reason": "信息有误，已重新出具"})),
    )
    .await;
    assert_eq!(revoke.status(), 200);
    let batch = print_class(
        &app,
        &cs_admin,
        json!({"organization_id": app.org_id("cs").await, "class_name": "计算2301",
            "enrolment_year": 2023, "style": "by_term", "format": "pdf"}),
    )
    .await;
    let batch_file = get_as(&app, &cs_admin, &format!("/api/print-jobs/{batch}/file"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(batch_file.starts_with(b"%PDF-"));

    // What the original says of each of its transcripts, read before the dump.
    let mut original_db = app.db().await;
    let original_rows = transcripts(&mut original_db).await;
    let mut original = BTreeMap::new();
    for row in &original_rows {
        let verified: Value = app
            .get(&format!("/api/verify/{}", row.serial))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            snapshot_hash(&verified["document"]),
            row.content_hash,
            "the original's hash of {}: {}",
            row.serial,
            verified["document"]
        );
        let pdf = rendered(&app, &cs_admin, &row.serial).await;
        original.insert(row.serial.clone(), (verified, pdf));
    }
    let statuses: Vec<&str> = original
        .values()
        .map(|(verified, _)| verified["status"].as_str().unwrap())
        .collect();
    for status in ["genuine", "superseded", "revoked"] {
        assert!(statuses.contains(&status), "a {status} one in {statuses:?}");
    }
    let original_totals = totals(&mut original_db).await;
    drop(original_db);
    assert!(
        original_totals.transcripts >= 10,
        "four issued one by one and the batch's: {original_totals:?}"
    );
    assert!(original_totals.ledger_entries > 0 && original_totals.audit_rows > 0);

    // Act: the drill. pg_dump -Fc, a fresh database from template0, pg_restore, migrate.
    let dump = TempFile(
        std::env::temp_dir().join(format!("scs-backup-{}.dump", uuid::Uuid::new_v4().simple())),
    );
    let dump_path = dump.0.to_str().unwrap();
    run("pg_dump", &["-Fc", "-f", dump_path, "-d", &app.db_url]).await;
    let restored_name = format!("scs_restored_{}", uuid::Uuid::new_v4().simple());
    let mut admin = AsyncPgConnection::establish(&admin_url()).await.unwrap();
    diesel::sql_query(format!(
        "CREATE DATABASE \"{restored_name}\" TEMPLATE template0"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let _restored_guard = DatabaseGuard(restored_name.clone());
    let restored_url = database_url(&admin_url(), &restored_name);
    run(
        "pg_restore",
        &[
            "--no-owner",
            "--exit-on-error",
            "-d",
            &restored_url,
            dump_path,
        ],
    )
    .await;
    let applied = api::db::migrate(&restored_url).await.expect("api migrate");
    assert_eq!(
        applied,
        Vec::<String>::new(),
        "the dump had every migration"
    );
    let mut restored_db = AsyncPgConnection::establish(&restored_url).await.unwrap();
    assert_eq!(
        totals(&mut restored_db).await,
        original_totals,
        "ledger, audit trail and transcripts restored whole"
    );
    let restored_rows = transcripts(&mut restored_db).await;
    drop(restored_db);
    assert_eq!(restored_rows, original_rows, "serials, students and hashes");
    let restored = spawn_app_on(restored_name, |_| {}).await;

    // Assert: every transcript of the restored database verifies as it did, with the hash it
    // was issued with, and renders again to the same text.
    let cs_admin = token(&restored, "cs_admin").await;
    for row in &restored_rows {
        let response = restored.get(&format!("/api/verify/{}", row.serial)).await;
        assert_eq!(response.status(), 200, "verify {}", row.serial);
        let verified: Value = response.json().await.unwrap();
        let (was_verified, was_pdf) = &original[&row.serial];
        assert_eq!(&verified, was_verified, "what {} verifies as", row.serial);
        assert_eq!(
            snapshot_hash(&verified["document"]),
            row.content_hash,
            "the snapshot of {} still has its hash",
            row.serial
        );
        let pdf = rendered(&restored, &cs_admin, &row.serial).await;
        let text = pdf_text(&pdf);
        assert!(
            text.contains(&row.serial) && text.contains(&row.student_no),
            "{} re-rendered: {text}",
            row.serial
        );
        assert!(
            &pdf == was_pdf,
            "{} renders as before, byte for byte",
            row.serial
        );
    }
    let restored_file = get_as(
        &restored,
        &cs_admin,
        &format!("/api/print-jobs/{batch}/file"),
    )
    .await;
    assert_eq!(restored_file.status(), 200);
    assert_eq!(
        restored_file.bytes().await.unwrap(),
        batch_file,
        "the batch's file"
    );
}
