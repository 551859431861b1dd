//! Personal check-in codes (个人签到码): the reverse of the projected code. Each student's phone
//! shows a QR that changes every [`STEP_SECS`] seconds, an Ed25519 signature over (key, time
//! step) made with a key that never leaves the phone; the organiser's phone scans it, verifies it
//! against the roster it downloaded (offline if need be) and queues the scan; the server checks
//! it again when the queue syncs. A screenshot is worthless [`TOLERANCE_SECS`] after it was
//! taken, and the key is bound to one signed-in phone: signing in elsewhere replaces it.
//!
//! Everything here is pure and compiles for both sides: the phone signs and the scanner verifies
//! with exactly the functions the server uses.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ApiError;

/// Seconds each personal code is shown.
pub const STEP_SECS: i64 = 5;
/// A code is accepted for a scan recorded at most this many seconds before or after the code's
/// step (phones' clocks differ a little; the app corrects them by the server's clock when it is
/// online).
pub const TOLERANCE_SECS: i64 = 20;
/// Scans recorded this long before the check-in window opens or after it closes still count (a
/// scanner phone's clock a little off).
pub const WINDOW_TOLERANCE_SECS: i64 = 120;
/// At most this many scans per sync request.
pub const MAX_BATCH: usize = 1000;
/// What starts every personal code (version 1).
pub const PREFIX: &str = "SCP1";
/// The school's device changes per term unless it sets its own.
pub const DEFAULT_DEVICE_CHANGES: u32 = 3;

/// The time step a moment falls in.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECS)
}

/// When a step began.
pub fn step_start(step: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(step.saturating_mul(STEP_SECS), 0).unwrap_or_default()
}

/// The signed message: a domain label, the key id and the step.
fn message(key_id: i64, step: i64) -> [u8; 32] {
    let mut m = [0u8; 32];
    m[..16].copy_from_slice(b"scs-pass-v1\0\0\0\0\0");
    m[16..24].copy_from_slice(&key_id.to_be_bytes());
    m[24..].copy_from_slice(&step.to_be_bytes());
    m
}

/// A personal code: `SCP1:<key id>:<step>:<signature in base32>`, all in the QR alphanumeric
/// set so the QR stays small (version 6 at level M).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub key_id: i64,
    pub step: i64,
    pub signature: [u8; 64],
}

impl Code {
    /// Signs the code for `at` with the phone's secret seed.
    pub fn sign(seed: &[u8; 32], key_id: i64, at: DateTime<Utc>) -> Code {
        let step = step_at(at);
        let signature = SigningKey::from_bytes(seed).sign(&message(key_id, step));
        Code {
            key_id,
            step,
            signature: signature.to_bytes(),
        }
    }

    pub fn parse(text: &str) -> Option<Code> {
        let mut parts = text.trim().split(':');
        if parts.next()? != PREFIX {
            return None;
        }
        let key_id: i64 = parts.next()?.parse().ok().filter(|k| *k > 0)?;
        let step: i64 = parts.next()?.parse().ok().filter(|s| *s > 0)?;
        let signature: [u8; 64] = base32_decode(parts.next()?)?.try_into().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Code {
            key_id,
            step,
            signature,
        })
    }

    pub fn text(&self) -> String {
        format!(
            "{PREFIX}:{}:{}:{}",
            self.key_id,
            self.step,
            base32_encode(&self.signature)
        )
    }

    /// When the code appeared on the student's phone.
    pub fn shown_at(&self) -> DateTime<Utc> {
        step_start(self.step)
    }

    /// Whether the signature is the key's.
    pub fn is_signed_by(&self, public_key: &[u8; 32]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(public_key) else {
            return false;
        };
        key.verify(
            &message(self.key_id, self.step),
            &Signature::from_bytes(&self.signature),
        )
        .is_ok()
    }

    /// Whether a scan recorded at `scanned_at` may present this code: its step lies within
    /// [`TOLERANCE_SECS`] of the scan.
    pub fn fresh_at(&self, scanned_at: DateTime<Utc>) -> bool {
        let shown = self.step.saturating_mul(STEP_SECS);
        let at = scanned_at.timestamp();
        at >= shown.saturating_sub(TOLERANCE_SECS)
            && at < shown.saturating_add(STEP_SECS + TOLERANCE_SECS)
    }
}

/// The public key of a secret seed.
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// Whether 32 bytes are a usable Ed25519 public key.
pub fn is_public_key(bytes: &[u8; 32]) -> bool {
    VerifyingKey::from_bytes(bytes).is_ok_and(|k| !k.is_weak())
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, no padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 bytes from 64 hex digits.
pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// `PUT /api/me/checkin-key`: the phone registers the public half of the key it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "device_id": "7f3c9a2e-1b4d-4e8f-9a6b-2c1d3e4f5a6b",
    "public_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"})))]
