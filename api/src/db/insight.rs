//! The figures of insight (the dashboard, the monthly report, the workload sheet): counts over
//! an organisation's subtree and a span of days, read from the activity, sign-up, attendance and
//! ledger tables (and `standings`, which the ledger keeps in step).
//!
//! A span is local (Asia/Shanghai) days, first and last included; activities count by their
//! start, check-ins by the activity's start, points by the day their fact occurred. Every query
//! takes the subtree as the list of its organisations' ids (one lookup, [`subtree`]).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{Result, prepared};

/// Local days `from..=to` and the instants that bound them.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub starts: DateTime<Utc>,
    /// The instant after the last day.
    pub ends: DateTime<Utc>,
}

impl Span {
    pub fn days(from: NaiveDate, to: NaiveDate) -> Span {
        let at = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(Shanghai).earliest())
                .map_or_else(|| day.and_time(NaiveTime::MIN).and_utc(), |t| t.to_utc())
        };
        Span {
            from,
            to,
            starts: at(from),
            ends: at(to.succ_opt().unwrap_or(to)),
        }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The ids of the organisation and every organisation under it.
pub async fn subtree(conn: &mut AsyncPgConnection, organization_id: i64) -> Result<Vec<i64>> {
    let ids: Vec<Id> =
        prepared::sql("SELECT id FROM organizations WHERE path @> ARRAY[$1]::bigint[] ORDER BY id")
            .bind::<BigInt, _>(organization_id)
            .load(conn)
            .await?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Activities of the subtree starting in the span, by category, level and state.
#[derive(QueryableByName)]
pub struct ActivityGroup {
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub credit_level: String,
    /// draft, submitted, upcoming, ongoing, awaiting_recognition, recognised, cancelled.
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

pub async fn activity_groups(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
    now: DateTime<Utc>,
) -> Result<Vec<ActivityGroup>> {
    Ok(prepared::sql(
        "SELECT category, credit_level,
                CASE WHEN status IN ('draft', 'submitted', 'cancelled') THEN status
                     WHEN recognized_at IS NOT NULL THEN 'recognised'
                     WHEN starts_at > $4 THEN 'upcoming'
                     WHEN ends_at > $4 THEN 'ongoing'
                     ELSE 'awaiting_recognition' END AS state,
                count(*) AS n
         FROM activities
         WHERE organizer_id = ANY($1) AND starts_at >= $2 AND starts_at < $3
         GROUP BY 1, 2, 3",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await?)
}

/// Activities of the subtree that became visible to students (published) in the span.
pub async fn published(conn: &mut AsyncPgConnection, orgs: &[i64], span: Span) -> Result<i64> {
    let n: Count = prepared::sql(
        "SELECT count(DISTINCT t.activity_id) AS n FROM activity_transitions t
         JOIN activities a ON a.id = t.activity_id
         WHERE a.organizer_id = ANY($1) AND t.to_status = 'published'
           AND t.at >= $2 AND t.at < $3",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .get_result(conn)
    .await?;
    Ok(n.n)
}

#[derive(QueryableByName)]
struct AttendanceRow {
    #[diesel(sql_type = BigInt)]
    registrations: i64,
    #[diesel(sql_type = BigInt)]
    attended: i64,
    #[diesel(sql_type = BigInt)]
    no_shows: i64,
}

/// Sign-ups, check-ins and no-shows of the subtree's published activities starting in the span.
pub async fn attendance(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
    now: DateTime<Utc>,
) -> Result<shared::insight::AttendanceFigures> {
    let row: AttendanceRow = prepared::sql(
        "WITH acts AS (
             SELECT id, ends_at < $4 AS ended FROM activities
             WHERE organizer_id = ANY($1) AND starts_at >= $2 AND starts_at < $3
               AND status = 'published')
         SELECT
           (SELECT count(*) FROM registrations r JOIN acts ON acts.id = r.activity_id
             WHERE r.status = 'confirmed') AS registrations,
           (SELECT count(*) FROM attendance t JOIN acts ON acts.id = t.activity_id) AS attended,
           (SELECT count(*) FROM registrations r JOIN acts ON acts.id = r.activity_id
             WHERE acts.ended AND r.status = 'confirmed'
               AND NOT EXISTS (SELECT 1 FROM attendance t
                               WHERE t.activity_id = r.activity_id
                                 AND t.student_id = r.student_id)) AS no_shows",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .await?;
    Ok(shared::insight::AttendanceFigures {
        registrations: row.registrations,
        attended: row.attended,
        no_shows: row.no_shows,
    })
}

/// Points granted by the subtree's organisations in one category over the span.
#[derive(QueryableByName)]
pub struct PointsRow {
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = Double)]
    pub hours: f64,
    #[diesel(sql_type = BigInt)]
    pub entries: i64,
}

pub async fn points(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
) -> Result<Vec<PointsRow>> {
    Ok(prepared::sql(
        "SELECT category, sum(points)::bigint AS points, coalesce(sum(hours), 0)::float8 AS hours,
                count(*) AS entries
         FROM ledger_entries
         WHERE organization_id = ANY($1) AND occurred_on BETWEEN $2 AND $3
         GROUP BY category",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Date, _>(span.from)
    .bind::<Date, _>(span.to)
    .load(conn)
    .await?)
}

#[derive(QueryableByName)]
struct BacklogRow {
    #[diesel(sql_type = BigInt)]
    pending_makeups: i64,
    #[diesel(sql_type = BigInt)]
    makeups: i64,
    #[diesel(sql_type = BigInt)]
    backfills: i64,
}

/// Make-up requests waiting now, make-ups granted and back-fills entered in the span, at the
/// subtree's activities (the overdue recognitions are counted by the caller, by the calendar).
pub async fn backlog(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
) -> Result<shared::insight::Backlog> {
    let row: BacklogRow = prepared::sql(
        "SELECT
           (SELECT count(*) FROM attendance_requests q JOIN activities a ON a.id = q.activity_id
             WHERE q.status = 'pending' AND a.organizer_id = ANY($1)) AS pending_makeups,
           (SELECT count(*) FROM attendance t JOIN activities a ON a.id = t.activity_id
             WHERE t.method = 'makeup' AND a.organizer_id = ANY($1)
               AND t.created_at >= $2 AND t.created_at < $3) AS makeups,
           (SELECT count(*) FROM results r JOIN activities a ON a.id = r.activity_id
             WHERE r.backfilled AND a.organizer_id = ANY($1)
               AND r.recognized_at >= $2 AND r.recognized_at < $3) AS backfills",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .get_result(conn)
    .await?;
    Ok(shared::insight::Backlog {
        overdue_recognitions: 0,
        pending_makeups: row.pending_makeups,
        makeups: row.makeups,
        backfills: row.backfills,
    })
}

#[derive(QueryableByName)]
struct CadreRow {
    #[diesel(sql_type = BigInt)]
    positions: i64,
    #[diesel(sql_type = BigInt)]
    appointed: i64,
    #[diesel(sql_type = BigInt)]
    assessed: i64,
    #[diesel(sql_type = BigInt)]
    rounds_approved: i64,
    #[diesel(sql_type = BigInt)]
    rounds_waiting: i64,
}

/// Ratings of the subtree's activities that start in the span.
pub async fn evaluations(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
) -> Result<shared::insight::EvaluationFigures> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        count: i64,
        #[diesel(sql_type = BigInt)]
        activities: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
        average: Option<f64>,
    }
    let row: Row = prepared::sql(
        "SELECT count(*) AS count, count(DISTINCT e.activity_id) AS activities,
                round(avg(e.rating), 2)::float8 AS average
         FROM activity_evaluations e JOIN activities a ON a.id = e.activity_id
         WHERE a.organizer_id = ANY($1) AND a.starts_at >= $2 AND a.starts_at < $3",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .get_result(conn)
    .await?;
    Ok(shared::insight::EvaluationFigures {
        count: row.count,
        activities: row.activities,
        average: row.average,
    })
}

/// Positions held and begun, and the assessment rounds of the subtree, over the span.
pub async fn cadres(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
) -> Result<shared::insight::CadreFigures> {
    let row: CadreRow = prepared::sql(
        "SELECT
           (SELECT count(*) FROM cadre_positions WHERE organization_id = ANY($1)
             AND starts_on <= $3 AND ends_on >= $3) AS positions,
           (SELECT count(*) FROM cadre_positions WHERE organization_id = ANY($1)
             AND starts_on BETWEEN $2 AND $3) AS appointed,
           (SELECT count(*) FROM cadre_assessments c JOIN assessment_rounds r ON r.id = c.round_id
             WHERE r.organization_id = ANY($1) AND r.status = 'approved'
               AND r.reviewed_at >= $4 AND r.reviewed_at < $5) AS assessed,
           (SELECT count(*) FROM assessment_rounds WHERE organization_id = ANY($1)
             AND status = 'approved' AND reviewed_at >= $4 AND reviewed_at < $5)
             AS rounds_approved,
           (SELECT count(*) FROM assessment_rounds WHERE organization_id = ANY($1)
             AND status = 'submitted') AS rounds_waiting",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Date, _>(span.from)
    .bind::<Date, _>(span.to)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .get_result(conn)
    .await?;
    Ok(shared::insight::CadreFigures {
        positions: row.positions,
        appointed: row.appointed,
        assessed: row.assessed,
        rounds_approved: row.rounds_approved,
        rounds_waiting: row.rounds_waiting,
    })
}

/// Students of one college, intake and degree, and how many of them took part.
#[derive(QueryableByName)]
pub struct ParticipationRow {
    #[diesel(sql_type = BigInt)]
    pub college_id: i64,
    #[diesel(sql_type = Text)]
    pub college: String,
    #[diesel(sql_type = Integer)]
    pub enrolment_year: i32,
    #[diesel(sql_type = Text)]
    pub degree: String,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = BigInt)]
    pub active: i64,
}

/// The subtree's active students by college, intake and degree, with those who took part in
/// the span: checked in at an activity starting in it, or gained points in it — by the term's
/// standings when `term` is given (the dashboard: one index read), else by the ledger's days.
pub async fn participation(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
    term: Option<i64>,
) -> Result<Vec<ParticipationRow>> {
    let gained = if term.is_some() {
        "SELECT student_id FROM standings WHERE term_id = $5 AND points > 0
           AND college_id = ANY($1)"
    } else {
        "SELECT student_id FROM ledger_entries WHERE occurred_on BETWEEN $4 AND $6
           AND $5 = $5"
    };
    Ok(prepared::sql(format!(
        "WITH took AS (
             SELECT t.student_id FROM attendance t JOIN activities x ON x.id = t.activity_id
             WHERE x.starts_at >= $2 AND x.starts_at < $3
             UNION
             {gained})
         SELECT a.organization_id AS college_id, o.college_name AS college, s.enrolment_year, s.degree,
                count(*) AS students, count(took.student_id) AS active
         FROM accounts a JOIN students s ON s.account_id = a.id
         JOIN organizations o ON o.id = a.organization_id
         LEFT JOIN took ON took.student_id = a.id
         WHERE a.kind = 'student' AND a.active AND a.organization_id = ANY($1)
         GROUP BY 1, 2, 3, 4"
    ))
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<Date, _>(span.from)
    .bind::<BigInt, _>(term.unwrap_or(0))
    .bind::<Date, _>(span.to)
    .load(conn)
    .await?)
}

/// One week of the span.
#[derive(QueryableByName)]
pub struct WeekRow {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub activities: i64,
    #[diesel(sql_type = BigInt)]
    pub checkins: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
}

/// Activities started, check-ins at them and points granted, per week (Monday) of the span.
pub async fn weeks(conn: &mut AsyncPgConnection, orgs: &[i64], span: Span) -> Result<Vec<WeekRow>> {
    Ok(prepared::sql(
        "WITH acts AS (
             SELECT id, date_trunc('week', starts_at AT TIME ZONE 'Asia/Shanghai')::date AS week
             FROM activities
             WHERE organizer_id = ANY($1) AND starts_at >= $2 AND starts_at < $3
               AND status = 'published'),
         a AS (SELECT week, count(*) AS n FROM acts GROUP BY week),
         c AS (SELECT acts.week, count(*) AS n FROM attendance t JOIN acts ON acts.id = t.activity_id
               GROUP BY acts.week),
         p AS (SELECT date_trunc('week', occurred_on)::date AS week, sum(points)::bigint AS n
               FROM ledger_entries
               WHERE organization_id = ANY($1) AND occurred_on BETWEEN $4 AND $5 GROUP BY 1)
         SELECT w.week::date AS week, coalesce(a.n, 0) AS activities,
                coalesce(c.n, 0) AS checkins, coalesce(p.n, 0) AS points
         FROM generate_series(date_trunc('week', $4::date), $5::date, interval '1 week') AS w(week)
         LEFT JOIN a ON a.week = w.week::date
         LEFT JOIN c ON c.week = w.week::date
         LEFT JOIN p ON p.week = w.week::date
         ORDER BY 1",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<Date, _>(span.from)
    .bind::<Date, _>(span.to)
    .load(conn)
    .await?)
}

/// One term of the trend.
#[derive(QueryableByName)]
pub struct TermRow {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub activities: i64,
    #[diesel(sql_type = BigInt)]
    pub checkins: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
}

/// The same figures for the `count` terms up to and including `last_term`, oldest first
/// (points by the ledger's term).
pub async fn terms(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    last_term_starts: NaiveDate,
    count: i64,
) -> Result<Vec<TermRow>> {
    Ok(prepared::sql(
        "WITH ts AS (
             SELECT id, code, name, starts_on, ends_on FROM terms WHERE starts_on <= $2
             ORDER BY starts_on DESC LIMIT $3),
         acts AS (
             SELECT ts.id AS term_id, x.id FROM ts JOIN activities x
               ON x.starts_at >= (ts.starts_on::timestamp AT TIME ZONE 'Asia/Shanghai')
              AND x.starts_at < ((ts.ends_on + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
             WHERE x.organizer_id = ANY($1) AND x.status = 'published')
         SELECT ts.code, ts.name,
                (SELECT count(*) FROM acts WHERE acts.term_id = ts.id) AS activities,
                (SELECT count(*) FROM attendance t JOIN acts ON acts.id = t.activity_id
                  WHERE acts.term_id = ts.id) AS checkins,
                (SELECT coalesce(sum(points), 0)::bigint FROM ledger_entries
                  WHERE organization_id = ANY($1)
                    AND occurred_on BETWEEN ts.starts_on AND ts.ends_on) AS points
         FROM ts ORDER BY ts.starts_on",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Date, _>(last_term_starts)
    .bind::<BigInt, _>(count)
    .load(conn)
    .await?)
}

/// An organisation of the subtree and its share of the span.
#[derive(QueryableByName)]
pub struct OrgRow {
    #[diesel(sql_type = BigInt)]
    pub organization_id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub activities: i64,
    #[diesel(sql_type = BigInt)]
    pub checkins: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
}

/// The subtree's `limit` organisations with the most check-ins in the span (then activities).
pub async fn top_organizations(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
    limit: i64,
) -> Result<Vec<OrgRow>> {
    Ok(prepared::sql(
        "WITH acts AS (
             SELECT id, organizer_id FROM activities
             WHERE organizer_id = ANY($1) AND starts_at >= $2 AND starts_at < $3
               AND status = 'published'),
         a AS (SELECT organizer_id, count(*) AS n FROM acts GROUP BY 1),
         c AS (SELECT acts.organizer_id, count(*) AS n FROM attendance t
               JOIN acts ON acts.id = t.activity_id GROUP BY 1),
         p AS (SELECT organization_id, sum(points)::bigint AS n FROM ledger_entries
               WHERE organization_id = ANY($1) AND occurred_on BETWEEN $4 AND $5 GROUP BY 1)
         SELECT o.id AS organization_id, o.name, coalesce(a.n, 0) AS activities,
                coalesce(c.n, 0) AS checkins, coalesce(p.n, 0) AS points
         FROM organizations o
         LEFT JOIN a ON a.organizer_id = o.id
         LEFT JOIN c ON c.organizer_id = o.id
         LEFT JOIN p ON p.organization_id = o.id
         WHERE o.id = ANY($1) AND (a.n IS NOT NULL OR p.n IS NOT NULL)
         ORDER BY checkins DESC, activities DESC, points DESC, o.id
         LIMIT $6",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<Date, _>(span.from)
    .bind::<Date, _>(span.to)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// A student at the top of the subtree's term.
#[derive(QueryableByName)]
pub struct LeaderRow {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub college: String,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
}

/// The `limit` students of the subtree's colleges with the most points in the term.
pub async fn leaders(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    term_id: i64,
    limit: i64,
) -> Result<Vec<LeaderRow>> {
    Ok(prepared::sql(
        "SELECT st.student_id, a.display_name AS name, a.username, o.college_name AS college, st.points
         FROM (SELECT student_id, college_id, points FROM standings
               WHERE term_id = $2 AND college_id = ANY($1) AND points > 0
               ORDER BY points DESC, student_id LIMIT $3) st
         JOIN accounts a ON a.id = st.student_id
         JOIN organizations o ON o.id = st.college_id
         ORDER BY st.points DESC, st.student_id",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<BigInt, _>(term_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// An activity of the subtree started in the span, for the monthly report's list.
#[derive(QueryableByName)]
pub struct ActivityLine {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub credit_level: String,
    #[diesel(sql_type = Text)]
    pub organizer: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub registrations: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = Bool)]
    pub recognised: bool,
}

pub async fn activity_lines(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
    limit: i64,
) -> Result<Vec<ActivityLine>> {
    Ok(prepared::sql(
        "SELECT x.id, x.title, x.category, x.credit_level, o.name AS organizer, x.starts_at,
                (SELECT count(*) FROM registrations r WHERE r.activity_id = x.id
                   AND r.status = 'confirmed') AS registrations,
                (SELECT count(*) FROM attendance t WHERE t.activity_id = x.id) AS attended,
                x.recognized_at IS NOT NULL AS recognised
         FROM activities x JOIN organizations o ON o.id = x.organizer_id
         WHERE x.organizer_id = ANY($1) AND x.starts_at >= $2 AND x.starts_at < $3
           AND x.status = 'published'
         ORDER BY x.starts_at, x.id LIMIT $4",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// An assessment round of the subtree submitted, reviewed or waiting in the span.
#[derive(QueryableByName)]
pub struct RoundLine {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Text)]
    pub term_code: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub graded: i64,
    #[diesel(sql_type = BigInt)]
    pub positions: i64,
}

pub async fn round_lines(
    conn: &mut AsyncPgConnection,
    orgs: &[i64],
    span: Span,
) -> Result<Vec<RoundLine>> {
    Ok(prepared::sql(
        "SELECT r.id, o.name AS organization, t.code AS term_code, r.status,
                (SELECT count(*) FROM cadre_assessments c WHERE c.round_id = r.id) AS graded,
                (SELECT count(*) FROM cadre_positions p WHERE p.organization_id = r.organization_id
                   AND p.starts_on <= t.ends_on AND p.ends_on >= t.starts_on) AS positions
         FROM assessment_rounds r JOIN organizations o ON o.id = r.organization_id
         JOIN terms t ON t.id = r.term_id
         WHERE r.organization_id = ANY($1)
           AND (r.status = 'submitted'
                OR (r.created_at >= $2 AND r.created_at < $3)
                OR (r.submitted_at >= $2 AND r.submitted_at < $3)
                OR (r.reviewed_at >= $2 AND r.reviewed_at < $3))
         ORDER BY o.name, t.code",
    )
    .bind::<Array<BigInt>, _>(orgs)
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .load(conn)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Instructor workload.

/// One activity an instructor guided, with its participants and results.
#[derive(QueryableByName)]
pub struct GuidedRow {
    #[diesel(sql_type = BigInt)]
    pub instructor_id: i64,
    #[diesel(sql_type = Text)]
    pub instructor: String,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub instructor_org: String,
    #[diesel(sql_type = BigInt)]
    pub activity_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub organizer: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    #[diesel(sql_type = BigInt)]
    pub results: i64,
    #[diesel(sql_type = BigInt)]
    pub awards: i64,
}

/// The published activities starting in the span that instructors guided: of the subtree's
/// organisations (`orgs`), or of one instructor (`instructor`), or both.
pub async fn guided(
    conn: &mut AsyncPgConnection,
    orgs: Option<&[i64]>,
    instructor: Option<i64>,
    span: Span,
) -> Result<Vec<GuidedRow>> {
    Ok(prepared::sql(
        "SELECT i.id AS instructor_id, i.display_name AS instructor, i.username,
                io.name AS instructor_org, x.id AS activity_id, x.title, x.category,
                o.name AS organizer, x.starts_at, x.ends_at,
                (SELECT count(*) FROM attendance t WHERE t.activity_id = x.id) AS participants,
                (SELECT count(*) FROM results r WHERE r.activity_id = x.id AND r.attended)
                  AS results,
                (SELECT count(*) FROM results r WHERE r.activity_id = x.id AND r.attended
                   AND r.award IS NOT NULL AND r.award <> 'participation') AS awards
         FROM activities x
         JOIN organizations o ON o.id = x.organizer_id
         CROSS JOIN LATERAL unnest(x.instructor_ids) AS g(instructor_id)
         JOIN accounts i ON i.id = g.instructor_id
         JOIN organizations io ON io.id = i.organization_id
         WHERE x.status = 'published' AND x.starts_at >= $1 AND x.starts_at < $2
           AND ($3::bigint[] IS NULL OR x.organizer_id = ANY($3))
           AND ($4::bigint IS NULL OR g.instructor_id = $4)
         ORDER BY i.display_name, i.id, x.starts_at, x.id",
    )
    .bind::<Timestamptz, _>(span.starts)
    .bind::<Timestamptz, _>(span.ends)
    .bind::<Nullable<Array<BigInt>>, _>(orgs)
    .bind::<Nullable<BigInt>, _>(instructor)
    .load(conn)
    .await?)
}
