//! The demo university's rows that no product path writes (`api seed-demo`): staff and student
//! details as loaded, and a past year of finalised activities with their results.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{accounts, ledger_entries, organizations, staff, students};

/// A staff member's title.
pub async fn staff(conn: &mut AsyncPgConnection, account: i64, title: &str) -> Result<()> {
    diesel::insert_into(staff::table)
        .values((staff::account_id.eq(account), staff::title.eq(title)))
        .execute(conn)
        .await?;
    Ok(())
}

/// A student's details.
pub struct Student<'a> {
    pub major: &'a str,
    pub class_name: &'a str,
    pub enrolment_year: i32,
    pub degree: &'a str,
    pub phone: Option<&'a str>,
}

pub async fn student(conn: &mut AsyncPgConnection, account: i64, s: &Student<'_>) -> Result<()> {
    diesel::insert_into(students::table)
        .values((
            students::account_id.eq(account),
            students::major.eq(s.major),
            students::class_name.eq(s.class_name),
            students::enrolment_year.eq(s.enrolment_year),
            students::degree.eq(s.degree),
            students::phone.eq(s.phone),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// How many ledger entries there are (the history is loaded once, into an empty ledger).
pub async fn ledger_entries(conn: &mut AsyncPgConnection) -> Result<i64> {
    Ok(ledger_entries::table.count().get_result(conn).await?)
}

/// Every student's account id and college code, by student number.
pub async fn students_with_college(conn: &mut AsyncPgConnection) -> Result<Vec<(i64, String)>> {
    Ok(accounts::table
        .inner_join(organizations::table.on(organizations::id.eq(accounts::organization_id)))
        .filter(accounts::kind.eq("student"))
        .order(accounts::username)
        .select((accounts::id, organizations::code))
        .load(conn)
        .await?)
}

/// The organisation with this code and its main account.
pub async fn main_account(conn: &mut AsyncPgConnection, code: &str) -> Result<(i64, i64)> {
    Ok(organizations::table
        .inner_join(
            accounts::table.on(accounts::organization_id
                .eq(organizations::id)
                .and(accounts::is_main)),
        )
        .filter(organizations::code.eq(code))
        .select((organizations::id, accounts::id))
        .first(conn)
        .await?)
}

/// A finalised activity of the past.
pub struct PastActivity<'a> {
    pub organizer: i64,
    pub title: &'a str,
    pub category: &'a str,
    pub credit_level: &'a str,
    /// When it ended, as `YYYY-MM-DD HH:MM:SS+08`.
    pub ends: &'a str,
    pub by: i64,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Inserts it published and finalised two days after its end; its id.
pub async fn past_activity(conn: &mut AsyncPgConnection, a: &PastActivity<'_>) -> Result<i64> {
    Ok(diesel::sql_query(
        "INSERT INTO activities (organizer_id, title, category, credit_level, description,
            starts_at, ends_at, place, registration_opens_at, registration_closes_at,
            enrolment_mode, status, created_by, updated_by, recognized_at, recognized_by)
         VALUES ($1, $2, $3, $4, '示范数据：已结束并完成成绩认定的活动。',
            $5::timestamptz - interval '3 hours', $5::timestamptz, '示范大学',
            $5::timestamptz - interval '20 days', $5::timestamptz - interval '4 hours',
            'first_come', 'published', $6, $6, $5::timestamptz + interval '2 days', $6)
         RETURNING id",
    )
    .bind::<diesel::sql_types::BigInt, _>(a.organizer)
    .bind::<diesel::sql_types::Text, _>(a.title)
    .bind::<diesel::sql_types::Text, _>(a.category)
    .bind::<diesel::sql_types::Text, _>(a.credit_level)
    .bind::<diesel::sql_types::Text, _>(a.ends)
    .bind::<diesel::sql_types::BigInt, _>(a.by)
    .get_result::<Inserted>(conn)
    .await?
    .id)
}

/// A participant's result of a past activity.
pub struct PastResult<'a> {
    pub activity: i64,
    pub student: i64,
    pub hours: Option<f64>,
    pub role: Option<&'a str>,
    pub award: Option<&'a str>,
    pub level: Option<&'a str>,
    pub achievement: Option<&'a str>,
    pub by: i64,
}

pub async fn past_result(conn: &mut AsyncPgConnection, r: &PastResult<'_>) -> Result<()> {
    use diesel::sql_types::{BigInt, Double, Nullable, Text};
    diesel::sql_query(
        "INSERT INTO results (activity_id, student_id, attended, hours, role, award,
            award_level, achievement, recognized_by)
         VALUES ($1, $2, true, $3::numeric, $4, $5, $6, $7, $8)",
    )
    .bind::<BigInt, _>(r.activity)
    .bind::<BigInt, _>(r.student)
    .bind::<Nullable<Double>, _>(r.hours)
    .bind::<Nullable<Text>, _>(r.role)
    .bind::<Nullable<Text>, _>(r.award)
    .bind::<Nullable<Text>, _>(r.level)
    .bind::<Nullable<Text>, _>(r.achievement)
    .bind::<BigInt, _>(r.by)
    .execute(conn)
    .await?;
    Ok(())
}