pub struct RegisterKey {
    /// The phone's id (the one it sends with scans), 8–64 of `A-Z a-z 0-9 - _`.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9_-]{8,64}$")
    )]
    pub device_id: String,
    /// The Ed25519 public key, 64 hex digits. The secret half stays on the phone.
    pub public_key: String,
}

impl RegisterKey {
    /// The public key's bytes, or 422 naming the field.
    pub fn key(&self) -> Result<[u8; 32], ApiError> {
        unhex32(&self.public_key)
            .filter(is_public_key)
            .ok_or_else(|| {
                ApiError::invalid("public_key", "an Ed25519 public key in 64 hex digits")
            })
    }
}

/// A student's check-in key: `PUT/GET /api/me/checkin-key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinKey {
    /// The key's id, carried in every code.
    pub key_id: i64,
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    /// The phone changes this term (a new phone replacing another's key), this one included.
    pub device_changes: u32,
    /// How many the school allows per term.
    pub device_change_limit: u32,
    /// Seconds each code is shown ([`STEP_SECS`]).
    pub step_secs: u32,
    /// The server's clock when it answered, for the phone to correct its own.
    pub server_time: DateTime<Utc>,
}

/// The check-in modes an activity takes: `CheckinSettings.projected_code` and
/// `personal_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckinMode {
    /// The organiser's screen shows a code the students scan.
    Projected,
    /// The organiser scans each student's personal code.
    Personal,
}

/// One key of a student in the scanner's roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterKey {
    pub key_id: i64,
    /// 64 hex digits.
    pub public_key: String,
    pub valid_from: DateTime<Utc>,
    /// When it was replaced or its session ended; codes from before still count.
    pub valid_until: Option<DateTime<Utc>>,
}

/// One registered student in the scanner's roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterStudent {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    /// College and class, for the organiser's glance.
    pub college: Option<String>,
    pub class_name: Option<String>,
    pub keys: Vec<RosterKey>,
    /// Already checked in (by any method) when the roster was made.
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// `GET /api/activities/{id}/scanner`: what the organiser's phone keeps to scan offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScannerPack {
    pub activity_id: i64,
    pub title: String,
    pub place: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The check-in window; scans recorded up to [`WINDOW_TOLERANCE_SECS`] outside it count.
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Whether the activity takes personal codes (the organiser's choice).
    pub personal_code: bool,
    pub step_secs: u32,
    pub tolerance_secs: u32,
    pub window_tolerance_secs: u32,
    /// The server's clock when the roster was made.
    pub server_time: DateTime<Utc>,
    /// The students with a confirmed place, by number.
    pub students: Vec<RosterStudent>,
}

/// One scan the organiser's phone queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuedScan {
    /// Made by the phone when it scanned: a scan sent again (a retry) counts once.
    pub id: Uuid,
    /// The personal code read (`SCP1:…`); or…
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub code: Option<String>,
    /// …a student number entered by hand (a student without a phone).
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub student_no: Option<String>,
    /// When the phone scanned, by its clock (corrected by the server's when it could be).
    pub scanned_at: DateTime<Utc>,
}

/// `POST /api/activities/{id}/scans`: a scanner's queue, sent when the network allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanBatch {
    /// The scanner phone's id, 8–64 of `A-Z a-z 0-9 - _`.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9_-]{8,64}$")
    )]
    pub device_id: String,
    /// 1–1000 scans.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
    pub scans: Vec<QueuedScan>,
}

impl ScanBatch {
    pub fn validate(&self) -> Result<(), ApiError> {
        crate::checkin::device_id(Some(&self.device_id))?;
        if self.scans.is_empty() || self.scans.len() > MAX_BATCH {
            return Err(ApiError::invalid("scans", "send 1 to 1000 scans"));
        }
        for (i, scan) in self.scans.iter().enumerate() {
            match (&scan.code, &scan.student_no) {
                (Some(code), None) if code.len() <= 200 => {}
                (None, Some(no)) if !no.trim().is_empty() && no.len() <= 64 => {}
                _ => {
                    return Err(ApiError::invalid(
                        format!("scans[{i}]"),
                        "each scan carries either a code (≤ 200 characters) or a student number",
                    ));
                }
            }
            if !(2000..=2100).contains(&chrono::Datelike::year(&scan.scanned_at)) {
                return Err(ApiError::invalid(
                    format!("scans[{i}].scanned_at"),
                    "a time between the years 2000 and 2100",
                ));
            }
        }
        Ok(())
    }
}

