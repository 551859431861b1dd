//! The working-day calendar (工作日): weekends and public holidays are off, adjusted working days
//! (调休, a weekend day made a workday) are on. Deadlines in the notice count working days.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How a listed date departs from the ordinary week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off (放假), whatever the weekday.
    Holiday,
    /// A weekend day that is worked (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(text: &str) -> Option<DayKind> {
        match text {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One exception to the ordinary Monday–Friday week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}))
)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The festival it belongs to, e.g. 国庆节 or 春节调休.
    pub name: String,
}

/// The most working days a deadline may be counted over (two years' worth).
pub const MAX_WORKING_DAYS: u32 = 500;

/// `POST /api/calendar/deadline`: "`working_days` working days after `start`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"start": "2026-09-30", "working_days": 5}))
)]
pub struct DeadlineRequest {
    /// The day the count starts after (e.g. the day an activity ended); not itself counted.
    pub start: NaiveDate,
    /// How many working days, 0–500.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 500))]
    pub working_days: u32,
}

impl DeadlineRequest {
    /// The same rule the server applies; the web app checks forms with it as the user types.
    pub fn validate(&self) -> Result<(), crate::ApiError> {
        if self.working_days > MAX_WORKING_DAYS {
            return Err(crate::ApiError::invalid(
                "working_days",
                format!("working_days must be between 0 and {MAX_WORKING_DAYS}"),
            ));
        }
        Ok(())
    }
}

/// The answer: the last day of the period, and the holidays and adjusted days it crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"start": "2026-09-30", "working_days": 5, "deadline": "2026-10-13", "exceptions": []}))
)]
pub struct Deadline {
    pub start: NaiveDate,
    pub working_days: u32,
    /// The last day of the period (inclusive).
    pub deadline: NaiveDate,
    /// Calendar exceptions between `start` and `deadline` that moved it.
    pub exceptions: Vec<CalendarDay>,
}

/// A calendar built from the exceptions; dates not listed follow the ordinary week.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    exceptions: HashMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new<'a>(days: impl IntoIterator<Item = &'a CalendarDay>) -> Self {
        WorkCalendar {
            exceptions: days.into_iter().map(|day| (day.date, day.kind)).collect(),
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date on which `n` working days have passed after `date` (the day itself not
    /// counted): the deadline "within n working days after `date`". `n = 0` gives `date`.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days from `from` to `to`: how many working days lie in `(from, to]`, negative
    /// when `to` is before `from` (so "3 working days left" or "2 working days overdue").
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (start, end, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut day = start;
        while day < end {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        sign * count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_between_counts_both_ways() {
        let calendar = national_day_2026();
        assert_eq!(
            calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 13)),
            5
        );
        assert_eq!(
            calendar.working_days_between(date(2026, 10, 13), date(2026, 9, 30)),
            -5
        );
        assert_eq!(
            calendar.working_days_between(date(2026, 10, 1), date(2026, 10, 1)),
            0
        );
    }

    #[test]
    fn deadline_request_bounds() {
        let request = |working_days| DeadlineRequest {
            start: date(2026, 1, 1),
            working_days,
        };
        assert!(request(0).validate().is_ok());
        assert!(request(MAX_WORKING_DAYS).validate().is_ok());
        let error = request(MAX_WORKING_DAYS + 1).validate().unwrap_err();
        assert_eq!(error.field.as_deref(), Some("working_days"));
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn national_day_2026() -> WorkCalendar {
        let mut days: Vec<CalendarDay> = (1..=7)
            .map(|d| CalendarDay {
                date: date(2026, 10, d),
                kind: DayKind::Holiday,
                name: "国庆节".into(),
            })
            .collect();
        days.push(CalendarDay {
            date: date(2026, 9, 20),
            kind: DayKind::Workday,
            name: "国庆节调休".into(),
        });
        days.push(CalendarDay {
            date: date(2026, 10, 10),
            kind: DayKind::Workday,
            name: "国庆节调休".into(),
        });
        WorkCalendar::new(&days)
    }

    #[test]
    fn ordinary_weeks_skip_weekends() {
        let calendar = WorkCalendar::default();
        // Friday 2026-11-27 + 1 working day = Monday 2026-11-30.
        assert_eq!(
            calendar.add_working_days(date(2026, 11, 27), 1),
            date(2026, 11, 30)
        );
        assert_eq!(
            calendar.add_working_days(date(2026, 11, 23), 10),
            date(2026, 12, 7)
        );
        assert_eq!(
            calendar.add_working_days(date(2026, 11, 28), 0),
            date(2026, 11, 28)
        );
    }

    #[test]
    fn holidays_are_skipped_and_adjusted_saturdays_count() {
        let calendar = national_day_2026();
        assert!(!calendar.is_working_day(date(2026, 10, 5)));
        assert!(
            calendar.is_working_day(date(2026, 10, 10)),
            "Saturday 10-10 is a 调休 workday"
        );
        // Wednesday 2026-09-30 + 5 working days: 10-08 (Thu), 10-09, 10-10 (Sat, 调休), 10-12, 10-13.
        assert_eq!(
            calendar.add_working_days(date(2026, 9, 30), 5),
            date(2026, 10, 13)
        );
    }
}