/// An activity that ended at `a.ends` and whose results are not finalised yet.
pub async fn unrecognised_activity(
    conn: &mut AsyncPgConnection,
    a: &PastActivity<'_>,
) -> Result<i64> {
    Ok(diesel::sql_query(
        "INSERT INTO activities (organizer_id, title, category, credit_level, description,
            starts_at, ends_at, place, registration_opens_at, registration_closes_at,
            enrolment_mode, status, created_by, updated_by)
         VALUES ($1, $2, $3, $4, '示范数据：逾期认定、名单含未报名学生，补录待上级审批。',
            $5::timestamptz - interval '3 hours', $5::timestamptz, '示范大学',
            $5::timestamptz - interval '20 days', $5::timestamptz - interval '4 hours',
            'first_come', 'published', $6, $6)
         RETURNING id",
    )
    .bind::<diesel::sql_types::BigInt, _>(a.organizer)
    .bind::<diesel::sql_types::Text, _>(a.title)
    .bind::<diesel::sql_types::Text, _>(a.category)
    .bind::<diesel::sql_types::Text, _>(a.credit_level)
    .bind::<diesel::sql_types::Text, _>(a.ends)
    .bind::<diesel::sql_types::BigInt, _>(a.by)
    .get_result::<Inserted>(conn)
    .await?
    .id)
}

/// A confirmed place of a student.
pub async fn confirmed_place(
    conn: &mut AsyncPgConnection,
    activity: i64,
    student: i64,
) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO registrations (activity_id, student_id, status) VALUES ($1, $2, 'confirmed')",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity)
    .bind::<diesel::sql_types::BigInt, _>(student)
    .execute(conn)
    .await?;
    Ok(())
}

/// A result for a student who did not take part, with the back-fill reason.
pub async fn backfill_result(
    conn: &mut AsyncPgConnection,
    activity: i64,
    student: i64,
    reason: &str,
    by: i64,
) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO results (activity_id, student_id, attended, role, award, award_level,
            recognized_by, backfill_reason)
         VALUES ($1, $2, true, 'member', 'third', 'college', $3, $4)",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity)
    .bind::<diesel::sql_types::BigInt, _>(student)
    .bind::<diesel::sql_types::BigInt, _>(by)
    .bind::<diesel::sql_types::Text, _>(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Files the demo's reports of a month (see `seed::seed_reports`): 计算机学院's on time by
/// `cs_reports`; when `all`, every other college's too — on time, but 经济管理学院's a day late.
pub async fn file_reports(
    conn: &mut AsyncPgConnection,
    month: chrono::NaiveDate,
    all: bool,
) -> Result<()> {
    super::prepared::sql(
        "UPDATE monthly_reports r
         SET status = 'filed',
             comments = CASE o.code WHEN 'cs' THEN
                 '本月学院团委围绕学风建设开展讲座与竞赛，学生参与积极；逾期认定事项已督促整改。'
               ELSE '本月工作按计划完成。' END,
             filed_by = (SELECT id FROM accounts WHERE username = CASE o.code WHEN 'cs'
                             THEN 'cs_reports' ELSE o.code || '_admin' END),
             filed_at = CASE o.code WHEN 'em' THEN r.due_at + interval '1 day'
                             ELSE r.due_at - interval '6 hours' END,
             updated_at = r.due_at - interval '6 hours'
         FROM organizations o
         WHERE o.id = r.organization_id AND r.month = $1 AND r.status = 'open'
           AND (o.code = 'cs' OR $2)
           AND EXISTS (SELECT 1 FROM accounts WHERE username = CASE o.code WHEN 'cs'
                           THEN 'cs_reports' ELSE o.code || '_admin' END)",
    )
    .bind::<diesel::sql_types::Date, _>(month)
    .bind::<diesel::sql_types::Bool, _>(all)
    .execute(conn)
    .await?;
    Ok(())
}

/// Publishes the committee's report of a month, with its analysis, as `admin`.
pub async fn publish_school_report(
    conn: &mut AsyncPgConnection,
    month: chrono::NaiveDate,
) -> Result<()> {
    super::prepared::sql(
        "INSERT INTO school_reports (school_id, month, analysis, status, published_at, published_by, updated_by)
         SELECT 1, $1, '各学院均已提交月报。计算机学院活动参与率最高；经济管理学院逾期提交，请下月按时报送。'
                || '逾期未认定的活动请各组织在十个工作日内完成认定。',
                'published', now(), a.id, a.id
         FROM accounts a WHERE a.username = 'admin'
         ON CONFLICT (school_id, month) DO NOTHING",
    )
    .bind::<diesel::sql_types::Date, _>(month)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives each of the demo's finalised activities without one an instructor (指导老师), the
/// instructors taken in turn, so the workload sheet has something to show.
pub async fn assign_instructors(conn: &mut AsyncPgConnection) -> Result<()> {
    super::prepared::sql(
        "WITH staff AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM accounts
                        WHERE kind = 'staff' AND active),
              total AS (SELECT count(*) AS n FROM staff)
         UPDATE activities x SET instructor_ids = ARRAY[s.id]
         FROM staff s, total t
         WHERE x.status = 'published' AND x.instructor_ids = '{}' AND t.n > 0
           AND s.n = x.id % t.n",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether any certificate was issued (the demo's are issued once).
pub async fn has_certificates(conn: &mut AsyncPgConnection) -> Result<bool> {
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let row: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM certificates) AS exists")
        .get_result(conn)
        .await?;
    Ok(row.exists)
}

/// The first recognised activity of this title.
pub async fn recognised_activity(conn: &mut AsyncPgConnection, title: &str) -> Result<Option<i64>> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM activities WHERE title = $1 AND recognized_at IS NOT NULL ORDER BY id LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(title)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}

/// What marks the demo's live activities (placed relative to the day the demo is seeded).
pub const LIVE_MARKER: &str = "示范数据：随演示日期刷新的活动。";

/// A live activity of the demo: times relative to `now`, in hours.
pub struct LiveActivity<'a> {
    pub organizer: i64,
    pub by: i64,
    pub title: &'a str,
    pub category: &'a str,
    pub credit_level: &'a str,
    pub place: &'a str,
    pub capacity: Option<i32>,
    pub enrolment_mode: &'a str,
    pub fields: serde_json::Value,
    /// Hours from now: registration opens, closes, the activity starts, ends.
    pub opens: i64,
    pub closes: i64,
    pub starts: i64,
    pub ends: i64,
    /// `published`, or `submitted` waiting at `review_step` of `review_chain`.
    pub status: &'a str,
    pub review_chain: Vec<i64>,
    pub review_step: i32,
}

