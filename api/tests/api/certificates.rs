//! E-certificates: templates and seals, issuing from awards, volunteer hours, positions and
//! honours within the issuer's subtree, once per thing attested (also when two issues race),
//! the PDF and PNG with their QR code, public verification of genuine, revoked and unknown
//! serials, the batch zip, and activity posters.

use std::collections::HashSet;
use std::io::Read;

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
    points::recognised_competition,
    transcripts::{pdf_qr, pdf_text},
};
use reqwest::Method;
use serde_json::{Value, json};

async fn template(app: &TestApp, who: &str, org: i64, kind: &str, body: &str) -> Value {
    let created = send_as(
        app,
        Method::POST,
        Some(who),
        "/api/certificate-templates",
        Some(&json!({
            "organization_id": org, "kind": kind, "name": format!("{kind} 模板"),
            "title": "荣誉证书", "body": body, "issuer_name": "共青团计算机学院委员会",
            "orientation": "landscape", "background": "gold", "seal_id": null
        })),
    )
    .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    created.json().await.unwrap()
}

async fn issue(app: &TestApp, who: &str, template: i64, source: Value) -> reqwest::Response {
    send_as(
        app,
        Method::POST,
        Some(who),
        "/api/certificates",
        Some(&json!({"template_id": template, "source": source})),
    )
    .await
}

async fn issued(app: &TestApp, who: &str, template: i64, source: Value) -> Value {
    let answer = issue(app, who, template, source).await;
    assert_eq!(answer.status(), 201, "{}", answer.text().await.unwrap());
    answer.json().await.unwrap()
}

