//! `cargo xtask schema`: regenerates `api/src/db/schema.rs` with Diesel's `print-schema` from a
//! freshly migrated scratch database (see `diesel.toml` for the file and its patch).

use std::process::{Command, ExitCode};

use crate::pg;
use crate::util::{self, Result, step};

const SCRATCH: &str = "scs_schema_scratch";

pub fn run() -> Result<ExitCode> {
    let diesel = ensure_diesel_cli()?;
    let (admin_url, psql, started_cluster) = crate::test::admin_database()?;
    let outcome = (|| {
        pg::psql_exec(
            &psql,
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"),
        )?;
        pg::psql_exec(&psql, &admin_url, &format!("CREATE DATABASE {SCRATCH}"))?;
        let url = util::with_database(&admin_url, SCRATCH);
        // Diesel runs the migrations itself, so this works while the API does not compile.
        util::run(
            Command::new(&diesel)
                .args(["migration", "run", "--database-url", &url])
                .current_dir(util::repo_root()),
        )?;
        let schema = util::output(
            Command::new(&diesel)
                .args(["print-schema", "--database-url", &url])
                .current_dir(util::repo_root()),
        )?;
        let path = util::repo_root().join("api/src/db/schema.rs");
        std::fs::write(&path, schema)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        pg::psql_exec(
            &psql,
            &admin_url,
            &format!("DROP DATABASE {SCRATCH} WITH (FORCE)"),
        )?;
        step(format!("wrote {}", path.display()));
        Ok(ExitCode::SUCCESS)
    })();
    if let Some(cluster) = started_cluster {
        cluster.stop()?;
    }
    outcome
}

/// The `diesel` CLI (PostgreSQL only), installed with cargo when missing; it links libpq.
fn ensure_diesel_cli() -> Result<std::path::PathBuf> {
    if let Some(path) = util::find_on_path("diesel") {
        return Ok(path);
    }
    if !std::path::Path::new("/usr/include/postgresql/libpq-fe.h").exists() {
        if util::is_root() {
            step("installing libpq-dev (apt) for the diesel CLI");
            util::run(Command::new("apt-get").args(["install", "-y", "libpq-dev"]))?;
        } else {
            return Err(
                "the diesel CLI needs libpq: run `sudo apt-get install -y libpq-dev`".into(),
            );
        }
    }
    step("installing the diesel CLI (cargo install diesel_cli, PostgreSQL only)");
    util::run(util::cargo().args([
        "install",
        "diesel_cli",
        "--no-default-features",
        "--features",
        "postgres",
    ]))?;
    util::find_on_path("diesel")
        .ok_or_else(|| "diesel was installed but is not on PATH (~/.cargo/bin)".into())
}
