//! The load driver: `xtask bench-load <spec.json>`, a process of its own that drives the API
//! over loopback and prints a [`LoadResult`] as JSON on stdout.
//!
//! Each of `connections` workers holds one keep-alive HTTP/1.1 connection and sends request
//! after request (a closed loop), taking the next request number from a shared counter until
//! `max_requests` are sent or `max_seconds` have passed. Latency is measured from sending a
//! request to having read its whole body; requests started during the warm-up are not counted.
//! One thread (a current-thread runtime), so the driver takes at most one core from the API.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, header};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;

use crate::util::Result;

/// What to drive, written by the orchestrator as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadSpec {
    /// `127.0.0.1:PORT` of the API.
    pub address: String,
    pub connections: usize,
    pub max_requests: u64,
    pub max_seconds: f64,
    pub warmup_seconds: f64,
    pub scenario: Scenario,
}

/// An account's sign-in, as the login scenario saves it for the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    pub account_id: i64,
    pub access_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scenario {
    /// `POST /api/auth/login` once per account; the sessions are written to `sessions_out`.
    Login {
        usernames: Vec<String>,
        password: String,
        sessions_out: PathBuf,
    },
    /// `POST /api/checkin`: request k is student `k % S` at activity `(k / S + k % S) % A`, so
    /// every request is a distinct (student, activity) pair, from the student's own phone, with
    /// the activity's current code as the organiser's screen shows it (fetched every few
    /// seconds from `GET /api/activities/{id}/checkin-code`).
    Checkin {
        sessions: PathBuf,
        activities: Vec<i64>,
        organiser: Credentials,
    },
    /// GET requests: request k is `paths[k % P]` signed as session `k % S`; `{account_id}` in a
    /// path becomes that session's account.
    Get {
        sessions: PathBuf,
        paths: Vec<String>,
    },
    /// One request as `credentials`; a 202 with a `Location` is polled until it is done.
    Single {
        credentials: Credentials,
        method: String,
        path: String,
        body: Option<serde_json::Value>,
    },
}

/// What a run measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadResult {
    /// Responses counted (after the warm-up).
    pub completed: u64,
    /// Of those, 2xx.
    pub ok: u64,
    pub errors: u64,
    /// Responses by HTTP status; 0 counts connection failures.
    pub statuses: BTreeMap<u16, u64>,
    /// The first failure's status and body, to say what went wrong.
    pub first_error: Option<String>,
    /// The measured window.
    pub seconds: f64,
    /// 2xx responses per second in the measured window.
    pub rps: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Response body bytes received in the measured window.
    pub bytes: u64,
    /// Requests sent in all, the warm-up's included.
    pub sent: u64,
    /// The API's CPU time over the run per request sent (filled in by the orchestrator).
    #[serde(default)]
    pub api_cpu_ms_per_request: Option<f64>,
}

/// Runs the spec in `spec_path` and prints the result as one line of JSON.
pub fn main(spec_path: &Path) -> Result<std::process::ExitCode> {
    let text = std::fs::read_to_string(spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec: LoadSpec = serde_json::from_str(&text).map_err(|e| format!("bad load spec: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let result = runtime.block_on(run(spec))?;
    println!(
        "{}",
        serde_json::to_string(&result).map_err(|e| e.to_string())?
    );
    Ok(std::process::ExitCode::SUCCESS)
}

async fn run(spec: LoadSpec) -> Result<LoadResult> {
    match &spec.scenario {
        Scenario::Login {
            usernames,
            password,
            sessions_out,
        } => login(&spec, usernames, password, sessions_out).await,
        Scenario::Checkin {
            sessions,
            activities,
            organiser,
        } => checkin(&spec, &read_sessions(sessions)?, activities, organiser).await,
        Scenario::Get { sessions, paths } => get(&spec, read_sessions(sessions)?, paths).await,
        Scenario::Single {
            credentials,
            method,
            path,
            body,
        } => single(&spec, credentials, method, path, body.as_ref()).await,
    }
}

fn read_sessions(path: &Path) -> Result<Vec<Session>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let sessions: Vec<Session> =
        serde_json::from_str(&text).map_err(|e| format!("bad sessions file: {e}"))?;
    if sessions.is_empty() {
        return Err("no signed-in accounts to send requests as".into());
    }
    Ok(sessions)
}

type Body = Full<Bytes>;
type MakeRequest = Arc<dyn Fn(u64) -> Request<Body> + Send + Sync>;
type Observe = Arc<dyn Fn(u64, u16, &[u8]) + Send + Sync>;

fn request(
    method: Method,
    address: &str,
    path: &str,
    token: Option<&str>,
    json: Option<Vec<u8>>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, address)
        .header(header::USER_AGENT, "scs-bench/1")
        .header(header::ACCEPT, "application/json, application/pdf, */*");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match json {
        Some(bytes) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Full::new(Bytes::from(bytes))
        }
        None => Full::new(Bytes::new()),
    };
    builder.body(body).expect("a valid request")
}

