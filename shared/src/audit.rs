//! The audit log (谁发布，谁登记，谁审核，谁负责): who did what to which record, and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One entry: `GET /api/audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "id": 17, "at": "2026-11-28T06:00:00Z", "actor_id": 2, "actor_username": "cs_admin",
        "actor_name": "计算机学院团委", "organization_id": 2, "organization_name": "计算机学院团委",
        "action": "account.create", "target_type": "account", "target_id": "58",
        "details": {"username": "cs_publisher", "permissions": ["publish_activities"]}
    }))
)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `None` for the system itself (migrations, demo data).
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_name: Option<String>,
    /// The organisation the changed record belongs to.
    pub organization_id: Option<i64>,
    pub organization_name: Option<String>,
    /// What happened, as `resource.verb` (`organization.create`, `account.reset_password` …).
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// What changed (never a password or token).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}
