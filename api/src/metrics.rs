//! Prometheus metrics (`GET /metrics`, text format 0.0.4), served only on the listener of
//! `server.metrics_port` and kept only when it is set: requests by method, route pattern and
//! status with their latency, the connection pool, the batch-print queue, check-ins in the last
//! minute and uptime.
//!
//! Requests are counted by [`middleware`] into a [`Registry`]; everything else is read when
//! scraped. The labels stay bounded: a route is the pattern it matched (`/api/activities/{id}`,
//! never the path asked for), `web_app` or `unmatched`, a method one of the nine of HTTP or
//! `other`.

use actix_web::{
    Error, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web,
};
use shared::error::{ApiError, ErrorCode};
use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use crate::{AppState, db};

/// The media type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the latency buckets, in seconds (5 ms … 10 s; `+Inf` besides).
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route of a request that matched none (the 404s, and what is refused before routing,
/// such as a NUL character in a body).
pub const UNMATCHED: &str = "unmatched";

/// The route of the web app's files and client-side routes (its file service has no pattern).
pub const WEB_APP: &str = "web_app";

const METHODS: [(Method, &str); 9] = [
    (Method::GET, "GET"),
    (Method::HEAD, "HEAD"),
    (Method::POST, "POST"),
    (Method::PUT, "PUT"),
    (Method::DELETE, "DELETE"),
    (Method::PATCH, "PATCH"),
    (Method::OPTIONS, "OPTIONS"),
    (Method::CONNECT, "CONNECT"),
    (Method::TRACE, "TRACE"),
];

/// Requests answered, by (route, method, status); ordered so a scrape reads the same each time.
#[derive(Default)]
pub struct Registry {
    requests: Mutex<BTreeMap<Key, Series>>,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    route: String,
    method: &'static str,
    status: u16,
}

/// One histogram: requests per bucket (not cumulative; summed when written), their count and
/// total seconds.
#[derive(Default)]
struct Series {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Counts one request answered with `status` after `elapsed`.
    pub fn observe(&self, method: &Method, route: Option<String>, status: u16, elapsed: Duration) {
        let key = Key {
            route: match route {
                None => UNMATCHED.to_owned(),
                Some(route) if route.is_empty() => WEB_APP.to_owned(),
                Some(route) => route,
            },
            method: METHODS
                .iter()
                .find(|(known, _)| known == method)
                .map_or("other", |(_, label)| label),
            status,
        };
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|&le| seconds <= le);
        // A panic elsewhere while holding the lock leaves the counts as they were: keep them.
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let series = requests.entry(key).or_default();
        if let Some(bucket) = bucket {
            series.buckets[bucket] += 1;
        }
        series.count += 1;
        series.sum += seconds;
    }

    /// Writes the request counter and the latency histogram.
    fn write(&self, out: &mut String) {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        family(
            out,
            "scs_http_requests_total",
            "counter",
            "Requests answered, by method, route pattern and status.",
        );
        for (key, series) in requests.iter() {
            let _ = writeln!(
                out,
                "scs_http_requests_total{{{}}} {}",
                key.labels(),
                series.count
            );
        }
        family(
            out,
            "scs_http_request_duration_seconds",
            "histogram",
            "Time until the answer's head was ready (a streamed body may take longer), by \
             method, route pattern and status.",
        );
        for (key, series) in requests.iter() {
            let labels = key.labels();
            let mut cumulative = 0;
            for (le, in_bucket) in BUCKETS.iter().zip(series.buckets) {
                cumulative += in_bucket;
                let _ = writeln!(
                    out,
                    "scs_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "scs_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                 scs_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 scs_http_request_duration_seconds_count{{{labels}}} {}",
                series.count, series.sum, series.count
            );
        }
    }
}

impl Key {
    fn labels(&self) -> String {
        format!(
            "method=\"{}\",route=\"{}\",status=\"{}\"",
            self.method,
            escape(&self.route),
            self.status
        )
    }
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Counts each request into the app's [`Registry`] (wrapped only when metrics are on).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let registry = req.app_data::<web::Data<Registry>>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let outcome = next.call(req).await;
    if let Some(registry) = registry {
        match &outcome {
            // The route is known once the request has been routed.
            Ok(response) => registry.observe(
                &method,
                response.request().match_pattern(),
                response.status().as_u16(),
                started.elapsed(),
            ),
            // Refused before routing (actix turns the error into the answer).
            Err(error) => registry.observe(
                &method,
                None,
                error.as_response_error().status_code().as_u16(),
                started.elapsed(),
            ),
        }
    }
    outcome
}

/// Metrics for Prometheus
///
/// The request counts and latencies kept since start, and, read now: the connection pool,
/// the batch-print queue, check-ins in the last minute, and uptime. The figures read from the
/// database are left out (and `scs_database_up` is 0) while it does not answer.
pub async fn scrape(state: web::Data<AppState>, registry: web::Data<Registry>) -> HttpResponse {
    let mut out = String::with_capacity(16 * 1024);
    registry.write(&mut out);

    // Before this scrape takes a connection of its own.
    let pool = state.db.pool_status();
    family(
        &mut out,
        "scs_db_pool_connections",
        "gauge",
        "Connections of the database pool, by state (in_use: held by a request or a job).",
    );
    let _ = writeln!(
        out,
        "scs_db_pool_connections{{state=\"in_use\"}} {}\n\
         scs_db_pool_connections{{state=\"idle\"}} {}",
        pool.in_use, pool.idle
    );
    gauge(
        &mut out,
        "scs_db_pool_max_connections",
        "The most connections the pool opens (DB_POOL_SIZE).",
        pool.max,
    );
    gauge(
        &mut out,
        "scs_db_pool_waiting",
        "Tasks waiting for a connection of the pool.",
        pool.waiting,
    );

    let read = read_database(&state).await;
    if let Err(error) = &read {
        tracing::warn!(%error, "metrics: the database did not answer");
    }
    gauge(
        &mut out,
        "scs_database_up",
        "1 when this scrape's queries answered, else 0 (and the figures read from the \
         database are left out).",
        u8::from(read.is_ok()),
    );
    if let Ok(figures) = read {
        family(
            &mut out,
            "scs_print_jobs",
            "gauge",
            "Batch prints queued or running (in any API process), by status.",
        );
        let _ = writeln!(
            out,
            "scs_print_jobs{{status=\"queued\"}} {}\nscs_print_jobs{{status=\"running\"}} {}",
            figures.queued, figures.running
        );
        family(
            &mut out,
            "scs_print_jobs_oldest_age_seconds",
            "gauge",
            "Seconds the oldest queued batch print has waited, and the longest running one has \
             run (0 when there is none).",
        );
        let _ = writeln!(
            out,
            "scs_print_jobs_oldest_age_seconds{{status=\"queued\"}} {}\n\
             scs_print_jobs_oldest_age_seconds{{status=\"running\"}} {}",
            figures.oldest_queued, figures.longest_running
        );
        gauge(
            &mut out,
            "scs_checkins_last_minute",
            "Check-ins (attendance records of any method) timed in the last minute.",
            figures.checkins_last_minute,
        );
    }
    gauge(
        &mut out,
        "scs_uptime_seconds",
        "Seconds since this process started serving.",
        state.started.elapsed().as_secs_f64(),
    );
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(out)
}

/// The metrics listener serves nothing else.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(ApiError::new(
        ErrorCode::RouteNotFound,
        "this listener serves GET /metrics only",
    ))
}

