//! Accounts, roles and permissions as both sides see them, and the rules for names and
//! passwords (the web app checks forms with the same functions the server applies).

use serde::{Deserialize, Serialize};

use crate::{ApiError, organization::OrganizationRef};

/// What an organisation account may do. The main account of an organisation holds all of them;
/// it grants each sub-account a subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create activities and submit them for review (发布活动).
    PublishActivities,
    /// Review what lower levels submit (审核).
    ReviewActivities,
    /// Record attendance and make-up check-ins (考勤).
    RecordAttendance,
    /// Recognise results and points (成绩认定).
    RecogniseResults,
    /// Manage student cadres and their assessments (学生干部).
    ManageCadres,
    /// Certify practice teams and training (实践认证).
    CertifyPractice,
    /// Issue e-certificates (电子证书).
    IssueCertificates,
    /// See statistics, reports and the audit log (报表).
    ViewReports,
    /// Manage organisations, accounts and people (账号管理).
    ManageAccounts,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::PublishActivities,
        Permission::ReviewActivities,
        Permission::RecordAttendance,
        Permission::RecogniseResults,
        Permission::ManageCadres,
        Permission::CertifyPractice,
        Permission::IssueCertificates,
        Permission::ViewReports,
        Permission::ManageAccounts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::PublishActivities => "publish_activities",
            Permission::ReviewActivities => "review_activities",
            Permission::RecordAttendance => "record_attendance",
            Permission::RecogniseResults => "recognise_results",
            Permission::ManageCadres => "manage_cadres",
            Permission::CertifyPractice => "certify_practice",
            Permission::IssueCertificates => "issue_certificates",
            Permission::ViewReports => "view_reports",
            Permission::ManageAccounts => "manage_accounts",
        }
    }

    pub fn parse(text: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// Chinese label, as the console shows it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Permission::PublishActivities => "发布活动",
            Permission::ReviewActivities => "审核活动",
            Permission::RecordAttendance => "记录考勤",
            Permission::RecogniseResults => "认定成绩",
            Permission::ManageCadres => "管理学生干部",
            Permission::CertifyPractice => "认证实践",
            Permission::IssueCertificates => "颁发证书",
            Permission::ViewReports => "查看报表",
            Permission::ManageAccounts => "管理账号",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Permission::PublishActivities => "Publish activities",
            Permission::ReviewActivities => "Review activities",
            Permission::RecordAttendance => "Record attendance",
            Permission::RecogniseResults => "Recognise results",
            Permission::ManageCadres => "Manage cadres",
            Permission::CertifyPractice => "Certify practice",
            Permission::IssueCertificates => "Issue certificates",
            Permission::ViewReports => "View reports",
            Permission::ManageAccounts => "Manage accounts",
        }
    }
}

/// Who an account is, for navigation and authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Student,
    Instructor,
    /// The main account (主账号) of an organisation other than the school.
    OrgMain,
    /// A sub-account (子账号) of an organisation.
    OrgSub,
    /// The main account of the root organisation (校团委).
    SchoolAdmin,
}

impl Role {
    /// Organisation accounts (main, sub, school admin) act on organisations.
    pub fn is_organization(self) -> bool {
        matches!(self, Role::OrgMain | Role::OrgSub | Role::SchoolAdmin)
    }
}

/// Role and effective permissions of an account, from what is stored.
pub fn role_and_permissions(
    kind: AccountKind,
    is_main: bool,
    org_is_root: bool,
    stored: &[String],
) -> (Role, Vec<Permission>) {
    match kind {
        AccountKind::Student => (Role::Student, Vec::new()),
        AccountKind::Staff => (Role::Instructor, Vec::new()),
        AccountKind::Organization if is_main => (
            if org_is_root {
                Role::SchoolAdmin
            } else {
                Role::OrgMain
            },
            Permission::ALL.to_vec(),
        ),
        AccountKind::Organization => {
            let mut permissions: Vec<Permission> =
                stored.iter().filter_map(|p| Permission::parse(p)).collect();
            permissions.sort();
            permissions.dedup();
            (Role::OrgSub, permissions)
        }
    }
}

