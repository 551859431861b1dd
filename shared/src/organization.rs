//! The organisation tree: school (校团委) → colleges (学院团委) and school-level organisations
//! → clubs and student organisations (社团).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiError, auth::Permission};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The root: the school's Youth League committee (校团委).
    School,
    /// A college's league committee (学院团委).
    College,
    /// A school-level organisation (校学生会, 新媒体中心 …).
    SchoolOrg,
    /// A club or student organisation (社团, 团学组织).
    Club,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [
        OrgKind::School,
        OrgKind::College,
        OrgKind::SchoolOrg,
        OrgKind::Club,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::School => "school",
            OrgKind::College => "college",
            OrgKind::SchoolOrg => "school_org",
            OrgKind::Club => "club",
        }
    }

    pub fn parse(text: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Whether an organisation of this kind may have a child of `child` kind.
    pub fn may_contain(self, child: OrgKind) -> bool {
        matches!(
            (self, child),
            (OrgKind::School, OrgKind::College | OrgKind::SchoolOrg)
                | (OrgKind::College | OrgKind::SchoolOrg, OrgKind::Club)
        )
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::School => "校团委",
            OrgKind::College => "学院团委",
            OrgKind::SchoolOrg => "校级组织",
            OrgKind::Club => "社团",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OrgKind::School => "School committee",
            OrgKind::College => "College committee",
            OrgKind::SchoolOrg => "School-level organisation",
            OrgKind::Club => "Club",
        }
    }
}

/// An organisation as other records name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationRef {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    /// Ids from the root down to this organisation (itself last).
    pub path: Vec<i64>,
}

impl OrganizationRef {
    /// Whether `other` lies in this organisation's subtree (itself included).
    pub fn contains(&self, other: &[i64]) -> bool {
        other.contains(&self.id)
    }
}

/// An organisation in full: `GET /api/organizations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "id": 5, "parent_id": 2, "path": [1, 2, 5], "kind": "club", "code": "acm",
        "name": "程序设计协会", "active": true, "main_account": "acm_admin",
        "created_at": "2026-11-28T06:00:00Z"
    }))
)]
pub struct Organization {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: Vec<i64>,
    pub kind: OrgKind,
    /// Short unique code (lowercase letters, digits, `_` `-`), used in account names and URLs.
    pub code: String,
    pub name: String,
    pub active: bool,
    /// Account name of the organisation's main account.
    pub main_account: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The main account created together with an organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMainAccount {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9_.@-]{3,64}$")
    )]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
}

/// `POST /api/organizations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "parent_id": 2, "kind": "club", "code": "robotics", "name": "机器人协会",
        "main_account": {"username": "robotics_admin", "password": "Robot2026ok"}
    }))
)]
pub struct CreateOrganization {
    pub parent_id: i64,
    pub kind: OrgKind,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_-]{2,32}$"))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub main_account: NewMainAccount,
}

impl CreateOrganization {
    pub fn validate(&self) -> Result<(), ApiError> {
        check_code("code", &self.code)?;
        crate::auth::check_name("name", &self.name)?;
        crate::auth::check_username("main_account.username", &self.main_account.username)?;
        crate::auth::check_password(
            "main_account.password",
            &self.main_account.password,
            &self.main_account.username,
        )
    }
}

/// `PATCH /api/organizations/{id}`: rename, move (new parent) or (de)activate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"name": "程序设计与算法协会"})))]
pub struct UpdateOrganization {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    pub parent_id: Option<i64>,
    /// `false` deactivates the organisation and everything under it; its accounts can no
    /// longer sign in.
    pub active: Option<bool>,
}

impl UpdateOrganization {
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(name) = &self.name {
            crate::auth::check_name("name", name)?;
        }
        if self.name.is_none() && self.parent_id.is_none() && self.active.is_none() {
            return Err(ApiError::invalid(
                "name",
                "nothing to change: give name, parent_id or active",
            ));
        }
        Ok(())
    }
}

/// Organisation codes: 2–32 of lowercase letters, digits, `_` and `-`.
pub fn check_code(field: &str, code: &str) -> Result<(), ApiError> {
    let ok = (2..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "use 2–32 lowercase letters, digits, _ or -",
        ))
    }
}

/// A sub-account (子账号) of an organisation: `GET /api/organizations/{id}/accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub organization_id: i64,
    pub is_main: bool,
    pub permissions: Vec<Permission>,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/organizations/{id}/accounts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "username": "cs_publisher", "display_name": "计算机学院团委·宣传", "password": "Publish2026",
        "permissions": ["publish_activities"]
    }))
)]
pub struct CreateSubAccount {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9_.@-]{3,64}$")
    )]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub display_name: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    pub permissions: Vec<Permission>,
}

impl CreateSubAccount {
    pub fn validate(&self) -> Result<(), ApiError> {
        crate::auth::check_username("username", &self.username)?;
        crate::auth::check_name("display_name", &self.display_name)?;
        crate::auth::check_password("password", &self.password, &self.username)
    }
}

/// `PATCH /api/accounts/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"permissions": ["publish_activities", "record_attendance"]})))]
pub struct UpdateAccount {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub display_name: Option<String>,
    /// The sub-account's permissions, replacing the old set (main accounts hold all).
    pub permissions: Option<Vec<Permission>>,
    /// `false` disables the account at once: its sessions end and it cannot sign in.
    pub active: Option<bool>,
}

/// `POST /api/accounts/{id}/reset-password` answers a one-time password to hand over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    pub username: String,
    /// Shown once; the account must change it at its next sign-in.
    pub temporary_password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_shape() {
        assert!(OrgKind::School.may_contain(OrgKind::College));
        assert!(OrgKind::School.may_contain(OrgKind::SchoolOrg));
        assert!(OrgKind::College.may_contain(OrgKind::Club));
        assert!(!OrgKind::Club.may_contain(OrgKind::Club));
        assert!(!OrgKind::College.may_contain(OrgKind::College));
        assert!(!OrgKind::School.may_contain(OrgKind::School));
    }

    #[test]
    fn codes() {
        assert!(check_code("code", "cs").is_ok());
        assert!(check_code("code", "Cs").is_err());
        assert!(check_code("code", "x").is_err());
    }
}
