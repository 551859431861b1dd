//! Files in the browser: reading what the user picked, and saving what the app made (a CSV of
//! one-time passwords, an import template) without a round trip to the server, and files the
//! server made (exports), fetched with the session's token.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Url};

/// The bytes of a picked file.
pub async fn read(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The MIME type of a spreadsheet, from the browser or else from the file name.
pub fn content_type(file: &File) -> String {
    let reported = file.type_();
    if !reported.is_empty() {
        return reported;
    }
    let name = file.name().to_ascii_lowercase();
    if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()
    } else {
        "text/csv".to_owned()
    }
}

/// Offers `text` as a download named `file_name`. CSV gets a byte-order mark so that Excel
/// reads its Chinese as UTF-8.
pub fn save_text(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let text = if mime.starts_with("text/csv") && !text.starts_with('\u{feff}') {
        format!("\u{feff}{text}")
    } else {
        text.to_owned()
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(&text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| format!("{e:?}"))?;
    save_blob(file_name, &blob)
}

/// Offers `bytes` (a file the server made, fetched with the session's token) as a download.
pub fn save_bytes(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    save_blob(file_name, &blob)
}

fn save_blob(file_name: &str, blob: &Blob) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(|e| format!("{e:?}"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // Revoked a little later: the download may still be reading it.
    leptos::prelude::set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}

/// One CSV field, quoted when it has to be.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
