//! Terms, rule set versions, facts recognised outside activities and the points ledger, with a
//! student's totals and entries as read back. [`refresh`] is the one way facts become
//! entries: it re-evaluates a student's term under the term's rules and writes the difference as
//! reversing and new entries, keeping `point_totals` and `standings` in step in the same
//! transaction (the caller's).

use super::Result;
use chrono::{NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    activity::CreditLevel,
    attendance::{Award, AwardLevel, ParticipantRole, ResultInput},
    points::{LedgerEntry, NewFact, NewTerm, RuleSetVersion, Source, Term},
    practice::PracticeKind,
    rules::{self, CadreLevel, Fact, FactKind, Grade, Points, RuleSet},
    transcript::Method,
};
use std::collections::{BTreeMap, HashMap};

use super::{
    prepared,
    schema::{accounts, point_facts, rule_sets, terms},
};

type TermTuple = (i64, String, String, String, NaiveDate, NaiveDate);

fn term_of((id, code, name, academic_year, starts_on, ends_on): TermTuple) -> Term {
    Term {
        id,
        code,
        name,
        academic_year,
        starts_on,
        ends_on,
    }
}

const TERM_COLUMNS: (
    terms::id,
    terms::code,
    terms::name,
    terms::academic_year,
    terms::starts_on,
    terms::ends_on,
) = (
    terms::id,
    terms::code,
    terms::name,
    terms::academic_year,
    terms::starts_on,
    terms::ends_on,
);

pub async fn terms(conn: &mut AsyncPgConnection) -> Result<Vec<Term>> {
    let rows: Vec<TermTuple> = terms::table
        .order(terms::starts_on)
        .select(TERM_COLUMNS)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(term_of).collect())
}

pub async fn term(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<Term>> {
    let row: Option<TermTuple> = terms::table
        .find(id)
        .select(TERM_COLUMNS)
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(term_of))
}

/// The term a day falls in.
pub async fn term_on(conn: &mut AsyncPgConnection, day: NaiveDate) -> Result<Option<Term>> {
    let row: Option<TermTuple> = terms::table
        .filter(terms::starts_on.le(day))
        .filter(terms::ends_on.ge(day))
        .select(TERM_COLUMNS)
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(term_of))
}

/// Whether a term has the code or overlaps the days from `starts_on` to `ends_on`.
pub async fn term_clashes(
    conn: &mut AsyncPgConnection,
    code: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<bool> {
    let clash: i64 = terms::table
        .filter(
            terms::code.eq(code).or(terms::starts_on
                .le(ends_on)
                .and(terms::ends_on.ge(starts_on))),
        )
        .count()
        .get_result(conn)
        .await?;
    Ok(clash > 0)
}

/// Adds the term (code and name trimmed); answers its id.
pub async fn insert_term(conn: &mut AsyncPgConnection, term: &NewTerm, by: i64) -> Result<i64> {
    let id: i64 = diesel::insert_into(terms::table)
        .values((
            terms::code.eq(term.code.trim()),
            terms::name.eq(term.name.trim()),
            terms::academic_year.eq(term.academic_year()),
            terms::starts_on.eq(term.starts_on),
            terms::ends_on.eq(term.ends_on),
            terms::created_by.eq(by),
        ))
        .returning(terms::id)
        .get_result(conn)
        .await?;
    Ok(id)
}

/// Today in Asia/Shanghai.
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// The rules a term is evaluated under: the latest version taking effect at or before it.
pub async fn rules_for(conn: &mut AsyncPgConnection, term: &Term) -> Result<(i32, RuleSet)> {
    let row: Option<(i32, serde_json::Value)> = rule_sets::table
        .left_join(terms::table)
        .filter(
            rule_sets::effective_term_id
                .is_null()
                .or(terms::starts_on.le(term.starts_on)),
        )
        .order((
            diesel::dsl::sql::<Nullable<Date>>("terms.starts_on")
                .desc()
                .nulls_last(),
            rule_sets::version.desc(),
        ))
        .select((rule_sets::version, rule_sets::rules))
        .first(conn)
        .await
        .optional()?;
    Ok(match row {
        Some((version, json)) => (
            version,
            serde_json::from_value(json).unwrap_or_else(|_| RuleSet::default_rules()),
        ),
        None => (0, RuleSet::default_rules()),
    })
}

type VersionRow = (
    i32,
    Option<i64>,
    serde_json::Value,
    String,
    chrono::DateTime<Utc>,
    Option<String>,
);

/// The rule set versions, newest first: every one, or only the one numbered `only`.
pub async fn rule_set_versions(
    conn: &mut AsyncPgConnection,
    only: Option<i32>,
) -> Result<Vec<RuleSetVersion>> {
    let mut query = rule_sets::table
        .left_join(accounts::table)
        .order(rule_sets::version.desc())
        .select((
            rule_sets::version,
            rule_sets::effective_term_id,
            rule_sets::rules,
            rule_sets::note,
            rule_sets::created_at,
            accounts::display_name.nullable(),
        ))
        .into_boxed();
    if let Some(version) = only {
        query = query.filter(rule_sets::version.eq(version));
    }
    let rows: Vec<VersionRow> = query.load(conn).await?;
    let terms: HashMap<i64, Term> = terms(conn).await?.into_iter().map(|t| (t.id, t)).collect();
    Ok(rows
        .into_iter()
        .map(
            |(version, term, rules, note, created_at, created_by)| RuleSetVersion {
                version,
                effective_term: term.and_then(|t| terms.get(&t).cloned()),
                rules: serde_json::from_value(rules).unwrap_or_else(|_| RuleSet::default_rules()),
                note,
                created_at,
                created_by,
            },
        )
        .collect())
}

/// The number the next rule set version takes. Call inside a transaction: `rule_sets` is
/// locked against other writers until it ends, so no other publisher takes the same number.
pub async fn next_rule_version(conn: &mut AsyncPgConnection) -> Result<i32> {
    diesel::sql_query("LOCK TABLE rule_sets IN EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    let next: i32 = rule_sets::table
        .select(diesel::dsl::max(rule_sets::version))
        .first::<Option<i32>>(conn)
        .await?
        .unwrap_or(0)
        + 1;
    Ok(next)
}

/// Adds a rule set version taking effect from the term on (the note trimmed by the caller).
pub async fn insert_rule_set(
    conn: &mut AsyncPgConnection,
    version: i32,
    effective_term_id: i64,
    rules: &RuleSet,
    note: &str,
    by: i64,
) -> Result<()> {
    diesel::insert_into(rule_sets::table)
        .values((
            rule_sets::version.eq(version),
            rule_sets::effective_term_id.eq(effective_term_id),
            rule_sets::rules.eq(serde_json::to_value(rules).expect("rules")),
            rule_sets::note.eq(note),
            rule_sets::created_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A student as points and transcripts need them: who, where, and their college's path (for
/// the subtree checks).
#[derive(QueryableByName)]
pub struct StudentInfo {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = BigInt)]
    pub college_id: i64,
    #[diesel(sql_type = Text)]
    pub college: String,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    pub college_path: Vec<i64>,
    #[diesel(sql_type = Text)]
    pub major: String,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = Integer)]
    pub enrolment_year: i32,
    #[diesel(sql_type = Text)]
    pub degree: String,
}

impl StudentInfo {
    pub fn degree(&self) -> shared::people::Degree {
        shared::people::Degree::parse(&self.degree).unwrap_or(shared::people::Degree::Undergraduate)
    }
}

/// Selects [`StudentInfo`] columns; add the `WHERE`.
pub const STUDENT_SQL: &str = "SELECT a.id, a.username, a.display_name,
        a.organization_id AS college_id, o.college_name AS college, o.path AS college_path, s.major,
        s.class_name, s.enrolment_year, s.degree
    FROM accounts a JOIN students s ON s.account_id = a.id
    JOIN organizations o ON o.id = a.organization_id";

/// One student by account id; 404 for anyone else.
pub async fn student(conn: &mut AsyncPgConnection, id: i64) -> Result<StudentInfo> {
    prepared::sql(format!(
        "{STUDENT_SQL} WHERE a.id = $1 AND a.kind = 'student'"
    ))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?
    .ok_or(super::Error::NotFound("student"))
}

/// A student's points and hours in one category of one term.
#[derive(QueryableByName)]
pub struct TotalRow {
    #[diesel(sql_type = BigInt)]
    pub term_id: i64,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = Double)]
    pub hours: f64,
}

