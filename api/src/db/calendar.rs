//! The working-day calendar's exceptions.

use super::Result;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::calendar::{CalendarDay, DayKind};
use shared::page::PageRequest;

use super::schema::calendar_days;

/// One page of the exceptions between `from` and `to` (inclusive), by date, and their count.
pub async fn list(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    page: PageRequest,
) -> Result<(Vec<CalendarDay>, u64)> {
    let total: i64 = calendar_days::table
        .filter(calendar_days::date.between(from, to))
        .count()
        .get_result(conn)
        .await?;
    let rows: Vec<(NaiveDate, String, String)> = calendar_days::table
        .filter(calendar_days::date.between(from, to))
        .order(calendar_days::date)
        .select((
            calendar_days::date,
            calendar_days::kind,
            calendar_days::name,
        ))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)
        .await?;
    let days = rows
        .into_iter()
        .filter_map(|(date, kind, name)| {
            Some(CalendarDay {
                date,
                kind: DayKind::parse(&kind)?,
                name,
            })
        })
        .collect();
    Ok((days, total.max(0) as u64))
}

/// Every exception on or after `from`, by date (the table holds a few dozen rows a year).
pub async fn from(conn: &mut AsyncPgConnection, from: NaiveDate) -> Result<Vec<CalendarDay>> {
    let rows: Vec<(NaiveDate, String, String)> = calendar_days::table
        .filter(calendar_days::date.ge(from))
        .order(calendar_days::date)
        .select((
            calendar_days::date,
            calendar_days::kind,
            calendar_days::name,
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().filter_map(day).collect())
}

/// A row as a domain value (the table's CHECK constraint admits only known kinds).
fn day((date, kind, name): (NaiveDate, String, String)) -> Option<CalendarDay> {
    Some(CalendarDay {
        date,
        kind: DayKind::parse(&kind)?,
        name,
    })
}

/// Sets (or replaces) the exception of a date.
pub async fn upsert(conn: &mut AsyncPgConnection, day: &CalendarDay, by: i64) -> Result<()> {
    diesel::insert_into(calendar_days::table)
        .values((
            calendar_days::date.eq(day.date),
            calendar_days::kind.eq(day.kind.as_str()),
            calendar_days::name.eq(&day.name),
            calendar_days::updated_by.eq(by),
        ))
        .on_conflict(calendar_days::date)
        .do_update()
        .set((
            calendar_days::kind.eq(day.kind.as_str()),
            calendar_days::name.eq(&day.name),
            calendar_days::updated_at.eq(diesel::dsl::now),
            calendar_days::updated_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a date's exception; answers whether there was one.
pub async fn delete(conn: &mut AsyncPgConnection, date: NaiveDate) -> Result<bool> {
    Ok(diesel::delete(calendar_days::table.find(date))
        .execute(conn)
        .await?
        == 1)
}
