//! Activities: what an organisation publishes, how it is reviewed up the tree (三级发布审核),
//! who may sign up, and the publisher-defined registration form — with the pure rules both the
//! server and the web app apply.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{ApiError, organization::OrgKind, people::Degree};

/// The level of credit an activity claims (and must be approved up to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CreditLevel {
    /// 社团级
    Club,
    /// 院级
    College,
    /// 校级
    School,
}

impl CreditLevel {
    pub const ALL: [CreditLevel; 3] =
        [CreditLevel::Club, CreditLevel::College, CreditLevel::School];

    pub fn as_str(self) -> &'static str {
        match self {
            CreditLevel::Club => "club",
            CreditLevel::College => "college",
            CreditLevel::School => "school",
        }
    }

    pub fn parse(text: &str) -> Option<CreditLevel> {
        CreditLevel::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// The level an organisation stands at: clubs 社团级, colleges and school-level
    /// organisations 院级, the school committee 校级.
    pub fn of(kind: OrgKind) -> CreditLevel {
        match kind {
            OrgKind::Club => CreditLevel::Club,
            OrgKind::College | OrgKind::SchoolOrg => CreditLevel::College,
            OrgKind::School => CreditLevel::School,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CreditLevel::Club => "社团级",
            CreditLevel::College => "院级",
            CreditLevel::School => "校级",
        }
    }
}

/// Which organisations must approve, bottom-up: every ancestor above the organiser whose level
/// does not exceed the claimed level. `ancestors` runs from the organiser's parent to the root.
/// A club's club-level activity needs nobody; its college-level one needs its college; its
/// school-level one then the school too.
pub fn review_chain(claimed: CreditLevel, ancestors: &[(i64, OrgKind)]) -> Vec<i64> {
    ancestors
        .iter()
        .filter(|(_, kind)| CreditLevel::of(*kind) <= claimed)
        .map(|(id, _)| *id)
        .collect()
}

/// Minutes an activity may have run when it is submitted and still publish without the level
/// above (an organiser typing it in at the door).
pub const PAST_DATED_GRACE_MINUTES: i64 = 60;

/// Whether an activity submitted at `submitted_at` is dated in the past: it began more than
/// [`PAST_DATED_GRACE_MINUTES`] earlier, so students could not have signed up for it.
pub fn is_past_dated(starts_at: DateTime<Utc>, submitted_at: DateTime<Utc>) -> bool {
    starts_at + chrono::Duration::minutes(PAST_DATED_GRACE_MINUTES) < submitted_at
}

/// The review chain of a submission: [`review_chain`], except that an activity dated in the
/// past goes to the level above even at the organiser's own level (the school committee, with
/// none above, publishes its own).
pub fn submission_chain(
    claimed: CreditLevel,
    ancestors: &[(i64, OrgKind)],
    past_dated: bool,
) -> Vec<i64> {
    let chain = review_chain(claimed, ancestors);
    match (chain.is_empty(), past_dated, ancestors.first()) {
        (true, true, Some((parent, _))) => vec![*parent],
        _ => chain,
    }
}

/// Where an activity is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Being written; only its organisation sees it.
    Draft,
    /// Waiting for approval at `review.current` (one level at a time, bottom-up).
    Submitted,
    /// Visible to students; registration follows its window.
    Published,
    /// Called off after publication; registrants were notified.
    Cancelled,
}

