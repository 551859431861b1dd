//! Two real API processes behind nginx (Debian's, started here on loopback, no sticky
//! sessions), on one PostgreSQL: sign in through one and act through the other, five failed
//! sign-ins spread over both lock the account for that client, a logout on one is refused on the
//! other at once, and a batch print whose process is killed mid-job is finished by the other.

use crate::helpers::{admin_url, create_database, database_url, drop_database};
use api::seed::DEMO_PASSWORD;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

const NGINX: &str = "/usr/sbin/nginx";

/// An API process (killed when dropped).
struct Process {
    child: Child,
    url: String,
}

async fn start_api(db_url: &str, concurrency: usize) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["serve", "--port", "0"])
        .env("DATABASE_URL", db_url)
        .env("JWT_SECRET", "cluster-secret-cluster-secret-cluster-0123")
        .env("TRUSTED_PROXIES", "127.0.0.1")
        .env("JOB_CONCURRENCY", concurrency.to_string())
        .env("JOB_STALE_SECS", "3")
        .env("SCHEDULED_JOBS", "off")
        .env("DB_POOL_SIZE", "4")
        .env("WEB_DIST", std::env::temp_dir().join("scs-no-web-dist"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the api binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.to_owned();
            }
        }
        panic!("the api process ended before listening");
    })
    .await
    .expect("the api process listens within 30 s");
    // Keep reading so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Process { child, url }
}

/// nginx in front of `upstreams`, round robin; killed when dropped.
struct Nginx {
    child: Child,
    url: String,
    _dir: TempDir,
}

impl Drop for Nginx {
    /// SIGTERM to the master, which stops its workers (`kill_on_drop`'s SIGKILL would leave them
    /// running).
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            for _ in 0..100 {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_nginx(upstreams: &[&str]) -> Nginx {
    let dir = std::env::temp_dir().join(format!("scs-nginx-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let port = free_port();
    let servers: String = upstreams
        .iter()
        .map(|url| format!("        server {};\n", url.trim_start_matches("http://")))
        .collect();
    let config = format!(
        "worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream api {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout;
        }}
    }}
}}
",
        dir = dir.display()
    );
    let file = dir.join("nginx.conf");
    std::fs::write(&file, config).unwrap();
    let child = Command::new(NGINX)
        .args(["-e", "stderr", "-p"])
        .arg(&dir)
        .arg("-c")
        .arg(&file)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start nginx");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{url}/healthz")).send().await.is_ok() {
            return Nginx {
                child,
                url,
                _dir: TempDir(dir),
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nginx did not answer on {url}");
}

async fn login(
    client: &reqwest::Client,
    base: &str,
    password: &str,
    client_ip: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "cs_admin", "password": password}));
    if let Some(ip) = client_ip {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap()
}

async fn seed(db_url: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["seed-demo", "--history"])
        .env("DATABASE_URL", db_url)
        .env("DEMO_MODE", "1")
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.success());
}

#[derive(diesel::QueryableByName)]
struct Claim {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    claimed_by: Option<String>,
}

async fn read_claim(conn: &mut AsyncPgConnection, id: &str) -> Claim {
    diesel::sql_query(format!(
        "SELECT status, claimed_by FROM print_jobs WHERE id = '{id}'"
    ))
    .get_result(conn)
    .await
    .unwrap()
}

/// Drops the database when the test ends, however it ends.
struct Database(String);

impl Drop for Database {
    fn drop(&mut self) {
        drop_database(&admin_url(), &self.0);
    }
}

