//! Dates and numbers as people read them: 2026年11月28日（周六） in Chinese, Sat 28 Nov 2026 in
//! English.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};

use crate::i18n::Locale;

pub fn date(locale: Locale, date: NaiveDate) -> String {
    match locale {
        Locale::Zh => {
            let weekday = match date.weekday() {
                Weekday::Mon => "一",
                Weekday::Tue => "二",
                Weekday::Wed => "三",
                Weekday::Thu => "四",
                Weekday::Fri => "五",
                Weekday::Sat => "六",
                Weekday::Sun => "日",
            };
            format!(
                "{}年{}月{}日（周{weekday}）",
                date.year(),
                date.month(),
                date.day()
            )
        }
        Locale::En => date.format("%a %-d %b %Y").to_string(),
    }
}

/// A moment in the school's time zone (Asia/Shanghai, UTC+8 all year):
/// 2026年11月28日（周六）14:00, or Sat 28 Nov 2026 14:00.
pub fn datetime(locale: Locale, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&shanghai()).naive_local();
    format!("{} {}", date(locale, local.date()), local.format("%H:%M")).replace("） ", "）")
}

/// The time of day in the school's time zone: 14:02.
pub fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).format("%H:%M").to_string()
}

/// The value of a `datetime-local` input for a moment, in the school's time zone.
pub fn datetime_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` input's value (school time) as a moment; `None` when incomplete.
pub fn parse_datetime_input(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    naive
        .and_local_timezone(shanghai())
        .single()
        .map(|at| at.with_timezone(&Utc))
}

pub(crate) fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}
