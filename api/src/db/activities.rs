//! Activities, their transitions, and the counts of their sign-ups.

use super::Result;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    activity::{
        ActivityInput, ActivityStatus, ActivitySummary, CreditLevel, Eligibility, EnrolmentMode,
        FormField, PersonRef, Phase, Transition,
    },
    page::PageRequest,
    people::Degree,
};

use super::{
    prepared,
    schema::{
        accounts, activities, activity_categories, activity_transitions, organizations,
        registrations,
    },
};

/// An activity as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activities, check_for_backend(diesel::pg::Pg))]
pub struct ActivityRow {
    pub id: i64,
    pub organizer_id: i64,
    pub title: String,
    pub category: String,
    pub credit_level: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub campus: String,
    pub capacity: Option<i32>,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub eligible_colleges: Vec<i64>,
    pub eligible_years: Vec<i32>,
    pub eligible_degrees: Vec<String>,
    pub instructor_ids: Vec<i64>,
    pub cover_image_url: Option<String>,
    pub points_rule: Option<String>,
    pub enrolment_mode: String,
    pub fields: serde_json::Value,
    pub status: String,
    pub review_chain: Vec<i64>,
    pub review_step: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub lottery_seed: Option<String>,
    pub lottery_drawn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: i64,
    pub cancel_cutoff_hours: i16,
}

impl ActivityRow {
    pub fn status(&self) -> ActivityStatus {
        ActivityStatus::parse(&self.status).unwrap_or(ActivityStatus::Draft)
    }
    pub fn credit_level(&self) -> CreditLevel {
        CreditLevel::parse(&self.credit_level).unwrap_or(CreditLevel::Club)
    }
    pub fn enrolment_mode(&self) -> EnrolmentMode {
        EnrolmentMode::parse(&self.enrolment_mode).unwrap_or(EnrolmentMode::FirstCome)
    }
    pub fn form(&self) -> Vec<FormField> {
        serde_json::from_value(self.fields.clone()).unwrap_or_default()
    }
    pub fn eligibility(&self) -> Eligibility {
        Eligibility {
            colleges: self.eligible_colleges.clone(),
            enrolment_years: self.eligible_years.clone(),
            degrees: self
                .eligible_degrees
                .iter()
                .filter_map(|d| Degree::parse(d))
                .collect(),
        }
    }
    /// The organisation whose approval the activity waits for.
    pub fn awaiting(&self) -> Option<i64> {
        (self.status() == ActivityStatus::Submitted)
            .then(|| self.review_chain.get(self.review_step as usize).copied())
            .flatten()
    }
    pub fn phase(&self, now: DateTime<Utc>) -> Option<Phase> {
        (self.status() == ActivityStatus::Published).then(|| {
            shared::activity::phase(
                now,
                self.registration_opens_at,
                self.registration_closes_at,
                self.starts_at,
                self.ends_at,
            )
        })
    }
}

/// The columns a definition sets (create and update).
#[derive(AsChangeset, Insertable)]
#[diesel(table_name = activities, treat_none_as_null = true)]
pub struct Definition {
    pub title: String,
    pub category: String,
    pub credit_level: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub campus: String,
    pub capacity: Option<i32>,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub eligible_colleges: Vec<i64>,
    pub eligible_years: Vec<i32>,
    pub eligible_degrees: Vec<String>,
    pub instructor_ids: Vec<i64>,
    pub cover_image_url: Option<String>,
    pub points_rule: Option<String>,
    pub enrolment_mode: String,
    pub fields: serde_json::Value,
    pub cancel_cutoff_hours: i16,
    pub updated_by: i64,
}

