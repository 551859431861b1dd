//! Configuration: the built-in defaults (`config/default.toml`), then an optional file, then
//! environment variables. Secrets are wrapped in [`Secret`] so they never reach a log line.

use serde::Deserialize;
use std::{fmt, net::IpAddr, path::PathBuf};

const DEFAULTS: &str = include_str!("../config/default.toml");
/// A signing secret shorter than this is refused: HS256 wants at least 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// A value that must never be printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub app: AppSettings,
    pub mail: MailSettings,
    pub jobs: JobSettings,
}

/// The background job queue (batch prints), shared by every API process through PostgreSQL.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// Jobs this process runs at once (JOB_CONCURRENCY); unset: one fewer than its cores (at
    /// least one). 0: this process runs none (it serves requests; other processes run them).
    pub concurrency: Option<usize>,
    /// A running job whose heartbeat is older than this is taken over by another process
    /// (JOB_STALE_SECS).
    pub stale_secs: u32,
    /// Attempts before a job that keeps stopping is marked failed.
    pub max_attempts: u32,
    /// Batch prints one organisation may have waiting or running at once
    /// (PRINT_JOBS_PER_ORGANIZATION).
    pub per_organization: u32,
    /// Days a finished batch's file is kept (PRINT_RETENTION_DAYS).
    pub retention_days: u32,
}