impl ActivityStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Draft => "draft",
            ActivityStatus::Submitted => "submitted",
            ActivityStatus::Published => "published",
            ActivityStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<ActivityStatus> {
        [
            ActivityStatus::Draft,
            ActivityStatus::Submitted,
            ActivityStatus::Published,
            ActivityStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A published activity's phase, from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Registration has not opened yet.
    Upcoming,
    RegistrationOpen,
    /// Registration closed; the activity has not started.
    RegistrationClosed,
    InProgress,
    Ended,
}

/// The phase of a published activity at `now`.
pub fn phase(
    now: DateTime<Utc>,
    registration_opens_at: DateTime<Utc>,
    registration_closes_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Phase {
    if now >= ends_at {
        Phase::Ended
    } else if now >= starts_at {
        Phase::InProgress
    } else if now >= registration_closes_at {
        Phase::RegistrationClosed
    } else if now >= registration_opens_at {
        Phase::RegistrationOpen
    } else {
        Phase::Upcoming
    }
}

/// How sign-ups become places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentMode {
    /// First come, first served; past capacity onto the waitlist, promoted in order.
    FirstCome,
    /// The organiser approves or rejects each sign-up.
    Review,
    /// At the close of registration places are drawn by lot (the seed is recorded).
    Lottery,
}

impl EnrolmentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentMode::FirstCome => "first_come",
            EnrolmentMode::Review => "review",
            EnrolmentMode::Lottery => "lottery",
        }
    }
    pub fn parse(text: &str) -> Option<EnrolmentMode> {
        [
            EnrolmentMode::FirstCome,
            EnrolmentMode::Review,
            EnrolmentMode::Lottery,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

/// Who may sign up; an empty list admits everyone on that count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Eligibility {
    /// College organisation ids.
    #[serde(default)]
    pub colleges: Vec<i64>,
    #[serde(default)]
    pub enrolment_years: Vec<i32>,
    #[serde(default)]
    pub degrees: Vec<Degree>,
}

/// What eligibility looks at of a student.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudentFacts {
    pub college_id: i64,
    pub enrolment_year: i32,
    pub degree: Degree,
}

/// Why a student may not sign up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    College,
    EnrolmentYear,
    Degree,
}

impl Ineligible {
    pub fn message_zh(self) -> &'static str {
        match self {
            Ineligible::College => "本活动不面向你所在的学院",
            Ineligible::EnrolmentYear => "本活动不面向你的年级",
            Ineligible::Degree => "本活动不面向你的学历层次",
        }
    }
    pub fn message_en(self) -> &'static str {
        match self {
            Ineligible::College => "not open to your college",
            Ineligible::EnrolmentYear => "not open to your year of enrolment",
            Ineligible::Degree => "not open to your degree level",
        }
    }
}

impl Eligibility {
    /// Every reason the student is not eligible (empty: eligible).
    pub fn check(&self, student: StudentFacts) -> Vec<Ineligible> {
        let mut reasons = Vec::new();
        if !self.colleges.is_empty() && !self.colleges.contains(&student.college_id) {
            reasons.push(Ineligible::College);
        }
        if !self.enrolment_years.is_empty()
            && !self.enrolment_years.contains(&student.enrolment_year)
        {
            reasons.push(Ineligible::EnrolmentYear);
        }
        if !self.degrees.is_empty() && !self.degrees.contains(&student.degree) {
            reasons.push(Ineligible::Degree);
        }
        reasons
    }
}

/// The type of a publisher-defined registration field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    SingleChoice,
    MultipleChoice,
    Number,
    Phone,
    Email,
    Date,
}

impl FieldKind {
    pub const ALL: [FieldKind; 8] = [
        FieldKind::Text,
        FieldKind::LongText,
        FieldKind::SingleChoice,
        FieldKind::MultipleChoice,
        FieldKind::Number,
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Date,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            FieldKind::Text => "单行文本",
            FieldKind::LongText => "多行文本",
            FieldKind::SingleChoice => "单选",
            FieldKind::MultipleChoice => "多选",
            FieldKind::Number => "数字",
            FieldKind::Phone => "手机号",
            FieldKind::Email => "邮箱",
            FieldKind::Date => "日期",
        }
    }

    fn has_options(self) -> bool {
        matches!(self, FieldKind::SingleChoice | FieldKind::MultipleChoice)
    }
}

/// One question of an activity's registration form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"key": "tshirt", "label": "T恤尺码", "kind": "single_choice", "required": true, "options": ["S", "M", "L", "XL"]}))
)]
pub struct FormField {
    /// Stable identifier of the answer (lowercase letters, digits, `_`).
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The choices of `single_choice` and `multiple_choice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Bounds of `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

pub const MAX_FIELDS: usize = 30;

/// A form definition is sound: unique keys, choices where needed, sane bounds.
pub fn validate_form(fields: &[FormField]) -> Result<(), ApiError> {
    if fields.len() > MAX_FIELDS {
        return Err(ApiError::invalid(
            "fields",
            format!("at most {MAX_FIELDS} fields"),
        ));
    }
    for (i, field) in fields.iter().enumerate() {
        let at = |what: &str| format!("fields[{i}].{what}");
        let key_ok = (1..=32).contains(&field.key.len())
            && field
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            return Err(ApiError::invalid(
                at("key"),
                "use 1–32 lowercase letters, digits or _",
            ));
        }
        if fields[..i].iter().any(|f| f.key == field.key) {
            return Err(ApiError::invalid(
                at("key"),
                format!("the key `{}` is used twice", field.key),
            ));
        }
        if !(1..=60).contains(&field.label.trim().chars().count()) {
            return Err(ApiError::invalid(
                at("label"),
                "a label has 1 to 60 characters",
            ));
        }
        if field.kind.has_options() {
            if field.options.is_empty() || field.options.len() > 50 {
                return Err(ApiError::invalid(at("options"), "give 1 to 50 choices"));
            }
            if field
                .options
                .iter()
                .any(|o| o.trim().is_empty() || o.chars().count() > 60)
            {
                return Err(ApiError::invalid(
                    at("options"),
                    "each choice has 1 to 60 characters",
                ));
            }
        } else if !field.options.is_empty() {
            return Err(ApiError::invalid(
                at("options"),
                "only choice fields have options",
            ));
        }
        if let (Some(min), Some(max)) = (field.min, field.max)
            && min > max
        {
            return Err(ApiError::invalid(at("min"), "min must not exceed max"));
        }
    }
    Ok(())
}

