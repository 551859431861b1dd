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

/// The e2e suite's npm packages, as e2e/package.json lists them.
const E2E_NPM_PACKAGES: [&str; 4] = ["playwright-core", "jsqr", "pngjs", "qrcode"];

/// Installs the e2e suite's npm packages unless they are all there.
pub fn ensure_e2e_npm_packages() -> Result {
    let e2e = util::repo_root().join("e2e");
    if E2E_NPM_PACKAGES
        .iter()
        .all(|name| e2e.join("node_modules").join(name).is_dir())
    {
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

/// The two-process test puts nginx in front of two API processes.
const NGINX: &str = "/usr/sbin/nginx";

/// Installs Chromium, the CJK fonts, poppler-utils and nginx with apt when root; otherwise fails
/// with the command to run.
pub fn ensure_chromium() -> Result {
    ensure_packages(
        "Chromium, fonts, poppler-utils and nginx",
        &[
            (CHROMIUM, &["chromium", "chromium-driver"]),
            (NOTO_CJK, &["fonts-noto-cjk"]),
            (PDFTOPPM, &["poppler-utils"]),
            (NGINX, &["nginx"]),
        ],
    )
}

/// Installs the CJK font transcript PDFs are set in (without it the API answers 503 to them).
pub fn ensure_cjk_font() -> Result {
    ensure_packages("the CJK font", &[(NOTO_CJK, &["fonts-noto-cjk"])])
}

/// Installs with apt, when root, the packages of each `(file, packages)` whose file is missing;
/// otherwise fails with the command to run.
fn ensure_packages(what: &str, needs: &[(&str, &[&str])]) -> Result {
    let (missing, packages): (Vec<&str>, Vec<&[&str]>) = needs
        .iter()
        .filter(|(file, _)| !std::path::Path::new(file).exists())
        .map(|(file, packages)| (*file, *packages))
        .unzip();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(
        &format!("{} not found", missing.join(", ")),
        what,
        &packages.concat(),
    )
}

/// Installs `packages` with apt when root (announcing `what`); otherwise fails with `why` and
/// the command to run.
pub fn apt_install(why: &str, what: &str, packages: &[&str]) -> Result {
    let command = format!(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {}",
        packages.join(" ")
    );
    if !util::is_root() {
        return Err(format!("{why}; as root, run: {command}"));
    }
    step(format!("installing {what}: {command}"));
    util::run(Command::new("apt-get").arg("update"))?;
    util::run(
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(packages)
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