/// The student's totals per term and category.
pub async fn totals_of(conn: &mut AsyncPgConnection, student: i64) -> Result<Vec<TotalRow>> {
    let totals: Vec<TotalRow> = prepared::sql(
        "SELECT term_id, category, points, hours::float8 AS hours FROM point_totals
         WHERE student_id = $1",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    Ok(totals)
}

#[derive(QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    term_code: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    points: i64,
    #[diesel(sql_type = Double)]
    hours: f64,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Text)]
    fact: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    activity_id: Option<i64>,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    detail: String,
    #[diesel(sql_type = Nullable<Integer>)]
    rule_version: Option<i32>,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Text)]
    recognized_by: String,
    #[diesel(sql_type = Nullable<Text>)]
    approved_by: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    reverses: Option<i64>,
    #[diesel(sql_type = Bool)]
    reversed: bool,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    created_at: chrono::DateTime<Utc>,
}

/// Every ledger entry of the student, newest first, with who recognised and approved it and
/// whether a later entry reverses it.
pub async fn entries_of(conn: &mut AsyncPgConnection, student: i64) -> Result<Vec<LedgerEntry>> {
    let entries: Vec<EntryRow> = prepared::sql(
        "SELECT e.id, t.code AS term_code, e.category, e.points, e.hours::float8 AS hours,
                e.source, e.method, e.fact, e.activity_id, e.title, e.detail, e.rule_version,
                o.name AS organization, r.display_name AS recognized_by,
                ap.display_name AS approved_by, e.reverses,
                EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses = e.id) AS reversed,
                e.occurred_on, e.created_at
         FROM ledger_entries e
         JOIN terms t ON t.id = e.term_id
         JOIN organizations o ON o.id = e.organization_id
         JOIN accounts r ON r.id = e.recognized_by
         LEFT JOIN accounts ap ON ap.id = e.approved_by
         WHERE e.student_id = $1
         ORDER BY e.id DESC",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    Ok(entries
        .into_iter()
        .map(|e| LedgerEntry {
            id: e.id,
            term_code: e.term_code,
            category: e.category,
            points: Points(e.points),
            hours: e.hours,
            source: Source::parse(&e.source).unwrap_or(Source::Manual),
            method: parse_method(&e.method),
            fact: e.fact,
            activity_id: e.activity_id,
            title: e.title,
            detail: e.detail,
            rule_version: e.rule_version,
            organization: e.organization,
            recognized_by: e.recognized_by,
            approved_by: e.approved_by,
            reverses: e.reverses,
            reversed: e.reversed,
            occurred_on: e.occurred_on,
            created_at: e.created_at,
        })
        .collect())
}