/// Answers to a registration form, by field key.
pub type Answers = BTreeMap<String, serde_json::Value>;

/// Checks `answers` against the form, answering the answers normalised (trimmed, absent
/// optional ones dropped) or the first problem, on field `answers.<key>`.
pub fn validate_answers(fields: &[FormField], answers: &Answers) -> Result<Answers, ApiError> {
    if let Some(unknown) = answers
        .keys()
        .find(|k| !fields.iter().any(|f| &f.key == *k))
    {
        return Err(ApiError::invalid(
            format!("answers.{unknown}"),
            "no such question",
        ));
    }
    let mut normalised = Answers::new();
    for field in fields {
        let name = format!("answers.{}", field.key);
        let value = answers.get(&field.key).filter(|v| !is_blank(v));
        let Some(value) = value else {
            if field.required {
                return Err(ApiError::invalid(
                    name,
                    format!("「{}」is required", field.label),
                ));
            }
            continue;
        };
        let clean = answer(field, value).map_err(|message| ApiError::invalid(name, message))?;
        normalised.insert(field.key.clone(), clean);
    }
    Ok(normalised)
}

fn is_blank(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.trim().is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn answer(field: &FormField, value: &serde_json::Value) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    let text = || {
        value
            .as_str()
            .map(str::trim)
            .ok_or_else(|| "expected text".to_owned())
    };
    match field.kind {
        FieldKind::Text | FieldKind::LongText => {
            let limit = if field.kind == FieldKind::Text {
                200
            } else {
                2000
            };
            let text = text()?;
            if text.chars().count() > limit {
                return Err(format!("at most {limit} characters"));
            }
            Ok(Value::String(text.to_owned()))
        }
        FieldKind::SingleChoice => {
            let text = text()?;
            if !field.options.iter().any(|o| o == text) {
                return Err("choose one of the options".to_owned());
            }
            Ok(Value::String(text.to_owned()))
        }
        FieldKind::MultipleChoice => {
            let items = value.as_array().ok_or("expected a list of choices")?;
            let mut chosen = Vec::new();
            for item in items {
                let item = item.as_str().ok_or("expected a list of choices")?;
                if !field.options.iter().any(|o| o == item) {
                    return Err(format!("`{item}` is not one of the options"));
                }
                if !chosen.contains(&item) {
                    chosen.push(item);
                }
            }
            Ok(Value::Array(
                chosen
                    .into_iter()
                    .map(|c| Value::String(c.to_owned()))
                    .collect(),
            ))
        }
        FieldKind::Number => {
            let number = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or("expected a number")?;
            if field.min.is_some_and(|min| number < min)
                || field.max.is_some_and(|max| number > max)
            {
                let range = match (field.min, field.max) {
                    (Some(min), Some(max)) => format!("between {min} and {max}"),
                    (Some(min), None) => format!("at least {min}"),
                    (None, Some(max)) => format!("at most {max}"),
                    (None, None) => String::new(),
                };
                return Err(format!("must be {range}"));
            }
            Ok(serde_json::json!(number))
        }
        FieldKind::Phone => {
            let text = text()?;
            crate::people::check_phone("phone", text).map_err(|e| e.message)?;
            Ok(Value::String(text.to_owned()))
        }
        FieldKind::Email => {
            let text = text()?;
            let ok = text.len() <= 254
                && text.split_once('@').is_some_and(|(user, domain)| {
                    !user.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                })
                && !text.contains(char::is_whitespace);
            if !ok {
                return Err("expected an e-mail address".to_owned());
            }
            Ok(Value::String(text.to_owned()))
        }
        FieldKind::Date => {
            let text = text()?;
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| "expected a date as YYYY-MM-DD".to_owned())?;
            Ok(Value::String(text.to_owned()))
        }
    }
}

