//! `spawn_app()`: a fresh database cloned from the migrated template, the server on port 0.
//!
//! The admin connection comes from `TEST_DATABASE_URL` (else `DATABASE_URL`, else the local
//! PostgreSQL at 127.0.0.1:5432). `cargo xtask test` migrates the template and names it in
//! `TEST_TEMPLATE_DB`; without it (plain `cargo test`) the first test builds one under an
//! advisory lock.

use api::{Application, config::Settings};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:<port>` of the metrics listener, when `server.metrics_port` is set.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub db_name: String,
    pub db_url: String,
    admin_url: String,
}

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `name` (keeps `?host=/socket/dir` and the like).
pub fn database_url(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..path_start])
}

async fn admin() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url())
        .await
        .expect("connect to the admin database (TEST_DATABASE_URL)")
}

async fn execute(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

const LOCAL_TEMPLATE: &str = "scs_template_cargo_test";
const TEMPLATE_LOCK: i64 = 727_001;

/// Creates an empty database cloned from the migrated template and returns its name.
pub async fn create_database() -> String {
    let name = format!("scs_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = admin().await;
    if let Ok(template) = std::env::var("TEST_TEMPLATE_DB") {
        execute(
            &mut conn,
            &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        )
        .await;
        return name;
    }
    // Plain `cargo test`: keep a template of our own up to date. Under the lock, so no process
    // copies the template while another one is migrating it.
    execute(
        &mut conn,
        &format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"),
    )
    .await;
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let exists: Exists = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{LOCAL_TEMPLATE}') AS exists"
    ))
    .get_result(&mut conn)
    .await
    .expect("query pg_database");
    if !exists.exists {
        execute(&mut conn, &format!("CREATE DATABASE \"{LOCAL_TEMPLATE}\"")).await;
    }
    api::db::migrate(&database_url(&admin_url(), LOCAL_TEMPLATE))
        .await
        .expect("migrate the template");
    execute(
        &mut conn,
        &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{LOCAL_TEMPLATE}\""),
    )
    .await;
    execute(
        &mut conn,
        &format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"),
    )
    .await;
    name
}

/// Settings of a test server: port 0, the given database, a fixed secret, no web app build.
pub fn test_settings(db_url: &str) -> Settings {
    let mut settings = Settings::load_from(None, |name| match name {
        "JWT_SECRET" => Some("test-secret-test-secret-test-secret-0123".to_owned()),
        _ => None,
    })
    .expect("default settings load");
    settings.require_secret().expect("secret set");
    settings.server.port = 0;
    settings.database.url = api::config::Secret::new(db_url);
    settings.database.pool_size = 2;
    settings.database.acquire_timeout_ms = 1500;
    settings.server.web_dist = std::env::temp_dir().join("scs-no-web-dist");
    // The monthly freeze would claim the latest month before a test's fixture exists; tests
    // call it with the time they choose.
    settings.app.scheduled_jobs = false;
    settings
}

pub async fn spawn_app() -> TestApp {
    let db_name = create_database().await;
    spawn_app_on(db_name, |_| {}).await
}

/// Starts a server on `db_name` (which need not exist yet), after `adjust` edits its settings.
pub async fn spawn_app_on(db_name: String, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init(api::config::LogFormat::Pretty);
    }
    let admin_url = admin_url();
    let db_url = database_url(&admin_url, &db_name);
    let mut settings = test_settings(&db_url);
    adjust(&mut settings);
    let app = Application::build(settings).expect("build the server");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        metrics_address,
        client,
        db_name,
        db_url,
        admin_url,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// A direct connection to this test's database.
    pub async fn db(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.db_url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop_database(&self.admin_url, &self.db_name);
    }
}

/// Drops the database `name` if it exists, closing its connections; from a thread of its own,
/// so it can be called from `Drop`, which cannot await.
pub fn drop_database(admin_url: &str, name: &str) {
    let (admin_url, name) = (admin_url.to_owned(), name.to_owned());
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url).await {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
            }
        });
    })
    .join();
}

/// Asserts the response is the JSON error with this status and code; returns the body.
pub async fn assert_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type}"
    );
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

/// Signs in and answers the access token.
pub async fn login(app: &TestApp, username: &str, password: &str) -> String {
    let response = app
        .post_json(
            "/api/auth/login",
            &serde_json::json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "sign in as {username}");
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

impl TestApp {
    /// Loads the demo university (`api::seed`): its accounts all sign in with
    /// `api::seed::DEMO_PASSWORD`.
    pub async fn seed_demo(&self) {
        api::seed::seed_demo(&mut self.db().await)
            .await
            .expect("seed the demo university");
    }

    /// Signs in as a demo account (after [`TestApp::seed_demo`]).
    pub async fn demo_login(&self, username: &str) -> String {
        login(self, username, api::seed::DEMO_PASSWORD).await
    }

    /// A request carrying `Authorization: Bearer <token>`.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// The id of the organisation with this code.
    pub async fn org_id(&self, code: &str) -> i64 {
        use api::db::schema::organizations;
        use diesel::{ExpressionMethods, QueryDsl};
        organizations::table
            .filter(organizations::code.eq(code))
            .select(organizations::id)
            .first(&mut self.db().await)
            .await
            .unwrap_or_else(|e| panic!("organisation {code}: {e}"))
    }

    /// A student's account id by student number.
    pub async fn org_student_id(&self, student_no: &str) -> i64 {
        use api::db::schema::accounts;
        use diesel::{ExpressionMethods, QueryDsl};
        accounts::table
            .filter(accounts::username.eq(student_no))
            .select(accounts::id)
            .first(&mut self.db().await)
            .await
            .unwrap_or_else(|e| panic!("student {student_no}: {e}"))
    }
}
