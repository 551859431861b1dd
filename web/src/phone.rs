//! What a student's phone adds to a scan: a device id that stays in the phone's storage (one
//! phone, one student), and the position when the browser grants it quickly. Neither blocks
//! the check-in: a phone without storage or location still checks in.

use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;

/// Where the device id is kept; fixed, so that every scan from this phone sends the same id.
pub const DEVICE_KEY: &str = "checkin_device_id";

/// This phone's id: the stored one, or a new random UUID (v4) stored for next time. A phone
/// without storage (a private window) gets a new id for each scan: the server requires one.
pub fn device_id() -> String {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(storage) = &storage
        && let Ok(Some(id)) = storage.get_item(DEVICE_KEY)
        && shared::checkin::device_id(Some(&id)).is_ok()
    {
        return id.trim().to_owned();
    }
    let id = random_uuid();
    if let Some(storage) = storage {
        let _ = storage.set_item(DEVICE_KEY, &id);
    }
    id
}

/// Fills `bytes` from the browser's cryptographic generator (`crypto.getRandomValues`, which
/// works on plain HTTP too); `false` when the browser has none.
pub fn random_bytes(bytes: &mut [u8]) -> bool {
    let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) else {
        return false;
    };
    crypto.get_random_values_with_u8_array(bytes).is_ok()
}

/// A version-4 UUID from `Math.random` (crypto.randomUUID needs a secure context, and campus
/// networks often serve plain HTTP).
fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    for byte in &mut bytes {
        *byte = (js_sys::Math::random() * 256.0) as u8;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The position as (latitude, longitude), if the browser gives it within `wait`; `None` when
/// it is refused, unavailable or slow.
pub async fn position(wait: Duration) -> Option<(f64, f64)> {
    let window = web_sys::window()?;
    let geolocation = window.navigator().geolocation().ok()?;
    let millis = u32::try_from(wait.as_millis()).unwrap_or(u32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve: js_sys::Function, _reject| {
        let on_position = {
            let resolve = resolve.clone();
            Closure::once_into_js(move |position: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &position);
            })
        };
        let on_error = {
            let resolve = resolve.clone();
            Closure::once_into_js(move |_error: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
            })
        };
        let options = web_sys::PositionOptions::new();
        options.set_timeout(millis);
        options.set_maximum_age(60_000);
        let asked = geolocation.get_current_position_with_error_callback_and_options(
            on_position.unchecked_ref(),
            Some(on_error.unchecked_ref()),
            &options,
        );
        if asked.is_err() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
            return;
        }
        // A permission prompt left unanswered fires neither callback: stop waiting anyway.
        let give_up = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
        });
        let _ = web_sys::window().map(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                give_up.unchecked_ref(),
                i32::try_from(millis).unwrap_or(i32::MAX),
            )
        });
    });
    let position = JsFuture::from(promise).await.ok()?;
    if position.is_null() || position.is_undefined() {
        return None;
    }
    let coords = js_sys::Reflect::get(&position, &JsValue::from_str("coords")).ok()?;
    let latitude = js_sys::Reflect::get(&coords, &JsValue::from_str("latitude"))
        .ok()?
        .as_f64()?;
    let longitude = js_sys::Reflect::get(&coords, &JsValue::from_str("longitude"))
        .ok()?
        .as_f64()?;
    Some((latitude, longitude))
}

/// Waits `wait` (a browser timeout).
pub async fn sleep(wait: Duration) {
    let millis = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve: js_sys::Function, _reject| {
        let done = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let _ = web_sys::window().map(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(done.unchecked_ref(), millis)
        });
    });
    let _ = JsFuture::from(promise).await;
}
