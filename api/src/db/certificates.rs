//! E-certificates: seals, templates, what issuing reads (awards, volunteer hours, positions,
//! students by number) and the certificates themselves.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    OptionalExtension, QueryableByName,
    sql_types::{
        Array, BigInt, Bool, Bytea, Date, Integer, Jsonb, Nullable, SmallInt, Text, Timestamptz,
        Uuid as SqlUuid,
    },
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    certificate::{
        Background, Certificate, CertificateDoc, CertificateKind, CertificateStatus, Orientation,
        Seal, Template, TemplateDesign,
    },
    page::PageRequest,
};
use uuid::Uuid;

use super::{Result, prepared};

/// The one school until an installation serves several.
pub const SCHOOL: i16 = 1;

// --- seals ----------------------------------------------------------------------------------

#[derive(QueryableByName)]
struct SealRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Text)]
    content_type: String,
    #[diesel(sql_type = Integer)]
    width: i32,
    #[diesel(sql_type = Integer)]
    height: i32,
    #[diesel(sql_type = Integer)]
    bytes: i32,
    #[diesel(sql_type = Array<BigInt>)]
    organization_path: Vec<i64>,
}

impl SealRow {
    fn seal(self) -> (Seal, Vec<i64>) {
        (
            Seal {
                id: self.id,
                organization_id: self.organization_id,
                content_type: self.content_type,
                width: self.width.max(0) as u32,
                height: self.height.max(0) as u32,
                bytes: self.bytes.max(0) as u32,
            },
            self.organization_path,
        )
    }
}

const SEAL_SELECT: &str = "SELECT s.id, s.organization_id, s.content_type, s.width, s.height,
        octet_length(s.data) AS bytes, o.path AS organization_path
     FROM certificate_seals s JOIN organizations o ON o.id = s.organization_id";

/// Stores a seal; returns it.
pub async fn insert_seal(
    conn: &mut AsyncPgConnection,
    organization_id: i64,
    content_type: &str,
    data: &[u8],
    (width, height): (u32, u32),
    by: i64,
) -> Result<Seal> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let id: Id = prepared::sql(
        "INSERT INTO certificate_seals (school_id, organization_id, content_type, data, width,
             height, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind::<SmallInt, _>(SCHOOL)
    .bind::<BigInt, _>(organization_id)
    .bind::<Text, _>(content_type)
    .bind::<Bytea, _>(data)
    .bind::<Integer, _>(width as i32)
    .bind::<Integer, _>(height as i32)
    .bind::<BigInt, _>(by)
    .get_result(conn)
    .await?;
    Ok(seal(conn, id.id)
        .await?
        .ok_or(super::Error::NotFound("seal"))?
        .0)
}

