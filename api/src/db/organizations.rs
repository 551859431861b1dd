//! The organisation tree. Subtree membership is `path @> ARRAY[id]` (GIN-indexed).

use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    organization::{OrgKind, Organization, OrganizationRef},
    page::PageRequest,
};

use super::{
    prepared,
    schema::{accounts, organizations},
};

/// An organisation as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations, check_for_backend(diesel::pg::Pg))]
pub struct OrgRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: Vec<i64>,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl OrgRow {
    pub fn kind(&self) -> OrgKind {
        // The table's CHECK constraint admits only the four kinds.
        OrgKind::parse(&self.kind).unwrap_or(OrgKind::Club)
    }

    pub fn to_ref(&self) -> OrganizationRef {
        OrganizationRef {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            path: self.path.clone(),
        }
    }

    pub fn into_organization(self, main_account: Option<String>) -> Organization {
        Organization {
            id: self.id,
            parent_id: self.parent_id,
            kind: self.kind(),
            path: self.path,
            code: self.code,
            name: self.name,
            active: self.active,
            main_account,
            created_at: self.created_at,
        }
    }
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<OrgRow>> {
    Ok(organizations::table
        .find(id)
        .select(OrgRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The organisations of a path (an organisation and those above it), root first, in one
/// query.
pub async fn along(conn: &mut AsyncPgConnection, path: &[i64]) -> Result<Vec<OrgRow>> {
    let mut rows: Vec<OrgRow> = organizations::table
        .filter(organizations::id.eq_any(path))
        .select(OrgRow::as_select())
        .load(conn)
        .await?;
    rows.sort_by_key(|o| path.iter().position(|id| *id == o.id));
    Ok(rows)
}

/// Locks the row for the rest of the transaction (moves and deactivations).
pub async fn get_for_update(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<OrgRow>> {
    Ok(organizations::table
        .find(id)
        .select(OrgRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

pub async fn root(conn: &mut AsyncPgConnection) -> Result<Option<OrgRow>> {
    Ok(organizations::table
        .filter(organizations::parent_id.is_null())
        .select(OrgRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn by_code(conn: &mut AsyncPgConnection, code: &str) -> Result<Option<OrgRow>> {
    Ok(organizations::table
        .filter(organizations::code.eq(code))
        .select(OrgRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Which organisations to list.
#[derive(Default)]
pub struct Filter {
    /// Only this organisation's subtree.
    pub within: Option<i64>,
    pub kind: Option<OrgKind>,
    pub include_inactive: bool,
    /// Name or code containing this text.
    pub search: Option<String>,
}

/// Organisations in tree order (by path), with their main account names.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    page: PageRequest,
) -> Result<(Vec<Organization>, u64)> {
    let query = || {
        let mut query = organizations::table.into_boxed();
        if let Some(within) = filter.within {
            query = query.filter(organizations::path.contains(vec![within]));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(organizations::kind.eq(kind.as_str()));
        }
        if !filter.include_inactive {
            query = query.filter(organizations::active.eq(true));
        }
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let pattern = super::pattern::containing(search);
            query = query.filter(
                organizations::name
                    .ilike(pattern.clone())
                    .or(organizations::code.ilike(pattern)),
            );
        }
        query
    };
    let total: i64 = query().count().get_result(conn).await?;
    let rows: Vec<OrgRow> = query()
        .order(organizations::path)
        .offset(page.offset())
        .limit(page.limit())
        .select(OrgRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mains: Vec<(i64, String)> = accounts::table
        .filter(accounts::organization_id.eq_any(&ids))
        .filter(accounts::is_main.eq(true))
        .select((accounts::organization_id, accounts::username))
        .load(conn)
        .await?;
    let organizations = rows
        .into_iter()
        .map(|row| {
            let main = mains
                .iter()
                .find(|(id, _)| *id == row.id)
                .map(|(_, name)| name.clone());
            row.into_organization(main)
        })
        .collect();
    Ok((organizations, total.max(0) as u64))
}

/// The main account's name of one organisation.
pub async fn main_account(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<String>> {
    Ok(accounts::table
        .filter(accounts::organization_id.eq(id))
        .filter(accounts::is_main.eq(true))
        .select(accounts::username)
        .first(conn)
        .await
        .optional()?)
}

#[derive(Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrg<'a> {
    pub parent_id: Option<i64>,
    pub kind: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    // The trigger derives the real path from the parent; this placeholder satisfies NOT NULL.
    pub path: Vec<i64>,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewOrg<'_>) -> Result<OrgRow> {
    Ok(diesel::insert_into(organizations::table)
        .values(&new)
        .returning(OrgRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn rename(conn: &mut AsyncPgConnection, id: i64, name: &str, by: i64) -> Result<()> {
    diesel::update(organizations::table.find(id))
        .set((
            organizations::name.eq(name),
            organizations::updated_at.eq(diesel::dsl::now),
            organizations::updated_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves `org` (and its subtree) under `new_parent`: every path in the subtree gets the new
/// parent's path as its prefix.
pub async fn move_subtree(
    conn: &mut AsyncPgConnection,
    org: &OrgRow,
    new_parent: &OrgRow,
    by: i64,
) -> Result<()> {
    let depth = org.path.len() as i32; // the org's own position in its path, 1-based
    prepared::sql(
        "UPDATE organizations SET path = $1 || path[$2:], updated_at = now(), updated_by = $3 \
         WHERE path @> ARRAY[$4]::bigint[]",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&new_parent.path)
    .bind::<diesel::sql_types::Integer, _>(depth)
    .bind::<diesel::sql_types::BigInt, _>(by)
    .bind::<diesel::sql_types::BigInt, _>(org.id)
    .execute(conn)
    .await?;
    diesel::update(organizations::table.find(org.id))
        .set(organizations::parent_id.eq(new_parent.id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets `active` on `org` and, when deactivating, on its whole subtree; answers how many
/// organisations changed.
pub async fn set_active(
    conn: &mut AsyncPgConnection,
    org: &OrgRow,
    active: bool,
    by: i64,
) -> Result<usize> {
    let changes = (
        organizations::active.eq(active),
        organizations::updated_at.eq(diesel::dsl::now),
        organizations::updated_by.eq(by),
    );
    if active {
        Ok(diesel::update(organizations::table.find(org.id))
            .set(changes)
            .execute(conn)
            .await?)
    } else {
        Ok(
            diesel::update(organizations::table.filter(organizations::path.contains(vec![org.id])))
                .set(changes)
                .execute(conn)
                .await?,
        )
    }
}
