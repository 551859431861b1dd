//! Attendance and results: on-site QR check-in (and check-out), manual entry, make-up and
//! back-fill (补录) within working-day deadlines, and the recognised results (成绩认定).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ApiError;

/// Whether a code checks students in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    In,
    Out,
}

/// Working days after an activity's end within which a missed check-in may be made up by the
/// organiser alone.
pub const MAKEUP_WORKING_DAYS: u32 = 5;
/// Working days after the end within which competitions and volunteer service must be
/// recognised.
pub const RECOGNITION_WORKING_DAYS: u32 = 10;
/// Categories whose recognition deadline the founding notice fixes at
/// [`RECOGNITION_WORKING_DAYS`]; the school sets the others' (`Category::recognition_working_days`).
pub const CATEGORIES_WITH_DEADLINE: [&str; 2] = ["competition", "volunteer"];

/// The recognition deadline of `category` in working days: the notice's for competitions and
/// volunteer service whatever is stored, else what the school set (`None`: no deadline).
pub fn recognition_days(category: &str, set_by_school: Option<u32>) -> Option<u32> {
    if CATEGORIES_WITH_DEADLINE.contains(&category) {
        Some(RECOGNITION_WORKING_DAYS)
    } else {
        set_by_school
    }
}

/// `GET /api/activities/{id}/checkin-code`: what the organiser's screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinCode {
    pub kind: CodeKind,
    /// The signed, short-lived token.
    pub token: String,
    /// The URL the QR code encodes: the web app's scan page carrying the token.
    pub url: String,
    /// The QR code of `url` as an SVG document.
    pub svg: String,
    /// Milliseconds until the next code; fetch a new one then.
    pub refresh_in_ms: u64,
    pub checked_in: u32,
    pub checked_out: u32,
}

/// `POST /api/checkin`: what the scan page sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"token": "42.i.176437000.9f2c…", "device_id": "b0f6c1e2-…"})))]
pub struct CheckinRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub token: String,
    /// Required: a random id the web app keeps in the phone's storage (one phone, one
    /// student); 8–64 characters of letters, digits, `-` and `_`. Stored only as a hash.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9_-]{8,64}$")
    )]
    pub device_id: Option<String>,
    /// The receipt `POST /api/checkin/receipts` gave this phone for this code when the scan
    /// page opened: the code's age is then measured at that moment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub receipt: Option<String>,
    /// The pending scan `POST /api/checkin/pending` recorded for this phone and code while
    /// signed out: redeemed once, the code counted as scanned when it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub pending: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub latitude: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub longitude: Option<f64>,
}

/// `POST /api/checkin/receipts`: the scan page, as soon as it opens (no sign-in needed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub token: String,
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9_-]{8,64}$")
    )]
    pub device_id: Option<String>,
}

/// A signed note that this phone opened this code at `received_at`; send it with the check-in
/// within 15 minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanReceipt {
    pub receipt: String,
    pub received_at: DateTime<Utc>,
}

/// How long a pending scan waits for its student to sign in.
pub const PENDING_SCAN_MINUTES: i64 = 3;

/// A scan recorded while signed out (`POST /api/checkin/pending`): `pending` is this browser's
/// alone (only its hash is stored); send it with the check-in once signed in, before
/// `expires_at`, from the same phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"pending": "q3J0…", "activity_id": 42, "activity_title": "社区志愿服务", "scanned_at": "2026-11-28T06:02:00Z", "expires_at": "2026-11-28T06:05:00Z"})))]
pub struct PendingScan {
    pub pending: String,
    pub activity_id: i64,
    /// For the sign-in page: 为签到登录 · <title>.
    pub activity_title: String,
    pub scanned_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The one-line answer of the scan page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinResult {
    pub activity_id: i64,
    pub activity_title: String,
    pub kind: CodeKind,
    pub at: DateTime<Utc>,
    /// Whether the student had a confirmed place (an unregistered check-in still counts, and
    /// the organiser sees it).
    pub registered: bool,
}

/// `PUT /api/activities/{id}/checkin-settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinSettings {
    /// Codes are accepted from (default: 30 minutes before the start)…
    pub opens_at: DateTime<Utc>,
    /// …until (default: the end).
    pub closes_at: DateTime<Utc>,
    /// Take check-out too (for activities that count hours).
    pub checkout_enabled: bool,
    /// The place, as a signal: check-ins farther than `radius_m` are flagged, not refused.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub radius_m: Option<u32>,
    /// Seconds each code is on screen, 5–30 (default 10).
    #[serde(default = "default_code_secs")]
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 30, default = 10))]
    pub step_secs: u32,
    /// Seconds a replaced code is still accepted, 5–30 (default 10).
    #[serde(default = "default_code_secs")]
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 30, default = 10))]
    pub grace_secs: u32,
    /// Students scan the code the organiser's screen shows (default on).
    #[serde(default = "yes")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub projected_code: bool,
    /// The organiser's phone scans each student's personal code (default on).
    #[serde(default = "yes")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub personal_code: bool,
}

