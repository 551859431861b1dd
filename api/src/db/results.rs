//! Results (成绩认定): each participant's recognised outcome of an activity.

use super::Result;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::attendance::{Award, AwardLevel, ParticipantRole, ResultInput, ResultRecord};

use super::schema::{accounts, activities, attendance, organizations, results};

/// An activity's results, by student number.
pub async fn list(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<Vec<ResultRecord>> {
    let recognizer = diesel::alias!(accounts as recognizer);
    type Row = (
        i64,
        String,
        String,
        bool,
        Option<f64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
        Option<String>,
        String,
        chrono::DateTime<Utc>,
    );
    let rows: Vec<Row> = results::table
        .inner_join(accounts::table.on(accounts::id.eq(results::student_id)))
        .inner_join(recognizer.on(recognizer.field(accounts::id).eq(results::recognized_by)))
        .filter(results::activity_id.eq(activity_id))
        .order(accounts::username)
        .select((
            results::student_id,
            accounts::username,
            accounts::display_name,
            results::attended,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Double>>(
                "results.hours::float8",
            ),
            results::role,
            results::award,
            results::award_level,
            results::note,
            results::achievement,
            results::backfilled,
            results::backfill_reason,
            recognizer.field(accounts::display_name),
            results::recognized_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                student_id,
                student_no,
                student_name,
                attended,
                hours,
                role,
                award,
                award_level,
                note,
                achievement,
                backfilled,
                backfill_reason,
                recognized_by,
                recognized_at,
            )| {
                ResultRecord {
                    student_id,
                    student_no,
                    student_name,
                    attended,
                    hours,
                    role: role.as_deref().and_then(ParticipantRole::parse),
                    award: award.as_deref().and_then(Award::parse),
                    award_level: award_level.as_deref().and_then(AwardLevel::parse),
                    note,
                    achievement,
                    backfilled,
                    backfill_reason,
                    recognized_by,
                    recognized_at,
                }
            },
        )
        .collect())
}

