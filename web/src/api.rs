//! The typed API client: one function per endpoint, each returning the shared error type.

use serde::de::DeserializeOwned;
use shared::{ApiError, ErrorCode, Page, calendar::CalendarDay, health::Health, school::School};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// `GET /healthz`. A 503 still carries a health report, so it is a report, not an error.
pub async fn health() -> Result<Health, ApiError> {
    let (status, body) = send("GET", "/healthz").await?;
    match status {
        200 | 503 => parse(&body),
        _ => Err(error_from(status, &body)),
    }
}

/// `GET /api/school`.
pub async fn school() -> Result<School, ApiError> {
    get("/api/school").await
}

/// `GET /api/calendar/days`.
pub async fn calendar_days(
    year: i32,
    page: u32,
    per_page: u32,
) -> Result<Page<CalendarDay>, ApiError> {
    get(&format!(
        "/api/calendar/days?year={year}&page={page}&per_page={per_page}"
    ))
    .await
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let (status, body) = send("GET", path).await?;
    if (200..300).contains(&status) {
        parse(&body)
    } else {
        Err(error_from(status, &body))
    }
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("unexpected response from the server: {e}"),
        )
    })
}

/// The server's error body, or one made from the status when the body is not ours.
fn error_from(status: u16, body: &str) -> ApiError {
    serde_json::from_str(body).unwrap_or_else(|_| {
        let code = ErrorCode::ALL
            .into_iter()
            .find(|code| code.http_status() == status)
            .unwrap_or(ErrorCode::Internal);
        ApiError::new(code, format!("HTTP {status}"))
    })
}

/// One request; any failure to reach the server becomes `unreachable`.
async fn send(method: &str, path: &str) -> Result<(u16, String), ApiError> {
    let unreachable = |detail: String| ApiError::new(ErrorCode::Unreachable, detail);
    let window = web_sys::window().ok_or_else(|| unreachable("no window".into()))?;
    let init = RequestInit::new();
    init.set_method(method);
    let request =
        Request::new_with_str_and_init(path, &init).map_err(|e| unreachable(format!("{e:?}")))?;
    let _ = request.headers().set("Accept", "application/json");
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| unreachable(format!("{e:?}")))?;
    let response: Response = response
        .dyn_into()
        .map_err(|e| unreachable(format!("{e:?}")))?;
    let text = response.text().map_err(|e| unreachable(format!("{e:?}")))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|e| unreachable(format!("{e:?}")))?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}