/// Records a cadre position or practice (its category the fact's, its organisation the
/// recognising one); answers its id. The ledger has it once the caller [`refresh`]es the
/// student's term.
pub async fn insert_fact(
    conn: &mut AsyncPgConnection,
    student: i64,
    term: i64,
    fact: &NewFact,
    source: Source,
    recorded_by: i64,
) -> Result<i64> {
    let id: i64 = diesel::insert_into(point_facts::table)
        .values((
            point_facts::student_id.eq(student),
            point_facts::term_id.eq(term),
            point_facts::category.eq(fact.category()),
            point_facts::source.eq(source.as_str()),
            point_facts::title.eq(fact.title.trim()),
            point_facts::kind.eq(serde_json::to_value(&fact.kind).expect("kind")),
            point_facts::achievement.eq(fact.achievement.as_deref()),
            point_facts::occurred_on.eq(fact.occurred_on),
            point_facts::organization_id.eq(fact.organization_id),
            point_facts::recorded_by.eq(recorded_by),
        ))
        .returning(point_facts::id)
        .get_result(conn)
        .await?;
    Ok(id)
}

/// Serialises ledger writes for one student (released at commit).
async fn lock_student(conn: &mut AsyncPgConnection, student: i64) -> Result<()> {
    prepared::sql("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(student)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct ResultFact {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    activity_id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    credit_level: String,
    #[diesel(sql_type = BigInt)]
    organizer_id: i64,
    #[diesel(sql_type = Nullable<Double>)]
    hours: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    award: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    award_level: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    achievement: Option<String>,
    #[diesel(sql_type = Bool)]
    backfilled: bool,
    #[diesel(sql_type = Nullable<Text>)]
    method: Option<String>,
    #[diesel(sql_type = BigInt)]
    recognized_by: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    approved_by: Option<i64>,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
}

#[derive(QueryableByName)]
struct OtherFact {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    term_id: i64,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    kind: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    achievement: Option<String>,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = BigInt)]
    recorded_by: i64,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
}

#[derive(QueryableByName, Debug)]
struct CurrentEntry {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    term_id: i64,
    #[diesel(sql_type = Text)]
    fact: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    points: i64,
    #[diesel(sql_type = Double)]
    hours: f64,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    activity_id: Option<i64>,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    detail: String,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Nullable<Integer>)]
    rule_version: Option<i32>,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
}

/// An entry to write.
struct NewEntry<'a> {
    student: i64,
    term: i64,
    category: &'a str,
    points: i64,
    hours: f64,
    source: &'a str,
    fact: &'a str,
    activity_id: Option<i64>,
    title: &'a str,
    detail: &'a str,
    method: &'a str,
    rule_version: Option<i32>,
    organization_id: i64,
    recognized_by: i64,
    approved_by: Option<i64>,
    reverses: Option<i64>,
    occurred_on: NaiveDate,
}

async fn insert_entry(conn: &mut AsyncPgConnection, e: &NewEntry<'_>) -> Result<()> {
    prepared::sql(
        "INSERT INTO ledger_entries (student_id, term_id, category, points, hours, source, fact,
            activity_id, title, detail, method, rule_version, organization_id, recognized_by,
            approved_by, reverses, occurred_on)
         VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind::<BigInt, _>(e.student)
    .bind::<BigInt, _>(e.term)
    .bind::<Text, _>(e.category)
    .bind::<BigInt, _>(e.points)
    .bind::<Double, _>(e.hours)
    .bind::<Text, _>(e.source)
    .bind::<Text, _>(e.fact)
    .bind::<Nullable<BigInt>, _>(e.activity_id)
    .bind::<Text, _>(e.title)
    .bind::<Text, _>(e.detail)
    .bind::<Text, _>(e.method)
    .bind::<Nullable<Integer>, _>(e.rule_version)
    .bind::<BigInt, _>(e.organization_id)
    .bind::<BigInt, _>(e.recognized_by)
    .bind::<Nullable<BigInt>, _>(e.approved_by)
    .bind::<Nullable<BigInt>, _>(e.reverses)
    .bind::<Date, _>(e.occurred_on)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds the deltas to the student's totals and standings (the term's and over all terms).
