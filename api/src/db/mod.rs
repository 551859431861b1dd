//! Database access: the connection pool, the embedded migrations, and one module per resource
//! holding functions that take a connection and return domain types.

mod error;
pub use error::{Error, Result, is_transient};

pub mod accounts;
pub mod activities;
pub mod attendance;
pub mod attendance_requests;
pub mod audit;
pub mod cache_sync;
pub mod cadres;
pub mod calendar;
pub mod categories;
pub mod certificates;
pub mod guidance;
pub mod imports;
pub mod insight;
pub mod integrity;
pub mod login_attempts;
pub mod metrics;
pub mod notifications;
pub mod organizations;
pub mod passes;
pub mod pattern;
pub mod people;
pub mod points;
pub mod practice;
pub mod prepared;
pub mod print_jobs;
pub mod recognition_requests;
pub mod registrations;
pub mod reminders;
pub mod reports;
pub mod results;
pub mod schema;
pub mod school;
pub mod seed;
pub mod standings;
pub mod surveys;
pub mod transcripts;

use diesel_async::{
    AsyncConnection, AsyncPgConnection,
    async_connection_wrapper::AsyncConnectionWrapper,
    pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod, deadpool},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// Joins `print-schema` leaves out because the two tables reference each other more than once
/// (organizations.created_by → accounts, registrations.decided_by → accounts).
mod joins {
    use super::schema::*;

    diesel::joinable!(accounts -> organizations (organization_id));
    diesel::joinable!(registrations -> accounts (student_id));
}

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`: account names compare case-insensitively (and are indexed so).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Every migration under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

pub type DbPool = deadpool::Pool<AsyncPgConnection>;
pub type DbConn = deadpool::Object<AsyncPgConnection>;

/// The pool with how long a request may wait for one of its connections.
#[derive(Clone)]
pub struct Database {
    pool: DbPool,
    acquire_timeout: Duration,
}

impl Database {
    /// Builds the pool; connects lazily, so the server starts even while PostgreSQL is down and
    /// recovers by itself when it comes back. Every connection gets `statement_timeout`, so a
    /// runaway statement or a lock wait cannot pin it (the request answers 503).
    pub fn new(
        url: &str,
        size: usize,
        acquire_timeout: Duration,
        statement_timeout: Duration,
    ) -> Database {
        // `Fast` recycling: a dropped server connection is noticed by `is_closed`, so the extra
        // `SELECT 1` round trip of `Verified` on every checkout buys nothing.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        let timeout_ms = statement_timeout.as_millis();
        if timeout_ms > 0 {
            config.custom_setup = Box::new(move |url| {
                let url = url.to_owned();
                Box::pin(async move {
                    use diesel_async::RunQueryDsl;
                    let mut conn = AsyncPgConnection::establish(&url).await?;
                    // A session setting: behind PgBouncer's transaction pooling set it on the
                    // role instead (`ALTER ROLE … SET statement_timeout`) and this to 0.
                    diesel::sql_query(format!("SET statement_timeout = {timeout_ms}"))
                        .execute(&mut conn)
                        .await
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                    Ok(conn)
                })
            });
        }
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
        let pool = deadpool::Pool::builder(manager)
            .max_size(size)
            .build()
            .expect("no runtime-dependent options set");
        Database {
            pool,
            acquire_timeout,
        }
    }

    /// A connection from the pool, or [`Error::Unavailable`] after the acquire timeout.
    pub async fn conn(&self) -> Result<DbConn> {
        match tokio::time::timeout(self.acquire_timeout, self.pool.get()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(error)) => Err(Error::Unavailable(error.to_string())),
            Err(_) => Err(Error::Unavailable(
                "timed out waiting for a database connection".into(),
            )),
        }
    }

    /// How long a request waits for a connection.
    pub fn acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// Connections open in the pool, and how many of them are idle.
    pub fn occupancy(&self) -> (u32, u32) {
        let status = self.pool.status();
        (status.size as u32, status.available as u32)
    }

    /// The pool right now, for `GET /metrics`.
    pub fn pool_status(&self) -> PoolStatus {
        let status = self.pool.status();
        PoolStatus {
            max: status.max_size,
            in_use: status.size.saturating_sub(status.available),
            idle: status.available,
            waiting: status.waiting,
        }
    }
}

/// Connections of the pool by state, and the tasks waiting for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// The most connections the pool opens.
    pub max: usize,
    /// Connections checked out (a request or a job holds them).
    pub in_use: usize,
    /// Connections open and free.
    pub idle: usize,
    /// Tasks waiting for a connection.
    pub waiting: usize,
}

/// One round trip (`SELECT 1`): whether the connection works.
pub async fn ping(conn: &mut AsyncPgConnection) -> Result<()> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn).await?;
    Ok(())
}

/// Runs every pending migration on `url`; returns the versions applied.
pub async fn migrate(url: &str) -> Result<Vec<String>, MigrateError> {
    let url = url.to_owned();
    // The migration harness is synchronous: drive it from a blocking thread over the async
    // connection, so no libpq is needed.
    tokio::task::spawn_blocking(move || {
        let mut conn: AsyncConnectionWrapper<AsyncPgConnection> =
            diesel::Connection::establish(&url).map_err(|e| MigrateError(e.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| MigrateError(e.to_string()))?;
        Ok(applied.iter().map(|version| version.to_string()).collect())
    })
    .await
    .map_err(|e| MigrateError(e.to_string()))?
}

/// Opens one connection outside the pool (CLI commands).
pub async fn connect(url: &str) -> Result<AsyncPgConnection, diesel::ConnectionError> {
    AsyncPgConnection::establish(url).await
}

#[derive(Debug, thiserror::Error)]
#[error("migration failed: {0}")]
pub struct MigrateError(String);