impl Definition {
    pub fn from_input(input: &ActivityInput, by: i64) -> Definition {
        let mut colleges = input.eligibility.colleges.clone();
        colleges.sort();
        colleges.dedup();
        let mut years = input.eligibility.enrolment_years.clone();
        years.sort();
        years.dedup();
        let mut degrees: Vec<String> = input
            .eligibility
            .degrees
            .iter()
            .map(|d| d.as_str().to_owned())
            .collect();
        degrees.sort();
        degrees.dedup();
        let mut instructors = input.instructor_ids.clone();
        instructors.dedup();
        Definition {
            title: input.title.trim().to_owned(),
            category: input.category.clone(),
            credit_level: input.credit_level.as_str().to_owned(),
            description: input.description.trim().to_owned(),
            // PostgreSQL keeps microseconds: compare like with like when amending.
            starts_at: input.starts_at.trunc_subsecs(6),
            ends_at: input.ends_at.trunc_subsecs(6),
            place: input.place.trim().to_owned(),
            campus: input.campus.trim().to_owned(),
            capacity: input.capacity.map(|c| c as i32),
            registration_opens_at: input.registration_opens_at.trunc_subsecs(6),
            registration_closes_at: input.registration_closes_at.trunc_subsecs(6),
            eligible_colleges: colleges,
            eligible_years: years,
            eligible_degrees: degrees,
            instructor_ids: instructors,
            cover_image_url: input.cover_image_url.clone(),
            points_rule: input.points_rule.clone(),
            enrolment_mode: input.enrolment_mode.as_str().to_owned(),
            fields: serde_json::to_value(&input.fields).unwrap_or_default(),
            cancel_cutoff_hours: input.cancel_cutoff_hours.min(720) as i16,
            updated_by: by,
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    organizer_id: i64,
    definition: &Definition,
) -> Result<ActivityRow> {
    Ok(diesel::insert_into(activities::table)
        .values((
            definition,
            activities::organizer_id.eq(organizer_id),
            activities::created_by.eq(definition.updated_by),
        ))
        .returning(ActivityRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn update_definition(
    conn: &mut AsyncPgConnection,
    id: i64,
    definition: &Definition,
) -> Result<()> {
    diesel::update(activities::table.find(id))
        .set((definition, activities::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<ActivityRow>> {
    Ok(activities::table
        .find(id)
        .select(ActivityRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Locks the activity for the rest of the transaction: every state change and every sign-up
/// goes through this lock, so capacity holds under concurrent requests.
pub async fn get_for_update(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<ActivityRow>> {
    Ok(activities::table
        .find(id)
        .select(ActivityRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Sets the review state.
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: ActivityStatus,
    chain: &[i64],
    step: i32,
    submitted_at: Option<DateTime<Utc>>,
    by: i64,
) -> Result<()> {
    diesel::update(activities::table.find(id))
        .set((
            activities::status.eq(status.as_str()),
            activities::review_chain.eq(chain),
            activities::review_step.eq(step),
            activities::submitted_at.eq(submitted_at),
            activities::updated_at.eq(diesel::dsl::now),
            activities::updated_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_lottery(conn: &mut AsyncPgConnection, id: i64, seed: &str) -> Result<()> {
    diesel::update(activities::table.find(id))
        .set((
            activities::lottery_seed.eq(seed),
            activities::lottery_drawn_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub struct NewTransition<'a> {
    pub activity_id: i64,
    pub action: &'a str,
    pub from: ActivityStatus,
    pub to: ActivityStatus,
    pub actor_id: i64,
    pub organization_id: i64,
    pub reason: Option<&'a str>,
}

pub async fn record_transition(conn: &mut AsyncPgConnection, t: NewTransition<'_>) -> Result<()> {
    diesel::insert_into(activity_transitions::table)
        .values((
            activity_transitions::activity_id.eq(t.activity_id),
            activity_transitions::action.eq(t.action),
            activity_transitions::from_status.eq(t.from.as_str()),
            activity_transitions::to_status.eq(t.to.as_str()),
            activity_transitions::actor_id.eq(t.actor_id),
            activity_transitions::organization_id.eq(t.organization_id),
            activity_transitions::reason.eq(t.reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A transition with the ids the review display needs.
pub struct TransitionRow {
    pub transition: Transition,
    pub organization_id: i64,
}

pub async fn transitions(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
) -> Result<Vec<TransitionRow>> {
    type Row = (
        DateTime<Utc>,
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = activity_transitions::table
        .inner_join(accounts::table)
        .inner_join(organizations::table)
        .filter(activity_transitions::activity_id.eq(activity_id))
        .order(activity_transitions::id)
        .select((
            activity_transitions::at,
            activity_transitions::action,
            activity_transitions::from_status,
            activity_transitions::to_status,
            accounts::display_name,
            organizations::id,
            organizations::name,
            activity_transitions::reason,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(at, action, from, to, actor_name, organization_id, organization_name, reason)| {
                TransitionRow {
                    transition: Transition {
                        at,
                        action,
                        from_status: ActivityStatus::parse(&from).unwrap_or(ActivityStatus::Draft),
                        to_status: ActivityStatus::parse(&to).unwrap_or(ActivityStatus::Draft),
                        actor_name,
                        organization_name,
                        reason,
                    },
                    organization_id,
                }
            },
        )
        .collect())
}

/// Names of organisations by id.
pub async fn organization_names(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String)>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load(conn)
        .await?)
}

/// Staff accounts by id (active ones), as people.
pub async fn staff_people(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<Vec<PersonRef>> {
    let rows: Vec<(i64, String)> = accounts::table
        .filter(accounts::id.eq_any(ids))
        .filter(accounts::kind.eq("staff"))
        .filter(accounts::active.eq(true))
        .select((accounts::id, accounts::display_name))
        .load(conn)
        .await?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            rows.iter()
                .find(|(r, _)| r == id)
                .map(|(id, name)| PersonRef {
                    id: *id,
                    name: name.clone(),
                })
        })
        .collect())
}

/// A category's Chinese name, if it exists and is active.
pub async fn category_name(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> Result<Option<(String, bool)>> {
    Ok(activity_categories::table
        .find(code)
        .select((activity_categories::name, activity_categories::active))
        .first(conn)
        .await
        .optional()?)
}

/// Sign-up counts of activities: (confirmed, waitlisted, pending) by activity id.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> Result<Vec<(i64, u32, u32, u32)>> {
    let rows: Vec<(i64, String, i64)> = registrations::table
        .filter(registrations::activity_id.eq_any(ids))
        .filter(registrations::status.eq_any(["confirmed", "waitlisted", "pending"]))
        .group_by((registrations::activity_id, registrations::status))
        .select((
            registrations::activity_id,
            registrations::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let of = |status: &str| {
                rows.iter()
                    .find(|(a, s, _)| a == id && s == status)
                    .map(|(_, _, n)| *n as u32)
                    .unwrap_or(0)
            };
            (*id, of("confirmed"), of("waitlisted"), of("pending"))
        })
        .collect())
}

/// What the activity list shows.
#[derive(Default)]
pub struct Filter {
    /// Only these states (the student feed: published and cancelled).
    pub statuses: Vec<ActivityStatus>,
    /// Organised inside this organisation's subtree.
    pub organizer_within: Option<i64>,
    pub category: Option<String>,
    pub campus: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Published with registration open now.
    pub open_now: Option<DateTime<Utc>>,
    pub search: Option<String>,
}

/// One page of activities, soonest first for the feed (latest first otherwise), with their
/// organiser and category names and confirmed counts.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    page: PageRequest,
    now: DateTime<Utc>,
) -> Result<(Vec<ActivitySummary>, u64)> {
    // The same filters on the page query (joined for the names) and on the count (the bare
    // table: counting through the joins was most of the feed's time at 5,000 activities).
    macro_rules! filtered {
        ($query:expr, $within:ident => $organizer:expr) => {{
            let mut query = $query;
            if !filter.statuses.is_empty() {
                query = query.filter(
                    activities::status.eq_any(
                        filter
                            .statuses
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>(),
                    ),
                );
            }
            if let Some($within) = filter.organizer_within {
                query = query.filter($organizer);
            }
            if let Some(category) = &filter.category {
                query = query.filter(activities::category.eq(category.clone()));
            }
            if let Some(campus) = &filter.campus {
                query = query.filter(activities::campus.eq(campus.clone()));
            }
            if let Some(from) = filter.from {
                query = query.filter(activities::ends_at.ge(from));
            }
            if let Some(to) = filter.to {
                query = query.filter(activities::starts_at.le(to));
            }
            if let Some(now) = filter.open_now {
                query = query
                    .filter(activities::status.eq("published"))
                    .filter(activities::registration_opens_at.le(now))
                    .filter(activities::registration_closes_at.gt(now));
            }
            if let Some(search) = filter
                .search
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let pattern = super::pattern::containing(search);
                query = query.filter(
                    activities::title
                        .ilike(pattern.clone())
                        .or(activities::place.ilike(pattern)),
                );
            }
            query
        }};
    }
    let query = || {
        filtered!(
            activities::table
                .inner_join(organizations::table)
                .inner_join(activity_categories::table)
                .into_boxed(),
            within => organizations::path.contains(vec![within])
        )
    };
    // The organiser's subtree as a subquery, so the count needs no join.
    let count = || {
        filtered!(
            activities::table.into_boxed(),
            within => activities::organizer_id.eq_any(
                organizations::table
                    .filter(organizations::path.contains(vec![within]))
                    .select(organizations::id)
            )
        )
    };
    // The count and the page go out together (pipelined on the one connection), the page with
    // each activity's confirmed places: one round trip for the feed after authentication.
    let confirmed = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM registrations r \
          WHERE r.activity_id = activities.id AND r.status = 'confirmed')",
    );
    type Row = (ActivityRow, String, String, i64);
    let (mut for_count, mut for_page) = (&*conn, &*conn);
    let total = count().count().get_result::<i64>(&mut for_count);
    let rows = query()
        .order((activities::starts_at.desc(), activities::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .select((
            ActivityRow::as_select(),
            organizations::name,
            activity_categories::name,
            confirmed,
        ))
        .load::<Row>(&mut for_page);
    let (total, rows) = futures_util::future::try_join(total, rows).await?;
    let items = rows
        .into_iter()
        .map(|(row, organizer_name, category_name, confirmed)| {
            summary(
                &row,
                organizer_name,
                category_name,
                confirmed.clamp(0, i64::from(u32::MAX)) as u32,
                now,
            )
        })
        .collect();
    Ok((items, total.max(0) as u64))
}

pub fn summary(
    row: &ActivityRow,
    organizer_name: String,
    category_name: String,
    confirmed: u32,
    now: DateTime<Utc>,
) -> ActivitySummary {
    ActivitySummary {
        id: row.id,
        title: row.title.clone(),
        category: row.category.clone(),
        category_name,
        organizer: PersonRef {
            id: row.organizer_id,
            name: organizer_name,
        },
        credit_level: row.credit_level(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place: row.place.clone(),
        campus: row.campus.clone(),
        capacity: row.capacity.map(|c| c as u32),
        confirmed,
        registration_opens_at: row.registration_opens_at,
        registration_closes_at: row.registration_closes_at,
        status: row.status(),
        phase: row.phase(now),
        points_rule: row.points_rule.clone(),
        cover_image_url: row.cover_image_url.clone(),
    }
}

/// Submitted activities waiting for `organization_id`, oldest submission first.
pub async fn awaiting(
    conn: &mut AsyncPgConnection,
    organization_id: i64,
    page: PageRequest,
) -> Result<(Vec<(ActivityRow, String, String)>, u64)> {
    let waiting = diesel::dsl::sql::<diesel::sql_types::Bool>(
        "activities.review_chain[activities.review_step + 1] = ",
    )
    .bind::<diesel::sql_types::BigInt, _>(organization_id);
    let total: i64 = activities::table
        .filter(activities::status.eq("submitted"))
        .filter(waiting.clone())
        .count()
        .get_result(conn)
        .await?;
    let rows = activities::table
        .inner_join(organizations::table)
        .inner_join(activity_categories::table)
        .filter(activities::status.eq("submitted"))
        .filter(waiting)
        .order((activities::submitted_at.asc(), activities::id))
        .offset(page.offset())
        .limit(page.limit())
        .select((
            ActivityRow::as_select(),
            organizations::name,
            activity_categories::name,
        ))
        .load(conn)
        .await?;
    Ok((rows, total.max(0) as u64))
}

/// Whether a field already has answers in the activity's sign-ups.
pub async fn answered_keys(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<Vec<String>> {
    Ok(prepared::sql(
        "SELECT DISTINCT jsonb_object_keys(answers) AS key FROM registrations WHERE activity_id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(activity_id)
    .load::<KeyRow>(conn)
    .await
    .map(|rows| rows.into_iter().map(|r| r.key).collect())?)
}

#[derive(QueryableByName)]
pub struct KeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key: String,
}

/// When the activity's results were finalised, if they were.
pub async fn recognised_at(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(activities::table
        .find(id)
        .select(activities::recognized_at)
        .first(conn)
        .await?)
}

/// Locks the activity's row until the transaction ends (`FOR UPDATE`) and reads when its
/// results were finalised: whatever writes results or finalises them takes this lock first, so
/// the two never interleave.
pub async fn lock_recognised_at(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    activities::table
        .find(id)
        .select(activities::recognized_at)
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(super::Error::NotFound("activity"))
}
