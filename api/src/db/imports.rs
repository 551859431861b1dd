//! Bulk imports between preview and confirmation: the `imports` table keeps each previewed
//! file's planned rows (jsonb) until it is confirmed.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{
    organizations::OrgRow,
    schema::{imports, organizations},
};

/// An import as stored, with the path of the importing organisation.
pub struct ImportRecord {
    pub id: uuid::Uuid,
    pub kind: String,
    pub file_name: String,
    pub organization_id: i64,
    pub organization_path: Vec<i64>,
    pub rows: serde_json::Value,
    pub confirmed_at: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = imports)]
pub struct NewImport<'a> {
    pub id: uuid::Uuid,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub organization_id: i64,
    pub created_by: i64,
    pub rows: serde_json::Value,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewImport<'_>) -> Result<()> {
    diesel::insert_into(imports::table)
        .values(new)
        .execute(conn)
        .await?;
    Ok(())
}

type ImportColumns = (
    uuid::Uuid,
    String,
    String,
    i64,
    Vec<i64>,
    serde_json::Value,
    Option<DateTime<Utc>>,
);

pub async fn get(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<Option<ImportRecord>> {
    let row: Option<ImportColumns> = imports::table
        .inner_join(organizations::table)
        .filter(imports::id.eq(id))
        .select((
            imports::id,
            imports::kind,
            imports::file_name,
            imports::organization_id,
            organizations::path,
            imports::rows,
            imports::confirmed_at,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(
        |(id, kind, file_name, organization_id, organization_path, rows, confirmed_at)| {
            ImportRecord {
                id,
                kind,
                file_name,
                organization_id,
                organization_path,
                rows,
                confirmed_at,
            }
        },
    ))
}

/// Locks the import for the rest of the transaction; answers whether it is confirmed already.
pub async fn lock(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<bool> {
    let confirmed_at: Option<DateTime<Utc>> = imports::table
        .find(id)
        .select(imports::confirmed_at)
        .for_update()
        .first(conn)
        .await?;
    Ok(confirmed_at.is_some())
}

pub async fn mark_confirmed(conn: &mut AsyncPgConnection, id: uuid::Uuid, by: i64) -> Result<()> {
    diesel::update(imports::table.find(id))
        .set((
            imports::confirmed_at.eq(diesel::dsl::now),
            imports::confirmed_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every organisation: an import names them by name or code, and a school has a few hundred.
pub async fn organizations(conn: &mut AsyncPgConnection) -> Result<Vec<OrgRow>> {
    Ok(organizations::table
        .order(organizations::path)
        .select(OrgRow::as_select())
        .load(conn)
        .await?)
}