/// What became of one scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    /// Checked in.
    Accepted,
    /// The student was already checked in.
    Duplicate,
    /// A genuine code (or number) of a student without a confirmed place.
    NotRegistered,
    /// Recorded outside the check-in window (with its tolerance), or the activity is not open.
    OutOfWindow,
    /// Not a personal code, or a signature that is not the key's.
    InvalidCode,
    /// The code was not the one on the student's phone at the recorded time (a screenshot).
    ExpiredCode,
    /// The key had been replaced (another phone) or signed out before the scan.
    RevokedKey,
    /// The student's phone already checked in another student here.
    DeviceUsed,
    /// No student has this number.
    UnknownStudent,
    /// The activity takes no personal codes.
    ModeOff,
}

impl ScanOutcome {
    pub const ALL: [ScanOutcome; 10] = [
        ScanOutcome::Accepted,
        ScanOutcome::Duplicate,
        ScanOutcome::NotRegistered,
        ScanOutcome::OutOfWindow,
        ScanOutcome::InvalidCode,
        ScanOutcome::ExpiredCode,
        ScanOutcome::RevokedKey,
        ScanOutcome::DeviceUsed,
        ScanOutcome::UnknownStudent,
        ScanOutcome::ModeOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Accepted => "accepted",
            ScanOutcome::Duplicate => "duplicate",
            ScanOutcome::NotRegistered => "not_registered",
            ScanOutcome::OutOfWindow => "out_of_window",
            ScanOutcome::InvalidCode => "invalid_code",
            ScanOutcome::ExpiredCode => "expired_code",
            ScanOutcome::RevokedKey => "revoked_key",
            ScanOutcome::DeviceUsed => "device_used",
            ScanOutcome::UnknownStudent => "unknown_student",
            ScanOutcome::ModeOff => "mode_off",
        }
    }

    pub fn parse(text: &str) -> Option<ScanOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// Whether the scan leaves the student checked in.
    pub fn is_in(self) -> bool {
        matches!(self, ScanOutcome::Accepted | ScanOutcome::Duplicate)
    }
}

/// The result of one scan after a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanResult {
    pub id: Uuid,
    pub outcome: ScanOutcome,
    pub student_no: Option<String>,
    pub student_name: Option<String>,
    pub scanned_at: DateTime<Utc>,
}

/// `POST /api/activities/{id}/scans`: each scan's result, in the order sent, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanSync {
    pub results: Vec<ScanResult>,
    /// Scans of this batch that checked a student in (a scan sent again counts once).
    pub accepted: u32,
    /// The activity's check-ins now, by every method.
    pub checked_in: u32,
}

