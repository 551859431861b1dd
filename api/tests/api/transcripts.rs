//! Transcripts: issuing under an unguessable serial (the same serial while nothing changes),
//! the PDF (its text and its QR code), public verification of genuine, superseded, revoked and
//! unknown serials, who may do what, and batch printing in the background.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error, create_database, spawn_app_on},
    points::recognised_competition,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::{path::Path, process::Command, time::Duration};

/// A fresh scratch folder (removed when dropped).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("scs-pdf-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tool(name: &str) -> Command {
    let path = format!("/usr/bin/{name}");
    assert!(
        Path::new(&path).exists(),
        "{name} is missing: install poppler-utils (cargo xtask test installs it as root)"
    );
    Command::new(path)
}

/// The text of a PDF (pdftotext).
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = Scratch::new();
    let file = dir.path().join("t.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = tool("pdftotext").arg(&file).arg("-").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The pages of a PDF (pdfinfo).
fn pdf_pages(pdf: &[u8]) -> usize {
    let dir = Scratch::new();
    let file = dir.path().join("t.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = tool("pdfinfo").arg(&file).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap()
}

/// Decodes the QR code on page 1 (pdftoppm, then rqrr).
pub(crate) fn pdf_qr(pdf: &[u8]) -> String {
    let dir = Scratch::new();
    let file = dir.path().join("t.pdf");
    std::fs::write(&file, pdf).unwrap();
    let prefix = dir.path().join("page");
    let status = tool("pdftoppm")
        .args(["-r", "150", "-png", "-f", "1", "-l", "1", "-gray"])
        .arg(&file)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .unwrap();
    let image = image::open(png).unwrap().to_luma8();
    let (width, height) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().unwrap().1
}

async fn issue(app: &TestApp, who: &str, body: Value) -> reqwest::Response {
    send_as(
        app,
        Method::POST,
        Some(&token(app, who).await),
        "/api/transcripts",
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn a_student_issues_and_downloads_and_anyone_verifies_by_the_qr_code() {
    let app = demo_app().await;
    recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"}]),
    )
    .await;
    let issued = issue(&app, "2023010101", json!({"style": "by_category"})).await;
    assert_eq!(issued.status(), 201);
    let issued: Value = issued.json().await.unwrap();
    let serial = issued["serial"].as_str().unwrap().to_owned();
    assert!(serial.starts_with("SCT-") && serial.len() == 33, "{serial}");
    assert_eq!(issued["status"], "genuine");
    let doc = &issued["document"];
    assert_eq!(doc["total_points"], 250);
    assert_eq!(doc["sections"][0]["title"], "竞赛");
    assert_eq!(doc["title"], "第二课堂成绩单（本科生）");
    let name = doc["student"]["name"].as_str().unwrap().to_owned();
    let url = doc["verify_url"].as_str().unwrap().to_owned();
    assert!(url.ends_with(&format!("/verify/{serial}")), "{url}");

    // Nothing changed: the same transcript, the same serial.
    let again: Value = issue(&app, "2023010101", json!({"style": "by_category"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["serial"], serial.as_str());

    // The PDF says who and which, and its QR code opens the verification page.
    let student = token(&app, "2023010101").await;
    let pdf = get_as(&app, &student, &format!("/api/transcripts/{serial}/pdf")).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.len() < 80_000, "glyph subset only: {} bytes", pdf.len());
    let text = pdf_text(&pdf);
    for expected in [
        name.as_str(),
        serial.as_str(),
        "2023010101",
        "竞赛",
        "示范大学",
        "社会实践",
    ] {
        assert!(text.contains(expected), "{expected} in: {text}");
    }
    assert_eq!(pdf_qr(&pdf), url);

    // In one step for the student: the same transcript, rendered.
    let mine = get_as(&app, &student, "/api/me/transcript.pdf?style=by_category").await;
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.headers()["x-transcript-serial"], serial.as_str());

    // Verification needs no sign-in and shows what was issued.
    let verified: Value = app
        .get(&format!("/api/verify/{serial}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["status"], "genuine");
    assert_eq!(&verified["document"], doc);
    let unknown = app
        .get("/api/verify/SCT-0000-0000-0000-0000-0000-0000")
        .await;
    assert_error(unknown, 404, "not_found").await;
    let malformed = app.get("/api/verify/'%20OR%201=1").await;
    assert_error(malformed, 404, "not_found").await;

    // New points: a new transcript supersedes the old one, which still verifies as issued.
    let cs_admin = token(&app, "cs_admin").await;
    let body = json!({"student_no": "2023010101", "category": "volunteer", "points": 50,
        "reason": "马拉松志愿服务补记", "occurred_on": "2026-11-02"});
    send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/points/adjustments",
        Some(&body),
    )
    .await;
    let newer: Value = issue(&app, "2023010101", json!({"style": "by_category"}))
        .await
        .json()
        .await
        .unwrap();
    let newer_serial = newer["serial"].as_str().unwrap().to_owned();
    assert_ne!(newer_serial, serial);
    assert_eq!(newer["document"]["total_points"], 300);
    let old: Value = app
        .get(&format!("/api/verify/{serial}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["status"], "superseded");
    assert_eq!(
        old["document"]["total_points"], 250,
        "what it said at issue"
    );

    // Revocation: organisations over the student's college, with a reason, once.
    let revoke = |who: String, reason: &'static str| {
        let (app, serial) = (&app, newer_serial.clone());
        async move {
            send_as(
                app,
                Method::POST,
                Some(&who),
                &format!("/api/transcripts/{serial}/revoke"),
                Some(&json!({ "reason": reason })),
            )
            .await
        }
    };
    assert_error(revoke(student.clone(), "不要了").await, 403, "forbidden").await;
    assert_error(
        revoke(token(&app, "em_admin").await, "越权撤销").await,
        403,
        "forbidden",
    )
    .await;
    assert_error(revoke(cs_admin.clone(), "").await, 422, "validation_failed").await;
    let revoked: Value = revoke(cs_admin.clone(), "信息有误，已重新出具")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revoke_reason"], "信息有误，已重新出具");
    assert_error(revoke(cs_admin.clone(), "再次撤销").await, 409, "conflict").await;

    // Only the student and the organisations over their college; to anyone else the student
    // is not there (404), as an id that is no student.
    let other = token(&app, "2023010102").await;
    let response = get_as(&app, &other, &format!("/api/transcripts/{serial}/pdf")).await;
    assert_error(response, 404, "not_found").await;
    let id = app.org_student_id("2023010101").await;
    let response = issue(
        &app,
        "2023010102",
        json!({"student_id": id, "style": "by_term"}),
    )
    .await;
    assert_error(response, 404, "not_found").await;
    let response = issue(
        &app,
        "em_admin",
        json!({"student_id": id, "style": "by_term"}),
    )
    .await;
    assert_error(response, 404, "not_found").await;
    let em_admin = token(&app, "em_admin").await;
    for student_id in [id, 999_999] {
        let response = get_as(
            &app,
            &em_admin,
            &format!("/api/transcripts/preview?student_id={student_id}&style=by_term"),
        )
        .await;
        assert_error(response, 404, "not_found").await;
    }
    let response = get_as(
        &app,
        &cs_admin,
        &format!("/api/transcripts/preview?student_id={id}&style=by_method"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let preview: Value = response.json().await.unwrap();
    assert_eq!(preview["serial"], "", "a preview has no serial");
    assert_eq!(preview["sections"][0]["title"], "获奖认定");

    // The student's issued transcripts, newest first, as the organisation picks from them.
    let listed: Value = get_as(&app, &cs_admin, &format!("/api/students/{id}/transcripts"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 2);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items[0]["serial"], newer_serial.as_str());
    assert_eq!(items[0]["status"], "revoked");
    assert_eq!(items[0]["revoke_reason"], "信息有误，已重新出具");
    assert_eq!(items[0]["total"], 300);
    assert_eq!(items[0]["batch"], false);
    assert_eq!(items[1]["serial"], serial.as_str());
    assert_eq!(items[1]["status"], "superseded");
    assert_eq!(items[1]["total"], 250);
    assert_eq!(items[1]["style"], "by_category");
    assert!(
        items[1]["issued_by"]
            .as_str()
            .is_some_and(|by| !by.is_empty())
    );
    let own: Value = get_as(&app, &student, &format!("/api/students/{id}/transcripts"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["total"], 2, "the student sees their own");
    for who in [&other, &em_admin] {
        let response = get_as(&app, who, &format!("/api/students/{id}/transcripts")).await;
        assert_error(response, 404, "not_found").await;
    }
    let response = get_as(&app, &cs_admin, "/api/students/999999/transcripts").await;
    assert_error(response, 404, "not_found").await;
    let response = get_as(&app, &student, "/api/transcripts/preview?style=sideways").await;
    assert_eq!(
        assert_error(response, 400, "invalid_query").await["field"],
        "style"
    );
}

async fn wait_done(app: &TestApp, who: &str, id: &str) -> Value {
    let bearer = token(app, who).await;
    for _ in 0..300 {
        let job: Value = get_as(app, &bearer, &format!("/api/print-jobs/{id}"))
            .await
            .json()
            .await
            .unwrap();
        match job["status"].as_str() {
            Some("done") | Some("failed") => return job,
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the batch did not finish in 30 s");
}

#[tokio::test]
async fn a_college_prints_a_class_in_the_background() {
    let app = spawn_app_on(create_database().await, |settings| {
        settings.app.print_part_bytes = 7_000;
    })
    .await;
    app.seed_demo().await;
    recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "second", "award_level": "province", "role": "leader"}]),
    )
    .await;
    let cs = app.org_id("cs").await;
    let cs_admin = token(&app, "cs_admin").await;
    let start = |format: &'static str| {
        let (app, cs_admin) = (&app, cs_admin.clone());
        async move {
            let body = json!({"organization_id": cs, "class_name": "计算2301", "enrolment_year": 2023,
                "style": "by_term", "format": format});
            send_as(
                app,
                Method::POST,
                Some(&cs_admin),
                "/api/print-jobs",
                Some(&body),
            )
            .await
        }
    };
    let started = start("pdf").await;
    assert_eq!(started.status(), 202);
    let started: Value = started.json().await.unwrap();
    assert_eq!(started["total"], 8);
    let id = started["id"].as_str().unwrap().to_owned();
    let done = wait_done(&app, "cs_admin", &id).await;
    assert_eq!(
        (done["status"].as_str(), done["done"].as_i64()),
        (Some("done"), Some(8)),
        "{done}"
    );
    let file = get_as(&app, &cs_admin, &format!("/api/print-jobs/{id}/file")).await;
    assert_eq!(file.headers()["content-type"], "application/pdf");
    let pdf = file.bytes().await.unwrap();
    assert_eq!(pdf_pages(&pdf), 8, "one page per student");
    let text = pdf_text(&pdf);
    assert!(text.contains("2023010101") && text.contains("2023010108"));
    assert_eq!(
        String::from_utf8_lossy(&pdf).matches("/Dest [").count(),
        8,
        "a bookmark per student"
    );
    // Every printed transcript was issued with its own serial.
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let issued: N = diesel::sql_query(
        "SELECT count(DISTINCT serial) AS n FROM transcripts WHERE batch_id IS NOT NULL",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(issued.n, 8);

    let zipped: Value = start("zip").await.json().await.unwrap();
    let id = zipped["id"].as_str().unwrap().to_owned();
    wait_done(&app, "cs_admin", &id).await;
    let bytes = get_as(&app, &cs_admin, &format!("/api/print-jobs/{id}/file"))
        .await
        .bytes()
        .await
        .unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(archive.len(), 8);
    assert!(
        archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n == "2023010101.pdf"))
    );

    // The file was stored in parts as it was written (this server's parts are 7,000 bytes; a
    // real one's a megabyte) and comes back whole, in order, with its length announced.
    let job = uuid::Uuid::parse_str(&id).unwrap();
    let parts: N = diesel::sql_query("SELECT count(*) AS n FROM print_job_parts WHERE job_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(job)
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(parts.n as usize, bytes.len().div_ceil(7_000));
    assert!(parts.n > 2, "{} bytes make several parts", bytes.len());
    let again = get_as(&app, &cs_admin, &format!("/api/print-jobs/{id}/file")).await;
    assert_eq!(
        again.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert!(
        again.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("transcripts-{}.zip", &id[..8]))
    );
    assert_eq!(again.bytes().await.unwrap(), bytes);

    // Outside the subtree nobody sees the job; bad requests say why.
    let response = get_as(
        &app,
        &token(&app, "em_admin").await,
        &format!("/api/print-jobs/{id}"),
    )
    .await;
    assert_error(response, 404, "not_found").await;
    let body = json!({"organization_id": cs, "class_name": "不存在的班", "style": "by_term", "format": "pdf"});
    let response = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/print-jobs",
        Some(&body),
    )
    .await;
    assert_error(response, 422, "validation_failed").await;
    let body =
        json!({"organization_id": app.org_id("em").await, "style": "by_term", "format": "pdf"});
    let response = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/print-jobs",
        Some(&body),
    )
    .await;
    assert_error(response, 403, "forbidden").await;
    let listed: Value = get_as(&app, &cs_admin, "/api/print-jobs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 2);
}

/// Found by fuzzing: print jobs waiting for a render slot each held a database connection, so a
/// dozen batch requests took the whole pool and every other request answered 503.
#[tokio::test]
async fn print_jobs_waiting_for_their_turn_hold_no_database_connection() {
    let app = spawn_app_on(create_database().await, |settings| {
        settings.database.pool_size = 3;
        settings.jobs.per_organization = 6;
    })
    .await;
    app.seed_demo().await;
    let cs = app.org_id("cs").await;
    let cs_admin = token(&app, "cs_admin").await;
    // Six batches of the whole college: more than render slots or connections.
    let body = json!({"organization_id": cs, "style": "by_category", "format": "zip"});
    let mut jobs = Vec::new();
    for _ in 0..6 {
        let started = send_as(
            &app,
            Method::POST,
            Some(&cs_admin),
            "/api/print-jobs",
            Some(&body),
        )
        .await;
        assert_eq!(started.status(), 202);
        let started: Value = started.json().await.unwrap();
        jobs.push(started["id"].as_str().unwrap().to_owned());
    }
    // Meanwhile the rest of the API still answers at once.
    for _ in 0..5 {
        let me = get_as(&app, &cs_admin, "/api/me").await;
        assert_eq!(me.status(), 200, "the pool is not taken by waiting jobs");
    }
    for id in &jobs {
        let done = wait_done(&app, "cs_admin", id).await;
        assert_eq!(done["status"], "done", "{done}");
    }
}
