//! The phone's rear camera as a QR reader: the live picture on screen, a frame copied to a
//! canvas every [`FRAME_EVERY`], turned grey and searched for QR codes (rqrr, all in WASM: it
//! works offline). And the scanner's feedback: a short beep (higher when accepted) and a buzz.

use std::{cell::RefCell, time::Duration};

use leptos::{html, prelude::*};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, CanvasRenderingContext2d, HtmlCanvasElement, MediaStream, MediaStreamConstraints,
    MediaStreamTrack,
};

use crate::{i18n::use_i18n, timer};

/// How often a frame is searched for codes.
const FRAME_EVERY: Duration = Duration::from_millis(200);
/// Frames are scaled down to at most this width: enough for a phone held at arm's length,
/// and searched in a few milliseconds.
const MAX_WIDTH: u32 = 640;

/// What the camera is doing.
#[derive(Clone, Debug, PartialEq)]
enum State {
    Starting,
    Running,
    /// Refused, or no camera: the message.
    Failed(String),
}

/// The camera's picture; `on_code` gets the text of each QR code seen (every frame it is in:
/// the caller ignores repeats).
#[component]
pub fn QrCamera(on_code: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let video = NodeRef::<html::Video>::new();
    let state = RwSignal::new(State::Starting);
    let stream: StoredValue<Option<MediaStream>, LocalStorage> = StoredValue::new_local(None);
    let canvas = document()
        .create_element("canvas")
        .ok()
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok());

    Effect::new(move |_| {
        let Some(video) = video.get() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match open_camera().await {
                Ok(media) => {
                    // The page was left while the camera was opening: let it go at once.
                    if let Some(Some(media)) = stream.try_set_value(Some(media.clone())) {
                        stop(&media);
                        return;
                    }
                    video.set_muted(true);
                    video.set_src_object(Some(&media));
                    if let Ok(playing) = video.play() {
                        let _ = JsFuture::from(playing).await;
                    }
                    state.try_set(State::Running);
                }
                Err(message) => {
                    state.try_set(State::Failed(message));
                }
            }
        });
    });
    on_cleanup(move || {
        if let Some(media) = stream.try_get_value().flatten() {
            stop(&media);
        }
    });

    timer::repeat(move || {
        let canvas = canvas.clone();
        async move {
            if state.get_untracked() == State::Running
                && let (Some(video), Some(canvas)) = (video.get_untracked(), canvas)
            {
                for text in read_frame(&video, &canvas) {
                    on_code.run(text);
                }
            }
            FRAME_EVERY
        }
    });

    view! {
        <div class="camera" data-testid="camera">
            <video node_ref=video class="camera-video" autoplay=true playsinline=true muted=true></video>
            <div class="camera-frame" aria-hidden="true"></div>
            {move || match state.get() {
                State::Starting => Some(view! {
                    <p class="camera-note" data-testid="camera-starting">{move || i18n.t("正在打开相机…", "Opening the camera…")}</p>
                }.into_any()),
                State::Running => None,
                State::Failed(message) => Some(view! {
                    <p class="camera-note camera-failed" role="alert" data-testid="camera-failed">
                        {move || i18n.t("无法打开相机：请允许使用相机，或用下方学号录入。", "Cannot open the camera: allow it, or enter student numbers below.")}
                        <br /><span class="small">{message.clone()}</span>
                    </p>
                }.into_any()),
            }}
        </div>
    }
}

/// Turns the camera off.
fn stop(media: &MediaStream) {
    for track in media.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// The rear camera's stream (any camera where there is no rear one).
async fn open_camera() -> Result<MediaStream, String> {
    let devices = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .ok_or_else(|| "no camera API (the page needs HTTPS)".to_owned())?;
    let video = js_sys::Object::new();
    let facing = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&facing, &"ideal".into(), &"environment".into());
    let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &facing);
    let _ = js_sys::Reflect::set(&video, &"width".into(), &JsValue::from(1280));
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| format!("{e:?}"))?;
    let stream = JsFuture::from(promise).await.map_err(|e| {
        js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{e:?}"))
    })?;
    stream
        .dyn_into()
        .map_err(|_| "not a media stream".to_owned())
}

/// The texts of the QR codes in the video's current frame.
fn read_frame(video: &web_sys::HtmlVideoElement, canvas: &HtmlCanvasElement) -> Vec<String> {
    let (width, height) = (video.video_width(), video.video_height());
    if video.ready_state() < 2 || width == 0 || height == 0 {
        return Vec::new();
    }
    let scale = f64::from(MAX_WIDTH.min(width)) / f64::from(width);
    let (w, h) = (
        (f64::from(width) * scale).round() as u32,
        (f64::from(height) * scale).round() as u32,
    );
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE);
    let Some(context) = canvas
        .get_context_with_context_options("2d", &options)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return Vec::new();
    };
    if context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w.into(), h.into())
        .is_err()
    {
        return Vec::new();
    }
    let Ok(image) = context.get_image_data(0.0, 0.0, w.into(), h.into()) else {
        return Vec::new();
    };
    let rgba = image.data();
    let (w, h) = (w as usize, h as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = 4 * (y * w + x);
        let (r, g, b) = (
            u32::from(rgba[i]),
            u32::from(rgba[i + 1]),
            u32::from(rgba[i + 2]),
        );
        ((r * 77 + g * 150 + b * 29) >> 8) as u8
    });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Lets the beeps play: browsers start sound only after a tap, so call this from one.
pub fn unlock_sound() {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = AudioContext::new().ok();
        }
        if let Some(context) = audio.as_ref() {
            let _ = context.resume();
        }
    });
}

/// A short beep and a buzz: high and brief when `good`, low and longer (two buzzes) when not.
pub fn signal(good: bool) {
    if let Some(navigator) = web_sys::window().map(|w| w.navigator()) {
        if good {
            navigator.vibrate_with_duration(80);
        } else {
            let pattern = js_sys::Array::of3(&120.into(), &60.into(), &120.into());
            navigator.vibrate_with_pattern(&pattern);
        }
    }
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = AudioContext::new().ok();
        }
        let Some(context) = audio.as_ref() else {
            return;
        };
        let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
        else {
            return;
        };
        let now = context.current_time();
        let length = if good { 0.12 } else { 0.35 };
        oscillator
            .frequency()
            .set_value(if good { 1320.0 } else { 330.0 });
        if !good {
            oscillator.set_type(web_sys::OscillatorType::Square);
        }
        gain.gain().set_value(0.2);
        let _ = gain
            .gain()
            .exponential_ramp_to_value_at_time(0.001, now + length);
        let _ = oscillator.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&context.destination());
        let _ = oscillator.start();
        let _ = oscillator.stop_with_when(now + length);
    });
}
