//! The end-to-end runner: the release API server on a fresh copy of the template database,
//! loaded with the demo university, driven by the node:test files of `e2e/tests/` in
//! headless Chromium (playwright-core).
//!
//! ```text
//! e2e --api <api binary> --admin-url <postgres URL of database `postgres`>
//!     --template <template database> --web-dist <web/dist> [--psql <psql>]
//! ```
//!
//! Its last line is always `e2e: N passed, N failed`; it exits 1 when a test failed or none
//! ran. `cargo xtask test` runs it with everything prepared. `E2E_FILTER=word` runs only the
//! test files whose name contains the word.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, String>;

/// How long the server may take to print its address, and then to answer /healthz.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let (outcome, node_ok) = match Args::parse().and_then(|args| run(&args)) {
        Ok((counts, node_ok)) => (counts, node_ok),
        Err(error) => {
            eprintln!("e2e: error: {error}");
            (Counts::default(), false)
        }
    };
    println!("e2e: {} passed, {} failed", outcome.passed, outcome.failed);
    if node_ok && outcome.failed == 0 && outcome.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The command line.
struct Args {
    api: PathBuf,
    admin_url: String,
    template: String,
    web_dist: PathBuf,
    psql: PathBuf,
}

impl Args {
    fn parse() -> Result<Args> {
        let mut api = None;
        let mut admin_url = None;
        let mut template = None;
        let mut web_dist = None;
        let mut psql = PathBuf::from("psql");
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--api" => api = Some(absolute(&value)),
                "--admin-url" => admin_url = Some(value),
                "--template" => template = Some(value),
                "--web-dist" => web_dist = Some(absolute(&value)),
                "--psql" => psql = value.into(),
                _ => return Err(format!("unknown argument {flag}")),
            }
        }
        let missing =
            |name: &str| format!("missing {name} (see the doc comment of e2e/src/main.rs)");
        Ok(Args {
            api: api.ok_or_else(|| missing("--api"))?,
            admin_url: admin_url.ok_or_else(|| missing("--admin-url"))?,
            template: template.ok_or_else(|| missing("--template"))?,
            web_dist: web_dist.ok_or_else(|| missing("--web-dist"))?,
            psql,
        })
    }
}

/// Tests passed and failed, from node's TAP report.
#[derive(Default)]
struct Counts {
    passed: u32,
    failed: u32,
}

/// Runs the suite; the counts and whether node itself exited successfully.
fn run(args: &Args) -> Result<(Counts, bool)> {
    // Declared first so that it is dropped last, after the server stopped.
    let database = Database::create(args, &format!("scs_e2e_{}", std::process::id()))?;
    let url = database.url();

    eprintln!("e2e: loading the demo university into {}", database.name);
    let seed = Command::new(&args.api)
        .arg("seed-demo")
        .env("DATABASE_URL", &url)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", args.api.display()))?;
    if !seed.status.success() {
        return Err(format!("`api seed-demo` failed ({})", seed.status));
    }
    let accounts = String::from_utf8_lossy(&seed.stdout).into_owned();

    let server = Server::start(args, &url)?;
    eprintln!("e2e: server at {}", server.base_url);
    wait_until_healthy(&server.base_url)?;

    // At run time (`cargo run` sets it): clones sharing one build cache share this binary,
    // and the path compiled into it may be another clone's.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let repo = manifest_dir
        .parent()
        .expect("e2e lives in a folder of the workspace");
    let screenshots = repo.join("e2e/screenshots");
    std::fs::create_dir_all(&screenshots)
        .map_err(|e| format!("cannot create {}: {e}", screenshots.display()))?;
    let tap = std::env::temp_dir().join(format!("scs-e2e-{}.tap", std::process::id()));
    let _ = std::fs::remove_file(&tap);
    let node = Command::new("node")
        .arg("--test")
        .args(["--test-reporter=spec", "--test-reporter-destination=stdout"])
        .arg("--test-reporter=tap")
        .arg(format!("--test-reporter-destination={}", tap.display()))
        .arg("--test-concurrency=1")
        .args(test_files(repo)?)
        .current_dir(repo)
        .env("BASE_URL", &server.base_url)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("DEMO_ACCOUNTS", &accounts)
        .status()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let report = std::fs::read_to_string(&tap).unwrap_or_default();
    let _ = std::fs::remove_file(&tap);
    let counts = parse_tap(&report);
    if !node.success() && counts.failed == 0 {
        eprintln!("e2e: node exited with {node}");
    }
    drop(server);
    drop(database);
    Ok((counts, node.success()))
}

