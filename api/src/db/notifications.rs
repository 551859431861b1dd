//! In-app notifications (站内通知).

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{notification::Notification, page::PageRequest};

use super::schema::notifications;

/// One page of an account's notifications, newest first (only unread ones if `unread`), and
/// how many there are.
pub async fn list(
    conn: &mut AsyncPgConnection,
    account: i64,
    unread: bool,
    page: PageRequest,
) -> Result<(Vec<Notification>, u64)> {
    let base = || {
        let mut q = notifications::table
            .filter(notifications::account_id.eq(account))
            .into_boxed();
        if unread {
            q = q.filter(notifications::read_at.is_null());
        }
        q
    };
    let total: i64 = base().count().get_result(conn).await?;
    type Row = (
        i64,
        chrono::DateTime<chrono::Utc>,
        String,
        String,
        String,
        Option<i64>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Row> = base()
        .order(notifications::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .select((
            notifications::id,
            notifications::created_at,
            notifications::kind,
            notifications::title,
            notifications::body,
            notifications::activity_id,
            notifications::read_at,
        ))
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(
            |(id, created_at, kind, title, body, activity_id, read_at)| Notification {
                id,
                created_at,
                kind,
                title,
                body,
                activity_id,
                read_at,
            },
        )
        .collect();
    Ok((items, total.max(0) as u64))
}

/// Marks every unread notification of the account read.
pub async fn read_all(conn: &mut AsyncPgConnection, account: i64) -> Result<()> {
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(account))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(())
}

/// One in-app notification for each account.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    account_ids: &[i64],
    kind: &str,
    title: &str,
    body: &str,
    activity_id: Option<i64>,
) -> Result<()> {
    if account_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = account_ids
        .iter()
        .map(|id| {
            (
                notifications::account_id.eq(*id),
                notifications::kind.eq(kind),
                notifications::title.eq(title),
                notifications::body.eq(body),
                notifications::activity_id.eq(activity_id),
            )
        })
        .collect();
    diesel::insert_into(notifications::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// One notification for each account that has not had this one (`kind` and `key`) before:
/// scheduled reminders and repeated events tell each account once, whichever process sends
/// them. Answers how many were sent.
pub async fn notify_once(
    conn: &mut AsyncPgConnection,
    account_ids: &[i64],
    kind: &str,
    key: &str,
    title: &str,
    body: &str,
    activity_id: Option<i64>,
) -> Result<usize> {
    if account_ids.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = account_ids
        .iter()
        .map(|id| {
            (
                notifications::account_id.eq(*id),
                notifications::kind.eq(kind),
                notifications::dedupe_key.eq(key),
                notifications::title.eq(title),
                notifications::body.eq(body),
                notifications::activity_id.eq(activity_id),
            )
        })
        .collect();
    Ok(diesel::insert_into(notifications::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?)
}
