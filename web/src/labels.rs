//! How domain values read in the UI: roles, organisation kinds, permissions and audit actions,
//! in the current locale.

use shared::{auth::Permission, auth::Role, org::OrgKind};

use crate::i18n::I18n;

pub fn role(i18n: I18n, role: Role) -> &'static str {
    match role {
        Role::Student => i18n.t("学生", "Student"),
        Role::Instructor => i18n.t("指导老师", "Instructor"),
        Role::OrgMain => i18n.t("组织主账号", "Organisation main account"),
        Role::OrgSub => i18n.t("组织子账号", "Organisation sub-account"),
        Role::SchoolAdmin => i18n.t("校团委管理员", "School administrator"),
    }
}

pub fn org_kind(i18n: I18n, kind: OrgKind) -> &'static str {
    i18n.t(kind.label_zh(), kind.label_en())
}

pub fn permission(i18n: I18n, permission: Permission) -> &'static str {
    i18n.t(permission.label_zh(), permission.label_en())
}

/// The audit actions the filter offers, as (prefix, 中文, English).
pub const ACTION_GROUPS: [(&str, &str, &str); 4] = [
    ("session.", "登录与退出", "Sign-ins and sign-outs"),
    ("account.", "账号", "Accounts"),
    ("organization.", "组织", "Organisations"),
    ("import.", "导入", "Imports"),
];

/// An audit action (`account.create`) in words; unknown ones as they are.
pub fn action(i18n: I18n, action: &str) -> String {
    let known = match action {
        "session.login" => Some(("登录", "Signed in")),
        "session.logout" => Some(("退出登录", "Signed out")),
        "session.logout_all" => Some(("退出所有设备", "Signed out everywhere")),
        "session.refresh_token_reused" => Some((
            "刷新令牌被重复使用，会话已终止",
            "Refresh token reused; session ended",
        )),
        "account.create" => Some(("创建账号", "Created an account")),
        "account.update" => Some(("修改账号", "Changed an account")),
        "account.reset_password" => Some(("重置密码", "Reset a password")),
        "account.change_password" => Some(("修改密码", "Changed the password")),
        "organization.create" => Some(("创建组织", "Created an organisation")),
        "organization.update" => Some(("修改组织", "Changed an organisation")),
        "demo.seed" => Some(("载入演示数据", "Loaded the demo data")),
        _ => None,
    };
    match known {
        Some((zh, en)) => i18n.t(zh, en).to_owned(),
        None => action.to_owned(),
    }
}