/// A seal and its organisation's path.
pub async fn seal(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<(Seal, Vec<i64>)>> {
    let row: Option<SealRow> = prepared::sql(format!("{SEAL_SELECT} WHERE s.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()?;
    Ok(row.map(SealRow::seal))
}

/// A seal's image: (content type, bytes).
pub async fn seal_data(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<(String, Vec<u8>)>> {
    #[derive(QueryableByName)]
    struct Data {
        #[diesel(sql_type = Text)]
        content_type: String,
        #[diesel(sql_type = Bytea)]
        data: Vec<u8>,
    }
    let row: Option<Data> =
        prepared::sql("SELECT content_type, data FROM certificate_seals WHERE id = $1")
            .bind::<BigInt, _>(id)
            .get_result(conn)
            .await
            .optional()?;
    Ok(row.map(|d| (d.content_type, d.data)))
}

// --- templates ------------------------------------------------------------------------------

#[derive(QueryableByName)]
struct TemplateRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    organization_path: Vec<i64>,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    issuer_name: String,
    #[diesel(sql_type = Text)]
    orientation: String,
    #[diesel(sql_type = Text)]
    background: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    seal_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    seal_type: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    seal_width: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    seal_height: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    seal_bytes: Option<i32>,
    #[diesel(sql_type = BigInt)]
    issued: i64,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    archived: bool,
}

/// A template as the API shows it, with its organisation's path and whether it is archived.
pub struct TemplateInfo {
    pub template: Template,
    pub organization_path: Vec<i64>,
    pub archived: bool,
}

impl TemplateRow {
    fn info(self) -> TemplateInfo {
        let seal = match (self.seal_id, self.seal_type) {
            (Some(id), Some(content_type)) => Some(Seal {
                id,
                organization_id: self.organization_id,
                content_type,
                width: self.seal_width.unwrap_or(0).max(0) as u32,
                height: self.seal_height.unwrap_or(0).max(0) as u32,
                bytes: self.seal_bytes.unwrap_or(0).max(0) as u32,
            }),
            _ => None,
        };
        TemplateInfo {
            template: Template {
                id: self.id,
                organization_id: self.organization_id,
                organization: self.organization,
                kind: CertificateKind::parse(&self.kind).unwrap_or(CertificateKind::Honour),
                design: TemplateDesign {
                    name: self.name,
                    title: self.title,
                    body: self.body,
                    issuer_name: self.issuer_name,
                    orientation: Orientation::parse(&self.orientation),
                    background: Background::parse(&self.background),
                    seal_id: self.seal_id,
                },
                seal,
                issued: self.issued,
                updated_at: self.updated_at,
            },
            organization_path: self.organization_path,
            archived: self.archived,
        }
    }
}

const TEMPLATE_SELECT: &str = "SELECT t.id, t.organization_id, o.name AS organization,
        o.path AS organization_path, t.kind, t.name, t.title, t.body, t.issuer_name,
        t.orientation, t.background, t.seal_id, s.content_type AS seal_type,
        s.width AS seal_width, s.height AS seal_height, octet_length(s.data) AS seal_bytes,
        (SELECT count(*) FROM certificates c WHERE c.template_id = t.id)::bigint AS issued,
        t.updated_at, t.archived_at IS NOT NULL AS archived
     FROM certificate_templates t
     JOIN organizations o ON o.id = t.organization_id
     LEFT JOIN certificate_seals s ON s.id = t.seal_id";

/// The templates (not archived) of the organisations in `subtree` (an organisation id), or of
/// one organisation, or of one kind; by organisation, kind and name.
pub async fn templates(
    conn: &mut AsyncPgConnection,
    subtree: i64,
    organization: Option<i64>,
    kind: Option<CertificateKind>,
) -> Result<Vec<Template>> {
    let rows: Vec<TemplateRow> = prepared::sql(format!(
        "{TEMPLATE_SELECT}
         WHERE t.archived_at IS NULL AND o.path @> ARRAY[$1]::bigint[]
           AND ($2::bigint IS NULL OR t.organization_id = $2)
           AND ($3::text IS NULL OR t.kind = $3)
         ORDER BY o.path, t.kind, t.name, t.id"
    ))
    .bind::<BigInt, _>(subtree)
    .bind::<Nullable<BigInt>, _>(organization)
    .bind::<Nullable<Text>, _>(kind.map(CertificateKind::as_str))
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.info().template).collect())
}

/// One template (archived ones too).
pub async fn template(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<TemplateInfo>> {
    let row: Option<TemplateRow> = prepared::sql(format!("{TEMPLATE_SELECT} WHERE t.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()?;
    Ok(row.map(TemplateRow::info))
}

/// Stores a new template; returns its id.
pub async fn insert_template(
    conn: &mut AsyncPgConnection,
    organization_id: i64,
    kind: CertificateKind,
    design: &TemplateDesign,
    by: i64,
) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let id: Id = prepared::sql(
        "INSERT INTO certificate_templates (school_id, organization_id, kind, name, title, body,
             issuer_name, orientation, background, seal_id, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind::<SmallInt, _>(SCHOOL)
    .bind::<BigInt, _>(organization_id)
    .bind::<Text, _>(kind.as_str())
    .bind::<Text, _>(design.name.trim())
    .bind::<Text, _>(design.title.trim())
    .bind::<Text, _>(design.body.trim())
    .bind::<Text, _>(design.issuer_name.trim())
    .bind::<Text, _>(design.orientation.as_str())
    .bind::<Text, _>(design.background.as_str())
    .bind::<Nullable<BigInt>, _>(design.seal_id)
    .bind::<BigInt, _>(by)
    .get_result(conn)
    .await?;
    Ok(id.id)
}

/// Replaces a template's design.
pub async fn update_template(
    conn: &mut AsyncPgConnection,
    id: i64,
    design: &TemplateDesign,
    by: i64,
) -> Result<()> {
    prepared::sql(
        "UPDATE certificate_templates SET name = $2, title = $3, body = $4, issuer_name = $5,
             orientation = $6, background = $7, seal_id = $8, updated_at = now(), updated_by = $9
         WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(design.name.trim())
    .bind::<Text, _>(design.title.trim())
    .bind::<Text, _>(design.body.trim())
    .bind::<Text, _>(design.issuer_name.trim())
    .bind::<Text, _>(design.orientation.as_str())
    .bind::<Text, _>(design.background.as_str())
    .bind::<Nullable<BigInt>, _>(design.seal_id)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Archives a template (certificates issued with it keep what they printed).
pub async fn archive_template(conn: &mut AsyncPgConnection, id: i64, by: i64) -> Result<bool> {
    let n = prepared::sql(
        "UPDATE certificate_templates SET archived_at = now(), updated_at = now(), updated_by = $2
         WHERE id = $1 AND archived_at IS NULL",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

// --- what issuing reads -----------------------------------------------------------------------

/// A student as a certificate names them.
#[derive(QueryableByName, Clone)]
pub struct Recipient {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub student_no: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub college: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub college_path: Vec<i64>,
}

/// Students by number (the ones that exist).
pub async fn students_by_no(
    conn: &mut AsyncPgConnection,
    numbers: &[String],
) -> Result<Vec<Recipient>> {
    Ok(prepared::sql(
        "SELECT a.id AS student_id, a.username AS student_no, a.display_name AS name,
                o.college_name AS college, o.path AS college_path
         FROM accounts a JOIN organizations o ON o.id = a.organization_id
         WHERE a.kind = 'student' AND a.username = ANY($1)",
    )
    .bind::<Array<Text>, _>(numbers)
    .load(conn)
    .await?)
}

/// An activity's recognised award.
pub struct AwardRow {
    pub result_id: i64,
    pub recipient: Recipient,
    pub award: String,
    pub award_level: Option<String>,
    pub hours: Option<f64>,
}

/// The activity an award certificate names.
#[derive(QueryableByName)]
pub struct AwardActivity {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub credit_level: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub organizer_path: Vec<i64>,
    #[diesel(sql_type = Bool)]
    pub recognized: bool,
    #[diesel(sql_type = Date)]
    pub held_on: NaiveDate,
}

pub async fn award_activity(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Option<AwardActivity>> {
    Ok(prepared::sql(
        "SELECT a.id, a.title, a.credit_level, o.path AS organizer_path,
                a.recognized_at IS NOT NULL AS recognized,
                (a.starts_at AT TIME ZONE 'Asia/Shanghai')::date AS held_on
         FROM activities a JOIN organizations o ON o.id = a.organizer_id WHERE a.id = $1",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

/// The awards recognised in an activity's results.
pub async fn awards(conn: &mut AsyncPgConnection, activity: i64) -> Result<Vec<AwardRow>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        result_id: i64,
        #[diesel(embed)]
        recipient: Recipient,
        #[diesel(sql_type = Text)]
        award: String,
        #[diesel(sql_type = Nullable<Text>)]
        award_level: Option<String>,
        #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
        hours: Option<f64>,
    }
    let rows: Vec<Row> = prepared::sql(
        "SELECT r.id AS result_id, a.id AS student_id, a.username AS student_no,
                a.display_name AS name, o.college_name AS college, o.path AS college_path,
                r.award, r.award_level, r.hours::float8 AS hours
         FROM results r
         JOIN accounts a ON a.id = r.student_id
         JOIN organizations o ON o.id = a.organization_id
         WHERE r.activity_id = $1 AND r.award IS NOT NULL AND btrim(r.award) <> ''
         ORDER BY a.username",
    )
    .bind::<BigInt, _>(activity)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AwardRow {
            result_id: r.result_id,
            recipient: r.recipient,
            award: r.award,
            award_level: r.award_level,
            hours: r.hours,
        })
        .collect())
}

/// A student's volunteer hours recognised within a subtree in a period.
#[derive(QueryableByName)]
pub struct VolunteerRow {
    #[diesel(embed)]
    pub recipient: Recipient,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub hours: f64,
}

/// Every student's volunteer hours recognised by the organisations of `subtree` from `from`
/// to `to` (those with any).
pub async fn volunteer_hours(
    conn: &mut AsyncPgConnection,
    subtree: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<VolunteerRow>> {
    Ok(prepared::sql(
        "SELECT a.id AS student_id, a.username AS student_no, a.display_name AS name,
                c.college_name AS college, c.path AS college_path, h.hours
         FROM (SELECT l.student_id, sum(l.hours)::float8 AS hours
               FROM ledger_entries l JOIN organizations o ON o.id = l.organization_id
               WHERE l.category = 'volunteer' AND l.occurred_on BETWEEN $2 AND $3
                 AND o.path @> ARRAY[$1]::bigint[]
               GROUP BY l.student_id HAVING sum(l.hours) > 0) h
         JOIN accounts a ON a.id = h.student_id
         JOIN organizations c ON c.id = a.organization_id
         ORDER BY a.username",
    )
    .bind::<BigInt, _>(subtree)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
    .await?)
}

/// A cadre position an appointment letter names.
#[derive(QueryableByName)]
pub struct PositionRow {
    #[diesel(sql_type = BigInt)]
    pub position_id: i64,
    #[diesel(embed)]
    pub recipient: Recipient,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub organization_path: Vec<i64>,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
}

/// Positions by id, or (none given) every position of `subtree` held on `day`.
pub async fn positions(
    conn: &mut AsyncPgConnection,
    subtree: i64,
    ids: Option<&[i64]>,
    day: NaiveDate,
) -> Result<Vec<PositionRow>> {
    Ok(prepared::sql(
        "SELECT p.id AS position_id, a.id AS student_id, a.username AS student_no,
                a.display_name AS name, c.college_name AS college, c.path AS college_path, p.title,
                o.name AS organization, o.path AS organization_path, p.starts_on, p.ends_on
         FROM cadre_positions p
         JOIN organizations o ON o.id = p.organization_id
         JOIN accounts a ON a.id = p.student_id
         JOIN organizations c ON c.id = a.organization_id
         WHERE CASE WHEN $2::bigint[] IS NULL
                    THEN o.path @> ARRAY[$1]::bigint[] AND $3 BETWEEN p.starts_on AND p.ends_on
                    ELSE p.id = ANY($2) END
         ORDER BY o.path, a.username, p.id",
    )
    .bind::<BigInt, _>(subtree)
    .bind::<Nullable<Array<BigInt>>, _>(ids)
    .bind::<Date, _>(day)
    .load(conn)
    .await?)
}

// --- certificates -----------------------------------------------------------------------------

/// A certificate to store.
pub struct NewCertificate {
    pub serial: String,
    pub kind: CertificateKind,
    pub template_id: i64,
    pub organization_id: i64,
    pub student_id: i64,
    pub source_key: String,
    pub summary: String,
    pub document: serde_json::Value,
    pub seal_id: Option<i64>,
}

/// Stores the certificates of one batch; one already held for the same thing (not revoked)
/// is skipped. Returns the (id, student, source key) of those stored.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: &[NewCertificate],
    batch: Uuid,
    by: i64,
) -> Result<Vec<(i64, i64, String)>> {
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = BigInt)]
        student_id: i64,
        #[diesel(sql_type = Text)]
        source_key: String,
    }
    let mut stored = Vec::with_capacity(rows.len());
    // A few hundred rows a statement keeps the bind arrays small.
    for chunk in rows.chunks(500) {
        let serials: Vec<&str> = chunk.iter().map(|r| r.serial.as_str()).collect();
        let kinds: Vec<&str> = chunk.iter().map(|r| r.kind.as_str()).collect();
        let templates: Vec<i64> = chunk.iter().map(|r| r.template_id).collect();
        let orgs: Vec<i64> = chunk.iter().map(|r| r.organization_id).collect();
        let students: Vec<i64> = chunk.iter().map(|r| r.student_id).collect();
        let keys: Vec<&str> = chunk.iter().map(|r| r.source_key.as_str()).collect();
        let summaries: Vec<&str> = chunk.iter().map(|r| r.summary.as_str()).collect();
        let documents: Vec<&serde_json::Value> = chunk.iter().map(|r| &r.document).collect();
        let seals: Vec<Option<i64>> = chunk.iter().map(|r| r.seal_id).collect();
        let rows: Vec<Stored> = prepared::sql(
            "INSERT INTO certificates (school_id, serial, kind, template_id, organization_id,
                 student_id, source_key, summary, document, seal_id, batch_id, issued_by)
             SELECT $1, u.serial, u.kind, u.template_id, u.organization_id, u.student_id,
                    u.source_key, u.summary, u.document, u.seal_id, $11, $12
             FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                         $7::text[], $8::text[], $9::jsonb[], $10::bigint[])
                  AS u (serial, kind, template_id, organization_id, student_id, source_key,
                        summary, document, seal_id)
             ON CONFLICT (student_id, kind, source_key) WHERE revoked_at IS NULL DO NOTHING
             RETURNING id, student_id, source_key",
        )
        .bind::<SmallInt, _>(SCHOOL)
        .bind::<Array<Text>, _>(&serials)
        .bind::<Array<Text>, _>(&kinds)
        .bind::<Array<BigInt>, _>(&templates)
        .bind::<Array<BigInt>, _>(&orgs)
        .bind::<Array<BigInt>, _>(&students)
        .bind::<Array<Text>, _>(&keys)
        .bind::<Array<Text>, _>(&summaries)
        .bind::<Array<Jsonb>, _>(&documents)
        .bind::<Array<Nullable<BigInt>>, _>(&seals)
        .bind::<SqlUuid, _>(batch)
        .bind::<BigInt, _>(by)
        .load(conn)
        .await?;
        stored.extend(rows.into_iter().map(|s| (s.id, s.student_id, s.source_key)));
    }
    Ok(stored)
}

#[derive(QueryableByName)]
struct CertificateRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    serial: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    student_no: String,
    #[diesel(sql_type = Text)]
    student_name: String,
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Text)]
    organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    organization_path: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    template_id: i64,
    #[diesel(sql_type = SqlUuid)]
    batch_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    issued_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    revoke_reason: Option<String>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

impl CertificateRow {
    fn certificate(self) -> (Certificate, Vec<i64>) {
        (
            Certificate {
                id: self.id,
                serial: self.serial,
                kind: CertificateKind::parse(&self.kind).unwrap_or(CertificateKind::Honour),
                title: self.title,
                summary: self.summary,
                student_id: self.student_id,
                student_no: self.student_no,
                student_name: self.student_name,
                organization_id: self.organization_id,
                organization: self.organization,
                template_id: self.template_id,
                batch_id: self.batch_id,
                issued_at: self.issued_at,
                status: if self.revoked_at.is_some() {
                    CertificateStatus::Revoked
                } else {
                    CertificateStatus::Genuine
                },
                revoked_at: self.revoked_at,
                revoke_reason: self.revoke_reason,
            },
            self.organization_path,
        )
    }
}

const CERTIFICATE_SELECT: &str = "SELECT c.id, c.serial, c.kind, c.document->>'title' AS title,
        c.summary, c.student_id, a.username AS student_no, a.display_name AS student_name,
        c.organization_id, o.name AS organization, o.path AS organization_path, c.template_id,
        c.batch_id, c.issued_at, c.revoked_at, c.revoke_reason, count(*) OVER ()::bigint AS total
     FROM certificates c
     JOIN accounts a ON a.id = c.student_id
     JOIN organizations o ON o.id = c.organization_id";

/// Which certificates a list shows: those issued within `subtree`, narrowed.
pub struct Filter<'a> {
    pub subtree: i64,
    pub organization: Option<i64>,
    pub kind: Option<CertificateKind>,
    pub batch: Option<Uuid>,
    /// A student number or name, or a serial.
    pub q: Option<&'a str>,
    pub revoked: Option<bool>,
}

