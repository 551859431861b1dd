//! `cargo xtask bench [--quick] [--fresh] [--seed N]`: the platform's figures beside the raw
//! limits of the machine, in one run.
//!
//! 1. builds the web app, the release API and the release load driver (this crate);
//! 2. makes the database `scs_bench` from a generated data set ([`data`]);
//! 3. starts the release API on it, on a free loopback port;
//! 4. measures each path ([`paths`]) with the load driver, a separate process ([`load`]), and
//!    its raw limit with pgbench ([`raw`]), and the web app's load times on a throttled phone in
//!    headless Chromium beside their limits ([`web_timing`]);
//! 5. prints the table and writes it, as Markdown and JSON, to `bench-results/`.
//!
//! Full mode gives the real figures; `--quick` (small data, a few seconds per path) keeps the
//! benchmark itself working in CI. The run fails when a built path cannot be measured, never
//! for a missed target.

mod data;
pub mod load;
mod nginx;
mod paths;
mod raw;
mod report;
pub mod web_timing;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::pg;
use crate::util::{self, Result, step};
use crate::{test, tools, web};

use load::{LoadResult, LoadSpec, Scenario};
use raw::Pgbench;
use report::{Outcome, Row};

pub const USAGE: &str = "bench [--quick] [--fresh] [--seed N] [--perf]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Quick,
    Full,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// The sizes and durations of a mode.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub seed: u64,
    pub students: u32,
    pub activities: u32,
    pub ledger_entries: u64,
    /// Activities open for check-in during the run, and those pgbench inserts into.
    pub live_activities: u32,
    pub raw_activities: u32,
    /// Students who sign in (the login row) and then send the other paths' requests; each
    /// checks in to every live activity at most once.
    pub signed_in: u32,
    /// Students in the transcript batch.
    pub batch_students: u32,
    /// Seconds measured per path, after the warm-up.
    pub seconds: f64,
    pub warmup_seconds: f64,
    pub login_seconds: f64,
    pub batch_seconds: f64,
    /// Concurrent connections of the load driver.
    pub connections: usize,
    pub login_connections: usize,
    pub pdf_connections: usize,
    /// pgbench clients for the raw limits.
    pub raw_clients: u32,
}

impl Config {
    pub fn new(mode: Mode, seed: u64) -> Config {
        let full = Config {
            mode,
            seed,
            students: 50_000,
            activities: 5_000,
            ledger_entries: 2_000_000,
            live_activities: 60,
            raw_activities: 64,
            signed_in: 1_000,
            batch_students: 3_000,
            seconds: 15.0,
            warmup_seconds: 2.0,
            login_seconds: 120.0,
            batch_seconds: 300.0,
            connections: 64,
            login_connections: 8,
            pdf_connections: 16,
            raw_clients: 8,
        };
        match mode {
            Mode::Full => full,
            Mode::Quick => Config {
                students: 2_000,
                activities: 200,
                ledger_entries: 50_000,
                live_activities: 40,
                raw_activities: 16,
                // Check-in's (student, activity) pairs: 400 × 40 outlast the warm-up now that
                // gathered scans go at several thousand a second (100 × 40 did not).
                signed_in: 400,
                batch_students: 100,
                seconds: 3.0,
                warmup_seconds: 0.5,
                login_seconds: 30.0,
                batch_seconds: 60.0,
                ..full
            },
        }
    }
}

struct Options {
    mode: Mode,
    fresh: bool,
    seed: u64,
    /// Record a CPU profile of the API during each path (`perf record`).
    perf: bool,
}

/// The default seed: the same data on every machine unless asked otherwise.
const DEFAULT_SEED: u64 = 20_261_128;

fn parse(args: &[&str]) -> Result<Options> {
    let mut options = Options {
        mode: Mode::Full,
        fresh: false,
        seed: DEFAULT_SEED,
        perf: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--quick" => options.mode = Mode::Quick,
            "--fresh" => options.fresh = true,
            "--perf" => options.perf = true,
            "--seed" => {
                let value = rest.next().ok_or("--seed needs a number")?;
                options.seed = value
                    .parse()
                    .map_err(|_| format!("invalid seed {value:?}"))?;
            }
            other => return Err(format!("unexpected argument {other:?}; usage: {USAGE}")),
        }
    }
    Ok(options)
}

