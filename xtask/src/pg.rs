//! The private PostgreSQL cluster used when no `DATABASE_URL` is given.
//!
//! It lives in `<repo>/.data/` (`pg/` data, `pg-run/` Unix socket, `pg.log`), listens on its
//! socket only (no TCP), and trusts local connections. initdb and pg_ctl refuse to run as
//! root, so as root they run as the `postgres` system user; when that user cannot reach the
//! clone (say under /root, mode 700), the cluster moves to
//! `/var/tmp/second-classroom-pg/<hash of the repo path>/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{self, Result, step};

/// The database of `cargo xtask demo` (and of `pg start` / `pg url`).
pub const DEMO_DATABASE: &str = "second_classroom";

/// `sun_path` holds 107 bytes plus the NUL; the socket is `<run dir>/.s.PGSQL.5432`.
const MAX_SOCKET_PATH: usize = 107;

/// A private PostgreSQL cluster (maybe not initialised or running yet).
pub struct Cluster {
    /// The PostgreSQL `bin` folder (pg_ctl, initdb, psql).
    bin: PathBuf,
    /// The folder holding `pg/`, `pg-run/` and `pg.log`.
    base: PathBuf,
    /// Run initdb and pg_ctl as the `postgres` user (we are root).
    as_postgres: bool,
}

impl Cluster {
    /// Finds PostgreSQL (installing it when root) and decides where the cluster lives.
    pub fn locate() -> Result<Cluster> {
        let bin = postgres_bin_dir()?;
        let as_postgres = util::is_root();
        let mut base = util::repo_root().join(".data");
        if as_postgres {
            ensure_postgres_user()?;
            std::fs::create_dir_all(&base)
                .map_err(|e| format!("cannot create {}: {e}", base.display()))?;
        }
        let reachable = !as_postgres || postgres_user_can_traverse(&base);
        let short_socket = socket_path_fits(&base);
        if !reachable || !short_socket {
            let fallback = Path::new("/var/tmp/second-classroom-pg").join(short_hash(&base));
            let why = if reachable {
                "its socket path would be too long"
            } else {
                "the postgres user cannot reach it"
            };
            step(format!(
                "keeping the PostgreSQL cluster in {} rather than {} ({why})",
                fallback.display(),
                base.display()
            ));
            base = fallback;
        }
        Ok(Cluster {
            bin,
            base,
            as_postgres,
        })
    }

    fn data_dir(&self) -> PathBuf {
        self.base.join("pg")
    }

    fn run_dir(&self) -> PathBuf {
        self.base.join("pg-run")
    }

    fn log_file(&self) -> PathBuf {
        self.base.join("pg.log")
    }

    /// The `psql` of this PostgreSQL installation.
    pub fn psql(&self) -> PathBuf {
        self.bin.join("psql")
    }

    /// The URL of `database` in this cluster, through its Unix socket.
    pub fn url(&self, database: &str) -> String {
        // No host before the path: tokio-postgres would try that host over TCP first and
        // only then the `host` socket folder (libpq lets the parameter replace it).
        format!(
            "postgres://postgres@/{database}?host={}",
            util::encode_query_value(&self.run_dir().to_string_lossy())
        )
    }

    /// Whether the cluster's server is running.
    pub fn is_running(&self) -> bool {
        if !self.data_dir().join("PG_VERSION").exists() {
            return false;
        }
        let mut status = self.pg_command("pg_ctl");
        status.arg("-D").arg(self.data_dir()).arg("status");
        util::quiet_status(&mut status).is_some_and(|s| s.success())
    }

    /// Initialises the cluster if needed and starts it unless it runs already;
    /// true when this call started it.
    pub fn start(&self) -> Result<bool> {
        self.prepare_dirs()?;
        if !self.data_dir().join("PG_VERSION").exists() {
            step(format!(
                "creating a PostgreSQL cluster in {}",
                self.data_dir().display()
            ));
            let mut initdb = self.pg_command("initdb");
            initdb
                .arg("-D")
                .arg(self.data_dir())
                .args([
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ])
                .stdout(Stdio::null());
            util::run(&mut initdb)?;
        }
        if self.is_running() {
            return Ok(false);
        }
        step(format!(
            "starting PostgreSQL (socket in {}, log in {})",
            self.run_dir().display(),
            self.log_file().display()
        ));
        let run_dir = self.run_dir().to_string_lossy().into_owned();
        if run_dir.contains('\'') {
            return Err(format!("the path {run_dir} must not contain a quote"));
        }
        let mut pg_ctl = self.pg_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            // pg_ctl hands these options to a shell, hence the quotes.
            .arg("-o")
            .arg(format!(
                "-c listen_addresses='' -c unix_socket_directories='{run_dir}'"
            ))
            .args(["-w", "start"])
            .stdout(Stdio::null());
        if let Err(error) = util::run(&mut pg_ctl) {
            return Err(format!("{error}\n{}", self.log_tail()));
        }
        Ok(true)
    }