/// The instant `hours` from `now` as the demo places it: within half a day, from the top of
/// the current hour; further, on its day at 14:00 Beijing time plus the remaining hours (so a
/// lecture five days ahead is at 14:00, not at whatever minute the demo was seeded).
pub fn live_time(now: chrono::DateTime<chrono::Utc>, hours: i64) -> chrono::DateTime<chrono::Utc> {
    use chrono::{Duration, TimeZone, Timelike};
    use chrono_tz::Asia::Shanghai;
    let local = now.with_timezone(&Shanghai);
    if hours.abs() < 12 {
        let top = local
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(local);
        return (top + Duration::hours(hours)).with_timezone(&chrono::Utc);
    }
    let day = local.date_naive() + Duration::days(hours / 24);
    let two_pm = day.and_hms_opt(14, 0, 0).unwrap_or_default();
    let at = Shanghai
        .from_local_datetime(&two_pm)
        .earliest()
        .map_or(now, |t| t.with_timezone(&chrono::Utc));
    at + Duration::hours(hours % 24)
}

/// Inserts the live activity, or moves the one seeded before (same organiser and title) to
/// the new times — unless its results were recognised since, when it is left as it is. Its id.
pub async fn live_activity(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
    a: &LiveActivity<'_>,
) -> Result<i64> {
    use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
    let at = |hours: i64| live_time(now, hours);
    let existing = diesel::sql_query(
        "UPDATE activities SET starts_at = $3, ends_at = $4, registration_opens_at = $5,
            registration_closes_at = $6,
            checkin_opens_at = CASE WHEN checkin_opens_at IS NULL THEN NULL ELSE $3 - interval '30 minutes' END,
            checkin_closes_at = CASE WHEN checkin_closes_at IS NULL THEN NULL ELSE $4 END,
            updated_at = now()
         WHERE organizer_id = $1 AND title = $2 AND description = $7 AND recognized_at IS NULL
         RETURNING id",
    )
    .bind::<BigInt, _>(a.organizer)
    .bind::<Text, _>(a.title)
    .bind::<Timestamptz, _>(at(a.starts))
    .bind::<Timestamptz, _>(at(a.ends))
    .bind::<Timestamptz, _>(at(a.opens))
    .bind::<Timestamptz, _>(at(a.closes))
    .bind::<Text, _>(LIVE_MARKER)
    .get_result::<Inserted>(conn)
    .await
    .optional()?;
    if let Some(row) = existing {
        return Ok(row.id);
    }
    let recognised = diesel::sql_query(
        "SELECT id FROM activities WHERE organizer_id = $1 AND title = $2 AND description = $3",
    )
    .bind::<BigInt, _>(a.organizer)
    .bind::<Text, _>(a.title)
    .bind::<Text, _>(LIVE_MARKER)
    .get_result::<Inserted>(conn)
    .await
    .optional()?;
    if let Some(row) = recognised {
        return Ok(row.id);
    }
    Ok(diesel::sql_query(
        "INSERT INTO activities (organizer_id, title, category, credit_level, description,
            starts_at, ends_at, place, campus, capacity, registration_opens_at,
            registration_closes_at, enrolment_mode, fields, status, review_chain, review_step,
            submitted_at, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '主校区', $9, $10, $11, $12, $13, $14, $15,
            $16, CASE WHEN $14 = 'published' THEN NULL ELSE now() END, $17, $17)
         RETURNING id",
    )
    .bind::<BigInt, _>(a.organizer)
    .bind::<Text, _>(a.title)
    .bind::<Text, _>(a.category)
    .bind::<Text, _>(a.credit_level)
    .bind::<Text, _>(LIVE_MARKER)
    .bind::<Timestamptz, _>(at(a.starts))
    .bind::<Timestamptz, _>(at(a.ends))
    .bind::<Text, _>(a.place)
    .bind::<Nullable<Integer>, _>(a.capacity)
    .bind::<Timestamptz, _>(at(a.opens))
    .bind::<Timestamptz, _>(at(a.closes))
    .bind::<Text, _>(a.enrolment_mode)
    .bind::<Jsonb, _>(&a.fields)
    .bind::<Text, _>(a.status)
    .bind::<Array<BigInt>, _>(&a.review_chain)
    .bind::<Integer, _>(a.review_step)
    .bind::<BigInt, _>(a.by)
    .get_result::<Inserted>(conn)
    .await?
    .id)
}

