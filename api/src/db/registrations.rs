//! Sign-ups (报名) and in-app notifications.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    activity::{Answers, Registration, RegistrationStatus},
    page::PageRequest,
};

use super::schema::{accounts, activities, organizations, registrations, students};

/// A sign-up as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registrations, check_for_backend(diesel::pg::Pg))]
pub struct RegistrationRow {
    pub id: i64,
    pub activity_id: i64,
    pub student_id: i64,
    pub status: String,
    pub answers: serde_json::Value,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<i64>,
}

impl RegistrationRow {
    pub fn status(&self) -> RegistrationStatus {
        RegistrationStatus::parse(&self.status).unwrap_or(RegistrationStatus::Pending)
    }
}

pub async fn of_student(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    student_id: i64,
) -> Result<Option<RegistrationRow>> {
    Ok(registrations::table
        .filter(registrations::activity_id.eq(activity_id))
        .filter(registrations::student_id.eq(student_id))
        .select(RegistrationRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn get_for_update(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Option<RegistrationRow>> {
    Ok(registrations::table
        .find(id)
        .select(RegistrationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Signs up (or signs up again after cancelling): a fresh place in the order.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    student_id: i64,
    status: RegistrationStatus,
    answers: &Answers,
) -> Result<i64> {
    let answers = serde_json::to_value(answers).unwrap_or_default();
    Ok(diesel::insert_into(registrations::table)
        .values((
            registrations::activity_id.eq(activity_id),
            registrations::student_id.eq(student_id),
            registrations::status.eq(status.as_str()),
            registrations::answers.eq(&answers),
        ))
        .on_conflict((registrations::activity_id, registrations::student_id))
        .do_update()
        .set((
            registrations::status.eq(status.as_str()),
            registrations::answers.eq(&answers),
            registrations::registered_at.eq(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                "clock_timestamp()",
            )),
            registrations::decided_at.eq(None::<DateTime<Utc>>),
            registrations::decided_by.eq(None::<i64>),
        ))
        .returning(registrations::id)
        .get_result(conn)
        .await?)
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: RegistrationStatus,
    by: Option<i64>,
) -> Result<()> {
    diesel::update(registrations::table.find(id))
        .set((
            registrations::status.eq(status.as_str()),
            registrations::decided_at.eq(diesel::dsl::now),
            registrations::decided_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    status: RegistrationStatus,
) -> Result<i64> {
    Ok(registrations::table
        .filter(registrations::activity_id.eq(activity_id))
        .filter(registrations::status.eq(status.as_str()))
        .count()
        .get_result(conn)
        .await?)
}

/// Ids (and students) with this status, in sign-up order.
pub async fn in_order(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    status: RegistrationStatus,
) -> Result<Vec<(i64, i64)>> {
    Ok(registrations::table
        .filter(registrations::activity_id.eq(activity_id))
        .filter(registrations::status.eq(status.as_str()))
        .order((registrations::registered_at, registrations::id))
        .select((registrations::id, registrations::student_id))
        .load(conn)
        .await?)
}

/// Students holding or awaiting a place (to notify them).
pub async fn active_students(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<Vec<i64>> {
    Ok(registrations::table
        .filter(registrations::activity_id.eq(activity_id))
        .filter(registrations::status.eq_any(["pending", "confirmed", "waitlisted"]))
        .select(registrations::student_id)
        .load(conn)
        .await?)
}

/// Which sign-ups to list.
#[derive(Default)]
pub struct Filter {
    /// One sign-up by id.
    pub id: Option<i64>,
    pub activity_id: Option<i64>,
    pub student_id: Option<i64>,
    pub status: Option<RegistrationStatus>,
    /// Student number or name containing this.
    pub search: Option<String>,
}

impl Filter {
    /// Just the sign-up `id`.
    pub fn default_for(id: i64) -> Filter {
        Filter {
            id: Some(id),
            ..Default::default()
        }
    }
}

type Row = (
    RegistrationRow,
    String,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    Option<String>,
);

/// Sign-ups with the student's details, in sign-up order for an activity (newest first for a
/// student's own list), with waitlist positions.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    page: Option<PageRequest>,
) -> Result<(Vec<Registration>, u64)> {
    let decider = diesel::alias!(accounts as decider);
    let query = || {
        let mut query = registrations::table
            .inner_join(activities::table)
            .inner_join(
                accounts::table
                    .inner_join(organizations::table)
                    .inner_join(students::table),
            )
            .left_join(
                decider.on(registrations::decided_by.eq(decider.field(accounts::id).nullable())),
            )
            .into_boxed();
        if let Some(id) = filter.id {
            query = query.filter(registrations::id.eq(id));
        }
        if let Some(activity) = filter.activity_id {
            query = query.filter(registrations::activity_id.eq(activity));
        }
        if let Some(student) = filter.student_id {
            query = query.filter(registrations::student_id.eq(student));
        }
        if let Some(status) = filter.status {
            query = query.filter(registrations::status.eq(status.as_str()));
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = super::pattern::containing(search);
            query = query.filter(
                accounts::username
                    .ilike(pattern.clone())
                    .or(accounts::display_name.ilike(pattern)),
            );
        }
        query
    };
    let total: i64 = query().count().get_result(conn).await?;
    let mut rows = query().select((
        RegistrationRow::as_select(),
        activities::title,
        activities::starts_at,
        accounts::username,
        accounts::display_name,
        organizations::college_name,
        students::class_name,
        decider.field(accounts::display_name).nullable(),
    ));
    rows = if filter.student_id.is_some() && filter.activity_id.is_none() {
        rows.order((
            registrations::registered_at.desc(),
            registrations::id.desc(),
        ))
    } else {
        rows.order((registrations::registered_at, registrations::id))
    };
    if let Some(page) = page {
        rows = rows.offset(page.offset()).limit(page.limit());
    }
    let rows: Vec<Row> = rows.load(conn).await?;
    // Waitlist positions: count of earlier waitlisted sign-ups of the same activity.
    let mut items = Vec::with_capacity(rows.len());
    for (
        row,
        activity_title,
        activity_starts_at,
        student_no,
        student_name,
        college_name,
        class_name,
        decided_by,
    ) in rows
    {
        let waitlist_position = if row.status() == RegistrationStatus::Waitlisted {
            let ahead: i64 = registrations::table
                .filter(registrations::activity_id.eq(row.activity_id))
                .filter(registrations::status.eq("waitlisted"))
                .filter(
                    registrations::registered_at.lt(row.registered_at).or(
                        registrations::registered_at
                            .eq(row.registered_at)
                            .and(registrations::id.lt(row.id)),
                    ),
                )
                .count()
                .get_result(conn)
                .await?;
            Some(ahead as u32 + 1)
        } else {
            None
        };
        items.push(Registration {
            id: row.id,
            activity_id: row.activity_id,
            activity_title,
            student_id: row.student_id,
            student_no,
            student_name,
            college_name,
            class_name,
            status: row.status(),
            waitlist_position,
            answers: serde_json::from_value(row.answers.clone()).unwrap_or_default(),
            registered_at: row.registered_at,
            decided_at: row.decided_at,
            decided_by,
            activity_starts_at,
            no_shows: None,
            excuse: None,
        });
    }
    Ok((items, total.max(0) as u64))
}
