//! Raw limits: the SQL a handler runs, driven straight at PostgreSQL with `pgbench` (custom
//! scripts, prepared statements, no HTTP, no pool), so that each platform figure stands beside
//! what the database alone does on the same machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{self, Result, step};

use super::load::percentile_ms;
use super::report::{ms, thousands};

/// One pgbench script: its SQL (with `\set` lines) and its share of the transactions.
pub struct Script {
    pub name: &'static str,
    pub sql: String,
    pub weight: u32,
}

/// What pgbench measured.
pub struct RawResult {
    pub clients: u32,
    pub tps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub transactions: u64,
}

impl RawResult {
    /// `4,120 tx/s, p50 1.52 ms, p99 6.10 ms (pgbench -c 8)`.
    pub fn describe(&self) -> String {
        format!(
            "{} tx/s, p50 {}, p99 {} (pgbench -c {})",
            thousands(self.tps),
            ms(self.p50_ms),
            ms(self.p99_ms),
            self.clients
        )
    }

    pub fn figures(&self) -> Value {
        json!({
            "clients": self.clients,
            "tps": self.tps,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "transactions": self.transactions,
        })
    }
}

/// pgbench of this PostgreSQL installation, installing it as root when missing.
pub fn find_pgbench() -> Result<PathBuf> {
    if let Some(found) = locate() {
        return Ok(found);
    }
    let command =
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-contrib";
    if !util::is_root() {
        return Err(format!("pgbench is missing; as root, run: {command}"));
    }
    step(format!("installing pgbench: {command}"));
    util::run(Command::new("apt-get").arg("update"))?;
    util::run(
        Command::new("apt-get")
            .args(["install", "-y", "postgresql-contrib"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    locate().ok_or_else(|| "postgresql-contrib was installed but pgbench is still missing".into())
}

fn locate() -> Option<PathBuf> {
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok();
    let newest = versions.and_then(|entries| {
        entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.path().join("bin/pgbench"))
            .filter(|path| path.is_file())
            .max_by_key(|path| {
                let version = path
                    .parent()?
                    .parent()?
                    .file_name()?
                    .to_string_lossy()
                    .into_owned();
                Some(
                    version
                        .split('.')
                        .map(|p| p.parse().unwrap_or(0))
                        .collect::<Vec<u32>>(),
                )
            })
    });
    newest.or_else(|| util::find_on_path("pgbench"))
}

/// pgbench against the bench database: `clients` connections on two threads for `seconds`.
pub struct Pgbench {
    pub bin: PathBuf,
    pub url: String,
    /// Where scripts and per-transaction logs go.
    pub work: PathBuf,
    pub clients: u32,
    pub seconds: f64,
}

impl Pgbench {
    /// Runs `scripts` (each `name.sql@weight`) with `-D` `defines`; latencies come from
    /// pgbench's per-transaction log.
    pub fn run(
        &self,
        label: &str,
        scripts: &[Script],
        defines: &[(&str, String)],
    ) -> Result<RawResult> {
        let dir = self.work.join(format!("pgbench-{label}"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut command = Command::new(&self.bin);
        command
            .args(["-n", "-M", "prepared", "-j", "2"])
            .args(["-c", &self.clients.to_string()])
            .args(["-T", &(self.seconds.ceil().max(1.0) as u64).to_string()])
            .arg("-l")
            .arg(format!("--log-prefix={}", dir.join("log").display()))
            .current_dir(&dir);
        for (name, value) in defines {
            command.arg("-D").arg(format!("{name}={value}"));
        }
        for script in scripts {
            let file = dir.join(format!("{}.sql", script.name));
            std::fs::write(&file, &script.sql)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            command
                .arg("-f")
                .arg(format!("{}@{}", file.display(), script.weight));
        }
        command.arg(&self.url);
        let output = command
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run pgbench: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() || stderr.contains("aborted") {
            return Err(format!(
                "pgbench {label} failed ({}): {}",
                output.status,
                stderr.lines().take(5).collect::<Vec<_>>().join(" / ")
            ));
        }
        let tps = stdout
            .lines()
            .find_map(|line| line.strip_prefix("tps = "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
            .ok_or_else(|| format!("pgbench {label} printed no tps:\n{stdout}"))?;
        let mut latencies = read_logs(&dir)?;
        latencies.sort_unstable();
        Ok(RawResult {
            clients: self.clients,
            tps,
            p50_ms: percentile_ms(&latencies, 50.0),
            p99_ms: percentile_ms(&latencies, 99.0),
            transactions: latencies.len() as u64,
        })
    }
}

/// The latencies (µs, third column) of pgbench's per-transaction log files `log.<pid>[.<n>]`.
fn read_logs(dir: &Path) -> Result<Vec<u32>> {
    let mut latencies = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.filter_map(|e| e.ok()) {
        if !entry.file_name().to_string_lossy().starts_with("log.") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        latencies.extend(text.lines().filter_map(|line| {
            let latency = line.split_whitespace().nth(2)?;
            latency.parse::<u32>().ok()
        }));
    }
    Ok(latencies)
}
