//! Attendance records, refused scans, back-fill requests and recognised results.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    attendance::{AttendanceMethod, AttendanceRecord},
    checkin::CodeTiming,
};

use super::{
    lower, prepared,
    schema::{accounts, activities, attendance, registrations},
};

/// What check-in needs of an activity.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activities, check_for_backend(diesel::pg::Pg))]
pub struct CheckinRow {
    pub id: i64,
    pub organizer_id: i64,
    pub title: String,
    pub category: String,
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub checkin_opens_at: Option<DateTime<Utc>>,
    pub checkin_closes_at: Option<DateTime<Utc>>,
    pub checkout_enabled: bool,
    pub checkin_latitude: Option<f64>,
    pub checkin_longitude: Option<f64>,
    pub checkin_radius_m: Option<i32>,
    pub recognized_at: Option<DateTime<Utc>>,
    pub checkin_step_secs: i16,
    pub checkin_grace_secs: i16,
    pub projected_code: bool,
    pub personal_code: bool,
}

impl CheckinRow {
    /// How long each code is shown and accepted.
    pub fn timing(&self) -> CodeTiming {
        CodeTiming {
            step_secs: self.checkin_step_secs.max(0) as u32,
            grace_secs: self.checkin_grace_secs.max(0) as u32,
        }
    }

    /// The window codes are accepted in: by default from 30 minutes before the start to the end.
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.checkin_opens_at
                .unwrap_or(self.starts_at - chrono::Duration::minutes(30)),
            self.checkin_closes_at.unwrap_or(self.ends_at),
        )
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let (opens, closes) = self.window();
        self.status == "published" && now >= opens && now < closes
    }
}

pub async fn checkin_row(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<CheckinRow>> {
    Ok(activities::table
        .find(id)
        .select(CheckinRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[derive(AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true)]
pub struct CheckinChanges {
    pub checkin_opens_at: Option<DateTime<Utc>>,
    pub checkin_closes_at: Option<DateTime<Utc>>,
    pub checkout_enabled: bool,
    pub checkin_latitude: Option<f64>,
    pub checkin_longitude: Option<f64>,
    pub checkin_radius_m: Option<i32>,
    pub checkin_step_secs: i16,
    pub checkin_grace_secs: i16,
    pub projected_code: bool,
    pub personal_code: bool,
}

pub async fn set_checkin(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &CheckinChanges,
) -> Result<()> {
    diesel::update(activities::table.find(id))
        .set(changes)
        .execute(conn)
        .await?;
    Ok(())
}

/// A student account by number: (id, name).
pub async fn student_by_number(
    conn: &mut AsyncPgConnection,
    student_no: &str,
) -> Result<Option<(i64, String)>> {
    Ok(accounts::table
        .filter(lower(accounts::username).eq(student_no.trim().to_lowercase()))
        .filter(accounts::kind.eq("student"))
        .select((accounts::id, accounts::display_name))
        .first(conn)
        .await
        .optional()?)
}

/// Whether the student holds a confirmed place.
pub async fn is_registered(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    student_id: i64,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        registrations::table
            .filter(registrations::activity_id.eq(activity_id))
            .filter(registrations::student_id.eq(student_id))
            .filter(registrations::status.eq("confirmed")),
    ))
    .get_result(conn)
    .await?)
}

#[derive(Insertable)]
#[diesel(table_name = attendance)]
pub struct NewAttendance<'a> {
    pub activity_id: i64,
    pub student_id: i64,
    pub checked_in_at: DateTime<Utc>,
    pub method: &'a str,
    pub device_id: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub code_lag_ms: Option<i32>,
    pub distance_m: Option<f64>,
    pub registered: bool,
    pub recorded_by: Option<i64>,
    pub reason: Option<&'a str>,
}