/// What the paths need of the generated data.
pub struct Facts {
    pub students: u32,
    /// Account id of generated student 0; the generated students' ids are consecutive.
    pub first_student: i64,
    /// The usernames of the students who sign in (generated students 0…).
    pub signed_in: Vec<String>,
    pub live: Vec<i64>,
    /// The raw activities' ids are consecutive from here.
    pub first_raw: i64,
    pub raw_n: i64,
    pub colleges: Vec<i64>,
    pub categories: Vec<String>,
    /// The batch print: [college id, enrolment year, students].
    pub batch: Vec<i64>,
}

impl Facts {
    fn load(config: &Config, psql: &Path, url: &str) -> Result<Facts> {
        let rows = |sql: &str| pg::psql_rows(psql, url, sql);
        let numbers = |sql: &str| -> Result<Vec<i64>> {
            rows(sql)?
                .iter()
                .flat_map(|row| row.split('|'))
                .map(|n| n.parse().map_err(|_| format!("not a number: {n}")))
                .collect()
        };
        let span = numbers(
            "SELECT count(*), min(account_id), max(account_id), \
             bool_and(account_id - i = (SELECT min(account_id) FROM bench.students)) \
             ::int FROM bench.students",
        );
        let [students, first_student, _, consecutive] = span?[..] else {
            return Err("cannot read the generated students".into());
        };
        let raw = numbers(
            "SELECT count(*), coalesce(min(activity_id), 0), coalesce(max(activity_id), 0) \
             FROM bench.activities WHERE role = 'raw'",
        )?;
        let [raw_n, first_raw, last_raw] = raw[..] else {
            return Err("cannot read the generated activities".into());
        };
        if consecutive != 1 || last_raw - first_raw + 1 != raw_n {
            return Err("the generated ids are not consecutive: run again with --fresh".into());
        }
        Ok(Facts {
            students: students as u32,
            first_student,
            signed_in: rows(&format!(
                "SELECT username FROM bench.students WHERE i < {} ORDER BY i",
                config.signed_in
            ))?,
            live: numbers(
                "SELECT activity_id FROM bench.activities WHERE role = 'live' ORDER BY i",
            )?,
            first_raw,
            raw_n,
            colleges: numbers("SELECT id FROM organizations WHERE kind = 'college' ORDER BY id")?,
            categories: rows(
                "SELECT code FROM activity_categories WHERE active ORDER BY position",
            )?,
            // One college's intake, as a college prints its transcripts: the (college, year)
            // whose size is nearest the batch size, as [college id, year, students].
            batch: numbers(&format!(
                "SELECT a.organization_id, s.enrolment_year, count(*) FROM accounts a
                 JOIN students s ON s.account_id = a.id WHERE a.kind = 'student' AND a.active
                 GROUP BY 1, 2 ORDER BY abs(count(*) - {}), 1, 2 LIMIT 1",
                config.batch_students
            ))?,
        })
    }
}

/// What the units work with.
pub struct Ctx {
    pub config: Config,
    /// `127.0.0.1:PORT` of the API.
    pub address: String,
    pub api_pid: u32,
    /// The release API binary and the signing secret it runs with (a second process, for the
    /// two-process row, needs the same).
    pub api_bin: PathBuf,
    pub secret: String,
    pub db_url: String,
    pub psql: PathBuf,
    pgbench: std::result::Result<Pgbench, String>,
    /// The release build of this crate, which runs `bench-load`.
    driver: PathBuf,
    /// Specs, sessions and pgbench logs of this run (removed at the end: it holds tokens).
    pub work: PathBuf,
    pub web_dist: PathBuf,
    pub facts: Facts,
    /// The signed-in students, once the login path has run.
    pub sessions: Option<PathBuf>,
    /// The web timings, once the first web timing row has run them ([`web_timing`]).
    pub web_times: Option<std::result::Result<web_timing::WebTimes, String>>,
    /// The API's resident memory (MiB) after each unit, to see what raised the peak.
    pub rss_after: Vec<(&'static str, f64)>,
    /// Where `perf record` writes a profile of the API per path (`--perf`), if asked.
    perf: Option<PathBuf>,
}

impl Ctx {
    /// Whether `method path` is routed: anything but 404 `route_not_found` and 405.
    pub fn route_exists(&self, method: &str, path: &str) -> Result<bool> {
        let (status, body) =
            util::http(&self.address, method, path, None, Duration::from_secs(10))?;
        Ok(!(status == 405 || (status == 404 && body.contains("route_not_found"))))
    }