/// The monthly report's e-mail (off unless `smtp_url` is set).
#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    /// `smtp://host:port` of a relay (SMTP_URL); none: no e-mail.
    pub smtp_url: Option<String>,
    /// The sender (MAIL_FROM).
    pub from: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: IpAddr,
    pub port: u16,
    pub web_dist: PathBuf,
    pub json_limit: usize,
    pub public_url: String,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` is believed
    /// (TRUSTED_PROXIES, comma-separated); nobody else's.
    pub trusted_proxies: Vec<String>,
    /// How long a request's body may take to arrive once its headers have (BODY_TIMEOUT_MS).
    pub body_timeout_ms: u64,
    /// A second listener on `host:metrics_port` serving only `GET /metrics` (METRICS_PORT; 0
    /// picks a free port). None, the default: no metrics are kept or served.
    pub metrics_port: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub pool_size: usize,
    pub acquire_timeout_ms: u64,
    /// PostgreSQL's `statement_timeout` on every pooled connection (STATEMENT_TIMEOUT_MS); 0:
    /// not set by the server (behind PgBouncer's transaction pooling, set it on the role).
    pub statement_timeout_ms: u64,
    /// Where the cache announcements are listened for (DATABASE_LISTEN_URL): PostgreSQL itself,
    /// when `url` goes through a transaction-pooling PgBouncer (LISTEN needs a session of its
    /// own); unset: `url`.
    pub listen_url: Option<Secret>,
    pub run_migrations: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: Option<Secret>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AppSettings {
    pub demo: bool,
    pub log_format: LogFormat,
    /// A batch print's file is stored and sent in parts of this many bytes.
    pub print_part_bytes: usize,
    /// Run the scheduled jobs (the monthly report's freeze on the 28th and its e-mail) in this
    /// process (SCHEDULED_JOBS); they are safe to run in several at once.
    pub scheduled_jobs: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Why the configuration cannot be used; printed at start-up, then the process exits.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Parse(String),
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
    #[error(
        "JWT_SECRET is not set: set it to a random string of at least {MIN_SECRET_BYTES} bytes \
         (e.g. `openssl rand -base64 48`), or run in demo mode (DEMO_MODE=1)"
    )]
    MissingSecret,
    #[error("JWT_SECRET is too short: at least {MIN_SECRET_BYTES} bytes are required")]
    WeakSecret,
}

impl Settings {
    /// Defaults, then `file` if given, then the process environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Settings, ConfigError> {
        Settings::load_from(file, |name| std::env::var(name).ok())
    }

    /// As [`Settings::load`], with the environment supplied by `env` (tests).
    pub fn load_from(
        file: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut merged: toml::Table =
            toml::from_str(DEFAULTS).map_err(|e| ConfigError::Parse(e.to_string()))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let overlay: toml::Table =
                toml::from_str(&text).map_err(|e| ConfigError::Parse(e.to_string()))?;
            merge(&mut merged, overlay);
        }
        let mut settings: Settings = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.to_string()))?;
        settings.apply_env(env)?;
        if settings.database.pool_size == 0 {
            return Err(ConfigError::Parse(
                "database.pool_size must be at least 1".into(),
            ));
        }
        if let Err(error) =
            crate::auth::proxies::TrustedProxies::parse(&settings.server.trusted_proxies)
        {
            return Err(ConfigError::Parse(format!(
                "server.trusted_proxies: {error}"
            )));
        }
        if settings.jobs.stale_secs == 0 || settings.jobs.max_attempts == 0 {
            return Err(ConfigError::Parse(
                "jobs.stale_secs and jobs.max_attempts must be at least 1".into(),
            ));
        }
        if settings.app.print_part_bytes < 1024 {
            return Err(ConfigError::Parse(
                "app.print_part_bytes must be at least 1024".into(),
            ));
        }
        Ok(settings)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, ConfigError>
        where
            T::Err: fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                name,
                message: e.to_string(),
            })
        }
        if let Some(v) = env("DATABASE_URL") {
            self.database.url = Secret::new(v);
        }
        if let Some(v) = env("JWT_SECRET").filter(|v| !v.is_empty()) {
            self.auth.jwt_secret = Some(Secret::new(v));
        }
        if let Some(v) = env("HOST") {
            self.server.host = parsed("HOST", v)?;
        }
        if let Some(v) = env("PORT") {
            self.server.port = parsed("PORT", v)?;
        }
        if let Some(v) = env("WEB_DIST") {
            self.server.web_dist = PathBuf::from(v);
        }
        if let Some(v) = env("PUBLIC_URL") {
            self.server.public_url = v;
        }
        if let Some(v) = env("DB_POOL_SIZE") {
            self.database.pool_size = parsed("DB_POOL_SIZE", v)?;
        }
        if let Some(v) = env("TRUSTED_PROXIES") {
            self.server.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(v) = env("METRICS_PORT") {
            self.server.metrics_port = match v.trim() {
                "" => None,
                port => Some(parsed("METRICS_PORT", port.to_owned())?),
            };
        }
        if let Some(v) = env("BODY_TIMEOUT_MS") {
            self.server.body_timeout_ms = parsed("BODY_TIMEOUT_MS", v)?;
        }
        if let Some(v) = env("DATABASE_LISTEN_URL").filter(|v| !v.trim().is_empty()) {
            self.database.listen_url = Some(Secret::new(v));
        }
        if let Some(v) = env("STATEMENT_TIMEOUT_MS") {
            self.database.statement_timeout_ms = parsed("STATEMENT_TIMEOUT_MS", v)?;
        }
        if let Some(v) = env("JOB_CONCURRENCY") {
            self.jobs.concurrency = Some(parsed("JOB_CONCURRENCY", v)?);
        }
        if let Some(v) = env("JOB_STALE_SECS") {
            self.jobs.stale_secs = parsed("JOB_STALE_SECS", v)?;
        }
        if let Some(v) = env("PRINT_JOBS_PER_ORGANIZATION") {
            self.jobs.per_organization = parsed("PRINT_JOBS_PER_ORGANIZATION", v)?;
        }
        if let Some(v) = env("PRINT_RETENTION_DAYS") {
            self.jobs.retention_days = parsed("PRINT_RETENTION_DAYS", v)?;
        }
        if let Some(v) = env("SMTP_URL") {
            self.mail.smtp_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = env("MAIL_FROM") {
            self.mail.from = v;
        }
        if let Some(v) = env("SCHEDULED_JOBS") {
            self.app.scheduled_jobs = !matches!(v.trim(), "0" | "false" | "no" | "off");
        }
        if let Some(v) = env("DEMO_MODE") {
            self.app.demo = matches!(v.trim(), "1" | "true" | "yes" | "on");
        }
        if let Some(v) = env("LOG_FORMAT") {
            self.app.log_format = match v.trim() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                other => {
                    return Err(ConfigError::Env {
                        name: "LOG_FORMAT",
                        message: format!("expected `pretty` or `json`, got `{other}`"),
                    });
                }
            };
        }
        Ok(())
    }

    /// Makes sure a signing secret is present (the server needs one; `migrate` does not):
    /// outside demo mode a missing or short secret is an error, in demo mode one is generated.
    pub fn require_secret(&mut self) -> Result<(), ConfigError> {
        match &self.auth.jwt_secret {
            Some(secret) if secret.expose().len() < MIN_SECRET_BYTES => {
                Err(ConfigError::WeakSecret)
            }
            Some(_) => Ok(()),
            None if self.app.demo => {
                self.auth.jwt_secret = Some(Secret::new(random_secret()));
                Ok(())
            }
            None => Err(ConfigError::MissingSecret),
        }
    }

    /// The signing secret, once [`Settings::require_secret`] succeeded.
    pub fn jwt_secret(&self) -> Option<&Secret> {
        self.auth.jwt_secret.as_ref()
    }
}

/// A fresh 256-bit secret for demo mode (tokens do not survive a restart, which is fine there).
fn random_secret() -> String {
    crate::auth::secret::hex(256)
}

/// Deep-merges `overlay` into `base`: tables merge key by key, other values replace.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over)) => merge(inner, over),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut settings = Settings::load_from(None, |name| vars.get(name).cloned())?;
        settings.require_secret()?;
        Ok(settings)
    }

    #[test]
    fn missing_secret_outside_demo_is_an_error() {
        let error = load(&[]).unwrap_err();
        assert!(matches!(error, ConfigError::MissingSecret));
        assert!(error.to_string().contains("JWT_SECRET"));
    }

    #[test]
    fn demo_mode_generates_a_secret() {
        let settings = load(&[("DEMO_MODE", "1")]).unwrap();
        assert!(settings.jwt_secret().unwrap().expose().len() >= MIN_SECRET_BYTES);
    }

    #[test]
    fn short_secret_is_refused() {
        assert!(matches!(
            load(&[("JWT_SECRET", "short")]),
            Err(ConfigError::WeakSecret)
        ));
    }

    #[test]
    fn environment_overrides_defaults_and_secrets_do_not_print() {
        let secret = "s".repeat(40);
        let settings = load(&[
            ("JWT_SECRET", &secret),
            ("PORT", "9999"),
            ("DATABASE_URL", "postgres://user:hunter2@db/x"),
        ])
        .unwrap();
        assert_eq!(settings.server.port, 9999);
        let printed = format!("{settings:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains(&secret),
            "{printed}"
        );
    }

    #[test]
    fn metrics_are_off_unless_a_port_is_given() {
        let secret = "s".repeat(40);
        assert_eq!(
            load(&[("JWT_SECRET", &secret)])
                .unwrap()
                .server
                .metrics_port,
            None
        );
        let on = load(&[("JWT_SECRET", &secret), ("METRICS_PORT", "9100")]).unwrap();
        assert_eq!(on.server.metrics_port, Some(9100));
        let empty = load(&[("JWT_SECRET", &secret), ("METRICS_PORT", "")]).unwrap();
        assert_eq!(empty.server.metrics_port, None);
        let error = load(&[("JWT_SECRET", &secret), ("METRICS_PORT", "x")]).unwrap_err();
        assert!(error.to_string().contains("METRICS_PORT"), "{error}");
    }

    #[test]
    fn bad_port_names_the_variable() {
        let error = load(&[("JWT_SECRET", &"s".repeat(40)), ("PORT", "eighty")]).unwrap_err();
        assert!(error.to_string().contains("PORT"), "{error}");
    }
}
