//! `GET /healthz`: whether the server and its database answer.

use actix_web::{HttpResponse, get, web};
use shared::health::{DatabaseHealth, DatabaseStatus, Health, HealthStatus};
use std::time::{Duration, Instant};

use crate::AppState;

/// Health of the server and its database
///
/// 200 when the database answers `SELECT 1`, 503 when it does not; the server keeps running
/// either way and reconnects by itself. No authentication.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Everything answers", body = Health),
        (status = 503, description = "The database is unreachable", body = Health),
    ),
    security(()),
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database = probe_database(&state).await;
    let status = match database.status {
        DatabaseStatus::Up => HealthStatus::Ok,
        DatabaseStatus::Down => HealthStatus::Degraded,
    };
    let health = Health {
        status,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_seconds: state.started.elapsed().as_secs(),
        database,
    };
    match status {
        HealthStatus::Ok => HttpResponse::Ok().json(health),
        HealthStatus::Degraded => HttpResponse::ServiceUnavailable().json(health),
    }
}

async fn probe_database(state: &AppState) -> DatabaseHealth {
    let started = Instant::now();
    let outcome = async {
        let mut conn = state.db.conn().await.map_err(|e| e.to_string())?;
        let ping = tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&mut conn));
        match ping.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => {
                // A connection that failed its ping is not returned to the pool.
                let _ = diesel_async::pooled_connection::deadpool::Object::take(conn);
                Err(format!("query failed: {error}"))
            }
            Err(_) => {
                let _ = diesel_async::pooled_connection::deadpool::Object::take(conn);
                Err("query timed out".to_owned())
            }
        }
    }
    .await;
    let (pool_size, pool_idle) = state.db.occupancy();
    match outcome {
        Ok(()) => DatabaseHealth {
            status: DatabaseStatus::Up,
            latency_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
            pool_size,
            pool_idle,
            error: None,
        },
        Err(error) => {
            tracing::warn!(%error, "health check: database down");
            DatabaseHealth {
                status: DatabaseStatus::Down,
                latency_ms: None,
                pool_size,
                pool_idle,
                error: Some("database unreachable".to_owned()),
            }
        }
    }
}
