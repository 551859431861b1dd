//! The web app as a phone on slow 4G sees it: first paint, the sign-in form usable, and a
//! student's points page, each a cold load in headless Chromium driven by
//! `e2e/bench/web-timing.mjs` (playwright-core, throttled through the DevTools protocol).
//! One run of the script gives all three rows; the first row to be measured runs it.
//!
//! `cargo xtask bench-web <base URL> <student>` runs only this measurement against a server
//! that is already up (the student signs in with the generated data's password).

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::Ctx;
use super::paths::Unit;
use super::report::{Measured, Outcome, ms};
use crate::util::{self, Result, step};

/// Cold loads per figure; the row shows their median.
const RUNS: u32 = 3;

/// The script's own bound on the whole run, and ours on the script (a hung browser).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);
const KILL_AFTER: Duration = Duration::from_secs(270);

/// What the script prints: per figure, the milliseconds from navigation start of each load.
#[derive(Debug, Clone, Deserialize)]
pub struct WebTimes {
    first_paint_ms: Vec<f64>,
    sign_in_ms: Vec<f64>,
    points_ms: Vec<f64>,
}

/// One of the three rows.
#[derive(Clone, Copy)]
pub enum Figure {
    FirstPaint,
    SignIn,
    Points,
}

impl Figure {
    /// The limit in seconds (slow 4G, 4× CPU slowdown, cold cache).
    fn limit(self) -> f64 {
        match self {
            Figure::FirstPaint => 0.5,
            Figure::SignIn | Figure::Points => 2.5,
        }
    }

    fn samples(self, times: &WebTimes) -> &[f64] {
        match self {
            Figure::FirstPaint => &times.first_paint_ms,
            Figure::SignIn => &times.sign_in_ms,
            Figure::Points => &times.points_ms,
        }
    }
}

impl Unit for Figure {
    fn key(&self) -> &'static str {
        match self {
            Figure::FirstPaint => "web_first_paint",
            Figure::SignIn => "web_sign_in",
            Figure::Points => "web_points",
        }
    }
    fn title(&self) -> &'static str {
        match self {
            Figure::FirstPaint => "web first paint (slow 4G, 4× CPU, cold, 390×844)",
            Figure::SignIn => "web sign-in form usable (slow 4G, 4× CPU, cold)",
            Figure::Points => "web student's points page loaded (slow 4G, 4× CPU, cold)",
        }
    }
    fn target(&self) -> &'static str {
        match self {
            Figure::FirstPaint => "≤ 0.5 s",
            Figure::SignIn | Figure::Points => "≤ 2.5 s",
        }
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if ctx.web_times.is_none() {
            let student = ctx
                .facts
                .signed_in
                .first()
                .ok_or("no generated student to sign in as")?
                .clone();
            let base_url = format!("http://{}", ctx.address);
            ctx.web_times = Some(run_script(&base_url, &student, super::data::PASSWORD));
        }
        let times = ctx.web_times.clone().expect("measured above")?;
        let samples = self.samples(&times);
        let median = median(samples).ok_or("the web measurement gave no figure")?;
        let limit_ms = self.limit() * 1000.0;
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "{} (median of {}: {})",
                ms(median),
                samples.len(),
                samples
                    .iter()
                    .map(|v| ms(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            raw: format!("limit {}", ms(limit_ms)),
            ratio: format!("{:.2}", median / limit_ms),
            checks: vec![(self.target().to_owned(), median <= limit_ms)],
            figures: json!({
                "median_ms": median,
                "samples_ms": samples,
                "limit_ms": limit_ms,
                "network": "latency 150 ms, 1.6 Mbit/s down, 750 kbit/s up",
                "cpu_slowdown": 4,
                "viewport": "390x844",
            }),
        }))
    }
}

fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

/// Runs `e2e/bench/web-timing.mjs` against `base_url`, bounded by [`KILL_AFTER`].
fn run_script(base_url: &str, student: &str, password: &str) -> Result<WebTimes> {
    let repo = util::repo_root();
    let script = repo.join("e2e/bench/web-timing.mjs");
    step(format!(
        "measuring the web app on slow 4G ({RUNS} cold loads per figure)"
    ));
    let out = std::env::temp_dir().join(format!("scs-web-timing-{}.json", std::process::id()));
    let file =
        std::fs::File::create(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut child = Command::new("node")
        .arg(&script)
        .current_dir(repo)
        .env("BASE_URL", base_url)
        .env("BENCH_USERNAME", student)
        .env("BENCH_PASSWORD", password)
        .env("BENCH_RUNS", RUNS.to_string())
        .env("BENCH_TIMEOUT_MS", SCRIPT_TIMEOUT.as_millis().to_string())
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run node {}: {e}", script.display()))?;
    let deadline = Instant::now() + KILL_AFTER;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&out);
            return Err(format!(
                "{} did not finish within {} s",
                script.display(),
                KILL_AFTER.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    if !status.success() {
        return Err(format!("{} failed ({status})", script.display()));
    }
    serde_json::from_str(text.trim())
        .map_err(|e| format!("the web measurement printed no result ({e}): {text}"))
}

/// `cargo xtask bench-web <base URL> <student>`: the three figures against a running server.
pub fn main(base_url: &str, student: &str) -> Result<ExitCode> {
    let times = run_script(base_url, student, super::data::PASSWORD)?;
    for figure in [Figure::FirstPaint, Figure::SignIn, Figure::Points] {
        let samples = figure.samples(&times);
        let median = median(samples).ok_or("the web measurement gave no figure")?;
        let samples: Vec<String> = samples.iter().map(|v| ms(*v)).collect();
        println!(
            "{}: {} (median of {}), limit {}",
            figure.title(),
            ms(median),
            samples.join(", "),
            ms(figure.limit() * 1000.0)
        );
    }
    Ok(ExitCode::SUCCESS)
}
