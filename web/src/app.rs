//! The route table and the app-wide contexts (locale, session, school profile). Each page that
//! needs an account names what it needs ([`Access`]); the guard sends signed-out users to
//! `/login?next=…` and shows "no permission" to accounts that lack it. The organisations' pages
//! and two public ones are `Lazy…` stand-ins whose code is fetched on first visit
//! ([`lazy_pages!`]), so that what a student's phone loads first stays small.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use shared::auth::Permission;

use crate::{
    components::{
        cadre_nav::CADRES,
        guard::{Access, Guard},
        layout::Layout,
        lazy::LazyView,
        points_nav::{BEHIND, TRANSCRIPTS},
        practice_nav::PRACTICE,
        survey::SURVEYS,
    },
    i18n, pages, session,
};

/// Who opens `/workload`: an organisation with `view_reports` (its instructors) or an
/// instructor (their own sheet).
const WORKLOAD: &[Access] = &[
    Access::Permission(Permission::ViewReports),
    Access::Instructor,
];

/// Who scans personal codes: an organisation with `record_attendance` (over the activity's
/// organiser, which the API checks) or an instructor of the activity.
const SCANNER: &[Access] = &[
    Access::Permission(Permission::RecordAttendance),
    Access::Instructor,
];

#[component]
pub fn App() -> impl IntoView {
    i18n::provide();
    session::provide();
    // The school's names appear in the header of every page: load them once.
    let school = LocalResource::new(crate::api::school);
    provide_context(school);

    view! {
        <Router>
            <Layout>
                <Routes fallback=crate::components::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home />
                    <Route path=path!("/calendar") view=pages::calendar::CalendarPage />
                    <Route path=path!("/status") view=LazyStatusPage />
                    <Route path=path!("/login") view=pages::login::LoginPage />
                    <Route path=path!("/checkin") view=pages::checkin::CheckinPage />
                    // Public: the QR code on a printed transcript opens it, signed in or not.
                    <Route path=path!("/verify/:serial") view=LazyVerifyPage />
                    <Route path=path!("/account") view=|| view! {
                        <Guard access=Access::SignedIn><pages::account::AccountPage /></Guard>
                    } />
                    <Route path=path!("/org") view=|| view! {
                        <Guard access=Access::Organization><LazyOrgPage /></Guard>
                    } />
                    <Route path=path!("/org/:id/accounts") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageAccounts)><LazyOrgAccountsPage /></Guard>
                    } />
                    <Route path=path!("/people") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageAccounts)><LazyPeoplePage /></Guard>
                    } />
                    <Route path=path!("/people/import") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageAccounts)><LazyImportPage /></Guard>
                    } />
                    <Route path=path!("/activities") view=|| view! {
                        <Guard access=Access::SignedIn><pages::activities::ActivitiesPage /></Guard>
                    } />
                    <Route path=path!("/activities/:id") view=|| view! {
                        <Guard access=Access::SignedIn><pages::activity::ActivityPage /></Guard>
                    } />
                    // 我的签到码: shown offline from the key kept on the phone.
                    <Route path=path!("/me/code") view=|| view! {
                        <Guard access=Access::Student><LazyMyCodePage /></Guard>
                    } />
                    // 扫码签到: the organiser's phone scans personal codes, offline if need be.
                    <Route path=path!("/activities/:id/scan") view=|| view! {
                        <Guard access=Access::AnyOf(SCANNER)><LazyScannerPage /></Guard>
                    } />
                    <Route path=path!("/me/activities") view=|| view! {
                        <Guard access=Access::SignedIn><pages::my_activities::MyActivitiesPage /></Guard>
                    } />
                    <Route path=path!("/points") view=|| view! {
                        <Guard access=Access::Student><pages::points::PointsPage /></Guard>
                    } />
                    <Route path=path!("/transcript") view=|| view! {
                        <Guard access=Access::Student><pages::transcript::TranscriptPage /></Guard>
                    } />
                    <Route path=path!("/leaderboard") view=|| view! {
                        <Guard access=Access::SignedIn><pages::leaderboard::LeaderboardPage /></Guard>
                    } />
                    <Route path=path!("/notifications") view=|| view! {
                        <Guard access=Access::SignedIn><pages::notifications::NotificationsPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities") view=|| view! {
                        <Guard access=Access::Organization><LazyManageActivitiesPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/new") view=|| view! {
                        <Guard access=Access::Permission(Permission::PublishActivities)><LazyNewActivityPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/edit") view=|| view! {
                        <Guard access=Access::Permission(Permission::PublishActivities)><LazyEditActivityPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/registrations") view=|| view! {
                        <Guard access=Access::Organization><LazyRegistrationsPage /></Guard>
                    } />
                    <Route path=path!("/reviews") view=|| view! {
                        <Guard access=Access::Permission(Permission::ReviewActivities)><LazyReviewsPage /></Guard>
                    } />
                    <Route path=path!("/audit") view=|| view! {
                        <Guard access=Access::Organization><LazyAuditPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/checkin") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecordAttendance)><LazyCheckinScreenPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/attendance") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecordAttendance)><LazyAttendancePage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/results") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecogniseResults)><LazyResultsPage /></Guard>
                    } />
                    <Route path=path!("/manage/requests") view=|| view! {
                        <Guard access=Access::Organization><LazyRequestsPage /></Guard>
                    } />
                    <Route path=path!("/manage/checkin-policy") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecordAttendance)><LazyCheckinPolicyPage /></Guard>
                    } />
                    <Route path=path!("/manage/overdue") view=|| view! {
                        <Guard access=Access::Organization><LazyOverduePage /></Guard>
                    } />
                    // 问卷 and 活动评价: the students' answering page stays in the main chunk.
                    <Route path=path!("/surveys") view=|| view! {
                        <Guard access=Access::AnyPermission(SURVEYS)><LazySurveysPage /></Guard>
                    } />
                    <Route path=path!("/surveys/new") view=|| view! {
                        <Guard access=Access::Permission(Permission::PublishActivities)><LazyNewSurveyPage /></Guard>
                    } />
                    <Route path=path!("/surveys/:id/edit") view=|| view! {
                        <Guard access=Access::AnyPermission(SURVEYS)><LazyEditSurveyPage /></Guard>
                    } />
                    <Route path=path!("/surveys/:id/results") view=|| view! {
                        <Guard access=Access::AnyPermission(SURVEYS)><LazySurveyResultsPage /></Guard>
                    } />
                    <Route path=path!("/surveys/:id") view=|| view! {
                        <Guard access=Access::Student><pages::survey::SurveyPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/evaluations") view=|| view! {
                        <Guard access=Access::AnyPermission(SURVEYS)><LazyEvaluationsPage /></Guard>
                    } />
                    <Route path=path!("/admin") view=|| view! {
                        <Guard access=Access::Organization><LazyPointsHome /></Guard>
                    } />
                    <Route path=path!("/admin/rules") view=|| view! {
                        <Guard access=Access::Organization><LazyRulesPage /></Guard>
                    } />
                    <Route path=path!("/admin/behind") view=|| view! {
                        <Guard access=Access::AnyPermission(BEHIND)><LazyBehindPage /></Guard>
                    } />
                    <Route path=path!("/admin/students/:id/points") view=|| view! {
                        <Guard access=Access::AnyPermission(BEHIND)><LazyStudentPointsPage /></Guard>
                    } />
                    <Route path=path!("/admin/students/:id/transcript") view=|| view! {
                        <Guard access=Access::AnyPermission(TRANSCRIPTS)><LazyStudentTranscriptPage /></Guard>
                    } />
                    <Route path=path!("/cadres") view=|| view! {
                        <Guard access=Access::AnyPermission(CADRES)><LazyPositionsPage /></Guard>
                    } />
                    <Route path=path!("/cadres/import") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageCadres)><LazyPositionsImportPage /></Guard>
                    } />
                    <Route path=path!("/cadres/rounds") view=|| view! {
                        <Guard access=Access::AnyPermission(CADRES)><LazyRoundsPage /></Guard>
                    } />
                    <Route path=path!("/cadres/rounds/:id") view=|| view! {
                        <Guard access=Access::AnyPermission(CADRES)><LazyRoundPage /></Guard>
                    } />
                    <Route path=path!("/cadres/settings") view=|| view! {
                        <Guard access=Access::AnyPermission(CADRES)><LazyCadreSettingsPage /></Guard>
                    } />
                    <Route path=path!("/practice") view=|| view! {
                        <Guard access=Access::AnyPermission(PRACTICE)><LazyPracticeListPage /></Guard>
                    } />
                    <Route path=path!("/practice/new") view=|| view! {
                        <Guard access=Access::Permission(Permission::PublishActivities)><LazyNewPracticePage /></Guard>
                    } />
                    <Route path=path!("/practice/:id") view=|| view! {
                        <Guard access=Access::AnyPermission(PRACTICE)><LazyPracticePage /></Guard>
                    } />
                    <Route path=path!("/admin/print") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><LazyPrintPage /></Guard>
                    } />
                    // 电子证书: the issued list, the templates and their editor, issuing.
                    <Route path=path!("/certificates") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><LazyCertificatesPage /></Guard>
                    } />
                    <Route path=path!("/certificates/templates") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><LazyTemplatesPage /></Guard>
                    } />
                    <Route path=path!("/certificates/templates/new") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><LazyNewTemplatePage /></Guard>
                    } />
                    <Route path=path!("/certificates/templates/:id") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><LazyTemplatePage /></Guard>
                    } />
                    <Route path=path!("/certificates/issue") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><LazyIssuePage /></Guard>
                    } />
                    // A student's certificates (我的证书).
                    <Route path=path!("/me/certificates") view=|| view! {
                        <Guard access=Access::Student><LazyWalletPage /></Guard>
                    } />
                    <Route path=path!("/insight") view=|| view! {
                        <Guard access=Access::Permission(Permission::ViewReports)><LazyInsightPage /></Guard>
                    } />
                    // An organisation's instructors, or an instructor's own sheet.
                    <Route path=path!("/workload") view=|| view! {
                        <Guard access=Access::AnyOf(WORKLOAD)><LazyWorkloadPage /></Guard>
                    } />
                    // 工作月报: who may read or file which report is the API's to say.
                    <Route path=path!("/reports") view=|| view! {
                        <Guard access=Access::Organization><LazyReportsPage /></Guard>
                    } />
                    <Route path=path!("/reports/school/:month") view=|| view! {
                        <Guard access=Access::Organization><LazySchoolReportPage /></Guard>
                    } />
                    <Route path=path!("/reports/:id") view=|| view! {
                        <Guard access=Access::Organization><LazyMonthlyReportPage /></Guard>
                    } />
                </Routes>
            </Layout>
        </Router>
    }
}

