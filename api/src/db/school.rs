//! The school profile row.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::school::School;

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
