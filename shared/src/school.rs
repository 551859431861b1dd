//! The school running the platform: its names as printed on transcripts and shown in the app.

use serde::{Deserialize, Serialize};

/// Public profile of the school (`GET /api/school`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "name": "示范大学",
        "name_en": "Demonstration University",
        "league_committee": "共青团示范大学委员会",
        "timezone": "Asia/Shanghai"
    }))
)]
pub struct School {
    /// Full Chinese name, as printed on transcripts.
    pub name: String,
    /// English name, for the English locale and bilingual transcripts.
    pub name_en: String,
    /// The Youth League committee (校团委) that runs the platform.
    pub league_committee: String,
    /// IANA time zone every date and deadline is counted in.
    pub timezone: String,
}
