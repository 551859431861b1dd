//! Password hashing: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool and bounded to the core count so sign-in storms cannot starve the server.

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
    password_hash::SaltString,
};
use std::sync::Arc;
use tokio::sync::Semaphore;

use crate::error::AppError;

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so timing does not reveal which
    /// account names exist.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously (seeding, tests); handlers use [`PasswordHasher::hash`].
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::encode_b64(&super::secret::bytes::<16>()).expect("16 bytes make a salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("hashing cannot fail with valid params")
        .to_string()
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

impl PasswordHasher {
    pub fn new() -> PasswordHasher {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        PasswordHasher {
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: Arc::new(hash_blocking("dummy-password-1")),
        }
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Whether `password` matches `hash`; with `None`, spends the same time and answers false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let matches = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(known && matches)
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        PasswordHasher::new()
    }
}

/// A one-time password for resets and imports: 12 characters, letters and digits, no look-alikes.
pub fn temporary_password() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut password = super::secret::chars(LETTERS, 10);
    password.push_str(&super::secret::chars(DIGITS, 2));
    password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let hash = hash_blocking("Demo@2026");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("Demo@2026", &hash));
        assert!(!verify_blocking("demo@2026", &hash));
        assert!(!verify_blocking("Demo@2026", "not a hash"));
    }

    #[test]
    fn temporary_passwords_meet_the_policy() {
        for _ in 0..100 {
            let password = temporary_password();
            shared::auth::check_password("p", &password, "someone").unwrap();
        }
    }

    #[test]
    fn temporary_passwords_use_every_letter_position_freely() {
        // From UUID bytes, the 7th letter came from the version byte (0x4X): a few letters only.
        let passwords: Vec<String> = (0..400).map(|_| temporary_password()).collect();
        for position in 0..10 {
            let letters: std::collections::HashSet<u8> =
                passwords.iter().map(|p| p.as_bytes()[position]).collect();
            assert!(letters.len() > 30, "letter {position}: {}", letters.len());
        }
    }
}
