//! Activity posters (报名宣传): a shareable PNG of a published activity — title, time, place,
//! organiser, places left and a QR code to its sign-up page — drawn by the certificates' SVG
//! stack, for WeChat groups and notice boards.

use std::{
    fmt::Write as _,
    hash::{Hash, Hasher},
    sync::LazyLock,
    time::Duration,
};

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Asia::Shanghai;
use shared::{
    ApiError,
    activity::CreditLevel,
    certificate::{FONT_FAMILY, escape, wrap},
};

use super::{draw, fonts, render};
use crate::{
    AppState,
    cache::{Recent, Writes},
    db::{self, certificates::PosterActivity},
    error::AppError,
};

/// Posters never go stale by a write: each is kept under its own content.
static NEVER: Writes = Writes::new("posters");

/// Posters drawn lately, by activity and content: a poster shared to a group of 500 is drawn
/// once, and again only when what it shows changes (places left, a new time).
static POSTERS: LazyLock<Recent<(i64, u64), web::Bytes>> =
    LazyLock::new(|| Recent::new(Duration::from_secs(600), 64, &NEVER));

const WIDTH: f32 = 750.0;
const HEIGHT: f32 = 1200.0;
/// Pixels per unit of the PNG: 1125 × 1800.
const SCALE: f32 = 1.5;
const INK: &str = "#b3261e";

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// `12月8日 周二 14:00–16:00`, or both ends in full when it spans days.
fn when(starts: DateTime<Utc>, ends: DateTime<Utc>) -> String {
    let (s, e) = (
        starts.with_timezone(&Shanghai),
        ends.with_timezone(&Shanghai),
    );
    let day = |d: &DateTime<chrono_tz::Tz>| {
        format!(
            "{}月{}日 {}",
            d.month(),
            d.day(),
            WEEKDAYS[d.weekday().num_days_from_monday() as usize]
        )
    };
    if s.date_naive() == e.date_naive() {
        format!("{} {}–{}", day(&s), s.format("%H:%M"), e.format("%H:%M"))
    } else {
        format!(
            "{} {} – {} {}",
            day(&s),
            s.format("%H:%M"),
            day(&e),
            e.format("%H:%M")
        )
    }
}

