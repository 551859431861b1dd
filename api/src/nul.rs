//! Text PostgreSQL cannot store: a NUL character (U+0000) in a query parameter, a path or a
//! JSON body (`"\u0000"`) is refused where the request is read, once for every endpoint, as 400
//! naming the parameter or the field — never a 500 from the database.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use futures_util::StreamExt;
use serde_json::Value;
use shared::{ApiError, ErrorCode};

use crate::{AppState, error::AppError};

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(problem) = refusal(req.uri().path(), req.query_string()) {
        return Err(AppError::Api(problem).into());
    }
    if is_json(&req) {
        // The JSON extractor buffers the body anyway: read it here, look, and hand it on.
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(256 * 1024, |state| state.settings.server.json_limit);
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body is larger than {limit} bytes"),
                )
                .into());
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(field) = nul_in_json(&body) {
            return Err(AppError::Api(
                ApiError::new(
                    ErrorCode::MalformedJson,
                    "a value holds a NUL character (\\u0000)",
                )
                .with_field(field),
            )
            .into());
        }
        req.set_payload(Payload::from(body.freeze()));
    }
    next.call(req).await
}

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
        })
}

/// Where a JSON body holds a NUL character: the path to the value (`form[0].label`), or `None`
/// (also for a body that is not JSON: the extractor reports that).
fn nul_in_json(body: &[u8]) -> Option<String> {
    // A raw NUL byte is not JSON; only the escape can carry one. Cheap test first: `\u0000`
    // preceded by an odd run of backslashes.
    let escaped = body.windows(6).enumerate().any(|(i, w)| {
        w[0] == b'\\'
            && w[1] == b'u'
            && w[2..].iter().all(|b| *b == b'0')
            && body[..i]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count()
                .is_multiple_of(2)
    });
    if !escaped {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let inner = if path.is_empty() {
                name.replace('\0', "")
            } else {
                format!("{path}.{}", name.replace('\0', ""))
            };
            if name.contains('\0') {
                Some(inner)
            } else {
                find_nul(item, inner)
            }
        }),
        _ => None,
    }
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

    #[test]
    fn a_nul_in_a_json_body_is_found_with_its_path() {
        let find = |body: &str| nul_in_json(body.as_bytes());
        assert_eq!(
            find(r#"{"username":"a\u0000"}"#).as_deref(),
            Some("username")
        );
        assert_eq!(
            find(r#"{"form":[{"label":"x"},{"label":"\u0000"}]}"#).as_deref(),
            Some("form[1].label")
        );
        assert_eq!(find(r#"{"a\u0000b":1}"#).as_deref(), Some("ab"));
        assert_eq!(
            find(r#"{"username":"a\\u0000"}"#),
            None,
            "an escaped backslash"
        );
        assert_eq!(
            find(r#"{"username":"a\\\u0000"}"#).as_deref(),
            Some("username")
        );
        assert_eq!(
            find(r#"{"username":"\u00001"}"#).as_deref(),
            Some("username")
        );
        assert_eq!(find(r#"{"n":"\u0001"}"#), None);
        assert_eq!(find("not json \\u0000"), None);
    }
}