/// `POST /api/activities` and `PUT /api/activities/{id}`: the whole definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "organizer_id": 9, "title": "算法竞赛校内选拔赛", "category": "competition", "credit_level": "college",
        "description": "面向全校的程序设计竞赛选拔。", "starts_at": "2026-12-12T06:00:00Z", "ends_at": "2026-12-12T10:00:00Z",
        "place": "信息楼 301", "campus": "主校区", "capacity": 60,
        "registration_opens_at": "2026-11-28T00:00:00Z", "registration_closes_at": "2026-12-10T16:00:00Z",
        "eligibility": {"colleges": [], "enrolment_years": [2023, 2024, 2025], "degrees": ["undergraduate"]},
        "instructor_ids": [318], "enrolment_mode": "first_come", "points_rule": "competition.participation",
        "fields": [{"key": "language", "label": "参赛语言", "kind": "single_choice", "required": true, "options": ["C++", "Java", "Python"]}]
    }))
)]
pub struct ActivityInput {
    /// The organising organisation (inside the caller's subtree).
    pub organizer_id: i64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub title: String,
    /// A category code (`GET /api/categories`).
    pub category: String,
    pub credit_level: CreditLevel,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub place: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub campus: String,
    /// Places; `null` for no limit (not with lottery).
    pub capacity: Option<u32>,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Staff accounts guiding the activity (指导老师).
    #[serde(default)]
    pub instructor_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_image_url: Option<String>,
    /// The scoring rule the activity expects to be recognised under (a reference into the rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_rule: Option<String>,
    pub enrolment_mode: EnrolmentMode,
    /// The registration form's extra questions.
    #[serde(default)]
    pub fields: Vec<FormField>,
    /// Until how many hours before the start a confirmed student may cancel without it
    /// counting as a no-show (0–720, default 24; 诚信记录).
    #[serde(default = "default_cancel_cutoff")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 720, default = 24))]
    pub cancel_cutoff_hours: u32,
}

/// The cut-off of a new activity: a day before its start.
pub const DEFAULT_CANCEL_CUTOFF_HOURS: u32 = 24;

fn default_cancel_cutoff() -> u32 {
    DEFAULT_CANCEL_CUTOFF_HOURS
}

impl ActivityInput {
    /// Every rule of a definition that needs no database, on the first field that breaks one.
    pub fn validate(&self) -> Result<(), ApiError> {
        let chars = |s: &str| s.trim().chars().count();
        if !(1..=100).contains(&chars(&self.title)) {
            return Err(ApiError::invalid(
                "title",
                "a title has 1 to 100 characters",
            ));
        }
        if chars(&self.description) > 5000 {
            return Err(ApiError::invalid("description", "at most 5000 characters"));
        }
        if self.cancel_cutoff_hours > 720 {
            return Err(ApiError::invalid(
                "cancel_cutoff_hours",
                "between 0 and 720 hours",
            ));
        }
        if !(1..=100).contains(&chars(&self.place)) {
            return Err(ApiError::invalid(
                "place",
                "a place has 1 to 100 characters",
            ));
        }
        if chars(&self.campus) > 50 {
            return Err(ApiError::invalid("campus", "at most 50 characters"));
        }
        if self.ends_at <= self.starts_at {
            return Err(ApiError::invalid(
                "ends_at",
                "the end must come after the start",
            ));
        }
        if self.registration_closes_at <= self.registration_opens_at {
            return Err(ApiError::invalid(
                "registration_closes_at",
                "registration must close after it opens",
            ));
        }
        if self.registration_closes_at > self.ends_at {
            return Err(ApiError::invalid(
                "registration_closes_at",
                "registration must close by the end of the activity",
            ));
        }
        match self.capacity {
            Some(0) => {
                return Err(ApiError::invalid(
                    "capacity",
                    "at least one place, or no limit",
                ));
            }
            Some(n) if n > 100_000 => {
                return Err(ApiError::invalid("capacity", "at most 100000 places"));
            }
            None if self.enrolment_mode == EnrolmentMode::Lottery => {
                return Err(ApiError::invalid(
                    "capacity",
                    "a lottery needs a number of places",
                ));
            }
            _ => {}
        }
        if let Some(url) = &self.cover_image_url {
            let ok =
                (url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
                    && url.len() <= 500;
            if !ok {
                return Err(ApiError::invalid(
                    "cover_image_url",
                    "an http(s) URL or a path on this server",
                ));
            }
        }
        if self
            .points_rule
            .as_deref()
            .is_some_and(|r| r.is_empty() || r.len() > 100)
        {
            return Err(ApiError::invalid(
                "points_rule",
                "a rule reference has 1 to 100 characters",
            ));
        }
        if self.instructor_ids.len() > 20 {
            return Err(ApiError::invalid(
                "instructor_ids",
                "at most 20 instructors",
            ));
        }
        validate_form(&self.fields)
    }
}

/// A person named on an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

/// One approval step of the review chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewStep {
    pub organization_id: i64,
    pub organization_name: String,
    /// When that level approved (in this round of review).
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
}

