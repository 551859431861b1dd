//! What the reminder job reads (activities about to start, watched ones about to close
//! registration, terms at their middle) and the watches students keep.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{Result, prepared, schema::terms};

/// An activity and the students to tell about it.
#[derive(QueryableByName)]
pub struct Due {
    #[diesel(sql_type = BigInt)]
    pub activity_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub place: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Array<BigInt>)]
    pub students: Vec<i64>,
}

/// Published activities starting in `(now, now + within]` and their confirmed students.
pub async fn starting(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    within: chrono::Duration,
) -> Result<Vec<Due>> {
    Ok(prepared::sql(
        "SELECT a.id AS activity_id, a.title, a.place, a.starts_at AS at,
                array_agg(r.student_id ORDER BY r.student_id) AS students
         FROM activities a
         JOIN registrations r ON r.activity_id = a.id AND r.status = 'confirmed'
         WHERE a.status = 'published' AND a.starts_at > $1 AND a.starts_at <= $2
         GROUP BY a.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + within)
    .load(conn)
    .await?)
}

/// Published activities whose open registration closes in `(now, now + within]`, and the
/// students watching them who have not signed up.
pub async fn closing(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    within: chrono::Duration,
) -> Result<Vec<Due>> {
    Ok(prepared::sql(
        "SELECT a.id AS activity_id, a.title, a.place, a.registration_closes_at AS at,
                array_agg(w.student_id ORDER BY w.student_id) AS students
         FROM activities a
         JOIN activity_watches w ON w.activity_id = a.id
         WHERE a.status = 'published' AND a.registration_opens_at <= $1
           AND a.registration_closes_at > $1 AND a.registration_closes_at <= $2
           AND NOT EXISTS (SELECT 1 FROM registrations r
                           WHERE r.activity_id = a.id AND r.student_id = w.student_id
                             AND r.status <> 'cancelled')
         GROUP BY a.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + within)
    .load(conn)
    .await?)
}

/// The term of `today` if its mid-term day (set, or its middle) has come: its code and name.
pub async fn at_midterm(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> Result<Option<(String, String)>> {
    let row: Option<(String, String, NaiveDate, NaiveDate, Option<NaiveDate>)> = terms::table
        .filter(terms::starts_on.le(today))
        .filter(terms::ends_on.ge(today))
        .select((
            terms::code,
            terms::name,
            terms::starts_on,
            terms::ends_on,
            terms::midterm_on,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(code, name, starts, ends, set)| {
        let middle = set.unwrap_or(starts + (ends - starts) / 2);
        (today >= middle).then_some((code, name))
    }))
}

/// Claims work done once for the whole school (`key`); `false` when it was claimed before. Runs
/// inside the caller's transaction: a failure releases the claim.
pub async fn claim(conn: &mut AsyncPgConnection, key: &str) -> Result<bool> {
    use super::schema::reminder_sweeps as s;
    let n = diesel::insert_into(s::table)
        .values(s::key.eq(key))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Starts (or with `false` stops) the student's watch of the activity.
pub async fn set_watch(
    conn: &mut AsyncPgConnection,
    activity: i64,
    student: i64,
    on: bool,
) -> Result<()> {
    use super::schema::activity_watches as w;
    if on {
        diesel::insert_into(w::table)
            .values((w::activity_id.eq(activity), w::student_id.eq(student)))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    } else {
        diesel::delete(
            w::table
                .filter(w::activity_id.eq(activity))
                .filter(w::student_id.eq(student)),
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Whether the student watches the activity.
pub async fn watching(conn: &mut AsyncPgConnection, activity: i64, student: i64) -> Result<bool> {
    use super::schema::activity_watches as w;
    let n: i64 = w::table
        .filter(w::activity_id.eq(activity))
        .filter(w::student_id.eq(student))
        .count()
        .get_result(conn)
        .await?;
    Ok(n > 0)
}
