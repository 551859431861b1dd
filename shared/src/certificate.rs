//! E-certificates (电子证书): award certificates (奖状), volunteer-hour cards (志愿时卡),
//! appointment letters (聘书) and honour certificates (荣誉证书), each from a template an
//! organisation designs; and the page layout they are drawn with.
//!
//! The layout is pure: [`svg`] turns a template's design and what a certificate says into one
//! SVG document. The server draws that document to PDF and PNG; the web app shows the same
//! document as the template's live preview, so what an organiser sees is what is printed (up to
//! the font the browser has).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ApiError;

/// What a certificate attests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// 奖状: a competition's recognised award.
    Award,
    /// 志愿时卡: a student's volunteer hours over a period.
    Volunteer,
    /// 聘书: a cadre position.
    Appointment,
    /// 荣誉证书: an honour the organisation confers (优秀共青团员 …).
    Honour,
}

impl CertificateKind {
    pub const ALL: [CertificateKind; 4] = [
        CertificateKind::Award,
        CertificateKind::Volunteer,
        CertificateKind::Appointment,
        CertificateKind::Honour,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Award => "award",
            CertificateKind::Volunteer => "volunteer",
            CertificateKind::Appointment => "appointment",
            CertificateKind::Honour => "honour",
        }
    }

    pub fn parse(text: &str) -> Option<CertificateKind> {
        CertificateKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CertificateKind::Award => "奖状",
            CertificateKind::Volunteer => "志愿时卡",
            CertificateKind::Appointment => "聘书",
            CertificateKind::Honour => "荣誉证书",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CertificateKind::Award => "Award certificate",
            CertificateKind::Volunteer => "Volunteer-hour card",
            CertificateKind::Appointment => "Appointment letter",
            CertificateKind::Honour => "Honour certificate",
        }
    }

    /// The fields a template of this kind may name in its body.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            CertificateKind::Award => &[
                Name, StudentNo, College, Award, Activity, Level, Hours, Term, Date,
            ],
            CertificateKind::Volunteer => &[Name, StudentNo, College, Hours, Period, Term, Date],
            CertificateKind::Appointment => &[
                Name,
                StudentNo,
                College,
                Position,
                Organization,
                Period,
                Term,
                Date,
            ],
            CertificateKind::Honour => &[Name, StudentNo, College, Honour, Term, Date],
        }
    }
}

/// A field a template's body names as `{name}`, filled in for each student.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The student's name.
    Name,
    /// The student number.
    StudentNo,
    /// The student's college.
    College,
    /// The award won (一等奖).
    Award,
    /// The activity (competition) title.
    Activity,
    /// The award's or activity's level (国家级, 校级 …).
    Level,
    /// Hours (volunteer service, or of the activity).
    Hours,
    /// The position held (学生会主席).
    Position,
    /// The organisation the position is in.
    Organization,
    /// The honour conferred (优秀共青团员).
    Honour,
    /// The term (2026–2027学年第一学期).
    Term,
    /// A period (the volunteer card's dates, a position's tenure).
    Period,
    /// The date of issue (2026年12月3日).
    Date,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Name,
        Field::StudentNo,
        Field::College,
        Field::Award,
        Field::Activity,
        Field::Level,
        Field::Hours,
        Field::Position,
        Field::Organization,
        Field::Honour,
        Field::Term,
        Field::Period,
        Field::Date,
    ];

    /// The placeholder's name: `{student_no}`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::StudentNo => "student_no",
            Field::College => "college",
            Field::Award => "award",
            Field::Activity => "activity",
            Field::Level => "level",
            Field::Hours => "hours",
            Field::Position => "position",
            Field::Organization => "organization",
            Field::Honour => "honour",
            Field::Term => "term",
            Field::Period => "period",
            Field::Date => "date",
        }
    }

    pub fn parse(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::StudentNo => "学号",
            Field::College => "学院",
            Field::Award => "奖项",
            Field::Activity => "活动",
            Field::Level => "级别",
            Field::Hours => "时长",
            Field::Position => "职务",
            Field::Organization => "组织",
            Field::Honour => "荣誉称号",
            Field::Term => "学期",
            Field::Period => "期间",
            Field::Date => "日期",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::StudentNo => "Student no.",
            Field::College => "College",
            Field::Award => "Award",
            Field::Activity => "Activity",
            Field::Level => "Level",
            Field::Hours => "Hours",
            Field::Position => "Position",
            Field::Organization => "Organisation",
            Field::Honour => "Honour",
            Field::Term => "Term",
            Field::Period => "Period",
            Field::Date => "Date",
        }
    }

    /// What the preview fills in.
    pub fn sample(self) -> &'static str {
        match self {
            Field::Name => "张晓明",
            Field::StudentNo => "2023010101",
            Field::College => "计算机学院",
            Field::Award => "一等奖",
            Field::Activity => "第十届大学生程序设计竞赛",
            Field::Level => "校级",
            Field::Hours => "36",
            Field::Position => "学生会主席",
            Field::Organization => "校学生会",
            Field::Honour => "优秀共青团员",
            Field::Term => "2026–2027学年第一学期",
            Field::Period => "2026年9月1日至2026年11月30日",
            Field::Date => "2026年12月3日",
        }
    }
}