/// What node runs: every file of `e2e/tests/`, or with `E2E_FILTER=word` only the test files
/// whose name contains the word (while working on one screen).
fn test_files(repo: &Path) -> Result<Vec<String>> {
    let Some(filter) = std::env::var("E2E_FILTER").ok().filter(|f| !f.is_empty()) else {
        return Ok(vec!["e2e/tests/".to_owned()]);
    };
    let dir = repo.join("e2e/tests");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.mjs") && name.contains(&filter))
        .map(|name| format!("e2e/tests/{name}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("E2E_FILTER={filter} matches no file of e2e/tests"));
    }
    Ok(files)
}

/// The totals at the end of a TAP report (`# pass N`, `# fail N`, `# cancelled N`);
/// cancelled tests count as failed.
fn parse_tap(report: &str) -> Counts {
    let mut counts = Counts::default();
    for line in report.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("#") {
            continue;
        }
        let (Some(key), Some(value), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let Ok(value) = value.parse::<u32>() else {
            continue;
        };
        match key {
            "pass" => counts.passed = value,
            "fail" | "cancelled" => counts.failed += value,
            _ => {}
        }
    }
    counts
}

/// A database copied from the template; dropped (WITH (FORCE)) when this is dropped.
struct Database {
    name: String,
    admin_url: String,
    psql: PathBuf,
}

impl Database {
    fn create(args: &Args, name: &str) -> Result<Database> {
        let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{}\"", args.template);
        run_sql(&args.psql, &args.admin_url, &sql)?;
        Ok(Database {
            name: name.to_owned(),
            admin_url: args.admin_url.clone(),
            psql: args.psql.clone(),
        })
    }

    fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(error) = run_sql(&self.psql, &self.admin_url, &sql) {
            eprintln!("e2e: warning: {error}");
        }
    }
}

/// Runs one SQL command on `url` with `psql`, failing on the first error.
fn run_sql(psql: &Path, url: &str, sql: &str) -> Result {
    let status = Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", psql.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("psql failed ({status}) on: {sql}"))
    }
}

/// The running API server; stopped (SIGTERM, then SIGKILL after 10 s) when dropped.
struct Server {
    child: Child,
    base_url: String,
    /// Keeps reading the server's stdout so that it never blocks on a full pipe.
    drain: Option<JoinHandle<()>>,
}

impl Server {
    fn start(args: &Args, database_url: &str) -> Result<Server> {
        // The check-in QR encodes PUBLIC_URL, so the server must know its own address before
        // it starts: take a free port from the OS, release it, and hand it to the server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let mut child = Command::new(&args.api)
            .args(["serve", "--port", &port.to_string(), "--host", "127.0.0.1"])
            .env("DATABASE_URL", database_url)
            .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("DEMO_MODE", "1")
            .env("WEB_DIST", &args.web_dist)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", args.api.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, received) = mpsc::channel();
        let drain = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // The first line is awaited below; any later ones go to stderr.
                if lines.send(line.clone()).is_err() {
                    eprintln!("api: {line}");
                }
            }
        });
        let mut server = Server {
            child,
            base_url: String::new(),
            drain: Some(drain),
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(line) => match line.strip_prefix("listening on ") {
                    Some(url) => {
                        server.base_url = url.trim().trim_end_matches('/').to_owned();
                        return Ok(server);
                    }
                    None => eprintln!("api: {line}"),
                },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "the server did not print `listening on …` within {}s",
                        STARTUP_TIMEOUT.as_secs()
                    ));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("the server exited before listening".into());
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) {
            if Instant::now() > deadline {
                eprintln!("e2e: the server ignored SIGTERM; killing it");
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.wait();
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
    }
}

/// Waits until GET /healthz answers 200 (the database is reachable).
fn wait_until_healthy(base_url: &str) -> Result {
    let address = base_url
        .strip_prefix("http://")
        .ok_or_else(|| format!("unexpected server URL {base_url}"))?;
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut last = String::from("no answer");
    while Instant::now() < deadline {
        match http_status(address, "/healthz") {
            Ok(200) => return Ok(()),
            Ok(status) => last = format!("status {status}"),
            Err(error) => last = error,
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!(
        "GET /healthz did not answer 200 within {}s ({last})",
        STARTUP_TIMEOUT.as_secs()
    ))
}

/// The status code of `GET path` on `address` (host:port), over plain HTTP/1.0.
fn http_status(address: &str, path: &str) -> Result<u16> {
    let mut stream = TcpStream::connect(address).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| "not an HTTP response".to_owned())
}

/// `url` with its database name replaced by `database`
/// (`postgres://u@h/old?host=/run` → `postgres://u@h/new?host=/run`).
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

fn absolute(path: &str) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tap_totals() {
        let report = "# Subtest: a\nok 1 - a\n# tests 3\n# pass 2\n# fail 1\n# cancelled 1\n";
        let counts = parse_tap(report);
        assert_eq!((counts.passed, counts.failed), (2, 2));
    }

    #[test]
    fn swaps_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@/postgres?host=/x/pg-run", "scs_e2e_1"),
            "postgres://postgres@/scs_e2e_1?host=/x/pg-run"
        );
    }
}
