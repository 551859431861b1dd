//! `cargo xtask test`'s API fuzzing (also alone: `cargo xtask fuzz [--api <binary>]`):
//! schemathesis against the API serving a fresh demo database, as three callers in turn —
//! anonymous, a student and an organisation admin — with every check (`--checks all`). A
//! server error, a status code or content type the OpenAPI document does not list, a response
//! that breaks its schema, a schema-valid request refused or an invalid one accepted fails the
//! run.
//!
//! schemathesis and everything it depends on are pinned in
//! `xtask/schemathesis-requirements.txt` and installed into a virtualenv of their own,
//! `~/.cache/second-classroom/schemathesis-<version>/` (made once; later runs use it as it is,
//! offline). Each run is bounded in test cases per operation ([`MAX_EXAMPLES`]) and in time
//! ([`SECONDS_PER_RUN`]), so the three take about 2½ minutes. schemathesis prints its own
//! report; each run's JUnit report is written to `<target>/schemathesis/<caller>.xml` and the
//! server's log to `<target>/schemathesis/api.log`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::pg;
use crate::util::{self, Result, step};

/// The pinned packages: `name==version` lines (and comments).
const REQUIREMENTS: &str = include_str!("../schemathesis-requirements.txt");

/// The oldest Python the pinned schemathesis runs on.
const MIN_PYTHON: (u32, u32) = (3, 11);

/// Test cases per operation in each pass of a phase (`--max-examples`).
const MAX_EXAMPLES: u32 = 25;

/// Seconds each caller's run takes (`--max-time`). Given a budget, schemathesis runs its examples
/// and coverage phases once, then repeats its fuzzing and stateful phases until the budget is
/// spent: every run takes this long, however many operations pass.
const SECONDS_PER_RUN: u64 = 50;

/// How long a run may go on past its budget (finishing the case under way, writing its report)
/// before it is interrupted.
/// How long a sign-in or health request may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

const GRACE: Duration = Duration::from_secs(60);

/// Operations left out: they end the session whose token the run uses, or change its password.
/// (`/api/auth/refresh` stays: it takes a refresh token in its body, which no run has.)
const EXCLUDED_PATHS: [&str; 3] = [
    "/api/auth/logout",
    "/api/auth/logout-all",
    "/api/me/password",
];

/// Who schemathesis acts as.
struct Caller {
    /// For messages and the report's file name.
    name: &'static str,
    /// The demo account signed in as (its password comes from `api seed-demo`); `None`: no token.
    account: Option<&'static str>,
}

/// In this order: the admin, who may change the others' accounts, comes last.
const CALLERS: [Caller; 3] = [
    Caller {
        name: "anonymous",
        account: None,
    },
    Caller {
        name: "student",
        account: Some("2023010101"),
    },
    Caller {
        name: "org-admin",
        account: Some("cs_admin"),
    },
];

/// Returns the `schemathesis` program of the pinned virtualenv, creating the virtualenv (and
/// installing the pinned packages with pip) unless it is there already.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let version = pinned_version()?;
    let venv = cache_dir().join(format!("schemathesis-{version}"));
    let program = venv.join("bin/schemathesis");
    // Written last, once everything installed: a half-made virtualenv is made again.
    let stamp = venv.join("xtask-requirements.txt");
    let installed = std::fs::read_to_string(&stamp).is_ok_and(|text| text == REQUIREMENTS);
    if installed && program.is_file() {
        return Ok(program);
    }

    let python = python3()?;
    step(format!(
        "installing schemathesis {version} into {} (pip, pinned by xtask/schemathesis-requirements.txt)",
        venv.display()
    ));
    util::run(
        Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )?;
    let requirements = venv.join("requirements.txt");
    std::fs::write(&requirements, REQUIREMENTS)
        .map_err(|e| format!("cannot write {}: {e}", requirements.display()))?;
    util::run(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
    )?;
    let reported = util::output(Command::new(&program).arg("--version"))?;
    if !reported.split_whitespace().any(|word| word == version) {
        return Err(format!(
            "{} reports {:?} after installing {version}",
            program.display(),
            reported.trim()
        ));
    }
    std::fs::write(&stamp, REQUIREMENTS)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(program)
}