/// Writes the rows (one transaction, by the caller); hours default to check-in → check-out.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    rows: &[(i64, ResultInput)],
    by: i64,
) -> Result<()> {
    for (student, row) in rows {
        let hours = match (row.attended, row.hours) {
            (true, None) => {
                let times: Option<(chrono::DateTime<Utc>, Option<chrono::DateTime<Utc>>)> =
                    attendance::table
                        .filter(attendance::activity_id.eq(activity_id))
                        .filter(attendance::student_id.eq(student))
                        .select((attendance::checked_in_at, attendance::checked_out_at))
                        .first(conn)
                        .await
                        .optional()?;
                times.and_then(|(i, o)| {
                    o.map(|o| ((o - i).num_minutes().max(0) as f64 / 60.0 * 100.0).round() / 100.0)
                })
            }
            (_, hours) => hours,
        };
        super::prepared::sql(
            "INSERT INTO results (activity_id, student_id, attended, hours, role, award, award_level, note, recognized_by, achievement, backfill_reason)
             VALUES ($1, $2, $3, $4::numeric, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (activity_id, student_id) DO UPDATE SET attended = excluded.attended, hours = excluded.hours,
               role = excluded.role, award = excluded.award, award_level = excluded.award_level, note = excluded.note, achievement = excluded.achievement,
               backfill_reason = excluded.backfill_reason, recognized_by = excluded.recognized_by, recognized_at = now()",
        )
        .bind::<diesel::sql_types::BigInt, _>(activity_id)
        .bind::<diesel::sql_types::BigInt, _>(student)
        .bind::<diesel::sql_types::Bool, _>(row.attended)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Double>, _>(hours)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(row.role.map(|r| r.as_str()))
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(row.award.map(|a| a.as_str()))
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(row.award_level.map(|l| l.as_str()))
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(row.note.as_deref())
        .bind::<diesel::sql_types::BigInt, _>(by)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(row.achievement.as_deref())
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(
            row.backfill_reason.as_deref().map(str::trim),
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Marks the activity's results recognised by `by` unless they already are; how many rows
/// changed (0: someone finalised first).
pub async fn mark_recognised(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    by: i64,
) -> Result<usize> {
    Ok(diesel::update(
        activities::table
            .find(activity_id)
            .filter(activities::recognized_at.is_null()),
    )
    .set((
        activities::recognized_at.eq(diesel::dsl::now),
        activities::recognized_by.eq(by),
    ))
    .execute(conn)
    .await?)
}

/// Published activities of `categories` organised in `within`'s subtree that ended in
/// `(since, before)` and are not finalised: `(activity, title, category, organiser, organiser's
/// name, ends_at)`.
pub async fn unrecognised(
    conn: &mut AsyncPgConnection,
    within: i64,
    categories: &[&str],
    since: chrono::DateTime<Utc>,
    before: chrono::DateTime<Utc>,
) -> Result<Vec<(i64, String, String, i64, String, chrono::DateTime<Utc>)>> {
    Ok(activities::table
        .inner_join(organizations::table)
        .filter(organizations::path.contains(vec![within]))
        .filter(activities::status.eq("published"))
        .filter(activities::category.eq_any(categories))
        .filter(activities::recognized_at.is_null())
        .filter(activities::ends_at.lt(before))
        .filter(activities::ends_at.gt(since))
        .select((
            activities::id,
            activities::title,
            activities::category,
            organizations::id,
            organizations::name,
            activities::ends_at,
        ))
        .load(conn)
        .await?)
}

/// An approved back-fill after the results were finalised: the student attended, marked
/// `backfilled`, recognised for whoever asked.
pub async fn backfill(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    student: i64,
    requested_by: i64,
) -> Result<()> {
    super::prepared::sql(
        "INSERT INTO results (activity_id, student_id, attended, backfilled, recognized_by)
         VALUES ($1, $2, true, true, $3)
         ON CONFLICT (activity_id, student_id) DO UPDATE
         SET attended = true, backfilled = true, recognized_by = excluded.recognized_by,
             recognized_at = now()",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity_id)
    .bind::<diesel::sql_types::BigInt, _>(student)
    .bind::<diesel::sql_types::BigInt, _>(requested_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The students who took part in the activity: a confirmed place, or a check-in.
pub async fn participants(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
) -> Result<std::collections::HashSet<i64>> {
    use super::schema::registrations;
    let mut ids: std::collections::HashSet<i64> = registrations::table
        .filter(registrations::activity_id.eq(activity_id))
        .filter(registrations::status.eq("confirmed"))
        .select(registrations::student_id)
        .load::<i64>(conn)
        .await?
        .into_iter()
        .collect();
    ids.extend(
        attendance::table
            .filter(attendance::activity_id.eq(activity_id))
            .select(attendance::student_id)
            .load::<i64>(conn)
            .await?,
    );
    Ok(ids)
}

/// (rows, rows naming non-participants with a back-fill reason) of an activity's results.
pub async fn counts(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<(i64, i64)> {
    Ok(results::table
        .filter(results::activity_id.eq(activity_id))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::count(results::backfill_reason),
        ))
        .first(conn)
        .await?)
}

/// Marks rows as back-filled when a back-fill recognition is approved: every row (`all`), or
/// those with a back-fill reason. Their ledger entries then say so.
pub async fn mark_backfilled(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    all: bool,
) -> Result<()> {
    let rows = results::table.filter(results::activity_id.eq(activity_id));
    if all {
        diesel::update(rows)
            .set(results::backfilled.eq(true))
            .execute(conn)
            .await?;
    } else {
        diesel::update(rows.filter(results::backfill_reason.is_not_null()))
            .set(results::backfilled.eq(true))
            .execute(conn)
            .await?;
    }
    Ok(())
}
