//! `cargo xtask build-web`: the Leptos app compiled to wasm, split into the main module and
//! lazily loaded chunks, bound with wasm-bindgen and laid out with its static files in
//! `web/dist/`, which the API server serves.
//!
//! The split: the organisations' consoles, two public pages and the organiser's panel of an
//! activity are split points (`lazy_pages!` in web/src/app.rs, and `#[wasm_split]` functions),
//! so the compiled module imports each of them from a placeholder. [`split`] cuts the module
//! there into the main module, which wasm-bindgen then binds as usual (`pkg/web_bg.wasm` +
//! `pkg/web.js`), and chunks (`pkg/split_*.wasm`, and `pkg/chunk_*.wasm` for code that several
//! of them share) that `pkg/__wasm_split.js` fetches when one of them is first used. A student's
//! phone loads only the main module, its script, the loader and the style sheet.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result, step};

/// What a browser fetches for every page but the lazily loaded ones, relative to `web/dist/`:
/// the main module, its script, the chunk loader that the script imports, and the style sheet.
pub const FIRST_LOAD: [&str; 4] = [
    "pkg/__wasm_split.js",
    "pkg/web.js",
    "pkg/web_bg.wasm",
    "style.css",
];

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
    let pkg = dist.join("pkg");
    let main_module = split(&wasm, &pkg)?;
    util::run(
        Command::new(wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                // The names section is for debuggers: about 40 % of the file, useless to users.
                "--remove-name-section",
                "--remove-producers-section",
                // The chunks link against the main module's function table, which LLD exports
                // and wasm-bindgen would otherwise drop.
                "--keep-lld-exports",
                "--out-name",
                "web",
                "--out-dir",
            ])
            .arg(&pkg)
            .arg(&main_module),
    )?;

    for file in ["index.html", "boot.js", "style.css"] {
        copy(&root.join("web").join(file), &dist.join(file))?;
    }
    let assets = root.join("web/assets");
    if assets.is_dir() {
        copy_dir(&assets, &dist.join("assets"))?;
    }
    if release {
        step("compressing the assets (brotli, best level)");
        for asset in scripts(&pkg)? {
            compress(&asset)?;
        }
        compress(&dist.join("style.css"))?;
    }
    service_worker(&root.join("web/sw.js"), &dist)?;
    println!("web/dist: {} KB", size_of(&dist).div_ceil(1024));
    Ok(())
}

