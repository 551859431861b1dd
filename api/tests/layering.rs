//! The layering, checked on the source text (see the README's architecture table):
//!
//! - SQL lives in `api/src/db/` only: no other module of the API holds SQL text or the means to
//!   run a query (`RunQueryDsl`, the schema, hand-written statements);
//! - the query layer knows no HTTP: nothing under `api/src/db/` names actix, the request's
//!   actor (`crate::auth`), the answer caches (`crate::cache`) or `AppError`;
//! - `shared` knows neither side (no actix, Diesel or Leptos);
//! - web components know no pages.
//!
//! A failure names the file, the line and the rule.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments, line by line (doc comments may speak of SQL).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let code = match line.find("//") {
                // Not inside a string such as "http://…": good enough for this tree, where
                // strings with `//` are URLs that hold no SQL anyway.
                Some(at) if !line[..at].contains('"') => &line[..at],
                _ => line,
            };
            (i + 1, code.to_owned())
        })
        .collect()
}

/// The contents of the string literals of `text` (plain and raw), with the line each starts on.
fn string_literals(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' => {
                // A char literal such as '"' (not a lifetime): skip it whole.
                if bytes.get(i + 2) == Some(&b'\'') {
                    i += 3;
                    continue;
                }
                if bytes.get(i + 1) == Some(&b'\\') && bytes.get(i + 3) == Some(&b'\'') {
                    i += 4;
                    continue;
                }
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while bytes.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let start = j + 1;
                    let end = text[start..]
                        .find(&close)
                        .map_or(text.len(), |at| start + at);
                    out.push((line, text[start..end].to_owned()));
                    line += text[start..end].matches('\n').count();
                    i = end + close.len();
                    continue;
                }
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    if bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let end = j.min(bytes.len());
                out.push((line, text[start..end].to_owned()));
                line += text[start..end].matches('\n').count();
                i = end + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether a string literal reads as SQL.
fn is_sql(literal: &str) -> bool {
    let words: Vec<&str> = literal
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    (has("SELECT") && has("FROM"))
        || (has("INSERT") && has("INTO"))
        || (has("UPDATE") && has("SET"))
        || (has("DELETE") && has("FROM"))
        || (has("LOCK") && has("TABLE"))
        || (has("ON") && has("CONFLICT"))
}

/// `(file:line, what)` for each line of `files` that holds one of `forbidden`.
fn offending(files: &[PathBuf], forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, code) in code_lines(&text) {
            // The OpenAPI document's schemas are not the database's.
            let code = code.replace("openapi::schema::", "openapi::");
            for pattern in forbidden {
                if code.contains(pattern) {
                    found.push(format!("{}:{line}: `{pattern}`", relative(file)));
                }
            }
        }
    }
    found
}

fn relative(file: &Path) -> String {
    let root = root().canonicalize().unwrap();
    let file = file.canonicalize().unwrap();
    file.strip_prefix(&root)
        .unwrap_or(&file)
        .display()
        .to_string()
}

fn assert_none(rule: &str, found: Vec<String>) {
    assert!(
        found.is_empty(),
        "{rule}; {} places break it:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn sql_lives_in_the_query_layer_only() {
    let db = root().join("api/src/db");
    let outside: Vec<PathBuf> = rust_files(&root().join("api/src"))
        .into_iter()
        .filter(|f| !f.starts_with(&db))
        .collect();
    assert!(outside.len() > 20, "{outside:?}");
    let mut found = offending(
        &outside,
        &[
            "RunQueryDsl",
            "sql_query",
            "prepared::",
            "schema::",
            "QueryableByName",
            "diesel::sql_types",
            "diesel::dsl",
            "diesel::prelude",
            "diesel::insert_into",
            "diesel::update",
            "diesel::delete",
            "diesel::select",
            "diesel::alias",
        ],
    );
    for file in &outside {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, literal) in string_literals(&text) {
            if is_sql(&literal) {
                let start: String = literal.trim().chars().take(40).collect();
                found.push(format!("{}:{line}: SQL text \"{start}…\"", relative(file)));
            }
        }
    }
    assert_none(
        "only api/src/db/ holds SQL text or runs queries (move the query into db/<resource>.rs)",
        found,
    );
}

#[test]
fn the_query_layer_knows_no_http() {
    let files = rust_files(&root().join("api/src/db"));
    assert!(files.len() > 10);
    assert_none(
        "api/src/db/ imports nothing from actix, auth or cache and returns db::Error, not AppError",
        offending(
            &files,
            &[
                "actix",
                "crate::auth",
                "crate::cache",
                "crate::error",
                "AppError",
                "AppState",
                "HttpResponse",
            ],
        ),
    );
}

#[test]
fn shared_knows_neither_side() {
    let files = rust_files(&root().join("shared/src"));
    assert_none(
        "shared compiles for the server and the browser alike",
        offending(&files, &["actix", "diesel", "leptos", "web_sys"]),
    );
}

#[test]
fn web_components_know_no_pages() {
    let files = rust_files(&root().join("web/src/components"));
    assert!(files.len() > 5);
    assert_none(
        "a component is shared by pages and imports none (move what both need into components/)",
        offending(&files, &["pages::"]),
    );
}

#[test]
fn pages_import_no_other_page() {
    let pages = root().join("web/src/pages");
    let mut found = Vec::new();
    for file in rust_files(&pages) {
        if file.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        found.extend(offending(&[file], &["pages::"]));
    }
    assert_none(
        "pages share through components, not through each other",
        found,
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    let sample = r##"
        // SELECT id FROM accounts (a comment)
        let url = "https://example.org/select";
        let q = "SELECT a.id
             FROM accounts a";
        let raw = r#"INSERT INTO t (a) VALUES ("x")"#;
        let c = '"';
        let label = "Select the students from the list";
    "##;
    let literals = string_literals(sample);
    let sql: Vec<usize> = literals
        .iter()
        .filter(|(_, l)| is_sql(l))
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(sql, vec![4, 6], "{literals:?}");
    let lines = code_lines("let x = 1; // schema::accounts\nuse diesel::prelude::*;");
    assert!(!lines[0].1.contains("schema::"));
    assert!(lines[1].1.contains("diesel::prelude"));
}
