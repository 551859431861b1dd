//! In-app notifications (站内通知): what an account is told about its sign-ups and activities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// `activity_cancelled`, `waitlist_promoted`, `registration_decided`, `lottery_drawn` …
    pub kind: String,
    pub title: String,
    pub body: String,
    pub activity_id: Option<i64>,
    pub read_at: Option<DateTime<Utc>>,
}