/// A page of certificates, newest first; and how many match.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter<'_>,
    page: PageRequest,
) -> Result<(Vec<Certificate>, i64)> {
    let q = filter.q.map(super::pattern::containing);
    let rows: Vec<CertificateRow> = prepared::sql(format!(
        "{CERTIFICATE_SELECT}
         WHERE o.path @> ARRAY[$1]::bigint[]
           AND ($2::bigint IS NULL OR c.organization_id = $2)
           AND ($3::text IS NULL OR c.kind = $3)
           AND ($4::uuid IS NULL OR c.batch_id = $4)
           AND ($5::text IS NULL OR a.username ILIKE $5 OR a.display_name ILIKE $5
                OR c.serial ILIKE $5)
           AND ($6::bool IS NULL OR (c.revoked_at IS NOT NULL) = $6)
         ORDER BY c.issued_at DESC, c.id DESC
         LIMIT $7 OFFSET $8"
    ))
    .bind::<BigInt, _>(filter.subtree)
    .bind::<Nullable<BigInt>, _>(filter.organization)
    .bind::<Nullable<Text>, _>(filter.kind.map(CertificateKind::as_str))
    .bind::<Nullable<SqlUuid>, _>(filter.batch)
    .bind::<Nullable<Text>, _>(q)
    .bind::<Nullable<Bool>, _>(filter.revoked)
    .bind::<BigInt, _>(page.limit())
    .bind::<BigInt, _>(page.offset())
    .load(conn)
    .await?;
    let total = rows.as_slice().first().map_or(0, |r| r.total);
    Ok((rows.into_iter().map(|r| r.certificate().0).collect(), total))
}

