//! The URL table: every endpoint of the API, registered once. The same registration builds the
//! OpenAPI document (see [`crate::openapi`]), so the docs cannot miss a route.

use actix_web::web::PayloadConfig;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::{
    accounts, activities, attendance, audit, cadres, calendar, categories, certificates,
    evaluations, health, imports, insight, me, notifications, organizations, points, practice,
    recognition_requests, reports, results, school, sessions, staff, students, surveys,
    transcripts,
};

/// Endpoints outside `/api` (operational).
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz);
}

/// Endpoints under `/api`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(school::get_school)
        .service(school::get_checkin_policy)
        .service(school::put_checkin_policy)
        .service(calendar::list_days)
        .service(calendar::deadline)
        // Signing in and the signed-in account
        .service(sessions::login)
        .service(sessions::refresh)
        .service(sessions::logout)
        .service(sessions::logout_all)
        .service(me::me)
        .service(me::change_password)
        // The organisation tree and its accounts
        .service(organizations::list)
        .service(organizations::create)
        .service(organizations::get)
        .service(organizations::update)
        .service(organizations::list_accounts)
        .service(organizations::create_account)
        .service(accounts::update)
        .service(accounts::reset_password)
        // People: students, staff and their bulk import
        .service(students::list)
        .service(students::create)
        .service(students::get)
        .service(students::update)
        .service(staff::list)
        .service(staff::create)
        .service(staff::get)
        .service(staff::update)
        .service(
            // Uploads up to 5 MB, for this scope only.
            scope::scope("/imports")
                .app_data(PayloadConfig::new(imports::MAX_FILE_BYTES))
                .service(imports::template)
                .service(imports::preview_import)
                .service(imports::get_import)
                .service(imports::confirm_import),
        )
        .service(audit::list)
        // Activities: publishing, review up the tree, sign-ups
        .service(categories::list)
        .service(categories::put)
        .service(activities::list)
        .service(activities::create)
        .service(activities::get)
        .service(activities::update)
        .service(activities::review::submit)
        .service(activities::review::withdraw)
        .service(activities::review::approve)
        .service(activities::review::reject)
        .service(activities::review::cancel)
        .service(activities::review::queue)
        .service(activities::registrations::register)
        .service(activities::registrations::cancel_mine)
        .service(activities::registrations::list)
        .service(activities::registrations::export)
        .service(activities::registrations::lottery)
        .service(activities::registrations::approve)
        .service(activities::registrations::reject)
        .service(activities::registrations::mine)
        // Attendance, make-up and back-fill, results recognition
        .service(calendar::put_day)
        .service(calendar::delete_day)
        .service(attendance::get_settings)
        .service(attendance::put_settings)
        .service(attendance::checkin_code)
        .service(attendance::receipt)
        .service(attendance::check_in)
        .service(attendance::list)
        .service(attendance::anomalies)
        .service(attendance::record)
        .service(attendance::get_deadlines)
        .service(attendance::requests::create)
        .service(attendance::requests::list)
        .service(attendance::requests::approve)
        .service(attendance::requests::reject)
        .service(results::list)
        .service(results::record)
        .service(
            // Result spreadsheets up to 5 MB, for this route only.
            scope::scope("/activities/{id}/results/upload")
                .app_data(PayloadConfig::new(imports::MAX_FILE_BYTES))
                .service(results::upload),
        )
        .service(results::finalize)
        .service(results::overdue)
        .service(recognition_requests::list)
        .service(recognition_requests::approve)
        .service(recognition_requests::reject)
        .service(notifications::list)
        .service(notifications::read_all)
        // Points: terms, rules, the ledger, progress and the leaderboard
        .service(points::list_terms)
        .service(points::create_term)
        .service(points::list_rules)
        .service(points::current_rules)
        .service(points::publish_rules)
        .service(points::my_points)
        .service(points::points_of)
        .service(points::record_fact)
        .service(points::adjust)
        .service(points::behind)
        .service(points::leaderboard)
        .service(points::preview_rules)
        .service(points::reevaluation)
        // Student cadres: position types, the standard, the register, assessment rounds
        .service(cadres::list_types)
        .service(cadres::put_types)
        .service(cadres::get_standard)
        .service(cadres::put_standard)
        .service(cadres::list_positions)
        .service(cadres::create_position)
        .service(cadres::get_position)
        .service(cadres::update_position)
        .service(cadres::delete_position)
        .service(cadres::my_positions)
        .service(cadres::list_rounds)
        .service(cadres::create_round)
        .service(cadres::get_round)
        .service(cadres::put_grades)
        .service(cadres::submit_round)
        .service(cadres::approve_round)
        .service(cadres::return_round)
        // Practice teams and training records
        .service(practice::list)
        .service(practice::mine)
        .service(practice::create)
        .service(practice::get)
        .service(practice::update)
        .service(practice::remove)
        .service(practice::certify)
        .service(
            // Reports up to 10 MB, for this scope only.
            scope::scope("/practice-records/{id}")
                .app_data(PayloadConfig::new(practice::MAX_REPORT_BYTES))
                .service(practice::put_report)
                .service(practice::get_report),
        )
        // Surveys (问卷) and activity evaluations (活动评价)
        .service(surveys::list)
        .service(surveys::create)
        .service(surveys::mine)
        .service(surveys::get)
        .service(surveys::update)
        .service(surveys::publish)
        .service(surveys::close)
        .service(surveys::answer)
        .service(surveys::my_response)
        .service(surveys::results)
        .service(surveys::results_xlsx)
        .service(evaluations::mine)
        .service(evaluations::evaluate)
        .service(evaluations::summary)
        // Insight: the dashboard, the instructor workload, the monthly reports
        .service(insight::dashboard)
        .service(insight::dashboard_xlsx)
        .service(insight::workload)
        .service(insight::workload_xlsx)
        .service(insight::my_workload)
        .service(insight::my_workload_xlsx)
        .service(reports::list)
        .service(reports::get)
        .service(reports::comment)
        .service(reports::file)
        .service(reports::report_xlsx)
        .service(reports::report_pdf)
        .service(reports::school_list)
        .service(reports::school_get)
        .service(reports::school_analyse)
        .service(reports::school_publish)
        .service(reports::school_xlsx)
        .service(reports::school_pdf)
        // Transcripts: preview, issue, PDF, public verification, batch printing
        .service(transcripts::preview)
        .service(transcripts::create)
        .service(transcripts::pdf)
        .service(transcripts::my_pdf)
        .service(transcripts::revoke)
        .service(transcripts::list_issued)
        .service(transcripts::verify::verify)
        .service(transcripts::print_jobs::start_batch)
        .service(transcripts::print_jobs::list_batches)
        .service(transcripts::print_jobs::get_batch)
        .service(transcripts::print_jobs::batch_file)
        // E-certificates: seals, templates, issuing, downloads, revocation, verification;
        // activity posters
        .service(
            // Seals up to 512 KB, for this scope only.
            scope::scope("/certificate-seals")
                .app_data(PayloadConfig::new(certificates::MAX_SEAL_BYTES))
                .service(certificates::upload_seal)
                .service(certificates::get_seal),
        )
        .service(certificates::list_templates)
        .service(certificates::create_template)
        .service(certificates::get_template)
        .service(certificates::update_template)
        .service(certificates::archive_template)
        .service(certificates::preview_template)
        .service(certificates::issue)
        .service(certificates::list)
        .service(certificates::mine)
        .service(certificates::verify)
        .service(certificates::batch_zip)
        .service(certificates::get)
        .service(certificates::pdf)
        .service(certificates::png)
        .service(certificates::revoke)
        .service(certificates::poster::poster);
}