async fn apply_deltas(
    conn: &mut AsyncPgConnection,
    student: i64,
    term: i64,
    deltas: &BTreeMap<String, (i64, f64)>,
) -> Result<()> {
    let mut total = 0;
    for (category, (points, hours)) in deltas {
        if *points == 0 && *hours == 0.0 {
            continue;
        }
        total += points;
        prepared::sql(
            "INSERT INTO point_totals (student_id, term_id, category, points, hours)
             VALUES ($1, $2, $3, $4, $5::numeric)
             ON CONFLICT (student_id, term_id, category) DO UPDATE
             SET points = point_totals.points + excluded.points,
                 hours = point_totals.hours + excluded.hours",
        )
        .bind::<BigInt, _>(student)
        .bind::<BigInt, _>(term)
        .bind::<Text, _>(category)
        .bind::<BigInt, _>(points)
        .bind::<Double, _>(hours)
        .execute(conn)
        .await?;
    }
    if total != 0 || deltas.values().any(|(_, h)| *h != 0.0) {
        prepared::sql(
            "INSERT INTO standings (student_id, term_id, college_id, enrolment_year, points)
             SELECT a.id, t.term, a.organization_id, s.enrolment_year, $3
             FROM accounts a JOIN students s ON s.account_id = a.id,
                  (VALUES ($2::bigint), (0::bigint)) AS t (term)
             WHERE a.id = $1
             ON CONFLICT (student_id, term_id) DO UPDATE
             SET points = standings.points + excluded.points",
        )
        .bind::<BigInt, _>(student)
        .bind::<BigInt, _>(term)
        .bind::<BigInt, _>(total)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// One fact as the ledger will record it.
struct Desired {
    term_id: i64,
    fact: Fact,
    source: Source,
    activity_id: Option<i64>,
    title: String,
    organization_id: i64,
    recognized_by: i64,
    approved_by: Option<i64>,
    occurred_on: NaiveDate,
}

fn credit_level(text: &str) -> CreditLevel {
    match text {
        "school" => CreditLevel::School,
        "college" => CreditLevel::College,
        _ => CreditLevel::Club,
    }
}

/// What one refresh changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    pub written: usize,
    pub reversed: usize,
}

impl std::ops::AddAssign for Refreshed {
    fn add_assign(&mut self, other: Refreshed) {
        self.written += other.written;
        self.reversed += other.reversed;
    }
}

/// Every term and every rule set version: what evaluating a student's whole degree needs,
/// read once for many students.
pub struct RuleBook {
    /// Oldest first.
    pub terms: Vec<Term>,
    /// Version, the first term's start it applies from (none: from the first term), rules.
    versions: Vec<(i32, Option<NaiveDate>, RuleSet)>,
}

impl RuleBook {
    pub async fn load(conn: &mut AsyncPgConnection) -> Result<RuleBook> {
        let terms = terms(conn).await?;
        let rows: Vec<(i32, Option<i64>, serde_json::Value)> = rule_sets::table
            .select((
                rule_sets::version,
                rule_sets::effective_term_id,
                rule_sets::rules,
            ))
            .load(conn)
            .await?;
        let starts: HashMap<i64, NaiveDate> = terms.iter().map(|t| (t.id, t.starts_on)).collect();
        let versions = rows
            .into_iter()
            .map(|(version, term, rules)| {
                (
                    version,
                    term.and_then(|t| starts.get(&t).copied()),
                    serde_json::from_value(rules).unwrap_or_else(|_| RuleSet::default_rules()),
                )
            })
            .collect();
        Ok(RuleBook { terms, versions })
    }

    /// As if `rules` were published as `version` from the term starting on `from`: what the
    /// rules page previews.
    pub fn with(mut self, version: i32, from: NaiveDate, rules: RuleSet) -> RuleBook {
        self.versions.push((version, Some(from), rules));
        self
    }

    /// The version a term is evaluated under: the latest taking effect at or before it (as
    /// [`rules_for`]).
    pub fn rules_for(&self, term: &Term) -> (i32, &RuleSet) {
        self.versions
            .iter()
            .filter(|(_, from, _)| from.is_none_or(|f| f <= term.starts_on))
            .max_by_key(|(version, from, _)| (*from, *version))
            .map(|(version, _, rules)| (*version, rules))
            .unwrap_or((0, DEFAULT_RULES.get_or_init(RuleSet::default_rules)))
    }

    fn term(&self, id: i64) -> Option<&Term> {
        self.terms.iter().find(|t| t.id == id)
    }

    fn term_on(&self, day: NaiveDate) -> Option<&Term> {
        self.terms
            .iter()
            .find(|t| t.starts_on <= day && day <= t.ends_on)
    }
}

static DEFAULT_RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();

#[derive(QueryableByName)]
struct CadreFact {
    #[diesel(sql_type = BigInt)]
    round_id: i64,
    #[diesel(sql_type = BigInt)]
    position_id: i64,
    #[diesel(sql_type = BigInt)]
    term_id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Text)]
    grade: String,
    #[diesel(sql_type = Text)]
    position_type: String,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = BigInt)]
    recognized_by: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    approved_by: Option<i64>,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
}

#[derive(QueryableByName)]
struct PracticeFact {
    #[diesel(sql_type = BigInt)]
    record_id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Date)]
    starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    ends_on: NaiveDate,
    #[diesel(sql_type = Nullable<Double>)]
    record_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    member_hours: Option<f64>,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = BigInt)]
    recognized_by: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    approved_by: Option<i64>,
}

