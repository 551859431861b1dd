//! Rotating check-in codes: an HMAC-SHA256 over (activity, kind, time step) with a key derived
//! from the server secret. A code lives for one 10-second step plus one step of grace; it cannot
//! be made without the key, and any changed byte fails. Replays by the same student are stopped
//! by the attendance table's unique (activity, student), not by the code.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::{ErrorCode, attendance::CodeKind};

use crate::error::AppError;

/// Seconds a code is shown for.
pub const STEP_SECS: i64 = 10;
/// Steps of grace after a code is replaced (slow networks, a student mid-scan).
pub const GRACE_STEPS: i64 = 1;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct CheckinKeys {
    key: Vec<u8>,
}

/// What a genuine code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub activity_id: i64,
    pub kind: CodeKind,
    pub step: i64,
}

fn kind_letter(kind: CodeKind) -> char {
    match kind {
        CodeKind::In => 'i',
        CodeKind::Out => 'o',
    }
}

impl CheckinKeys {
    /// A key of its own, derived from the server secret, so check-in codes and access tokens
    /// never share one.
    pub fn new(secret: &[u8]) -> CheckinKeys {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(b"second-classroom check-in code v1");
        CheckinKeys {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, activity_id: i64, kind: CodeKind, step: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{activity_id}.{}.{step}", kind_letter(kind)).as_bytes());
        mac
    }

    /// The code for `activity_id` at time step `step`: `<activity>.<i|o>.<step>.<128-bit tag>`.
    pub fn code(&self, activity_id: i64, kind: CodeKind, step: i64) -> String {
        let tag = self.mac(activity_id, kind, step).finalize().into_bytes();
        format!(
            "{activity_id}.{}.{step}.{}",
            kind_letter(kind),
            hex::encode(&tag[..16])
        )
    }

    /// The code's claims, if it is genuine and current at `now_secs`.
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<Code, AppError> {
        let invalid = || {
            AppError::new(
                ErrorCode::CheckinCodeInvalid,
                "this is not a valid check-in code",
            )
        };
        let mut parts = token.trim().split('.');
        let (Some(activity), Some(kind), Some(step), Some(tag), None) = (
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
        let step: i64 = step.parse().map_err(|_| invalid())?;
        let tag = hex::decode(tag).map_err(|_| invalid())?;
        if tag.len() != 16 {
            return Err(invalid());
        }
        // Constant-time comparison of the truncated tag.
        self.mac(activity_id, kind, step)
            .verify_truncated_left(&tag)
            .map_err(|_| invalid())?;
        let current = now_secs.div_euclid(STEP_SECS);
        if step > current + 1 {
            return Err(invalid());
        }
        if step < current - GRACE_STEPS {
            return Err(AppError::new(
                ErrorCode::CheckinCodeExpired,
                "this code has expired: scan the code on the screen again",
            ));
        }
        Ok(Code {
            activity_id,
            kind,
            step,
        })
    }
}

/// The time step of `now_secs`.
pub fn step_at(now_secs: i64) -> i64 {
    now_secs.div_euclid(STEP_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_300_000;

    fn keys() -> CheckinKeys {
        CheckinKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    fn code_of(error: AppError) -> ErrorCode {
        match error {
            AppError::Api(api) => api.code,
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn a_code_made_by_the_server_verifies_for_its_activity_and_step() {
        let step = step_at(NOW);
        let token = keys().code(42, CodeKind::In, step);
        assert_eq!(
            keys().verify(&token, NOW).unwrap(),
            Code {
                activity_id: 42,
                kind: CodeKind::In,
                step
            }
        );
        let out = keys().code(42, CodeKind::Out, step);
        assert_eq!(keys().verify(&out, NOW).unwrap().kind, CodeKind::Out);
    }

    #[test]
    fn every_changed_byte_fails() {
        let token = keys().code(42, CodeKind::In, step_at(NOW));
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
    fn another_activity_step_kind_or_key_does_not_verify() {
        let step = step_at(NOW);
        let token = keys().code(42, CodeKind::In, step);
        let forged_activity = token.replacen("42.", "43.", 1);
        assert_eq!(
            code_of(keys().verify(&forged_activity, NOW).unwrap_err()),
            ErrorCode::CheckinCodeInvalid
        );
        let forged_kind = token.replacen(".i.", ".o.", 1);
        assert!(keys().verify(&forged_kind, NOW).is_err());
        let other_server =
            CheckinKeys::new(b"another-secret-another-secret-xx").code(42, CodeKind::In, step);
        assert!(keys().verify(&other_server, NOW).is_err());
        for garbage in ["", "42", "42.i.1", "42.i.x.00", "a.b.c.d.e", "42.i.1.zz"] {
            assert_eq!(
                code_of(keys().verify(garbage, NOW).unwrap_err()),
                ErrorCode::CheckinCodeInvalid,
                "{garbage}"
            );
        }
    }

    #[test]
    fn a_code_expires_after_one_step_of_grace() {
        let step = step_at(NOW);
        let token = keys().code(42, CodeKind::In, step);
        assert!(keys().verify(&token, NOW + STEP_SECS).is_ok(), "grace step");
        let late = keys().verify(&token, NOW + 2 * STEP_SECS).unwrap_err();
        assert_eq!(code_of(late), ErrorCode::CheckinCodeExpired);
        // A code from the future (a forged step) is refused.
        let future = keys().code(42, CodeKind::In, step + 5);
        assert_eq!(
            code_of(keys().verify(&future, NOW).unwrap_err()),
            ErrorCode::CheckinCodeInvalid
        );
    }

    #[test]
    fn property_only_the_servers_code_for_that_activity_and_step_verifies() {
        // A small deterministic sweep over activities and steps.
        let keys = keys();
        let mut seed = 0x9e37_79b9_u64;
        for _ in 0..500 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let activity = (seed >> 40) as i64 % 100_000;
            let step = step_at(NOW) - (seed % 2) as i64;
            let token = keys.code(activity, CodeKind::In, step);
            let claims = keys.verify(&token, NOW).unwrap();
            assert_eq!((claims.activity_id, claims.step), (activity, step));
            let other = keys.code(activity + 1, CodeKind::In, step);
            assert_ne!(token.split('.').next_back(), other.split('.').next_back());
        }
    }
}
