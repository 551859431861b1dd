//! Public verification by serial: `GET /api/verify/{serial}`, what the QR code on a transcript
//! opens, and what it (and issuing and revoking, which answer the same) says of a transcript.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use shared::{
    ApiError,
    transcript::{TranscriptDoc, Verification, VerificationStatus},
};

use crate::{AppState, db, error::AppError};

/// What the verification page says of a transcript.
pub(super) fn status_of(
    revoked_at: Option<DateTime<Utc>>,
    superseded_at: Option<DateTime<Utc>>,
) -> VerificationStatus {
    if revoked_at.is_some() {
        VerificationStatus::Revoked
    } else if superseded_at.is_some() {
        VerificationStatus::Superseded
    } else {
        VerificationStatus::Genuine
    }
}

pub(super) async fn verification(
    conn: &mut AsyncPgConnection,
    serial: &str,
) -> Result<Option<Verification>, AppError> {
    let Some(row) = db::transcripts::issued(conn, serial).await? else {
        return Ok(None);
    };
    let document: TranscriptDoc = serde_json::from_value(row.snapshot)
        .map_err(|e| AppError::Internal(format!("transcript snapshot: {e}")))?;
    Ok(Some(Verification {
        serial: serial.to_owned(),
        status: status_of(row.revoked_at, row.superseded_at),
        issued_at: row.issued_at,
        superseded_at: row.superseded_at,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
        document,
    }))
}

/// Well-formed serials only reach the database.
pub(super) fn check_serial(serial: &str) -> Result<(), AppError> {
    let ok = serial.len() == 33
        && serial.starts_with("SCT-")
        && serial[4..]
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(AppError::not_found("transcript"))
    }
}

/// Verify a transcript
///
/// What the QR code on a transcript opens: whether the transcript with this serial is genuine,
/// superseded by a newer one, or revoked — and exactly what it said when issued. No
/// authentication; unknown serials answer 404 and nothing else is revealed.
#[utoipa::path(
    tag = "transcripts",
    params(("serial" = String, Path, description = "The serial printed on the transcript", example = "SCT-7Q2K-9D4M-XH3B-R8TW-5NVC-1PJE")),
    responses(
        (status = 200, description = "Issued by the platform", body = Verification),
        (status = 404, description = "No transcript has this serial", body = ApiError),
    ),
    security(()),
)]
#[get("/verify/{serial}")]
pub async fn verify(
    state: web::Data<AppState>,
    serial: web::Path<String>,
) -> Result<web::Json<Verification>, AppError> {
    check_serial(&serial)?;
    let mut conn = state.db.conn().await?;
    verification(&mut conn, &serial)
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("transcript"))
}