/// Everything of a student's that counts, each in its term.
async fn gather(
    conn: &mut AsyncPgConnection,
    student: i64,
    book: &RuleBook,
    approver: Option<i64>,
) -> Result<Vec<Desired>> {
    let results: Vec<ResultFact> = prepared::sql(
        "SELECT r.id, a.id AS activity_id, a.title, a.category, a.credit_level, a.organizer_id,
                r.hours::float8 AS hours, r.role, r.award, r.award_level, r.achievement,
                r.backfilled, att.method, r.recognized_by, a.recognized_by AS approved_by,
                (a.ends_at AT TIME ZONE 'Asia/Shanghai')::date AS occurred_on
         FROM results r
         JOIN activities a ON a.id = r.activity_id
         LEFT JOIN attendance att ON att.activity_id = r.activity_id AND att.student_id = r.student_id
         WHERE r.student_id = $1 AND r.attended AND a.status = 'published'
           AND a.recognized_at IS NOT NULL",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    let others: Vec<OtherFact> = prepared::sql(
        "SELECT id, term_id, category, source, title, kind, achievement, organization_id,
                recorded_by, occurred_on
         FROM point_facts WHERE student_id = $1",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    let cadres: Vec<CadreFact> = prepared::sql(
        "SELECT ca.round_id, ca.position_id, r.term_id, o.name || ' ' || p.title AS title,
                p.level, ca.grade, pt.code AS position_type, r.organization_id,
                r.submitted_by AS recognized_by, r.reviewed_by AS approved_by,
                LEAST(p.ends_on, t.ends_on) AS occurred_on
         FROM cadre_assessments ca
         JOIN assessment_rounds r ON r.id = ca.round_id AND r.status = 'approved'
         JOIN cadre_positions p ON p.id = ca.position_id
         JOIN position_types pt ON pt.id = p.position_type_id
         JOIN organizations o ON o.id = r.organization_id
         JOIN terms t ON t.id = r.term_id
         WHERE p.student_id = $1",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    let practice: Vec<PracticeFact> = prepared::sql(
        "SELECT r.id AS record_id, r.kind, r.name, r.starts_on, r.ends_on,
                r.hours::float8 AS record_hours, m.hours::float8 AS member_hours,
                r.organization_id, r.created_by AS recognized_by, r.certified_by AS approved_by
         FROM practice_members m
         JOIN practice_records r ON r.id = m.record_id AND r.status = 'certified'
         WHERE m.student_id = $1",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;

    let mut desired: Vec<Desired> =
        Vec::with_capacity(results.len() + others.len() + cadres.len() + practice.len());
    for r in results {
        let Some(term) = book.term_on(r.occurred_on) else {
            continue;
        };
        let (_, rules) = book.rules_for(term);
        let input = ResultInput {
            student_no: String::new(),
            attended: true,
            hours: r.hours,
            role: r.role.as_deref().and_then(ParticipantRole::parse),
            award: r.award.as_deref().and_then(Award::parse),
            award_level: r.award_level.as_deref().and_then(AwardLevel::parse),
            note: None,
            achievement: None,
            backfill_reason: None,
        };
        let Some(kind) =
            rules::result_kind(rules, &r.category, credit_level(&r.credit_level), &input)
        else {
            continue;
        };
        let source = if r.backfilled || r.method.as_deref() == Some("backfill") {
            Source::Backfill
        } else if r.method.as_deref() == Some("makeup") {
            Source::Makeup
        } else {
            Source::Activity
        };
        desired.push(Desired {
            term_id: term.id,
            fact: Fact {
                id: format!("result:{}", r.id),
                category: r.category,
                achievement: r.achievement,
                kind,
            },
            source,
            activity_id: Some(r.activity_id),
            title: r.title,
            organization_id: r.organizer_id,
            recognized_by: r.recognized_by,
            approved_by: r.approved_by,
            occurred_on: r.occurred_on,
        });
    }
    for f in others {
        let Ok(kind) = serde_json::from_value::<FactKind>(f.kind) else {
            continue;
        };
        desired.push(Desired {
            term_id: f.term_id,
            fact: Fact {
                id: format!("fact:{}", f.id),
                category: f.category,
                achievement: f.achievement,
                kind,
            },
            source: Source::parse(&f.source).unwrap_or(Source::Practice),
            activity_id: None,
            title: f.title,
            organization_id: f.organization_id,
            recognized_by: f.recorded_by,
            approved_by: approver,
            occurred_on: f.occurred_on,
        });
    }
    for c in cadres {
        let (Some(level), Some(grade)) = (CadreLevel::parse(&c.level), Grade::parse(&c.grade))
        else {
            continue;
        };
        desired.push(Desired {
            term_id: c.term_id,
            fact: Fact {
                id: format!("assessment:{}:{}", c.round_id, c.position_id),
                category: "cadre".to_owned(),
                achievement: None,
                kind: FactKind::Cadre {
                    level,
                    grade,
                    position_type: Some(c.position_type),
                },
            },
            source: Source::Cadre,
            activity_id: None,
            title: c.title,
            organization_id: c.organization_id,
            recognized_by: c.recognized_by,
            approved_by: c.approved_by,
            occurred_on: c.occurred_on,
        });
    }
    for p in practice {
        let Some(kind) = PracticeKind::parse(&p.kind) else {
            continue;
        };
        let Some(term) = book.term_on(p.ends_on) else {
            continue;
        };
        let fact_kind = match (kind, p.member_hours) {
            (_, Some(hours)) => FactKind::Hours { hours },
            (PracticeKind::Practice, None) => FactKind::PracticeDays {
                days: shared::practice::days(p.starts_on, p.ends_on) as f64,
                hours_per_day: None,
            },
            (PracticeKind::Training, None) => FactKind::Hours {
                hours: p.record_hours.unwrap_or(0.0),
            },
        };
        desired.push(Desired {
            term_id: term.id,
            fact: Fact {
                id: format!("{}:{}:{student}", kind.as_str(), p.record_id),
                category: kind.category().to_owned(),
                achievement: None,
                kind: fact_kind,
            },
            source: match kind {
                PracticeKind::Practice => Source::Practice,
                PracticeKind::Training => Source::Training,
            },
            activity_id: None,
            title: p.name,
            organization_id: p.organization_id,
            recognized_by: p.recognized_by,
            approved_by: p.approved_by,
            occurred_on: p.ends_on,
        });
    }
    Ok(desired)
}

/// The student's current (not reversed) entries that facts made, by fact.
async fn current_entries(
    conn: &mut AsyncPgConnection,
    student: i64,
) -> Result<HashMap<String, CurrentEntry>> {
    let current: Vec<CurrentEntry> = prepared::sql(
        "SELECT e.id, e.term_id, e.fact, e.category, e.points, e.hours::float8 AS hours, e.source,
                e.activity_id, e.title, e.detail, e.method, e.rule_version, e.organization_id,
                e.occurred_on
         FROM ledger_entries e
         WHERE e.student_id = $1 AND e.reverses IS NULL
           AND e.fact NOT LIKE 'manual:%'
           AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses = e.id)",
    )
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    Ok(current.into_iter().map(|e| (e.fact.clone(), e)).collect())
}