/// `group { LazyPage => path::to::Page; … }`: a WASM chunk `group` holding the pages, and for
/// each page a component `LazyPage` that fetches the chunk on first use and then shows `Page`
/// (see [`LazyView`]).
///
/// One split point per group rather than Leptos's `#[lazy]` on each page: with a chunk per
/// page, the split shares the pages' common code out into some 180 files, up to 57 of them
/// fetched for one page. With a chunk per console, its first page fetches it (and the few pieces
/// shared with other consoles); every other page of the console is then at hand.
///
/// Components rather than `#[lazy_route]`s: the router lets a lazy route that is still loading
/// when the app starts overwrite the page of a later navigation (a redirect, or a quick tap).
/// And so the guards in the route table decide before anything is fetched.
macro_rules! lazy_pages {
    ($($group:ident { $($lazy:ident => $($page:ident)::+;)* })*) => {$(
        mod $group {
            use super::*;

            /// The group's pages.
            #[derive(Clone, Copy)]
            #[allow(clippy::enum_variant_names)]
            pub enum Page {
                $($lazy,)*
            }

            // The split point: the build moves this function, and all that only it reaches,
            // into the group's chunk; calling it fetches the chunk first.
            #[::leptos::wasm_split::wasm_split(
                $group,
                wasm_split_path = ::leptos::wasm_split,
                fallible
            )]
            pub fn show(page: Page) -> Result<AnyView, SplitLoaderError> {
                Ok(match page {
                    $(Page::$lazy => view! { <$($page)::+ /> }.into_any(),)*
                })
            }
        }

        $(
            #[component]
            fn $lazy() -> impl IntoView {
                view! { <LazyView load=$group::show($group::Page::$lazy) /> }
            }
        )*
    )*};
}