/// A student's certificates, newest first.
pub async fn of_student(conn: &mut AsyncPgConnection, student: i64) -> Result<Vec<Certificate>> {
    let rows: Vec<CertificateRow> = prepared::sql(format!(
        "{CERTIFICATE_SELECT} WHERE c.student_id = $1 ORDER BY c.issued_at DESC, c.id DESC"
    ))
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.certificate().0).collect())
}

/// The certificates of these ids (in that order of storage).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<Vec<Certificate>> {
    let rows: Vec<CertificateRow> = prepared::sql(format!(
        "{CERTIFICATE_SELECT} WHERE c.id = ANY($1) ORDER BY c.id"
    ))
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.certificate().0).collect())
}

/// A certificate with what it printed and its seal, the issuer's path included.
pub struct Full {
    pub certificate: Certificate,
    pub organization_path: Vec<i64>,
    pub document: CertificateDoc,
    pub seal_id: Option<i64>,
}

#[derive(QueryableByName)]
struct FullRow {
    #[diesel(embed)]
    base: CertificateRow,
    #[diesel(sql_type = Jsonb)]
    document: serde_json::Value,
    #[diesel(sql_type = Nullable<BigInt>)]
    seal_id: Option<i64>,
}

impl FullRow {
    fn full(self) -> Result<Full> {
        let document = serde_json::from_value(self.document).map_err(|e| {
            super::Error::Query(diesel::result::Error::DeserializationError(Box::new(e)))
        })?;
        let (certificate, organization_path) = self.base.certificate();
        Ok(Full {
            certificate,
            organization_path,
            document,
            seal_id: self.seal_id,
        })
    }
}

