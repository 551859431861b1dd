//! LIKE patterns from what people type: their `%`, `_` and `\` are taken literally (escaped with
//! PostgreSQL's default escape character, the backslash), so a search for `S_01` finds `S_01`
//! and not `S101`, and one for `100%` finds `100%`.

/// Escapes `text`'s LIKE wildcards and the escape character itself.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A pattern matching `text` (trimmed) anywhere.
pub fn containing(text: &str) -> String {
    format!("%{}%", literal(text.trim()))
}

/// A pattern matching what starts with `text` (trimmed).
pub fn starting(text: &str) -> String {
    format!("{}%", literal(text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_the_escape_character_are_taken_literally() {
        assert_eq!(containing(" S_01 "), r"%S\_01%");
        assert_eq!(containing("100%"), r"%100\%%");
        assert_eq!(containing(r"a\b"), r"%a\\b%");
        assert_eq!(containing(r"\%_"), r"%\\\%\_%");
        assert_eq!(starting("activity."), "activity.%");
        assert_eq!(starting("a_b"), r"a\_b%");
        assert_eq!(containing("计算机"), "%计算机%");
    }
}
