//! Dates and numbers as people read them: 2026年11月28日（周六） in Chinese, Sat 28 Nov 2026 in
//! English.

use chrono::{Datelike, NaiveDate, Weekday};

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
