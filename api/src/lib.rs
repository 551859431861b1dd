//! The Second Classroom Transcript API server. Read top-down: [`config`] → [`Application`]
//! (the HTTP server) → [`routes`] (the URL table) → one module per resource → [`db`].

pub mod accounts;
pub mod activities;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod body_timeout;
pub mod cache;
pub mod cache_sync;
pub mod cadres;
pub mod calendar;
pub mod categories;
pub mod certificates;
pub mod config;
pub mod db;
pub mod error;
pub mod evaluations;
pub mod guidance;
pub mod health;
pub mod imports;
pub mod insight;
pub mod integrity;
pub mod me;
pub mod metrics;
pub mod notifications;
pub mod nul;
pub mod openapi;
pub mod organizations;
pub mod pdf;
pub mod points;
pub mod practice;
pub mod recognition_requests;
pub mod reminders;
pub mod reports;
pub mod request_id;
pub mod results;
pub mod routes;
pub mod school;
pub mod seed;
pub mod sessions;
pub mod staff;
pub mod students;
pub mod surveys;
pub mod telemetry;
pub mod transcripts;
pub mod web_app;

use actix_web::{
    App, HttpResponse, HttpServer,
    dev::Server,
    guard,
    http::header,
    middleware::{Compress, Condition, DefaultHeaders, from_fn},
    web,
};
use std::{
    net::TcpListener,
    sync::Arc,
    time::{Duration, Instant},
};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::{config::Settings, db::Database, web_app::KnownRoutes};

/// What every handler can reach.
pub struct AppState {
    pub db: Database,
    /// Writes QR check-ins that arrive together in one statement.
    pub scans: attendance::coalesce::Coalescer,
    pub auth: auth::Auth,
    pub checkin: attendance::token::CheckinKeys,
    pub settings: Arc<Settings>,
    pub started: Instant,
    /// Students per leaderboard scope (cached briefly).
    pub scope_counts: points::ScopeCounts,
    /// The activity feed's pages as sent, by filter and page (cached for a second).
    pub feed: cache::Recent<String, web::Bytes>,
    /// The top rows of each leaderboard (cached for a second).
    pub boards: points::Boards,
    /// What transcripts are built from besides the ledger (cached for a few seconds).
    pub transcript_context: cache::Recent<(), Arc<transcripts::Context>>,
    /// The CJK font for transcript PDFs, parsed once; none when no font is installed.
    pub pdf: Option<pdf::PdfFonts>,
    /// PDFs rendered at once: one per core. Rendering is CPU-bound, so more at a time only
    /// queue on the cores, each holding its own working set (font subsets, page streams).
    pub pdf_renders: tokio::sync::Semaphore,
    /// Turns of batch prints at the render slots: one fewer than the slots (when there are
    /// two or more), so that a student's or an organiser's single PDF never waits for a
    /// queue of batches.
    /// This process's cap on batch prints running at once (its job worker claims one only with
    /// a turn free).
    pub batch_turns: Arc<tokio::sync::Semaphore>,
    /// Turns of certificate zips (streamed to the request) at the render slots: one fewer than
    /// the slots, so a single PDF never waits for a queue of zips.
    pub zip_turns: tokio::sync::Semaphore,
    /// Wakes this process's job worker (a batch was queued or one ended).
    pub jobs_wake: tokio::sync::Notify,
    /// The dashboards read lately (kept 30 seconds).
    pub dashboards: insight::Dashboards,
    /// The SMTP relay for the monthly report's e-mail, when configured.
    pub mailer: Option<reports::mail::Mailer>,
}

/// The OpenAPI document, serialised once.
struct OpenApiJson(String);

/// A bound, configured server, not yet running.
pub struct Application {
    server: Server,
    port: u16,
    /// The listener serving `GET /metrics` alone, when `server.metrics_port` is set.
    metrics: Option<(Server, u16)>,
}