/// What a scanner decides about a scan against its roster, before the server has its say: the
/// outcome and the roster entry of the student. The server applies the same rules and the
/// facts only it knows (keys replaced since the roster was made, phones used twice, numbers of
/// students without a place).
pub fn judge<'a>(
    pack: &'a ScannerPack,
    scan: &QueuedScan,
    already_in: impl Fn(i64) -> bool,
) -> (ScanOutcome, Option<&'a RosterStudent>) {
    if !pack.personal_code && scan.code.is_some() {
        return (ScanOutcome::ModeOff, None);
    }
    let tolerance = chrono::Duration::seconds(WINDOW_TOLERANCE_SECS);
    let in_window = scan.scanned_at >= pack.opens_at - tolerance
        && scan.scanned_at < pack.closes_at + tolerance;
    let student = match (&scan.code, &scan.student_no) {
        (Some(text), _) => {
            let Some(code) = Code::parse(text) else {
                return (ScanOutcome::InvalidCode, None);
            };
            let found = pack.students.iter().find_map(|s| {
                s.keys
                    .iter()
                    .find(|k| k.key_id == code.key_id)
                    .map(|k| (s, k))
            });
            let Some((student, key)) = found else {
                // Not in the roster: a student without a place, or a key newer than the roster.
                return (ScanOutcome::NotRegistered, None);
            };
            let signed = unhex32(&key.public_key).is_some_and(|k| code.is_signed_by(&k));
            if !signed {
                return (ScanOutcome::InvalidCode, Some(student));
            }
            if !code.fresh_at(scan.scanned_at) {
                return (ScanOutcome::ExpiredCode, Some(student));
            }
            if key
                .valid_until
                .is_some_and(|until| scan.scanned_at >= until)
            {
                return (ScanOutcome::RevokedKey, Some(student));
            }
            student
        }
        (None, Some(no)) => {
            let no = no.trim();
            match pack
                .students
                .iter()
                .find(|s| s.student_no.eq_ignore_ascii_case(no))
            {
                Some(student) => student,
                None => return (ScanOutcome::NotRegistered, None),
            }
        }
        (None, None) => return (ScanOutcome::InvalidCode, None),
    };
    if !in_window {
        return (ScanOutcome::OutOfWindow, Some(student));
    }
    if already_in(student.student_id) {
        return (ScanOutcome::Duplicate, Some(student));
    }
    (ScanOutcome::Accepted, Some(student))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn codes_round_trip_and_verify() {
        let seed = [7u8; 32];
        let key = public_key(&seed);
        let code = Code::sign(&seed, 42, at(1_800_000_003));
        assert_eq!(code.step, 360_000_000);
        let text = code.text();
        assert!(text.starts_with("SCP1:42:360000000:"));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b':')
        );
        let parsed = Code::parse(&text).unwrap();
        assert_eq!(parsed, code);
        assert!(parsed.is_signed_by(&key));
        // Another key's, another key id, another step: refused.
        assert!(!parsed.is_signed_by(&public_key(&[8u8; 32])));
        let mut other = parsed.clone();
        other.key_id = 43;
        assert!(!other.is_signed_by(&key));
        other = parsed.clone();
        other.step += 1;
        assert!(!other.is_signed_by(&key));
        assert!(Code::parse("SCP1:42:1:AAAA").is_none());
        assert!(Code::parse("SCP2:42:360000000:AAAA").is_none());
    }

    #[test]
    fn freshness_is_the_tolerance_around_the_step() {
        let code = Code::sign(&[1u8; 32], 1, at(1_000_000_000));
        let shown = code.shown_at().timestamp();
        assert!(code.fresh_at(at(shown)));
        assert!(code.fresh_at(at(shown - TOLERANCE_SECS)));
        assert!(!code.fresh_at(at(shown - TOLERANCE_SECS - 1)));
        assert!(code.fresh_at(at(shown + STEP_SECS + TOLERANCE_SECS - 1)));
        assert!(!code.fresh_at(at(shown + STEP_SECS + TOLERANCE_SECS)));
    }

    #[test]
    fn base32_and_hex_round_trip() {
        for n in 0..70 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        }
        let key = public_key(&[3u8; 32]);
        assert_eq!(unhex32(&hex(&key)), Some(key));
        assert!(unhex32("zz").is_none());
    }

    #[test]
    fn the_scanner_judges_as_the_rules_say() {
        let seed = [9u8; 32];
        let now = at(1_900_000_000);
        let pack = ScannerPack {
            activity_id: 1,
            title: "讲座".into(),
            place: None,
            starts_at: now,
            ends_at: now + chrono::Duration::hours(2),
            opens_at: now - chrono::Duration::minutes(30),
            closes_at: now + chrono::Duration::hours(2),
            personal_code: true,
            step_secs: STEP_SECS as u32,
            tolerance_secs: TOLERANCE_SECS as u32,
            window_tolerance_secs: WINDOW_TOLERANCE_SECS as u32,
            server_time: now,
            students: vec![RosterStudent {
                student_id: 5,
                student_no: "2023001".into(),
                name: "李华".into(),
                college: None,
                class_name: None,
                keys: vec![RosterKey {
                    key_id: 10,
                    public_key: hex(&public_key(&seed)),
                    valid_from: now - chrono::Duration::days(1),
                    valid_until: None,
                }],
                checked_in_at: None,
            }],
        };
        let scan = |code: Option<String>, no: Option<&str>, at: DateTime<Utc>| QueuedScan {
            id: Uuid::nil(),
            code,
            student_no: no.map(str::to_owned),
            scanned_at: at,
        };
        let good = Code::sign(&seed, 10, now).text();
        let verdict = |s: &QueuedScan| judge(&pack, s, |_| false).0;
        assert_eq!(
            verdict(&scan(Some(good.clone()), None, now)),
            ScanOutcome::Accepted
        );
        assert_eq!(
            judge(&pack, &scan(Some(good.clone()), None, now), |id| id == 5).0,
            ScanOutcome::Duplicate
        );
        assert_eq!(
            verdict(&scan(
                Some(good.clone()),
                None,
                now + chrono::Duration::minutes(1)
            )),
            ScanOutcome::ExpiredCode
        );
        let forged = Code::sign(&[1u8; 32], 10, now).text();
        assert_eq!(
            verdict(&scan(Some(forged), None, now)),
            ScanOutcome::InvalidCode
        );
        let stranger = Code::sign(&[1u8; 32], 99, now).text();
        assert_eq!(
            verdict(&scan(Some(stranger), None, now)),
            ScanOutcome::NotRegistered
        );
        let late = now + chrono::Duration::hours(3);
        assert_eq!(
            verdict(&scan(Some(Code::sign(&seed, 10, late).text()), None, late)),
            ScanOutcome::OutOfWindow
        );
        assert_eq!(
            verdict(&scan(None, Some("2023001"), now)),
            ScanOutcome::Accepted
        );
        assert_eq!(
            verdict(&scan(None, Some("2099999"), now)),
            ScanOutcome::NotRegistered
        );
        assert_eq!(
            verdict(&scan(Some("hello".into()), None, now)),
            ScanOutcome::InvalidCode
        );
    }
}