/// One grant as the ledger would record it.
struct Planned<'a> {
    wanted: &'a Desired,
    grant: rules::Grant,
    version: i32,
    detail: String,
}

/// Evaluates the facts term by term, oldest first, over the whole degree.
fn plan<'a>(book: &RuleBook, desired: &'a [Desired], extra_terms: &[i64]) -> Vec<Planned<'a>> {
    let mut by_term: BTreeMap<(NaiveDate, i64), Vec<&Desired>> = BTreeMap::new();
    for d in desired {
        if let Some(term) = book.term(d.term_id) {
            by_term
                .entry((term.starts_on, term.id))
                .or_default()
                .push(d);
        }
    }
    for id in extra_terms {
        if let Some(term) = book.term(*id) {
            by_term.entry((term.starts_on, term.id)).or_default();
        }
    }
    let terms: Vec<(i32, &RuleSet, Vec<Fact>, Vec<&Desired>)> = by_term
        .into_iter()
        .filter_map(|((_, id), wanted)| {
            let term = book.term(id)?;
            let (version, rules) = book.rules_for(term);
            let facts = wanted.iter().map(|d| d.fact.clone()).collect();
            Some((version, rules, facts, wanted))
        })
        .collect();
    let inputs: Vec<(&RuleSet, &[Fact])> = terms
        .iter()
        .map(|(_, rules, facts, _)| (*rules, facts.as_slice()))
        .collect();
    let grants = rules::evaluate_degree(&inputs);
    let mut planned = Vec::new();
    for ((version, _, _, wanted), term_grants) in terms.iter().zip(grants) {
        let by_fact: HashMap<&str, &Desired> =
            wanted.iter().map(|d| (d.fact.id.as_str(), *d)).collect();
        for grant in term_grants {
            let wanted = by_fact[grant.fact_id.as_str()];
            let mut detail = rules::describe(&wanted.fact.kind, grant.hours);
            match &grant.reduction {
                Some(rules::Reduction::Superseded { .. }) => {
                    detail.push_str("（同一成果按最高计）")
                }
                Some(rules::Reduction::CategoryCap) => detail.push_str("（已达本类学期上限）"),
                Some(rules::Reduction::TermCap) => detail.push_str("（已达学期总上限）"),
                Some(rules::Reduction::DegreeCap) => detail.push_str("（已达本类在校期间上限）"),
                None => {}
            }
            planned.push(Planned {
                wanted,
                grant,
                version: *version,
                detail,
            });
        }
    }
    planned
}

/// What a student's points would be per category under `book`, and what they are: the
/// rules page's preview.
pub async fn preview_student(
    conn: &mut AsyncPgConnection,
    student: i64,
    book: &RuleBook,
) -> Result<(Points, Points)> {
    let desired = gather(conn, student, book, None).await?;
    let current = current_entries(conn, student).await?;
    let terms: Vec<i64> = current.values().map(|e| e.term_id).collect();
    let after: i64 = plan(book, &desired, &terms)
        .iter()
        .map(|p| p.grant.points.0)
        .sum();
    let before: i64 = current.values().map(|e| e.points).sum();
    Ok((Points(before), Points(after)))
}