async fn connect(address: &str) -> Result<SendRequest<Body>> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {address} failed: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One exchange: (status, headers' Location, body).
async fn exchange(
    sender: &mut SendRequest<Body>,
    request: Request<Body>,
) -> std::result::Result<(u16, Option<String>, Bytes), String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, location, body))
}

/// What one worker saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    ok: u64,
    statuses: BTreeMap<u16, u64>,
    first_error: Option<String>,
    bytes: u64,
    sent: u64,
    last_finish: Option<Instant>,
}

/// Drives `make` over `spec.connections` connections; see the module comment.
async fn drive(spec: &LoadSpec, make: MakeRequest, observe: Option<Observe>) -> LoadResult {
    let start = Instant::now();
    let warm_end = start + Duration::from_secs_f64(spec.warmup_seconds.max(0.0));
    let deadline = warm_end + Duration::from_secs_f64(spec.max_seconds.max(0.0));
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..spec.connections.max(1) {
        let (address, make, observe, next) = (
            spec.address.clone(),
            make.clone(),
            observe.clone(),
            next.clone(),
        );
        let max = spec.max_requests;
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut sender = None;
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let sent_at = Instant::now();
                if k >= max || sent_at >= deadline {
                    break;
                }
                if sender.is_none() {
                    match connect(&address).await {
                        Ok(s) => sender = Some(s),
                        Err(error) => {
                            tally.note(0, &error, sent_at >= warm_end);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    }
                }
                tally.sent += 1;
                let outcome = exchange(sender.as_mut().expect("connected"), make(k)).await;
                let finished = Instant::now();
                let counted = sent_at >= warm_end;
                match outcome {
                    Ok((status, _, body)) => {
                        if let Some(observe) = &observe {
                            observe(k, status, &body);
                        }
                        if counted {
                            let micros = (finished - sent_at).as_micros();
                            tally
                                .latencies_us
                                .push(micros.min(u128::from(u32::MAX)) as u32);
                            tally.bytes += body.len() as u64;
                            tally.last_finish = Some(finished);
                        }
                        if (200..300).contains(&status) {
                            if counted {
                                tally.ok += 1;
                                *tally.statuses.entry(status).or_default() += 1;
                            }
                        } else {
                            let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
                            tally.note(status, &text, counted);
                        }
                    }
                    Err(error) => {
                        tally.note(0, &error, counted);
                        sender = None;
                    }
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for worker in workers {
        if let Ok(tally) = worker.await {
            all.merge(tally);
        }
    }
    summarise(all, warm_end)
}

impl Tally {
    fn note(&mut self, status: u16, text: &str, counted: bool) {
        if self.first_error.is_none() {
            self.first_error = Some(format!("{status}: {text}"));
        }
        if counted {
            *self.statuses.entry(status).or_default() += 1;
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.ok += other.ok;
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.bytes += other.bytes;
        self.sent += other.sent;
        self.last_finish = self.last_finish.max(other.last_finish);
    }
}

fn summarise(mut tally: Tally, warm_end: Instant) -> LoadResult {
    tally.latencies_us.sort_unstable();
    let seconds = tally.last_finish.map_or(0.0, |last| {
        last.saturating_duration_since(warm_end).as_secs_f64()
    });
    let completed: u64 = tally.statuses.values().sum();
    LoadResult {
        completed,
        ok: tally.ok,
        errors: completed - tally.ok,
        statuses: tally.statuses,
        first_error: tally.first_error,
        seconds,
        rps: if seconds > 0.0 {
            tally.ok as f64 / seconds
        } else {
            0.0
        },
        p50_ms: percentile_ms(&tally.latencies_us, 50.0),
        p90_ms: percentile_ms(&tally.latencies_us, 90.0),
        p99_ms: percentile_ms(&tally.latencies_us, 99.0),
        max_ms: tally
            .latencies_us
            .last()
            .map_or(0.0, |&us| f64::from(us) / 1000.0),
        bytes: tally.bytes,
        sent: tally.sent,
        api_cpu_ms_per_request: None,
    }
}

/// The nearest-rank percentile of sorted microseconds, in milliseconds.
pub fn percentile_ms(sorted_us: &[u32], percent: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((percent / 100.0) * sorted_us.len() as f64).ceil() as usize;
    f64::from(sorted_us[rank.clamp(1, sorted_us.len()) - 1]) / 1000.0
}

fn json_body(value: &serde_json::Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(value).expect("JSON values serialise"))
}

async fn login(
    spec: &LoadSpec,
    usernames: &[String],
    password: &str,
    sessions_out: &Path,
) -> Result<LoadResult> {
    let usernames: Arc<Vec<String>> = Arc::new(usernames.to_vec());
    let found: Arc<Mutex<Vec<Session>>> = Arc::default();
    let (address, names, password) = (spec.address.clone(), usernames.clone(), password.to_owned());
    let make: MakeRequest = Arc::new(move |k| {
        let body = serde_json::json!({"username": names[k as usize], "password": password});
        request(
            Method::POST,
            &address,
            "/api/auth/login",
            None,
            json_body(&body),
        )
    });
    let (names, sink) = (usernames.clone(), found.clone());
    let observe: Observe = Arc::new(move |k, status, body| {
        if status != 200 {
            return;
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return;
        };
        let token = value["access_token"].as_str();
        let id = value["user"]["id"].as_i64();
        if let (Some(token), Some(id)) = (token, id) {
            sink.lock().expect("not poisoned").push(Session {
                username: names[k as usize].clone(),
                account_id: id,
                access_token: token.to_owned(),
            });
        }
    });
    let mut spec = spec.clone();
    spec.max_requests = spec.max_requests.min(usernames.len() as u64);
    let result = drive(&spec, make, Some(observe)).await;
    let mut sessions = found.lock().expect("not poisoned").clone();
    sessions.sort_by_key(|s| s.account_id);
    let text = serde_json::to_string(&sessions).map_err(|e| e.to_string())?;
    std::fs::write(sessions_out, text)
        .map_err(|e| format!("cannot write {}: {e}", sessions_out.display()))?;
    Ok(result)
}

/// Signs in outside the measurement; the access token.
async fn sign_in(address: &str, credentials: &Credentials) -> Result<String> {
    let mut sender = connect(address).await?;
    let body =
        serde_json::json!({"username": credentials.username, "password": credentials.password});
    let (status, _, body) = exchange(
        &mut sender,
        request(
            Method::POST,
            address,
            "/api/auth/login",
            None,
            json_body(&body),
        ),
    )
    .await?;
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    match value["access_token"].as_str() {
        Some(token) if status == 200 => Ok(token.to_owned()),
        _ => Err(format!(
            "signing in as {} answered {status}: {}",
            credentials.username,
            String::from_utf8_lossy(&body)
        )),
    }
}

/// The current check-in codes of `activities`, as the organiser's screen fetches them.
async fn fetch_codes(
    sender: &mut SendRequest<Body>,
    address: &str,
    token: &str,
    activities: &[i64],
) -> Result<Vec<String>> {
    let mut codes = Vec::with_capacity(activities.len());
    for id in activities {
        let path = format!("/api/activities/{id}/checkin-code");
        let (status, _, body) = exchange(
            sender,
            request(Method::GET, address, &path, Some(token), None),
        )
        .await?;
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        match value["token"].as_str() {
            Some(code) if status == 200 => codes.push(code.to_owned()),
            _ => {
                return Err(format!(
                    "GET {path} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
        }
    }
    Ok(codes)
}

/// Puts the codes of a screen's `share` (index, activity) in their places.
fn store(codes: &Mutex<Vec<String>>, share: &[(usize, i64)], fresh: Vec<String>) {
    let mut codes = codes.lock().expect("not poisoned");
    for ((index, _), code) in share.iter().zip(fresh) {
        codes[*index] = code;
    }
}

async fn checkin(
    spec: &LoadSpec,
    sessions: &[Session],
    activities: &[i64],
    organiser: &Credentials,
) -> Result<LoadResult> {
    if activities.is_empty() {
        return Err("no activities to check in to".into());
    }
    let address = spec.address.clone();
    let token = sign_in(&address, organiser).await?;
    // The organisers' screens: a few connections, each keeping a share of the activities'
    // codes fresh (codes live for their 10-second step plus one step of grace).
    let screens = activities.len().min(4);
    let codes = Arc::new(Mutex::new(vec![String::new(); activities.len()]));
    let mut refreshers = Vec::new();
    for screen in 0..screens {
        let share: Vec<(usize, i64)> = activities
            .iter()
            .copied()
            .enumerate()
            .skip(screen)
            .step_by(screens)
            .collect();
        let ids: Vec<i64> = share.iter().map(|(_, id)| *id).collect();
        let mut connection = connect(&address).await?;
        let first = fetch_codes(&mut connection, &address, &token, &ids).await?;
        store(&codes, &share, first);
        let (codes, address, token) = (codes.clone(), address.clone(), token.clone());
        refreshers.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                match fetch_codes(&mut connection, &address, &token, &ids).await {
                    Ok(fresh) => store(&codes, &share, fresh),
                    Err(error) => {
                        eprintln!("bench-load: refreshing check-in codes failed: {error}");
                        if let Ok(c) = connect(&address).await {
                            connection = c;
                        }
                    }
                }
            }
        }));
    }
    let students = sessions.len() as u64;
    let pairs = students * activities.len() as u64;
    let sessions: Arc<Vec<Session>> = Arc::new(sessions.to_vec());
    let make: MakeRequest = {
        let (codes, activities_n) = (codes.clone(), activities.len() as u64);
        Arc::new(move |k| {
            let student = k % students;
            let activity = (k / students + student) % activities_n;
            let session = &sessions[student as usize];
            let code = codes.lock().expect("not poisoned")[activity as usize].clone();
            let body = serde_json::json!({
                "token": code,
                "device_id": format!("bench-phone-{}", session.account_id),
            });
            request(
                Method::POST,
                &address,
                "/api/checkin",
                Some(&session.access_token),
                json_body(&body),
            )
        })
    };
    let mut spec = spec.clone();
    spec.max_requests = spec.max_requests.min(pairs);
    let result = drive(&spec, make, None).await;
    for refresher in refreshers {
        refresher.abort();
    }
    Ok(result)
}

async fn get(spec: &LoadSpec, sessions: Vec<Session>, paths: &[String]) -> Result<LoadResult> {
    if paths.is_empty() {
        return Err("no paths to request".into());
    }
    let (address, paths) = (spec.address.clone(), paths.to_vec());
    let make: MakeRequest = Arc::new(move |k| {
        let session = &sessions[(k % sessions.len() as u64) as usize];
        let path = paths[(k % paths.len() as u64) as usize]
            .replace("{account_id}", &session.account_id.to_string());
        request(
            Method::GET,
            &address,
            &path,
            Some(&session.access_token),
            None,
        )
    });
    Ok(drive(spec, make, None).await)
}

async fn single(
    spec: &LoadSpec,
    credentials: &Credentials,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<LoadResult> {
    let address = &spec.address;
    let token = sign_in(address, credentials).await?;
    let method: Method = method
        .parse()
        .map_err(|_| format!("bad method {method:?}"))?;
    let mut sender = connect(address).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(spec.max_seconds);
    let mut outcome = exchange(
        &mut sender,
        request(
            method,
            address,
            path,
            Some(&token),
            body.and_then(json_body),
        ),
    )
    .await?;
    // An asynchronous job: follow its Location until it is no longer 202.
    while let (202, Some(location), _) = &outcome {
        if Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let location = location.clone();
        outcome = exchange(
            &mut sender,
            request(Method::GET, address, &location, Some(&token), None),
        )
        .await?;
    }
    let finished = Instant::now();
    let (status, _, body) = outcome;
    let mut tally = Tally::default();
    tally
        .latencies_us
        .push((finished - started).as_micros().min(u128::from(u32::MAX)) as u32);
    tally.bytes = body.len() as u64;
    tally.sent = 1;
    tally.last_finish = Some(finished);
    if (200..300).contains(&status) {
        tally.ok = 1;
        tally.statuses.insert(status, 1);
    } else {
        tally.note(
            status,
            &String::from_utf8_lossy(&body[..body.len().min(300)]),
            true,
        );
    }
    Ok(summarise(tally, started))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 50.0), 50.0);
        assert_eq!(percentile_ms(&sorted, 99.0), 99.0);
        assert_eq!(percentile_ms(&sorted, 100.0), 100.0);
        assert_eq!(percentile_ms(&[], 99.0), 0.0);
    }

    #[test]
    fn checkin_pairs_are_all_distinct() {
        let (students, activities) = (7u64, 3u64);
        let mut seen = std::collections::HashSet::new();
        for k in 0..students * activities {
            let student = k % students;
            let activity = (k / students + student) % activities;
            assert!(seen.insert((student, activity)), "pair repeated at {k}");
        }
    }
}
