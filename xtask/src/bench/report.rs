//! The results: one [`Row`] per path, printed and saved as a Markdown table and as JSON under
//! `bench-results/`, so that runs can be compared.

use serde_json::{Value, json};

/// One line of the table.
pub struct Row {
    pub key: &'static str,
    /// What is measured, as the table shows it.
    pub title: &'static str,
    /// The target (full mode, 2 cores), or `—`.
    pub target: &'static str,
    pub outcome: Outcome,
}

pub enum Outcome {
    /// The endpoint (or its table) is not built yet.
    NotAvailable(String),
    /// The path is built but could not be measured: the benchmark itself is broken.
    Failed(String),
    Measured(Measured),
}

/// A measured row: the cells, the target checks, and the figures for the JSON.
pub struct Measured {
    pub platform: String,
    pub raw: String,
    pub ratio: String,
    /// Each target with whether it is met; empty when the row has none.
    pub checks: Vec<(String, bool)>,
    pub figures: Value,
}

impl Measured {
    /// Met when every check is; `None` without checks.
    pub fn met(&self) -> Option<bool> {
        (!self.checks.is_empty()).then(|| self.checks.iter().all(|(_, met)| *met))
    }
}

/// `1234.5` → `1,235`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with a precision that suits their size.
pub fn ms(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2} ms")
    } else if value < 100.0 {
        format!("{value:.1} ms")
    } else {
        format!("{} ms", thousands(value))
    }
}

pub fn percent(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

/// The Markdown document of a run: a heading, the table, and the notes.
pub fn markdown(heading: &str, rows: &[Row], notes: &[String]) -> String {
    let mut out = format!("## {heading}\n\n");
    out.push_str("| path | platform | raw limit beside it | platform / raw | target | met |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for row in rows {
        let (platform, raw, ratio, met) = match &row.outcome {
            Outcome::NotAvailable(why) => (
                format!("not available ({why})"),
                "—".to_owned(),
                "—".to_owned(),
                "—".to_owned(),
            ),
            Outcome::Failed(error) => (
                format!("**failed**: {error}"),
                "—".to_owned(),
                "—".to_owned(),
                "—".to_owned(),
            ),
            Outcome::Measured(m) => {
                let met = match m.met() {
                    None => "—".to_owned(),
                    Some(true) => "yes".to_owned(),
                    Some(false) => {
                        let missed: Vec<&str> = m
                            .checks
                            .iter()
                            .filter(|(_, met)| !met)
                            .map(|(check, _)| check.as_str())
                            .collect();
                        format!("**no** ({})", missed.join("; "))
                    }
                };
                (m.platform.clone(), m.raw.clone(), m.ratio.clone(), met)
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            row.title,
            cell(&platform),
            cell(&raw),
            cell(&ratio),
            row.target,
            cell(&met)
        ));
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}

/// Table cells hold no pipes or newlines.
fn cell(text: &str) -> String {
    let text = text.replace('|', "/").replace('\n', " ");
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}

/// The rows as JSON values.
pub fn json_rows(rows: &[Row]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut value = json!({
                    "key": row.key,
                    "path": row.title,
                    "target": row.target,
                });
                match &row.outcome {
                    Outcome::NotAvailable(why) => {
                        value["status"] = json!("not_available");
                        value["reason"] = json!(why);
                    }
                    Outcome::Failed(error) => {
                        value["status"] = json!("failed");
                        value["reason"] = json!(error);
                    }
                    Outcome::Measured(m) => {
                        value["status"] = json!("measured");
                        value["figures"] = m.figures.clone();
                        value["checks"] = Value::Array(
                            m.checks
                                .iter()
                                .map(|(check, met)| json!({"target": check, "met": met}))
                                .collect(),
                        );
                        value["met"] = json!(m.met());
                    }
                }
                value
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_figures() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(ms(4.256), "4.26 ms");
        assert_eq!(ms(42.25), "42.2 ms");
        assert_eq!(ms(1500.0), "1,500 ms");
        assert_eq!(percent(0.756), "76 %");
    }

    #[test]
    fn a_row_missing_a_target_says_which() {
        let rows = [Row {
            key: "x",
            title: "x",
            target: "p99 < 50 ms",
            outcome: Outcome::Measured(Measured {
                platform: "1 req/s".into(),
                raw: "—".into(),
                ratio: "—".into(),
                checks: vec![("p99 < 50 ms".into(), false), ("ok".into(), true)],
                figures: json!({}),
            }),
        }];
        let table = markdown("run", &rows, &[]);
        assert!(table.contains("**no** (p99 < 50 ms)"), "{table}");
    }
}
