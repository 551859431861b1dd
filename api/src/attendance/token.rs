//! Rotating check-in codes and scan receipts, both HMAC-SHA256 with keys derived from the
//! server secret.
//!
//! A code is `<activity>.<i|o>.<from>.<until>.<tag>`: shown from `from` for the activity's step
//! (5–30 s) and accepted until `until`, a grace (5–30 s) after it was replaced. It cannot be
//! made without the key, and any changed byte fails. Replays by the same student are stopped by
//! the attendance table's unique (activity, student), not by the code.
//!
//! A receipt is `<received_ms>.<tag>` over the code, the phone and the moment the scan page
//! asked for it (as soon as it opened, before any sign-in): the check-in then measures the
//! code's age at that moment, so a slow sign-in does not expire a genuine scan, and a relayed
//! code, opened late, is late however fast it is posted.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use shared::{ErrorCode, attendance::CodeKind, checkin::CodeTiming};

use crate::error::AppError;

/// Seconds a code is shown for, unless the activity says otherwise.
pub const STEP_SECS: i64 = 10;
/// How long a receipt may wait for its check-in (a sign-in, a password change): 15 minutes.
pub const RECEIPT_TTL_MS: i64 = 15 * 60 * 1000;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct CheckinKeys {
    key: Vec<u8>,
    receipt_key: Vec<u8>,
}

/// What a genuine code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub activity_id: i64,
    pub kind: CodeKind,
    /// Unix seconds the code appeared…
    pub from: i64,
    /// …and until which it is accepted.
    pub until: i64,
}

/// Why a code was refused, with the activity it claims (for the record of refused scans).
#[derive(Debug)]
pub struct Refused {
    pub activity_id: Option<i64>,
    /// When a genuine code appeared (an expired one); `None` for a forgery.
    pub from: Option<i64>,
    /// `forged` or `expired` (the outcomes of `attendance_attempts`).
    pub outcome: &'static str,
    pub error: AppError,
}

fn kind_letter(kind: CodeKind) -> char {
    match kind {
        CodeKind::In => 'i',
        CodeKind::Out => 'o',
    }
}

fn derive(secret: &[u8], purpose: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(purpose);
    mac.finalize().into_bytes().to_vec()
}

/// The stored form of a phone's id: SHA-256, hex (the migration hashed older ids the same way).
pub fn device_hash(device_id: &str) -> String {
    hex::encode(Sha256::digest(device_id.as_bytes()))
}

impl CheckinKeys {
    /// Keys of their own, derived from the server secret, so check-in codes, receipts and
    /// access tokens never share one.
    pub fn new(secret: &[u8]) -> CheckinKeys {
        CheckinKeys {
            key: derive(secret, b"second-classroom check-in code v2"),
            receipt_key: derive(secret, b"second-classroom scan receipt v1"),
        }
    }

    fn mac(&self, activity_id: i64, kind: CodeKind, from: i64, until: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{activity_id}.{}.{from}.{until}", kind_letter(kind)).as_bytes());
        mac
    }

    /// The code for `activity_id` shown from `from` and accepted until `until` (unix seconds).
    pub fn code(&self, activity_id: i64, kind: CodeKind, from: i64, until: i64) -> String {
        let tag = self
            .mac(activity_id, kind, from, until)
            .finalize()
            .into_bytes();
        format!(
            "{activity_id}.{}.{from}.{until}.{}",
            kind_letter(kind),
            hex::encode(&tag[..16])
        )
    }

    /// The code on screen at `now_secs` with `timing`, and when the next one appears.
    pub fn current(
        &self,
        activity_id: i64,
        kind: CodeKind,
        now_secs: i64,
        timing: CodeTiming,
    ) -> (String, i64) {
        let step = i64::from(timing.step_secs);
        let from = now_secs - now_secs.rem_euclid(step);
        let until = from + step + i64::from(timing.grace_secs);
        (self.code(activity_id, kind, from, until), from + step)
    }