fn default_code_secs() -> u32 {
    10
}

fn yes() -> bool {
    true
}

impl CheckinSettings {
    /// The code timing these settings give.
    pub fn timing(&self) -> crate::checkin::CodeTiming {
        crate::checkin::CodeTiming {
            step_secs: self.step_secs,
            grace_secs: self.grace_secs,
        }
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        self.timing().validate()?;
        if self.closes_at <= self.opens_at {
            return Err(ApiError::invalid(
                "closes_at",
                "check-in must close after it opens",
            ));
        }
        if !self.projected_code && !self.personal_code {
            return Err(ApiError::invalid(
                "personal_code",
                "take at least one kind of code: the projected one or personal ones",
            ));
        }
        match (self.latitude, self.longitude, self.radius_m) {
            (None, None, None) => Ok(()),
            (Some(lat), Some(lng), Some(radius)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(ApiError::invalid("latitude", "between -90 and 90"));
                }
                if !(-180.0..=180.0).contains(&lng) {
                    return Err(ApiError::invalid("longitude", "between -180 and 180"));
                }
                if !(10..=100_000).contains(&radius) {
                    return Err(ApiError::invalid(
                        "radius_m",
                        "between 10 and 100000 metres",
                    ));
                }
                Ok(())
            }
            _ => Err(ApiError::invalid(
                "radius_m",
                "give latitude, longitude and radius together, or none",
            )),
        }
    }
}

/// How an attendance record came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceMethod {
    /// Scanned on site.
    Qr,
    /// Entered by the organiser during the activity (a student without a phone).
    Manual,
    /// Made up by the organiser within 5 working days after the end.
    Makeup,
    /// Back-filled (补录) later, with the approval of the level above.
    Backfill,
    /// The organiser's phone scanned the student's personal code ([`crate::pass`]).
    Pass,
}

impl AttendanceMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceMethod::Qr => "qr",
            AttendanceMethod::Manual => "manual",
            AttendanceMethod::Makeup => "makeup",
            AttendanceMethod::Backfill => "backfill",
            AttendanceMethod::Pass => "pass",
        }
    }
    pub fn parse(text: &str) -> Option<AttendanceMethod> {
        [
            AttendanceMethod::Qr,
            AttendanceMethod::Manual,
            AttendanceMethod::Makeup,
            AttendanceMethod::Backfill,
            AttendanceMethod::Pass,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

/// One student's attendance: `GET /api/activities/{id}/attendance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceRecord {
    pub student_id: i64,
    pub student_no: String,
    pub student_name: String,
    pub checked_in_at: DateTime<Utc>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub method: AttendanceMethod,
    pub registered: bool,
    pub reason: Option<String>,
    pub recorded_by: Option<String>,
}

/// `POST /api/activities/{id}/attendance`: the organiser records a student by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"student_no": "2023010101", "reason": "手机没电，现场签到表为证"})))]
pub struct ManualAttendance {
    pub student_no: String,
    /// Required for a make-up after the activity ended.
    pub reason: Option<String>,
}

/// One kind of suspicious pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A phone tried to check in more than one student.
    SharedDevice,
    /// Many check-ins from one network address within the school's sliding window (trusted
    /// campus networks excepted).
    Burst,
    /// Many scans, accepted or refused, from one phone within the window.
    DeviceBurst,
    /// A student's refused scans (expired, forged, closed, no phone id, not a student), with
    /// counts per reason.
    Refused,
    /// One code presented after it was replaced by several phones: a photo or video relayed.
    RelayedCode,
    /// Scanned with a code that had been on screen for a while (relayed by photo or video).
    LateScan,
    /// Checked in without a confirmed place.
    Unregistered,
    /// Farther from the place than the radius.
    FarAway,
    /// Checked in by personal code from a phone that replaced another this term.
    DeviceChanged,
}

/// `GET /api/activities/{id}/attendance/anomalies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub at: DateTime<Utc>,
    /// The students involved (numbers).
    pub students: Vec<String>,
    pub detail: String,
}

