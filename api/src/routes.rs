//! The URL table: every endpoint of the API, registered once. The same registration builds the
//! OpenAPI document (see [`crate::openapi`]), so the docs cannot miss a route.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::{calendar, health, school};

/// Endpoints outside `/api` (operational).
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz);
}

/// Endpoints under `/api`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(school::get_school)
        .service(calendar::list_days)
        .service(calendar::deadline);
}