/// The values of a certificate's fields, by key.
pub type Fields = BTreeMap<String, String>;

/// The preview's fields: a sample student.
pub fn sample_fields() -> Fields {
    Field::ALL
        .into_iter()
        .map(|f| (f.key().to_owned(), f.sample().to_owned()))
        .collect()
}

/// How a certificate's page is turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// A4 landscape (297 × 210 mm).
    #[default]
    Landscape,
    /// A4 portrait (210 × 297 mm).
    Portrait,
}

impl Orientation {
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::Landscape => "landscape",
            Orientation::Portrait => "portrait",
        }
    }

    pub fn parse(text: &str) -> Orientation {
        if text == "portrait" {
            Orientation::Portrait
        } else {
            Orientation::Landscape
        }
    }

    /// The page in points (1/72 in).
    pub fn size(self) -> (f32, f32) {
        match self {
            Orientation::Landscape => (842.0, 595.0),
            Orientation::Portrait => (595.0, 842.0),
        }
    }
}

/// The page's frame and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Background {
    /// A red double frame on cream (the usual 奖状).
    #[default]
    Classic,
    /// A gold double frame on ivory (荣誉证书, 聘书).
    Gold,
    /// A blue double frame on white (志愿时卡).
    Blue,
    /// A thin grey frame on white (for pre-printed paper).
    Plain,
}

impl Background {
    pub const ALL: [Background; 4] = [
        Background::Classic,
        Background::Gold,
        Background::Blue,
        Background::Plain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Background::Classic => "classic",
            Background::Gold => "gold",
            Background::Blue => "blue",
            Background::Plain => "plain",
        }
    }

    pub fn parse(text: &str) -> Background {
        Background::ALL
            .into_iter()
            .find(|b| b.as_str() == text)
            .unwrap_or_default()
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Background::Classic => "红色边框",
            Background::Gold => "金色边框",
            Background::Blue => "蓝色边框",
            Background::Plain => "简洁",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Background::Classic => "Red frame",
            Background::Gold => "Gold frame",
            Background::Blue => "Blue frame",
            Background::Plain => "Plain",
        }
    }

    /// (frame and title colour, page colour).
    fn colours(self) -> (&'static str, &'static str) {
        match self {
            Background::Classic => ("#b3261e", "#fffaf0"),
            Background::Gold => ("#8a6a00", "#fffdf4"),
            Background::Blue => ("#1d4e89", "#f8fbff"),
            Background::Plain => ("#555555", "#ffffff"),
        }
    }
}