/// What a scrape reads from the database.
struct Figures {
    queued: i64,
    oldest_queued: f64,
    running: i64,
    longest_running: f64,
    checkins_last_minute: i64,
}

/// How long a scrape waits for a connection: it answers (with `scs_database_up 0`) rather than
/// queue behind requests for the whole acquire timeout.
const ACQUIRE: Duration = Duration::from_millis(500);

async fn read_database(state: &AppState) -> Result<Figures, db::Error> {
    let mut conn = tokio::time::timeout(ACQUIRE, state.db.conn())
        .await
        .map_err(|_| db::Error::Unavailable("timed out waiting for a connection".into()))??;
    let (queued, oldest_queued) = db::print_jobs::waiting(&mut conn).await?;
    let (running, longest_running) = db::print_jobs::running(&mut conn).await?;
    let checkins_last_minute = db::metrics::checkins_last_minute(&mut conn).await?;
    Ok(Figures {
        queued,
        oldest_queued,
        running,
        longest_running,
        checkins_last_minute,
    })
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_is_cumulative_and_ends_in_inf_sum_and_count() {
        let registry = Registry::new();
        let route = || Some("/api/activities/{id}".to_owned());
        registry.observe(&Method::GET, route(), 200, Duration::from_millis(3));
        registry.observe(&Method::GET, route(), 200, Duration::from_millis(30));
        registry.observe(&Method::GET, route(), 200, Duration::from_secs(20));
        registry.observe(
            &Method::from_bytes(b"BREW").unwrap(),
            None,
            404,
            Duration::ZERO,
        );

        let mut out = String::new();
        registry.write(&mut out);

        let labels = r#"method="GET",route="/api/activities/{id}",status="200""#;
        for line in [
            format!("scs_http_requests_total{{{labels}}} 3"),
            format!("scs_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1"),
            format!("scs_http_request_duration_seconds_bucket{{{labels},le=\"0.025\"}} 1"),
            format!("scs_http_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2"),
            format!("scs_http_request_duration_seconds_bucket{{{labels},le=\"10\"}} 2"),
            format!("scs_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3"),
            format!("scs_http_request_duration_seconds_count{{{labels}}} 3"),
            r#"scs_http_requests_total{method="other",route="unmatched",status="404"} 1"#
                .to_owned(),
        ] {
            assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
        }
        let sum: f64 = out
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "scs_http_request_duration_seconds_sum{{{labels}}} "
                ))
            })
            .expect("a sum")
            .parse()
            .unwrap();
        assert!((sum - 20.033).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
