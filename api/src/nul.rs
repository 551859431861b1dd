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
            let chunk = chunk.map_err(crate::error::payload_error)?;
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
        // JSON Schema counts 3.0 as an integer: so does the server (serde would refuse it for
        // an integer field, while any float field takes 3 as well).
        let body = match integral_floats_as_integers(&body) {
            Some(rewritten) => web::Bytes::from(rewritten),
            None => body.freeze(),
        };
        req.set_payload(Payload::from(body));
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

/// The body with every whole number written as a float (`1613.0`, `1.6e3`) written as an
/// integer, when it has any; `None` when there is nothing to rewrite. Read from the text, not
/// through `f64`: `2146804915550917.0` is the integer it says, though no `f64` is.
fn integral_floats_as_integers(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut changed = false;
    let (mut i, mut in_string, mut escaped) = (0, false, false);
    while i < body.len() {
        let byte = body[i];
        if in_string {
            out.push(byte);
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if byte == b'"' {
            in_string = true;
            out.push(byte);
            i += 1;
            continue;
        }
        if byte == b'-' || byte.is_ascii_digit() {
            let start = i;
            while i < body.len()
                && matches!(body[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                i += 1;
            }
            let token = &body[start..i];
            match whole(token) {
                Some(integer) => {
                    out.extend_from_slice(integer.as_bytes());
                    changed = true;
                }
                None => out.extend_from_slice(token),
            }
            continue;
        }
        out.push(byte);
        i += 1;
    }
    changed.then_some(out)
}

/// The integer a number token writes as a float, if it is whole: `12.00` → `12`, `1.5e2` →
/// `150` (exponents through `f64`, within ±2⁵³); `None` for an integer token or a fraction.
fn whole(token: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(token).ok()?;
    if !text.contains(['.', 'e', 'E']) {
        return None;
    }
    if let Some((integer, fraction)) = text.split_once('.')
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b == b'0')
        && !integer.is_empty()
        && integer
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return Some(integer.to_owned());
    }
    let value: f64 = text.parse().ok()?;
    (value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0)
        .then(|| format!("{}", value as i64))
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
    fn whole_numbers_written_as_floats_become_integers() {
        let rewrite = |body: &str| {
            integral_floats_as_integers(body.as_bytes()).map(|b| String::from_utf8(b).unwrap())
        };
        assert_eq!(
            rewrite(r#"{"working_days": 1613.0, "start": "2026-11-30"}"#).as_deref(),
            Some(r#"{"working_days": 1613, "start": "2026-11-30"}"#)
        );
        assert_eq!(
            rewrite(r#"{"hours":[2.5,1e2,-3.00]}"#).as_deref(),
            Some(r#"{"hours":[2.5,100,-3]}"#)
        );
        assert_eq!(
            rewrite(r#"{"total":-2146804915550917.0}"#).as_deref(),
            Some(r#"{"total":-2146804915550917}"#),
            "exactly, beyond what an f64 holds"
        );
        assert_eq!(rewrite(r#"{"hours":2.5}"#), None, "a real fraction stays");
        assert_eq!(
            rewrite(r#"{"n":3,"title":"v2.0 \"1.0\""}"#),
            None,
            "strings are text"
        );
        assert_eq!(
            rewrite(r#"{"big":1e300}"#),
            None,
            "beyond 2^53 stays a float"
        );
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