/// How a template looks: what an organisation designs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "name": "竞赛奖状", "title": "奖状",
    "body": "{name} 同学：\n在{activity}中荣获{award}。\n特发此状，以资鼓励。",
    "issuer_name": "共青团示范大学委员会", "orientation": "landscape", "background": "classic",
    "seal_id": null
})))]
pub struct TemplateDesign {
    /// What the organisation calls the template (not printed). 1–40 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub name: String,
    /// The heading printed on the certificate (奖状). 1–20 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20))]
    pub title: String,
    /// The text, with fields as `{name}`; a line break starts a paragraph (a paragraph ending
    /// in `：` is a salutation and is not indented). 1–300 characters, at most 8 paragraphs.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub body: String,
    /// The issuer printed above the date and under the seal. 1–40 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub issuer_name: String,
    pub orientation: Orientation,
    pub background: Background,
    /// A seal uploaded by the template's organisation (`POST /api/certificate-seals`).
    pub seal_id: Option<i64>,
}

impl TemplateDesign {
    /// A standard design of a kind, which an organisation starts from.
    pub fn standard(kind: CertificateKind, issuer_name: &str) -> TemplateDesign {
        let (name, title, body, background) = match kind {
            CertificateKind::Award => (
                "竞赛奖状",
                "奖状",
                "{name} 同学：\n在{activity}中表现优异，荣获{award}。\n特发此状，以资鼓励。",
                Background::Classic,
            ),
            CertificateKind::Volunteer => (
                "志愿服务时长证明",
                "志愿服务证明",
                "{name} 同学（学号 {student_no}，{college}）：\n于{period}期间累计参加志愿服务{hours}小时。\n特此证明。",
                Background::Blue,
            ),
            CertificateKind::Appointment => (
                "学生干部聘书",
                "聘书",
                "兹聘任 {name} 同学为{organization}{position}，任期{period}。",
                Background::Gold,
            ),
            CertificateKind::Honour => (
                "荣誉证书",
                "荣誉证书",
                "{name} 同学：\n在{term}中表现突出，被评为“{honour}”。\n特发此证，以资鼓励。",
                Background::Gold,
            ),
        };
        TemplateDesign {
            name: name.to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
            issuer_name: issuer_name.to_owned(),
            orientation: Orientation::Landscape,
            background,
            seal_id: None,
        }
    }

