//! `cargo xtask test`: schemathesis against the API (see [`fuzz`]), then the workspace tests
//! (nextest) and the end-to-end suite, on a migrated template database that each test copies.
//!
//! The last lines printed are the runners' own summaries (nextest's, then
//! `e2e: N passed, N failed`), so everything of ours is printed before them — schemathesis's
//! report and its `schemathesis: N operations, N failures` line included.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::pg::{self, Cluster};
use crate::util::{self, Result, step};
use crate::{fuzz, tools, web};

/// The migrated database the tests copy (`CREATE DATABASE … TEMPLATE scs_template`).
const TEMPLATE: &str = "scs_template";

/// Runs schemathesis and both suites; fails when any of them does.
pub fn run() -> Result<ExitCode> {
    util::catch_ctrl_c();
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen()?;
    tools::ensure_e2e_npm_packages()?;
    tools::ensure_chromium()?;
    let schemathesis = fuzz::ensure_schemathesis()?;

    let (admin_url, psql, started_cluster) = admin_database()?;
    let outcome = run_suites(&admin_url, &psql, &wasm_bindgen, &schemathesis);
    if let Some(cluster) = started_cluster {
        // Quietly: the runners' summaries stay the last lines.
        if let Err(error) = cluster.stop() {
            step(format!("warning: {error}"));
        }
    }
    outcome
}

/// The admin URL (database `postgres`), the psql to use with it, and the private cluster
/// when this call started it.
pub fn admin_database() -> Result<(String, PathBuf, Option<Cluster>)> {
    let given = ["TEST_DATABASE_URL", "DATABASE_URL"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|url| !url.is_empty());
    if let Some(url) = given {
        return Ok((
            util::with_database(&url, "postgres"),
            pg::external_psql(),
            None,
        ));
    }
    let cluster = Cluster::locate()?;
    let started = cluster.start()?;
    Ok((
        cluster.url("postgres"),
        cluster.psql(),
        started.then_some(cluster),
    ))
}

fn run_suites(
    admin_url: &str,
    psql: &Path,
    wasm_bindgen: &Path,
    schemathesis: &Path,
) -> Result<ExitCode> {
    web::build(true, wasm_bindgen)?;
    util::stop_if_interrupted()?;
    step("building the API server (release)");
    util::run(util::cargo().args(["build", "--release", "-p", "api"]))?;
    util::stop_if_interrupted()?;
    recreate_template(admin_url, psql)?;
    util::stop_if_interrupted()?;

    // First, so that the runners' summaries stay the last lines; a failure here still lets
    // both suites run.
    let fuzz_passed =
        fuzz::run(schemathesis, &util::api_binary(), admin_url, psql).unwrap_or_else(|error| {
            step(format!("schemathesis: error: {error}"));
            false
        });
    util::stop_if_interrupted()?;

    let nextest = util::quiet_status(util::cargo().args(["nextest", "--version"]))
        .is_some_and(|s| s.success());
    step(if nextest {
        "running the workspace tests (cargo nextest), then the e2e suite"
    } else {
        "cargo-nextest is missing: running the workspace tests with cargo test, then the e2e suite"
    });
    let mut unit = util::cargo();
    if nextest {
        unit.args(["nextest", "run"]);
    } else {
        unit.arg("test");
    }
    unit.args(["--workspace", "--exclude", "web"])
        .env("TEST_DATABASE_URL", admin_url)
        .env("TEST_TEMPLATE_DB", TEMPLATE);
    let unit_passed = util::status(&mut unit)?.success();
    util::stop_if_interrupted()?;

    // Even when the unit tests failed, so that both summaries print.
    let mut e2e = util::cargo();
    e2e.args(["run", "--release", "-p", "e2e", "--", "--api"])
        .arg(util::api_binary())
        .args([
            "--admin-url",
            admin_url,
            "--template",
            TEMPLATE,
            "--web-dist",
        ])
        .arg(util::web_dist())
        .arg("--psql")
        .arg(psql);
    let e2e_passed = util::status(&mut e2e)?.success();

    Ok(if fuzz_passed && unit_passed && e2e_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Drops what earlier runs left behind and creates a freshly migrated template.
fn recreate_template(admin_url: &str, psql: &Path) -> Result {
    let leftovers = pg::psql_rows(
        psql,
        admin_url,
        &format!(
            "SELECT datname FROM pg_database WHERE datname = '{TEMPLATE}' \
             OR datname LIKE 'scs\\_test\\_%' OR datname LIKE 'scs\\_e2e\\_%' \
             OR datname LIKE 'scs\\_fuzz\\_%'"
        ),
    )?;
    for database in &leftovers {
        pg::psql_exec(
            psql,
            admin_url,
            &format!("DROP DATABASE \"{database}\" WITH (FORCE)"),
        )?;
    }
    step(format!(
        "creating and migrating the template database {TEMPLATE}"
    ));
    pg::psql_exec(psql, admin_url, &format!("CREATE DATABASE {TEMPLATE}"))?;
    util::run(
        Command::new(util::api_binary())
            .arg("migrate")
            .env("DATABASE_URL", util::with_database(admin_url, TEMPLATE)),
    )
}
