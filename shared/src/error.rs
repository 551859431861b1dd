//! The error contract of the REST API: every failure is an [`ApiError`] with a typed
//! [`ErrorCode`] that clients branch on, a human-readable message, and the field it concerns.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every error a client can receive, as a flat machine-readable code.
///
/// Serialised in snake_case (`"malformed_json"`); the HTTP status of each is fixed by
/// [`ErrorCode::http_status`], so a client may branch on either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body is not valid JSON or does not match the expected shape.
    MalformedJson,
    /// The body was not sent as `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// The request's body did not arrive in time (`server.body_timeout_ms`).
    RequestTimeout,
    /// A query-string parameter is missing, malformed or out of range.
    InvalidQuery,
    /// A path parameter is malformed.
    InvalidPath,
    /// A field holds a value the domain rules refuse.
    ValidationFailed,
    /// No route matches this URL.
    RouteNotFound,
    /// The route exists but not for this HTTP method.
    MethodNotAllowed,
    /// The addressed resource does not exist (or is not visible to the caller).
    NotFound,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The caller is authenticated but may not do this.
    Forbidden,
    /// The request conflicts with the current state (a duplicate, a stale version…).
    Conflict,
    /// Too many requests; retry after the time in the `Retry-After` header.
    RateLimited,
    /// The database cannot be reached right now; retry later.
    DatabaseUnavailable,
    /// This server lacks what the request needs (e.g. the CJK font transcript PDFs are set
    /// in); the message says what. Other requests are unaffected.
    ServiceUnavailable,
    /// An unexpected server fault; it has been logged with the request id.
    Internal,
    /// The account name or password is wrong (deliberately not saying which).
    InvalidCredentials,
    /// The account, or its organisation, has been deactivated.
    AccountDisabled,
    /// The access token has expired: refresh it with the refresh token.
    TokenExpired,
    /// The token is malformed, forged, or not an access token.
    InvalidToken,
    /// The session was ended (logout, "end all sessions", password change): sign in again.
    SessionEnded,
    /// A refresh token was used twice: the whole session is revoked as a precaution.
    RefreshTokenReused,
    /// An admin reset the password: change it (`POST /api/me/password`) before anything else.
    PasswordChangeRequired,
    /// An uploaded file cannot be read (wrong format, no header, too many rows).
    InvalidFile,
    /// The check-in code was not made by this server for an activity (altered, forged or truncated).
    CheckinCodeInvalid,
    /// The check-in code is more than a few seconds old: scan the code on the screen again.
    CheckinCodeExpired,
    /// The activity is not taking check-ins now (before or after its check-in window, or not published).
    CheckinClosed,
    /// The student is already checked in (or out) for this activity.
    AlreadyCheckedIn,
    /// This phone already checked in another student for this activity.
    DeviceAlreadyUsed,
    /// The working-day window for this has passed: ask the level above for approval.
    DeadlinePassed,
    /// A scan did not say which phone sent it (`device_id`): scan with the app's page.
    DeviceRequired,
    /// More positions would receive a grade than the school's ratio standard allows.
    GradeLimitExceeded,
    /// Client side only, never sent by the server: the server could not be reached at all.
    Unreachable,
    /// A survey's results for a group of fewer than five respondents: not shown.
    GroupTooSmall,
    /// This phone may not take the student's check-in code: the term's phone changes are used up.
    DeviceChangeLimit,
    /// The activity does not take this way of checking in (the organiser's choice).
    CheckinModeOff,
    /// The student's no-shows this term refuse first-come sign-up for a while (the school's
    /// policy); the message says until when.
    SignupBlocked,
    /// This adviser already reminded this student today: one reminder a day each.
    AlreadyReminded,
}

impl ErrorCode {
    /// All codes, in declaration order (documentation and exhaustive tests).
    pub const ALL: [ErrorCode; 39] = [
        ErrorCode::MalformedJson,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RequestTimeout,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidPath,
        ErrorCode::ValidationFailed,
        ErrorCode::RouteNotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::NotFound,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountDisabled,
        ErrorCode::TokenExpired,
        ErrorCode::InvalidToken,
        ErrorCode::SessionEnded,
        ErrorCode::RefreshTokenReused,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::InvalidFile,
        ErrorCode::CheckinCodeInvalid,
        ErrorCode::CheckinCodeExpired,
        ErrorCode::CheckinClosed,
        ErrorCode::AlreadyCheckedIn,
        ErrorCode::DeviceAlreadyUsed,
        ErrorCode::DeadlinePassed,
        ErrorCode::DeviceRequired,
        ErrorCode::GradeLimitExceeded,
        ErrorCode::Unreachable,
        ErrorCode::GroupTooSmall,
        ErrorCode::DeviceChangeLimit,
        ErrorCode::CheckinModeOff,
        ErrorCode::SignupBlocked,
        ErrorCode::AlreadyReminded,
    ];

