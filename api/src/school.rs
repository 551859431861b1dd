//! `GET /api/school`: the school's public profile; `/api/school/checkin-policy`: how bursts of
//! check-ins are flagged.

use actix_web::{get, put, web};
use diesel_async::AsyncConnection;
use shared::{auth::Permission, checkin::CheckinPolicy, school::School};

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change},
    error::AppError,
};

/// The school's public profile
///
/// Names as printed on transcripts and shown in the app. 404 `not_found` until the school has
/// been configured (the demo data configures 示范大学). No authentication.
#[utoipa::path(
    tag = "school",
    responses(
        (status = 200, description = "The profile", body = School),
        (status = 404, description = "Not configured yet", body = shared::ApiError),
        (status = 503, description = "Database unavailable", body = shared::ApiError),
    ),
    security(()),
)]
#[get("/school")]
pub async fn get_school(state: web::Data<AppState>) -> Result<web::Json<School>, AppError> {
    let mut conn = state.db.conn().await?;
    db::school::get(&mut conn)
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("school profile"))
}

/// The school's check-in policy
///
/// How bursts of check-ins are flagged: the sliding window, the number of check-ins from one
/// network address and of scans from one phone within it, and the campus networks whose shared
/// (NAT) addresses are not flagged. The defaults (10 s, 8 per address, 3 per phone, no trusted
/// networks) until the school sets it. Any organisation admin with `record_attendance`.
#[utoipa::path(
    tag = "school",
    responses(
        (status = 200, description = "The policy", body = CheckinPolicy),
        (status = 401, description = "Not signed in", body = shared::ApiError),
        (status = 403, description = "Permission missing", body = shared::ApiError),
    ),
    security(("bearer" = [])),
)]
#[get("/school/checkin-policy")]
pub async fn get_checkin_policy(
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<web::Json<CheckinPolicy>, AppError> {
    actor.require(Permission::RecordAttendance)?;
    let mut conn = state.db.conn().await?;
    Ok(web::Json(db::school::checkin_policy(&mut conn).await?))
}

/// Set the school's check-in policy
///
/// The school admin's (the root organisation with `manage_accounts`). Trusted networks are
/// written back canonically (`10.12.0.0/16`). Recorded in the audit log.
#[utoipa::path(
    tag = "school",
    request_body = CheckinPolicy,
    responses(
        (status = 200, description = "The policy", body = CheckinPolicy),
        (status = 400, description = "Malformed body", body = shared::ApiError),
        (status = 401, description = "Not signed in", body = shared::ApiError),
        (status = 403, description = "Not the school admin", body = shared::ApiError),
        (status = 404, description = "The school is not configured yet", body = shared::ApiError),
        (status = 422, description = "A value out of range, or a network not in CIDR notation", body = shared::ApiError,
            example = json!({"code": "validation_failed", "message": "a network in CIDR notation, such as 10.0.0.0/8", "field": "trusted_networks[1]"})),
    ),
    security(("bearer" = [])),
)]
#[put("/school/checkin-policy")]
pub async fn put_checkin_policy(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CheckinPolicy>,
) -> Result<web::Json<CheckinPolicy>, AppError> {
    actor.require_school_admin("the check-in policy is")?;
    let policy = body.into_inner();
    policy.validate()?;
    let policy = policy.normalized();
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if !db::school::set_checkin_policy(conn, &policy, actor.account_id).await? {
            return Err(AppError::not_found("school profile"));
        }
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "school.checkin_policy",
                target_type: "school",
                target_id: "1".to_owned(),
                details: serde_json::to_value(&policy).unwrap_or_default(),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(policy))
}
