//! Several API processes on one PostgreSQL (issue 20): two servers share the database, as two
//! processes behind a load balancer would. The sign-in throttle and sessions hold across them;
//! batch prints queue in PostgreSQL, are run by whichever process has a turn, are taken over
//! when their process dies and finish once; PostgreSQL going away or a statement running too
//! long answers 503 with Retry-After; a stalled request body answers 408.

use crate::auth::{get_as, send_as, sign_in};
use crate::helpers::{TestApp, assert_error, create_database, spawn_app_on};
use api::seed::DEMO_PASSWORD;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Two servers on one new database (the second with `second`'s settings), the demo seeded.
async fn two_servers(
    first: impl FnOnce(&mut api::config::Settings),
    second: impl FnOnce(&mut api::config::Settings),
) -> (TestApp, TestApp) {
    let name = create_database().await;
    let a = spawn_app_on(name.clone(), first).await;
    a.seed_demo().await;
    let b = spawn_app_on(name, second).await;
    (a, b)
}

fn behind_proxy(settings: &mut api::config::Settings) {
    settings.server.trusted_proxies = vec!["127.0.0.1".into()];
}

async fn sign_in_from(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn sql(conn: &mut AsyncPgConnection, statement: &str) {
    diesel::sql_query(statement)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

#[tokio::test]
async fn failures_spread_over_two_servers_lock_the_pair_and_only_slow_the_account_elsewhere() {
    let (a, b) = two_servers(behind_proxy, behind_proxy).await;
    let attacker = "198.51.100.7";
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        assert_error(
            sign_in_from(server, attacker, "admin", "Wrong@2026").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    // The sixth, on either server, even with the right password: locked for this client.
    for server in [&a, &b] {
        let response = sign_in_from(server, attacker, "admin", DEMO_PASSWORD).await;
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 600, "{retry}");
        assert_error(response, 429, "rate_limited").await;
    }
    // The real admin elsewhere is not locked out: slowed by a second at most.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let response = sign_in_from(&b, "203.0.113.20", "admin", DEMO_PASSWORD).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // A client that names itself someone else to a server that trusts no proxy is keyed by
    // its own address: it cannot borrow the admin's clean record or shake off its own.
    let name = create_database().await;
    let plain = spawn_app_on(name, |_| {}).await;
    plain.seed_demo().await;
    for forged in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"] {
        assert_error(
            sign_in_from(&plain, forged, "cs_admin", "Wrong@2026").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_error(
        sign_in_from(&plain, "10.0.0.6", "cs_admin", DEMO_PASSWORD).await,
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn parallel_guesses_count_at_once() {
    let (a, b) = two_servers(|_| {}, |_| {}).await;
    let guesses = (0..12).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        async move {
            sign_in(server, "em_admin", "Wrong@2026")
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(guesses).await;
    statuses.sort();
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, refused), (5, 7), "{statuses:?}");
    let mut conn = a.db().await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let recorded: Count =
        diesel::sql_query("SELECT count(*) AS n FROM login_attempts WHERE username = 'em_admin'")
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(recorded.n, 5, "refused tries are not recorded");
}

#[tokio::test]
async fn a_session_signed_in_on_one_server_acts_on_the_other_and_a_logout_ends_it_on_both() {
    let (a, b) = two_servers(|_| {}, |_| {}).await;
    let login: Value = sign_in(&a, "cs_admin", DEMO_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let access = login["access_token"].as_str().unwrap();
    assert_eq!(get_as(&b, access, "/api/me").await.status(), 200);
    let out = send_as(&a, Method::POST, Some(access), "/api/auth/logout", None).await;
    assert!(out.status().is_success(), "{}", out.status());
    assert_error(get_as(&b, access, "/api/me").await, 401, "session_ended").await;
}

async fn start_batch(app: &TestApp, bearer: &str, org: i64) -> reqwest::Response {
    let body = json!({"organization_id": org, "style": "by_category", "format": "zip"});
    send_as(
        app,
        Method::POST,
        Some(bearer),
        "/api/print-jobs",
        Some(&body),
    )
    .await
}

async fn job(app: &TestApp, bearer: &str, id: &str) -> Value {
    get_as(app, bearer, &format!("/api/print-jobs/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn wait_for(app: &TestApp, bearer: &str, id: &str, status: &str) -> Value {
    for _ in 0..400 {
        let job = job(app, bearer, id).await;
        if job["status"] == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "job {id} did not reach {status} in 40 s: {}",
        job(app, bearer, id).await
    );
}

#[tokio::test]
async fn batches_queue_in_postgresql_within_a_quota_and_another_server_runs_them() {
    // A server that runs no jobs takes the requests; the queue waits for a worker.
    let (front, _second) = two_servers(
        |s| {
            s.jobs.concurrency = Some(0);
            s.jobs.per_organization = 2;
        },
        |s| s.jobs.concurrency = Some(0),
    )
    .await;
    let cs = front.org_id("cs").await;
    let bearer = front.demo_login("cs_admin").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let started = start_batch(&front, &bearer, cs).await;
        assert_eq!(started.status(), 202);
        let started: Value = started.json().await.unwrap();
        assert_eq!(started["status"], "queued");
        ids.push(started["id"].as_str().unwrap().to_owned());
    }
    let third = start_batch(&front, &bearer, cs).await;
    assert!(third.headers().contains_key("retry-after"));
    let body = assert_error(third, 429, "rate_limited").await;
    assert!(body["message"].as_str().unwrap().contains('2'), "{body}");
    // Another organisation has its own quota.
    let em = front.org_id("em").await;
    let em_admin = front.demo_login("em_admin").await;
    assert_eq!(start_batch(&front, &em_admin, em).await.status(), 202);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        job(&front, &bearer, &ids[0]).await["status"],
        "queued",
        "nobody ran it"
    );

    // A worker process comes up: it takes them from PostgreSQL.
    // (Dropping a test server drops the database: it stays up until the end.)
    let _worker = spawn_app_on(front.db_name.clone(), |s| s.jobs.concurrency = Some(1)).await;
    for id in &ids {
        let done = wait_for(&front, &bearer, id, "done").await;
        assert_eq!(done["done"], done["total"]);
        let file = get_as(&front, &bearer, &format!("/api/print-jobs/{id}/file")).await;
        assert_eq!(file.status(), 200);
        assert!(file.bytes().await.unwrap().starts_with(b"PK"));
    }
    // The quota is free again.
    assert_eq!(start_batch(&front, &bearer, cs).await.status(), 202);
}

#[tokio::test]
async fn a_batch_whose_process_died_is_taken_over_and_finished_once() {
    let (front, _second) = two_servers(
        |s| s.jobs.concurrency = Some(0),
        |s| s.jobs.concurrency = Some(0),
    )
    .await;
    let cs = front.org_id("cs").await;
    let bearer = front.demo_login("cs_admin").await;
    let started: Value = start_batch(&front, &bearer, cs).await.json().await.unwrap();
    let id = started["id"].as_str().unwrap().to_owned();
    // A process claimed it, wrote a part and died: its heartbeat is a minute old.
    let dead_claim = uuid::Uuid::new_v4();
    let mut conn = front.db().await;
    sql(
        &mut conn,
        &format!(
            "UPDATE print_jobs SET status = 'running', claim = '{dead_claim}', claimed_by = 'dead:1',
                    heartbeat_at = now() - interval '1 minute', started_at = now(), attempts = 1
             WHERE id = '{id}'"
        ),
    )
    .await;
    sql(
        &mut conn,
        &format!("INSERT INTO print_job_parts (job_id, attempt, seq, bytes) VALUES ('{id}', 1, 0, 'half a file')"),
    )
    .await;
    let _worker = spawn_app_on(front.db_name.clone(), |s| {
        s.jobs.concurrency = Some(1);
        s.jobs.stale_secs = 5;
    })
    .await;
    let done = wait_for(&front, &bearer, &id, "done").await;
    assert_eq!(done["done"], done["total"]);
    let file = get_as(&front, &bearer, &format!("/api/print-jobs/{id}/file")).await;
    assert_eq!(file.status(), 200);
    let bytes = file.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"PK"),
        "the second attempt's file, not the dead one's part"
    );
    let uid: uuid::Uuid = id.parse().unwrap();
    // The dead process wakes up: its claim no longer holds, so it finishes nothing.
    let file_row = api::db::print_jobs::File {
        name: "stale.zip",
        content_type: "application/zip",
        size: 11,
    };
    assert!(
        !api::db::print_jobs::finish(&mut conn, uid, dead_claim, 1, &file_row)
            .await
            .unwrap()
    );
    assert!(
        !api::db::print_jobs::heartbeat(&mut conn, uid, dead_claim, 1)
            .await
            .unwrap()
    );
    assert!(
        !api::db::print_jobs::fail(&mut conn, uid, dead_claim, "late")
            .await
            .unwrap()
    );
    let again = job(&front, &bearer, &id).await;
    assert_eq!(again["status"], "done");
    #[derive(diesel::QueryableByName)]
    struct Parts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        stale: i64,
    }
    let parts: Parts = diesel::sql_query(format!(
        "SELECT count(*) FILTER (WHERE attempt = 1) AS stale FROM print_job_parts WHERE job_id = '{id}'"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(parts.stale, 0, "the dead attempt's part is dropped");
    // Each student's transcript issued once, however many attempts.
    #[derive(diesel::QueryableByName)]
    struct Issued {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        students: i64,
    }
    let issued: Issued = diesel::sql_query(format!(
        "SELECT count(*) AS rows, count(DISTINCT student_id) AS students FROM transcripts
         WHERE batch_id = '{id}'"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(issued.rows, issued.students);
    assert_eq!(issued.rows, done["total"].as_i64().unwrap());

    // A job that keeps dying is given up after its last attempt, with a reason.
    let started: Value = start_batch(&front, &bearer, cs).await.json().await.unwrap();
    let doomed = started["id"].as_str().unwrap().to_owned();
    sql(
        &mut conn,
        &format!(
            "UPDATE print_jobs SET status = 'running', claim = gen_random_uuid(), attempts = 3,
                    heartbeat_at = now() - interval '1 minute' WHERE id = '{doomed}'"
        ),
    )
    .await;
    let failed = wait_for(&front, &bearer, &doomed, "failed").await;
    assert!(
        failed["error"].as_str().unwrap().contains("3 times"),
        "{failed}"
    );

    // Past the retention period the file is dropped and says so.
    let expired =
        api::db::print_jobs::expire(&mut conn, chrono::Utc::now() + chrono::Duration::days(1))
            .await
            .unwrap();
    assert_eq!(expired, 2);
    assert_eq!(job(&front, &bearer, &id).await["status"], "expired");
    let gone = get_as(&front, &bearer, &format!("/api/print-jobs/{id}/file")).await;
    let body = assert_error(gone, 409, "conflict").await;
    assert!(
        body["message"].as_str().unwrap().contains("dropped"),
        "{body}"
    );
}

#[tokio::test]
async fn a_statement_past_the_timeout_and_a_terminated_connection_answer_503_and_the_server_recovers()
 {
    let name = create_database().await;
    let app = spawn_app_on(name, |s| s.database.statement_timeout_ms = 300).await;
    app.seed_demo().await;
    let bearer = app.demo_login("cs_admin").await;
    assert_eq!(get_as(&app, &bearer, "/api/me").await.status(), 200);

    // Another session holds the accounts table: the request's statement waits, is cancelled.
    let mut holder = app.db().await;
    sql(&mut holder, "BEGIN").await;
    sql(&mut holder, "LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE").await;
    let response = get_as(&app, &bearer, "/api/me").await;
    assert_eq!(response.headers()["retry-after"], "5");
    assert_error(response, 503, "database_unavailable").await;
    sql(&mut holder, "ROLLBACK").await;
    assert_eq!(get_as(&app, &bearer, "/api/me").await.status(), 200);

    // The administrator terminates the server's connections mid-statement (57P01).
    let long = spawn_app_on(app.db_name.clone(), |s| {
        s.database.statement_timeout_ms = 10_000
    })
    .await;
    let long_bearer = long.demo_login("cs_admin").await;
    sql(&mut holder, "BEGIN").await;
    sql(&mut holder, "LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE").await;
    let waiting = tokio::spawn({
        let (client, url, bearer) = (
            long.client.clone(),
            long.url("/api/me"),
            long_bearer.clone(),
        );
        async move { client.get(url).bearer_auth(bearer).send().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut admin = AsyncPgConnection::establish(&crate::helpers::admin_url())
        .await
        .unwrap();
    sql(
        &mut admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{}' AND wait_event_type = 'Lock'",
            app.db_name
        ),
    )
    .await;
    let response = waiting.await.unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 503, "database_unavailable").await;
    sql(&mut holder, "ROLLBACK").await;
    // The pool replaces the dead connection: a pooled connection that died with it may fail
    // one more request (503 with Retry-After, as told), then requests are served.
    let (mut served, mut unavailable) = (0, 0);
    for _ in 0..6 {
        let response = get_as(&long, &long_bearer, "/api/me").await;
        match response.status().as_u16() {
            200 => served += 1,
            503 => {
                assert!(response.headers().contains_key("retry-after"));
                unavailable += 1;
            }
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
        if served == 2 {
            break;
        }
    }
    assert_eq!(served, 2, "served again");
    assert!(
        unavailable <= 2,
        "at most the pool's connections fail once ({unavailable})"
    );
}

#[tokio::test]
async fn a_stalled_request_body_is_answered_408() {
    let name = create_database().await;
    let app = spawn_app_on(name, |s| s.server.body_timeout_ms = 500).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /api/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
                 Content-Length: 200\r\n\r\n{{\"username\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered before the client gave up")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