    /// Stops the server (fast: open sessions are ended) if it runs; pg_ctl's chatter is
    /// kept quiet so that callers control the last lines printed.
    pub fn stop(&self) -> Result {
        if !self.is_running() {
            return Ok(());
        }
        let mut pg_ctl = self.pg_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null());
        util::run(&mut pg_ctl)
    }

    /// Prints where the cluster is and whether it runs.
    pub fn print_status(&self) {
        let state = if self.is_running() {
            "running"
        } else if self.data_dir().join("PG_VERSION").exists() {
            "stopped"
        } else {
            "not created yet"
        };
        println!("PostgreSQL cluster: {state}");
        println!("data:   {}", self.data_dir().display());
        println!("socket: {}", self.run_dir().display());
        println!("log:    {}", self.log_file().display());
        println!("url:    {}", self.url(DEMO_DATABASE));
    }

    /// A command of this installation, run as `postgres` when we are root.
    fn pg_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", "postgres", "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        // Our own working directory may be out of the postgres user's reach.
        command.current_dir(&self.base);
        command
    }

    fn prepare_dirs(&self) -> Result {
        for dir in [self.base.clone(), self.data_dir(), self.run_dir()] {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        if self.as_postgres {
            let log = self.log_file();
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
            let mut chown = Command::new("chown");
            chown
                .arg("postgres:")
                .arg(self.data_dir())
                .arg(self.run_dir())
                .arg(log);
            util::run(&mut chown)?;
        }
        Ok(())
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        format!("last lines of {}:\n{tail}", self.log_file().display())
    }
}

/// Runs one SQL command on `url` with `psql`, failing on the first error.
pub fn psql_exec(psql: &Path, url: &str, sql: &str) -> Result {
    let mut command = Command::new(psql);
    command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]);
    util::run(&mut command)
}

/// Runs one SQL query on `url` with `psql` and returns its rows (one value per line).
pub fn psql_rows(psql: &Path, url: &str, sql: &str) -> Result<Vec<String>> {
    let mut command = Command::new(psql);
    command.args([
        "-X",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        url,
        "-c",
        sql,
    ]);
    let out = util::output(&mut command)?;
    Ok(out
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Creates `database` (a plain identifier) through `admin_url` unless it exists.
pub fn ensure_database(psql: &Path, admin_url: &str, database: &str) -> Result {
    let exists = psql_rows(
        psql,
        admin_url,
        &format!("SELECT 1 FROM pg_database WHERE datname = '{database}'"),
    )?;
    if exists.is_empty() {
        step(format!("creating database {database}"));
        psql_exec(psql, admin_url, &format!("CREATE DATABASE \"{database}\""))?;
    }
    Ok(())
}

/// The `psql` to use with a database of someone else's (an external `DATABASE_URL`):
/// the one on PATH, else the one of a local PostgreSQL installation.
pub fn external_psql() -> PathBuf {
    util::find_on_path("psql")
        .or_else(|| find_bin_dir().map(|bin| bin.join("psql")))
        .unwrap_or_else(|| "psql".into())
}

/// The `bin` folder of PostgreSQL: the one of `pg_ctl` on PATH, else the newest
/// /usr/lib/postgresql/*/bin; installs PostgreSQL with apt when root and none is found.
fn postgres_bin_dir() -> Result<PathBuf> {
    if let Some(bin) = find_bin_dir() {
        return Ok(bin);
    }
    crate::tools::apt_install("PostgreSQL is not installed", "PostgreSQL", &["postgresql"])?;
    find_bin_dir().ok_or_else(|| "PostgreSQL was installed but pg_ctl is still missing".into())
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Some(pg_ctl) = util::find_on_path("pg_ctl") {
        // Resolve symlinks (/usr/local/bin/pg_ctl → /usr/lib/postgresql/15/bin/pg_ctl) to
        // find initdb and psql next to it.
        let real = std::fs::canonicalize(&pg_ctl).unwrap_or(pg_ctl);
        if let Some(bin) = real.parent().filter(|bin| bin.join("initdb").is_file()) {
            return Some(bin.to_owned());
        }
    }
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    versions
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_ctl").is_file())
        .max_by_key(|bin| version_key(bin))
}

/// `/usr/lib/postgresql/9.6/bin` → [9, 6], so that 15 sorts above 9.6.
fn version_key(bin: &Path) -> Vec<u32> {
    let name = bin.parent().and_then(Path::file_name).unwrap_or_default();
    name.to_string_lossy()
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

fn ensure_postgres_user() -> Result {
    let exists = util::quiet_status(Command::new("id").args(["-u", "postgres"]));
    if exists.is_some_and(|s| s.success()) {
        return Ok(());
    }
    step("creating the postgres system user");
    util::run(Command::new("useradd").args([
        "--system",
        "--home",
        "/var/lib/postgresql",
        "postgres",
    ]))
}

fn postgres_user_can_traverse(dir: &Path) -> bool {
    let mut test = Command::new("runuser");
    test.args(["-u", "postgres", "--", "test", "-x"])
        .arg(dir)
        .current_dir("/");
    util::quiet_status(&mut test).is_some_and(|s| s.success())
}

fn socket_path_fits(base: &Path) -> bool {
    base.join("pg-run/.s.PGSQL.5432").as_os_str().len() <= MAX_SOCKET_PATH
}

/// A short, stable name for `path` (FNV-1a: std's hasher may change between releases).
fn short_hash(path: &Path) -> String {
    let hash = path
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{hash:016x}")[..12].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_sort_higher() {
        let old = version_key(Path::new("/usr/lib/postgresql/9.6/bin"));
        let new = version_key(Path::new("/usr/lib/postgresql/15/bin"));
        assert!(new > old);
    }

    #[test]
    fn hashes_are_short_and_stable() {
        assert_eq!(
            short_hash(Path::new("/root/x")),
            short_hash(Path::new("/root/x"))
        );
        assert_eq!(short_hash(Path::new("/root/x")).len(), 12);
    }
}
