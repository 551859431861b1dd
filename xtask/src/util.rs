//! Small helpers shared by the tasks: paths, running commands, database URLs, Ctrl-C.

use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// What every task returns: `Err` carries a message for the user.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of this crate's folder). Read at run time (`cargo run` sets
/// `CARGO_MANIFEST_DIR`): clones that share one build cache share this binary, and the path
/// compiled into it may be another clone's.
pub fn repo_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        manifest_dir
            .parent()
            .expect("xtask lives in a folder of the workspace")
            .to_path_buf()
    })
}

/// The cargo target folder of every cargo child: `CARGO_TARGET_DIR` if set, else
/// `$HOME/.cache/second-classroom/target`, so build caches live outside the clone.
pub fn target_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => absolute(Path::new(&dir)),
        _ => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
            PathBuf::from(home).join(".cache/second-classroom/target")
        }
    })
}

/// The release `api` binary built by `cargo build --release -p api`.
pub fn api_binary() -> PathBuf {
    target_dir().join("release/api")
}

/// The absolute path of the built web app.
pub fn web_dist() -> PathBuf {
    repo_root().join("web/dist")
}

/// `path` made absolute against the current directory (without resolving symlinks).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // /proc/self belongs to the effective user of the process reading it.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A `cargo` command (the cargo that runs us, when known) with `CARGO_TARGET_DIR` set.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(repo_root());
    command
}

/// Prints a progress line of the xtask (to stderr, so stdout stays for results).
pub fn step(message: impl std::fmt::Display) {
    eprintln!("xtask: {message}");
}

/// Runs `command` with inherited stdio; an error unless it exits successfully.
pub fn run(command: &mut Command) -> Result {
    let status = status(command)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

/// Runs `command` with inherited stdio and returns its exit status.
pub fn status(command: &mut Command) -> Result<ExitStatus> {
    command
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))
}

/// Runs `command` and returns its stdout (stderr inherited); an error unless it succeeds.
pub fn output(command: &mut Command) -> Result<String> {
    let out = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", describe(command), out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{} printed non-UTF-8", describe(command)))
}

/// Runs `command` quietly; its exit status, or `None` if it cannot be started at all.
pub fn quiet_status(command: &mut Command) -> Option<ExitStatus> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()
}

/// The program and arguments of `command`, for messages.
pub fn describe(command: &Command) -> String {
    let words: Vec<_> = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect();
    format!("`{}`", words.join(" "))
}

/// `program` looked up in the directories of `PATH`.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// `url` with its database name replaced by `database`
/// (`postgres://u@h:5432/old?x=y` → `postgres://u@h:5432/new?x=y`).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// `text` percent-encoded for a URL query value (slashes kept, for socket paths).
pub fn encode_query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// From now on, Ctrl-C only sets a flag: the children in our process group receive the
/// signal too and stop by themselves, and the task then cleans up (stops PostgreSQL).
pub fn catch_ctrl_c() {
    if let Err(error) = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst)) {
        step(format!("warning: cannot catch Ctrl-C: {error}"));
    }
}

/// Whether Ctrl-C was pressed since [`catch_ctrl_c`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// An error once Ctrl-C was pressed, to stop between steps.
pub fn stop_if_interrupted() -> Result {
    if interrupted() {
        Err("interrupted".into())
    } else {
        Ok(())
    }
}

/// One HTTP/1.1 request (a JSON `body`, if any) on a connection of its own, waiting at most
/// `timeout` for the answer: (status, body). The benchmark's probes and the fuzzing step's
/// sign-ins.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: std::time::Duration,
) -> Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let body = body.unwrap_or("");
    let content_type = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{content_type}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| format!("cannot send to {address}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("cannot read from {address}: {e}"))?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method} {path}: not an HTTP answer"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=disable", "postgres"),
            "postgres://u:p@h:5432/postgres?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            with_database("postgres://postgres@/a?host=/tmp/run", "b"),
            "postgres://postgres@/b?host=/tmp/run"
        );
    }

    #[test]
    fn encodes_socket_paths() {
        assert_eq!(encode_query_value("/a b/c"), "/a%20b/c");
    }
}