    /// The code's claims, if it is genuine and accepted at `at_secs`.
    pub fn verify(&self, token: &str, at_secs: i64) -> Result<Code, Refused> {
        let mut parts = token.trim().split('.');
        let claimed = token
            .trim()
            .split('.')
            .next()
            .and_then(|a| a.parse::<i64>().ok());
        let invalid = || Refused {
            activity_id: claimed,
            from: None,
            outcome: "forged",
            error: AppError::new(
                ErrorCode::CheckinCodeInvalid,
                "this is not a valid check-in code",
            ),
        };
        let (Some(activity), Some(kind), Some(from), Some(until), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(invalid());
        };
        let activity_id: i64 = activity.parse().map_err(|_| invalid())?;
        let kind = match kind {
            "i" => CodeKind::In,
            "o" => CodeKind::Out,
            _ => return Err(invalid()),
        };
        let from: i64 = from.parse().map_err(|_| invalid())?;
        let until: i64 = until.parse().map_err(|_| invalid())?;
        let tag = hex::decode(tag).map_err(|_| invalid())?;
        if tag.len() != 16 {
            return Err(invalid());
        }
        // Constant-time comparison of the truncated tag.
        self.mac(activity_id, kind, from, until)
            .verify_truncated_left(&tag)
            .map_err(|_| invalid())?;
        // Only the server makes codes, so these hold for genuine ones; a code from the future
        // (a clock far off) is not accepted either.
        if from > at_secs + 2 || until <= from || until - from > 60 {
            return Err(invalid());
        }
        if at_secs >= until {
            return Err(Refused {
                activity_id: Some(activity_id),
                from: Some(from),
                outcome: "expired",
                error: AppError::new(
                    ErrorCode::CheckinCodeExpired,
                    "this code has expired: scan the code on the screen again",
                ),
            });
        }
        Ok(Code {
            activity_id,
            kind,
            from,
            until,
        })
    }