/// A state change, as recorded on the activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    pub at: DateTime<Utc>,
    /// `submit`, `approve`, `reject`, `publish`, `cancel`, `amend`, `withdraw`.
    pub action: String,
    pub from_status: ActivityStatus,
    pub to_status: ActivityStatus,
    pub actor_name: String,
    pub organization_name: String,
    pub reason: Option<String>,
}

/// An activity in full: `GET /api/activities/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: i64,
    pub organizer: PersonRef,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub credit_level: CreditLevel,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub campus: String,
    pub capacity: Option<u32>,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub eligibility: Eligibility,
    pub instructors: Vec<PersonRef>,
    pub cover_image_url: Option<String>,
    pub points_rule: Option<String>,
    pub enrolment_mode: EnrolmentMode,
    pub fields: Vec<FormField>,
    /// Cancelling later than this many hours before the start counts as a no-show.
    pub cancel_cutoff_hours: u32,
    pub status: ActivityStatus,
    /// For published activities.
    pub phase: Option<Phase>,
    /// Confirmed places taken.
    pub confirmed: u32,
    pub waitlisted: u32,
    /// Sign-ups waiting for the organiser (review mode) or the draw (lottery).
    pub pending: u32,
    /// The approvals this activity needs, bottom-up, and who gave them.
    pub review: Vec<ReviewStep>,
    /// The organisation whose approval it waits for now.
    pub awaiting: Option<PersonRef>,
    pub lottery_seed: Option<String>,
    pub transitions: Vec<Transition>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The caller's own sign-up (students).
    pub my_registration: Option<RegistrationStatus>,
    /// Why the caller may not sign up (students; empty when eligible).
    pub ineligible: Vec<Ineligible>,
}

/// A list item: `GET /api/activities`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivitySummary {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub organizer: PersonRef,
    pub credit_level: CreditLevel,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub campus: String,
    pub capacity: Option<u32>,
    pub confirmed: u32,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub status: ActivityStatus,
    pub phase: Option<Phase>,
    pub points_rule: Option<String>,
    pub cover_image_url: Option<String>,
}

/// A review queue item: `GET /api/reviews`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewItem {
    pub activity: ActivitySummary,
    pub submitted_at: DateTime<Utc>,
    /// Seconds it has waited for this level.
    pub waiting_seconds: i64,
    /// Submitted more than an hour after it began: dated in the past, so it comes here even
    /// at the organiser's own level. Look at why before approving.
    #[serde(default)]
    pub past_dated: bool,
}

/// `POST /api/activities/{id}/approve` and `/reject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"reason": "时间与校运会冲突，请调整"})))]
pub struct ReviewDecision {
    /// Required to reject; optional note to approve.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
}

/// `POST /api/activities/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// Where a sign-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Waiting for the organiser (review mode) or the draw (lottery).
    Pending,
    Confirmed,
    /// Past capacity; promoted in order when a place frees up.
    Waitlisted,
    Rejected,
    /// Not drawn in the lottery.
    NotSelected,
    /// Withdrawn by the student.
    Cancelled,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Rejected => "rejected",
            RegistrationStatus::NotSelected => "not_selected",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(text: &str) -> Option<RegistrationStatus> {
        [
            RegistrationStatus::Pending,
            RegistrationStatus::Confirmed,
            RegistrationStatus::Waitlisted,
            RegistrationStatus::Rejected,
            RegistrationStatus::NotSelected,
            RegistrationStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "待审核",
            RegistrationStatus::Confirmed => "报名成功",
            RegistrationStatus::Waitlisted => "候补中",
            RegistrationStatus::Rejected => "未通过",
            RegistrationStatus::NotSelected => "未中签",
            RegistrationStatus::Cancelled => "已取消",
        }
    }
}

