//! The no-show record (诚信记录), read from sign-ups, check-ins and results: nothing is stored
//! but the facts (a cancellation's time, an organiser's excuse), so the record follows every
//! correction — a make-up check-in approved later clears the no-show it answers.
//!
//! A confirmed student is a no-show of a published activity that has ended when they have no
//! check-in and no attended result, the organiser did not excuse them, and the activity took
//! attendance at all (someone checked in or a result was recorded: an activity that recorded
//! nobody judges nobody). A cancellation after the activity's cut-off counts too.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::integrity::{Excuse, NoShow, NoShowKind};

use super::{Result, prepared, schema::registrations};

/// The span whose no-shows count at `now`: the current term's days, or the last 180 days
/// between terms; and the term's name.
pub async fn counted_span(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<(Option<String>, DateTime<Utc>, DateTime<Utc>)> {
    let today = now.with_timezone(&Shanghai).date_naive();
    let instant = |day: chrono::NaiveDate| {
        day.and_time(NaiveTime::MIN)
            .and_local_timezone(Shanghai)
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    Ok(match super::points::term_on(conn, today).await? {
        Some(term) => (
            Some(term.name),
            instant(term.starts_on),
            instant(term.ends_on + Duration::days(1)),
        ),
        None => (None, now - Duration::days(180), now + Duration::days(1)),
    })
}

/// The common table of no-shows in `[$2, $3)` at `$4` of the students `$1`.
const NO_SHOWS: &str = "
    SELECT r.student_id, a.id AS activity_id, a.title, o.name AS organizer_name,
           a.ends_at, r.status = 'cancelled' AS late
    FROM registrations r
    JOIN activities a ON a.id = r.activity_id
    JOIN organizations o ON o.id = a.organizer_id
    WHERE r.student_id = ANY($1) AND a.status = 'published'
      AND a.ends_at >= $2 AND a.ends_at < $3 AND a.ends_at < $4
      AND r.excused_at IS NULL
      AND ((r.status = 'confirmed'
            AND NOT EXISTS (SELECT 1 FROM attendance t
                            WHERE t.activity_id = r.activity_id AND t.student_id = r.student_id)
            AND NOT EXISTS (SELECT 1 FROM results x
                            WHERE x.activity_id = r.activity_id AND x.student_id = r.student_id
                              AND x.attended)
            AND (EXISTS (SELECT 1 FROM attendance t WHERE t.activity_id = a.id)
                 OR EXISTS (SELECT 1 FROM results x WHERE x.activity_id = a.id)))
        OR (r.status = 'cancelled'
            AND r.cancelled_at > a.starts_at - make_interval(hours => a.cancel_cutoff_hours)))";

#[derive(QueryableByName)]
struct NoShowRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = BigInt)]
    activity_id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    organizer_name: String,
    #[diesel(sql_type = Timestamptz)]
    ends_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    late: bool,
}

async fn rows(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    span: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<Vec<NoShowRow>> {
    if students.is_empty() {
        return Ok(Vec::new());
    }
    Ok(
        prepared::sql(&format!("{NO_SHOWS} ORDER BY a.ends_at DESC, a.id DESC"))
            .bind::<Array<BigInt>, _>(students)
            .bind::<Timestamptz, _>(span.0)
            .bind::<Timestamptz, _>(span.1)
            .bind::<Timestamptz, _>(now)
            .load(conn)
            .await?,
    )
}

/// A student's no-shows in the span, newest first.
pub async fn of_student(
    conn: &mut AsyncPgConnection,
    student: i64,
    span: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<Vec<NoShow>> {
    Ok(rows(conn, &[student], span, now)
        .await?
        .into_iter()
        .map(|r| NoShow {
            activity_id: r.activity_id,
            activity_title: r.title,
            organizer_name: r.organizer_name,
            ended_at: r.ends_at,
            kind: if r.late {
                NoShowKind::LateCancel
            } else {
                NoShowKind::Absent
            },
        })
        .collect())
}

/// When each of the students' no-shows in the span ended (students without any are absent).
pub async fn ends_of(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    span: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Vec<DateTime<Utc>>>> {
    let mut map: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for row in rows(conn, students, span, now).await? {
        map.entry(row.student_id).or_default().push(row.ends_at);
    }
    Ok(map)
}

/// The organiser's excuses of these sign-ups, by sign-up id.
pub async fn excuses(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let rows: Vec<(i64, Option<String>)> = registrations::table
        .filter(registrations::id.eq_any(ids))
        .filter(registrations::excuse.is_not_null())
        .select((registrations::id, registrations::excuse))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, excuse)| Some((id, excuse?)))
        .collect())
}

/// Records (or, with `None`, withdraws) the organiser's excuse of a sign-up.
pub async fn set_excuse(
    conn: &mut AsyncPgConnection,
    registration: i64,
    excuse: Option<&Excuse>,
    by: i64,
) -> Result<()> {
    let reason = excuse.map(|e| e.reason.trim().to_owned());
    diesel::update(registrations::table.find(registration))
        .set((
            registrations::excuse.eq(&reason),
            registrations::excused_at.eq(reason.as_ref().map(|_| Utc::now())),
            registrations::excused_by.eq(reason.as_ref().map(|_| by)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Stamps a sign-up's cancellation time.
pub async fn mark_cancelled(conn: &mut AsyncPgConnection, registration: i64) -> Result<()> {
    diesel::update(registrations::table.find(registration))
        .set(registrations::cancelled_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the student has checked in to the activity.
pub async fn checked_in(conn: &mut AsyncPgConnection, activity: i64, student: i64) -> Result<bool> {
    use super::schema::attendance;
    let n: i64 = attendance::table
        .filter(attendance::activity_id.eq(activity))
        .filter(attendance::student_id.eq(student))
        .count()
        .get_result(conn)
        .await?;
    Ok(n > 0)
}