/// Records the check-in unless the student has one: answers whether it was recorded. The
/// unique (activity, student) makes this safe under concurrent scans.
pub async fn check_in(conn: &mut AsyncPgConnection, new: &NewAttendance<'_>) -> Result<bool> {
    let inserted = diesel::insert_into(attendance::table)
        .values(new)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// A student's scan of a check-in code, as [`scan_many`] records it.
#[derive(Debug, Clone)]
pub struct Scan {
    pub session_id: uuid::Uuid,
    pub student_id: i64,
    pub activity_id: i64,
    pub at: DateTime<Utc>,
    pub device_id: Option<String>,
    pub client_ip: String,
    pub user_agent: Option<String>,
    pub code_lag_ms: i32,
    /// When the presented code appeared.
    pub code_from: DateTime<Utc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// What [`scan_many`] found for one scan, and whether it recorded the check-in.
#[derive(Debug, Clone, QueryableByName)]
pub struct ScanOutcome {
    /// The scan's place in the batch.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// The token's session, `None` when it does not exist.
    #[diesel(sql_type = Nullable<Bool>)]
    pub session_ended: Option<bool>,
    /// The account and its organisation are active.
    #[diesel(sql_type = Nullable<Bool>)]
    pub active: Option<bool>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub must_change_password: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    pub kind: Option<String>,
    /// The activity's title, `None` when it does not exist.
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    /// Published, and `at` is inside its check-in window ([`CheckinRow::window`]).
    #[diesel(sql_type = Nullable<Bool>)]
    pub open: Option<bool>,
    /// The activity takes the projected code.
    #[diesel(sql_type = Nullable<Bool>)]
    pub projected: Option<bool>,
    #[diesel(sql_type = Bool)]
    pub device_used: bool,
    #[diesel(sql_type = Bool)]
    pub registered: bool,
    #[diesel(sql_type = Bool)]
    pub inserted: bool,
}

/// QR check-ins, any number in one statement and one commit — what a lecture hall's scans cost
/// when they arrive together (`crate::attendance::coalesce` gathers them): for each scan, the
/// session and account behind the token, the activity and its window, the shared-phone check,
/// the registration, and the insert, which happens only when all of them allow it (a second
/// scan inserts nothing). Answers one outcome per scan, in order; the caller turns each into its
/// answer.
///
/// The scans must not share a (activity, student) or an (activity, phone) pair: a row's checks
/// do not see the rows the same statement inserts (the gatherer puts such scans in separate
/// batches).
///
/// The window repeats [`CheckinRow::window`] and the distance `shared::attendance::distance_m`
/// (haversine, 6,371 km); the attendance API tests hold them to the same results.
pub async fn scan_many(conn: &mut AsyncPgConnection, scans: &[Scan]) -> Result<Vec<ScanOutcome>> {
    use diesel::sql_types::{Array, Double, Integer, Timestamptz, Uuid};
    let sessions: Vec<uuid::Uuid> = scans.iter().map(|s| s.session_id).collect();
    let students: Vec<i64> = scans.iter().map(|s| s.student_id).collect();
    let activities: Vec<i64> = scans.iter().map(|s| s.activity_id).collect();
    let ats: Vec<DateTime<Utc>> = scans.iter().map(|s| s.at).collect();
    let devices: Vec<Option<&str>> = scans.iter().map(|s| s.device_id.as_deref()).collect();
    let ips: Vec<&str> = scans.iter().map(|s| s.client_ip.as_str()).collect();
    let agents: Vec<Option<&str>> = scans.iter().map(|s| s.user_agent.as_deref()).collect();
    let lags: Vec<i32> = scans.iter().map(|s| s.code_lag_ms).collect();
    let lats: Vec<Option<f64>> = scans.iter().map(|s| s.latitude).collect();
    let longs: Vec<Option<f64>> = scans.iter().map(|s| s.longitude).collect();
    let froms: Vec<DateTime<Utc>> = scans.iter().map(|s| s.code_from).collect();
    let mut outcomes: Vec<ScanOutcome> = prepared::sql(SCAN_SQL)
        .bind::<Array<Uuid>, _>(sessions)
        .bind::<Array<BigInt>, _>(students)
        .bind::<Array<BigInt>, _>(activities)
        .bind::<Array<Timestamptz>, _>(ats)
        .bind::<Array<Nullable<Text>>, _>(devices)
        .bind::<Array<Text>, _>(ips)
        .bind::<Array<Nullable<Text>>, _>(agents)
        .bind::<Array<Integer>, _>(lags)
        .bind::<Array<Nullable<Double>>, _>(lats)
        .bind::<Array<Nullable<Double>>, _>(longs)
        .bind::<Array<Timestamptz>, _>(froms)
        .load(conn)
        .await?;
    outcomes.sort_by_key(|o| o.n);
    Ok(outcomes)
}

/// [`scan_many`]'s statement, kept prepared ([`prepared`]): otherwise PostgreSQL would parse and
/// plan the CTE again for every batch.
const SCAN_SQL: &str = "WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[],
                                  $5::text[], $6::text[], $7::text[], $8::int[], $9::float8[],
                                  $10::float8[], $11::timestamptz[])
                 WITH ORDINALITY AS i(session_id, student_id, activity_id, at, device_id,
                                      client_ip, user_agent, code_lag_ms, latitude, longitude,
                                      code_from, n)
         ), checked AS MATERIALIZED (
             SELECT i.*, who.session_ended, who.active, who.must_change_password, who.kind,
                    act.title, act.open, act.projected_code AS projected,
                    act.checkin_latitude, act.checkin_longitude,
                    EXISTS (SELECT 1 FROM attendance t
                            WHERE t.activity_id = i.activity_id AND t.device_id = i.device_id
                              AND t.student_id <> i.student_id) AS device_used,
                    EXISTS (SELECT 1 FROM registrations r
                            WHERE r.activity_id = i.activity_id AND r.student_id = i.student_id
                              AND r.status = 'confirmed') AS registered
             FROM input i
             LEFT JOIN LATERAL (
                 SELECT s.ended_at IS NOT NULL AS session_ended, a.active AND o.active AS active,
                        a.must_change_password, a.kind
                 FROM sessions s
                 JOIN accounts a ON a.id = s.account_id
                 JOIN organizations o ON o.id = a.organization_id
                 WHERE s.id = i.session_id AND s.account_id = i.student_id
             ) who ON true
             LEFT JOIN LATERAL (
                 SELECT title, checkin_latitude, checkin_longitude, projected_code,
                        status = 'published'
                        AND i.at >= coalesce(checkin_opens_at, starts_at - interval '30 minutes')
                        AND i.at < coalesce(checkin_closes_at, ends_at) AS open
                 FROM activities WHERE id = i.activity_id
             ) act ON true
         ), added AS (
             INSERT INTO attendance (activity_id, student_id, checked_in_at, method, device_id,
                                     client_ip, user_agent, code_lag_ms, distance_m, registered,
                                     code_from)
             SELECT c.activity_id, c.student_id, c.at, 'qr', c.device_id, c.client_ip,
                    c.user_agent, c.code_lag_ms,
                    CASE WHEN c.latitude IS NOT NULL AND c.longitude IS NOT NULL
                              AND c.checkin_latitude IS NOT NULL
                              AND c.checkin_longitude IS NOT NULL
                    THEN 2 * 6371000 * asin(least(1, sqrt(
                             sin(radians(c.checkin_latitude - c.latitude) / 2) ^ 2
                             + cos(radians(c.latitude)) * cos(radians(c.checkin_latitude))
                               * sin(radians(c.checkin_longitude - c.longitude) / 2) ^ 2)))
                    END,
                    c.registered, c.code_from
             FROM checked c
             WHERE NOT c.session_ended AND c.active AND NOT c.must_change_password
               AND c.kind = 'student' AND c.open AND c.projected
               AND NOT c.device_used
             ON CONFLICT DO NOTHING
             RETURNING activity_id, student_id
         )
         SELECT c.n, c.session_ended, c.active, c.must_change_password, c.kind, c.title, c.open,
                c.projected, c.device_used, c.registered,
                EXISTS (SELECT 1 FROM added d
                        WHERE d.activity_id = c.activity_id AND d.student_id = c.student_id)
                    AS inserted
         FROM checked c";