/// Re-evaluates a student's whole degree — every term under its own rules, degree caps and
/// once-at-highest across terms — and writes the difference to the ledger. Call inside a
/// transaction: the student's ledger is locked until it commits.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    student: i64,
    book: &RuleBook,
    actor: i64,
    approver: Option<i64>,
) -> Result<Refreshed> {
    lock_student(conn, student).await?;
    let desired = gather(conn, student, book, approver).await?;
    let mut current = current_entries(conn, student).await?;
    let terms: Vec<i64> = current.values().map(|e| e.term_id).collect();
    let planned = plan(book, &desired, &terms);

    let mut deltas: BTreeMap<(i64, String), (i64, f64)> = BTreeMap::new();
    let mut outcome = Refreshed::default();
    for Planned {
        wanted,
        grant,
        version,
        detail,
    } in &planned
    {
        let method = method_name(rules::method_of(&wanted.fact.kind));
        if let Some(existing) = current.remove(&grant.fact_id) {
            let same = existing.term_id == wanted.term_id
                && existing.points == grant.points.0
                && (existing.hours - grant.hours).abs() < 0.005
                && existing.category == grant.category
                && existing.detail == *detail
                && existing.title == wanted.title;
            if same {
                continue;
            }
            reverse(conn, student, &existing, actor, approver, &mut deltas).await?;
            outcome.reversed += 1;
        }
        insert_entry(
            conn,
            &NewEntry {
                student,
                term: wanted.term_id,
                category: &grant.category,
                points: grant.points.0,
                hours: grant.hours,
                source: wanted.source.as_str(),
                fact: &grant.fact_id,
                activity_id: wanted.activity_id,
                title: &wanted.title,
                detail,
                method,
                rule_version: Some(*version),
                organization_id: wanted.organization_id,
                recognized_by: wanted.recognized_by,
                approved_by: approver.or(wanted.approved_by),
                reverses: None,
                occurred_on: wanted.occurred_on,
            },
        )
        .await?;
        let delta = deltas
            .entry((wanted.term_id, grant.category.clone()))
            .or_default();
        delta.0 += grant.points.0;
        delta.1 += grant.hours;
        outcome.written += 1;
    }
    // Facts that no longer count (a result marked absent, a fact withdrawn).
    for existing in current.into_values() {
        reverse(conn, student, &existing, actor, approver, &mut deltas).await?;
        outcome.reversed += 1;
    }
    let mut per_term: BTreeMap<i64, BTreeMap<String, (i64, f64)>> = BTreeMap::new();
    for ((term, category), delta) in deltas {
        per_term.entry(term).or_default().insert(category, delta);
    }
    for (term, deltas) in per_term {
        apply_deltas(conn, student, term, &deltas).await?;
    }
    Ok(outcome)
}

async fn reverse(
    conn: &mut AsyncPgConnection,
    student: i64,
    existing: &CurrentEntry,
    actor: i64,
    approver: Option<i64>,
    deltas: &mut BTreeMap<(i64, String), (i64, f64)>,
) -> Result<()> {
    insert_entry(
        conn,
        &NewEntry {
            student,
            term: existing.term_id,
            category: &existing.category,
            points: -existing.points,
            hours: -existing.hours,
            source: &existing.source,
            fact: &existing.fact,
            activity_id: existing.activity_id,
            title: &existing.title,
            detail: &existing.detail,
            method: &existing.method,
            rule_version: existing.rule_version,
            organization_id: existing.organization_id,
            recognized_by: actor,
            approved_by: approver,
            reverses: Some(existing.id),
            occurred_on: existing.occurred_on,
        },
    )
    .await?;
    let delta = deltas
        .entry((existing.term_id, existing.category.clone()))
        .or_default();
    delta.0 -= existing.points;
    delta.1 -= existing.hours;
    Ok(())
}

pub fn method_name(method: Method) -> &'static str {
    match method {
        Method::Participation => "participation",
        Method::Award => "award",
        Method::Hours => "hours",
        Method::Position => "position",
        Method::Adjustment => "adjustment",
    }
}

pub fn parse_method(text: &str) -> Method {
    match text {
        "award" => Method::Award,
        "hours" => Method::Hours,
        "position" => Method::Position,
        "adjustment" => Method::Adjustment,
        _ => Method::Participation,
    }
}

/// A manual adjustment: one entry as given (no rules, no caps), totals in step.
#[allow(clippy::too_many_arguments)]
pub async fn adjust(
    conn: &mut AsyncPgConnection,
    student: i64,
    term: &Term,
    category: &str,
    points: Points,
    hours: f64,
    reason: &str,
    organization_id: i64,
    actor: i64,
    occurred_on: NaiveDate,
) -> Result<String> {
    lock_student(conn, student).await?;
    let fact = format!("manual:{}", uuid::Uuid::new_v4());
    insert_entry(
        conn,
        &NewEntry {
            student,
            term: term.id,
            category,
            points: points.0,
            hours,
            source: Source::Manual.as_str(),
            fact: &fact,
            activity_id: None,
            title: reason,
            detail: "人工调整",
            method: method_name(Method::Adjustment),
            rule_version: None,
            organization_id,
            recognized_by: actor,
            approved_by: Some(actor),
            reverses: None,
            occurred_on,
        },
    )
    .await?;
    let deltas = BTreeMap::from([(category.to_owned(), (points.0, hours))]);
    apply_deltas(conn, student, term.id, &deltas).await?;
    Ok(fact)
}

/// Re-evaluates one student after a late recognition (an approved back-fill).
pub async fn recognise_student(
    conn: &mut AsyncPgConnection,
    _activity: i64,
    student: i64,
    approver: i64,
) -> Result<Refreshed> {
    let book = RuleBook::load(conn).await?;
    refresh(conn, student, &book, approver, Some(approver)).await
}

/// Re-evaluates every student with a result in the activity. Refuses (409) an activity no term
/// contains.
pub async fn recognise_activity(
    conn: &mut AsyncPgConnection,
    activity: i64,
    actor: i64,
    approver: Option<i64>,
) -> Result<Refreshed> {
    let ends: NaiveDate = prepared::sql(
        "SELECT (ends_at AT TIME ZONE 'Asia/Shanghai')::date AS day FROM activities WHERE id = $1",
    )
    .bind::<BigInt, _>(activity)
    .get_result::<Day>(conn)
    .await?
    .day;
    let book = RuleBook::load(conn).await?;
    if book.term_on(ends).is_none() {
        return Err(super::Error::refused(
            shared::ErrorCode::Conflict,
            format!("no term contains {ends}: the school admin adds the term first"),
        ));
    }
    let students: Vec<i64> = super::schema::results::table
        .filter(super::schema::results::activity_id.eq(activity))
        .select(super::schema::results::student_id)
        .order(super::schema::results::student_id)
        .load(conn)
        .await?;
    let refreshed = refresh_all(conn, &students, &book, actor, approver).await?;
    // Each participant is told, once (a re-recognition after a correction does not repeat it).
    let title: String = super::schema::activities::table
        .find(activity)
        .select(super::schema::activities::title)
        .first(conn)
        .await?;
    super::notifications::notify_once(
        conn,
        &students,
        "result_recognised",
        &activity.to_string(),
        &format!("成绩已认定：{title}"),
        "积分已计入你的第二课堂成绩单，可在“我的积分”查看。",
        Some(activity),
    )
    .await?;
    Ok(refreshed)
}