    /// Runs the load driver on one scenario.
    pub fn load(
        &self,
        label: &str,
        connections: usize,
        max_requests: u64,
        max_seconds: f64,
        warmup_seconds: f64,
        scenario: Scenario,
    ) -> Result<LoadResult> {
        let spec = LoadSpec {
            address: self.address.clone(),
            connections,
            max_requests,
            max_seconds,
            warmup_seconds,
            scenario,
        };
        let path = self.work.join(format!("{label}.json"));
        let text = serde_json::to_string(&spec).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        step(format!("measuring {label} ({connections} connections)"));
        let cpu_before = cpu_seconds(self.api_pid);
        let profile = match &self.perf {
            Some(dir) => Some(Profile::start(
                self.api_pid,
                &dir.join(format!("{label}.perf")),
            )?),
            None => None,
        };
        let out = util::output(Command::new(&self.driver).arg("bench-load").arg(&path));
        if let Some(profile) = profile {
            profile.stop()?;
        }
        let out = out?;
        let mut result: LoadResult = serde_json::from_str(out.trim())
            .map_err(|e| format!("the load driver printed no result ({e}): {out}"))?;
        if let (Some(before), Some(after)) = (cpu_before, cpu_seconds(self.api_pid))
            && result.sent > 0
        {
            result.api_cpu_ms_per_request = Some((after - before) * 1000.0 / result.sent as f64);
        }
        Ok(result)
    }

    pub fn sessions(&self) -> Result<PathBuf> {
        self.sessions
            .clone()
            .ok_or_else(|| "no signed-in students (the login path did not run)".to_owned())
    }

    pub fn pgbench(&self) -> std::result::Result<&Pgbench, String> {
        self.pgbench.as_ref().map_err(Clone::clone)
    }

    pub fn sql(&self, sql: &str) -> Result {
        pg::psql_exec(&self.psql, &self.db_url, sql)
    }

    pub fn table_exists(&self, table: &str) -> Result<bool> {
        data::table_exists(&self.psql, &self.db_url, table)
    }
}

/// `perf record` of a process, from [`Profile::start`] until [`Profile::stop`].
struct Profile(std::process::Child);

impl Profile {
    fn start(pid: u32, out: &Path) -> Result<Profile> {
        let child = Command::new("perf")
            .args([
                "record",
                "--quiet",
                "-F",
                "999",
                "-g",
                "-p",
                &pid.to_string(),
                "-o",
            ])
            .arg(out)
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run perf (apt-get install linux-perf): {e}"))?;
        // perf attaches in a moment; what it misses of the warm-up does not matter.
        std::thread::sleep(std::time::Duration::from_millis(200));
        Ok(Profile(child))
    }