/// The poster as an SVG document.
pub fn svg(a: &PosterActivity, url: &str, qr: (usize, &[bool]), now: DateTime<Utc>) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT_FAMILY}"><rect width="{WIDTH}" height="{HEIGHT}" fill="#fffaf5"/><rect width="{WIDTH}" height="470" fill="{INK}"/><circle cx="{}" cy="-60" r="260" fill="#ffffff" fill-opacity="0.08"/><circle cx="60" cy="430" r="140" fill="#ffffff" fill-opacity="0.06"/>"##,
        WIDTH - 40.0
    );
    let _ = write!(
        s,
        r##"<text x="56" y="84" font-size="26" fill="#ffffff" fill-opacity="0.9">{} · 第二课堂</text>"##,
        escape(&a.school)
    );
    // Category and level as tags.
    let level = CreditLevel::parse(&a.credit_level).map_or("", CreditLevel::label_zh);
    let mut x = 56.0;
    for tag in [a.category.as_str(), level] {
        if tag.is_empty() {
            continue;
        }
        let w = tag.chars().map(shared::certificate::char_em).sum::<f32>() * 24.0 + 32.0;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="118" width="{w}" height="44" rx="22" fill="#ffffff" fill-opacity="0.18"/><text x="{}" y="149" font-size="24" fill="#ffffff" text-anchor="middle">{}</text>"##,
            x + w / 2.0,
            escape(tag)
        );
        x += w + 14.0;
    }
    // The title: as large as fits in four lines.
    let mut size = 56.0;
    let mut lines = wrap(a.title.trim(), (WIDTH - 112.0) / size, 0.0);
    while lines.len() > 4 && size > 34.0 {
        size -= 4.0;
        lines = wrap(a.title.trim(), (WIDTH - 112.0) / size, 0.0);
    }
    lines.truncate(4);
    let top = 226.0 + size;
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="56" y="{}" font-size="{size}" font-weight="bold" fill="#ffffff">{}</text>"##,
            top + i as f32 * size * 1.3,
            escape(line)
        );
    }
    // The facts.
    let places = match a.capacity {
        Some(capacity) => {
            let left = (i64::from(capacity) - a.confirmed).max(0);
            if left == 0 {
                format!("已满（共 {capacity} 个名额）")
            } else {
                format!("剩余 {left} 个（共 {capacity} 个）")
            }
        }
        None => "不限".to_owned(),
    };
    let closes = a.registration_closes_at.with_timezone(&Shanghai);
    let closing = if a.registration_closes_at <= now {
        "报名已截止".to_owned()
    } else {
        format!(
            "{}月{}日 {} 截止",
            closes.month(),
            closes.day(),
            closes.format("%H:%M")
        )
    };
    let facts = [
        ("时间", when(a.starts_at, a.ends_at)),
        ("地点", a.place.clone()),
        ("主办", a.organizer.clone()),
        ("名额", places),
        ("报名", closing),
    ];
    let mut y = 540.0;
    for (label, value) in facts {
        let value = wrap(value.trim(), (WIDTH - 56.0 - 150.0 - 40.0) / 28.0, 0.0)
            .into_iter()
            .next()
            .unwrap_or_default();
        let _ = write!(
            s,
            r##"<text x="56" y="{y}" font-size="24" fill="#8c8c8c">{label}</text><text x="150" y="{y}" font-size="28" fill="#262626">{}</text>"##,
            escape(&value)
        );
        y += 58.0;
    }
    // The code.
    let (n, modules) = qr;
    let side = 250.0;
    let (qx, qy) = ((WIDTH - side) / 2.0, 842.0);
    let cell = side / n as f32;
    let _ = write!(
        s,
        r##"<rect x="{}" y="{}" width="{}" height="{}" rx="16" fill="#ffffff" stroke="#f0e0d8"/><path fill="#000000" transform="translate({qx} {qy}) scale({cell})" d=""##,
        qx - 20.0,
        qy - 20.0,
        side + 40.0,
        side + 40.0
    );
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if modules[row * n + col] {
                let start = col;
                while col < n && modules[row * n + col] {
                    col += 1;
                }
                let _ = write!(s, "M{start} {row}h{}v1h-{}z", col - start, col - start);
            } else {
                col += 1;
            }
        }
    }
    let _ = write!(
        s,
        r##""/><text x="{}" y="1152" font-size="26" fill="{INK}" text-anchor="middle">扫码报名 · 长按识别</text><text x="{}" y="1184" font-size="16" fill="#8c8c8c" text-anchor="middle">{}</text></svg>"##,
        WIDTH / 2.0,
        WIDTH / 2.0,
        escape(url)
    );
    s
}

/// An activity's poster
///
/// A PNG (1125 × 1800) of a published activity — title, time, place, organiser, places left,
/// when sign-up closes — with a QR code to its sign-up page, for chat groups and notice boards.
/// No authentication (it shows what the poster on a notice board would), so the share link
/// opens it anywhere; drafts and activities under review answer 404.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id", minimum = 1)),
    responses(
        (status = 200, description = "The poster", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "No such published activity", body = ApiError),
        (status = 503, description = "No CJK font on this server", body = ApiError),
    ),
    security(()),
)]
#[get("/activities/{id}/poster.png")]
pub async fn poster(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.db.conn().await?;
    let activity = db::certificates::poster_activity(&mut conn, *id)
        .await?
        .ok_or_else(|| AppError::not_found("activity"))?;
    drop(conn);
    let fonts = fonts(&state)?;
    let url = format!(
        "{}/activities/{}",
        state.settings.server.public_url.trim_end_matches('/'),
        activity.id
    );
    let (n, modules) = render::qr(&url).map_err(AppError::Internal)?;
    // Minutes, so that the "closed" line turns within a minute and the cache still serves.
    let now = Utc::now();
    let svg = svg(&activity, &url, (n, &modules), now);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    svg.hash(&mut hasher);
    let key = (activity.id, hasher.finish());
    let state_ref = state.clone();
    let png = POSTERS
        .get_or_load(key, async move {
            let bytes = draw(&state_ref, move || {
                let tree = render::tree(&fonts, &svg)?;
                render::png(&tree, SCALE)
            })
            .await?;
            Ok::<_, AppError>(web::Bytes::from(bytes))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "public, max-age=60"))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("inline; filename=\"activity-{}-poster.png\"", activity.id),
        ))
        .body(png))
}