// The pages whose code loads on first visit: each group a WASM chunk (`cargo xtask build-web`
// splits the module at these points; see xtask/src/web.rs). The organisations' three consoles,
// which a student's phone never downloads, and two public pages off the students' daily path.
lazy_pages! {
    // 活动管理: an organisation's activities, from publishing to recognising the results.
    activities {
        LazyManageActivitiesPage => pages::manage_activities::ManageActivitiesPage;
        LazyNewActivityPage => pages::activity_edit::NewActivityPage;
        LazyEditActivityPage => pages::activity_edit::EditActivityPage;
        LazyRegistrationsPage => pages::registrations::RegistrationsPage;
        LazyReviewsPage => pages::reviews::ReviewsPage;
        LazyCheckinScreenPage => pages::checkin_screen::CheckinScreenPage;
        LazyAttendancePage => pages::attendance::AttendancePage;
        LazyResultsPage => pages::results::ResultsPage;
        LazyRequestsPage => pages::requests::RequestsPage;
        LazyOverduePage => pages::overdue::OverduePage;
        LazyCheckinPolicyPage => pages::checkin_policy::CheckinPolicyPage;
    }
    // 组织与人员: the organisation tree, its accounts, the students, and the audit log.
    accounts {
        LazyOrgPage => pages::organizations::OrgPage;
        LazyOrgAccountsPage => pages::organization_accounts::OrgAccountsPage;
        LazyPeoplePage => pages::people::PeoplePage;
        LazyImportPage => pages::people_import::ImportPage;
        LazyPositionsImportPage => pages::people_import::PositionsImportPage;
        LazyAuditPage => pages::audit::AuditPage;
    }
    // 积分: the points console.
    points {
        LazyPointsHome => crate::components::points_nav::PointsHome;
        LazyRulesPage => pages::rules::RulesPage;
        LazyBehindPage => pages::behind::BehindPage;
        LazyStudentPointsPage => pages::student_points::StudentPointsPage;
        LazyStudentTranscriptPage => pages::transcript::StudentTranscriptPage;
        LazyPrintPage => pages::print_jobs::PrintPage;
    }
    // 学生干部: the register of positions, assessment rounds, and the school's types and
    // standard.
    cadres {
        LazyPositionsPage => pages::cadres::PositionsPage;
        LazyRoundsPage => pages::assessment_round::RoundsPage;
        LazyRoundPage => pages::assessment_round::RoundPage;
        LazyCadreSettingsPage => pages::cadre_settings::CadreSettingsPage;
    }
    // 社会实践与培训: practice teams and training records, their reports and certification.
    practice {
        LazyPracticeListPage => pages::practice::PracticeListPage;
        LazyNewPracticePage => pages::practice::NewPracticePage;
        LazyPracticePage => pages::practice::PracticePage;
    }
    // 问卷: building surveys, their results, and activity ratings.
    surveys {
        LazySurveysPage => pages::surveys::SurveysPage;
        LazyNewSurveyPage => pages::survey_edit::NewSurveyPage;
        LazyEditSurveyPage => pages::survey_edit::EditSurveyPage;
        LazySurveyResultsPage => pages::survey_results::SurveyResultsPage;
        LazyEvaluationsPage => pages::survey_results::EvaluationsPage;
    }
    // 工作月报: the colleges' monthly reports and the school's report over them.
    reports {
        LazyReportsPage => pages::reports::ReportsPage;
        LazyMonthlyReportPage => pages::report::MonthlyReportPage;
        LazySchoolReportPage => pages::school_report::SchoolReportPage;
    }
    // 统计: the live dashboard (and its charts) and the instructor workload sheet.
    insight {
        LazyInsightPage => pages::insight::InsightPage;
        LazyWorkloadPage => pages::workload::WorkloadPage;
    }
    // 电子证书: the issued certificates, the template editor (with its live preview) and issuing.
    certificates {
        LazyCertificatesPage => pages::certificates::CertificatesPage;
        LazyTemplatesPage => pages::certificate_templates::TemplatesPage;
        LazyNewTemplatePage => pages::certificate_templates::NewTemplatePage;
        LazyTemplatePage => pages::certificate_templates::TemplatePage;
        LazyIssuePage => pages::certificate_issue::IssuePage;
    }
    // A student's certificates: opened now and then, not on the daily path.
    wallet {
        LazyWalletPage => pages::wallet::WalletPage;
    }
    // 我的签到码: the student's personal code, with its signing (Ed25519) and QR drawing — about
    // 100 KB that the daily pages do not need. The service worker fetches it when it installs,
    // so the code opens with no network.
    my_code {
        LazyMyCodePage => pages::my_code::MyCodePage;
    }
    // 扫码签到: the organiser's scanner, with its QR reader (rqrr), which no student's phone
    // needs.
    scanner {
        LazyScannerPage => pages::scanner::ScannerPage;
    }
    // The platform's health.
    status {
        LazyStatusPage => pages::status::StatusPage;
    }
    // The verification that the QR code on a printed transcript or certificate opens, mostly on
    // the phone of whoever checks the paper.
    verify {
        LazyVerifyPage => pages::verify::VerifyPage;
    }
}