    /// The HTTP status that always accompanies this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson
            | ErrorCode::InvalidQuery
            | ErrorCode::InvalidPath
            | ErrorCode::DeviceRequired => 400,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::ValidationFailed => 422,
            ErrorCode::RouteNotFound | ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::Conflict => 409,
            ErrorCode::RateLimited => 429,
            ErrorCode::DatabaseUnavailable
            | ErrorCode::ServiceUnavailable
            | ErrorCode::Unreachable => 503,
            ErrorCode::Internal => 500,
            ErrorCode::InvalidCredentials
            | ErrorCode::TokenExpired
            | ErrorCode::InvalidToken
            | ErrorCode::SessionEnded
            | ErrorCode::RefreshTokenReused => 401,
            ErrorCode::AccountDisabled | ErrorCode::PasswordChangeRequired => 403,
            ErrorCode::InvalidFile => 422,
            ErrorCode::CheckinCodeInvalid => 422,
            ErrorCode::CheckinCodeExpired => 410,
            ErrorCode::CheckinClosed
            | ErrorCode::AlreadyCheckedIn
            | ErrorCode::DeviceAlreadyUsed
            | ErrorCode::DeadlinePassed
            | ErrorCode::GradeLimitExceeded
            | ErrorCode::GroupTooSmall
            | ErrorCode::DeviceChangeLimit
            | ErrorCode::CheckinModeOff
            | ErrorCode::SignupBlocked
            | ErrorCode::AlreadyReminded => 409,
        }
    }

    /// The wire name, e.g. `"malformed_json"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::RouteNotFound => "route_not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::SessionEnded => "session_ended",
            ErrorCode::RefreshTokenReused => "refresh_token_reused",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::CheckinCodeInvalid => "checkin_code_invalid",
            ErrorCode::CheckinCodeExpired => "checkin_code_expired",
            ErrorCode::CheckinClosed => "checkin_closed",
            ErrorCode::AlreadyCheckedIn => "already_checked_in",
            ErrorCode::DeviceAlreadyUsed => "device_already_used",
            ErrorCode::DeadlinePassed => "deadline_passed",
            ErrorCode::DeviceRequired => "device_required",
            ErrorCode::GradeLimitExceeded => "grade_limit_exceeded",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::GroupTooSmall => "group_too_small",
            ErrorCode::DeviceChangeLimit => "device_change_limit",
            ErrorCode::CheckinModeOff => "checkin_mode_off",
            ErrorCode::SignupBlocked => "signup_blocked",
            ErrorCode::AlreadyReminded => "already_reminded",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"code": "invalid_query", "message": "per_page must be between 1 and 100", "field": "per_page"}))
)]
pub struct ApiError {
    /// Machine-readable code; see [`ErrorCode`].
    pub code: ErrorCode,
    /// Human-readable explanation (English; the web app shows its own translation of `code`).
    pub message: String,
    /// The request field the error concerns, when there is one (`per_page`, `body.title`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The same error, naming the field it concerns.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A [`ErrorCode::ValidationFailed`] on one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::ValidationFailed, message).with_field(field)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({field}): {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn statuses_are_client_or_server_errors() {
        for code in ErrorCode::ALL {
            let status = code.http_status();
            assert!((400..600).contains(&status), "{code} has status {status}");
        }
        assert_eq!(ErrorCode::Internal.http_status(), 500);
        assert_eq!(ErrorCode::DatabaseUnavailable.http_status(), 503);
    }

    #[test]
    fn field_is_omitted_when_absent() {
        let body =
            serde_json::to_value(ApiError::new(ErrorCode::NotFound, "no such thing")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"code": "not_found", "message": "no such thing"})
        );
        let body = serde_json::to_value(ApiError::invalid("per_page", "too big")).unwrap();
        assert_eq!(body["field"], "per_page");
        assert_eq!(body["code"], "validation_failed");
    }
}
