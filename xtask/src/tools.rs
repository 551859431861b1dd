//! Installs what the builds and tests need when it is missing, saying so as it goes:
//! the wasm32 target, the pinned wasm-bindgen CLI, the e2e npm packages, Chromium, and the
//! CJK fonts and poppler-utils that the transcript PDF tests use.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{self, Result, step};

/// The browser the e2e suite drives (playwright-core does not download one).
pub const CHROMIUM: &str = "/usr/bin/chromium";

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Adds the wasm32 target with rustup unless it is installed.
pub fn ensure_wasm_target() -> Result {
    let installed = util::output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(format!("installing the Rust target {WASM_TARGET}"));
    util::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Returns a wasm-bindgen CLI of the version pinned in web/Cargo.toml, installing it with
/// `cargo install` when none is found.
pub fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let version = pinned_wasm_bindgen_version()?;
    let cargo_bin = cargo_home().join("bin/wasm-bindgen");
    let candidates = [Some(cargo_bin.clone()), util::find_on_path("wasm-bindgen")];
    for candidate in candidates.into_iter().flatten() {
        if wasm_bindgen_version(&candidate).as_deref() == Some(version.as_str()) {
            return Ok(candidate);
        }
    }
    step(format!(
        "installing wasm-bindgen-cli {version} (cargo install)"
    ));
    util::run(util::cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))?;
    match wasm_bindgen_version(&cargo_bin) {
        Some(installed) if installed == version => Ok(cargo_bin),
        other => Err(format!(
            "{} reports version {other:?} after installing {version}",
            cargo_bin.display()
        )),
    }
}

/// Installs the e2e suite's npm packages (playwright-core) unless they are there.
pub fn ensure_e2e_npm_packages() -> Result {
    let e2e = util::repo_root().join("e2e");
    if e2e.join("node_modules/playwright-core").is_dir() {
        return Ok(());
    }
    step("installing the e2e npm packages (npm install in e2e/)");
    util::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(e2e),
    )
}

/// The transcript PDF tests run poppler-utils (pdftotext, pdftoppm, pdfinfo) …
const PDFTOPPM: &str = "/usr/bin/pdftoppm";
/// … on PDFs set in fonts-noto-cjk.
const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// Installs Chromium, the CJK fonts and poppler-utils with apt when root; otherwise fails with
/// the command to run.
pub fn ensure_chromium() -> Result {
    let missing: Vec<&str> = [CHROMIUM, NOTO_CJK, PDFTOPPM]
        .into_iter()
        .filter(|path| !std::path::Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let missing = missing.join(", ");
    let command = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-noto-cjk poppler-utils";
    if !util::is_root() {
        return Err(format!("{missing} not found; as root, run: {command}"));
    }
    step(format!(
        "installing Chromium, fonts and poppler-utils: {command}"
    ));
    util::run(Command::new("apt-get").arg("update"))?;
    util::run(
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "chromium",
                "chromium-driver",
                "fonts-noto-cjk",
                "poppler-utils",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// The X of the `wasm-bindgen = "=X"` line of web/Cargo.toml.
fn pinned_wasm_bindgen_version() -> Result<String> {
    let manifest_path = util::repo_root().join("web/Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    manifest
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(key, _)| key.trim() == "wasm-bindgen")
        .find_map(|(_, value)| {
            let version = value.trim().strip_prefix("\"=")?.split('"').next()?;
            Some(version.to_owned())
        })
        .ok_or_else(|| {
            format!(
                "{} has no `wasm-bindgen = \"=X.Y.Z\"` line",
                manifest_path.display()
            )
        })
}

/// `wasm-bindgen 0.2.130` → `0.2.130`; `None` when the program cannot run.
fn wasm_bindgen_version(program: &std::path::Path) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(text.split_whitespace().nth(1)?.to_owned())
}

fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) if !home.is_empty() => home.into(),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
    }
}
