//! The route table and the app-wide contexts (locale, session, school profile). Each page that
//! needs an account names what it needs ([`Access`]); the guard sends signed-out users to
//! `/login?next=…` and shows "no permission" to accounts that lack it.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use shared::auth::Permission;

use crate::{
    components::{
        guard::{Access, Guard},
        layout::Layout,
        points_nav::{BEHIND, PointsHome, TRANSCRIPTS},
    },
    i18n, pages, session,
};

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
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home />
                    <Route path=path!("/calendar") view=pages::calendar::CalendarPage />
                    <Route path=path!("/status") view=pages::status::StatusPage />
                    <Route path=path!("/login") view=pages::login::LoginPage />
                    <Route path=path!("/checkin") view=pages::checkin::CheckinPage />
                    // Public: the QR code on a printed transcript opens it, signed in or not.
                    <Route path=path!("/verify/:serial") view=pages::verify::VerifyPage />
                    <Route path=path!("/account") view=|| view! {
                        <Guard access=Access::SignedIn><pages::account::AccountPage /></Guard>
                    } />
                    <Route path=path!("/org") view=|| view! {
                        <Guard access=Access::Organization><pages::org::OrgPage /></Guard>
                    } />
                    <Route path=path!("/org/:id/accounts") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageAccounts)><pages::org_accounts::OrgAccountsPage /></Guard>
                    } />
                    <Route path=path!("/people") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageAccounts)><pages::people::PeoplePage /></Guard>
                    } />
                    <Route path=path!("/people/import") view=|| view! {
                        <Guard access=Access::Permission(Permission::ManageAccounts)><pages::people_import::ImportPage /></Guard>
                    } />
                    <Route path=path!("/activities") view=|| view! {
                        <Guard access=Access::SignedIn><pages::activities::ActivitiesPage /></Guard>
                    } />
                    <Route path=path!("/activities/:id") view=|| view! {
                        <Guard access=Access::SignedIn><pages::activity::ActivityPage /></Guard>
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
                        <Guard access=Access::Organization><pages::manage_activities::ManageActivitiesPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/new") view=|| view! {
                        <Guard access=Access::Permission(Permission::PublishActivities)><pages::activity_edit::NewActivityPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/edit") view=|| view! {
                        <Guard access=Access::Permission(Permission::PublishActivities)><pages::activity_edit::EditActivityPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/registrations") view=|| view! {
                        <Guard access=Access::Organization><pages::registrations::RegistrationsPage /></Guard>
                    } />
                    <Route path=path!("/reviews") view=|| view! {
                        <Guard access=Access::Permission(Permission::ReviewActivities)><pages::reviews::ReviewsPage /></Guard>
                    } />
                    <Route path=path!("/audit") view=|| view! {
                        <Guard access=Access::Organization><pages::audit::AuditPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/checkin") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecordAttendance)><pages::checkin_screen::CheckinScreenPage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/attendance") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecordAttendance)><pages::attendance::AttendancePage /></Guard>
                    } />
                    <Route path=path!("/manage/activities/:id/results") view=|| view! {
                        <Guard access=Access::Permission(Permission::RecogniseResults)><pages::results::ResultsPage /></Guard>
                    } />
                    <Route path=path!("/manage/requests") view=|| view! {
                        <Guard access=Access::Organization><pages::requests::RequestsPage /></Guard>
                    } />
                    <Route path=path!("/manage/overdue") view=|| view! {
                        <Guard access=Access::Organization><pages::overdue::OverduePage /></Guard>
                    } />
                    <Route path=path!("/admin") view=|| view! {
                        <Guard access=Access::Organization><PointsHome /></Guard>
                    } />
                    <Route path=path!("/admin/rules") view=|| view! {
                        <Guard access=Access::Organization><pages::rules::RulesPage /></Guard>
                    } />
                    <Route path=path!("/admin/behind") view=|| view! {
                        <Guard access=Access::AnyPermission(BEHIND)><pages::behind::BehindPage /></Guard>
                    } />
                    <Route path=path!("/admin/students/:id/points") view=|| view! {
                        <Guard access=Access::AnyPermission(BEHIND)><pages::student_points::StudentPointsPage /></Guard>
                    } />
                    <Route path=path!("/admin/students/:id/transcript") view=|| view! {
                        <Guard access=Access::AnyPermission(TRANSCRIPTS)><pages::transcript::StudentTranscriptPage /></Guard>
                    } />
                    <Route path=path!("/admin/print") view=|| view! {
                        <Guard access=Access::Permission(Permission::IssueCertificates)><pages::print::PrintPage /></Guard>
                    } />
                </Routes>
            </Layout>
        </Router>
    }
}