/// Writes `dist/sw.js` from the template `template`: the URLs it fetches when it installs (the
/// page at `/`, the boot script, the style sheet, the main module with its script and loader,
/// the student's code and the organiser's scanner with the chunks they need — what must open
/// with no network), the
/// URLs it keeps once a page has used them (every other file under `pkg/` and `assets/`; not
/// fetched ahead, so a student's phone does not download the consoles), both without the brotli
/// copies, which the server picks by itself, and a version that is a hash of all of them, so
/// that each build's worker installs afresh and drops the last build's cache.
fn service_worker(template: &Path, dist: &Path) -> Result {
    use std::hash::{Hash, Hasher};

    let mut files = vec![
        dist.join("index.html"),
        dist.join("boot.js"),
        dist.join("style.css"),
    ];
    for folder in ["pkg", "assets"] {
        let folder = dist.join(folder);
        if folder.is_dir() {
            files_under(&folder, &mut files)?;
        }
    }
    files.retain(|f| f.extension().is_none_or(|ext| ext != "br"));
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut urls = vec!["/".to_owned()];
    for file in &files {
        let relative = file
            .strip_prefix(dist)
            .map_err(|_| format!("{} is outside {}", file.display(), dist.display()))?
            .to_string_lossy()
            .replace('\\', "/");
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        relative.hash(&mut hasher);
        bytes.hash(&mut hasher);
        if relative != "index.html" {
            urls.push(format!("/{relative}"));
        }
    }
    let version = format!("{:016x}", hasher.finish());
    let loader = dist.join("pkg/__wasm_split.js");
    let mut ahead = ahead_of_time(&loader, "scanner")?;
    ahead.extend(ahead_of_time(&loader, "my_code")?);
    let (shell, lazy): (Vec<String>, Vec<String>) = urls.into_iter().partition(|url| {
        !url.starts_with("/pkg/") && !url.starts_with("/assets/")
            || FIRST_LOAD.iter().any(|f| url == &format!("/{f}"))
            || ahead.iter().any(|f| url == &format!("/pkg/{f}"))
    });
    let script = std::fs::read_to_string(template)
        .map_err(|e| format!("cannot read {}: {e}", template.display()))?;
    for marker in [
        "\"__SW_VERSION__\"",
        "[\"__SW_SHELL__\"]",
        "[\"__SW_LAZY__\"]",
    ] {
        if script.matches(marker).count() != 1 {
            return Err(format!(
                "{} must hold {marker} exactly once",
                template.display()
            ));
        }
    }
    let script = script
        .replace("\"__SW_VERSION__\"", &format!("\"{version}\""))
        .replace("[\"__SW_SHELL__\"]", &js_list(&shell))
        .replace("[\"__SW_LAZY__\"]", &js_list(&lazy));
    let target = dist.join("sw.js");
    std::fs::write(&target, script)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    step(format!(
        "service worker {version}: {} files fetched when it installs, {} kept once used",
        shell.len(),
        lazy.len()
    ));
    Ok(())
}

/// The files under `pkg/` that the lazily loaded `split` needs — its module and the chunks it
/// loads, and theirs — as the chunk loader `loader` (`__wasm_split.js`) lists them: each loader
/// is `const|export const <name> = …makeLoad(() => { …fetch(new URL("./<file>", …)) … }, [deps])`.
fn ahead_of_time(loader: &Path, split: &str) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(loader)
        .map_err(|e| format!("cannot read {}: {e}", loader.display()))?;
    let mut defs: std::collections::HashMap<&str, (&str, Vec<&str>)> = Default::default();
    for part in text.split("makeLoad(").skip(1).zip(text.split("makeLoad(")) {
        let (body, before) = part;
        let name = before
            .rsplit("const ")
            .next()
            .and_then(|tail| tail.split_whitespace().next())
            .unwrap_or_default();
        let file = body
            .split("new URL(\"./")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default();
        let deps = body
            .split("}\n, [")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        defs.insert(name, (file, deps));
    }
    let root = format!("__wasm_split_load_{split}");
    if !defs.contains_key(root.as_str()) {
        return Err(format!(
            "{} has no loader {root}: the service worker would not keep the {split} page",
            loader.display()
        ));
    }
    let mut files = Vec::new();
    let mut todo = vec![root.as_str()];
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name) {
            continue;
        }
        if let Some((file, deps)) = defs.get(name) {
            if !file.is_empty() {
                files.push((*file).to_owned());
            }
            todo.extend(deps.iter().copied());
        }
    }
    Ok(files)
}