/// Records the check-out of a checked-in student: answers `None` if not checked in, or
/// `Some(false)` if already checked out.
pub async fn check_out(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    student_id: i64,
    at: DateTime<Utc>,
) -> Result<Option<bool>> {
    let updated = diesel::update(
        attendance::table
            .filter(attendance::activity_id.eq(activity_id))
            .filter(attendance::student_id.eq(student_id))
            .filter(attendance::checked_out_at.is_null()),
    )
    .set(attendance::checked_out_at.eq(at))
    .execute(conn)
    .await?;
    if updated == 1 {
        return Ok(Some(true));
    }
    let exists: bool = diesel::select(diesel::dsl::exists(
        attendance::table
            .filter(attendance::activity_id.eq(activity_id))
            .filter(attendance::student_id.eq(student_id)),
    ))
    .get_result(conn)
    .await?;
    Ok(exists.then_some(false))
}

/// A refused scan, as [`record_attempt`] keeps it.
pub struct Attempt<'a> {
    /// The activity the code claims; a code naming no activity is not recorded.
    pub activity_id: i64,
    pub student_id: i64,
    /// One of `forged`, `expired`, `closed`, `device_used`, `no_device`, `not_a_student`,
    /// `stale_receipt` (the table's check).
    pub outcome: &'a str,
    /// The phone's hash.
    pub device_id: Option<&'a str>,
    pub client_ip: &'a str,
    /// When the presented code appeared (a genuine code).
    pub code_from: Option<DateTime<Utc>>,
}