fn skipped(outcome: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = outcome["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["student_no"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A small red PNG seal.
fn seal_png() -> Vec<u8> {
    let mut image = image::RgbaImage::new(64, 64);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let (dx, dy) = (x as i32 - 32, y as i32 - 32);
        if dx * dx + dy * dy < 30 * 30 {
            *pixel = image::Rgba([200, 20, 20, 255]);
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

async fn upload_seal(
    app: &TestApp,
    who: &str,
    org: i64,
    body: Vec<u8>,
    mime: &str,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/certificate-seals?organization={org}"),
        who,
    )
    .header("content-type", mime)
    .body(body)
    .send()
    .await
    .unwrap()
}

/// Decodes the one QR code of a PNG.
fn png_qr(png: &[u8]) -> String {
    let image = image::load_from_memory(png).unwrap().to_luma8();
    let (width, height) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the image");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn an_award_certificate_is_issued_once_downloaded_verified_and_revoked() {
    let app = demo_app().await;
    let competition = recognised_competition(
        &app,
        json!([
            {"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"},
            {"student_no": "2023010102", "attended": true, "award": "participation", "award_level": "school", "role": "member"}
        ]),
    )
    .await;
    let cs_admin = token(&app, "cs_admin").await;
    let cs = app.org_id("cs").await;

    // A seal of cs's own, on a template of cs.
    let seal = upload_seal(&app, &cs_admin, cs, seal_png(), "image/png").await;
    assert_eq!(seal.status(), 201, "{}", seal.text().await.unwrap());
    let seal: Value = seal.json().await.unwrap();
    assert_eq!(
        (seal["width"].clone(), seal["height"].clone()),
        (json!(64), json!(64))
    );
    let award = template(
        &app,
        &cs_admin,
        cs,
        "award",
        "{name} 同学：\n在{activity}中荣获{level}{award}。\n特发此状，以资鼓励。",
    )
    .await;
    let tid = award["id"].as_i64().unwrap();
    let mut design = award.clone();
    for key in [
        "id",
        "organization_id",
        "organization",
        "kind",
        "seal",
        "issued",
        "updated_at",
    ] {
        design.as_object_mut().unwrap().remove(key);
    }
    design["seal_id"] = seal["id"].clone();
    let changed = send_as(
        &app,
        Method::PUT,
        Some(&cs_admin),
        &format!("/api/certificate-templates/{tid}"),
        Some(&design),
    )
    .await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    let preview = get_as(
        &app,
        &cs_admin,
        &format!("/api/certificate-templates/{tid}/preview.png"),
    )
    .await;
    assert_eq!(preview.status(), 200);
    assert!(preview.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // The first prize gets its certificate; a participation certificate is no award.
    let outcome = issued(
        &app,
        &cs_admin,
        tid,
        json!({"kind": "award", "activity_id": competition}),
    )
    .await;
    assert_eq!(outcome["issued"], 1, "{outcome}");
    let certificate = &outcome["certificates"][0];
    assert_eq!(certificate["student_no"], "2023010101");
    assert_eq!(certificate["status"], "genuine");
    let serial = certificate["serial"].as_str().unwrap().to_owned();
    assert!(serial.starts_with("SCC-") && serial.len() == 33, "{serial}");
    let id = certificate["id"].as_i64().unwrap();

    // Again, and twice at once: nothing is issued twice.
    let again = issued(
        &app,
        &cs_admin,
        tid,
        json!({"kind": "award", "activity_id": competition}),
    )
    .await;
    assert_eq!(again["issued"], 0);
    assert_eq!(
        skipped(&again),
        vec![("2023010101".into(), "already_issued".into())]
    );

    // Public verification shows what was printed.
    let verified = app.get(&format!("/api/certificates/verify/{serial}")).await;
    assert_eq!(verified.status(), 200);
    let verified: Value = verified.json().await.unwrap();
    assert_eq!(verified["status"], "genuine");
    let body = verified["document"]["body"].as_str().unwrap().to_owned();
    let name = verified["document"]["student_name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(body.starts_with(&format!("{name} 同学：")), "{body}");
    assert!(body.contains("校级一等奖"), "{body}");
    assert!(
        verified["document"]["verify_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/verify/{serial}"))
    );
    for unknown in [
        "SCC-0000-0000-0000-0000-0000-0000",
        "SCC-nope",
        "SCT-0000-0000-0000-0000-0000-0000",
    ] {
        assert_error(
            app.get(&format!("/api/certificates/verify/{unknown}"))
                .await,
            404,
            "not_found",
        )
        .await;
    }

    // The student finds it in the wallet and downloads both files; the PDF's text is the
    // certificate's and both QR codes open its verification page.
    let student = token(&app, "2023010101").await;
    let wallet: Value = get_as(&app, &student, "/api/me/certificates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wallet.as_array().unwrap().len(), 1);
    assert_eq!(wallet[0]["serial"], serial.as_str());
    let pdf = get_as(&app, &student, &format!("/api/certificates/{id}/pdf")).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    let text = pdf_text(&pdf);
    assert!(
        text.contains(&name) && text.contains("一等奖") && text.contains(&serial),
        "{text}"
    );
    let url = verified["document"]["verify_url"].as_str().unwrap();
    assert_eq!(pdf_qr(&pdf), url);
    let png = get_as(&app, &student, &format!("/api/certificates/{id}/png")).await;
    assert_eq!(png.status(), 200);
    let png = png.bytes().await.unwrap();
    assert_eq!(png_qr(&png), url);

    // Another student, and another college, see nothing.
    let other = token(&app, "2024020101").await;
    assert_error(
        get_as(&app, &other, &format!("/api/certificates/{id}")).await,
        404,
        "not_found",
    )
    .await;
    let em_admin = token(&app, "em_admin").await;
    assert_error(
        get_as(&app, &em_admin, &format!("/api/certificates/{id}/pdf")).await,
        404,
        "not_found",
    )
    .await;

    // Revoked with a reason: verification says so, downloads stop, it can be issued anew.
    let revoke = |reason: &str| {
        let body = json!({"reason": reason});
        let app = &app;
        let cs_admin = cs_admin.clone();
        async move {
            send_as(
                app,
                Method::POST,
                Some(&cs_admin),
                &format!("/api/certificates/{id}/revoke"),
                Some(&body),
            )
            .await
        }
    };
    assert_error(revoke(" ").await, 422, "validation_failed").await;
    assert_eq!(revoke("获奖名单更正").await.status(), 200);
    assert_error(revoke("再次撤销").await, 409, "conflict").await;
    let verified: Value = app
        .get(&format!("/api/certificates/verify/{serial}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["status"], "revoked");
    assert_eq!(verified["revoke_reason"], "获奖名单更正");
    assert_error(
        get_as(&app, &student, &format!("/api/certificates/{id}/png")).await,
        409,
        "conflict",
    )
    .await;
    let anew = issued(
        &app,
        &cs_admin,
        tid,
        json!({"kind": "award", "activity_id": competition}),
    )
    .await;
    assert_eq!(anew["issued"], 1);
    assert_ne!(anew["certificates"][0]["serial"], serial.as_str());

    // Every step is in the audit log, by cs_admin.
    let audit: Value = get_as(&app, &cs_admin, "/api/audit?action=certificates.issue")
        .await
        .json()
        .await
        .unwrap();
    let issues: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "certificates.issue")
        .collect();
    assert_eq!(issues.len(), 2, "{audit}");
    assert!(
        issues
            .iter()
            .any(|e| e["details"]["serials"][0] == serial.as_str())
    );
    let revokes: Value = get_as(&app, &cs_admin, "/api/audit?action=certificates.revoke")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revokes["items"][0]["action"], "certificates.revoke");
    assert_eq!(revokes["items"][0]["actor_username"], "cs_admin");
}

#[tokio::test]
async fn issuing_stays_within_the_issuers_subtree_and_permission() {
    let app = demo_app().await;
    let competition = recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "second", "award_level": "school", "role": "leader"}]),
    )
    .await;
    let cs = app.org_id("cs").await;
    let em = app.org_id("em").await;
    let cs_admin = token(&app, "cs_admin").await;
    let em_admin = token(&app, "em_admin").await;
    let student = token(&app, "2023010101").await;
    let publisher = token(&app, "cs_publisher").await;

    // Templates: only over one's own subtree, only with the permission, only known fields.
    let body = json!({"organization_id": cs, "kind": "honour", "name": "荣誉", "title": "荣誉证书",
        "body": "{name} 被评为 {honour}", "issuer_name": "团委", "orientation": "portrait",
        "background": "classic", "seal_id": null});
    for (who, status, code) in [
        (&em_admin, 403, "forbidden"),
        (&student, 403, "forbidden"),
        (&publisher, 403, "forbidden"),
    ] {
        assert_error(
            send_as(
                &app,
                Method::POST,
                Some(who),
                "/api/certificate-templates",
                Some(&body),
            )
            .await,
            status,
            code,
        )
        .await;
    }
    let mut bad = body.clone();
    bad["body"] = json!("{name} 获得 {award}");
    let refused = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/certificate-templates",
        Some(&bad),
    )
    .await;
    let refused = assert_error(refused, 422, "validation_failed").await;
    assert_eq!(refused["field"], "body");
    let honour = template(
        &app,
        &cs_admin,
        cs,
        "honour",
        "{name} 同学在{term}被评为“{honour}”。",
    )
    .await;
    let hid = honour["id"].as_i64().unwrap();

    // em cannot use cs's template, nor issue cs's competition with its own.
    let source = json!({"kind": "honour", "honour": "优秀共青团员", "student_nos": ["2023010101"]});
    assert_error(
        issue(&app, &em_admin, hid, source.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let em_award = template(&app, &em_admin, em, "award", "{name} 获{award}").await;
    assert_error(
        issue(
            &app,
            &em_admin,
            em_award["id"].as_i64().unwrap(),
            json!({"kind": "award", "activity_id": competition}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // The template's kind decides the source's.
    let mismatch = assert_error(
        issue(
            &app,
            &cs_admin,
            hid,
            json!({"kind": "award", "activity_id": competition}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(mismatch["field"], "source.kind");

    // An honour for cs's students only: em's student is outside, a made-up number unknown.
    let outcome = issued(
        &app,
        &cs_admin,
        hid,
        json!({"kind": "honour", "honour": "优秀共青团员",
               "student_nos": ["2023010101", "2024020101", "9999999999", "2023010101"]}),
    )
    .await;
    assert_eq!(outcome["issued"], 1, "{outcome}");
    assert_eq!(
        skipped(&outcome),
        vec![
            ("2024020101".into(), "outside_subtree".into()),
            ("9999999999".into(), "unknown_student".into())
        ]
    );
    assert!(outcome["certificates"][0]["summary"] == "优秀共青团员");

    // Seals: another organisation's seal cannot go on a template; an SVG seal is stored without
    // its script; anything else is refused.
    let em_seal: Value = upload_seal(&app, &em_admin, em, seal_png(), "image/png")
        .await
        .json()
        .await
        .unwrap();
    let mut design = body.clone();
    design.as_object_mut().unwrap().remove("organization_id");
    design.as_object_mut().unwrap().remove("kind");
    design["seal_id"] = em_seal["id"].clone();
    let refused = send_as(
        &app,
        Method::PUT,
        Some(&cs_admin),
        &format!("/api/certificate-templates/{hid}"),
        Some(&design),
    )
    .await;
    assert_eq!(
        assert_error(refused, 422, "validation_failed").await["field"],
        "seal_id"
    );
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script><circle cx="50" cy="50" r="45" fill="none" stroke="#c00" stroke-width="4"/><image href="file:///etc/passwd" width="10" height="10"/></svg>"##;
    let stored = upload_seal(&app, &cs_admin, cs, svg.to_vec(), "image/svg+xml").await;
    assert_eq!(stored.status(), 201, "{}", stored.text().await.unwrap());
    let stored: Value = stored.json().await.unwrap();
    let image = get_as(
        &app,
        &cs_admin,
        &format!("/api/certificate-seals/{}", stored["id"]),
    )
    .await;
    assert_eq!(image.headers()["content-type"], "image/svg+xml");
    let text = image.text().await.unwrap();
    assert!(
        text.contains("<svg") && !text.contains("script") && !text.contains("passwd"),
        "{text}"
    );
    assert_error(
        upload_seal(&app, &cs_admin, cs, b"not an image".to_vec(), "image/png").await,
        422,
        "invalid_file",
    )
    .await;
    assert_error(
        upload_seal(&app, &cs_admin, cs, vec![0u8; 600 * 1024], "image/png").await,
        413,
        "payload_too_large",
    )
    .await;
    assert_error(
        upload_seal(&app, &em_admin, cs, seal_png(), "image/png").await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        get_as(
            &app,
            &em_admin,
            &format!("/api/certificate-seals/{}", stored["id"]),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // Lists: each organisation sees its subtree's; students have their wallet instead.
    let listed: Value = get_as(&app, &em_admin, "/api/certificates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 0);
    let listed: Value = get_as(&app, &cs_admin, "/api/certificates?kind=honour")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1);
    assert_error(
        get_as(&app, &student, "/api/certificates").await,
        403,
        "forbidden",
    )
    .await;
    let templates: Value = get_as(&app, &em_admin, "/api/certificate-templates")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        templates
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["organization_id"] == em)
    );
}

#[tokio::test]
async fn batches_of_hours_and_positions_are_issued_once_even_when_sent_twice_at_once() {
    let app = demo_app().await;
    {
        let mut conn = app.db().await;
        api::seed::seed_history(&mut conn).await.unwrap();
    }
    let admin = token(&app, "admin").await;
    let cs_admin = token(&app, "cs_admin").await;
    let tw = app.org_id("tw").await;
    let cs = app.org_id("cs").await;

    // Volunteer hours recognised anywhere in the school over a year: every student with any.
    let card = template(
        &app,
        &admin,
        tw,
        "volunteer",
        "{name}：{period}志愿服务{hours}小时。",
    )
    .await;
    let source = json!({"kind": "volunteer", "from": "2025-01-01", "to": "2026-12-31"});
    let (a, b) = tokio::join!(
        issue(&app, &admin, card["id"].as_i64().unwrap(), source.clone()),
        issue(&app, &admin, card["id"].as_i64().unwrap(), source.clone())
    );
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    let total = a["issued"].as_u64().unwrap() + b["issued"].as_u64().unwrap();
    assert!(total > 10, "{a} {b}");
    let skipped_twice =
        a["skipped"].as_array().unwrap().len() + b["skipped"].as_array().unwrap().len();
    assert_eq!(
        skipped_twice as u64, total,
        "each student once: the other request skipped them"
    );
    let stored: Value = get_as(&app, &admin, "/api/certificates?kind=volunteer&per_page=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["total"].as_u64().unwrap(), total);
    let first = a["certificates"]
        .as_array()
        .unwrap()
        .first()
        .or(b["certificates"].as_array().unwrap().first())
        .unwrap()
        .clone();
    assert!(
        first["summary"].as_str().unwrap().contains("小时"),
        "{first}"
    );

    // Appointment letters for every position cs's subtree holds today.
    let letter = template(
        &app,
        &cs_admin,
        cs,
        "appointment",
        "兹聘任 {name} 同学为{organization}{position}，任期{period}。",
    )
    .await;
    let outcome = issued(
        &app,
        &cs_admin,
        letter["id"].as_i64().unwrap(),
        json!({"kind": "appointment"}),
    )
    .await;
    let n = outcome["issued"].as_u64().unwrap();
    assert!(n >= 1, "{outcome}");
    let body = &outcome["certificates"][0];
    assert!(!body["summary"].as_str().unwrap().is_empty());
    // The issue as one zip: a PDF per certificate.
    let batch = &outcome["batch_id"];
    let count = &outcome["issued"];
    let zip = get_as(
        &app,
        &cs_admin,
        &format!("/api/certificates/batches/{}/zip", batch.as_str().unwrap()),
    )
    .await;
    assert_eq!(zip.status(), 200);
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(archive.len() as u64, count.as_u64().unwrap());
    let mut names = HashSet::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        names.insert(file.name().unwrap().to_string());
        let mut head = [0u8; 5];
        file.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"%PDF-");
    }
    assert_eq!(names.len(), archive.len());
    // Not em's to download.
    assert_error(
        get_as(
            &app,
            &token(&app, "em_admin").await,
            &format!("/api/certificates/batches/{}/zip", batch.as_str().unwrap()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    let detail: Value = get_as(
        &app,
        &cs_admin,
        &format!("/api/certificates/{}", body["id"]),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        detail["document"]["body"]
            .as_str()
            .unwrap()
            .contains("任期"),
        "{detail}"
    );
    // A position outside cs is refused by name.
    let outside: i64 = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let mut conn = app.db().await;
        let rows: Vec<Id> = diesel::sql_query(
            "SELECT p.id FROM cadre_positions p JOIN organizations o ON o.id = p.organization_id
             WHERE NOT (o.path @> ARRAY[(SELECT id FROM organizations WHERE code = 'cs')]) LIMIT 1",
        )
        .load(&mut conn)
        .await
        .unwrap();
        rows.as_slice().first().map(|r| r.id).unwrap_or(0)
    };
    if outside > 0 {
        assert_error(
            issue(
                &app,
                &cs_admin,
                letter["id"].as_i64().unwrap(),
                json!({"kind": "appointment", "position_ids": [outside]}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }
}

#[tokio::test]
async fn a_published_activity_has_a_public_poster_and_a_draft_has_none() {
    let app = demo_app().await;
    let competition = recognised_competition(
        &app,
        json!([{"student_no": "2023010101", "attended": true, "award": "third", "award_level": "school", "role": "leader"}]),
    )
    .await;
    let poster = app
        .get(&format!("/api/activities/{competition}/poster.png"))
        .await;
    assert_eq!(poster.status(), 200);
    assert_eq!(poster.headers()["content-type"], "image/png");
    let png = poster.bytes().await.unwrap();
    let url = png_qr(&png);
    assert!(
        url.ends_with(&format!("/activities/{competition}")),
        "{url}"
    );
    let image = image::load_from_memory(&png).unwrap();
    assert_eq!((image.width(), image.height()), (1125, 1800));
    // The same poster again comes from the cache, byte for byte.
    let again = app
        .get(&format!("/api/activities/{competition}/poster.png"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, png);

    let cs_admin = token(&app, "cs_admin").await;
    let draft = send_as(
        &app,
        Method::POST,
        Some(&cs_admin),
        "/api/activities",
        Some(
            &json!({"organizer_id": app.org_id("cs").await, "title": "草稿活动",
            "category": "lecture", "credit_level": "college",
            "starts_at": "2027-03-01T06:00:00Z", "ends_at": "2027-03-01T08:00:00Z",
            "place": "图书馆报告厅", "capacity": null, "enrolment_mode": "first_come",
            "registration_opens_at": "2027-02-01T00:00:00Z",
            "registration_closes_at": "2027-02-28T00:00:00Z", "eligibility": {"colleges": []}}),
        ),
    )
    .await;
    assert_eq!(draft.status(), 201, "{}", draft.text().await.unwrap());
    let draft: Value = draft.json().await.unwrap();
    let id = draft["id"].as_i64().unwrap();
    assert_error(
        app.get(&format!("/api/activities/{id}/poster.png")).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/api/activities/999999/poster.png").await,
        404,
        "not_found",
    )
    .await;
}
