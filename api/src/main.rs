//! The `api` command: `serve`, `migrate`, `seed-demo`, `openapi`.

use api::{Application, config::Settings, db, openapi, seed, telemetry};
use clap::{Parser, Subcommand};
use std::{path::PathBuf, process::ExitCode, time::Duration};

/// 第二课堂成绩单 — the Second Classroom Transcript API server.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML) layered over the built-in defaults.
    #[arg(long, global = true, env = "APP_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API and the web app.
    Serve {
        /// Port to listen on (overrides PORT and the config file; 0 picks a free one).
        #[arg(long)]
        port: Option<u16>,
        /// Address to listen on (overrides HOST).
        #[arg(long)]
        host: Option<std::net::IpAddr>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo university (idempotent) and print its accounts as role<TAB>username<TAB>password.
    SeedDemo {
        /// Also a year of finalised activities and their points, so points, transcripts and
        /// the leaderboard have something to show (once; `cargo xtask demo` asks for it).
        #[arg(long)]
        history: bool,
    },
    /// Print the OpenAPI document (the committed openapi/openapi.json is this output).
    Openapi,
}

/// Argon2id takes 19 MiB per hash. glibc keeps freed blocks of that size in its per-thread
/// arenas, so after a burst of sign-ins the server held ~600 MB it no longer used (measured by
/// `cargo xtask bench`). Blocks over 4 MiB are mapped and unmapped directly instead. (At
/// 128 KiB, every PDF render mapped, faulted in, zeroed and unmapped its buffers: 8 % of a
/// render's CPU in the kernel, `cargo xtask bench --perf`.)
///
/// glibc also gives each thread that allocates under contention an arena of its own (up to 8
/// per core) and keeps what is freed in it for that arena; PDF renders run on whichever
/// blocking-pool thread is free. Two arenas per core are enough for a few worker threads and
/// keep freed memory reusable by the next render. (The benchmark's memory peak is the
/// 3,000-student batch PDF, which this does not change.)
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes global allocator parameters (glibc locks while it does).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        libc::mallopt(libc::M_ARENA_MAX, (2 * cores).min(64) as libc::c_int);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.app.log_format);
    let outcome = match cli.command {
        Command::Serve { port, host } => {
            if let Some(port) = port {
                settings.server.port = port;
            }
            if let Some(host) = host {
                settings.server.host = host;
            }
            serve(settings).await
        }
        Command::Migrate => migrate(&settings).await,
        Command::SeedDemo { history } => seed_demo(&settings, history).await,
        Command::Openapi => unreachable!("handled above"),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn serve(mut settings: Settings) -> CliResult {
    settings.require_secret()?;
    if settings.database.run_migrations {
        let url = settings.database.url.expose().to_owned();
        // Start serving even when PostgreSQL is down: /healthz says so, and the migrations
        // are retried in the background until the database answers.
        if let Err(error) = run_migrations(&url).await {
            tracing::error!(%error, "migrations failed; retrying in the background");
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    if run_migrations(&url).await.is_ok() {
                        break;
                    }
                }
            });
        }
    }
    let app = Application::build(settings.clone())?;
    let url = format!("http://{}:{}", settings.server.host, app.port());
    tracing::info!(%url, demo = settings.app.demo, web_dist = %settings.server.web_dist.display(), "listening");
    // Scripts (the xtask, the e2e runner) read the address from this line.
    println!("listening on {url}");
    if let Some(port) = app.metrics_port() {
        let metrics = format!("http://{}:{port}/metrics", settings.server.host);
        tracing::info!(%metrics, "metrics");
        println!("metrics on {metrics}");
    }
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn run_migrations(url: &str) -> Result<(), db::MigrateError> {
    let applied = db::migrate(url).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    Ok(())
}

async fn migrate(settings: &Settings) -> CliResult {
    let applied = db::migrate(settings.database.url.expose()).await?;
    eprintln!("{} migration(s) applied", applied.len());
    Ok(())
}

async fn seed_demo(settings: &Settings, history: bool) -> CliResult {
    db::migrate(settings.database.url.expose()).await?;
    let mut conn = db::connect(settings.database.url.expose()).await?;
    let report = seed::seed_demo(&mut conn).await?;
    if history {
        let activities = seed::seed_history(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        if activities > 0 {
            eprintln!("demo history: {activities} finalised activities and their points");
        }
        let months = seed::seed_reports(&mut conn, chrono::Utc::now())
            .await
            .map_err(|e| e.to_string())?;
        if months > 0 {
            eprintln!("demo history: {months} months of work reports");
        }
        let certificates = seed::seed_certificates(&mut conn, &settings.server.public_url)
            .await
            .map_err(|e| e.to_string())?;
        if certificates > 0 {
            eprintln!("demo history: {certificates} certificates of four kinds");
        }
        let live = seed::seed_live(&mut conn, chrono::Utc::now())
            .await
            .map_err(|e| e.to_string())?;
        eprintln!(
            "demo: {live} activities placed around today (open, under way, in review, to recognise)"
        );
        let answers = seed::seed_surveys(&mut conn, chrono::Utc::now())
            .await
            .map_err(|e| e.to_string())?;
        if answers > 0 {
            eprintln!("demo history: an open survey with {answers} answers, and evaluations");
        }
    }
    eprintln!(
        "demo university {}",
        if report.school_created || report.university_created {
            "loaded"
        } else {
            "already loaded; left as it is"
        }
    );
    for account in &report.accounts {
        println!(
            "{}\t{}\t{}",
            account.role, account.username, account.password
        );
    }
    Ok(())
}