/// Opens the activity's check-in from half an hour before its start to its end.
pub async fn open_checkin(conn: &mut AsyncPgConnection, activity: i64) -> Result<()> {
    diesel::sql_query(
        "UPDATE activities SET checkin_opens_at = starts_at - interval '30 minutes',
            checkin_closes_at = ends_at WHERE id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity)
    .execute(conn)
    .await?;
    Ok(())
}

/// Signs the students up with this status (those signed up before keep theirs).
pub async fn live_registrations(
    conn: &mut AsyncPgConnection,
    activity: i64,
    students: &[i64],
    status: &str,
) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO registrations (activity_id, student_id, status, registered_at)
         SELECT $1, s, $3, now() - make_interval(mins => n::int)
         FROM unnest($2::bigint[]) WITH ORDINALITY AS t(s, n)
         ON CONFLICT (activity_id, student_id) DO NOTHING",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity)
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(students)
    .bind::<diesel::sql_types::Text, _>(status)
    .execute(conn)
    .await?;
    Ok(())
}

/// Checks the students in (through the projected code, a few minutes after the check-in
/// opened), unless they are already.
pub async fn live_checkins(
    conn: &mut AsyncPgConnection,
    activity: i64,
    students: &[i64],
) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered)
         SELECT $1, s, least(now(), a.checkin_opens_at + make_interval(secs => n::int * 20)), 'qr', true
         FROM unnest($2::bigint[]) WITH ORDINALITY AS t(s, n), activities a
         WHERE a.id = $1
         ON CONFLICT (activity_id, student_id) DO NOTHING",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity)
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(students)
    .execute(conn)
    .await?;
    Ok(())
}

/// Results of attending (with hours) for the students, not recognised yet.
pub async fn live_results(
    conn: &mut AsyncPgConnection,
    activity: i64,
    students: &[i64],
    hours: f64,
    by: i64,
) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO results (activity_id, student_id, attended, hours, recognized_by)
         SELECT $1, s, true, $3::numeric, $4 FROM unnest($2::bigint[]) AS s
         ON CONFLICT (activity_id, student_id) DO NOTHING",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity)
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(students)
    .bind::<diesel::sql_types::Double, _>(hours)
    .bind::<diesel::sql_types::BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account id of a username.
pub async fn account_id(conn: &mut AsyncPgConnection, username: &str) -> Result<Option<i64>> {
    Ok(accounts::table
        .filter(accounts::username.eq(username))
        .select(accounts::id)
        .first(conn)
        .await
        .optional()?)
}
