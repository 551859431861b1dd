//! How failures become HTTP responses: every error leaves as a JSON [`ApiError`] with its typed
//! code and status; unexpected faults are logged with the request id and answered as `internal`.

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::{StatusCode, header},
};
use shared::{ApiError, ErrorCode};
use std::fmt;

/// The error type of every handler.
#[derive(Debug)]
pub enum AppError {
    /// An error the client caused or may act on; sent as is.
    Api(ApiError),
    /// A fault of ours; logged in full, answered with a generic message.
    Internal(String),
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::Api(ApiError::new(code, message))
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn unavailable(detail: impl Into<String>) -> AppError {
        let detail = detail.into();
        tracing::warn!(%detail, "database unavailable");
        AppError::new(
            ErrorCode::DatabaseUnavailable,
            "the database is unavailable; retry shortly",
        )
    }

    pub fn body(&self) -> ApiError {
        match self {
            AppError::Api(error) => error.clone(),
            AppError::Internal(_) => ApiError::new(
                ErrorCode::Internal,
                "internal error; it has been logged with the request id",
            ),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Api(error) => write!(f, "{error}"),
            AppError::Internal(detail) => write!(f, "internal: {detail}"),
        }
    }
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> AppError {
        AppError::Api(error)
    }
}

/// The one place a query-layer failure becomes a response.
impl From<crate::db::Error> for AppError {
    fn from(error: crate::db::Error) -> AppError {
        use crate::db::Error as Db;
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Db::Refused(error) => AppError::Api(error),
            Db::NotFound(what) => AppError::not_found(what),
            Db::Unavailable(detail) => AppError::unavailable(detail),
            Db::Query(Error::NotFound) => AppError::not_found("resource"),
            Db::Query(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "already exists ({})",
                        info.constraint_name().unwrap_or("unique")
                    ),
                )
            }
            // PostgreSQL shutting down or restarting, a cancelled statement, a lost
            // connection: 503 with Retry-After, never 500.
            Db::Query(error) if crate::db::is_transient(&error) => {
                AppError::unavailable(error.to_string())
            }
            Db::Query(other) => AppError::Internal(other.to_string()),
        }
    }
}

/// A transaction run by a handler (`conn.transaction::<_, AppError, _>`) ends in Diesel's
/// error: mapped as the query layer's.
impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        crate::db::Error::from(error).into()
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.body().code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        let body = self.body();
        let mut response = HttpResponse::build(self.status_code());
        if body.code == ErrorCode::DatabaseUnavailable {
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        response.json(body)
    }
}

/// The answer to a body that did not arrive within `server.body_timeout_ms`.
pub fn timed_out() -> AppError {
    AppError::new(
        ErrorCode::RequestTimeout,
        "the request body did not arrive in time; send it again",
    )
}

/// A failure reading a request's body, as an answer: 408 when it timed out.
pub fn payload_error(error: actix_web::error::PayloadError) -> actix_web::Error {
    if crate::body_timeout::is_timeout(&error) {
        timed_out().into()
    } else {
        error.into()
    }
}

/// The first name between backticks in a serde message (`missing field `title``).
fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

/// `JsonConfig` error handler: malformed, oversized or wrongly typed bodies.
pub fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        ),
        JsonPayloadError::Payload(payload) if crate::body_timeout::is_timeout(payload) => {
            timed_out().body()
        }
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        ),
        JsonPayloadError::Deserialize(inner) => {
            let message = inner.to_string();
            let mut api = ApiError::new(
                ErrorCode::MalformedJson,
                format!("invalid JSON body: {message}"),
            );
            if inner.is_data() {
                api.field = backticked(&message);
            }
            api
        }
        other => ApiError::new(
            ErrorCode::MalformedJson,
            format!("invalid JSON body: {other}"),
        ),
    };
    AppError::Api(api).into()
}

/// A JSON body that may be left out (an approval's optional note): no body, or only
/// whitespace, is `None`; anything else must be the JSON of `T`, else the same typed 400/415
/// as `web::Json` (`Option<web::Json<T>>` would silently take a malformed body for none).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = actix_web::web::Bytes::from_request(req, payload);
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .ends_with("json")
            });
        Box::pin(async move {
            let bytes = bytes.await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if !json {
                return Err(AppError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                )
                .into());
            }
            serde_json::from_slice(&bytes)
                .map(|value| OptionalJson(Some(value)))
                .map_err(|error| {
                    let message = error.to_string();
                    let mut api = ApiError::new(
                        ErrorCode::MalformedJson,
                        format!("invalid JSON body: {message}"),
                    );
                    if error.is_data() {
                        api.field = backticked(&message);
                    }
                    AppError::Api(api).into()
                })
        })
    }
}

/// `QueryConfig` error handler.
pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = error.to_string();
    let mut api = ApiError::new(
        ErrorCode::InvalidQuery,
        format!("invalid query string: {message}"),
    );
    api.field = backticked(&message);
    AppError::Api(api).into()
}

/// `PathConfig` error handler.
pub fn path_error(error: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(
        ErrorCode::InvalidPath,
        format!("invalid path parameter: {error}"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_in_serde_messages() {
        assert_eq!(
            backticked("missing field `title` at line 1 column 2").as_deref(),
            Some("title")
        );
        assert_eq!(backticked("expected value at line 1 column 1"), None);
    }
}
