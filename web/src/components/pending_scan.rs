//! A scan made signed out (`POST /api/checkin/pending`) waits out the sign-in in the tab's
//! session storage: the scan page keeps it, the sign-in page names its activity.

use shared::attendance::PendingScan;

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Where a scan recorded signed out waits out the sign-in: `<token>\n<pending>\n<title>`.
pub const PENDING_KEY: &str = "checkin_pending";

/// The pending scan kept for `token`, and its activity's title.
pub fn kept_pending(token: &str) -> Option<(String, String)> {
    let kept = session_storage()?.get_item(PENDING_KEY).ok()??;
    let mut parts = kept.splitn(3, '\n');
    let (for_token, pending) = (parts.next()?, parts.next()?);
    (for_token == token).then(|| (pending.to_owned(), parts.next().unwrap_or("").to_owned()))
}

pub fn keep_pending(token: &str, scan: &PendingScan) {
    if let Some(storage) = session_storage() {
        let title = scan.activity_title.replace('\n', " ");
        let _ = storage.set_item(PENDING_KEY, &format!("{token}\n{}\n{title}", scan.pending));
    }
}

/// The title of the activity a pending scan waits for, when the sign-in page is on its way
/// back to the scan page of `next`.
pub fn pending_title(next: &str) -> Option<String> {
    let token = next.strip_prefix("/checkin?t=")?;
    let token = js_sys::decode_uri_component(token).ok()?.as_string()?;
    kept_pending(token.trim()).map(|(_, title)| title)
}
