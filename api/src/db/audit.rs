//! Writing and reading the append-only audit log. Every write handler records its change here,
//! on the same connection and inside the same transaction as the change itself.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{audit::AuditEntry, page::PageRequest};

use super::schema::{accounts, audit_log, organizations};

/// One change, as a handler describes it.
pub struct Change<'a> {
    pub organization_id: Option<i64>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub details: serde_json::Value,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry<'a> {
    actor_id: Option<i64>,
    organization_id: Option<i64>,
    action: &'a str,
    target_type: &'a str,
    target_id: &'a str,
    details: &'a serde_json::Value,
}

/// Records `change` as done by the account `actor_id` (`None`: the system itself).
pub async fn record(
    conn: &mut AsyncPgConnection,
    actor_id: Option<i64>,
    change: Change<'_>,
) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values(NewEntry {
            actor_id,
            organization_id: change.organization_id,
            action: change.action,
            target_type: change.target_type,
            target_id: &change.target_id,
            details: &change.details,
        })
        .execute(conn)
        .await?;
    Ok(())
}

/// Which entries to list.
pub struct Filter {
    /// Entries of organisations in this organisation's subtree.
    pub within: i64,
    pub action: Option<String>,
    pub actor_id: Option<i64>,
}

type Row = (
    i64,
    DateTime<Utc>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    serde_json::Value,
);

/// Newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    page: PageRequest,
) -> Result<(Vec<AuditEntry>, u64)> {
    let query = || {
        let mut query = audit_log::table
            .left_join(accounts::table)
            .left_join(organizations::table)
            .filter(organizations::path.contains(vec![filter.within]))
            .into_boxed();
        if let Some(action) = &filter.action {
            query = query.filter(audit_log::action.like(super::pattern::starting(action)));
        }
        if let Some(actor_id) = filter.actor_id {
            query = query.filter(audit_log::actor_id.eq(actor_id));
        }
        query
    };
    let total: i64 = query().count().get_result(conn).await?;
    let rows: Vec<Row> = query()
        .order(audit_log::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor_id,
            accounts::username.nullable(),
            accounts::display_name.nullable(),
            audit_log::organization_id,
            organizations::name.nullable(),
            audit_log::action,
            audit_log::target_type,
            audit_log::target_id,
            audit_log::details,
        ))
        .load(conn)
        .await?;
    let entries = rows
        .into_iter()
        .map(
            |(
                id,
                at,
                actor_id,
                actor_username,
                actor_name,
                organization_id,
                organization_name,
                action,
                target_type,
                target_id,
                details,
            )| {
                AuditEntry {
                    id,
                    at,
                    actor_id,
                    actor_username,
                    actor_name,
                    organization_id,
                    organization_name,
                    action,
                    target_type,
                    target_id,
                    details,
                }
            },
        )
        .collect();
    Ok((entries, total.max(0) as u64))
}
