//! Accounts (students, staff, organisation accounts) and their sessions.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{auth::AccountKind, organization::OrgAccount};

use super::{
    lower,
    organizations::OrgRow,
    schema::{accounts, organizations, refresh_tokens, sessions},
};
use shared::auth::role_and_permissions;

/// An account with its organisation, as authentication needs it.
pub struct ActorRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub is_main: bool,
    pub permissions: Vec<String>,
    pub active: bool,
    pub must_change_password: bool,
    pub org: OrgRow,
    pub session_ended: bool,
}

type AccountColumns = (i64, String, String, String, bool, Vec<String>, bool, bool);

const fn account_columns() -> (
    accounts::id,
    accounts::username,
    accounts::display_name,
    accounts::kind,
    accounts::is_main,
    accounts::permissions,
    accounts::active,
    accounts::must_change_password,
) {
    (
        accounts::id,
        accounts::username,
        accounts::display_name,
        accounts::kind,
        accounts::is_main,
        accounts::permissions,
        accounts::active,
        accounts::must_change_password,
    )
}

fn actor_row(account: AccountColumns, org: OrgRow, session_ended: bool) -> ActorRow {
    let (id, username, display_name, kind, is_main, permissions, active, must_change_password) =
        account;
    ActorRow {
        id,
        username,
        display_name,
        kind,
        is_main,
        permissions,
        active,
        must_change_password,
        org,
        session_ended,
    }
}

/// The account behind an access token, with its organisation and whether the session ended:
/// one indexed query per authenticated request.
pub async fn actor(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    session_id: uuid::Uuid,
) -> Result<Option<ActorRow>> {
    let row: Option<(AccountColumns, OrgRow, Option<DateTime<Utc>>)> = sessions::table
        .inner_join(accounts::table.inner_join(organizations::table))
        .filter(sessions::id.eq(session_id))
        .filter(accounts::id.eq(account_id))
        .select((account_columns(), OrgRow::as_select(), sessions::ended_at))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(account, org, ended_at)| actor_row(account, org, ended_at.is_some())))
}

/// An account by name (case-insensitive), with its password hash, for signing in.
pub async fn for_login(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> Result<Option<(ActorRow, String)>> {
    let row: Option<(AccountColumns, OrgRow, String)> = accounts::table
        .inner_join(organizations::table)
        .filter(lower(accounts::username).eq(username.to_lowercase()))
        .select((
            account_columns(),
            OrgRow::as_select(),
            accounts::password_hash,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(account, org, hash)| (actor_row(account, org, false), hash)))
}

/// An account with its organisation, by id.
pub async fn by_id(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<ActorRow>> {
    let row: Option<(AccountColumns, OrgRow)> = accounts::table
        .inner_join(organizations::table)
        .filter(accounts::id.eq(id))
        .select((account_columns(), OrgRow::as_select()))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(account, org)| actor_row(account, org, false)))
}

pub async fn password_hash(conn: &mut AsyncPgConnection, id: i64) -> Result<String> {
    Ok(accounts::table
        .find(id)
        .select(accounts::password_hash)
        .first(conn)
        .await?)
}

#[derive(Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub kind: &'a str,
    pub organization_id: i64,
    pub is_main: bool,
    pub permissions: Vec<String>,
    pub must_change_password: bool,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewAccount<'_>) -> Result<i64> {
    Ok(diesel::insert_into(accounts::table)
        .values(new)
        .returning(accounts::id)
        .get_result(conn)
        .await?)
}

/// Whether the name is taken (case-insensitively).
pub async fn username_taken(conn: &mut AsyncPgConnection, username: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        accounts::table.filter(lower(accounts::username).eq(username.to_lowercase())),
    ))
    .get_result(conn)
    .await?)
}

type OrgAccountColumns = (
    i64,
    String,
    String,
    i64,
    bool,
    Vec<String>,
    bool,
    bool,
    DateTime<Utc>,
);