/// `POST /api/activities/{id}/registrations`: the student's answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"answers": {"language": "C++"}})))]
pub struct RegisterRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: Answers,
}

/// A sign-up: the student's own view and the organiser's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub student_id: i64,
    pub student_no: String,
    pub student_name: String,
    pub college_name: String,
    pub class_name: String,
    pub status: RegistrationStatus,
    /// 1-based place on the waitlist.
    pub waitlist_position: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: Answers,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub activity_starts_at: DateTime<Utc>,
    /// The student's no-shows this term (诚信记录): on the organiser's list only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_shows: Option<u32>,
    /// The organiser's approval of the student's absence (准假), with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excuse: Option<String>,
}

/// `POST /api/activities/{id}/lottery` answers the draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotteryResult {
    /// The recorded seed: rerunning the draw with it over the same applicants picks the same.
    pub seed: String,
    pub applicants: u32,
    pub selected: u32,
}

/// Draws `places` of `applicants` (registration ids in sign-up order), reproducibly from `seed`:
/// a Fisher–Yates shuffle driven by SplitMix64 over the seed's bytes.
pub fn draw_lottery(seed: &str, applicants: &[i64], places: usize) -> Vec<i64> {
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut pool = applicants.to_vec();
    for i in (1..pool.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        pool.swap(i, j);
    }
    pool.truncate(places);
    pool
}

