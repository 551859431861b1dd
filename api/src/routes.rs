//! The URL table: every endpoint of the API, registered once. The same registration builds the
//! OpenAPI document (see [`crate::openapi`]), so the docs cannot miss a route.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::{accounts, audit, calendar, health, me, organizations, school, sessions};

/// Endpoints outside `/api` (operational).
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz);
}

/// Endpoints under `/api`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(school::get_school)
        .service(calendar::list_days)
        .service(calendar::deadline)
        // Signing in and the signed-in account
        .service(sessions::login)
        .service(sessions::refresh)
        .service(sessions::logout)
        .service(sessions::logout_all)
        .service(me::me)
        .service(me::change_password)
        // The organisation tree and its accounts
        .service(organizations::list)
        .service(organizations::create)
        .service(organizations::get)
        .service(organizations::update)
        .service(organizations::list_accounts)
        .service(organizations::create_account)
        .service(accounts::update)
        .service(accounts::reset_password)
        .service(audit::list);
}