/// Records a refused scan, for the anomalies; nothing when the activity does not exist (a
/// forged code may name any number).
pub async fn record_attempt(conn: &mut AsyncPgConnection, attempt: &Attempt<'_>) -> Result<()> {
    use diesel::sql_types::Timestamptz;
    prepared::sql(
        "INSERT INTO attendance_attempts (activity_id, student_id, outcome, device_id, client_ip,
                                          code_from)
         SELECT id, $2, $3, $4, $5, $6 FROM activities WHERE id = $1",
    )
    .bind::<BigInt, _>(attempt.activity_id)
    .bind::<BigInt, _>(attempt.student_id)
    .bind::<Text, _>(attempt.outcome)
    .bind::<Nullable<Text>, _>(attempt.device_id)
    .bind::<Text, _>(attempt.client_ip)
    .bind::<Nullable<Timestamptz>, _>(attempt.code_from)
    .execute(conn)
    .await?;
    Ok(())
}

/// (checked in, checked out).
pub async fn counts(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<(u32, u32)> {
    let (checked_in, checked_out): (i64, i64) = attendance::table
        .filter(attendance::activity_id.eq(activity_id))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::count(attendance::checked_out_at),
        ))
        .first(conn)
        .await?;
    Ok((checked_in as u32, checked_out as u32))
}

/// Newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<AttendanceRecord>> {
    let recorder = diesel::alias!(accounts as recorder);
    type Row = (
        i64,
        String,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        String,
        bool,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = attendance::table
        .inner_join(accounts::table.on(accounts::id.eq(attendance::student_id)))
        .left_join(recorder.on(attendance::recorded_by.eq(recorder.field(accounts::id).nullable())))
        .filter(attendance::activity_id.eq(activity_id))
        .order((attendance::checked_in_at.desc(), attendance::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            attendance::student_id,
            accounts::username,
            accounts::display_name,
            attendance::checked_in_at,
            attendance::checked_out_at,
            attendance::method,
            attendance::registered,
            attendance::reason,
            recorder.field(accounts::display_name).nullable(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                student_id,
                student_no,
                student_name,
                checked_in_at,
                checked_out_at,
                method,
                registered,
                reason,
                recorded_by,
            )| {
                AttendanceRecord {
                    student_id,
                    student_no,
                    student_name,
                    checked_in_at,
                    checked_out_at,
                    method: AttendanceMethod::parse(&method).unwrap_or(AttendanceMethod::Manual),
                    registered,
                    reason,
                    recorded_by,
                }
            },
        )
        .collect())
}

/// One anomaly row from SQL.
#[derive(QueryableByName)]
pub struct AnomalyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    pub students: Vec<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub detail: String,
}

