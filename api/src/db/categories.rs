//! Activity categories (活动类别), kept by the school admin.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::activity::Category;
use std::collections::HashMap;

use super::schema::activity_categories;

/// Every category, active ones first, in the school's order.
pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<Category>> {
    let rows: Vec<(String, String, String, bool, Option<i16>)> = activity_categories::table
        .order((
            activity_categories::active.desc(),
            activity_categories::position,
            activity_categories::code,
        ))
        .select((
            activity_categories::code,
            activity_categories::name,
            activity_categories::name_en,
            activity_categories::active,
            activity_categories::recognition_working_days,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name, name_en, active, days)| Category {
            code,
            name,
            name_en,
            active,
            recognition_working_days: days.map(|d| d.max(0) as u32),
        })
        .collect())
}

/// Adds the category or changes its names and whether it is offered.
pub async fn upsert(conn: &mut AsyncPgConnection, category: &Category, by: i64) -> Result<()> {
    diesel::insert_into(activity_categories::table)
        .values((
            activity_categories::code.eq(&category.code),
            activity_categories::name.eq(&category.name),
            activity_categories::name_en.eq(&category.name_en),
            activity_categories::active.eq(category.active),
            activity_categories::recognition_working_days
                .eq(category.recognition_working_days.map(|d| d as i16)),
            activity_categories::position.eq(100),
            activity_categories::updated_by.eq(by),
        ))
        .on_conflict(activity_categories::code)
        .do_update()
        .set((
            activity_categories::name.eq(&category.name),
            activity_categories::name_en.eq(&category.name_en),
            activity_categories::active.eq(category.active),
            activity_categories::recognition_working_days
                .eq(category.recognition_working_days.map(|d| d as i16)),
            activity_categories::updated_at.eq(diesel::dsl::now),
            activity_categories::updated_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The recognition deadline the school set for a category, in working days.
pub async fn recognition_days(conn: &mut AsyncPgConnection, code: &str) -> Result<Option<u32>> {
    let days: Option<Option<i16>> = activity_categories::table
        .find(code)
        .select(activity_categories::recognition_working_days)
        .first(conn)
        .await
        .optional()?;
    Ok(days.flatten().map(|d| d.max(0) as u32))
}

/// Category code → Chinese name (activity categories, plus `cadre`).
pub async fn names(conn: &mut AsyncPgConnection) -> Result<HashMap<String, String>> {
    let mut names: HashMap<String, String> = activity_categories::table
        .select((activity_categories::code, activity_categories::name))
        .load::<(String, String)>(conn)
        .await?
        .into_iter()
        .collect();
    names.insert("cadre".into(), "学生干部".into());
    Ok(names)
}

/// The category order transcripts and charts use.
pub async fn order(conn: &mut AsyncPgConnection) -> Result<Vec<String>> {
    let mut order: Vec<String> = activity_categories::table
        .order(activity_categories::position)
        .select(activity_categories::code)
        .load(conn)
        .await?;
    order.push("cadre".into());
    Ok(order)
}
