//! `cargo xtask demo`: build everything, load the demo university and serve it until Ctrl-C.

use std::process::{Child, Command, ExitCode, ExitStatus};
use std::time::{Duration, Instant};

use crate::pg::{self, Cluster};
use crate::util::{self, Result, step};
use crate::{tools, web};

/// Runs the demo on `port`; stops the private PostgreSQL it started when done.
pub fn run(port: u16) -> Result<ExitCode> {
    util::catch_ctrl_c();
    tools::ensure_wasm_target()?;
    tools::ensure_cjk_font()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen()?;
    let (database_url, started_cluster) = database()?;
    let outcome = serve(port, &database_url, &wasm_bindgen);
    if let Some(cluster) = started_cluster {
        step("stopping PostgreSQL");
        if let Err(error) = cluster.stop() {
            step(format!("warning: {error}"));
        }
    }
    match outcome {
        // Ctrl-C is how a demo ends; the children reported it as failures.
        Err(_) if util::interrupted() => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// `DATABASE_URL`, else the demo database of the private cluster, with the cluster when
/// this call started it.
fn database() -> Result<(String, Option<Cluster>)> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => return Ok((url, None)),
        _ => {}
    }
    let cluster = Cluster::locate()?;
    let started = cluster.start()?;
    let admin_url = cluster.url("postgres");
    if let Err(error) = pg::ensure_database(&cluster.psql(), &admin_url, pg::DEMO_DATABASE) {
        if started {
            let _ = cluster.stop();
        }
        return Err(error);
    }
    Ok((cluster.url(pg::DEMO_DATABASE), started.then_some(cluster)))
}

fn serve(port: u16, database_url: &str, wasm_bindgen: &std::path::Path) -> Result<ExitCode> {
    web::build(true, wasm_bindgen)?;
    util::stop_if_interrupted()?;
    step("building the API server (release)");
    util::run(util::cargo().args(["build", "--release", "-p", "api"]))?;
    util::stop_if_interrupted()?;

    let api = util::api_binary();
    step("loading the demo university");
    let accounts = util::output(
        Command::new(&api)
            .args(["seed-demo", "--history"])
            .env("DATABASE_URL", database_url),
    )?;
    print_banner(port, &accounts);

    let public_url = std::env::var("PUBLIC_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    let mut server = Command::new(&api)
        .args(["serve", "--port", &port.to_string()])
        .env("DATABASE_URL", database_url)
        .env("DEMO_MODE", "1")
        .env("WEB_DIST", util::web_dist())
        .env("PUBLIC_URL", public_url)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", api.display()))?;
    let status = wait_for(&mut server)?;
    if util::interrupted() || status.success() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!("the API server stopped ({status})"))
    }
}

/// Waits for the server to exit. Ctrl-C at a terminal reaches it too (same process group);
/// if it is still running a few seconds later (we alone were signalled), ask it to stop.
fn wait_for(server: &mut Child) -> Result<ExitStatus> {
    let mut interrupted_at: Option<Instant> = None;
    let mut asked = false;
    loop {
        if let Some(status) = server.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if util::interrupted() {
            let since = interrupted_at.get_or_insert_with(Instant::now).elapsed();
            if !asked && since > Duration::from_secs(3) {
                let _ = Command::new("kill")
                    .args(["-TERM", &server.id().to_string()])
                    .status();
                asked = true;
            }
            if since > Duration::from_secs(40) {
                let _ = server.kill();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn print_banner(port: u16, accounts: &str) {
    let url = format!("http://127.0.0.1:{port}");
    let rows: Vec<Vec<&str>> = accounts
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
        .collect();
    let width = |column: usize| {
        rows.iter()
            .filter_map(|r| r.get(column))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let (role_width, user_width) = (width(0).max(4), width(1).max(8));
    let rule = "─".repeat(60);
    println!("\n{rule}");
    println!("  第二课堂成绩单 · demo");
    println!("  App:   {url}/");
    println!("  Docs:  {url}/docs/");
    if rows.is_empty() {
        println!("  (the demo data has no accounts)");
    } else {
        println!("  Demo accounts:");
        println!(
            "    {:role_width$}  {:user_width$}  password",
            "role", "username"
        );
        for row in &rows {
            let cell = |i: usize| row.get(i).copied().unwrap_or("");
            println!(
                "    {:role_width$}  {:user_width$}  {}",
                cell(0),
                cell(1),
                cell(2)
            );
        }
    }
    println!("  Press Ctrl-C to stop.");
    println!("{rule}\n");
}