/// `cargo xtask fuzz`: only the schemathesis runs, against `api` (an `api` binary already
/// built, say the quicker debug one, which also panics on integer overflow) or else the release
/// API, built first.
pub fn task(api: Option<&Path>) -> Result<ExitCode> {
    util::catch_ctrl_c();
    let schemathesis = ensure_schemathesis()?;
    let api = match api {
        Some(api) => util::absolute(api),
        None => {
            step("building the API server (release)");
            util::run(util::cargo().args(["build", "--release", "-p", "api"]))?;
            util::api_binary()
        }
    };
    let (admin_url, psql, started_cluster) = crate::test::admin_database()?;
    let outcome = run(&schemathesis, &api, &admin_url, &psql);
    if let Some(cluster) = started_cluster
        && let Err(error) = cluster.stop()
    {
        step(format!("warning: {error}"));
    }
    Ok(if outcome? {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs schemathesis as each caller against `api` serving a fresh database (created through
/// `admin_url`) loaded with the demo university, then drops that database. Prints
/// `schemathesis: N operations, N failures` last; true when every run passed.
pub fn run(schemathesis: &Path, api: &Path, admin_url: &str, psql: &Path) -> Result<bool> {
    // Afresh each time: schemathesis keeps a cache of the failures it saw there, which would
    // only grow.
    let dir = util::target_dir().join("schemathesis");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let database = format!("scs_fuzz_{}", std::process::id());
    pg::psql_exec(psql, admin_url, &format!("CREATE DATABASE \"{database}\""))?;
    let outcome = run_callers(
        schemathesis,
        api,
        &util::with_database(admin_url, &database),
        &dir,
    );
    let dropped = pg::psql_exec(
        psql,
        admin_url,
        &format!("DROP DATABASE \"{database}\" WITH (FORCE)"),
    );
    let tally = outcome?;
    dropped?;

    let mut line = format!(
        "schemathesis: {} operations, {} failures",
        tally.operations, tally.failures
    );
    if tally.errors > 0 {
        line.push_str(&format!(", {} errors", tally.errors));
    }
    println!("{line}");
    Ok(tally.passed)
}

/// What the runs found, added up.
#[derive(Default)]
struct Tally {
    /// Operations tested (the most any run selected).
    operations: u32,
    /// schemathesis's unique failures, over all runs.
    failures: u32,
    /// schemathesis's errors, runs that did not finish, and panics in the server's log.
    errors: u32,
    passed: bool,
}

fn run_callers(schemathesis: &Path, api: &Path, database_url: &str, dir: &Path) -> Result<Tally> {
    // `seed-demo` migrates the empty database first.
    step("schemathesis: loading the demo university (with its history) into a fresh database");
    let accounts = util::output(
        Command::new(api)
            .args(["seed-demo", "--history"])
            .env("DATABASE_URL", database_url),
    )?;
    let log = dir.join("api.log");
    let server = Server::start(api, database_url, &log)?;

    // Every token first: the runs' tries at /api/auth/login may lock this client out of
    // signing in (30 failures in 15 minutes); a token lives 15 minutes, longer than all the
    // runs together.
    let mut tokens = Vec::new();
    for caller in &CALLERS {
        tokens.push(match caller.account {
            Some(username) => Some(server.sign_in(username, &password_of(&accounts, username)?)?),
            None => None,
        });
    }

    let mut tally = Tally {
        passed: true,
        ..Tally::default()
    };
    for (caller, token) in CALLERS.iter().zip(&tokens) {
        util::stop_if_interrupted()?;
        let run = run_one(
            schemathesis,
            &server.base_url,
            caller,
            token.as_deref(),
            dir,
        )?;
        tally.operations = tally.operations.max(run.operations.unwrap_or(0));
        tally.failures += run.failures;
        tally.errors += run.errors;
        tally.passed &= run.status.success();
    }
    drop(server);

    let panics = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("panicked at")
        .count();
    if panics > 0 {
        step(format!(
            "schemathesis: the API panicked {panics} times; see {}",
            log.display()
        ));
        tally.errors += u32::try_from(panics).unwrap_or(u32::MAX);
        tally.passed = false;
    }
    Ok(tally)
}

/// One run as read from schemathesis's output, with its exit status.
struct Run {
    status: ExitStatus,
    operations: Option<u32>,
    failures: u32,
    errors: u32,
}

/// The seed of every run: `SCS_FUZZ_SEED`, else a fixed one.
fn seed() -> String {
    std::env::var("SCS_FUZZ_SEED").unwrap_or_else(|_| "20261203".to_owned())
}

/// Runs schemathesis as `caller` (with `token`, if any), its output passed through as it comes.
fn run_one(
    schemathesis: &Path,
    base_url: &str,
    caller: &Caller,
    token: Option<&str>,
    dir: &Path,
) -> Result<Run> {
    let junit = dir.join(format!("{}.xml", caller.name));
    let mut command = Command::new(schemathesis);
    command
        // NUL characters not generated; domain-rule 422s accepted for valid input (see there).
        .arg("--config-file")
        .arg(util::repo_root().join("xtask/schemathesis.toml"))
        .arg("run")
        .arg(format!("{base_url}/api/openapi.json"))
        .args(["--url", base_url])
        .args(["--checks", "all"])
        .args(["--max-examples", &MAX_EXAMPLES.to_string()])
        .args(["--max-time", &SECONDS_PER_RUN.to_string()])
        // One worker: the API shares the two cores, and Python 3.11 before 3.11.8 can fail
        // schemathesis's threads with "AST constructor recursion depth mismatch".
        .args(["--workers", "1"])
        .args(["--request-timeout", "10"])
        // No `.hypothesis/` folder: each run starts afresh.
        .args(["--generation-database", "none"])
        // The same cases every run, so that CI is repeatable; `SCS_FUZZ_SEED` explores others.
        .args(["--seed", &seed()])
        .arg("--no-color")
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit);
    for path in EXCLUDED_PATHS {
        command.args(["--exclude-path", path]);
    }
    if let Some(token) = token {
        command
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"));
    }
    command
        .current_dir(dir)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());

    let who = match caller.account {
        Some(account) => format!("{} ({account})", caller.name),
        None => caller.name.to_owned(),
    };
    step(format!(
        "schemathesis as {who}: {SECONDS_PER_RUN} s, at most {MAX_EXAMPLES} cases per operation and pass"
    ));
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", schemathesis.display()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut summary = Summary::default();
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            println!("{line}");
            summary.read(&line);
        }
        summary
    });
    let status = wait_bounded(&mut child, Duration::from_secs(SECONDS_PER_RUN) + GRACE)?;
    let summary = reader
        .join()
        .map_err(|_| "the reader of schemathesis's output panicked".to_owned())?;

    let mut run = Run {
        status,
        operations: summary.operations,
        failures: summary.failures,
        errors: summary.errors,
    };
    if !status.success() && run.failures == 0 && run.errors == 0 {
        // It stopped before its final line (a crash, a bad argument, Ctrl-C).
        run.errors = 1;
    }
    step(format!(
        "schemathesis as {who}: {} failures, {} errors in {:.0} s ({status}); JUnit report {}",
        run.failures,
        run.errors,
        started.elapsed().as_secs_f64(),
        junit.display()
    ));
    Ok(run)
}

