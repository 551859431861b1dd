//! Recognition back-fills (成绩补录认定): a finalisation that is late, into an ended term, or
//! names students who did not take part — asked by the organiser, decided by the level above.

use super::{Result, prepared};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    OptionalExtension, QueryableByName,
    sql_types::{Array, BigInt, Bool, Date, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    attendance::{RecognitionGround, RecognitionRequest, RecognitionRequestStatus},
    page::PageRequest,
};

/// Which requests [`list`] reads.
#[derive(Clone, Copy, Debug)]
pub enum Filter {
    /// One request.
    Id(i64),
    /// What waits for this organisation to decide.
    Approver { org: i64, pending: bool },
    /// What activities organised in this organisation's subtree asked.
    AskedWithin { org: i64, pending: bool },
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    activity_id: i64,
    #[diesel(sql_type = Text)]
    activity_title: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    organizer_id: i64,
    #[diesel(sql_type = Text)]
    organizer_name: String,
    #[diesel(sql_type = Date)]
    ended_on: NaiveDate,
    #[diesel(sql_type = Array<Text>)]
    grounds: Vec<String>,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = BigInt)]
    non_participant_rows: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    approver_org_id: i64,
    #[diesel(sql_type = Text)]
    approver_org_name: String,
    #[diesel(sql_type = Text)]
    requested_by: String,
    #[diesel(sql_type = Timestamptz)]
    requested_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    decided_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    decided_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    decision_reason: Option<String>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// One page of requests, newest first, and how many there are.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: Filter,
    page: PageRequest,
) -> Result<(Vec<RecognitionRequest>, u64)> {
    let (id, approver, within, pending) = match filter {
        Filter::Id(id) => (Some(id), None, None, false),
        Filter::Approver { org, pending } => (None, Some(org), None, pending),
        Filter::AskedWithin { org, pending } => (None, None, Some(org), pending),
    };
    let rows: Vec<Row> = prepared::sql(
        "SELECT r.id, r.activity_id, a.title AS activity_title, a.category, a.organizer_id,
                o.name AS organizer_name, (a.ends_at AT TIME ZONE 'Asia/Shanghai')::date AS ended_on,
                r.grounds, r.reason,
                (SELECT count(*) FROM results x WHERE x.activity_id = r.activity_id) AS rows,
                (SELECT count(x.backfill_reason) FROM results x WHERE x.activity_id = r.activity_id)
                    AS non_participant_rows,
                r.status, r.approver_org_id, ap.name AS approver_org_name,
                rq.display_name AS requested_by, r.requested_at, dc.display_name AS decided_by,
                r.decided_at, r.decision_reason, count(*) OVER () AS total
         FROM recognition_requests r
         JOIN activities a ON a.id = r.activity_id
         JOIN organizations o ON o.id = a.organizer_id
         JOIN organizations ap ON ap.id = r.approver_org_id
         JOIN accounts rq ON rq.id = r.requested_by
         LEFT JOIN accounts dc ON dc.id = r.decided_by
         WHERE ($1::bigint IS NULL OR r.id = $1)
           AND ($2::bigint IS NULL OR r.approver_org_id = $2)
           AND ($3::bigint IS NULL OR o.path @> ARRAY[$3::bigint])
           AND (NOT $4 OR r.status = 'pending')
         ORDER BY r.requested_at DESC, r.id DESC
         OFFSET $5 LIMIT $6",
    )
    .bind::<Nullable<BigInt>, _>(id)
    .bind::<Nullable<BigInt>, _>(approver)
    .bind::<Nullable<BigInt>, _>(within)
    .bind::<Bool, _>(pending)
    .bind::<BigInt, _>(page.offset())
    .bind::<BigInt, _>(page.limit())
    .load(conn)
    .await?;
    let total = rows.as_slice().first().map_or(0, |r| r.total.max(0) as u64);
    let items = rows
        .into_iter()
        .map(|r| RecognitionRequest {
            id: r.id,
            activity_id: r.activity_id,
            activity_title: r.activity_title,
            category: r.category,
            organizer_id: r.organizer_id,
            organizer_name: r.organizer_name,
            ended_on: r.ended_on,
            grounds: r
                .grounds
                .iter()
                .filter_map(|g| RecognitionGround::parse(g))
                .collect(),
            reason: r.reason,
            rows: r.rows.max(0) as u32,
            non_participant_rows: r.non_participant_rows.max(0) as u32,
            status: RecognitionRequestStatus::parse(&r.status)
                .unwrap_or(RecognitionRequestStatus::Pending),
            approver_org_id: r.approver_org_id,
            approver_org_name: r.approver_org_name,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
        })
        .collect();
    Ok((items, total))
}

#[derive(QueryableByName)]
struct NewId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Files a request unless one is pending for the activity: its id, or `None`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    grounds: &[RecognitionGround],
    reason: &str,
    approver_org_id: i64,
    by: i64,
) -> Result<Option<i64>> {
    let grounds: Vec<&str> = grounds.iter().map(|g| g.as_str()).collect();
    let id: Option<NewId> = prepared::sql(
        "INSERT INTO recognition_requests (activity_id, grounds, reason, approver_org_id, requested_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (activity_id) WHERE status = 'pending' DO NOTHING
         RETURNING id",
    )
    .bind::<BigInt, _>(activity_id)
    .bind::<Array<Text>, _>(grounds)
    .bind::<Text, _>(reason)
    .bind::<BigInt, _>(approver_org_id)
    .bind::<BigInt, _>(by)
    .get_result(conn)
    .await
    .optional()?;
    Ok(id.map(|r| r.id))
}

/// The pending request of an activity, if any.
pub async fn pending_for(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<Option<i64>> {
    let found: Option<NewId> = prepared::sql(
        "SELECT id FROM recognition_requests WHERE activity_id = $1 AND status = 'pending'",
    )
    .bind::<BigInt, _>(activity_id)
    .get_result(conn)
    .await
    .optional()?;
    Ok(found.map(|r| r.id))
}

/// The activities of `ids` with a pending request.
pub async fn pending_among(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Activity {
        #[diesel(sql_type = BigInt)]
        activity_id: i64,
    }
    let rows: Vec<Activity> = prepared::sql(
        "SELECT activity_id FROM recognition_requests
         WHERE activity_id = ANY($1) AND status = 'pending'",
    )
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.activity_id).collect())
}

/// A request as its decision needs it.
#[derive(QueryableByName)]
pub struct Locked {
    #[diesel(sql_type = BigInt)]
    pub activity_id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub approver_org_id: i64,
    #[diesel(sql_type = Array<Text>)]
    pub grounds: Vec<String>,
    #[diesel(sql_type = BigInt)]
    pub organizer_id: i64,
    #[diesel(sql_type = BigInt)]
    pub requested_by: i64,
}

/// The request, locked until the transaction ends: of two decisions the second waits and
/// then finds it decided.
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<Locked>> {
    Ok(prepared::sql(
        "SELECT r.activity_id, r.status, r.approver_org_id, r.grounds, a.organizer_id,
                r.requested_by
         FROM recognition_requests r JOIN activities a ON a.id = r.activity_id
         WHERE r.id = $1 FOR UPDATE OF r",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

/// Records the decision on a pending request; how many rows changed.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: RecognitionRequestStatus,
    by: i64,
    reason: Option<&str>,
) -> Result<usize> {
    Ok(prepared::sql(
        "UPDATE recognition_requests
         SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4
         WHERE id = $1 AND status = 'pending'",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(status.as_str())
    .bind::<BigInt, _>(by)
    .bind::<Nullable<Text>, _>(reason)
    .execute(conn)
    .await?)
}
