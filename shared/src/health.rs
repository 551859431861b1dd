//! The health report of `GET /healthz`, also shown on the web app's status page.

use serde::{Deserialize, Serialize};

/// Overall state: `ok` when every dependency answers, `degraded` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Degraded,
}

/// Whether the database answered a trivial query just now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatabaseStatus {
    Up,
    Down,
}

/// The database part of the health report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatabaseHealth {
    pub status: DatabaseStatus,
    /// Round trip of `SELECT 1`, in milliseconds, when the database answered.
    pub latency_ms: Option<f64>,
    /// Connections open in the pool and how many of them are idle.
    pub pool_size: u32,
    pub pool_idle: u32,
    /// Why the database is considered down (no connection details).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The body of `GET /healthz` (200 when `ok`, 503 when `degraded`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "status": "ok",
        "version": "0.1.0",
        "uptime_seconds": 42,
        "database": {"status": "up", "latency_ms": 0.4, "pool_size": 2, "pool_idle": 2}
    }))
)]
pub struct Health {
    pub status: HealthStatus,
    /// Version of the API server.
    pub version: String,
    pub uptime_seconds: u64,
    pub database: DatabaseHealth,
}