    /// Lengths, and every `{field}` of the body known and available to `kind`.
    pub fn validate(&self, kind: CertificateKind) -> Result<(), ApiError> {
        check_length("name", &self.name, 40)?;
        check_length("title", &self.title, 20)?;
        check_length("issuer_name", &self.issuer_name, 40)?;
        check_length("body", &self.body, 300)?;
        if self.body.split('\n').count() > 8 {
            return Err(ApiError::invalid("body", "at most 8 paragraphs"));
        }
        for piece in placeholders(&self.body)? {
            match Field::parse(piece) {
                Some(field) if kind.fields().contains(&field) => {}
                Some(_) => {
                    return Err(ApiError::invalid(
                        "body",
                        format!(
                            "{{{piece}}} is not known for a {} ({})",
                            kind.label_en().to_lowercase(),
                            kind.label_zh()
                        ),
                    ));
                }
                None => {
                    return Err(ApiError::invalid(
                        "body",
                        format!(
                            "{{{piece}}} is not a field; use one of {}",
                            field_list(kind)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn field_list(kind: CertificateKind) -> String {
    kind.fields()
        .iter()
        .map(|f| format!("{{{}}}", f.key()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_length(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    let n = text.trim().chars().count();
    if n == 0 || n > max {
        return Err(ApiError::invalid(field, format!("1 to {max} characters")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid(field, "no control characters"));
    }
    Ok(())
}

/// The `{field}` names a body uses, in order; braces that do not enclose a name are refused.
pub fn placeholders(body: &str) -> Result<Vec<&str>, ApiError> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(ApiError::invalid("body", "a `}` without its `{`"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| ApiError::invalid("body", "a `{` without its `}`"))?;
        let name = &after[..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(ApiError::invalid(
                "body",
                "fields are written {name}, in lowercase letters and _",
            ));
        }
        out.push(name);
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// The body with its fields filled in (a field without a value prints empty).
pub fn fill(body: &str, fields: &Fields) -> String {
    let mut out = String::with_capacity(body.len() + 32);
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                if let Some(value) = fields.get(&after[..close]) {
                    out.push_str(value);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A date as printed: 2026年12月3日.
pub fn date_zh(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// A period as printed: 2026年9月1日至2026年11月30日.
pub fn period_zh(from: NaiveDate, to: NaiveDate) -> String {
    format!("{}至{}", date_zh(from), date_zh(to))
}

/// Hours as printed: 36, 12.5.
pub fn hours_text(hours: f64) -> String {
    let rounded = (hours * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

// --- Templates, certificates and issuing (the API's types) ------------------------------------

/// `POST /api/certificate-templates`: a new template of an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTemplate {
    /// The organisation whose template it is (issuing with it needs `issue_certificates`
    /// over it).
    pub organization_id: i64,
    pub kind: CertificateKind,
    #[serde(flatten)]
    pub design: TemplateDesign,
}

/// A seal uploaded for templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Seal {
    pub id: i64,
    pub organization_id: i64,
    /// `image/png` or `image/svg+xml`.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u32,
}

/// A certificate template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub kind: CertificateKind,
    #[serde(flatten)]
    pub design: TemplateDesign,
    pub seal: Option<Seal>,
    /// Certificates issued with it (revoked included).
    pub issued: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// What to issue certificates for. Each student receives one certificate per thing attested
/// (a result, a period, a position, an honour in a term); one already issued and not revoked
/// is skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueSource {
    /// 奖状: the recognised awards of a finalised activity (all, or these students').
    Award {
        activity_id: i64,
        #[cfg_attr(feature = "openapi", schema(max_items = 5000))]
        student_nos: Option<Vec<String>>,
    },
    /// 志愿时卡: volunteer hours recognised within the issuer's subtree between two dates
    /// (every student with hours, or these students).
    Volunteer {
        from: NaiveDate,
        to: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(max_items = 5000))]
        student_nos: Option<Vec<String>>,
    },
    /// 聘书: cadre positions of the issuer's subtree (these, or every position held today).
    Appointment {
        #[cfg_attr(feature = "openapi", schema(max_items = 5000))]
        position_ids: Option<Vec<i64>>,
    },
    /// 荣誉证书: an honour conferred on these students of the issuer's subtree (entered, or
    /// pasted from a spreadsheet's column of student numbers).
    Honour {
        /// 优秀共青团员. 1–30 characters.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 30))]
        honour: String,
        /// The term it is conferred for (default: the current term).
        term_id: Option<i64>,
        #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 5000))]
        student_nos: Vec<String>,
    },
}

impl IssueSource {
    pub fn kind(&self) -> CertificateKind {
        match self {
            IssueSource::Award { .. } => CertificateKind::Award,
            IssueSource::Volunteer { .. } => CertificateKind::Volunteer,
            IssueSource::Appointment { .. } => CertificateKind::Appointment,
            IssueSource::Honour { .. } => CertificateKind::Honour,
        }
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        let numbers = |list: &Option<Vec<String>>| -> Result<(), ApiError> {
            match list {
                Some(list) => check_numbers(list),
                None => Ok(()),
            }
        };
        match self {
            IssueSource::Award { student_nos, .. } => numbers(student_nos),
            IssueSource::Volunteer {
                from,
                to,
                student_nos,
            } => {
                if to < from {
                    return Err(ApiError::invalid("source.to", "on or after `from`"));
                }
                if (*to - *from).num_days() > 3 * 366 {
                    return Err(ApiError::invalid(
                        "source.to",
                        "a period of at most 3 years",
                    ));
                }
                numbers(student_nos)
            }
            IssueSource::Appointment { position_ids } => match position_ids {
                Some(ids) if ids.is_empty() || ids.len() > MAX_BATCH => Err(ApiError::invalid(
                    "source.position_ids",
                    format!("1 to {MAX_BATCH} positions"),
                )),
                _ => Ok(()),
            },
            IssueSource::Honour {
                honour,
                student_nos,
                ..
            } => {
                check_length("source.honour", honour, 30)?;
                if student_nos.is_empty() {
                    return Err(ApiError::invalid(
                        "source.student_nos",
                        "at least one student number",
                    ));
                }
                check_numbers(student_nos)
            }
        }
    }
}

/// The most certificates one request issues.
pub const MAX_BATCH: usize = 5000;

fn check_numbers(list: &[String]) -> Result<(), ApiError> {
    if list.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "source.student_nos",
            format!("at most {MAX_BATCH} students"),
        ));
    }
    for (i, no) in list.iter().enumerate() {
        let n = no.trim();
        if n.is_empty() || n.len() > 32 || n.chars().any(|c| c.is_control()) {
            return Err(ApiError::invalid(
                format!("source.student_nos[{i}]"),
                "a student number of 1 to 32 characters",
            ));
        }
    }
    Ok(())
}

/// `POST /api/certificates`: issue with a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "template_id": 1, "source": {"kind": "honour", "honour": "优秀共青团员", "term_id": null,
    "student_nos": ["2023010101"]}
})))]
pub struct IssueCertificates {
    pub template_id: i64,
    pub source: IssueSource,
}

/// Why a student named (or found) received no certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// They already hold one for the same thing (not revoked).
    AlreadyIssued,
    /// No student has this number.
    UnknownStudent,
    /// The student's college is outside the issuer's subtree.
    OutsideSubtree,
    /// Nothing to attest: no recognised award, no volunteer hours in the period.
    NothingToAttest,
}

/// One student skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Skipped {
    pub student_no: String,
    pub reason: SkipReason,
}

/// What an issue did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueOutcome {
    /// Every certificate of this request (download them together from
    /// `/api/certificates/batches/{batch_id}.zip`).
    pub batch_id: Uuid,
    pub issued: usize,
    pub skipped: Vec<Skipped>,
    /// The first certificates issued (at most 50).
    pub certificates: Vec<Certificate>,
}

/// Genuine or revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Genuine,
    Revoked,
}