fn org_account(
    (
        id,
        username,
        display_name,
        organization_id,
        is_main,
        stored,
        active,
        must_change_password,
        created_at,
    ): OrgAccountColumns,
) -> OrgAccount {
    let (_, permissions) = role_and_permissions(AccountKind::Organization, is_main, false, &stored);
    OrgAccount {
        id,
        username,
        display_name,
        organization_id,
        is_main,
        permissions,
        active,
        must_change_password,
        created_at,
    }
}

/// The organisation accounts (main first) of one organisation.
pub async fn of_organization(
    conn: &mut AsyncPgConnection,
    organization_id: i64,
) -> Result<Vec<OrgAccount>> {
    let rows: Vec<OrgAccountColumns> = accounts::table
        .filter(accounts::organization_id.eq(organization_id))
        .filter(accounts::kind.eq(AccountKind::Organization.as_str()))
        .order((accounts::is_main.desc(), accounts::id))
        .select((
            accounts::id,
            accounts::username,
            accounts::display_name,
            accounts::organization_id,
            accounts::is_main,
            accounts::permissions,
            accounts::active,
            accounts::must_change_password,
            accounts::created_at,
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(org_account).collect())
}

/// Changes of one account; `None` fields are left as they are.
#[derive(AsChangeset, Default)]
#[diesel(table_name = accounts)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub must_change_password: Option<bool>,
    pub organization_id: Option<i64>,
    pub updated_by: Option<i64>,
}

pub async fn update(conn: &mut AsyncPgConnection, id: i64, changes: &AccountChanges) -> Result<()> {
    diesel::update(accounts::table.find(id))
        .set((changes, accounts::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

// --- sessions -------------------------------------------------------------------------------

pub async fn start_session(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    user_agent: Option<&str>,
    client_ip: &str,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::new_v4();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::account_id.eq(account_id),
            sessions::user_agent.eq(user_agent.map(|ua| ua.chars().take(300).collect::<String>())),
            sessions::client_ip.eq(client_ip),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn store_refresh_token(
    conn: &mut AsyncPgConnection,
    session_id: uuid::Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A refresh token with its session, locked for the rotation.
pub struct RefreshRow {
    pub session_id: uuid::Uuid,
    pub account_id: i64,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    pub session_ended: bool,
}

pub async fn refresh_token_for_update(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> Result<Option<RefreshRow>> {
    type Row = (
        uuid::Uuid,
        i64,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let row: Option<Row> = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((
            sessions::id,
            sessions::account_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            sessions::ended_at,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(
        |(session_id, account_id, expires_at, used_at, ended_at)| RefreshRow {
            session_id,
            account_id,
            expires_at,
            used: used_at.is_some(),
            session_ended: ended_at.is_some(),
        },
    ))
}

pub async fn mark_refresh_token_used(conn: &mut AsyncPgConnection, hash: &[u8]) -> Result<()> {
    diesel::update(refresh_tokens::table.find(hash))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn touch_session(conn: &mut AsyncPgConnection, session_id: uuid::Uuid) -> Result<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends one session; answers whether it was still open.
pub async fn end_session(
    conn: &mut AsyncPgConnection,
    session_id: uuid::Uuid,
    reason: &str,
) -> Result<bool> {
    let ended = diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::ended_at.is_null()),
    )
    .set((
        sessions::ended_at.eq(diesel::dsl::now),
        sessions::end_reason.eq(reason),
    ))
    .execute(conn)
    .await?;
    Ok(ended == 1)
}

/// Ends every open session of an account except `keep`; answers how many ended.
pub async fn end_sessions(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    keep: Option<uuid::Uuid>,
    reason: &str,
) -> Result<usize> {
    let keep = keep.unwrap_or(uuid::Uuid::nil());
    Ok(diesel::update(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::ended_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set((
        sessions::ended_at.eq(diesel::dsl::now),
        sessions::end_reason.eq(reason),
    ))
    .execute(conn)
    .await?)
}
