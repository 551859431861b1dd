//! Personal check-in codes: students' keys, the scanner's roster, and the scans a scanner syncs.

use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Bool, Bytea, Integer, Nullable, Text, Timestamptz, Uuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::pass::{RosterKey, RosterStudent, ScanOutcome};

use super::{Result, prepared};

/// A student's key as the phone sees it.
#[derive(Debug, Clone, QueryableByName)]
pub struct KeyRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Bytea)]
    pub public_key: Vec<u8>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// Device changes this term, this key's included.
    #[diesel(sql_type = BigInt)]
    pub device_changes: i64,
}

/// The first day of the term running today (Asia/Shanghai), or 183 days ago when no term is.
const TERM_START: &str = "coalesce(
    (SELECT starts_on FROM terms
      WHERE (now() AT TIME ZONE 'Asia/Shanghai')::date BETWEEN starts_on AND ends_on
      ORDER BY starts_on DESC LIMIT 1),
    ((now() AT TIME ZONE 'Asia/Shanghai') - interval '183 days')::date)
  ::timestamp AT TIME ZONE 'Asia/Shanghai'";

/// The student's live key: not replaced or removed, and its session not ended.
pub async fn live_key(conn: &mut AsyncPgConnection, student_id: i64) -> Result<Option<KeyRow>> {
    let rows: Vec<KeyRow> = prepared::sql(format!(
        "SELECT k.id, k.public_key, k.created_at,
                (SELECT count(*) FROM checkin_keys c
                  WHERE c.student_id = $1 AND c.device_change
                    AND c.created_at >= {TERM_START}) AS device_changes
           FROM checkin_keys k JOIN sessions s ON s.id = k.session_id
          WHERE k.student_id = $1 AND k.revoked_at IS NULL AND s.ended_at IS NULL"
    ))
    .bind::<BigInt, _>(student_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// What [`register_key`] did.
pub enum Registered {
    Key(KeyRow),
    /// A new phone, and the term's changes are used up: (changes so far).
    LimitReached(i64),
}

/// Registers the public key a phone made, bound to the session and the phone. The student's
/// account row is locked, so two phones registering at once are taken one after the other. A
/// key from another phone than the last key's is a device change: refused past `limit` this
/// term. The live key, if any, is replaced. Run inside a transaction.
pub async fn register_key(
    conn: &mut AsyncPgConnection,
    student_id: i64,
    session_id: uuid::Uuid,
    device_hash: &str,
    public_key: &[u8; 32],
    limit: u32,
) -> Result<Registered> {
    #[derive(QueryableByName)]
    struct Facts {
        #[diesel(sql_type = Bool)]
        change: bool,
        #[diesel(sql_type = BigInt)]
        changes: i64,
    }
    let facts: Facts = prepared::sql(format!(
        "WITH locked AS (SELECT id FROM accounts WHERE id = $1 FOR UPDATE)
         SELECT coalesce((SELECT device_id <> $2 FROM checkin_keys
                           WHERE student_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1),
                         false) AS change,
                (SELECT count(*) FROM checkin_keys
                  WHERE student_id = $1 AND device_change
                    AND created_at >= {TERM_START}) AS changes
           FROM locked"
    ))
    .bind::<BigInt, _>(student_id)
    .bind::<Text, _>(device_hash)
    .get_result(conn)
    .await?;
    if facts.change && facts.changes >= i64::from(limit) {
        return Ok(Registered::LimitReached(facts.changes));
    }
    prepared::sql(
        "UPDATE checkin_keys SET revoked_at = now(), revoked_reason = 'replaced'
          WHERE student_id = $1 AND revoked_at IS NULL",
    )
    .bind::<BigInt, _>(student_id)
    .execute(conn)
    .await?;
    let row: KeyRow = prepared::sql(
        "INSERT INTO checkin_keys (student_id, session_id, device_id, public_key, device_change)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, public_key, created_at, $6::bigint AS device_changes",
    )
    .bind::<BigInt, _>(student_id)
    .bind::<Uuid, _>(session_id)
    .bind::<Text, _>(device_hash)
    .bind::<Bytea, _>(public_key.as_slice())
    .bind::<Bool, _>(facts.change)
    .bind::<BigInt, _>(facts.changes + i64::from(facts.change))
    .get_result(conn)
    .await?;
    Ok(Registered::Key(row))
}

/// Removes the student's live key: answers whether there was one.
pub async fn remove_key(conn: &mut AsyncPgConnection, student_id: i64) -> Result<bool> {
    let n = prepared::sql(
        "UPDATE checkin_keys SET revoked_at = now(), revoked_reason = 'removed'
          WHERE student_id = $1 AND revoked_at IS NULL",
    )
    .bind::<BigInt, _>(student_id)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

#[derive(QueryableByName)]
struct RosterRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    student_no: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    college: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    class_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    checked_in_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    key_id: Option<i64>,
    #[diesel(sql_type = Nullable<Bytea>)]
    public_key: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    valid_from: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    valid_until: Option<DateTime<Utc>>,
}

/// The students with a confirmed place, by number, with every key that was valid at some time
/// since `since` (a code shown before its key was replaced still counts for a scan from then).
pub async fn roster(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<RosterStudent>> {
    let rows: Vec<RosterRow> = prepared::sql(
        "SELECT a.id AS student_id, a.username AS student_no, a.display_name AS name,
                o.college_name AS college, st.class_name, at.checked_in_at,
                k.id AS key_id, k.public_key, k.created_at AS valid_from,
                CASE WHEN k.id IS NOT NULL THEN nullif(least(coalesce(k.revoked_at, 'infinity'),
                     coalesce(s.ended_at, 'infinity')), 'infinity') END AS valid_until
           FROM registrations r
           JOIN accounts a ON a.id = r.student_id
           JOIN organizations o ON o.id = a.organization_id
           LEFT JOIN students st ON st.account_id = a.id
           LEFT JOIN attendance at ON at.activity_id = r.activity_id AND at.student_id = a.id
           LEFT JOIN (checkin_keys k JOIN sessions s ON s.id = k.session_id
                        AND coalesce(s.ended_at, 'infinity') > $2)
                  ON k.student_id = a.id AND coalesce(k.revoked_at, 'infinity') > $2
          WHERE r.activity_id = $1 AND r.status = 'confirmed'
          ORDER BY a.username, k.created_at",
    )
    .bind::<BigInt, _>(activity_id)
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    let mut students: Vec<RosterStudent> = Vec::new();
    for row in rows {
        if students
            .last()
            .is_none_or(|s| s.student_id != row.student_id)
        {
            students.push(RosterStudent {
                student_id: row.student_id,
                student_no: row.student_no,
                name: row.name,
                college: row.college,
                class_name: row.class_name.filter(|c| !c.is_empty()),
                keys: Vec::new(),
                checked_in_at: row.checked_in_at,
            });
        }
        if let (Some(key_id), Some(public_key), Some(valid_from), Some(student)) = (
            row.key_id,
            row.public_key,
            row.valid_from,
            students.last_mut(),
        ) {
            student.keys.push(RosterKey {
                key_id,
                public_key: shared::pass::hex(&public_key),
                valid_from,
                valid_until: row.valid_until,
            });
        }
    }
    Ok(students)
}

/// A scan synced before, as it was answered.
#[derive(Debug, Clone, QueryableByName)]
pub struct StoredScan {
    #[diesel(sql_type = Uuid)]
    pub id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub student_no: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub student_name: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub scanned_at: DateTime<Utc>,
}

/// The scans among `ids` synced before.
pub async fn stored_scans(
    conn: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
) -> Result<Vec<StoredScan>> {
    Ok(prepared::sql(
        "SELECT s.id, s.outcome, coalesce(a.username, s.student_no) AS student_no,
                a.display_name AS student_name, s.scanned_at
           FROM checkin_scans s LEFT JOIN accounts a ON a.id = s.student_id
          WHERE s.id = ANY($1)",
    )
    .bind::<Array<Uuid>, _>(ids)
    .load(conn)
    .await?)
}

/// A key a scan's code names, with what the rules need.
#[derive(Debug, Clone, QueryableByName)]
pub struct ScanKey {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Bytea)]
    pub public_key: Vec<u8>,
    /// The student's phone (hash).
    #[diesel(sql_type = Text)]
    pub device_id: String,
    #[diesel(sql_type = Timestamptz)]
    pub valid_from: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub valid_until: Option<DateTime<Utc>>,
}

pub async fn keys(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<Vec<ScanKey>> {
    Ok(prepared::sql(
        "SELECT k.id, k.student_id, k.public_key, k.device_id, k.created_at AS valid_from,
                nullif(least(coalesce(k.revoked_at, 'infinity'),
                             coalesce(s.ended_at, 'infinity')), 'infinity') AS valid_until
           FROM checkin_keys k JOIN sessions s ON s.id = k.session_id
          WHERE k.id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await?)
}

/// A student a scan names (by key or by number).
#[derive(Debug, Clone, QueryableByName)]
pub struct ScanStudent {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub student_no: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Bool)]
    pub registered: bool,
}

/// The students among `ids`, or with a number among `numbers` (lower case), with whether each
/// holds a confirmed place in the activity.
pub async fn students(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    ids: &[i64],
    numbers: &[String],
) -> Result<Vec<ScanStudent>> {
    Ok(prepared::sql(
        "SELECT a.id, a.username AS student_no, a.display_name AS name,
                EXISTS (SELECT 1 FROM registrations r
                         WHERE r.activity_id = $1 AND r.student_id = a.id
                           AND r.status = 'confirmed') AS registered
           FROM accounts a
          WHERE a.kind = 'student' AND (a.id = ANY($2) OR lower(a.username) = ANY($3))",
    )
    .bind::<BigInt, _>(activity_id)
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(numbers)
    .load(conn)
    .await?)
}

/// Phones (hashes) among `devices` that checked in a student here: (phone, student).
pub async fn used_devices(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    devices: &[String],
) -> Result<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = Text)]
        device_id: String,
        #[diesel(sql_type = BigInt)]
        student_id: i64,
    }
    let rows: Vec<Used> = prepared::sql(
        "SELECT device_id, student_id FROM attendance
          WHERE activity_id = $1 AND device_id = ANY($2)",
    )
    .bind::<BigInt, _>(activity_id)
    .bind::<Array<Text>, _>(devices)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|u| (u.device_id, u.student_id))
        .collect())
}