    fn stop(mut self) -> Result {
        // SIGINT makes perf write its file and exit.
        let pid = self.0.id().to_string();
        util::run(Command::new("kill").args(["-INT", &pid]))?;
        self.0
            .wait()
            .map_err(|e| format!("perf did not finish: {e}"))?;
        Ok(())
    }
}

/// Runs the benchmark.
pub fn run(args: &[&str]) -> Result<ExitCode> {
    let options = parse(args)?;
    util::catch_ctrl_c();
    let config = Config::new(options.mode, options.seed);
    let started = Instant::now();
    let stamp = utc_stamp(SystemTime::now());

    tools::ensure_wasm_target()?;
    tools::ensure_cjk_font()?;
    tools::ensure_chromium()?;
    tools::ensure_e2e_npm_packages()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen()?;
    web::build(true, &wasm_bindgen)?;
    util::stop_if_interrupted()?;
    // Two builds, not one: built together, their dependencies' features would unify and the
    // API would differ from (and rebuild) the one `cargo xtask test` and `demo` build.
    step("building the API server (release)");
    util::run(util::cargo().args(["build", "--release", "-p", "api"]))?;
    step("building the load driver (release)");
    util::run(util::cargo().args(["build", "--release", "-p", "xtask"]))?;
    util::stop_if_interrupted()?;

    let (admin_url, psql, started_cluster) = test::admin_database()?;
    let outcome = measure(&config, &options, &stamp, &admin_url, &psql);
    if let Some(cluster) = started_cluster
        && let Err(error) = cluster.stop()
    {
        step(format!("warning: {error}"));
    }
    let (rows, header, load_average) = outcome?;

    let results = util::repo_root().join("bench-results");
    let name = format!("{stamp}-{}", config.mode.name());
    let mut notes = notes(&config);
    notes.push(format!(
        "Load average (1, 5, 15 min) as measuring began: {load_average}; work of others on \
         the machine lowers the platform and raw figures alike."
    ));
    notes.push(format!(
        "Whole run: {:.0} s, builds and data set included.",
        started.elapsed().as_secs_f64()
    ));
    let markdown = report::markdown(&header, &rows, &notes);
    let document = json!({
        "mode": config.mode.name(),
        "started": stamp,
        "seed": config.seed,
        "heading": header,
        "config": {
            "students": config.students,
            "activities": config.activities,
            "ledger_entries": config.ledger_entries,
            "live_activities": config.live_activities,
            "signed_in": config.signed_in,
            "seconds_per_path": config.seconds,
            "connections": config.connections,
            "raw_clients": config.raw_clients,
        },
        "rows": report::json_rows(&rows),
        "run_seconds": started.elapsed().as_secs_f64(),
    });
    std::fs::create_dir_all(&results)
        .map_err(|e| format!("cannot create {}: {e}", results.display()))?;
    let write = |ext: &str, text: String| {
        let path = results.join(format!("{name}.{ext}"));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("md", markdown.clone())?;
    write(
        "json",
        serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?,
    )?;
    println!("\n{markdown}");
    println!("Saved as bench-results/{name}.md and .json");
    let failed = rows
        .iter()
        .any(|row| matches!(row.outcome, Outcome::Failed(_)));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn notes(config: &Config) -> Vec<String> {
    let mut notes = vec![
        format!(
            "Platform: the release API (database pool: {}) driven over \
             loopback by `xtask bench-load`, a separate single-threaded process, {} keep-alive \
             connections per path ({} for sign-in, {} for PDFs), {} s per path after {} s of \
             warm-up; latency from sending to the last byte of the answer.",
            // The API reads DB_POOL_SIZE from the environment it inherits.
            std::env::var("DB_POOL_SIZE")
                .ok()
                .filter(|size| !size.is_empty())
                .unwrap_or_else(|| "8 (the default)".into()),
            config.connections,
            config.login_connections,
            config.pdf_connections,
            config.seconds,
            config.warmup_seconds
        ),
        format!(
            "Raw limit: the handler's SQL run straight at PostgreSQL by pgbench with {} clients \
             on 2 threads (`-M prepared -c {} -j 2 -T {}`): on 2 cores, enough clients to keep \
             both busy and let commits group, without the queueing that 64 would add.",
            config.raw_clients,
            config.raw_clients,
            config.seconds.ceil()
        ),
        "API, PostgreSQL, the driver and pgbench share the machine, as they would on a 2-core \
         server."
            .to_owned(),
    ];
    if config.mode == Mode::Quick {
        notes.insert(
            0,
            "Quick mode: small data and a few seconds per path, to keep the benchmark working; \
             the targets apply to full mode."
                .to_owned(),
        );
    }
    notes
}

/// Prepares the database, starts the API, measures every unit; the rows in table order, the
/// table's heading, and the load average as measuring began.
fn measure(
    config: &Config,
    options: &Options,
    stamp: &str,
    admin_url: &str,
    psql: &Path,
) -> Result<(Vec<Row>, String, String)> {
    let api = util::api_binary();
    data::prepare(config, admin_url, psql, &api, options.fresh)?;
    util::stop_if_interrupted()?;
    let db_url = util::with_database(admin_url, data::BENCH_DATABASE);
    let facts = Facts::load(config, psql, &db_url)?;
    let heading = heading(config, stamp, psql, &db_url)?;

    let results = util::repo_root().join("bench-results");
    let work = results.join(format!(".work-{stamp}"));
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let log = results.join(format!("{stamp}-{}-api.log", config.mode.name()));
    let secret = random_secret()?;
    let server = ApiServer::start(&api, &db_url, &log, &secret)?;
    step(format!(
        "API on {} (pid {}, log in {})",
        server.address,
        server.child.id(),
        log.display()
    ));
    let pgbench = raw::find_pgbench().map(|bin| Pgbench {
        bin,
        url: db_url.clone(),
        work: work.clone(),
        clients: config.raw_clients,
        seconds: config.seconds,
    });
    let mut ctx = Ctx {
        config: config.clone(),
        address: server.address.clone(),
        api_pid: server.child.id(),
        api_bin: api.clone(),
        secret,
        db_url,
        psql: psql.to_owned(),
        pgbench,
        driver: util::target_dir().join("release/xtask"),
        work: work.clone(),
        web_dist: util::web_dist(),
        facts,
        sessions: None,
        web_times: None,
        rss_after: Vec::new(),
        perf: options.perf.then(|| results.join(format!("{stamp}-perf"))),
    };
    if let Some(dir) = &ctx.perf {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        step(format!(
            "profiles of the API per path go to {} (`perf report -i <path>.perf`)",
            dir.display()
        ));
    }
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|_| "unknown".into());
    let mut rows = Vec::new();
    for unit in paths::all() {
        if util::interrupted() {
            break;
        }
        let outcome = unit.measure(&mut ctx).unwrap_or_else(Outcome::Failed);
        if let Outcome::Failed(error) = &outcome {
            step(format!("{} failed: {error}", unit.key()));
        }
        if let Some(rss) = memory_mib(ctx.api_pid, "VmRSS:") {
            ctx.rss_after.push((unit.key(), rss));
        }
        rows.push(Row {
            key: unit.key(),
            title: unit.title(),
            target: unit.target(),
            outcome,
        });
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&work);
    // The API's log is for finding out why a path failed.
    if !rows
        .iter()
        .any(|row| matches!(row.outcome, Outcome::Failed(_)))
    {
        let _ = std::fs::remove_file(&log);
    }
    util::stop_if_interrupted()?;
    rows.sort_by_key(|row| {
        paths::TABLE_ORDER
            .iter()
            .position(|key| *key == row.key)
            .unwrap_or(usize::MAX)
    });
    Ok((rows, heading, load_average))
}

/// `cargo xtask bench --quick · 2026-11-28 17:01 UTC · seed … · data …`.
fn heading(config: &Config, stamp: &str, psql: &Path, url: &str) -> Result<String> {
    let facts = pg::psql_rows(
        psql,
        url,
        "SELECT current_setting('server_version') || ' | ' || \
                (SELECT count(*) FROM bench.students) || ' | ' || \
                (SELECT count(*) FROM bench.activities) || ' | ' || \
                (SELECT count(*) FROM registrations) || ' | ' || \
                (SELECT count(*) FROM attendance) || ' | ' || \
                coalesce((SELECT reltuples::bigint FROM pg_class \
                          WHERE oid = to_regclass('public.ledger_entries')), -1)",
    )?;
    let parts: Vec<&str> = facts.first().map_or(vec![], |f| f.split(" | ").collect());
    let part = |i: usize| {
        parts
            .get(i)
            .and_then(|n| n.parse::<f64>().ok())
            .map_or("?".to_owned(), report::thousands)
    };
    let ledger = match parts.get(5) {
        Some(&"-1") | None => "no ledger yet".to_owned(),
        Some(_) => format!("{} ledger entries", part(5)),
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mode = match config.mode {
        Mode::Quick => " --quick",
        Mode::Full => "",
    };
    Ok(format!(
        "cargo xtask bench{mode} · {stamp} · {cores} cores · PostgreSQL {} · seed {} · {} students, \
         {} activities, {} registrations, {} check-ins, {ledger}",
        parts.first().copied().unwrap_or("?"),
        config.seed,
        part(1),
        part(2),
        part(3),
        part(4),
    ))
}

/// The release API serving the bench database; stopped (SIGTERM, then killed) when dropped.
pub struct ApiServer {
    child: Child,
    pub address: String,
}

impl ApiServer {
    /// Starts `api serve` on a free port, signing with `secret`, trusting a proxy on loopback.
    pub fn start(api: &Path, database_url: &str, log: &Path, secret: &str) -> Result<ApiServer> {
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(api)
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .env("DATABASE_URL", database_url)
            .env("JWT_SECRET", secret)
            .env("TRUSTED_PROXIES", "127.0.0.1")
            .env("WEB_DIST", util::web_dist())
            // As in production: one JSON line per request.
            .env("LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", api.display()))?;
        // `api serve` prints `listening on http://HOST:PORT` once bound.
        let stdout = child.stdout.take().expect("piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if let Some(url) = line.strip_prefix("listening on http://") {
                    let _ = sender.send(url.trim().to_owned());
                }
            }
        });
        let mut server = ApiServer {
            child,
            address: String::new(),
        };
        server.address = receiver
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| format!("the API did not start; see {}", log.display()))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if matches!(
                util::http(
                    &server.address,
                    "GET",
                    "/healthz",
                    None,
                    Duration::from_secs(10)
                ),
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
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User and system CPU time of a process so far, in seconds (Linux's 100 ticks a second).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<f64>().ok();
    Some((ticks(14)? + ticks(15)?) / 100.0)
}

/// A memory figure of `/proc/<pid>/status` (`VmRSS:`, `VmHWM:`) in MiB.
pub fn memory_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib as f64 / 1024.0)
}