/// Suspicious patterns of an activity's check-ins that one statement finds, newest first:
/// shared phones, refused scans per student (with counts per reason), one code presented late
/// by several phones (a relay), late scans, check-ins without a place, far from the place, and
/// personal codes from a phone that replaced another this term.
/// Bursts need the school's policy: [`scan_marks`].
pub async fn anomalies(
    conn: &mut AsyncPgConnection,
    activity_id: i64,
    radius_m: Option<i32>,
    late_after_ms: i32,
) -> Result<Vec<AnomalyRow>> {
    Ok(prepared::sql(
        "WITH a AS (SELECT at.*, ac.username FROM attendance at JOIN accounts ac ON ac.id = at.student_id WHERE at.activity_id = $1),
              t AS (SELECT t.*, ac.username FROM attendance_attempts t JOIN accounts ac ON ac.id = t.student_id WHERE t.activity_id = $1)
         SELECT 'shared_device' AS kind, max(at) AS at, array_agg(DISTINCT username) AS students,
                'phone ' || left(device_id, 8) || ': ' || count(*) || ' refused attempt(s) for another student' AS detail
           FROM t WHERE outcome = 'device_used'
          GROUP BY device_id
         UNION ALL
         SELECT 'refused', max(last), ARRAY[username],
                sum(n) || ' refused scan(s): ' || string_agg(outcome || ' ×' || n, ', ' ORDER BY n DESC, outcome)
           FROM (SELECT username, outcome, count(*) AS n, max(at) AS last FROM t
                  WHERE outcome <> 'device_used' GROUP BY username, outcome) r
          GROUP BY username
         UNION ALL
         SELECT 'relayed_code', max(at), array_agg(DISTINCT username ORDER BY username),
                'the code shown at ' || to_char(code_from AT TIME ZONE 'Asia/Shanghai', 'HH24:MI:SS')
                || ' was presented late by ' || count(DISTINCT device_id) || ' phones'
           FROM (SELECT code_from, device_id, at, username FROM t
                  WHERE outcome IN ('expired', 'stale_receipt') AND code_from IS NOT NULL
                 UNION ALL
                 SELECT code_from, device_id, checked_in_at, username FROM a
                  WHERE code_from IS NOT NULL AND code_lag_ms > $3) late
          WHERE device_id IS NOT NULL
          GROUP BY code_from
         HAVING count(DISTINCT device_id) >= 2
         UNION ALL
         SELECT 'late_scan', checked_in_at, ARRAY[username], 'scanned a code ' || round(code_lag_ms / 1000.0) || ' s after it appeared'
           FROM a WHERE code_lag_ms > $3
         UNION ALL
         SELECT 'unregistered', checked_in_at, ARRAY[username], 'checked in without a confirmed place'
           FROM a WHERE NOT registered
         UNION ALL
         SELECT 'far_away', checked_in_at, ARRAY[username], round(distance_m) || ' m from the place'
           FROM a WHERE $2::integer IS NOT NULL AND distance_m > $2
         UNION ALL
         SELECT 'device_changed', s.scanned_at, ARRAY[ac.username],
                'personal code from a phone that replaced another on '
                || to_char(k.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
           FROM checkin_scans s
           JOIN checkin_keys k ON k.id = s.key_id
           JOIN accounts ac ON ac.id = s.student_id
          WHERE s.activity_id = $1 AND s.outcome = 'accepted' AND k.device_change
         ORDER BY at DESC
         LIMIT 500",
    )
    .bind::<BigInt, _>(activity_id)
    .bind::<Nullable<diesel::sql_types::Integer>, _>(radius_m)
    .bind::<diesel::sql_types::Integer, _>(late_after_ms)
    .load(conn)
    .await?)
}

/// One scan of an activity, accepted or refused, as the burst check reads it.
#[derive(QueryableByName)]
pub struct ScanMark {
    #[diesel(sql_type = Text)]
    pub student_no: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub client_ip: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub device_id: Option<String>,
    #[diesel(sql_type = Bool)]
    pub accepted: bool,
}

/// Every scan of an activity (QR check-ins and refused attempts), oldest first; at most 20,000.
pub async fn scan_marks(conn: &mut AsyncPgConnection, activity_id: i64) -> Result<Vec<ScanMark>> {
    Ok(prepared::sql(
        "SELECT ac.username AS student_no, x.at, x.client_ip, x.device_id, x.accepted
           FROM (SELECT student_id, checked_in_at AS at, client_ip, device_id, true AS accepted
                   FROM attendance WHERE activity_id = $1 AND method = 'qr'
                 UNION ALL
                 SELECT student_id, at, client_ip, device_id, false
                   FROM attendance_attempts WHERE activity_id = $1) x
           JOIN accounts ac ON ac.id = x.student_id
          ORDER BY x.at
          LIMIT 20000",
    )
    .bind::<BigInt, _>(activity_id)
    .load(conn)
    .await?)
}

/// A scan recorded while signed out, to be redeemed once after the sign-in.
pub struct NewPendingScan<'a> {
    pub token_hash: &'a [u8],
    pub activity_id: i64,
    pub code: &'a str,
    /// The phone's hash.
    pub device_id: &'a str,
    pub client_ip: &'a str,
    pub minutes: i64,
    /// At most this many from one address in a minute.
    pub per_minute: i64,
}