/// What schemathesis's output says of a run.
#[derive(Default, Debug, PartialEq)]
struct Summary {
    /// `Operations:  91 selected / 94 total` → 91.
    operations: Option<u32>,
    /// From the last `=== 123 failures, 1 error, 3 warnings in 90.01s ===` line.
    failures: u32,
    errors: u32,
}

impl Summary {
    fn read(&mut self, line: &str) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Operations:") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            self.operations = words
                .windows(2)
                .find(|pair| pair[1] == "selected")
                .and_then(|pair| pair[0].parse().ok());
        } else if line.len() > 2 && line.starts_with('=') && line.ends_with('=') {
            // Section rules (`=== FAILURES ===`) come first; the final line is the last rule.
            let text = line.trim_matches('=');
            self.failures = count_of(text, "failure");
            self.errors = count_of(text, "error");
        }
    }
}

/// The number before `word` or its plural in `text` (`"3 failures, 1 error"`, `"error"` → 1).
fn count_of(text: &str, word: &str) -> u32 {
    let words: Vec<&str> = text.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    words
        .windows(2)
        .find(|pair| pair[1] == word || pair[1].strip_suffix('s') == Some(word))
        .and_then(|pair| pair[0].parse().ok())
        .unwrap_or(0)
}

/// Waits for `child`; past `limit` it is interrupted (SIGINT, so that it still writes its
/// report), and killed 30 s later.
fn wait_bounded(child: &mut Child, limit: Duration) -> Result<ExitStatus> {
    let started = Instant::now();
    let mut interrupted = false;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        let elapsed = started.elapsed();
        if !interrupted && elapsed > limit {
            step(format!(
                "schemathesis is still running after {} s; interrupting it",
                limit.as_secs()
            ));
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            interrupted = true;
        }
        if elapsed > limit + Duration::from_secs(30) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The API serving the fuzzed database, its log in a file; stopped (SIGTERM, then killed) when
/// dropped.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    address: String,
    /// `http://127.0.0.1:PORT`.
    base_url: String,
}