/// The kind of account, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Student,
    Staff,
    Organization,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Student => "student",
            AccountKind::Staff => "staff",
            AccountKind::Organization => "organization",
        }
    }
    pub fn parse(text: &str) -> Option<AccountKind> {
        match text {
            "student" => Some(AccountKind::Student),
            "staff" => Some(AccountKind::Staff),
            "organization" => Some(AccountKind::Organization),
            _ => None,
        }
    }
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"username": "cs_admin", "password": "Demo@2026"}))
)]
pub struct LoginRequest {
    /// Student number, staff number or organisation account name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub password: String,
}

/// `POST /api/auth/refresh` and `POST /api/auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A fresh pair of tokens. The access token goes in `Authorization: Bearer …`; the refresh
/// token is used once, on `POST /api/auth/refresh`, and replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

/// `POST /api/auth/login` answers the tokens and the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    #[serde(flatten)]
    pub tokens: TokenPair,
    pub user: Me,
}

/// The signed-in account: `GET /api/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "id": 2, "username": "cs_admin", "display_name": "计算机学院团委", "role": "org_main",
        "organization": {"id": 2, "name": "计算机学院团委", "kind": "college", "path": [1, 2]},
        "permissions": ["publish_activities", "review_activities", "manage_accounts"],
        "must_change_password": false
    }))
)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organization: OrganizationRef,
    /// What this account may do inside its organisation's subtree (empty for students).
    pub permissions: Vec<Permission>,
    /// After an admin reset: every other request answers `password_change_required`.
    pub must_change_password: bool,
}

impl Me {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// `POST /api/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The password policy: 8–128 characters with at least a letter and a digit, and not the
/// account name.
pub fn check_password(field: &str, password: &str, username: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(ApiError::invalid(
            field,
            format!(
                "the password must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
            ),
        ));
    }
    if !password.chars().any(|c| c.is_alphabetic()) || !password.chars().any(|c| c.is_ascii_digit())
    {
        return Err(ApiError::invalid(
            field,
            "the password needs at least one letter and one digit",
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(ApiError::invalid(
            field,
            "the password must differ from the account name",
        ));
    }
    Ok(())
}

/// Account names: 3–64 of letters, digits, `_ . @ -` (student and staff numbers fit).
pub fn check_username(field: &str, username: &str) -> Result<(), ApiError> {
    let ok = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "use 3–64 letters, digits or _ . @ -",
        ))
    }
}

/// A person's or organisation's display name: 1–100 characters after trimming.
pub fn check_name(field: &str, name: &str) -> Result<(), ApiError> {
    let chars = name.trim().chars().count();
    if (1..=100).contains(&chars) {
        Ok(())
    } else {
        Err(ApiError::invalid(field, "a name has 1 to 100 characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_their_wire_names() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
            let json = serde_json::to_string(&permission).unwrap();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
        }
    }

    #[test]
    fn password_policy() {
        assert!(check_password("p", "Demo@2026", "cs_admin").is_ok());
        assert!(check_password("p", "short1", "x").is_err());
        assert!(check_password("p", "onlyletters", "x").is_err());
        assert!(check_password("p", "1234567890", "x").is_err());
        let error = check_password("new_password", "abc12345", "ABC12345").unwrap_err();
        assert_eq!(error.field.as_deref(), Some("new_password"));
    }

    #[test]
    fn usernames() {
        assert!(check_username("u", "2023010101").is_ok());
        assert!(check_username("u", "cs_admin").is_ok());
        assert!(check_username("u", "ab").is_err());
        assert!(check_username("u", "有中文").is_err());
        assert!(check_username("u", "a b c").is_err());
    }
}