/// `POST /api/activities/{id}/attendance-requests`: make-up past the window, or back-fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"student_no": "2023010101", "reason": "系统故障未能签到", "evidence": "现场签到表第3页"})))]
pub struct NewAttendanceRequest {
    pub student_no: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
    /// What proves it (a reference to the paper sign-in sheet, a photo's location …).
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub evidence: Option<String>,
}

impl NewAttendanceRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(1..=500).contains(&self.reason.trim().chars().count()) {
            return Err(ApiError::invalid(
                "reason",
                "give a reason of at most 500 characters",
            ));
        }
        if self
            .evidence
            .as_ref()
            .is_some_and(|e| e.chars().count() > 2000)
        {
            return Err(ApiError::invalid("evidence", "at most 2000 characters"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

/// A back-fill request: `GET /api/attendance-requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceRequest {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub student_no: String,
    pub student_name: String,
    pub reason: String,
    pub evidence: Option<String>,
    pub status: RequestStatus,
    pub approver_organization: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

/// The role of a participant, for team factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// Team leader (队长 / 负责人).
    Leader,
    /// Team member.
    Member,
    /// An individual participant.
    Participant,
}

/// A competition award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Award {
    Participation,
    Honourable,
    Third,
    Second,
    First,
}

/// The level of a competition's award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AwardLevel {
    College,
    School,
    Province,
    National,
}

macro_rules! wire_names {
    ($ty:ty { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),* }
            }
            pub fn parse(text: &str) -> Option<$ty> {
                match text.trim() { $($name => Some(<$ty>::$variant),)* _ => None }
            }
        }
    };
}
impl ParticipantRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            ParticipantRole::Leader => "负责人",
            ParticipantRole::Member => "队员",
            ParticipantRole::Participant => "个人",
        }
    }
}

impl Award {
    pub fn label_zh(self) -> &'static str {
        match self {
            Award::First => "一等奖",
            Award::Second => "二等奖",
            Award::Third => "三等奖",
            Award::Honourable => "优秀奖",
            Award::Participation => "参与",
        }
    }
}

impl AwardLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            AwardLevel::College => "院级",
            AwardLevel::School => "校级",
            AwardLevel::Province => "省级",
            AwardLevel::National => "国家级",
        }
    }
}

wire_names!(ParticipantRole { Leader => "leader", Member => "member", Participant => "participant" });
wire_names!(Award { Participation => "participation", Honourable => "honourable", Third => "third", Second => "second", First => "first" });
wire_names!(AwardLevel { College => "college", School => "school", Province => "province", National => "national" });

/// One participant's recognised result: a row of `PUT /api/activities/{id}/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"student_no": "2023010101", "attended": true, "hours": 4, "role": "leader", "award": "second", "award_level": "school"}))
)]
pub struct ResultInput {
    pub student_no: String,
    pub attended: bool,
    /// Hours to count (volunteer service, practice); default: check-in to check-out.
    pub hours: Option<f64>,
    pub role: Option<ParticipantRole>,
    pub award: Option<Award>,
    pub award_level: Option<AwardLevel>,
    pub note: Option<String>,
    /// Rows sharing this key with other results of the student (e.g. one competition's
    /// college, provincial and national rounds) count once, at the highest.
    #[serde(default)]
    pub achievement: Option<String>,
    /// For a student who neither signed up nor checked in: why they are recognised all the same
    /// (补录). Such a row makes the finalisation a back-fill, approved by the level above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub backfill_reason: Option<String>,
}

impl ResultInput {
    /// The row's own rules, reported on `results[index].<field>`.
    pub fn validate(&self, index: usize) -> Result<(), ApiError> {
        let at = |field: &str| format!("results[{index}].{field}");
        if self.student_no.trim().is_empty() {
            return Err(ApiError::invalid(
                at("student_no"),
                "a student number is required",
            ));
        }
        if let Some(hours) = self.hours {
            if !hours.is_finite() || !(0.0..=2000.0).contains(&hours) {
                return Err(ApiError::invalid(at("hours"), "hours between 0 and 2000"));
            }
            if (hours * 100.0).fract() != 0.0 {
                return Err(ApiError::invalid(at("hours"), "at most two decimals"));
            }
        }
        if self.award.is_some() != self.award_level.is_some() {
            return Err(ApiError::invalid(
                at("award_level"),
                "an award needs its level, and a level its award",
            ));
        }
        if !self.attended && (self.award.is_some() || self.hours.is_some_and(|h| h > 0.0)) {
            return Err(ApiError::invalid(
                at("attended"),
                "an absent participant has no hours or award",
            ));
        }
        if self.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
            return Err(ApiError::invalid(at("note"), "at most 500 characters"));
        }
        if self
            .achievement
            .as_ref()
            .is_some_and(|a| a.chars().count() > 100)
        {
            return Err(ApiError::invalid(
                at("achievement"),
                "at most 100 characters",
            ));
        }
        if let Some(reason) = &self.backfill_reason
            && !(1..=500).contains(&reason.trim().chars().count())
        {
            return Err(ApiError::invalid(
                at("backfill_reason"),
                "a back-fill reason has 1 to 500 characters",
            ));
        }
        Ok(())
    }
}