/// A 256-bit signing secret for this run, hex-encoded.
fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A file of the built web app and its sizes as sent.
pub struct Asset {
    /// The path relative to the web app's folder, `/`-separated (`pkg/web_bg.wasm`).
    pub path: String,
    pub bytes: u64,
    /// gzip -9: what a browser that does not accept brotli gets (the server gzips on the fly).
    pub gzip: u64,
    /// The `.br` copy the server sends to browsers that accept brotli; 0 when there is none.
    pub brotli: u64,
}

/// The scripts, WASM modules and style sheets under `dir` (the built web app), sorted by path.
pub fn web_assets(dir: &Path) -> Result<Vec<Asset>> {
    let mut assets = Vec::new();
    collect_assets(dir, "", &mut assets)?;
    assets.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(assets)
}

fn collect_assets(dir: &Path, prefix: &str, assets: &mut Vec<Asset>) -> Result {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            collect_assets(&path, &format!("{prefix}{name}/"), assets)?;
            continue;
        }
        if !path
            .extension()
            .is_some_and(|ext| ext == "wasm" || ext == "js" || ext == "css")
        {
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&bytes).map_err(|e| e.to_string())?;
        let gzip = encoder.finish().map_err(|e| e.to_string())?;
        let brotli = std::fs::metadata(dir.join(format!("{name}.br"))).map_or(0, |m| m.len());
        assets.push(Asset {
            path: format!("{prefix}{name}"),
            bytes: bytes.len() as u64,
            gzip: gzip.len() as u64,
            brotli,
        });
    }
    Ok(())
}

/// `20261128T170107Z` for a moment (UTC; days to civil date after Howard Hinnant).
fn utc_stamp(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_civil_times() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        let at = UNIX_EPOCH + Duration::from_secs(1_795_885_267);
        assert_eq!(utc_stamp(at), "20261128T170107Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc_stamp(leap), "20000229T000000Z");
    }

    #[test]
    fn options_parse() {
        let options = parse(&["--quick", "--seed", "7"]).unwrap();
        assert_eq!(
            (options.mode, options.seed, options.fresh),
            (Mode::Quick, 7, false)
        );
        assert!(parse(&["--seed"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