/// A JSON array of plain strings (paths without quotes or backslashes).
fn js_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Every file under `dir`, appended to `files`.
fn files_under(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            files_under(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Splits the compiled module `wasm` at its split points: writes the chunks and their loader
/// (`__wasm_split.js`) to `pkg` and returns the main module, still to be bound by wasm-bindgen.
fn split(wasm: &Path, pkg: &Path) -> Result<PathBuf> {
    step("splitting the lazily loaded chunks out of the WASM module");
    let input = std::fs::read(wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let main_module = wasm.with_file_name("web_split.wasm");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = pkg;
    options.main_out_path = &main_module;
    // Both paths are relative to `pkg`: the loader imports wasm-bindgen's `initSync` from the
    // main module's script, and the main module imports the loader.
    options.main_module = "./web.js";
    options.link_name = "./__wasm_split.js";
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| format!("cannot split {}: {e:#}", wasm.display()))?;
    let loader = pkg.join("__wasm_split.js");
    let mut loader_js = std::fs::read_to_string(&loader)
        .map_err(|e| format!("cannot read {}: {e}", loader.display()))?;
    for chunk in &split.split_modules {
        // wasm-bindgen strips the main module; the chunks bypass it and keep the splitter's
        // function names, more than half of their bytes.
        strip_custom_sections(chunk)?;
        name_by_content(chunk, &mut loader_js)?;
    }
    std::fs::write(&loader, loader_js)
        .map_err(|e| format!("cannot write {}: {e}", loader.display()))?;
    step(format!(
        "{} lazily loaded chunks",
        split.split_modules.len()
    ));
    Ok(main_module)
}

/// Renames the chunk `split_x.wasm` to `split_x.<hash of its bytes>.wasm`, and the reference to
/// it in the loader's script `loader_js`.
///
/// A chunk only fits the main module it was split from: it fills slots of that module's function
/// table. A page loaded before a new build would otherwise fetch the new build's chunk of the
/// same name; with the bytes in the name it fetches its own, or, once that is gone, fails to
/// load and says so, rather than run with a mismatched table.
fn name_by_content(chunk: &Path, loader_js: &mut String) -> Result {
    use std::hash::{Hash, Hasher};

    let bytes =
        std::fs::read(chunk).map_err(|e| format!("cannot read {}: {e}", chunk.display()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let (Some(stem), Some(name)) = (
        chunk.file_stem().and_then(|s| s.to_str()),
        chunk.file_name().and_then(|s| s.to_str()),
    ) else {
        return Err(format!("{}: not a chunk's name", chunk.display()));
    };
    let hashed = format!("{stem}.{:016x}.wasm", hasher.finish());
    let reference = format!("\"./{name}\"");
    if loader_js.matches(&reference).count() != 1 {
        return Err(format!(
            "the chunk loader does not name {reference} exactly once"
        ));
    }
    *loader_js = loader_js.replace(&reference, &format!("\"./{hashed}\""));
    std::fs::rename(chunk, chunk.with_file_name(&hashed))
        .map_err(|e| format!("cannot rename {}: {e}", chunk.display()))
}

/// Rewrites the WASM module at `path` without its custom sections (names, producers, target
/// features): metadata for tools, which a browser ignores.
fn strip_custom_sections(path: &Path) -> Result {
    let bad = |what: &str| format!("cannot strip {}: {what}", path.display());
    let module = std::fs::read(path).map_err(|e| bad(&e.to_string()))?;
    let (header, mut rest) = module
        .split_at_checked(8)
        .ok_or_else(|| bad("not a WASM module"))?;
    let mut out = header.to_vec();
    while let Some((&id, after_id)) = rest.split_first() {
        let (size, after_size) = read_leb128(after_id).ok_or_else(|| bad("bad section size"))?;
        let end = usize::try_from(size)
            .ok()
            .and_then(|size| (after_id.len() - after_size.len()).checked_add(size))
            .filter(|&end| end <= after_id.len())
            .ok_or_else(|| bad("section overruns the file"))?;
        if id != 0 {
            out.push(id);
            out.extend_from_slice(&after_id[..end]);
        }
        rest = &after_id[end..];
    }
    std::fs::write(path, out).map_err(|e| bad(&e.to_string()))
}

/// An unsigned LEB128 number at the start of `bytes`, and the bytes after it.
fn read_leb128(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// The WASM modules and scripts in `pkg`: the main module and its script, the chunks and
/// their loader.
fn scripts(pkg: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(pkg).map_err(|e| format!("cannot read {}: {e}", pkg.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", pkg.display()))?
            .path();
        if path
            .extension()
            .is_some_and(|ext| ext == "wasm" || ext == "js")
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
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
