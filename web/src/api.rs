//! The typed API client: one function per endpoint, each returning the shared error type.

use serde::{Serialize, de::DeserializeOwned};
use shared::{
    ApiError, ErrorCode, Page,
    calendar::{CalendarDay, Deadline, DeadlineRequest},
    health::Health,
    school::School,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// `GET /healthz`. A 503 still carries a health report, so it is a report, not an error.
pub async fn health() -> Result<Health, ApiError> {
    let (status, body) = send("GET", "/healthz", None).await?;
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

/// `POST /api/calendar/deadline`.
pub async fn deadline(request: &DeadlineRequest) -> Result<Deadline, ApiError> {
    post("/api/calendar/deadline", request).await
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let (status, body) = send("GET", path, None).await?;
    answer(status, &body)
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let json = serde_json::to_string(body)
        .map_err(|e| ApiError::new(ErrorCode::MalformedJson, e.to_string()))?;
    let (status, body) = send("POST", path, Some(json)).await?;
    answer(status, &body)
}

fn answer<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        parse(body)
    } else {
        Err(error_from(status, body))
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
async fn send(method: &str, path: &str, json: Option<String>) -> Result<(u16, String), ApiError> {
    let unreachable =
        |detail: JsValue| ApiError::new(ErrorCode::Unreachable, format!("{detail:?}"));
    let window = web_sys::window().ok_or_else(|| unreachable(JsValue::from_str("no window")))?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(json) = &json {
        init.set_body(&JsValue::from_str(json));
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(unreachable)?;
    let headers = request.headers();
    let _ = headers.set("Accept", "application/json");
    if json.is_some() {
        let _ = headers.set("Content-Type", "application/json");
    }
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(unreachable)?;
    let response: Response = response.dyn_into().map_err(unreachable)?;
    let text = JsFuture::from(response.text().map_err(unreachable)?)
        .await
        .map_err(unreachable)?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}