/// Everything printed on one certificate, kept when it is issued (what verification shows and
/// every later download draws).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateDoc {
    pub kind: CertificateKind,
    pub orientation: Orientation,
    pub background: Background,
    pub title: String,
    /// The body with its fields filled in.
    pub body: String,
    pub issuer: String,
    /// The date printed (2026年12月3日).
    pub date: String,
    pub student_name: String,
    pub student_no: String,
    pub college: String,
    /// The fields as filled in.
    pub fields: Fields,
    pub serial: String,
    pub verify_url: String,
}

/// A certificate in lists, the wallet and after issuing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    pub id: i64,
    pub serial: String,
    pub kind: CertificateKind,
    pub title: String,
    /// What it attests, in a line (一等奖 · 程序设计竞赛; 36 小时; 学生会主席; 优秀共青团员).
    pub summary: String,
    pub student_id: i64,
    pub student_no: String,
    pub student_name: String,
    pub organization_id: i64,
    pub organization: String,
    pub template_id: i64,
    pub batch_id: Uuid,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub status: CertificateStatus,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoke_reason: Option<String>,
}

/// One certificate with exactly what it printed: `GET /api/certificates/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateDetail {
    pub certificate: Certificate,
    pub document: CertificateDoc,
}

/// What the public verification page shows for a certificate's serial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateVerification {
    pub serial: String,
    pub status: CertificateStatus,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoke_reason: Option<String>,
    /// Exactly what was printed.
    pub document: CertificateDoc,
}

/// Whether a serial is a certificate's (`SCC-…`) rather than a transcript's (`SCT-…`).
pub fn is_certificate_serial(serial: &str) -> bool {
    serial.len() == 33
        && serial.starts_with("SCC-")
        && serial[4..]
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase())
}

// --- The page ------------------------------------------------------------------------------

/// What the page draws besides the text: the seal and the verification QR code.
#[derive(Debug, Clone, Default)]
pub struct Extras<'a> {
    /// The seal as an image URL (a `data:` URL on the server; an object URL in the browser).
    pub seal_href: Option<&'a str>,
    /// The QR code's modules, row by row (`width × width`); none draws a placeholder.
    pub qr: Option<(usize, &'a [bool])>,
}

/// The font families, best first: the server has one of the first; a browser falls back.
pub const FONT_FAMILY: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', \
                               'PingFang SC', 'Microsoft YaHei', sans-serif";

