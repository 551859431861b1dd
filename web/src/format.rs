//! Dates and numbers as people read them: 2026年11月28日（周六） in Chinese, Sat 28 Nov 2026 in
//! English.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

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

/// The time of day to the second in the school's time zone: 14:02:37.
pub fn clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).format("%H:%M:%S").to_string()
}

/// A share (0–1) as a percentage with one decimal: 75.0%.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// When an activity runs: 2026年11月28日（周六）14:00–16:00 on one day, both ends in full
/// otherwise.
pub fn span(locale: Locale, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let (a, b) = (
        from.with_timezone(&shanghai()).naive_local(),
        to.with_timezone(&shanghai()).naive_local(),
    );
    if a.date() == b.date() {
        format!("{}–{}", datetime(locale, from), b.format("%H:%M"))
    } else {
        format!("{} – {}", datetime(locale, from), datetime(locale, to))
    }
}

/// A moment as a `datetime-local` input shows it, in Asia/Shanghai: `2026-11-28T14:00`.
pub fn to_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai())
        .naive_local()
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// What a `datetime-local` input holds, read in Asia/Shanghai.
pub fn from_input(text: &str) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    shanghai()
        .from_local_datetime(&local)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// The first moment of a day in Asia/Shanghai.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    shanghai()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// How long something has waited: 3 天 2 小时, 5 小时, 12 分钟 (or 3 d 2 h …).
pub fn waited(locale: Locale, seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match locale {
        Locale::Zh if days > 0 => format!("{days} 天 {hours} 小时"),
        Locale::Zh if hours > 0 => format!("{hours} 小时 {mins} 分钟"),
        Locale::Zh => format!("{mins} 分钟"),
        Locale::En if days > 0 => format!("{days} d {hours} h"),
        Locale::En if hours > 0 => format!("{hours} h {mins} min"),
        Locale::En => format!("{mins} min"),
    }
}

/// A decimal number without trailing zeros: 2.5, 12, 0.25.
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Points with their sign, as a ledger shows a change: +2.5, -0.5, 0.
pub fn signed(points: shared::rules::Points) -> String {
    if points.0 > 0 {
        format!("+{points}")
    } else {
        points.to_string()
    }
}

pub(crate) fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}