/// An activity category (configurable by the school admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"code": "lecture", "name": "报告讲座", "name_en": "Lecture", "active": true}))
)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub active: bool,
    /// Working days after an activity's end within which its results must be recognised:
    /// 10 for competitions and volunteer service (the founding notice), set by the school for
    /// the others; `null` for none. Later is a back-fill the level above approves.
    #[serde(default)]
    pub recognition_working_days: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            kind,
            required,
            help: None,
            options: vec![],
            min: None,
            max: None,
        }
    }

    #[test]
    fn review_goes_up_to_the_claimed_level() {
        // A club under a college under the school.
        let ancestors = [(2, OrgKind::College), (1, OrgKind::School)];
        assert_eq!(
            review_chain(CreditLevel::Club, &ancestors),
            Vec::<i64>::new()
        );
        assert_eq!(review_chain(CreditLevel::College, &ancestors), vec![2]);
        // Dated in the past: even a club's club-level activity goes to its college.
        assert_eq!(
            submission_chain(CreditLevel::Club, &ancestors, true),
            vec![2]
        );
        assert!(submission_chain(CreditLevel::Club, &ancestors, false).is_empty());
        assert_eq!(
            submission_chain(CreditLevel::School, &ancestors, true),
            vec![2, 1],
            "a chain that exists is unchanged"
        );
        assert!(
            submission_chain(CreditLevel::School, &[], true).is_empty(),
            "the committee has none above"
        );
        let now = Utc::now();
        assert!(is_past_dated(now - chrono::Duration::days(90), now));
        assert!(!is_past_dated(now - chrono::Duration::minutes(59), now));
        assert!(!is_past_dated(now + chrono::Duration::days(3), now));
        assert_eq!(review_chain(CreditLevel::School, &ancestors), vec![2, 1]);
        // A college: only the school, and only for school level.
        assert_eq!(
            review_chain(CreditLevel::College, &[(1, OrgKind::School)]),
            Vec::<i64>::new()
        );
        assert_eq!(
            review_chain(CreditLevel::School, &[(1, OrgKind::School)]),
            vec![1]
        );
    }

    #[test]
    fn eligibility_lists_every_reason() {
        let rules = Eligibility {
            colleges: vec![2],
            enrolment_years: vec![2023, 2024],
            degrees: vec![Degree::Undergraduate],
        };
        let fits = StudentFacts {
            college_id: 2,
            enrolment_year: 2023,
            degree: Degree::Undergraduate,
        };
        assert!(rules.check(fits).is_empty());
        let misfit = StudentFacts {
            college_id: 3,
            enrolment_year: 2022,
            degree: Degree::Graduate,
        };
        assert_eq!(
            rules.check(misfit),
            vec![
                Ineligible::College,
                Ineligible::EnrolmentYear,
                Ineligible::Degree
            ]
        );
        assert!(
            Eligibility::default().check(misfit).is_empty(),
            "empty lists admit everyone"
        );
    }

    #[test]
    fn each_field_kind_validates_its_answers() {
        let mut size = field("size", FieldKind::SingleChoice, true);
        size.options = vec!["S".into(), "M".into()];
        let mut topics = field("topics", FieldKind::MultipleChoice, false);
        topics.options = vec!["AI".into(), "Web".into()];
        let mut age = field("age", FieldKind::Number, false);
        (age.min, age.max) = (Some(16.0), Some(40.0));
        let form = vec![
            field("name", FieldKind::Text, true),
            size,
            topics,
            age,
            field("phone", FieldKind::Phone, false),
            field("mail", FieldKind::Email, false),
            field("day", FieldKind::Date, false),
            field("note", FieldKind::LongText, false),
        ];
        validate_form(&form).unwrap();
        let good: Answers = serde_json::from_value(json!({
            "name": " 李明 ", "size": "M", "topics": ["AI", "AI", "Web"], "age": "20",
            "phone": "13800138000", "mail": "li@example.edu.cn", "day": "2026-12-01"
        }))
        .unwrap();
        let clean = validate_answers(&form, &good).unwrap();
        assert_eq!(clean["name"], "李明");
        assert_eq!(clean["topics"], json!(["AI", "Web"]));
        assert_eq!(clean["age"], json!(20.0));
        assert!(!clean.contains_key("note"));

        let bad = [
            (json!({"size": "M"}), "answers.name"),
            (json!({"name": "x", "size": "XXL"}), "answers.size"),
            (
                json!({"name": "x", "size": "S", "topics": ["Go"]}),
                "answers.topics",
            ),
            (json!({"name": "x", "size": "S", "age": 12}), "answers.age"),
            (
                json!({"name": "x", "size": "S", "phone": "123"}),
                "answers.phone",
            ),
            (
                json!({"name": "x", "size": "S", "mail": "nope"}),
                "answers.mail",
            ),
            (
                json!({"name": "x", "size": "S", "day": "2026-13-01"}),
                "answers.day",
            ),
            (
                json!({"name": "x", "size": "S", "extra": 1}),
                "answers.extra",
            ),
        ];
        for (answers, field_name) in bad {
            let answers: Answers = serde_json::from_value(answers).unwrap();
            let error = validate_answers(&form, &answers).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(field_name), "{error}");
        }
    }

    #[test]
    fn unsound_forms_are_refused() {
        let dup = vec![
            field("a", FieldKind::Text, false),
            field("a", FieldKind::Text, false),
        ];
        assert_eq!(
            validate_form(&dup).unwrap_err().field.as_deref(),
            Some("fields[1].key")
        );
        let no_options = vec![field("c", FieldKind::SingleChoice, false)];
        assert_eq!(
            validate_form(&no_options).unwrap_err().field.as_deref(),
            Some("fields[0].options")
        );
        let mut bounds = field("n", FieldKind::Number, false);
        (bounds.min, bounds.max) = (Some(5.0), Some(1.0));
        assert!(validate_form(&[bounds]).is_err());
    }

    #[test]
    fn the_lottery_is_reproducible_and_fair_in_size() {
        let applicants: Vec<i64> = (1..=100).collect();
        let a = draw_lottery("seed-1", &applicants, 30);
        assert_eq!(a, draw_lottery("seed-1", &applicants, 30));
        assert_ne!(a, draw_lottery("seed-2", &applicants, 30));
        assert_eq!(a.len(), 30);
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 30);
        assert_eq!(draw_lottery("s", &applicants[..5], 30).len(), 5);
    }

    #[test]
    fn phases_follow_the_clock() {
        let t = |h: i64| DateTime::<Utc>::from_timestamp(h * 3600, 0).unwrap();
        let at = |now| phase(t(now), t(10), t(20), t(30), t(40));
        assert_eq!(at(5), Phase::Upcoming);
        assert_eq!(at(10), Phase::RegistrationOpen);
        assert_eq!(at(25), Phase::RegistrationClosed);
        assert_eq!(at(35), Phase::InProgress);
        assert_eq!(at(40), Phase::Ended);
    }
}