/// Escapes text for SVG.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The width of a character in ems, as the layout counts it: full width for Chinese and
/// full-width punctuation, a little over half for Latin letters and digits.
pub fn char_em(c: char) -> f32 {
    match c {
        ' ' => 0.3,
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
        'm' | 'w' | 'M' | 'W' => 0.85,
        c if c.is_ascii() => 0.58,
        '–' | '—' => 0.6,
        _ => 1.0,
    }
}

/// Characters that never begin a line (they join the line before).
fn closes(c: char) -> bool {
    "，。、；：！？）」』”’》〉,.;:!?)%".contains(c)
}

/// Breaks a paragraph into lines of at most `width_em` ems (the first line `indent_em`
/// narrower); closing punctuation stays with the character before it.
pub fn wrap(text: &str, width_em: f32, indent_em: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = indent_em;
    let mut word_start: Option<usize> = None;
    for c in text.chars() {
        let w = char_em(c);
        if used + w > width_em && !line.is_empty() && !closes(c) {
            // Keep a run of Latin letters and digits together when it fits on a line.
            let carry = match word_start {
                Some(start) if c.is_ascii_alphanumeric() && start > 0 => {
                    let carried: String = line[start..].to_owned();
                    line.truncate(start);
                    carried
                }
                _ => String::new(),
            };
            lines.push(std::mem::take(&mut line));
            used = carry.chars().map(char_em).sum();
            line = carry;
            word_start = if line.is_empty() { None } else { Some(0) };
        }
        if c.is_ascii_alphanumeric() {
            if word_start.is_none() {
                word_start = Some(line.len());
            }
        } else {
            word_start = None;
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The box the body is set in, and where the issuer's block and the QR code go.
struct Frame {
    width: f32,
    height: f32,
    title_y: f32,
    title_size: f32,
    body_left: f32,
    body_right: f32,
    body_top: f32,
    body_bottom: f32,
    issuer_x: f32,
    issuer_y: f32,
}

fn frame(orientation: Orientation) -> Frame {
    let (width, height) = orientation.size();
    match orientation {
        Orientation::Landscape => Frame {
            width,
            height,
            title_y: 122.0,
            title_size: 46.0,
            body_left: 104.0,
            body_right: width - 104.0,
            body_top: 178.0,
            body_bottom: height - 178.0,
            issuer_x: width - 212.0,
            issuer_y: height - 128.0,
        },
        Orientation::Portrait => Frame {
            width,
            height,
            title_y: 178.0,
            title_size: 50.0,
            body_left: 82.0,
            body_right: width - 82.0,
            body_top: 262.0,
            body_bottom: height - 300.0,
            issuer_x: width - 176.0,
            issuer_y: height - 210.0,
        },
    }
}

/// The body's lines and size: the largest of the sizes at which every line fits the box.
fn set_body(body: &str, frame: &Frame) -> (f32, Vec<(f32, String)>) {
    const SIZES: [f32; 7] = [24.0, 22.0, 20.0, 18.0, 16.0, 14.0, 12.0];
    let width = frame.body_right - frame.body_left;
    let height = frame.body_bottom - frame.body_top;
    let mut best = (12.0, Vec::new());
    for size in SIZES {
        let em = width / size;
        let mut lines = Vec::new();
        for paragraph in body.split('\n') {
            let paragraph = paragraph.trim();
            if paragraph.is_empty() {
                continue;
            }
            let salutation = paragraph.ends_with('：') || paragraph.ends_with(':');
            let indent = if salutation { 0.0 } else { 2.0 };
            for (i, line) in wrap(paragraph, em, indent).into_iter().enumerate() {
                let x = if i == 0 { indent * size } else { 0.0 };
                lines.push((x, line));
            }
        }
        let fits = lines.len() as f32 * size * 1.8 <= height;
        best = (size, lines);
        if fits {
            break;
        }
    }
    best
}

/// The certificate's page as one SVG document (the viewBox in points).
pub fn svg(doc: &CertificateDoc, extras: &Extras) -> String {
    let f = frame(doc.orientation);
    let (ink, paper) = doc.background.colours();
    let (w, h) = (f.width, f.height);
    let mut s = String::with_capacity(8 * 1024);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}">"#
    );
    let _ = write!(s, r#"<rect width="{w}" height="{h}" fill="{paper}"/>"#);
    // The frame: a heavy outer line, a fine inner one, diamonds in the corners.
    if doc.background == Background::Plain {
        let _ = write!(
            s,
            r#"<rect x="24" y="24" width="{}" height="{}" fill="none" stroke="{ink}" stroke-width="1"/>"#,
            w - 48.0,
            h - 48.0
        );
    } else {
        let _ = write!(
            s,
            r#"<rect x="18" y="18" width="{}" height="{}" fill="none" stroke="{ink}" stroke-width="7"/><rect x="31" y="31" width="{}" height="{}" fill="none" stroke="{ink}" stroke-width="1.5"/>"#,
            w - 36.0,
            h - 36.0,
            w - 62.0,
            h - 62.0
        );
        for (x, y) in [
            (31.0, 31.0),
            (w - 31.0, 31.0),
            (31.0, h - 31.0),
            (w - 31.0, h - 31.0),
        ] {
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="12" height="12" fill="{ink}" transform="rotate(45 {x} {y})"/>"#,
                x - 6.0,
                y - 6.0
            );
        }
    }
    // The title, spread out as certificates set it.
    let title: String = doc.title.trim().chars().collect();
    let spacing = if title.chars().count() <= 4 {
        0.5
    } else {
        0.15
    };
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" font-size="{}" font-weight="bold" fill="{ink}" text-anchor="middle" letter-spacing="{}">{}</text>"#,
        w / 2.0,
        f.title_y,
        f.title_size,
        f.title_size * spacing,
        escape(&title)
    );
    // The body.
    let (size, lines) = set_body(&doc.body, &f);
    for (i, (x, line)) in lines.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="{size}" fill="#222222">{}</text>"##,
            f.body_left + x,
            f.body_top + size + i as f32 * size * 1.8,
            escape(line)
        );
    }
    // The issuer and the date, the seal over them.
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" font-size="18" fill="#222222" text-anchor="middle">{}</text><text x="{}" y="{}" font-size="16" fill="#222222" text-anchor="middle">{}</text>"##,
        f.issuer_x,
        f.issuer_y,
        escape(&doc.issuer),
        f.issuer_x,
        f.issuer_y + 30.0,
        escape(&doc.date)
    );
    if let Some(href) = extras.seal_href {
        let _ = write!(
            s,
            r#"<image x="{}" y="{}" width="128" height="128" opacity="0.9" preserveAspectRatio="xMidYMid meet" xlink:href="{}"/>"#,
            f.issuer_x - 64.0,
            f.issuer_y - 74.0,
            escape(href)
        );
    }
    // The verification code and the serial, bottom left.
    let (qx, qy, qs) = (54.0, h - 54.0 - 72.0 - 24.0, 72.0);
    match extras.qr {
        Some((n, modules)) if n > 0 && modules.len() == n * n => {
            let cell = qs / n as f32;
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff"/><path fill="#000000" transform="translate({qx} {qy}) scale({cell})" d=""##,
                qx - 4.0,
                qy - 4.0,
                qs + 8.0,
                qs + 8.0
            );
            for y in 0..n {
                let mut x = 0;
                while x < n {
                    if modules[y * n + x] {
                        let start = x;
                        while x < n && modules[y * n + x] {
                            x += 1;
                        }
                        let _ = write!(s, "M{start} {y}h{}v1h-{}z", x - start, x - start);
                    } else {
                        x += 1;
                    }
                }
            }
            s.push_str(r#""/>"#);
        }
        _ => {
            let _ = write!(
                s,
                r##"<rect x="{qx}" y="{qy}" width="{qs}" height="{qs}" fill="#ffffff" stroke="#999999" stroke-dasharray="4 3"/><text x="{}" y="{}" font-size="10" fill="#999999" text-anchor="middle">验证二维码</text>"##,
                qx + qs / 2.0,
                qy + qs / 2.0 + 4.0
            );
        }
    }
    let serial = if doc.serial.is_empty() {
        "SCC-…"
    } else {
        doc.serial.as_str()
    };
    let _ = write!(
        s,
        r##"<text x="{qx}" y="{}" font-size="8" fill="#444444">证书编号 {}</text><text x="{qx}" y="{}" font-size="8" fill="#444444">扫码核验真伪</text>"##,
        qy + qs + 16.0,
        escape(serial),
        qy + qs + 27.0
    );
    s.push_str("</svg>");
    s
}

