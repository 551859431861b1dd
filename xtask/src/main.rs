//! The project's own build, run and test steps, run as `cargo xtask <task>`:
//!
//! - `demo [--port N]`: build everything, load the demo university, serve it until Ctrl-C;
//! - `test`: schemathesis against the API, the workspace tests, then the end-to-end suite in
//!   headless Chromium;
//! - `fuzz [--api <binary>]`: only `test`'s schemathesis runs (see [`fuzz`]);
//! - `bench [--quick]`: the platform's figures beside the raw limits (see [`bench`]);
//!   `bench-load <spec.json>` is its load driver, run as a process of its own, and
//!   `bench-web <base URL> <student>` its web timings alone against a running server;
//! - `build-web [--debug]`: the web app into `web/dist/`;
//! - `openapi`: regenerate `openapi/openapi.json`;
//! - `schema`: regenerate `api/src/db/schema.rs` from the migrations;
//! - `pg start|stop|status|url`: the private PostgreSQL cluster, by hand.
//!
//! Without `DATABASE_URL` the tasks use a private PostgreSQL cluster (see [`pg`]). Cargo
//! children build into `CARGO_TARGET_DIR`, by default `~/.cache/second-classroom/target`.

mod bench;
mod demo;
mod fuzz;
mod pg;
mod schema;
mod test;
mod tools;
mod util;
mod web;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

  demo [--port N]         build, load the demo data and serve on N (PORT, else 8080)
  test                    schemathesis, workspace tests and the e2e suite
  fuzz [--api <binary>]   only the schemathesis runs, against the release API (built
                          first) or the given api binary (e.g. a debug build)
  bench [--quick] [--fresh] [--seed N]
                          benchmark: data set, release API under load, raw limits,
                          table in bench-results/ (--quick: small and fast, for CI)
  bench-web <base URL> <student>
                          only the bench's web timings (slow 4G, cold loads) against a
                          running server; the student's password is the demo one
  build-web [--debug]     build the web app into web/dist/ (release unless --debug)
  openapi                 regenerate openapi/openapi.json
  schema                  regenerate api/src/db/schema.rs (diesel print-schema)
  pg start|stop|status|url  manage the private PostgreSQL cluster";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["demo", rest @ ..] => demo_port(rest).and_then(demo::run),
        ["test"] => test::run(),
        ["fuzz"] => fuzz::task(None),
        ["fuzz", "--api", api] => fuzz::task(Some(std::path::Path::new(api))),
        ["bench", rest @ ..] => bench::run(rest),
        ["bench-load", spec] => bench::load::main(std::path::Path::new(spec)),
        ["bench-web", base_url, student] => bench::web_timing::main(base_url, student),
        ["build-web"] => build_web(true),
        ["build-web", "--debug"] => build_web(false),
        ["openapi"] => openapi(),
        ["schema"] => schema::run(),
        ["pg", action] => pg_task(action),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            if util::interrupted() {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// `--port N`, else `PORT`, else 8080.
fn demo_port(args: &[&str]) -> util::Result<u16> {
    let text = match args {
        [] => std::env::var("PORT").unwrap_or_else(|_| "8080".into()),
        ["--port", port] => (*port).to_owned(),
        _ => return Err(format!("unexpected arguments {args:?}\n{USAGE}")),
    };
    text.trim()
        .parse()
        .map_err(|_| format!("invalid port {text:?}"))
}

fn build_web(release: bool) -> util::Result<ExitCode> {
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen()?;
    web::build(release, &wasm_bindgen)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `api openapi`'s output to openapi/openapi.json.
fn openapi() -> util::Result<ExitCode> {
    let document = util::output(util::cargo().args(["run", "-q", "-p", "api", "--", "openapi"]))?;
    let path = util::repo_root().join("openapi/openapi.json");
    std::fs::write(&path, document).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    util::step(format!("wrote {}", path.display()));
    Ok(ExitCode::SUCCESS)
}

fn pg_task(action: &str) -> util::Result<ExitCode> {
    let cluster = pg::Cluster::locate()?;
    match action {
        "start" => {
            if !cluster.start()? {
                util::step("PostgreSQL is already running");
            }
            pg::ensure_database(&cluster.psql(), &cluster.url("postgres"), pg::DEMO_DATABASE)?;
            println!("{}", cluster.url(pg::DEMO_DATABASE));
        }
        "stop" => {
            if cluster.is_running() {
                cluster.stop()?;
                util::step("PostgreSQL stopped");
            } else {
                util::step("PostgreSQL is not running");
            }
        }
        "status" => cluster.print_status(),
        "url" => println!("{}", cluster.url(pg::DEMO_DATABASE)),
        _ => return Err(format!("unknown pg action {action:?}\n{USAGE}")),
    }
    Ok(ExitCode::SUCCESS)
}
