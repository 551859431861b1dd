//! The school profile row.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{checkin::CheckinPolicy, school::School};

use super::schema::school;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = school, check_for_backend(diesel::pg::Pg))]
struct SchoolRow {
    name: String,
    name_en: String,
    league_committee: String,
    timezone: String,
}

impl From<SchoolRow> for School {
    fn from(row: SchoolRow) -> School {
        School {
            name: row.name,
            name_en: row.name_en,
            league_committee: row.league_committee,
            timezone: row.timezone,
        }
    }
}

/// The profile, if the school has been configured.
pub async fn get(conn: &mut AsyncPgConnection) -> Result<Option<School>> {
    Ok(school::table
        .select(SchoolRow::as_select())
        .first(conn)
        .await
        .optional()
        .map(|row| row.map(School::from))?)
}

/// Stores the profile unless one exists; returns whether it was inserted.
pub async fn insert_if_absent(conn: &mut AsyncPgConnection, profile: &School) -> Result<bool> {
    let row = SchoolRow {
        name: profile.name.clone(),
        name_en: profile.name_en.clone(),
        league_committee: profile.league_committee.clone(),
        timezone: profile.timezone.clone(),
    };
    let inserted = diesel::insert_into(school::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// The school's check-in policy (the defaults until the school sets one). The school is the
/// single row of `school` today; the policy is keyed by it, ready for several.
pub async fn checkin_policy(conn: &mut AsyncPgConnection) -> Result<CheckinPolicy> {
    use super::schema::checkin_policies as p;
    type Row = (i32, i32, i32, Vec<String>, i32, i32, i32, bool);
    let row: Option<Row> = p::table
        .select((
            p::window_secs,
            p::per_address,
            p::per_device,
            p::trusted_networks,
            p::device_changes_per_term,
            p::no_show_threshold,
            p::no_show_block_days,
            p::no_show_lottery_last,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map_or_else(
        CheckinPolicy::default,
        |(window, address, device, trusted, changes, threshold, block_days, lottery_last)| {
            CheckinPolicy {
                window_secs: window.max(0) as u32,
                per_address: address.max(0) as u32,
                per_device: device.max(0) as u32,
                trusted_networks: trusted,
                device_changes_per_term: changes.max(0) as u32,
                no_shows: shared::integrity::NoShowPolicy {
                    threshold: threshold.max(0) as u32,
                    block_days: block_days.max(0) as u32,
                    lottery_last,
                },
            }
        },
    ))
}

/// Stores the school's check-in policy; `false` when the school is not configured yet.
pub async fn set_checkin_policy(
    conn: &mut AsyncPgConnection,
    policy: &CheckinPolicy,
    by: i64,
) -> Result<bool> {
    use super::schema::checkin_policies as p;
    let Some(school_id) = school::table
        .select(school::id)
        .first::<i16>(conn)
        .await
        .optional()?
    else {
        return Ok(false);
    };
    let values = (
        p::window_secs.eq(policy.window_secs as i32),
        p::per_address.eq(policy.per_address as i32),
        p::per_device.eq(policy.per_device as i32),
        p::trusted_networks.eq(&policy.trusted_networks),
        p::device_changes_per_term.eq(policy.device_changes_per_term as i32),
        p::no_show_threshold.eq(policy.no_shows.threshold as i32),
        p::no_show_block_days.eq(policy.no_shows.block_days as i32),
        p::no_show_lottery_last.eq(policy.no_shows.lottery_last),
        p::updated_at.eq(diesel::dsl::now),
        p::updated_by.eq(Some(by)),
    );
    diesel::insert_into(p::table)
        .values((p::school_id.eq(school_id), values))
        .on_conflict(p::school_id)
        .do_update()
        .set(values)
        .execute(conn)
        .await?;
    Ok(true)
}