    fn receipt_mac(&self, token: &str, device: &str, received_ms: i64) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.receipt_key).expect("HMAC takes keys of any length");
        mac.update(format!("{}|{}|{received_ms}", token.trim(), device_hash(device)).as_bytes());
        mac
    }

    /// A receipt for `token` opened on the phone `device` at `received_ms`.
    pub fn receipt(&self, token: &str, device: &str, received_ms: i64) -> String {
        let tag = self
            .receipt_mac(token, device, received_ms)
            .finalize()
            .into_bytes();
        format!("{received_ms}.{}", hex::encode(&tag[..16]))
    }

    /// When the receipt says `token` was opened on `device`, if it is genuine. A receipt made
    /// for another code or another phone does not verify.
    pub fn receipt_time(&self, receipt: &str, token: &str, device: &str) -> Option<i64> {
        let (received_ms, tag) = receipt.trim().split_once('.')?;
        let received_ms: i64 = received_ms.parse().ok()?;
        let tag = hex::decode(tag).ok()?;
        if tag.len() != 16 {
            return None;
        }
        self.receipt_mac(token, device, received_ms)
            .verify_truncated_left(&tag)
            .ok()?;
        Some(received_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_300_000;

    fn keys() -> CheckinKeys {
        CheckinKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    fn now_code(activity: i64, kind: CodeKind) -> String {
        keys().current(activity, kind, NOW, CodeTiming::default()).0
    }

    fn code_of(refused: Refused) -> ErrorCode {
        match refused.error {
            AppError::Api(api) => api.code,
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn a_code_made_by_the_server_verifies_for_its_activity_and_time() {
        let token = now_code(42, CodeKind::In);
        let code = keys().verify(&token, NOW).unwrap();
        assert_eq!((code.activity_id, code.kind), (42, CodeKind::In));
        assert!(code.from <= NOW && NOW < code.from + STEP_SECS);
        assert_eq!(code.until, code.from + 20);
        let out = now_code(42, CodeKind::Out);
        assert_eq!(keys().verify(&out, NOW).unwrap().kind, CodeKind::Out);
    }

    #[test]
    fn every_changed_byte_fails() {
        let token = now_code(42, CodeKind::In);
        let bytes = token.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [b'0', b'7', b'a', b'f', b'.', b'x'] {
                if bytes[i] == replacement {
                    continue;
                }
                let mut altered = bytes.to_vec();
                altered[i] = replacement;
                let altered = String::from_utf8(altered).unwrap();
                assert!(
                    keys().verify(&altered, NOW).is_err(),
                    "{altered} must not verify"
                );
            }
        }
    }

    #[test]
    fn another_activity_time_kind_or_key_does_not_verify() {
        let token = now_code(42, CodeKind::In);
        let forged_activity = token.replacen("42.", "43.", 1);
        let refused = keys().verify(&forged_activity, NOW).unwrap_err();
        assert_eq!(
            (refused.activity_id, refused.outcome),
            (Some(43), "forged"),
            "the claimed activity is kept for the record"
        );
        assert_eq!(code_of(refused), ErrorCode::CheckinCodeInvalid);
        let forged_kind = token.replacen(".i.", ".o.", 1);
        assert!(keys().verify(&forged_kind, NOW).is_err());
        let other_server = CheckinKeys::new(b"another-secret-another-secret-xx")
            .current(42, CodeKind::In, NOW, CodeTiming::default())
            .0;
        assert!(keys().verify(&other_server, NOW).is_err());
        for garbage in [
            "",
            "42",
            "42.i.1",
            "42.i.x.00",
            "a.b.c.d.e",
            "42.i.1.2.zz",
            "42.i.1.2.3.4",
        ] {
            assert_eq!(
                code_of(keys().verify(garbage, NOW).unwrap_err()),
                ErrorCode::CheckinCodeInvalid,
                "{garbage}"
            );
        }
    }

    #[test]
    fn a_code_expires_after_its_step_and_grace() {
        let timing = CodeTiming {
            step_secs: 5,
            grace_secs: 7,
        };
        let (token, next) = keys().current(42, CodeKind::In, NOW, timing);
        let from = next - 5;
        assert!(keys().verify(&token, from + 11).is_ok(), "within the grace");
        let late = keys().verify(&token, from + 12).unwrap_err();
        assert_eq!((late.outcome, late.from), ("expired", Some(from)));
        assert_eq!(code_of(late), ErrorCode::CheckinCodeExpired);
        // A code from the future (a genuine code checked against a clock far behind) is refused.
        assert_eq!(
            code_of(keys().verify(&token, from - 10).unwrap_err()),
            ErrorCode::CheckinCodeInvalid
        );
    }

    #[test]
    fn a_receipt_binds_the_code_the_phone_and_the_moment() {
        let token = now_code(42, CodeKind::In);
        let receipt = keys().receipt(&token, "phone-aaaa", NOW * 1000 + 250);
        assert_eq!(
            keys().receipt_time(&receipt, &token, "phone-aaaa"),
            Some(NOW * 1000 + 250)
        );
        assert_eq!(keys().receipt_time(&receipt, &token, "phone-bbbb"), None);
        let other = now_code(43, CodeKind::In);
        assert_eq!(keys().receipt_time(&receipt, &other, "phone-aaaa"), None);
        let earlier = receipt.replacen(
            &(NOW * 1000 + 250).to_string(),
            &(NOW * 1000).to_string(),
            1,
        );
        assert_eq!(keys().receipt_time(&earlier, &token, "phone-aaaa"), None);
        assert_eq!(keys().receipt_time("garbage", &token, "phone-aaaa"), None);
        assert_ne!(device_hash("phone-aaaa"), "phone-aaaa");
        assert_eq!(device_hash("phone-aaaa").len(), 64);
    }

    #[test]
    fn property_only_the_servers_code_for_that_activity_and_time_verifies() {
        // A small deterministic sweep over activities, times and timings.
        let keys = keys();
        let mut seed = 0x9e37_79b9_u64;
        for _ in 0..500 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let activity = (seed >> 40) as i64 % 100_000;
            let timing = CodeTiming {
                step_secs: 5 + (seed % 26) as u32,
                grace_secs: 5 + ((seed >> 8) % 26) as u32,
            };
            let at = NOW + (seed >> 20) as i64 % 1000;
            let (token, _) = keys.current(activity, CodeKind::In, at, timing);
            let claims = keys.verify(&token, at).unwrap();
            assert_eq!(claims.activity_id, activity);
            assert!(claims.from <= at && at < claims.until);
            let (other, _) = keys.current(activity + 1, CodeKind::In, at, timing);
            assert_ne!(token.split('.').next_back(), other.split('.').next_back());
        }
    }
}
