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

/// Whether `error` says the database went away or gave up, not that the request was wrong: the
/// server is shutting down or restarting (SQLSTATE 57P01 `admin_shutdown`, 57P02
/// `crash_shutdown`, 57P03 `cannot_connect_now`), the statement was cancelled (57014: the
/// statement timeout, `pg_cancel_backend`), an idle timeout ended the session, or the connection
/// is gone. The driver does not hand the SQLSTATE over, so PostgreSQL's messages (which are not
/// translated in the wire protocol's `M` field only when `lc_messages` is English; the server
/// default is) are matched by their fixed beginnings.
pub fn is_transient(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => {
            let message = info.message();
            [
                "terminating connection",
                "the database system is",
                "canceling statement due to",
                "connection closed",
            ]
            .iter()
            .any(|start| message.starts_with(start))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error as Diesel};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Diesel {
        Diesel::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn shutdowns_and_cancels_are_transient_and_constraint_errors_are_not() {
        for message in [
            "terminating connection due to administrator command",
            "terminating connection because of crash of another server process",
            "the database system is shutting down",
            "the database system is starting up",
            "canceling statement due to statement timeout",
            "canceling statement due to user request",
        ] {
            assert!(
                is_transient(&db_error(DatabaseErrorKind::Unknown, message)),
                "{message}"
            );
        }
        assert!(is_transient(&db_error(
            DatabaseErrorKind::UnableToSendCommand,
            "x"
        )));
        assert!(!is_transient(&db_error(
            DatabaseErrorKind::CheckViolation,
            "new row violates check constraint"
        )));
        assert!(!is_transient(&Diesel::NotFound));
    }
}