/// One scan of a batch, decided, as [`record`] stores it.
#[derive(Debug, Clone)]
pub struct Decided {
    pub id: uuid::Uuid,
    pub student_id: Option<i64>,
    pub key_id: Option<i64>,
    pub code_step: Option<i64>,
    /// Entered by hand.
    pub student_no: Option<String>,
    pub scanned_at: DateTime<Utc>,
    /// `Accepted` here means "check in if not yet": [`record`] answers which were.
    pub outcome: ScanOutcome,
    /// The student's phone (hash), for a code.
    pub device_id: Option<String>,
    pub registered: bool,
    pub code_lag_ms: Option<i32>,
}

/// Stores a decided batch in one transaction (the caller's): the check-ins (once per student:
/// a student already in makes the scan a duplicate), the scans under their ids (a scan stored
/// meanwhile by a concurrent sync keeps its first answer), and the refused scans of known
/// students among the refused attempts. Answers the ids this call stored; ids missing were
/// stored by another sync meanwhile, whose answer stands. Rows are inserted in key order, so
/// two overlapping syncs wait for each other instead of deadlocking.
pub async fn record(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    scanner_id: i64,
    scanner_device: &str,
    scans: &mut [Decided],
) -> Result<Vec<uuid::Uuid>> {
    // Check-ins: codes as `pass`, numbers typed in as `manual`.
    let wanted: Vec<&Decided> = scans
        .iter()
        .filter(|s| s.outcome == ScanOutcome::Accepted)
        .collect();
    if !wanted.is_empty() {
        #[derive(QueryableByName)]
        struct In {
            #[diesel(sql_type = BigInt)]
            student_id: i64,
        }
        let inserted: Vec<In> = prepared::sql(
            "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, device_id,
                                     code_lag_ms, registered, recorded_by, reason)
             SELECT $1, s, at, m, d, lag, true, $2,
                    CASE WHEN m = 'manual' THEN '扫码页手动输入学号' END
               FROM unnest($3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::int[])
                    AS x(s, at, m, d, lag)
              ORDER BY s
             ON CONFLICT (activity_id, student_id) DO NOTHING
             RETURNING student_id",
        )
        .bind::<BigInt, _>(activity_id)
        .bind::<BigInt, _>(scanner_id)
        .bind::<Array<BigInt>, _>(
            wanted
                .iter()
                .map(|s| s.student_id.unwrap_or_default())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Timestamptz>, _>(wanted.iter().map(|s| s.scanned_at).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(
            wanted
                .iter()
                .map(|s| if s.key_id.is_some() { "pass" } else { "manual" })
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Text>>, _>(
            wanted
                .iter()
                .map(|s| s.device_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Integer>>, _>(
            wanted.iter().map(|s| s.code_lag_ms).collect::<Vec<_>>(),
        )
        .load(conn)
        .await?;
        let mut fresh: std::collections::HashSet<i64> =
            inserted.into_iter().map(|i| i.student_id).collect();
        for scan in scans.iter_mut() {
            if scan.outcome == ScanOutcome::Accepted
                && !scan.student_id.is_some_and(|id| fresh.remove(&id))
            {
                scan.outcome = ScanOutcome::Duplicate;
            }
        }
    }
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = Uuid)]
        id: uuid::Uuid,
    }
    let stored: Vec<Stored> = prepared::sql(
        "INSERT INTO checkin_scans (id, activity_id, scanner_id, scanner_device, student_id,
                                    key_id, code_step, student_no, scanned_at, outcome)
         SELECT id, $1, $2, $3, s, k, step, no, at, o
           FROM unnest($4::uuid[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[],
                       $9::timestamptz[], $10::text[]) AS x(id, s, k, step, no, at, o)
          ORDER BY id
         ON CONFLICT (id) DO NOTHING
         RETURNING id",
    )
    .bind::<BigInt, _>(activity_id)
    .bind::<BigInt, _>(scanner_id)
    .bind::<Text, _>(scanner_device)
    .bind::<Array<Uuid>, _>(scans.iter().map(|s| s.id).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(scans.iter().map(|s| s.student_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(scans.iter().map(|s| s.key_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(scans.iter().map(|s| s.code_step).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(
        scans
            .iter()
            .map(|s| s.student_no.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Timestamptz>, _>(scans.iter().map(|s| s.scanned_at).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(scans.iter().map(|s| s.outcome.as_str()).collect::<Vec<_>>())
    .load(conn)
    .await?;
    let stored: Vec<uuid::Uuid> = stored.into_iter().map(|s| s.id).collect();
    // Refused scans of known students, among the refused attempts (no address: the scanner's
    // is not the student's).
    let refused: Vec<(&Decided, &str)> = scans
        .iter()
        .filter(|s| stored.contains(&s.id))
        .filter_map(|s| Some((s, attempt_outcome(s.outcome)?)))
        .filter(|(s, _)| s.student_id.is_some())
        .collect();
    if !refused.is_empty() {
        prepared::sql(
            "INSERT INTO attendance_attempts (activity_id, student_id, at, outcome, device_id)
             SELECT $1, s, at, o, d
               FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[])
                    AS x(s, at, o, d)",
        )
        .bind::<BigInt, _>(activity_id)
        .bind::<Array<BigInt>, _>(
            refused
                .iter()
                .map(|(s, _)| s.student_id.unwrap_or_default())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Timestamptz>, _>(
            refused
                .iter()
                .map(|(s, _)| s.scanned_at)
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Text>, _>(refused.iter().map(|(_, o)| *o).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(
            refused
                .iter()
                .map(|(s, _)| s.device_id.clone())
                .collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
    }
    Ok(stored)
}

/// The refused attempt a refused scan is recorded as (the attempts' reasons).
fn attempt_outcome(outcome: ScanOutcome) -> Option<&'static str> {
    Some(match outcome {
        ScanOutcome::Accepted | ScanOutcome::Duplicate | ScanOutcome::UnknownStudent => {
            return None;
        }
        ScanOutcome::InvalidCode => "forged",
        ScanOutcome::ExpiredCode => "expired",
        ScanOutcome::OutOfWindow => "closed",
        ScanOutcome::DeviceUsed => "device_used",
        ScanOutcome::NotRegistered => "not_registered",
        ScanOutcome::RevokedKey => "revoked_key",
        ScanOutcome::ModeOff => "mode_off",
    })
}
