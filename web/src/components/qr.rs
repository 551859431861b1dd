//! A QR code drawn in the browser as an inline SVG: one path of its dark modules on a white
//! square with the 4-module quiet zone, scaled to its box with crisp edges. Used where the code
//! must appear without the server (the student's personal check-in code, offline).

use leptos::prelude::*;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of white around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;

/// The SVG of `text` at error-correction level M, or `None` when it does not fit a QR code.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(width * width * 4);
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] != Color::Dark {
                x += 1;
                continue;
            }
            // One rectangle per run of dark modules on the row: a path a few kilobytes long.
            let start = x;
            while x < width && colors[y * width + x] == Color::Dark {
                x += 1;
            }
            path.push_str(&format!(
                "M{} {}h{}v1h-{}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE,
                x - start,
                x - start
            ));
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" preserveAspectRatio="xMidYMid meet"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

/// `text` as a QR code filling the width of its box (a square).
#[component]
pub fn QrSvg(
    /// What the code says (tracked).
    #[prop(into)]
    text: Signal<String>,
    /// Read out by screen readers.
    #[prop(into)]
    label: Signal<String>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    let drawn = Memo::new(move |_| text.with(|t| svg(t).unwrap_or_default()));
    view! {
        <div class="qr-svg" role="img" aria-label=label data-testid=testid data-text=text inner_html=drawn></div>
    }
}