const FULL_SELECT: &str = "SELECT c.id, c.serial, c.kind, c.document->>'title' AS title,
        c.summary, c.student_id, a.username AS student_no, a.display_name AS student_name,
        c.organization_id, o.name AS organization, o.path AS organization_path, c.template_id,
        c.batch_id, c.issued_at, c.revoked_at, c.revoke_reason, 1::bigint AS total,
        c.document, c.seal_id
     FROM certificates c
     JOIN accounts a ON a.id = c.student_id
     JOIN organizations o ON o.id = c.organization_id";

/// One certificate by id.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<Full>> {
    let row: Option<FullRow> = prepared::sql(format!("{FULL_SELECT} WHERE c.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()?;
    row.map(FullRow::full).transpose()
}

/// One certificate by serial.
pub async fn by_serial(conn: &mut AsyncPgConnection, serial: &str) -> Result<Option<Full>> {
    let row: Option<FullRow> = prepared::sql(format!("{FULL_SELECT} WHERE c.serial = $1"))
        .bind::<Text, _>(serial)
        .get_result(conn)
        .await
        .optional()?;
    row.map(FullRow::full).transpose()
}

/// The issuer (organisation id and path) of a batch, if the batch exists.
pub async fn batch_issuer(
    conn: &mut AsyncPgConnection,
    batch: Uuid,
) -> Result<Option<(i64, Vec<i64>, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Array<BigInt>)]
        path: Vec<i64>,
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let row: Option<Row> = prepared::sql(
        "SELECT o.id, o.path, n.count
         FROM (SELECT min(organization_id) AS org, count(*)::bigint AS count
               FROM certificates WHERE batch_id = $1) n
         JOIN organizations o ON o.id = n.org",
    )
    .bind::<SqlUuid, _>(batch)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|r| (r.id, r.path, r.count)))
}

