//! Access tokens (JWT, HS256 pinned, 15 minutes, `aud`/`iss`/`typ` checked, bound to a session)
//! and refresh tokens (random, stored as SHA-256 hashes, used once).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::ErrorCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::AppError;

pub const ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
pub const REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const AUDIENCE: &str = "second-classroom-api";
const ISSUER: &str = "second-classroom";
const ACCESS_TYPE: &str = "access";

/// What an access token says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: String,
    /// The session it belongs to; ending the session ends the token.
    pub sid: uuid::Uuid,
    pub typ: String,
    pub aud: String,
    pub iss: String,
    pub iat: u64,
    pub exp: u64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = 5;
        // The settings guarantee a secret of at least 32 bytes, which HMAC always accepts.
        let encoding = EncodingKey::from_secret(secret).expect("a non-empty HMAC secret");
        let decoding = DecodingKey::from_secret(secret).expect("a non-empty HMAC secret");
        TokenKeys {
            encoding,
            decoding,
            validation,
        }
    }

    /// A signed access token for `account_id` in `session`.
    pub fn issue(&self, account_id: i64, session: uuid::Uuid) -> Result<String, AppError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            sub: account_id.to_string(),
            sid: session,
            typ: ACCESS_TYPE.to_owned(),
            aud: AUDIENCE.to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + ACCESS_TTL.as_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("signing a token: {e}")))
    }

    /// The claims of a genuine, unexpired access token of ours.
    pub fn verify(&self, token: &str) -> Result<(i64, uuid::Uuid), AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AppError::new(
                    ErrorCode::TokenExpired,
                    "the access token has expired; refresh it",
                ),
                _ => AppError::new(ErrorCode::InvalidToken, "the access token is not valid"),
            })?;
        if data.claims.typ != ACCESS_TYPE {
            return Err(AppError::new(
                ErrorCode::InvalidToken,
                "not an access token",
            ));
        }
        let account_id =
            data.claims.sub.parse().map_err(|_| {
                AppError::new(ErrorCode::InvalidToken, "the access token is not valid")
            })?;
        Ok((account_id, data.claims.sid))
    }
}

/// A new refresh token: 256 random bits, hex.
pub fn new_refresh_token() -> String {
    super::secret::hex(256)
}

/// What is stored of a refresh token.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_altered_ones_do_not() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let session = uuid::Uuid::new_v4();
        let token = keys.issue(42, session).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), (42, session));

        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert!(other.verify(&token).is_err(), "another key's token");
        let mut tampered = token.clone().into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        assert!(
            keys.verify(std::str::from_utf8(&tampered).unwrap())
                .is_err(),
            "changed byte"
        );
    }

    #[test]
    fn the_none_algorithm_is_refused() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        // {"alg":"none"} . {"sub":"1",…} . (no signature)
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwic2lkIjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIiwidHlwIjoiYWNjZXNzIiwiYXVkIjoic2Vjb25kLWNsYXNzcm9vbS1hcGkiLCJpc3MiOiJzZWNvbmQtY2xhc3Nyb29tIiwiaWF0IjoxLCJleHAiOjk5OTk5OTk5OTl9.";
        assert!(keys.verify(unsigned).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(hash_refresh_token(&a).len(), 32);
        assert_ne!(hash_refresh_token(&a), hash_refresh_token(&b));
    }

    #[test]
    fn every_hex_digit_of_a_refresh_token_is_random() {
        // Two UUIDs' digits would fix the 13th and 45th to `4` (their version): 244 bits.
        let tokens: Vec<String> = (0..64).map(|_| new_refresh_token()).collect();
        for position in 0..64 {
            let digits: std::collections::HashSet<u8> =
                tokens.iter().map(|t| t.as_bytes()[position]).collect();
            assert!(
                digits.len() > 4,
                "digit {position} barely varies: {digits:?}"
            );
        }
    }
}