#[tokio::test]
async fn two_processes_behind_nginx_share_sign_in_sessions_and_the_print_queue() {
    if !Path::new(NGINX).exists() {
        panic!("nginx is needed (apt-get install -y nginx); `cargo xtask test` installs it");
    }
    let name = create_database().await;
    let _database = Database(name.clone());
    let db_url = database_url(&admin_url(), &name);
    seed(&db_url).await;
    let mut a = start_api(&db_url, 1).await;
    let mut b = start_api(&db_url, 1).await;
    let nginx = start_nginx(&[&a.url, &b.url]).await;
    let client = reqwest::Client::new();

    // Signed in on A, the token works on B and through nginx.
    let signed: Value = login(&client, &a.url, DEMO_PASSWORD, None)
        .await
        .json()
        .await
        .unwrap();
    let access = signed["access_token"].as_str().unwrap().to_owned();
    for base in [&b.url, &nginx.url, &nginx.url] {
        let me = client
            .get(format!("{base}/api/me"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
    }

    // Five failures through nginx (round robin: both processes) lock this client out.
    for _ in 0..5 {
        assert_eq!(
            login(&client, &nginx.url, "Wrong@2026", None)
                .await
                .status(),
            401
        );
    }
    for _ in 0..2 {
        let locked = login(&client, &nginx.url, DEMO_PASSWORD, None).await;
        assert_eq!(locked.status(), 429, "each process sees the five");
        assert!(locked.headers().contains_key("retry-after"));
    }
    // nginx names the client; another client is not locked (a second's spacing at most).
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        login(&client, &nginx.url, DEMO_PASSWORD, Some("198.51.100.30"))
            .await
            .status(),
        200
    );

    // A logout on A is refused on B at once.
    let out = client
        .post(format!("{}/api/auth/logout", a.url))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    let refused = client
        .get(format!("{}/api/me", b.url))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // The feed kept by B (for a second) goes at once when a student signs up through A: A
    // announces the write, B drops what it kept (the processes share no memory).
    let title = "人工智能前沿讲座：大模型与科研";
    let student: Value = client
        .post(format!("{}/api/auth/login", a.url))
        .json(&json!({"username": "2023010101", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let student = student["access_token"].as_str().unwrap().to_owned();
    let feed = |base: String| {
        let (client, student) = (client.clone(), student.clone());
        async move {
            let page: Value = client
                .get(format!("{base}/api/activities"))
                .query(&[("q", title)])
                .bearer_auth(student)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let item = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|item| item["title"] == title)
                .unwrap_or_else(|| panic!("{page}"))
                .clone();
            (
                item["id"].as_i64().unwrap(),
                item["confirmed"].as_i64().unwrap(),
            )
        }
    };
    let (activity, before) = feed(b.url.clone()).await;
    assert_eq!(feed(b.url.clone()).await.1, before, "kept");
    let kept_at = std::time::Instant::now();
    let signed_up = client
        .post(format!("{}/api/activities/{activity}/registrations", a.url))
        .bearer_auth(&student)
        .json(&json!({"answers": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_up.status(),
        201,
        "{}",
        signed_up.text().await.unwrap()
    );
    loop {
        if feed(b.url.clone()).await.1 == before + 1 {
            break;
        }
        assert!(
            kept_at.elapsed() < Duration::from_millis(900),
            "B still serves the page it kept before A's sign-up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A batch print, held mid-job by a lock on the transcripts table: kill the process that
    // claimed it; the other one takes it over and finishes it.
    let fresh: Value = login(&client, &nginx.url, DEMO_PASSWORD, Some("198.51.100.31"))
        .await
        .json()
        .await
        .unwrap();
    let bearer = fresh["access_token"].as_str().unwrap().to_owned();
    let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
    let cs: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query("SELECT id FROM organizations WHERE code = 'cs'")
            .get_result::<Id>(&mut conn)
            .await
            .unwrap()
            .id
    };
    let mut holder = AsyncPgConnection::establish(&db_url).await.unwrap();
    diesel::sql_query("BEGIN")
        .execute(&mut holder)
        .await
        .unwrap();
    diesel::sql_query("LOCK TABLE transcripts IN EXCLUSIVE MODE")
        .execute(&mut holder)
        .await
        .unwrap();
    let started: Value = client
        .post(format!("{}/api/print-jobs", a.url))
        .bearer_auth(&bearer)
        .json(&json!({"organization_id": cs, "style": "by_category", "format": "zip"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_str().unwrap().to_owned();
    let mut holder_pid = None;
    for _ in 0..100 {
        let claim = read_claim(&mut conn, &id).await;
        if claim.status == "running" {
            holder_pid = claim.claimed_by;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let holder_pid = holder_pid.expect("a process claimed the batch");
    let (a_pid, b_pid) = (a.child.id().unwrap(), b.child.id().unwrap());
    let (victim, survivor) = if holder_pid.contains(&format!(":{a_pid}:")) {
        (&mut a, &b)
    } else {
        assert!(holder_pid.contains(&format!(":{b_pid}:")), "{holder_pid}");
        (&mut b, &a)
    };
    victim.child.kill().await.unwrap();
    diesel::sql_query("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut last = Value::Null;
    for _ in 0..300 {
        last = client
            .get(format!("{}/api/print-jobs/{id}", survivor.url))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if last["status"] == "done" || last["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["status"], "done", "{last}");
    let after = read_claim(&mut conn, &id).await;
    assert_ne!(
        after.claimed_by.as_deref(),
        Some(holder_pid.as_str()),
        "the survivor finished it"
    );
    // Through nginx (the dead upstream is skipped): the file.
    let file = client
        .get(format!("{}/api/print-jobs/{id}/file", nginx.url))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert!(file.bytes().await.unwrap().starts_with(b"PK"));
    drop(nginx);
}