#[derive(QueryableByName)]
pub struct PendingRow {
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub scanned_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub expires_at: DateTime<Utc>,
}

/// Records a pending scan, in one statement with the address's rate limit: `None` when the
/// address is over it (or the activity is gone).
pub async fn add_pending(
    conn: &mut AsyncPgConnection,
    pending: &NewPendingScan<'_>,
) -> Result<Option<PendingRow>> {
    Ok(prepared::sql(
        "WITH recent AS (SELECT count(*) AS n FROM pending_scans
                         WHERE client_ip = $5 AND scanned_at > now() - interval '1 minute')
         INSERT INTO pending_scans (token_hash, activity_id, code, device_id, client_ip, expires_at)
         SELECT $1, a.id, $3, $4, $5, now() + make_interval(mins => $6::int)
         FROM activities a, recent WHERE a.id = $2 AND recent.n < $7
         RETURNING (SELECT title FROM activities WHERE id = $2) AS title, scanned_at, expires_at",
    )
    .bind::<diesel::sql_types::Bytea, _>(pending.token_hash)
    .bind::<BigInt, _>(pending.activity_id)
    .bind::<Text, _>(pending.code)
    .bind::<Text, _>(pending.device_id)
    .bind::<Text, _>(pending.client_ip)
    .bind::<BigInt, _>(pending.minutes)
    .bind::<BigInt, _>(pending.per_minute)
    .get_result(conn)
    .await
    .optional()?)
}

/// What became of redeeming a pending scan.
pub enum Redeemed {
    /// Redeemed now: the code as scanned, and when.
    Scanned(DateTime<Utc>),
    /// Already redeemed, or expired.
    Stale,
    /// No such pending scan for this code and phone (another browser's, or made up).
    Unknown,
}

#[derive(QueryableByName)]
struct RedeemRow {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    scanned_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    redeemed: bool,
}

/// Marks the pending scan redeemed by `student`, once: only unredeemed, unexpired, for this
/// code and this phone. One statement, so two redemptions racing get one scan between them.
pub async fn redeem_pending(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    code: &str,
    device_id: &str,
    student: i64,
) -> Result<Redeemed> {
    let row: Option<RedeemRow> = prepared::sql(
        "WITH hit AS (
             UPDATE pending_scans SET redeemed_at = now(), redeemed_by = $4
             WHERE token_hash = $1 AND code = $2 AND device_id = $3
               AND redeemed_at IS NULL AND expires_at > now()
             RETURNING scanned_at)
         SELECT scanned_at, true AS redeemed FROM hit
         UNION ALL
         SELECT scanned_at, false FROM pending_scans
         WHERE token_hash = $1 AND code = $2 AND device_id = $3 AND NOT EXISTS (SELECT 1 FROM hit)",
    )
    .bind::<diesel::sql_types::Bytea, _>(token_hash)
    .bind::<Text, _>(code)
    .bind::<Text, _>(device_id)
    .bind::<BigInt, _>(student)
    .get_result(conn)
    .await
    .optional()?;
    Ok(match row {
        Some(RedeemRow {
            scanned_at,
            redeemed: true,
        }) => Redeemed::Scanned(scanned_at),
        Some(_) => Redeemed::Stale,
        None => Redeemed::Unknown,
    })
}
