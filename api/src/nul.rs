//! Text PostgreSQL cannot store: a NUL character (U+0000) in a query parameter or a path is
//! refused where the request is read, once for every endpoint, as 400 naming the parameter —
//! never a 500 from the database.

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
};
use shared::{ApiError, ErrorCode};

use crate::error::AppError;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(problem) = refusal(req.uri().path(), req.query_string()) {
        return Err(AppError::Api(problem).into());
    }
    next.call(req).await
}

/// Why a request with this raw path and query string is refused, if it is.
fn refusal(path: &str, query: &str) -> Option<ApiError> {
    if path.to_ascii_lowercase().contains("%00") {
        return Some(ApiError::new(
            ErrorCode::InvalidPath,
            "the path holds a NUL character (%00)",
        ));
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "a query parameter holds a NUL character (%00)",
            )
            .with_field(name.replace('\0', ""))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_refused_with_the_parameter() {
        let found = refusal("/api/organizations", "page=1&q=a%00b").unwrap();
        assert_eq!(
            (found.code, found.field.as_deref()),
            (ErrorCode::InvalidQuery, Some("q"))
        );
        assert!(refusal("/api/verify/SCT%00", "").is_some());
        assert!(refusal("/api/organizations", "q=%E8%AE%A1%E7%AE%97&page=2").is_none());
        assert!(refusal("/api/organizations", "q=100%25").is_none());
    }
}