/// A recognised result as stored: `GET /api/activities/{id}/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultRecord {
    pub student_id: i64,
    pub student_no: String,
    pub student_name: String,
    pub attended: bool,
    pub hours: Option<f64>,
    pub role: Option<ParticipantRole>,
    pub award: Option<Award>,
    pub award_level: Option<AwardLevel>,
    pub note: Option<String>,
    pub achievement: Option<String>,
    pub backfilled: bool,
    /// Why a student without sign-up or check-in is recognised (a back-fill row).
    pub backfill_reason: Option<String>,
    pub recognized_by: String,
    pub recognized_at: DateTime<Utc>,
}

/// One row of a results upload, as judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadRow {
    /// Line in the file (the header is line 1).
    pub line: u32,
    pub student_no: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::people::RowError>,
}

/// `POST /api/activities/{id}/results/upload`: the per-row report; `applied` only when every
/// row is good (a bad file changes nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadReport {
    pub applied: bool,
    pub accepted: u32,
    pub rejected: u32,
    pub rows: Vec<UploadRow>,
}

/// The working-day deadlines of an activity: `GET /api/activities/{id}/deadlines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadlines {
    /// The activity's last day (Asia/Shanghai).
    pub ends_on: NaiveDate,
    /// Last day the organiser may make up a check-in alone (5 working days).
    pub makeup_until: NaiveDate,
    /// Last day to recognise the results (10 working days; competitions and volunteer service).
    pub recognition_due: Option<NaiveDate>,
    /// Working days left until `recognition_due` (negative: overdue).
    pub recognition_days_left: Option<i64>,
    pub recognized_at: Option<DateTime<Utc>>,
}

/// An activity whose results are late: `GET /api/recognition/overdue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverdueActivity {
    pub activity_id: i64,
    pub title: String,
    pub category: String,
    pub organizer_id: i64,
    pub organizer_name: String,
    pub ended_on: NaiveDate,
    pub due: NaiveDate,
    /// Working days past due.
    pub working_days_overdue: i64,
    /// The organiser asked the level above to approve a late recognition; it stays here until
    /// approved.
    pub awaiting_approval: bool,
}

/// Why a finalisation is a back-fill (补录) that the level above must approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecognitionGround {
    /// After the recognition deadline (10 working days for competitions and volunteer service).
    Late,
    /// The points would go into a term that has ended.
    EndedTerm,
    /// Some rows name students who neither signed up nor checked in.
    NonParticipants,
}

impl RecognitionGround {
    pub fn as_str(self) -> &'static str {
        match self {
            RecognitionGround::Late => "late",
            RecognitionGround::EndedTerm => "ended_term",
            RecognitionGround::NonParticipants => "non_participants",
        }
    }
    pub fn parse(text: &str) -> Option<RecognitionGround> {
        [
            RecognitionGround::Late,
            RecognitionGround::EndedTerm,
            RecognitionGround::NonParticipants,
        ]
        .into_iter()
        .find(|g| g.as_str() == text)
    }
}

/// Why finalising on `today` is a back-fill: past the recognition deadline `due` (if the
/// category has one), into a term that ended on `term_ends_on`, or with rows for students who
/// did not take part.
pub fn recognition_grounds(
    today: NaiveDate,
    due: Option<NaiveDate>,
    term_ends_on: NaiveDate,
    non_participants: bool,
) -> Vec<RecognitionGround> {
    let mut grounds = Vec::new();
    if due.is_some_and(|due| today > due) {
        grounds.push(RecognitionGround::Late);
    }
    if today > term_ends_on {
        grounds.push(RecognitionGround::EndedTerm);
    }
    if non_participants {
        grounds.push(RecognitionGround::NonParticipants);
    }
    grounds
}

/// `POST /api/activities/{id}/results/finalize`: the reason is required when the finalisation
/// is a back-fill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"reason": "获奖名单由主办方于12月初才公布"})))]
pub struct FinalizeRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
}