/// A batch's certificates after `after` (by id), at most `limit`: what they printed.
pub async fn batch_page(
    conn: &mut AsyncPgConnection,
    batch: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<Full>> {
    let rows: Vec<FullRow> = prepared::sql(format!(
        "{FULL_SELECT} WHERE c.batch_id = $1 AND c.id > $2 ORDER BY c.id LIMIT $3"
    ))
    .bind::<SqlUuid, _>(batch)
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    rows.into_iter().map(FullRow::full).collect()
}

/// Revokes a certificate; false if it already was.
pub async fn revoke(conn: &mut AsyncPgConnection, id: i64, by: i64, reason: &str) -> Result<bool> {
    let n = prepared::sql(
        "UPDATE certificates SET revoked_at = now(), revoked_by = $2, revoke_reason = $3
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(by)
    .bind::<Text, _>(reason)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

// --- posters ----------------------------------------------------------------------------------

/// What an activity's poster shows.
#[derive(QueryableByName)]
pub struct PosterActivity {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub credit_level: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub place: String,
    #[diesel(sql_type = Text)]
    pub organizer: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub capacity: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub confirmed: i64,
    #[diesel(sql_type = Timestamptz)]
    pub registration_closes_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub school: String,
}

/// A published activity's poster content.
pub async fn poster_activity(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Option<PosterActivity>> {
    Ok(prepared::sql(
        "SELECT a.id, a.title, coalesce(c.name, a.category) AS category, a.credit_level,
                a.starts_at, a.ends_at, a.place, o.name AS organizer, a.capacity,
                (SELECT count(*) FROM registrations r
                 WHERE r.activity_id = a.id AND r.status = 'confirmed')::bigint AS confirmed,
                a.registration_closes_at,
                coalesce((SELECT s.name FROM school s ORDER BY s.id LIMIT 1), '') AS school
         FROM activities a
         JOIN organizations o ON o.id = a.organizer_id
         LEFT JOIN activity_categories c ON c.code = a.category
         WHERE a.id = $1 AND a.status = 'published'",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}