impl Server {
    fn start(api: &Path, database_url: &str, log: &Path) -> Result<Server> {
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(api)
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .env("DATABASE_URL", database_url)
            .env("DEMO_MODE", "1")
            .env("WEB_DIST", util::web_dist())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", api.display()))?;
        // `api serve` prints `listening on http://HOST:PORT` once bound; the rest of its
        // stdout is drained so that it never blocks on a full pipe.
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if let Some(address) = line.strip_prefix("listening on http://") {
                    let _ = sender.send(address.trim().trim_end_matches('/').to_owned());
                }
            }
        });
        let mut server = Server {
            child,
            address: String::new(),
            base_url: String::new(),
        };
        server.address = receiver
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| format!("the API did not start; see {}", log.display()))?;
        server.base_url = format!("http://{}", server.address);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if matches!(
                util::http(&server.address, "GET", "/healthz", None, HTTP_TIMEOUT),
                Ok((200, _))
            ) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!("the API is not healthy; see {}", log.display()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Signs in and returns the access token.
    fn sign_in(&self, username: &str, password: &str) -> Result<String> {
        let request = serde_json::json!({"username": username, "password": password}).to_string();
        let (status, body) = util::http(
            &self.address,
            "POST",
            "/api/auth/login",
            Some(&request),
            HTTP_TIMEOUT,
        )?;
        // The JSON object, whatever framing surrounds it.
        let json = match (body.find('{'), body.rfind('}')) {
            (Some(start), Some(end)) if start < end => &body[start..=end],
            _ => "",
        };
        let token = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|value| value["access_token"].as_str().map(str::to_owned));
        match (status, token) {
            (200, Some(token)) => Ok(token),
            _ => Err(format!(
                "cannot sign in as {username}: HTTP {status} {}",
                body.trim()
            )),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The password `api seed-demo` printed for `username` (`role<TAB>username<TAB>password` lines).
fn password_of(accounts: &str, username: &str) -> Result<String> {
    accounts
        .lines()
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .find(|fields| fields.get(1) == Some(&username))
        .and_then(|fields| fields.get(2).map(|p| (*p).to_owned()))
        .ok_or_else(|| format!("`api seed-demo` printed no account {username}"))
}

/// The X of the `schemathesis==X` line of the requirements.
fn pinned_version() -> Result<&'static str> {
    REQUIREMENTS
        .lines()
        .find_map(|line| line.trim().strip_prefix("schemathesis=="))
        .map(str::trim)
        .ok_or_else(|| "xtask/schemathesis-requirements.txt has no `schemathesis==X` line".into())
}

/// `~/.cache/second-classroom`, beside the default build cache.
fn cache_dir() -> PathBuf {
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".cache/second-classroom")
}

/// A `python3` that can make virtualenvs: the one on PATH, with the venv module (Debian ships
/// it apart, in python3-venv, installed with apt when root).
fn python3() -> Result<PathBuf> {
    if util::find_on_path("python3").is_none() {
        crate::tools::apt_install(
            "python3 is not installed",
            "Python",
            &["python3", "python3-venv"],
        )?;
    }
    let python = util::find_on_path("python3")
        .ok_or_else(|| "python3 was installed but is still missing from PATH".to_owned())?;
    let version = util::output(
        Command::new(&python).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
    )?;
    let parsed: Vec<u32> = version
        .trim()
        .split('.')
        .filter_map(|part| part.parse().ok())
        .collect();
    if parsed.len() != 2 || (parsed[0], parsed[1]) < MIN_PYTHON {
        return Err(format!(
            "{} is Python {}; schemathesis needs {}.{} or newer",
            python.display(),
            version.trim(),
            MIN_PYTHON.0,
            MIN_PYTHON.1
        ));
    }
    let has_venv = util::quiet_status(Command::new(&python).args(["-c", "import ensurepip, venv"]))
        .is_some_and(|s| s.success());
    if !has_venv {
        crate::tools::apt_install(
            &format!("{} cannot make virtualenvs", python.display()),
            "Python's venv module",
            &["python3-venv"],
        )?;
    }
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requirements_pin_schemathesis() {
        let version = pinned_version().unwrap();
        assert!(version.split('.').all(|part| part.parse::<u32>().is_ok()));
        for line in REQUIREMENTS.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.contains("=="), "not pinned: {line}");
        }
    }

    #[test]
    fn reads_the_counts_of_a_run() {
        let mut summary = Summary::default();
        for line in [
            "     Operations:       91 selected / 94 total",
            "==================================== ERRORS ====================================",
            "================= 123 failures, 1 error, 3 warnings in 90.01s ==================",
        ] {
            summary.read(line);
        }
        assert_eq!(
            summary,
            Summary {
                operations: Some(91),
                failures: 123,
                errors: 1
            }
        );
        summary.read("=================== No issues found in 50.00s ===================");
        assert_eq!((summary.failures, summary.errors), (0, 0));
    }

    #[test]
    fn finds_a_demo_password() {
        let accounts = "school_admin\tadmin\tDemo@2026\nstudent\t2023010101\tpw2\n";
        assert_eq!(password_of(accounts, "2023010101").unwrap(), "pw2");
        assert!(password_of(accounts, "nobody").is_err());
    }
}