/// A document for the preview: the design filled with the sample student.
pub fn preview(kind: CertificateKind, design: &TemplateDesign) -> CertificateDoc {
    let fields = sample_fields();
    CertificateDoc {
        kind,
        orientation: design.orientation,
        background: design.background,
        title: design.title.clone(),
        body: fill(&design.body, &fields),
        issuer: design.issuer_name.clone(),
        date: Field::Date.sample().to_owned(),
        student_name: Field::Name.sample().to_owned(),
        student_no: Field::StudentNo.sample().to_owned(),
        college: Field::College.sample().to_owned(),
        fields,
        serial: String::new(),
        verify_url: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_named_and_checked_per_kind() {
        let mut design = TemplateDesign::standard(CertificateKind::Award, "团委");
        assert!(design.validate(CertificateKind::Award).is_ok());
        design.body = "{name} 获得 {honour}".into();
        let err = design.validate(CertificateKind::Award).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("body"));
        design.body = "{nmae}".into();
        assert!(design.validate(CertificateKind::Award).is_err());
        design.body = "{name".into();
        assert!(design.validate(CertificateKind::Award).is_err());
        design.body = "a } b".into();
        assert!(design.validate(CertificateKind::Award).is_err());
        for kind in CertificateKind::ALL {
            assert!(
                TemplateDesign::standard(kind, "团委")
                    .validate(kind)
                    .is_ok()
            );
        }
    }

    #[test]
    fn fill_replaces_known_fields() {
        let mut fields = Fields::new();
        fields.insert("name".into(), "李雷".into());
        assert_eq!(fill("{name} 同学：{award}。", &fields), "李雷 同学：。");
    }

    #[test]
    fn wrap_keeps_punctuation_and_widths() {
        let text = "在第十届大学生程序设计竞赛中表现优异，荣获一等奖。";
        for line in wrap(text, 10.0, 2.0) {
            assert!(!line.starts_with('，') && !line.starts_with('。'));
            let em: f32 = line.chars().map(char_em).sum();
            assert!(em <= 11.0, "{line}");
        }
        let joined: String = wrap(text, 10.0, 2.0).concat();
        assert_eq!(joined, text);
        // A Latin word moves to the next line whole.
        let lines = wrap("参加 ACM-ICPC Asia Regional 比赛", 8.0, 0.0);
        assert!(lines.iter().all(|l| !l.ends_with("Regi")));
        assert_eq!(lines.concat(), "参加 ACM-ICPC Asia Regional 比赛");
    }

    #[test]
    fn the_page_escapes_text_and_draws_the_code() {
        let mut doc = preview(
            CertificateKind::Honour,
            &TemplateDesign::standard(CertificateKind::Honour, "<团委> & 学生会"),
        );
        doc.serial = "SCC-0000-0000-0000-0000-0000-0000".into();
        let modules = vec![true, false, false, true];
        let svg = svg(
            &doc,
            &Extras {
                seal_href: None,
                qr: Some((2, &modules)),
            },
        );
        assert!(svg.contains("&lt;团委&gt; &amp; 学生会"));
        assert!(svg.contains("M0 0h1v1h-1z"));
        assert!(svg.contains("M1 1h1v1h-1z"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(is_certificate_serial(&doc.serial));
        assert!(!is_certificate_serial("SCT-0000-0000-0000-0000-0000-0000"));
    }

    #[test]
    fn a_long_body_gets_smaller_type() {
        let long = "很长的正文。".repeat(48);
        let f = frame(Orientation::Landscape);
        let (size, lines) = set_body(&long, &f);
        assert!(size < 24.0);
        assert!(lines.len() as f32 * size * 1.8 <= f.body_bottom - f.body_top);
    }
}