/// Re-evaluates each of `students` (in id order, so two callers lock in the same order).
pub async fn refresh_all(
    conn: &mut AsyncPgConnection,
    students: &[i64],
    book: &RuleBook,
    actor: i64,
    approver: Option<i64>,
) -> Result<Refreshed> {
    let mut ordered = students.to_vec();
    ordered.sort_unstable();
    ordered.dedup();
    let mut total = Refreshed::default();
    for student in ordered {
        total += refresh(conn, student, book, actor, approver).await?;
    }
    Ok(total)
}

#[derive(QueryableByName)]
struct Day {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
}

/// Students with recognised facts (non-manual ledger entries) in the term starting on `from`
/// or later: those a rule set taking effect then re-evaluates.
pub async fn affected_students(conn: &mut AsyncPgConnection, from: NaiveDate) -> Result<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Student {
        #[diesel(sql_type = BigInt)]
        student_id: i64,
    }
    let rows: Vec<Student> = prepared::sql(
        "SELECT DISTINCT e.student_id FROM ledger_entries e JOIN terms t ON t.id = e.term_id
         WHERE t.starts_on >= $1 AND e.fact NOT LIKE 'manual:%' ORDER BY e.student_id",
    )
    .bind::<Date, _>(from)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.student_id).collect())
}

#[derive(QueryableByName)]
struct ReevaluationRow {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Integer)]
    total: i32,
    #[diesel(sql_type = Integer)]
    done: i32,
    #[diesel(sql_type = Integer)]
    changed: i32,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    started_at: chrono::DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    finished_at: Option<chrono::DateTime<Utc>>,
}

/// A re-evaluation's progress.
pub async fn reevaluation(
    conn: &mut AsyncPgConnection,
    version: i32,
) -> Result<Option<shared::points::Reevaluation>> {
    use shared::points::{Reevaluation, ReevaluationStatus};
    let row: Option<ReevaluationRow> = prepared::sql(
        "SELECT version, status, total, done, changed, error, started_at, finished_at
         FROM rule_reevaluations WHERE version = $1",
    )
    .bind::<Integer, _>(version)
    .load(conn)
    .await?
    .pop();
    Ok(row.map(|r| Reevaluation {
        version: r.version,
        status: match r.status.as_str() {
            "done" => ReevaluationStatus::Done,
            "failed" => ReevaluationStatus::Failed,
            _ => ReevaluationStatus::Running,
        },
        total: r.total,
        done: r.done,
        changed: r.changed,
        error: r.error,
        started_at: r.started_at,
        finished_at: r.finished_at,
    }))
}

/// Starts (or restarts) the record of a re-evaluation of `total` students.
pub async fn start_reevaluation(
    conn: &mut AsyncPgConnection,
    version: i32,
    total: i32,
    by: i64,
) -> Result<()> {
    prepared::sql(
        "INSERT INTO rule_reevaluations (version, total, requested_by) VALUES ($1, $2, $3)
         ON CONFLICT (version) DO UPDATE SET status = 'running', total = excluded.total,
             done = 0, changed = 0, error = NULL, started_at = now(), finished_at = NULL",
    )
    .bind::<Integer, _>(version)
    .bind::<Integer, _>(total)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds to a re-evaluation's progress.
pub async fn advance_reevaluation(
    conn: &mut AsyncPgConnection,
    version: i32,
    done: i32,
    changed: i32,
) -> Result<()> {
    prepared::sql(
        "UPDATE rule_reevaluations SET done = done + $2, changed = changed + $3 WHERE version = $1",
    )
    .bind::<Integer, _>(version)
    .bind::<Integer, _>(done)
    .bind::<Integer, _>(changed)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends a re-evaluation, with the error that stopped it if any.
pub async fn finish_reevaluation(
    conn: &mut AsyncPgConnection,
    version: i32,
    error: Option<&str>,
) -> Result<()> {
    prepared::sql(
        "UPDATE rule_reevaluations SET status = CASE WHEN $2::text IS NULL THEN 'done' ELSE 'failed' END,
             error = $2, finished_at = now() WHERE version = $1",
    )
    .bind::<Integer, _>(version)
    .bind::<Nullable<Text>, _>(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Re-evaluations a stopped server left running, with who asked.
pub async fn unfinished_reevaluations(conn: &mut AsyncPgConnection) -> Result<Vec<(i32, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        version: i32,
        #[diesel(sql_type = BigInt)]
        requested_by: i64,
    }
    let rows: Vec<Row> = prepared::sql(
        "SELECT version, requested_by FROM rule_reevaluations WHERE status = 'running' ORDER BY version",
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.version, r.requested_by))
        .collect())
}
