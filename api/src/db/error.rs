//! The query layer's error: what a database call can fail with, in terms that know no HTTP.
//! `crate::error` maps it to a response in one place (`From<db::Error> for AppError`).

use shared::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A query failed (including `NotFound` from `get_result` and constraint violations).
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// No connection could be had (pool exhausted past its timeout, or PostgreSQL down).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The thing asked for is not there (`what` names it: "student", "term" …).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A rule of the domain refused the write or read; carries the typed code, message and
    /// field the client is told.
    #[error("{0}")]
    Refused(ApiError),
}

impl Error {
    /// Refused with `code` and `message`.
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Refused(ApiError::new(code, message))
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Error {
        Error::Refused(error)
    }
}

/// What every query-layer function returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;