impl Application {
    /// Binds the listeners (port 0 picks a free port) and builds the server: the API and web
    /// app on `server.port`, and `GET /metrics` alone on `server.metrics_port` when it is set.
    pub fn build(settings: Settings) -> std::io::Result<Application> {
        let listener = TcpListener::bind((settings.server.host, settings.server.port))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = match settings.server.metrics_port {
            Some(port) => Some(TcpListener::bind((settings.server.host, port))?),
            None => None,
        };
        let db = Database::new(
            settings.database.url.expose(),
            settings.database.pool_size,
            Duration::from_millis(settings.database.acquire_timeout_ms),
            Duration::from_millis(settings.database.statement_timeout_ms),
        );
        let secret = settings.jwt_secret().ok_or_else(|| {
            std::io::Error::other("no JWT secret: call Settings::require_secret first")
        })?;
        let proxies = auth::proxies::TrustedProxies::parse(&settings.server.trusted_proxies)
            .map_err(std::io::Error::other)?;
        let auth = auth::Auth::new(secret.expose().as_bytes(), proxies);
        let checkin = attendance::token::CheckinKeys::new(secret.expose().as_bytes());
        let mailer = match &settings.mail.smtp_url {
            Some(url) => Some(
                reports::mail::Mailer::new(url, &settings.mail.from)
                    .map_err(std::io::Error::other)?,
            ),
            None => None,
        };
        let settings = Arc::new(settings);
        let state = web::Data::new(AppState {
            scans: attendance::coalesce::Coalescer::start(db.clone()),
            db,
            auth,
            checkin,
            settings: settings.clone(),
            started: Instant::now(),
            scope_counts: points::scope_counts(),
            feed: cache::Recent::new(
                std::time::Duration::from_secs(1),
                256,
                &crate::cache::ACTIVITY_WRITES,
            ),
            boards: points::boards(),
            transcript_context: cache::Recent::new(
                transcripts::CONTEXT_KEEP,
                1,
                &crate::cache::REFERENCE_WRITES,
            ),
            pdf_renders: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            batch_turns: Arc::new(tokio::sync::Semaphore::new(
                settings.jobs.concurrency.unwrap_or_else(|| {
                    std::thread::available_parallelism()
                        .map_or(1, |n| n.get().saturating_sub(1).max(1))
                }),
            )),
            zip_turns: tokio::sync::Semaphore::new(
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get().saturating_sub(1).max(1)),
            ),
            jobs_wake: tokio::sync::Notify::new(),
            dashboards: insight::dashboards(),
            mailer,
            pdf: match pdf::PdfFonts::load() {
                Ok(fonts) => Some(fonts),
                Err(error) => {
                    tracing::warn!(%error, "transcript PDFs are unavailable");
                    None
                }
            },
        });
        points::resume_reevaluations(state.clone().into_inner());
        transcripts::print_jobs::run::start(state.clone().into_inner());
        cache_sync::start(state.clone().into_inner());
        if settings.app.scheduled_jobs {
            reports::freeze::start(state.clone().into_inner());
            reminders::start(state.clone().into_inner());
        }
        let document = openapi::document();
        let known_routes = web::Data::new(KnownRoutes::from_document(&document));
        let document_json = web::Data::new(OpenApiJson(openapi::document_json()));
        let registry = web::Data::new(metrics::Registry::new());
        let metrics = match metrics_listener {
            Some(listener) => {
                let port = listener.local_addr()?.port();
                let (state, registry) = (state.clone(), registry.clone());
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .app_data(registry.clone())
                        .route("/metrics", web::get().to(metrics::scrape))
                        .default_service(web::to(metrics::not_found))
                })
                .listen(listener)?
                .workers(1)
                // Stopped by `run_until_stopped` once the API has drained, so it can be
                // watched draining.
                .disable_signals()
                .shutdown_timeout(1)
                .run();
                Some((server, port))
            }
            None => None,
        };
        let record_requests = metrics.is_some();

        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(known_routes.clone())
                .app_data(document_json.clone())
                .app_data(registry.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(settings.server.json_limit)
                        .error_handler(error::json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .wrap(from_fn(nul::middleware))
                // Outside the NUL check, which reads JSON bodies: its reads are timed too.
                .wrap(from_fn(body_timeout::middleware))
                .wrap(Compress::default())
                .wrap(from_fn(request_id::middleware))
                // On every answer: no MIME sniffing, no framing by other sites, and no
                // address (a transcript's serial) sent to other origins.
                .wrap(
                    DefaultHeaders::new()
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::X_FRAME_OPTIONS, "DENY"))
                        .add((header::REFERRER_POLICY, "same-origin")),
                )
                // Outermost: the latency counted is all of the server's own.
                .wrap(Condition::new(
                    record_requests,
                    from_fn(metrics::middleware),
                ))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
                )
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("location", "/docs/"))
                            .finish()
                    }),
                )
                // Metrics have a listener of their own (`server.metrics_port`), never this one: a
                // scraper pointed here gets a plain 404, not the app shell.
                .route("/metrics", web::route().to(web_app::no_route))
                .configure(|cfg| routes::root(&mut ServiceConfig::new(cfg)))
                .service(
                    web::scope("/api")
                        .route("/openapi.json", web::get().to(openapi_json))
                        .configure(|cfg| routes::api(&mut ServiceConfig::new(cfg)))
                        .default_service(web::to(web_app::no_route)),
                )
                .route(
                    "/",
                    web::route()
                        .guard(guard::Any(guard::Get()).or(guard::Head()))
                        .to(web_app::root),
                )
                .service(web_app::precompressed(&settings.server.web_dist))
                .service(web_app::files(&settings.server.web_dist))
                .default_service(web::to(web_app::no_route))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Application {
            server,
            port,
            metrics,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port serving `GET /metrics`, when metrics are on.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests (graceful shutdown); the
    /// metrics listener answers until the API has drained, then stops too.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some((metrics, _)) = self.metrics else {
            return self.server.await;
        };
        let metrics_handle = metrics.handle();
        let api = async {
            let served = self.server.await;
            metrics_handle.stop(true).await;
            served
        };
        let (served, metrics_served) = tokio::join!(api, metrics);
        served.and(metrics_served)
    }
}

async fn openapi_json(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}