/// Where a recognition back-fill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecognitionRequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RecognitionRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecognitionRequestStatus::Pending => "pending",
            RecognitionRequestStatus::Approved => "approved",
            RecognitionRequestStatus::Rejected => "rejected",
        }
    }
    pub fn parse(text: &str) -> Option<RecognitionRequestStatus> {
        [
            RecognitionRequestStatus::Pending,
            RecognitionRequestStatus::Approved,
            RecognitionRequestStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A finalisation that is a back-fill, waiting for (or decided by) the level above:
/// `GET /api/recognition-requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecognitionRequest {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub category: String,
    pub organizer_id: i64,
    pub organizer_name: String,
    pub ended_on: NaiveDate,
    pub grounds: Vec<RecognitionGround>,
    pub reason: String,
    /// How many result rows it would recognise, and how many name non-participants.
    pub rows: u32,
    pub non_participant_rows: u32,
    pub status: RecognitionRequestStatus,
    pub approver_org_id: i64,
    pub approver_org_name: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

/// The distance between two points on Earth, in metres (haversine).
pub fn distance_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let (dphi, dlambda) = ((lat2 - lat1).to_radians(), (lng2 - lng1).to_radians());
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    6_371_000.0 * 2.0 * a.sqrt().atan2((1.0 - a).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_or_ended_term_or_non_participant_finalisation_is_a_back_fill() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let term_end = NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
        assert!(recognition_grounds(d(12, 3), Some(d(12, 4)), term_end, false).is_empty());
        assert_eq!(
            recognition_grounds(d(12, 5), Some(d(12, 4)), term_end, false),
            [RecognitionGround::Late]
        );
        assert!(
            recognition_grounds(d(12, 5), None, term_end, false).is_empty(),
            "no deadline for the category"
        );
        let d27 = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        assert_eq!(
            recognition_grounds(d27(2, 1), None, d27(1, 20), true),
            [
                RecognitionGround::EndedTerm,
                RecognitionGround::NonParticipants
            ]
        );
    }

    #[test]
    fn result_rows_are_checked() {
        let row = ResultInput {
            student_no: "2023010101".into(),
            attended: true,
            hours: Some(4.5),
            role: Some(ParticipantRole::Leader),
            award: Some(Award::Second),
            award_level: Some(AwardLevel::School),
            note: None,
            achievement: None,
            backfill_reason: None,
        };
        row.validate(0).unwrap();
        let broken = [
            (
                ResultInput {
                    hours: Some(-1.0),
                    ..row.clone()
                },
                "results[3].hours",
            ),
            (
                ResultInput {
                    hours: Some(1.234),
                    ..row.clone()
                },
                "results[3].hours",
            ),
            (
                ResultInput {
                    award_level: None,
                    ..row.clone()
                },
                "results[3].award_level",
            ),
            (
                ResultInput {
                    attended: false,
                    ..row.clone()
                },
                "results[3].attended",
            ),
        ];
        for (input, field) in broken {
            assert_eq!(input.validate(3).unwrap_err().field.as_deref(), Some(field));
        }
    }

    #[test]
    fn distances() {
        // Tiananmen to the Forbidden City's north gate: about 1.7 km.
        let d = distance_m(39.9087, 116.3975, 39.9235, 116.3972);
        assert!((1500.0..1800.0).contains(&d), "{d}");
        assert!(distance_m(30.0, 120.0, 30.0, 120.0) < 1e-6);
    }

    #[test]
    fn settings_need_all_of_the_location_or_none() {
        let base = CheckinSettings {
            opens_at: DateTime::from_timestamp(0, 0).unwrap(),
            closes_at: DateTime::from_timestamp(3600, 0).unwrap(),
            checkout_enabled: false,
            latitude: None,
            longitude: None,
            radius_m: None,
            step_secs: 10,
            grace_secs: 10,
            projected_code: true,
            personal_code: true,
        };
        base.validate().unwrap();
        let fast = CheckinSettings {
            step_secs: 3,
            ..base.clone()
        };
        assert_eq!(
            fast.validate().unwrap_err().field.as_deref(),
            Some("step_secs")
        );
        let partial = CheckinSettings {
            latitude: Some(30.0),
            ..base.clone()
        };
        assert_eq!(
            partial.validate().unwrap_err().field.as_deref(),
            Some("radius_m")
        );
        let backwards = CheckinSettings {
            closes_at: base.opens_at,
            ..base
        };
        assert_eq!(
            backwards.validate().unwrap_err().field.as_deref(),
            Some("closes_at")
        );
    }
}
