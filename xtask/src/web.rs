//! `cargo xtask build-web`: the Leptos app compiled to wasm, bound with wasm-bindgen and
//! laid out with its static files in `web/dist/`, which the API server serves.

use std::path::Path;
use std::process::Command;

use crate::util::{self, Result, step};

/// Builds `web/dist/` with the given wasm-bindgen CLI (see [`crate::tools`]).
pub fn build(release: bool, wasm_bindgen: &Path) -> Result {
    let root = util::repo_root();
    let profile = wasm_profile(release)?;
    step(format!("building the web app ({profile} profile)"));
    let mut build = util::cargo();
    build.args(["build", "-p", "web", "--target", "wasm32-unknown-unknown"]);
    if profile != "dev" {
        build.args(["--profile", profile]);
    }
    util::run(&mut build)?;

    let dist = util::web_dist();
    // Start afresh so that files removed from web/ do not linger in dist.
    if dist.exists() {
        std::fs::remove_dir_all(&dist)
            .map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    let wasm = util::target_dir().join(format!(
        "wasm32-unknown-unknown/{}/web.wasm",
        if profile == "dev" { "debug" } else { profile }
    ));
    util::run(
        Command::new(wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                // The names section is for debuggers: about 40 % of the file, useless to users.
                "--remove-name-section",
                "--remove-producers-section",
                "--out-name",
                "web",
                "--out-dir",
            ])
            .arg(dist.join("pkg"))
            .arg(&wasm),
    )?;

    for file in ["index.html", "style.css"] {
        copy(&root.join("web").join(file), &dist.join(file))?;
    }
    let assets = root.join("web/assets");
    if assets.is_dir() {
        copy_dir(&assets, &dist.join("assets"))?;
    }
    if release {
        step("compressing the assets (brotli, best level)");
        for asset in ["pkg/web_bg.wasm", "pkg/web.js", "style.css"] {
            compress(&dist.join(asset))?;
        }
    }
    println!("web/dist: {} KB", size_of(&dist).div_ceil(1024));
    Ok(())
}

/// Writes `<file>.br` beside `file`, which the server sends to browsers that accept brotli.
fn compress(file: &Path) -> Result {
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut out = Vec::with_capacity(data.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut data.as_slice(), &mut out, &params)
        .map_err(|e| format!("cannot compress {}: {e}", file.display()))?;
    let target = file.with_file_name(format!(
        "{}.br",
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
    ));
    std::fs::write(&target, out).map_err(|e| format!("cannot write {}: {e}", target.display()))
}

/// `dev` for debug builds; for release builds the workspace's size-tuned `wasm-release`
/// profile when it defines one, else plain `release`.
fn wasm_profile(release: bool) -> Result<&'static str> {
    if !release {
        return Ok("dev");
    }
    let manifest_path = util::repo_root().join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let custom = manifest
        .lines()
        .any(|line| line.trim() == "[profile.wasm-release]");
    Ok(if custom { "wasm-release" } else { "release" })
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            copy(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Total bytes of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|entry| entry.ok())
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => size_of(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
