//! Who may use the practice and training pages, and the words they share with a student's
//! points page.

use shared::{
    auth::Permission,
    practice::{MemberRole, PracticeKind},
};

use crate::i18n::I18n;

/// Who may read the records (the server checks again): those who register them, those who
/// certify them, and those who read reports.
pub const PRACTICE: &[Permission] = &[
    Permission::PublishActivities,
    Permission::CertifyPractice,
    Permission::ViewReports,
];

/// 社会实践 or 培训.
pub fn kind(i18n: I18n, kind: PracticeKind) -> &'static str {
    match kind {
        PracticeKind::Practice => i18n.t("社会实践", "Social practice"),
        PracticeKind::Training => i18n.t("培训", "Training"),
    }
}

/// 队长 or 队员.
pub fn role(i18n: I18n, role: MemberRole) -> &'static str {
    match role {
        MemberRole::Leader => i18n.t("负责人", "Leader"),
        MemberRole::Member => i18n.t("成员", "Member"),
    }
}
