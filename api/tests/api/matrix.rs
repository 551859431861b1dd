//! The permission matrix: every operation of the OpenAPI document, tried by eight callers, each
//! with the exact status it must answer. The operations come from `api::openapi::document_json()`
//! (the same route table that serves the API), so an endpoint added later fails
//! `every_operation_is_placed` — and the matrix run — until it is placed here.
//!
//! # Placing a new endpoint
//!
//! 1. Add a row to [`MATRIX`]: the key `"METHOD /path/template"` exactly as the document spells
//!    it (see `openapi/openapi.json`), the sub-account that lacks the permission the operation
//!    needs ([`PUB`] = `cs_publisher`, holding `publish_activities` and `record_attendance`;
//!    [`REP`] = `cs_reports`, holding `view_reports`), and the status each caller must get, in
//!    the order of [`CALLERS`].
//! 2. Add an arm to [`request`] that builds the concrete request for a caller: path parameters
//!    and ids in the body or query become demo objects of the caller's target (below). Where an
//!    authorised call consumes its object (approving, cancelling, revoking, drawing a lottery),
//!    create a fresh one in the arm, as the existing arms do: cases run concurrently.
//! 3. `cargo test -p api --test api matrix -- --nocapture`. Every mismatch is listed at once as
//!    `"{METHOD path} by {caller} (…): got {status} {body}, expected {n}"`, and what the
//!    mismatching operations answered is printed as matrix rows; `MATRIX_TRACE=1` prints every
//!    case's answer. Decide each status from the rules below, not from what the code answers.
//!
//! # Callers and their targets
//!
//! | caller            | signs in as              | acts on                                   |
//! |-------------------|--------------------------|-------------------------------------------|
//! | anonymous         | nobody (no bearer token) | what the student would                    |
//! | student           | `2023010101` (cs)        | their own things, or cs's                 |
//! | another student   | `2023010101` (cs)        | `2024020101`'s (em) things, or em's       |
//! | own organisation  | `cs_admin`               | an object of `cs`                         |
//! | child             | `cs_admin`               | an object of its club `acm`               |
//! | sibling college   | `cs_admin`               | an object of `em`                         |
//! | parent            | `cs_admin`               | an object of the committee `tw` (root)    |
//! | sub-account       | `cs_publisher` or `cs_reports`, lacking the permission | a cs object |
//!
//! Students — and their points and transcripts — live in colleges only: where the target is
//! `acm` or `tw`, a student id is that organisation's main account (an account of the wrong
//! kind) and a serial is one nobody was issued; both must look absent. For the review steps
//! (approving an activity or a back-fill request), "own" is cs's own item, which waits for the
//! committee above, while "child" and the sub-account take the club's item, which waits for cs.
//!
//! # What the statuses say
//!
//! Anonymous callers get 401 except on public endpoints (the document's `security: [{}]`).
//! An organisation outside the caller's subtree is public (the tree is listed to everyone), so
//! acting on it answers 403; published activities are public too. Everything else that belongs
//! to another college — students, accounts, drafts, registrations, imports, print jobs,
//! back-fill requests — answers 404, as if it did not exist. Denials carry the code
//! `unauthenticated` (401), `forbidden` (403) or `not_found` (404). [`HIDDEN`] marks a
//! transcript reached by its serial, whose existence `GET /api/verify/{serial}` makes public:
//! 403 or 404 are both right there. An authorised caller gets the 2xx, or the validation
//! answer (409/422) where the object cannot take the change (a club holds no club).

use crate::{
    auth::send_as,
    helpers::{TestApp, create_database, spawn_app_on},
};
use api::attendance::token::CheckinKeys;
use api::seed::DEMO_PASSWORD;
use chrono::{Duration, Utc};
use futures_util::stream::{self, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use shared::attendance::CodeKind;
use shared::insight::Month;
use std::collections::{BTreeMap, HashMap};

/// Who asks. The order is the column order of [`MATRIX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Student,
    AnotherStudent,
    Own,
    Child,
    Sibling,
    Parent,
    Sub,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::Student,
    Caller::AnotherStudent,
    Caller::Own,
    Caller::Child,
    Caller::Sibling,
    Caller::Parent,
    Caller::Sub,
];

impl Caller {
    fn label(self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Student => "student",
            Caller::AnotherStudent => "another student",
            Caller::Own => "own organisation",
            Caller::Child => "child",
            Caller::Sibling => "sibling college",
            Caller::Parent => "parent",
            Caller::Sub => "sub-account without the permission",
        }
    }

    /// The organisation whose object the caller acts on.
    fn org(self) -> Org {
        match self {
            Caller::Anonymous | Caller::Student | Caller::Own | Caller::Sub => Org::Cs,
            Caller::Child => Org::Acm,
            Caller::AnotherStudent | Caller::Sibling => Org::Em,
            Caller::Parent => Org::Tw,
        }
    }
}

/// The demo organisations the callers act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Org {
    Cs,
    Acm,
    Em,
    Tw,
}

const ORGS: [Org; 4] = [Org::Cs, Org::Acm, Org::Em, Org::Tw];

impl Org {
    fn index(self) -> usize {
        self as usize
    }

    fn code(self) -> &'static str {
        match self {
            Org::Cs => "cs",
            Org::Acm => "acm",
            Org::Em => "em",
            Org::Tw => "tw",
        }
    }

    /// Its main account.
    fn main(self) -> &'static str {
        match self {
            Org::Cs => "cs_admin",
            Org::Acm => "acm_admin",
            Org::Em => "em_admin",
            Org::Tw => "admin",
        }
    }

    /// The credit level it publishes at without review.
    fn level(self) -> &'static str {
        match self {
            Org::Cs | Org::Em => "college",
            Org::Acm => "club",
            Org::Tw => "school",
        }
    }
}

/// The sub-account of cs that lacks the operation's permission.
#[derive(Clone, Copy, Debug)]
enum SubAccount {
    /// `cs_publisher`: publish_activities, record_attendance.
    Publisher,
    /// `cs_reports`: view_reports.
    Reports,
}

const PUB: SubAccount = SubAccount::Publisher;
const REP: SubAccount = SubAccount::Reports;

impl SubAccount {
    fn username(self) -> &'static str {
        match self {
            SubAccount::Publisher => "cs_publisher",
            SubAccount::Reports => "cs_reports",
        }
    }
}

/// 403 or 404, both right: a transcript reached by its serial, whose existence is public.
const HIDDEN: u16 = 4034;
/// 200 or 404, both right: the student's own check-in key, which a concurrent case may remove.
const LIVE_OR_GONE: u16 = 2004;

type Row = (&'static str, SubAccount, [u16; 8]);

/// Every operation × caller. Columns: anonymous, student, another student, own organisation,
/// child, sibling college, parent, sub-account without the permission.
#[rustfmt::skip]
static MATRIX: &[Row] = &[
    // operation                                                sub   anon stud othr own  chld sibl prnt sub
    // Operational and public
    ("GET /healthz",                                            PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/school",                                         PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/calendar/days",                                  PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/checkin/receipts",                              PUB, [201, 201, 201, 201, 201, 201, 201, 201]),
    ("POST /api/checkin/pending",                               PUB, [201, 201, 201, 201, 201, 201, 201, 201]),
    ("GET /api/school/checkin-policy",                          REP, [401, 403, 403, 200, 200, 200, 200, 403]),
    ("POST /api/calendar/deadline",                             PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/terms",                                          PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    // Unknown serials (acm and tw have no students) are absent even here.
    ("GET /api/verify/{serial}",                                PUB, [200, 200, 200, 200, 404, 200, 404, 200]),
    // What the school committee keeps: nobody here is the committee.
    ("PUT /api/calendar/days/{date}",                           PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("DELETE /api/calendar/days/{date}",                        PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("PUT /api/school/checkin-policy",                          PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("PUT /api/categories/{code}",                              PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("POST /api/terms",                                         PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("POST /api/rules",                                         PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    // Signing in and the signed-in account (each session its own; anonymous refreshes an
    // unknown token: 401 invalid_token)
    ("POST /api/auth/login",                                    PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/auth/refresh",                                  PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/auth/logout",                                   PUB, [401, 204, 204, 204, 204, 204, 204, 204]),
    ("POST /api/auth/logout-all",                               PUB, [401, 204, 204, 204, 204, 204, 204, 204]),
    ("GET /api/me",                                             PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    // The new password equals the current one: 422 once signed in.
    ("POST /api/me/password",                                   PUB, [401, 422, 422, 422, 422, 422, 422, 422]),
    ("GET /api/notifications",                                  PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/notifications/read",                            PUB, [401, 204, 204, 204, 204, 204, 204, 204]),
    ("GET /api/categories",                                     PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/rules",                                          PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/rules/current",                                  PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/leaderboard",                                    PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    // The organisation tree (public to everyone signed in) and its accounts
    ("GET /api/organizations",                                  PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/organizations/{id}",                             PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    // A club cannot hold a club: 422.
    ("POST /api/organizations",                                 PUB, [401, 403, 403, 201, 422, 403, 403, 403]),
    ("PATCH /api/organizations/{id}",                           PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/organizations/{id}/accounts",                    PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/organizations/{id}/accounts",                   PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    // The student acts on their own account, the other student on 2024020101's.
    ("PATCH /api/accounts/{id}",                                PUB, [401, 403, 404, 200, 200, 404, 404, 403]),
    ("POST /api/accounts/{id}/reset-password",                  PUB, [401, 403, 404, 200, 200, 404, 404, 403]),
    ("GET /api/audit",                                          PUB, [401, 403, 403, 200, 200, 403, 403, 200]),
    // People. Lists filtered to another organisation answer an empty page of the caller's own.
    ("GET /api/students",                                       PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    // Students belong to a college, not a club: 422.
    ("POST /api/students",                                      PUB, [401, 403, 403, 201, 422, 403, 403, 403]),
    ("GET /api/students/{id}",                                  PUB, [401, 403, 403, 200, 404, 404, 404, 200]),
    ("PATCH /api/students/{id}",                                PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("GET /api/staff",                                          PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("POST /api/staff",                                         PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/staff/{id}",                                     PUB, [401, 403, 403, 200, 200, 404, 404, 200]),
    ("PATCH /api/staff/{id}",                                   PUB, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("GET /api/imports/{kind}/template.csv",                    PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    // The file names the target organisation; outside rows are rejected in the stored preview.
    ("POST /api/imports/{kind}/previews",                       PUB, [401, 403, 403, 201, 201, 201, 201, 403]),
    ("GET /api/imports/{id}",                                   PUB, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("POST /api/imports/{id}/confirm",                          PUB, [401, 403, 403, 200, 200, 404, 404, 403]),
    // Activities: `?scope=managed&organizer=`; drafts are private, published ones public.
    ("GET /api/activities",                                     PUB, [401, 403, 403, 200, 200, 403, 403, 200]),
    ("POST /api/activities",                                    REP, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/activities/{id}",                                REP, [401, 404, 404, 200, 200, 404, 404, 200]),
    ("PUT /api/activities/{id}",                                REP, [401, 404, 404, 200, 200, 404, 404, 403]),
    ("POST /api/activities/{id}/submit",                        REP, [401, 404, 404, 200, 200, 404, 404, 403]),
    // Under review (the committee's own activity publishes at once: published, public).
    ("POST /api/activities/{id}/withdraw",                      REP, [401, 404, 404, 200, 200, 404, 403, 403]),
    ("POST /api/activities/{id}/approve",                       PUB, [401, 404, 404, 403, 200, 404, 403, 403]),
    ("POST /api/activities/{id}/reject",                        PUB, [401, 404, 404, 403, 200, 404, 403, 403]),
    ("POST /api/activities/{id}/cancel",                        REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/reviews",                                        PUB, [401, 403, 403, 200, 200, 200, 200, 403]),
    // Sign-ups: the other student's case is an activity open to em only.
    ("POST /api/activities/{id}/registrations",                 PUB, [401, 201, 403, 403, 403, 403, 403, 403]),
    ("DELETE /api/activities/{id}/registrations/mine",          PUB, [401, 200, 404, 403, 403, 403, 403, 403]),
    ("GET /api/me/registrations",                               PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/activities/{id}/registrations",                  REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/activities/{id}/registrations/export",           REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/activities/{id}/lottery",                       REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    // A registration is the student's and the organiser's only.
    ("POST /api/registrations/{id}/approve",                    REP, [401, 403, 404, 200, 200, 404, 404, 403]),
    ("POST /api/registrations/{id}/reject",                     REP, [401, 403, 404, 200, 200, 404, 404, 403]),
    // 准假: the organiser's subtree with publish or attendance rights; students never.
    ("POST /api/registrations/{id}/excuse",                     REP, [401, 403, 404, 200, 200, 404, 404, 403]),
    ("DELETE /api/registrations/{id}/excuse",                   REP, [401, 403, 404, 200, 200, 404, 404, 403]),
    ("GET /api/me/no-shows",                                    PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/activities/{id}/watch",                          PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("PUT /api/activities/{id}/watch",                          PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("DELETE /api/activities/{id}/watch",                       PUB, [401, 204, 204, 403, 403, 403, 403, 403]),
    // Attendance, on a published activity under way (or ended)
    ("GET /api/activities/{id}/checkin-settings",               REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("PUT /api/activities/{id}/checkin-settings",               REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/activities/{id}/checkin-code",                   REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/checkin",                                       PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/activities/{id}/attendance",                     REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/activities/{id}/attendance/anomalies",           REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/activities/{id}/attendance",                    REP, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/activities/{id}/deadlines",                      REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    // Personal check-in codes: the student's own key; the organiser's scanner.
    ("PUT /api/me/checkin-key",                                 PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/me/checkin-key",                                 PUB, [401, LIVE_OR_GONE, LIVE_OR_GONE, 403, 403, 403, 403, 403]),
    ("DELETE /api/me/checkin-key",                              PUB, [401, 204, 204, 403, 403, 403, 403, 403]),
    ("GET /api/activities/{id}/scanner",                        REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/activities/{id}/scans",                         REP, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/activities/{id}/attendance-requests",           REP, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/attendance-requests",                            PUB, [401, 403, 403, 200, 200, 200, 200, 403]),
    // cs's own request waits for the committee; the club's for cs; em's and tw's are not cs's.
    ("POST /api/attendance-requests/{id}/approve",              PUB, [401, 403, 403, 403, 200, 404, 404, 403]),
    ("POST /api/attendance-requests/{id}/reject",               PUB, [401, 403, 403, 403, 200, 404, 404, 403]),
    // Results, on an ended activity
    ("GET /api/activities/{id}/results",                        PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("PUT /api/activities/{id}/results",                        PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/activities/{id}/results/upload",                PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/activities/{id}/results/finalize",              PUB, [401, 403, 403, 202, 202, 403, 403, 403]),
    ("GET /api/recognition/overdue",                            PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("GET /api/recognition-requests",                           PUB, [401, 403, 403, 200, 200, 200, 200, 403]),
    // cs's own request waits for the committee; the club's for cs; em's and tw's are not cs's.
    ("POST /api/recognition-requests/{id}/approve",             PUB, [401, 403, 403, 403, 200, 404, 404, 403]),
    ("POST /api/recognition-requests/{id}/reject",              PUB, [401, 403, 403, 403, 200, 404, 404, 403]),
    // Points
    ("GET /api/me/points",                                      PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/students/{id}/points",                           PUB, [401, 200, 404, 200, 404, 404, 404, 403]),
    ("POST /api/points/facts",                                  PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    // The student is named by number in the body: out of scope answers as an unknown number.
    ("POST /api/points/adjustments",                            PUB, [401, 403, 403, 201, 422, 422, 422, 403]),
    ("GET /api/points/behind",                                  PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    // Guidance: a student's own suggestions; advisers over the student's college, like the
    // behind list. Students send no reminders.
    ("GET /api/me/suggestions",                                 PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/students/{id}/suggestions",                      PUB, [401, 200, 404, 200, 404, 404, 404, 403]),
    ("POST /api/students/{id}/reminders",                       PUB, [401, 403, 403, 201, 404, 404, 404, 403]),
    // Transcripts
    ("GET /api/transcripts/preview",                            PUB, [401, 200, 404, 200, 404, 404, 404, 403]),
    ("POST /api/transcripts",                                   PUB, [401, 201, 404, 201, 404, 404, 404, 403]),
    ("GET /api/students/{id}/transcripts",                      PUB, [401, 200, 404, 200, 404, 404, 404, 403]),
    ("GET /api/me/transcript.pdf",                              PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/transcripts/{serial}/pdf",                       PUB, [401, 200, HIDDEN, 200, 404, HIDDEN, 404, 403]),
    ("POST /api/transcripts/{serial}/revoke",                   PUB, [401, 403, 403, 200, 404, HIDDEN, 404, 403]),
    // A club has no students to print: 422.
    ("POST /api/print-jobs",                                    PUB, [401, 403, 403, 202, 422, 403, 403, 403]),
    ("GET /api/print-jobs",                                     PUB, [401, 403, 403, 200, 200, 200, 200, 403]),
    ("GET /api/print-jobs/{id}",                                PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("GET /api/print-jobs/{id}/file",                           PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    // Rules: the committee's
    ("POST /api/rules/previews",                                PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("GET /api/rules/{version}/reevaluation",                   PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    // Student cadres: the school's settings, the register, assessment rounds
    ("GET /api/school/position-types",                          PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT /api/school/position-types",                          PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("GET /api/school/assessment-standard",                     PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT /api/school/assessment-standard",                     PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("GET /api/cadre-positions",                                PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/cadre-positions",                               PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/cadre-positions/{id}",                           PUB, [401, 404, 404, 200, 200, 404, 404, 403]),
    ("PUT /api/cadre-positions/{id}",                           PUB, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("DELETE /api/cadre-positions/{id}",                        PUB, [401, 403, 403, 204, 204, 404, 404, 403]),
    ("GET /api/me/cadre-positions",                             PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/assessment-rounds",                              PUB, [401, 403, 403, 200, 200, 200, 200, 403]),
    ("POST /api/assessment-rounds",                             PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/assessment-rounds/{id}",                         PUB, [401, 404, 404, 200, 200, 404, 404, 403]),
    // A round is graded and submitted by its own organisation, reviewed by the one above.
    ("PUT /api/assessment-rounds/{id}/grades",                  PUB, [401, 403, 403, 200, 403, 404, 404, 403]),
    ("POST /api/assessment-rounds/{id}/submit",                 PUB, [401, 403, 403, 200, 403, 404, 404, 403]),
    ("POST /api/assessment-rounds/{id}/approve",                PUB, [401, 403, 403, 403, 200, 404, 404, 403]),
    ("POST /api/assessment-rounds/{id}/return",                 PUB, [401, 403, 403, 403, 200, 404, 404, 403]),
    // Practice and training: members see their record and its report.
    ("GET /api/practice-records",                               PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("POST /api/practice-records",                              REP, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/me/practice-records",                            PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/practice-records/{id}",                          PUB, [401, 200, 404, 200, 200, 404, 404, 200]),
    ("PUT /api/practice-records/{id}",                          REP, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("DELETE /api/practice-records/{id}",                       REP, [401, 403, 403, 204, 204, 404, 404, 403]),
    // The college certifies its own and its club's; the committee's own is not cs's.
    ("POST /api/practice-records/{id}/certify",                 PUB, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("PUT /api/practice-records/{id}/report",                   REP, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("GET /api/practice-records/{id}/report",                   PUB, [401, 200, 404, 200, 200, 404, 404, 200]),
    // Insight: the dashboard and workload of the caller's subtree; the monthly reports of its
    // colleges, written and filed by the college itself; the school's report, published, read
    // by every organisation and written by the committee alone.
    ("GET /api/insight/dashboard",                              PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/insight/dashboard.xlsx",                         PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/insight/workload",                               PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/insight/workload.xlsx",                          PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/me/workload",                                    PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("GET /api/me/workload.xlsx",                               PUB, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("GET /api/monthly-reports",                                PUB, [401, 403, 403, 200, 200, 200, 200, 403]),
    ("GET /api/monthly-reports/{id}",                           PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("PUT /api/monthly-reports/{id}",                           PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("POST /api/monthly-reports/{id}/file",                     PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("GET /api/monthly-reports/{id}/report.xlsx",               PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("GET /api/monthly-reports/{id}/report.pdf",                PUB, [401, 403, 403, 200, 404, 404, 404, 403]),
    ("GET /api/school-reports",                                 PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("GET /api/school-reports/{month}",                         PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("PUT /api/school-reports/{month}",                         REP, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("POST /api/school-reports/{month}/publish",                REP, [401, 403, 403, 403, 403, 403, 403, 403]),
    ("GET /api/school-reports/{month}/report.xlsx",             PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("GET /api/school-reports/{month}/report.pdf",              PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    // Certificates: seals and templates of the caller's subtree, issued by it; a certificate
    // is its student's or its issuer's subtree's (another college's looks absent); verification
    // and posters are public. Every organisation but the club has a certificate (the club's is
    // an appointment letter of its own position).
    ("POST /api/certificate-seals",                             PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/certificate-seals/{id}",                         PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/certificate-templates",                          PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/certificate-templates",                         PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/certificate-templates/{id}",                     PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("PUT /api/certificate-templates/{id}",                     PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("DELETE /api/certificate-templates/{id}",                  PUB, [401, 403, 403, 204, 204, 403, 403, 403]),
    ("GET /api/certificate-templates/{id}/preview.png",         PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("POST /api/certificates",                                  PUB, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/certificates",                                   PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/me/certificates",                                PUB, [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/certificates/verify/{serial}",                   PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET /api/certificates/{id}",                              PUB, [401, 200, 404, 200, 200, 404, 404, 403]),
    ("GET /api/certificates/{id}/pdf",                          PUB, [401, 200, 404, 200, 200, 404, 404, 403]),
    ("GET /api/certificates/{id}/png",                          PUB, [401, 200, 404, 200, 200, 404, 404, 403]),
    ("POST /api/certificates/{id}/revoke",                      PUB, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("GET /api/certificates/batches/{batch}/zip",               PUB, [401, 403, 403, 200, 200, 403, 403, 403]),
    ("GET /api/activities/{id}/poster.png",                     PUB, [200, 200, 200, 200, 200, 200, 200, 200]),
    // Surveys: managed by the organisation's subtree (`publish_activities`; results also
    // `view_reports`), answered by the students a published one asks; another college's are
    // absent. The other student's case is em's survey, which does not ask 2023010101.
    ("GET /api/surveys",                                        PUB, [401, 403, 403, 200, 200, 200, 200, 200]),
    ("POST /api/surveys",                                       REP, [401, 403, 403, 201, 201, 403, 403, 403]),
    ("GET /api/me/surveys",                                     PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("GET /api/surveys/{id}",                                   PUB, [401, 200, 404, 200, 200, 404, 404, 200]),
    ("PUT /api/surveys/{id}",                                   REP, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("POST /api/surveys/{id}/publish",                          REP, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("POST /api/surveys/{id}/close",                            REP, [401, 403, 403, 200, 200, 404, 404, 403]),
    ("PUT /api/surveys/{id}/response",                          PUB, [401, 200, 403, 403, 403, 403, 403, 403]),
    ("GET /api/surveys/{id}/response",                          PUB, [401, 200, 404, 403, 403, 403, 403, 403]),
    ("GET /api/surveys/{id}/results",                           PUB, [401, 404, 404, 200, 200, 404, 404, 200]),
    ("GET /api/surveys/{id}/results.xlsx",                      PUB, [401, 404, 404, 200, 200, 404, 404, 200]),
    // Evaluations: the student rates an ended activity of cs they checked in to (not em's);
    // the organiser's subtree reads them (published activities are public: 403 elsewhere).
    ("GET /api/me/evaluations",                                 PUB, [401, 200, 200, 403, 403, 403, 403, 403]),
    ("PUT /api/activities/{id}/evaluation",                     PUB, [401, 200, 403, 403, 403, 403, 403, 403]),
    ("GET /api/activities/{id}/evaluations",                    PUB, [401, 403, 403, 200, 200, 403, 403, 200]),
];

/// Error codes other than the default of their status (401 `unauthenticated`, 403
/// `forbidden`, 404 `not_found`).
const CODES: &[(&str, Caller, &str)] =
    &[("POST /api/auth/refresh", Caller::Anonymous, "invalid_token")];

/// The operations of an OpenAPI document as `"METHOD /path"`, each with whether it is public
/// (`security: [{}]`), in the document's order.
fn operations(doc: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths").iter() {
        for (method, operation) in item.as_object().expect("a path item").iter() {
            let public = operation["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| r.is_empty()))
            });
            out.push((format!("{} {path}", method.to_uppercase()), public));
        }
    }
    out
}

fn api_operations() -> Vec<(String, bool)> {
    let doc: Value = serde_json::from_str(&api::openapi::document_json()).expect("the document");
    operations(&doc)
}

/// What keeps the matrix from matching the document: operations it does not place, rows for
/// operations that no longer exist, rows placed twice.
fn unplaced(doc_ops: &[String], table: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rows: BTreeMap<&str, usize> = BTreeMap::new();
    for (key, _, _) in table {
        *rows.entry(key).or_default() += 1;
    }
    for op in doc_ops {
        if !rows.contains_key(op.as_str()) {
            problems.push(format!("{op}: in the API, not placed in the matrix"));
        }
    }
    for (key, _, _) in table {
        if !doc_ops.iter().any(|op| op == key) {
            problems.push(format!("{key}: in the matrix, no longer in the API"));
        }
    }
    for (key, count) in rows {
        if count > 1 {
            problems.push(format!("{key}: placed {count} times"));
        }
    }
    problems
}

/// Anonymous callers get 401 exactly where the document says a token is needed.
fn misdocumented(doc_ops: &[(String, bool)], table: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, public) in doc_ops {
        let Some((_, _, expect)) = table.iter().find(|(k, _, _)| k == key) else {
            continue;
        };
        let anonymous = expect[0];
        let other_code = CODES
            .iter()
            .any(|(k, c, _)| k == key && *c == Caller::Anonymous);
        if *public && anonymous == 401 && !other_code {
            problems.push(format!(
                "{key}: public, but anonymous is expected to get 401"
            ));
        }
        if !*public && anonymous != 401 {
            problems.push(format!(
                "{key}: needs a token, but anonymous is expected to get {anonymous}"
            ));
        }
    }
    problems
}

#[test]
fn unplaced_names_missing_stale_and_doubled_operations() {
    let doc: Value = json!({"paths": {
        "/a": {"get": {"security": [{"bearer": []}]}, "post": {"security": [{}]}},
        "/b/{id}": {"delete": {"security": [{"bearer": []}]}}
    }});
    let ops = operations(&doc);
    assert_eq!(
        ops,
        vec![
            ("GET /a".to_owned(), false),
            ("POST /a".to_owned(), true),
            ("DELETE /b/{id}".to_owned(), false)
        ]
    );
    let keys: Vec<String> = ops.iter().map(|(k, _)| k.clone()).collect();
    let table: &[Row] = &[
        ("GET /a", PUB, [401; 8]),
        ("GET /gone", PUB, [401; 8]),
        ("GET /a", REP, [401; 8]),
        ("POST /a", PUB, [401; 8]),
    ];
    assert_eq!(
        unplaced(&keys, table),
        vec![
            "DELETE /b/{id}: in the API, not placed in the matrix",
            "GET /gone: in the matrix, no longer in the API",
            "GET /a: placed 2 times",
        ]
    );
    let complete: &[Row] = &[
        ("GET /a", PUB, [401; 8]),
        ("POST /a", PUB, [200; 8]),
        ("DELETE /b/{id}", PUB, [401; 8]),
    ];
    assert!(unplaced(&keys, complete).is_empty());
    assert_eq!(
        misdocumented(&ops, table),
        vec!["POST /a: public, but anonymous is expected to get 401"]
    );
    assert!(misdocumented(&ops, complete).is_empty());
}

#[test]
fn every_operation_is_placed() {
    let ops = api_operations();
    let keys: Vec<String> = ops.iter().map(|(k, _)| k.clone()).collect();
    let mut problems = unplaced(&keys, MATRIX);
    problems.extend(misdocumented(&ops, MATRIX));
    assert!(
        problems.is_empty(),
        "place every operation in api/tests/api/matrix.rs (MATRIX and `request`):\n{}",
        problems.join("\n")
    );
}

/// One demo organisation and the objects the cases act on.
#[derive(Default)]
struct OrgObjects {
    id: i64,
    name: String,
    main_account: i64,
    /// A draft activity (claiming school credit).
    draft: i64,
    /// A published activity under way now.
    running: i64,
    /// A published activity that ended 20 days ago, results not finalised.
    ended: i64,
    /// A sub-account (view_reports).
    account: i64,
    staff: i64,
    /// A staff import's preview, by the organisation's main account.
    import: String,
    /// A finished batch print of the organisation (none for a club: it has no students).
    print_job: Option<String>,
    /// A cadre position held since 2024, and the organisation's round of this term grading it.
    position: i64,
    round: i64,
    /// A practice team of this term with 2023010101 (2024020101 for em) and its report.
    practice: i64,
    /// The college's report of November 2026 (0 for a club or the committee: none).
    report: i64,
    /// A seal and an honour template (the club's: an appointment template) of the
    /// organisation, and a certificate issued with it: an honour for 2023010101 (2024020101
    /// for em), the club's for its position.
    seal: i64,
    template: i64,
    certificate: i64,
    certificate_serial: String,
    certificate_batch: String,
    /// A published, open survey of the organisation asking its subtree, with five answers
    /// (and 2023010101's, for cs); a draft one.
    survey: i64,
    survey_draft: i64,
    /// A published activity that ended 20 days ago, 2023010101 checked in (cs's only).
    rated: i64,
}

/// The demo university with everything the cases act on.
struct World {
    app: TestApp,
    tokens: HashMap<&'static str, String>,
    orgs: Vec<OrgObjects>,
    /// 2023010101 (cs), the student caller.
    me: i64,
    /// 2024020101 (em), the other student.
    other: i64,
    /// Transcripts issued to 2023010101 and to 2024020101.
    serial_mine: String,
    serial_other: String,
    /// A transcript of another cs student, for the one authorised revocation.
    serial_to_revoke: String,
    /// A term the rules could be published for.
    term: i64,
}

/// A serial nobody was issued.
const NO_SERIAL: &str = "SCT-0000-0000-0000-0000-0000-0000";
/// A print job that does not exist.
const NO_JOB: &str = "00000000-0000-4000-8000-000000000000";
/// The class of the one student per college the batch prints take.
const PRINT_CLASS: &str = "矩阵01";
const SIGNED_IN: [&str; 9] = [
    "admin",
    "cs_admin",
    "acm_admin",
    "em_admin",
    "cs_publisher",
    "cs_reports",
    "2023010101",
    "2023010102",
    "2024020101",
];

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// `prefix` and eight digits.
fn unique_no(prefix: &str) -> String {
    format!(
        "{prefix}{:08}",
        uuid::Uuid::new_v4().as_u128() % 100_000_000
    )
}

impl World {
    fn token(&self, username: &str) -> &str {
        self.tokens
            .get(username)
            .unwrap_or_else(|| panic!("no session of {username}"))
    }

    fn of(&self, org: Org) -> &OrgObjects {
        &self.orgs[org.index()]
    }

    /// The bearer token of a caller.
    fn bearer(&self, caller: Caller, sub: SubAccount) -> Option<String> {
        (caller != Caller::Anonymous).then(|| self.token(World::username(caller, sub)).to_owned())
    }

    /// Who a caller signs in as (anonymous: who it would sign in as).
    fn username(caller: Caller, sub: SubAccount) -> &'static str {
        match caller {
            Caller::Anonymous | Caller::Student | Caller::AnotherStudent => "2023010101",
            Caller::Own | Caller::Child | Caller::Sibling | Caller::Parent => "cs_admin",
            Caller::Sub => sub.username(),
        }
    }

    /// The student id a caller acts on (a wrong-kind account where the target has none).
    fn student(&self, caller: Caller) -> i64 {
        match caller.org() {
            Org::Cs => self.me,
            Org::Em => self.other,
            org => self.of(org).main_account,
        }
    }

    /// The student number a caller names.
    fn student_no(caller: Caller) -> &'static str {
        match caller.org() {
            Org::Cs => "2023010101",
            Org::Em => "2024020101",
            org => org.main(),
        }
    }

    fn serial(&self, caller: Caller) -> &str {
        match caller.org() {
            Org::Cs => &self.serial_mine,
            Org::Em => &self.serial_other,
            Org::Acm | Org::Tw => NO_SERIAL,
        }
    }

    /// Sends as `username` (None: anonymously) and answers the status and JSON body.
    async fn call(
        &self,
        username: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let bearer = username.map(|u| self.token(u));
        let response = send_as(&self.app, method, bearer, path, body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// As [`World::call`], for setup: anything but a 2xx stops the test.
    async fn ok(&self, username: &str, method: Method, path: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.call(Some(username), method.clone(), path, body).await;
        assert!(
            (200..300).contains(&status),
            "setup: {method} {path} as {username}: {status} {value}"
        );
        value
    }

    /// A new activity of `org` in `shape`.
    async fn activity(&self, org: Org, shape: Shape) -> i64 {
        self.activity_for(org, shape, &[]).await
    }

    /// A new activity of `org` in `shape`, open to these colleges only (none: everyone).
    async fn activity_for(&self, org: Org, shape: Shape, colleges: &[i64]) -> i64 {
        let now = Utc::now();
        let (starts, ends, opens, closes) = match shape {
            Shape::Running => (
                now - Duration::minutes(10),
                now + Duration::hours(2),
                now - Duration::days(10),
                now - Duration::minutes(10),
            ),
            Shape::Ended => (
                now - Duration::days(20) - Duration::hours(3),
                now - Duration::days(20),
                now - Duration::days(30),
                now - Duration::days(20) - Duration::hours(3),
            ),
            Shape::Lottery => (
                now + Duration::days(1),
                now + Duration::days(1) + Duration::hours(2),
                now - Duration::days(3),
                now - Duration::hours(1),
            ),
            _ => (
                now + Duration::days(2),
                now + Duration::days(2) + Duration::hours(2),
                now - Duration::days(1),
                now + Duration::days(1),
            ),
        };
        let (level, mode, capacity) = match shape {
            Shape::Draft | Shape::Submitted => ("school", "first_come", None),
            Shape::Review => (org.level(), "review", None),
            Shape::Lottery => (org.level(), "lottery", Some(5)),
            _ => (org.level(), "first_come", None),
        };
        let body = activity_body(
            self.of(org).id,
            level,
            mode,
            capacity,
            colleges,
            [starts, ends, opens, closes],
        );
        let created = self
            .ok(org.main(), Method::POST, "/api/activities", Some(&body))
            .await;
        let id = created["id"].as_i64().expect("an activity id");
        if shape != Shape::Draft {
            let submitted = self
                .ok(
                    org.main(),
                    Method::POST,
                    &format!("/api/activities/{id}/submit"),
                    None,
                )
                .await;
            // An ended activity is dated in the past: the level above approves it first.
            let past = shape == Shape::Ended;
            let expected = if (shape == Shape::Submitted || past) && org != Org::Tw {
                "submitted"
            } else {
                "published"
            };
            assert_eq!(submitted["status"], expected, "setup: {submitted}");
            if past && org != Org::Tw {
                let parent = if org == Org::Acm { "cs_admin" } else { "admin" };
                let approved = self
                    .ok(
                        parent,
                        Method::POST,
                        &format!("/api/activities/{id}/approve"),
                        Some(&json!({})),
                    )
                    .await;
                assert_eq!(approved["status"], "published", "setup: {approved}");
            }
        }
        id
    }

    /// `username` signs up for the activity; answers the registration id.
    async fn sign_up(&self, username: &str, activity: i64) -> i64 {
        self.ok(
            username,
            Method::POST,
            &format!("/api/activities/{activity}/registrations"),
            Some(&json!({"answers": {}})),
        )
        .await["id"]
            .as_i64()
            .expect("a registration id")
    }

    /// A back-fill request of `org` for an activity of its that ended.
    async fn backfill(&self, org: Org) -> i64 {
        let activity = self.activity(org, Shape::Ended).await;
        self.ok(
            org.main(),
            Method::POST,
            &format!("/api/activities/{activity}/attendance-requests"),
            Some(&json!({"student_no": "2023010103", "reason": "系统故障", "evidence": "纸质签到表"})),
        )
        .await["id"]
            .as_i64()
            .expect("a request id")
    }

    /// A recognition back-fill of `org`: results naming a student who did not take part,
    /// finalised with a reason.
    async fn recognition_backfill(&self, org: Org) -> i64 {
        let activity = self.activity(org, Shape::Ended).await;
        self.ok(
            org.main(),
            Method::PUT,
            &format!("/api/activities/{activity}/results"),
            Some(
                &json!({"results": [{"student_no": "2023010103", "attended": true,
                "backfill_reason": "现场替补"}]}),
            ),
        )
        .await;
        self.ok(
            org.main(),
            Method::POST,
            &format!("/api/activities/{activity}/results/finalize"),
            Some(&json!({"reason": "名单晚到"})),
        )
        .await["id"]
            .as_i64()
            .expect("a recognition request id")
    }

    /// A staff import's preview by `org`'s main account, one new instructor of `org`.
    async fn staff_import(&self, org: Org) -> String {
        let response = self
            .app
            .client
            .post(
                self.app
                    .url("/api/imports/staff/previews?file_name=staff.csv"),
            )
            .bearer_auth(self.token(org.main()))
            .header("content-type", "text/csv")
            .body(staff_csv(org))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            201,
            "setup: staff import of {org:?}"
        );
        let preview: Value = response.json().await.unwrap();
        preview["id"].as_str().expect("an import id").to_owned()
    }

    /// A batch print of `org` (the one student of [`PRINT_CLASS`] per college), finished.
    async fn print_job(&self, org: Org) -> String {
        let body = json!({"organization_id": self.of(org).id, "class_name": PRINT_CLASS,
            "style": "by_category", "format": "pdf"});
        let job = self
            .ok(org.main(), Method::POST, "/api/print-jobs", Some(&body))
            .await;
        let id = job["id"].as_str().expect("a job id").to_owned();
        for _ in 0..600 {
            let (_, job) = self
                .call(
                    Some(org.main()),
                    Method::GET,
                    &format!("/api/print-jobs/{id}"),
                    None,
                )
                .await;
            match job["status"].as_str() {
                Some("done") => return id,
                Some("failed") => panic!("setup: the batch print failed: {job}"),
                _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
        panic!("setup: the batch print {id} did not finish within a minute");
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Not submitted, claiming school credit.
    Draft,
    /// Submitted for school credit: waits for the level above (the committee's own publishes).
    Submitted,
    /// Published, registration open (first come).
    Open,
    /// Published, registration open, places by the organiser's review.
    Review,
    /// Published, under way now.
    Running,
    /// Published, ended 20 days ago.
    Ended,
    /// Published lottery whose registration has closed.
    Lottery,
}

fn activity_body(
    organizer: i64,
    level: &str,
    mode: &str,
    capacity: Option<u32>,
    colleges: &[i64],
    [starts, ends, opens, closes]: [chrono::DateTime<Utc>; 4],
) -> Value {
    json!({
        "organizer_id": organizer, "title": "权限矩阵活动", "category": "volunteer",
        "credit_level": level, "starts_at": starts, "ends_at": ends, "place": "大学生活动中心",
        "capacity": capacity, "registration_opens_at": opens, "registration_closes_at": closes,
        "enrolment_mode": mode, "eligibility": {"colleges": colleges}
    })
}

fn staff_csv(org: Org) -> String {
    format!(
        "工号,姓名,单位,职称,手机\n{},矩阵老师,{},讲师,\n",
        unique_no("T"),
        org.code()
    )
}

/// Signs in to the demo university and creates what the cases act on.
async fn world() -> World {
    // A pool larger than the tests' default: eight cases run at once.
    let app = spawn_app_on(create_database().await, |settings| {
        settings.database.pool_size = 8;
        settings.database.acquire_timeout_ms = 20_000;
    })
    .await;
    app.seed_demo().await;
    let mut tokens = HashMap::new();
    for username in SIGNED_IN {
        tokens.insert(username, app.demo_login(username).await);
    }
    let mut world = World {
        me: app.org_student_id("2023010101").await,
        other: app.org_student_id("2024020101").await,
        app,
        tokens,
        orgs: Vec::new(),
        serial_mine: String::new(),
        serial_other: String::new(),
        serial_to_revoke: String::new(),
        term: 0,
    };
    let tree = world
        .ok(
            "admin",
            Method::GET,
            "/api/organizations?per_page=100",
            None,
        )
        .await;
    for org in ORGS {
        let found = tree["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == org.code())
            .unwrap_or_else(|| panic!("setup: no organisation {}", org.code()));
        world.orgs.push(OrgObjects {
            id: found["id"].as_i64().unwrap(),
            name: found["name"].as_str().unwrap().to_owned(),
            main_account: world.app.org_student_id(org.main()).await,
            ..Default::default()
        });
    }
    let terms = world.ok("admin", Method::GET, "/api/terms", None).await;
    world.term = terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2026-2027-2")
        .and_then(|t| t["id"].as_i64())
        .expect("setup: term 2026-2027-2");
    // One student of each college in a class of their own, for small batch prints.
    for org in [Org::Cs, Org::Em] {
        let body = json!({"student_no": unique_no("29"), "name": "矩阵同学", "college_id": world.of(org).id,
            "major": "软件工程", "class_name": PRINT_CLASS, "enrolment_year": 2026,
            "degree": "undergraduate", "phone": null});
        world
            .ok(org.main(), Method::POST, "/api/students", Some(&body))
            .await;
    }
    for org in ORGS {
        let id = world.of(org).id;
        let draft = world.activity(org, Shape::Draft).await;
        let running = world.activity(org, Shape::Running).await;
        let ended = world.activity(org, Shape::Ended).await;
        let sub = json!({"username": unique("mx"), "display_name": "矩阵子账号",
            "password": "Test2026pass", "permissions": ["view_reports"]});
        let account = world
            .ok(
                "admin",
                Method::POST,
                &format!("/api/organizations/{id}/accounts"),
                Some(&sub),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let staff = json!({"staff_no": unique_no("T"), "name": "矩阵老师", "organization_id": id,
            "title": "讲师", "phone": null});
        let staff = world
            .ok("admin", Method::POST, "/api/staff", Some(&staff))
            .await["staff"]["id"]
            .as_i64()
            .unwrap();
        let import = world.staff_import(org).await;
        let print_job = match org {
            Org::Acm => None,
            _ => Some(world.print_job(org).await),
        };
        let objects = &mut world.orgs[org.index()];
        objects.draft = draft;
        objects.running = running;
        objects.ended = ended;
        objects.account = account;
        objects.staff = staff;
        objects.import = import;
        objects.print_job = print_job;
    }
    for org in ORGS {
        let position = world.position(org).await;
        let round = world.round(org, "2026-2027-1", false).await;
        let practice = world.practice(org).await;
        let objects = &mut world.orgs[org.index()];
        objects.position = position;
        objects.round = round;
        objects.practice = practice;
    }
    for org in ORGS {
        let seal = world.seal(org).await;
        let template = world.certificate_template(org).await;
        let outcome = world.certificate(org, template).await;
        let objects = &mut world.orgs[org.index()];
        objects.seal = seal;
        objects.template = template;
        objects.certificate = outcome["certificates"][0]["id"].as_i64().unwrap();
        objects.certificate_serial = outcome["certificates"][0]["serial"]
            .as_str()
            .unwrap()
            .to_owned();
        objects.certificate_batch = outcome["batch_id"].as_str().unwrap().to_owned();
    }
    // November's reports, and October's published by the committee.
    let frozen = "2026-11-27T16:00:30Z".parse().unwrap();
    let mut conn = world.app.db().await;
    for month in [Month::new(2026, 10).unwrap(), Month::new(2026, 11).unwrap()] {
        api::reports::freeze::freeze(&mut conn, month, frozen)
            .await
            .unwrap();
    }
    world
        .ok(
            "admin",
            Method::POST,
            "/api/school-reports/2026-10/publish",
            None,
        )
        .await;
    for org in ORGS {
        let id = world.of(org).id;
        world.orgs[org.index()].report = report_of(&world.app, id, "2026-11-01").await;
    }
    for org in ORGS {
        let survey = world.survey(org, true).await;
        let survey_draft = world.survey(org, false).await;
        let rated = world.activity(org, Shape::Ended).await;
        let mut conn = world.app.db().await;
        for sql in [
            format!(
                "INSERT INTO survey_respondents (survey_id, account_id)
                 SELECT {survey}, id FROM accounts WHERE kind = 'student'
                   AND username <> '2023010101' ORDER BY id LIMIT 5"
            ),
            format!(
                "INSERT INTO survey_responses (id, survey_id, anonymous, account_id, answered_at,
                    answers)
                 SELECT gen_random_uuid(), survey_id, false, account_id, now(), '[{{\"choices\": [0]}}]'
                 FROM survey_respondents WHERE survey_id = {survey}"
            ),
            format!(
                "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered)
                 VALUES ({rated}, {}, now() - interval '20 days 2 hours', 'manual', false)",
                world.me
            ),
        ]
        .into_iter()
        .take(if org == Org::Cs { 3 } else { 2 })
        {
            diesel_async::RunQueryDsl::execute(diesel::sql_query(&sql), &mut conn)
                .await
                .unwrap_or_else(|e| panic!("setup: {sql}: {e}"));
        }
        let objects = &mut world.orgs[org.index()];
        objects.survey = survey;
        objects.survey_draft = survey_draft;
        objects.rated = rated;
    }
    world
        .ok(
            "2023010101",
            Method::PUT,
            &format!("/api/surveys/{}/response", world.of(Org::Cs).survey),
            Some(&json!({"answers": [{"choices": [1]}]})),
        )
        .await;
    let style = json!({"style": "by_category"});
    world.serial_mine = world
        .ok("2023010101", Method::POST, "/api/transcripts", Some(&style))
        .await["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    world.serial_other = world
        .ok("2024020101", Method::POST, "/api/transcripts", Some(&style))
        .await["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    let classmate = world.app.org_student_id("2023010105").await;
    world.serial_to_revoke = world
        .ok(
            "cs_admin",
            Method::POST,
            "/api/transcripts",
            Some(&json!({"student_id": classmate, "style": "by_category"})),
        )
        .await["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    world
}

/// A term's id by code.
async fn term_id(w: &World, code: &str) -> i64 {
    let terms = w.ok("admin", Method::GET, "/api/terms", None).await;
    terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("setup: term {code}"))
}

/// The student a cadre position or team of `org` names.
fn member_of(org: Org) -> &'static str {
    if org == Org::Em {
        "2024020101"
    } else {
        "2023010101"
    }
}

/// A named survey of `org` asking its own subtree, open for a week.
fn survey_body(org: i64) -> Value {
    let now = Utc::now();
    json!({"organization_id": org, "title": "矩阵问卷", "anonymous": false,
        "opens_at": now - Duration::hours(1), "closes_at": now + Duration::days(7),
        "target": {"kind": "organization", "organization_id": org},
        "questions": [{"kind": "single", "title": "满意吗", "required": true,
                       "options": ["满意", "不满意"]}]})
}

impl World {
    /// A survey of `org` by its main account, published if asked.
    async fn survey(&self, org: Org, published: bool) -> i64 {
        let id = self
            .ok(
                org.main(),
                Method::POST,
                "/api/surveys",
                Some(&survey_body(self.of(org).id)),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        if published {
            self.ok(
                org.main(),
                Method::POST,
                &format!("/api/surveys/{id}/publish"),
                None,
            )
            .await;
        }
        id
    }

    /// A position of `org` held from 2024 to 2027, by its main account.
    async fn position(&self, org: Org) -> i64 {
        let body = json!({"student_no": member_of(org), "organization_id": self.of(org).id,
            "title": unique("矩阵职务"), "position_type": "minister",
            "starts_on": "2024-09-01", "ends_on": "2027-06-30"});
        self.ok(
            org.main(),
            Method::POST,
            "/api/cadre-positions",
            Some(&body),
        )
        .await["id"]
            .as_i64()
            .unwrap()
    }

    /// A round of `org` in the term `code`, its positions rated 称职, and submitted if asked.
    async fn round(&self, org: Org, code: &str, submitted: bool) -> i64 {
        let body =
            json!({"organization_id": self.of(org).id, "term_id": term_id(self, code).await});
        let round = self
            .ok(
                org.main(),
                Method::POST,
                "/api/assessment-rounds",
                Some(&body),
            )
            .await;
        let id = round["id"].as_i64().unwrap();
        let grades: Vec<Value> = round["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| json!({"position_id": i["position_id"], "grade": "competent"}))
            .collect();
        self.ok(
            org.main(),
            Method::PUT,
            &format!("/api/assessment-rounds/{id}/grades"),
            Some(&json!({ "grades": grades })),
        )
        .await;
        if submitted {
            self.ok(
                org.main(),
                Method::POST,
                &format!("/api/assessment-rounds/{id}/submit"),
                None,
            )
            .await;
        }
        id
    }

    /// A practice team of `org` with its report.
    async fn practice(&self, org: Org) -> i64 {
        let id = self
            .ok(
                org.main(),
                Method::POST,
                "/api/practice-records",
                Some(&practice_body(self.of(org).id, org)),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let response = self
            .app
            .request(
                Method::PUT,
                &format!("/api/practice-records/{id}/report?file_name=r.pdf"),
                self.token(org.main()),
            )
            .header("content-type", "application/pdf")
            .body(REPORT)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "setup: a report");
        id
    }
}

const REPORT: &str = "%PDF-1.4\ntrailer<<>>\n%%EOF\n";

/// A seal drawn with shapes only.
const SEAL: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="45" fill="none" stroke="#c00" stroke-width="5"/></svg>"##;

impl World {
    /// A seal of `org`, by its main account.
    async fn seal(&self, org: Org) -> i64 {
        let response = self
            .app
            .request(
                Method::POST,
                &format!("/api/certificate-seals?organization={}", self.of(org).id),
                self.token(org.main()),
            )
            .header("content-type", "image/svg+xml")
            .body(SEAL)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "setup: a seal");
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// An honour template of `org` (the club's: an appointment template), by `username`.
    async fn certificate_template_as(&self, org: Org, username: &str) -> i64 {
        let kind = if org == Org::Acm {
            "appointment"
        } else {
            "honour"
        };
        let body = template_body(self.of(org).id, kind);
        self.ok(
            username,
            Method::POST,
            "/api/certificate-templates",
            Some(&body),
        )
        .await["id"]
            .as_i64()
            .unwrap()
    }

    async fn certificate_template(&self, org: Org) -> i64 {
        self.certificate_template_as(org, org.main()).await
    }

    /// A certificate issued with `template` of `org` by its main account (see
    /// [`OrgObjects::certificate`]); the issue's outcome. The club's needs a position of its own.
    async fn certificate(&self, org: Org, template: i64) -> Value {
        let source = match org {
            Org::Acm => json!({"kind": "appointment", "position_ids": [self.position(org).await]}),
            _ => json!({"kind": "honour", "honour": unique("矩阵荣誉"),
                        "student_nos": [member_of(org)]}),
        };
        let outcome = self
            .ok(
                org.main(),
                Method::POST,
                "/api/certificates",
                Some(&json!({"template_id": template, "source": source})),
            )
            .await;
        assert_eq!(
            outcome["issued"], 1,
            "setup: a certificate of {org:?}: {outcome}"
        );
        outcome
    }
}

fn template_body(org_id: i64, kind: &str) -> Value {
    let body = if kind == "appointment" {
        "兹聘任 {name} 为{position}。"
    } else {
        "{name} 同学被评为“{honour}”。"
    };
    json!({"organization_id": org_id, "kind": kind, "name": unique("矩阵模板"),
        "title": "证书", "body": body, "issuer_name": "矩阵团委", "orientation": "landscape",
        "background": "classic", "seal_id": null})
}

fn practice_body(org_id: i64, org: Org) -> Value {
    json!({"kind": "practice", "organization_id": org_id, "name": unique("矩阵实践队"),
        "starts_on": "2026-11-10", "ends_on": "2026-11-16",
        "members": [{"student_no": member_of(org), "role": "leader"}]})
}

/// What a case sends.
enum Body {
    None,
    Json(Value),
    Raw(&'static str, String),
}

struct Request {
    method: Method,
    path: String,
    bearer: Option<String>,
    body: Body,
}

/// A fresh session of `username`: the login response.
async fn fresh_session(w: &World, username: &str) -> Value {
    let (status, session) = w
        .call(
            None,
            Method::POST,
            "/api/auth/login",
            Some(&json!({"username": username, "password": DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "setup: {username} signs in: {session}");
    session
}

/// The concrete request of operation `key` for `caller`; None for an operation without an arm.
/// The check-in code on screen now for `activity`, made with the test server's secret.
fn code_now(activity: i64, now: chrono::DateTime<chrono::Utc>) -> String {
    CheckinKeys::new(b"test-secret-test-secret-test-secret-0123")
        .current(
            activity,
            CodeKind::In,
            now.timestamp(),
            shared::checkin::CodeTiming::default(),
        )
        .0
}

async fn request(w: &World, key: &str, caller: Caller, sub: SubAccount) -> Option<Request> {
    use Body::{Json, None as Empty, Raw};
    let org = caller.org();
    let target = w.of(org);
    let id = target.id;
    let mut bearer = w.bearer(caller, sub);
    let student = w.student(caller);
    let now = Utc::now();
    let (path, body): (String, Body) = match key {
        "GET /healthz" => ("/healthz".into(), Empty),
        "GET /api/school" => ("/api/school".into(), Empty),
        "GET /api/calendar/days" => ("/api/calendar/days?year=2026".into(), Empty),
        "POST /api/calendar/deadline" => (
            "/api/calendar/deadline".into(),
            Json(json!({"start": "2026-11-30", "working_days": 1})),
        ),
        "GET /api/terms" => ("/api/terms".into(), Empty),
        "GET /api/verify/{serial}" => (format!("/api/verify/{}", w.serial(caller)), Empty),
        "PUT /api/calendar/days/{date}" => (
            "/api/calendar/days/2026-12-25".into(),
            Json(json!({"kind": "holiday", "name": "矩阵假日"})),
        ),
        "DELETE /api/calendar/days/{date}" => ("/api/calendar/days/2026-12-25".into(), Empty),
        "PUT /api/categories/{code}" => (
            "/api/categories/volunteer".into(),
            Json(json!({"name": "志愿服务", "name_en": "Volunteering"})),
        ),
        "POST /api/terms" => (
            "/api/terms".into(),
            Json(
                json!({"code": "2031-2032-1", "name": "2031-2032学年第一学期",
                "starts_on": "2031-09-01", "ends_on": "2032-02-14"}),
            ),
        ),
        "POST /api/rules" => (
            "/api/rules".into(),
            Json(json!({"effective_term_id": w.term,
                "rules": shared::rules::RuleSet::default_rules(), "note": "矩阵"})),
        ),
        "POST /api/auth/login" => (
            "/api/auth/login".into(),
            Json(json!({"username": World::username(caller, sub), "password": DEMO_PASSWORD})),
        ),
        "POST /api/auth/refresh" => {
            let refresh = match caller {
                Caller::Anonymous => "0".repeat(64),
                _ => fresh_session(w, World::username(caller, sub)).await["refresh_token"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            };
            bearer = None;
            (
                "/api/auth/refresh".into(),
                Json(json!({"refresh_token": refresh})),
            )
        }
        "POST /api/auth/logout" | "POST /api/auth/logout-all" => {
            if caller != Caller::Anonymous {
                let session = fresh_session(w, World::username(caller, sub)).await;
                bearer = Some(session["access_token"].as_str().unwrap().to_owned());
            }
            (key.split_once(' ').unwrap().1.to_owned(), Empty)
        }
        "GET /api/me" => ("/api/me".into(), Empty),
        "POST /api/me/password" => (
            "/api/me/password".into(),
            Json(json!({"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD})),
        ),
        "GET /api/notifications" => ("/api/notifications".into(), Empty),
        "POST /api/notifications/read" => ("/api/notifications/read".into(), Empty),
        "GET /api/categories" => ("/api/categories".into(), Empty),
        "GET /api/rules" => ("/api/rules".into(), Empty),
        "GET /api/rules/current" => ("/api/rules/current".into(), Empty),
        "GET /api/leaderboard" => (format!("/api/leaderboard?college_id={id}&limit=10"), Empty),
        "GET /api/organizations" => (format!("/api/organizations?within={id}"), Empty),
        "GET /api/organizations/{id}" => (format!("/api/organizations/{id}"), Empty),
        "POST /api/organizations" => {
            let kind = if org == Org::Tw { "college" } else { "club" };
            (
                "/api/organizations".into(),
                Json(json!({"parent_id": id, "kind": kind, "code": unique("mx"),
                    "name": "权限矩阵社", "main_account": {"username": unique("mx"), "password": "Test2026pass"}})),
            )
        }
        "PATCH /api/organizations/{id}" => (
            format!("/api/organizations/{id}"),
            Json(json!({"name": target.name})),
        ),
        "GET /api/organizations/{id}/accounts" => {
            (format!("/api/organizations/{id}/accounts"), Empty)
        }
        "POST /api/organizations/{id}/accounts" => (
            format!("/api/organizations/{id}/accounts"),
            Json(
                json!({"username": unique("mx"), "display_name": "矩阵子账号",
                "password": "Test2026pass", "permissions": ["view_reports"]}),
            ),
        ),
        "PATCH /api/accounts/{id}" | "POST /api/accounts/{id}/reset-password" => {
            let account = match caller {
                Caller::Student => w.me,
                Caller::AnotherStudent => w.other,
                _ => target.account,
            };
            if key.starts_with("PATCH") {
                (
                    format!("/api/accounts/{account}"),
                    Json(json!({"display_name": "矩阵改名"})),
                )
            } else {
                (format!("/api/accounts/{account}/reset-password"), Empty)
            }
        }
        "GET /api/audit" => (format!("/api/audit?organization_id={id}"), Empty),
        "GET /api/students" => (format!("/api/students?college_id={id}"), Empty),
        "POST /api/students" => (
            "/api/students".into(),
            Json(
                json!({"student_no": unique_no("29"), "name": "矩阵同学", "college_id": id,
                "major": "软件工程", "class_name": "软件2601", "enrolment_year": 2026,
                "degree": "undergraduate", "phone": null}),
            ),
        ),
        "GET /api/students/{id}" => (format!("/api/students/{student}"), Empty),
        "PATCH /api/students/{id}" => (
            format!("/api/students/{student}"),
            Json(json!({"phone": "13900000000"})),
        ),
        "GET /api/staff" => (format!("/api/staff?organization_id={id}"), Empty),
        "POST /api/staff" => (
            "/api/staff".into(),
            Json(
                json!({"staff_no": unique_no("T"), "name": "矩阵老师", "organization_id": id,
                "title": "讲师", "phone": null}),
            ),
        ),
        "GET /api/staff/{id}" => (format!("/api/staff/{}", target.staff), Empty),
        "PATCH /api/staff/{id}" => (
            format!("/api/staff/{}", target.staff),
            Json(json!({"title": "副教授"})),
        ),
        "GET /api/imports/{kind}/template.csv" => {
            ("/api/imports/students/template.csv".into(), Empty)
        }
        "POST /api/imports/{kind}/previews" => (
            "/api/imports/staff/previews?file_name=staff.csv".into(),
            Raw("text/csv", staff_csv(org)),
        ),
        "GET /api/imports/{id}" => (format!("/api/imports/{}", target.import), Empty),
        "POST /api/imports/{id}/confirm" => {
            let import = w.staff_import(org).await;
            (format!("/api/imports/{import}/confirm"), Empty)
        }
        "GET /api/activities" => (
            format!("/api/activities?scope=managed&organizer={id}"),
            Empty,
        ),
        "POST /api/activities" | "PUT /api/activities/{id}" => {
            let body = activity_body(
                id,
                "school",
                "first_come",
                None,
                &[],
                [
                    now + Duration::days(2),
                    now + Duration::days(2) + Duration::hours(2),
                    now - Duration::days(1),
                    now + Duration::days(1),
                ],
            );
            if key.starts_with("POST") {
                ("/api/activities".into(), Json(body))
            } else {
                (format!("/api/activities/{}", target.draft), Json(body))
            }
        }
        "GET /api/activities/{id}" => (format!("/api/activities/{}", target.draft), Empty),
        "POST /api/activities/{id}/submit" => {
            let activity = w.activity(org, Shape::Draft).await;
            (format!("/api/activities/{activity}/submit"), Empty)
        }
        "POST /api/activities/{id}/withdraw" => {
            let activity = w.activity(org, Shape::Submitted).await;
            (format!("/api/activities/{activity}/withdraw"), Empty)
        }
        "POST /api/activities/{id}/approve" | "POST /api/activities/{id}/reject" => {
            let org = if caller == Caller::Sub { Org::Acm } else { org };
            let activity = w.activity(org, Shape::Submitted).await;
            if key.ends_with("approve") {
                (format!("/api/activities/{activity}/approve"), Empty)
            } else {
                (
                    format!("/api/activities/{activity}/reject"),
                    Json(json!({"reason": "材料不全"})),
                )
            }
        }
        "POST /api/activities/{id}/cancel" => {
            let activity = w.activity(org, Shape::Open).await;
            (
                format!("/api/activities/{activity}/cancel"),
                Json(json!({"reason": "天气原因"})),
            )
        }
        "GET /api/reviews" => ("/api/reviews".into(), Empty),
        "POST /api/activities/{id}/registrations" => {
            let activity = match caller {
                Caller::Student => w.activity(Org::Cs, Shape::Open).await,
                Caller::AnotherStudent => {
                    w.activity_for(Org::Em, Shape::Open, &[w.of(Org::Em).id])
                        .await
                }
                _ => target.running,
            };
            (
                format!("/api/activities/{activity}/registrations"),
                Json(json!({"answers": {}})),
            )
        }
        "DELETE /api/activities/{id}/registrations/mine" => {
            let activity = match caller {
                Caller::Student | Caller::AnotherStudent => {
                    let activity = w.activity(org, Shape::Open).await;
                    let who = if caller == Caller::Student {
                        "2023010101"
                    } else {
                        "2024020101"
                    };
                    w.sign_up(who, activity).await;
                    activity
                }
                _ => target.running,
            };
            (
                format!("/api/activities/{activity}/registrations/mine"),
                Empty,
            )
        }
        "GET /api/me/registrations" => ("/api/me/registrations".into(), Empty),
        "GET /api/activities/{id}/registrations" => (
            format!("/api/activities/{}/registrations", target.running),
            Empty,
        ),
        "GET /api/activities/{id}/registrations/export" => (
            format!(
                "/api/activities/{}/registrations/export?format=csv",
                target.running
            ),
            Empty,
        ),
        "POST /api/activities/{id}/lottery" => {
            let activity = w.activity(org, Shape::Lottery).await;
            (format!("/api/activities/{activity}/lottery"), Empty)
        }
        "POST /api/registrations/{id}/approve" | "POST /api/registrations/{id}/reject" => {
            let registrant = match caller {
                Caller::Student => "2023010101",
                Caller::AnotherStudent | Caller::Sibling => "2024020101",
                _ => "2023010102",
            };
            let activity = w.activity(org, Shape::Review).await;
            let registration = w.sign_up(registrant, activity).await;
            let action = key.rsplit('/').next().unwrap();
            (format!("/api/registrations/{registration}/{action}"), Empty)
        }
        "POST /api/registrations/{id}/excuse" | "DELETE /api/registrations/{id}/excuse" => {
            let registrant = match caller {
                Caller::Student => "2023010101",
                Caller::AnotherStudent | Caller::Sibling => "2024020101",
                _ => "2023010102",
            };
            let activity = w.activity(org, Shape::Open).await;
            let registration = w.sign_up(registrant, activity).await;
            let path = format!("/api/registrations/{registration}/excuse");
            if key.starts_with("DELETE") {
                w.ok(
                    org.main(),
                    Method::POST,
                    &path,
                    Some(&json!({"reason": "校运会集训"})),
                )
                .await;
                (path, Empty)
            } else {
                (path, Json(json!({"reason": "校运会集训"})))
            }
        }
        "GET /api/me/no-shows" => ("/api/me/no-shows".into(), Empty),
        "GET /api/activities/{id}/watch"
        | "PUT /api/activities/{id}/watch"
        | "DELETE /api/activities/{id}/watch" => {
            let activity = w.activity(org, Shape::Open).await;
            (format!("/api/activities/{activity}/watch"), Empty)
        }
        "GET /api/activities/{id}/checkin-settings" => (
            format!("/api/activities/{}/checkin-settings", target.running),
            Empty,
        ),
        "PUT /api/activities/{id}/checkin-settings" => (
            format!("/api/activities/{}/checkin-settings", target.running),
            Json(
                json!({"opens_at": now - Duration::hours(1), "closes_at": now + Duration::hours(3),
                "checkout_enabled": false, "latitude": null, "longitude": null, "radius_m": null}),
            ),
        ),
        "GET /api/activities/{id}/checkin-code" => (
            format!("/api/activities/{}/checkin-code", target.running),
            Empty,
        ),
        "POST /api/checkin" => (
            "/api/checkin".into(),
            Json(
                json!({"token": code_now(target.running, now), "device_id": format!("phone-{}", caller.label().replace(' ', "-"))}),
            ),
        ),
        "POST /api/checkin/receipts" => (
            "/api/checkin/receipts".into(),
            Json(json!({"token": code_now(target.running, now), "device_id": "phone-receipt"})),
        ),
        "POST /api/checkin/pending" => (
            "/api/checkin/pending".into(),
            Json(json!({"token": code_now(target.running, now), "device_id": "phone-pending"})),
        ),
        "GET /api/school/checkin-policy" => ("/api/school/checkin-policy".into(), Empty),
        "PUT /api/me/checkin-key" => (
            "/api/me/checkin-key".into(),
            Json(json!({"device_id": "phone-matrix",
                "public_key": shared::pass::hex(&shared::pass::public_key(&[7; 32]))})),
        ),
        "GET /api/me/checkin-key" | "DELETE /api/me/checkin-key" => {
            ("/api/me/checkin-key".into(), Empty)
        }
        "GET /api/activities/{id}/scanner" => {
            (format!("/api/activities/{}/scanner", target.running), Empty)
        }
        "POST /api/activities/{id}/scans" => (
            format!("/api/activities/{}/scans", target.running),
            Json(json!({"device_id": "organiser-phone", "scans": [
                {"id": uuid::Uuid::new_v4(), "student_no": "2022010101", "scanned_at": now}]})),
        ),
        "PUT /api/school/checkin-policy" => (
            "/api/school/checkin-policy".into(),
            Json(
                json!({"window_secs": 10, "per_address": 8, "per_device": 3, "trusted_networks": []}),
            ),
        ),
        "GET /api/activities/{id}/attendance" => (
            format!("/api/activities/{}/attendance", target.running),
            Empty,
        ),
        "GET /api/activities/{id}/attendance/anomalies" => (
            format!("/api/activities/{}/attendance/anomalies", target.running),
            Empty,
        ),
        "POST /api/activities/{id}/attendance" => (
            format!("/api/activities/{}/attendance", target.running),
            Json(json!({"student_no": "2022010101"})),
        ),
        "GET /api/activities/{id}/deadlines" => {
            (format!("/api/activities/{}/deadlines", target.ended), Empty)
        }
        "POST /api/activities/{id}/attendance-requests" => (
            format!("/api/activities/{}/attendance-requests", target.ended),
            Json(
                json!({"student_no": "2022010102", "reason": "系统故障", "evidence": "纸质签到表"}),
            ),
        ),
        "GET /api/attendance-requests" => ("/api/attendance-requests".into(), Empty),
        "POST /api/attendance-requests/{id}/approve"
        | "POST /api/attendance-requests/{id}/reject" => {
            let org = if caller == Caller::Sub { Org::Acm } else { org };
            let request = w.backfill(org).await;
            if key.ends_with("approve") {
                (format!("/api/attendance-requests/{request}/approve"), Empty)
            } else {
                (
                    format!("/api/attendance-requests/{request}/reject"),
                    Json(json!({"reason": "证据不足"})),
                )
            }
        }
        "GET /api/recognition-requests" => ("/api/recognition-requests".into(), Empty),
        "POST /api/recognition-requests/{id}/approve"
        | "POST /api/recognition-requests/{id}/reject" => {
            let org = if caller == Caller::Sub { Org::Acm } else { org };
            let request = w.recognition_backfill(org).await;
            if key.ends_with("approve") {
                (
                    format!("/api/recognition-requests/{request}/approve"),
                    Empty,
                )
            } else {
                (
                    format!("/api/recognition-requests/{request}/reject"),
                    Json(json!({"reason": "证据不足"})),
                )
            }
        }
        "GET /api/activities/{id}/results" => {
            (format!("/api/activities/{}/results", target.ended), Empty)
        }
        "PUT /api/activities/{id}/results" => (
            format!("/api/activities/{}/results", target.ended),
            Json(json!({"results": []})),
        ),
        "POST /api/activities/{id}/results/upload" => (
            format!(
                "/api/activities/{}/results/upload?file_name=r.csv&dry_run=true",
                target.ended
            ),
            Raw("text/csv", "学号,是否出勤\n2023010101,是\n".into()),
        ),
        "POST /api/activities/{id}/results/finalize" => {
            // Ended 20 days ago, past its deadline: a back-fill, filed for the level above.
            let activity = w.activity(org, Shape::Ended).await;
            (
                format!("/api/activities/{activity}/results/finalize"),
                Json(json!({"reason": "名单晚到"})),
            )
        }
        "GET /api/recognition/overdue" => ("/api/recognition/overdue".into(), Empty),
        "GET /api/me/points" => ("/api/me/points".into(), Empty),
        "GET /api/students/{id}/points" => (format!("/api/students/{student}/points"), Empty),
        "POST /api/points/facts" => (
            "/api/points/facts".into(),
            Json(
                json!({"student_no": "2023010101", "organization_id": id, "title": "社会实践",
                "occurred_on": "2026-11-10",
                "kind": {"type": "practice_days", "days": 1, "hours_per_day": null}}),
            ),
        ),
        "POST /api/points/adjustments" => (
            "/api/points/adjustments".into(),
            Json(
                json!({"student_no": World::student_no(caller), "category": "volunteer",
                "points": 10, "reason": "补记原因", "occurred_on": "2026-11-02"}),
            ),
        ),
        "GET /api/points/behind" => (format!("/api/points/behind?organization_id={id}"), Empty),
        "GET /api/me/suggestions" => ("/api/me/suggestions".into(), Empty),
        "GET /api/students/{id}/suggestions" => {
            (format!("/api/students/{student}/suggestions"), Empty)
        }
        "POST /api/students/{id}/reminders" => {
            (format!("/api/students/{student}/reminders"), Empty)
        }
        "GET /api/transcripts/preview" => (
            format!("/api/transcripts/preview?student_id={student}"),
            Empty,
        ),
        "POST /api/transcripts" => (
            "/api/transcripts".into(),
            Json(json!({"student_id": student, "style": "by_category"})),
        ),
        "GET /api/students/{id}/transcripts" => {
            (format!("/api/students/{student}/transcripts"), Empty)
        }
        "GET /api/me/transcript.pdf" => ("/api/me/transcript.pdf?style=by_category".into(), Empty),
        "GET /api/transcripts/{serial}/pdf" => {
            (format!("/api/transcripts/{}/pdf", w.serial(caller)), Empty)
        }
        "POST /api/transcripts/{serial}/revoke" => {
            let serial = match caller {
                Caller::Own => w.serial_to_revoke.as_str(),
                _ => w.serial(caller),
            };
            (
                format!("/api/transcripts/{serial}/revoke"),
                Json(json!({"reason": "信息有误"})),
            )
        }
        "POST /api/print-jobs" => (
            "/api/print-jobs".into(),
            Json(json!({"organization_id": id, "class_name": PRINT_CLASS,
                "style": "by_category", "format": "pdf"})),
        ),
        "GET /api/print-jobs" => ("/api/print-jobs".into(), Empty),
        "POST /api/rules/previews" => (
            "/api/rules/previews".into(),
            Json(json!({"effective_term_id": w.term,
                "rules": shared::rules::RuleSet::default_rules()})),
        ),
        "GET /api/rules/{version}/reevaluation" => ("/api/rules/1/reevaluation".into(), Empty),
        "GET /api/school/position-types" => ("/api/school/position-types".into(), Empty),
        "PUT /api/school/position-types" => (
            "/api/school/position-types".into(),
            Json(json!({"types": [{"code": "minister", "name": "部长/副部长", "active": true}]})),
        ),
        "GET /api/school/assessment-standard" => ("/api/school/assessment-standard".into(), Empty),
        "PUT /api/school/assessment-standard" => (
            "/api/school/assessment-standard".into(),
            Json(json!({"limits": []})),
        ),
        "GET /api/cadre-positions" => (format!("/api/cadre-positions?organization_id={id}"), Empty),
        "POST /api/cadre-positions" | "PUT /api/cadre-positions/{id}" => {
            let body = json!({"student_no": member_of(org), "organization_id": id,
                "title": unique("矩阵职务"), "position_type": "officer",
                "starts_on": "2026-09-01", "ends_on": "2027-06-30"});
            let path = if key.starts_with("POST") {
                "/api/cadre-positions".to_owned()
            } else {
                format!("/api/cadre-positions/{}", target.position)
            };
            (path, Json(body))
        }
        "GET /api/cadre-positions/{id}" => {
            (format!("/api/cadre-positions/{}", target.position), Empty)
        }
        "DELETE /api/cadre-positions/{id}" => {
            let position = match caller {
                Caller::Own | Caller::Child => w.position(org).await,
                _ => target.position,
            };
            (format!("/api/cadre-positions/{position}"), Empty)
        }
        "GET /api/me/cadre-positions" => ("/api/me/cadre-positions".into(), Empty),
        "GET /api/assessment-rounds" => ("/api/assessment-rounds".into(), Empty),
        "POST /api/assessment-rounds" => (
            "/api/assessment-rounds".into(),
            Json(json!({"organization_id": id, "term_id": term_id(w, "2025-2026-2").await})),
        ),
        "GET /api/assessment-rounds/{id}" => {
            (format!("/api/assessment-rounds/{}", target.round), Empty)
        }
        "PUT /api/assessment-rounds/{id}/grades" => (
            format!("/api/assessment-rounds/{}/grades", target.round),
            Json(json!({"grades": [{"position_id": target.position, "grade": "competent"}]})),
        ),
        "POST /api/assessment-rounds/{id}/submit" => {
            let round = match caller {
                Caller::Own => w.round(org, "2024-2025-1", false).await,
                _ => target.round,
            };
            (format!("/api/assessment-rounds/{round}/submit"), Empty)
        }
        "POST /api/assessment-rounds/{id}/approve" | "POST /api/assessment-rounds/{id}/return" => {
            let (action, term) = if key.ends_with("approve") {
                ("approve", "2024-2025-2")
            } else {
                ("return", "2025-2026-1")
            };
            let round = match caller {
                Caller::Child => w.round(org, term, true).await,
                _ => target.round,
            };
            (
                format!("/api/assessment-rounds/{round}/{action}"),
                Json(json!({"reason": "请复核"})),
            )
        }
        "GET /api/practice-records" => ("/api/practice-records".into(), Empty),
        "GET /api/me/practice-records" => ("/api/me/practice-records".into(), Empty),
        "POST /api/practice-records" => {
            ("/api/practice-records".into(), Json(practice_body(id, org)))
        }
        "GET /api/practice-records/{id}" => {
            (format!("/api/practice-records/{}", target.practice), Empty)
        }
        "PUT /api/practice-records/{id}" | "DELETE /api/practice-records/{id}" => {
            let record = match caller {
                Caller::Own | Caller::Child => w.practice(org).await,
                _ => target.practice,
            };
            let body = if key.starts_with("PUT") {
                Json(practice_body(id, org))
            } else {
                Empty
            };
            (format!("/api/practice-records/{record}"), body)
        }
        "GET /api/insight/dashboard"
        | "GET /api/insight/dashboard.xlsx"
        | "GET /api/insight/workload"
        | "GET /api/insight/workload.xlsx" => {
            let path = key.trim_start_matches("GET ");
            (format!("{path}?organization={id}"), Empty)
        }
        "GET /api/me/workload" => ("/api/me/workload".into(), Empty),
        "GET /api/me/workload.xlsx" => ("/api/me/workload.xlsx".into(), Empty),
        "GET /api/monthly-reports" => ("/api/monthly-reports".into(), Empty),
        "GET /api/monthly-reports/{id}" => {
            (format!("/api/monthly-reports/{}", target.report), Empty)
        }
        "GET /api/monthly-reports/{id}/report.xlsx" => (
            format!("/api/monthly-reports/{}/report.xlsx", target.report),
            Empty,
        ),
        "GET /api/monthly-reports/{id}/report.pdf" => (
            format!("/api/monthly-reports/{}/report.pdf", target.report),
            Empty,
        ),
        "PUT /api/monthly-reports/{id}" => (
            format!("/api/monthly-reports/{}", target.report),
            Json(json!({"comments": "矩阵总结"})),
        ),
        "POST /api/monthly-reports/{id}/file" => {
            // Filing consumes the report: a month of its own for each case.
            let month = fresh_month();
            api::reports::freeze::freeze(&mut w.app.db().await, month, now)
                .await
                .unwrap();
            let report = report_of(&w.app, id, &month.first_day().to_string()).await;
            (format!("/api/monthly-reports/{report}/file"), Empty)
        }
        "POST /api/certificate-seals" => (
            format!("/api/certificate-seals?organization={id}"),
            Raw("image/svg+xml", SEAL.to_owned()),
        ),
        "GET /api/certificate-seals/{id}" => {
            (format!("/api/certificate-seals/{}", target.seal), Empty)
        }
        "GET /api/certificate-templates" => (
            format!("/api/certificate-templates?organization={id}"),
            Empty,
        ),
        "POST /api/certificate-templates" => (
            "/api/certificate-templates".into(),
            Json(template_body(id, "honour")),
        ),
        "GET /api/certificate-templates/{id}" => (
            format!("/api/certificate-templates/{}", target.template),
            Empty,
        ),
        "GET /api/certificate-templates/{id}/preview.png" => (
            format!("/api/certificate-templates/{}/preview.png", target.template),
            Empty,
        ),
        "PUT /api/certificate-templates/{id}" => {
            let kind = if org == Org::Acm {
                "appointment"
            } else {
                "honour"
            };
            let mut design = template_body(id, kind);
            design.as_object_mut().unwrap().remove("organization_id");
            design.as_object_mut().unwrap().remove("kind");
            (
                format!("/api/certificate-templates/{}", target.template),
                Json(design),
            )
        }
        "DELETE /api/certificate-templates/{id}" => {
            // Archiving consumes the template: a fresh one where it will succeed.
            let template = match caller {
                Caller::Own | Caller::Child => w.certificate_template(org).await,
                _ => target.template,
            };
            (format!("/api/certificate-templates/{template}"), Empty)
        }
        "POST /api/certificates" => {
            let source = match org {
                Org::Acm => json!({"kind": "appointment", "position_ids": [target.position]}),
                _ => json!({"kind": "honour", "honour": unique("矩阵荣誉"),
                            "student_nos": [member_of(org)]}),
            };
            (
                "/api/certificates".into(),
                Json(json!({"template_id": target.template, "source": source})),
            )
        }
        "GET /api/certificates" => (format!("/api/certificates?organization={id}"), Empty),
        "GET /api/me/certificates" => ("/api/me/certificates".into(), Empty),
        "GET /api/certificates/verify/{serial}" => (
            format!("/api/certificates/verify/{}", target.certificate_serial),
            Empty,
        ),
        "GET /api/certificates/{id}" => {
            (format!("/api/certificates/{}", target.certificate), Empty)
        }
        "GET /api/certificates/{id}/pdf" => (
            format!("/api/certificates/{}/pdf", target.certificate),
            Empty,
        ),
        "GET /api/certificates/{id}/png" => (
            format!("/api/certificates/{}/png", target.certificate),
            Empty,
        ),
        "POST /api/certificates/{id}/revoke" => {
            // Revoking consumes the certificate: a fresh one where it will succeed.
            let certificate = match caller {
                Caller::Own | Caller::Child => w
                    .certificate(org, w.certificate_template(org).await)
                    .await["certificates"][0]["id"]
                    .as_i64()
                    .unwrap(),
                _ => target.certificate,
            };
            (
                format!("/api/certificates/{certificate}/revoke"),
                Json(json!({"reason": "矩阵撤销"})),
            )
        }
        "GET /api/certificates/batches/{batch}/zip" => (
            format!("/api/certificates/batches/{}/zip", target.certificate_batch),
            Empty,
        ),
        "GET /api/activities/{id}/poster.png" => (
            format!("/api/activities/{}/poster.png", target.running),
            Empty,
        ),
        "GET /api/school-reports" => ("/api/school-reports".into(), Empty),
        "GET /api/school-reports/{month}" => ("/api/school-reports/2026-10".into(), Empty),
        "GET /api/school-reports/{month}/report.xlsx" => {
            ("/api/school-reports/2026-10/report.xlsx".into(), Empty)
        }
        "GET /api/school-reports/{month}/report.pdf" => {
            ("/api/school-reports/2026-10/report.pdf".into(), Empty)
        }
        "PUT /api/school-reports/{month}" => (
            "/api/school-reports/2026-11".into(),
            Json(json!({"analysis": "矩阵分析"})),
        ),
        "POST /api/school-reports/{month}/publish" => {
            ("/api/school-reports/2026-11/publish".into(), Empty)
        }
        "POST /api/practice-records/{id}/certify" => {
            let record = match caller {
                Caller::Own | Caller::Child => w.practice(org).await,
                _ => target.practice,
            };
            (format!("/api/practice-records/{record}/certify"), Empty)
        }
        "PUT /api/practice-records/{id}/report" => {
            let record = match caller {
                Caller::Own | Caller::Child => w.practice(org).await,
                _ => target.practice,
            };
            (
                format!("/api/practice-records/{record}/report?file_name=r.pdf"),
                Raw("application/pdf", REPORT.into()),
            )
        }
        "GET /api/practice-records/{id}/report" => (
            format!("/api/practice-records/{}/report", target.practice),
            Empty,
        ),
        "GET /api/print-jobs/{id}" | "GET /api/print-jobs/{id}/file" => {
            let job = target.print_job.as_deref().unwrap_or(NO_JOB);
            let tail = if key.ends_with("/file") { "/file" } else { "" };
            (format!("/api/print-jobs/{job}{tail}"), Empty)
        }
        "GET /api/surveys" => ("/api/surveys".into(), Empty),
        "POST /api/surveys" => ("/api/surveys".into(), Json(survey_body(id))),
        "GET /api/me/surveys" => ("/api/me/surveys".into(), Empty),
        "GET /api/surveys/{id}" => (format!("/api/surveys/{}", target.survey), Empty),
        "PUT /api/surveys/{id}" | "POST /api/surveys/{id}/publish" => {
            let draft = match caller {
                Caller::Own | Caller::Child => w.survey(org, false).await,
                _ => target.survey_draft,
            };
            if key.starts_with("PUT") {
                (format!("/api/surveys/{draft}"), Json(survey_body(id)))
            } else {
                (format!("/api/surveys/{draft}/publish"), Empty)
            }
        }
        "POST /api/surveys/{id}/close" => {
            let open = match caller {
                Caller::Own | Caller::Child => w.survey(org, true).await,
                _ => target.survey,
            };
            (format!("/api/surveys/{open}/close"), Empty)
        }
        "PUT /api/surveys/{id}/response" => (
            format!("/api/surveys/{}/response", target.survey),
            Json(json!({"answers": [{"choices": [0]}]})),
        ),
        "GET /api/surveys/{id}/response" => {
            (format!("/api/surveys/{}/response", target.survey), Empty)
        }
        "GET /api/surveys/{id}/results" | "GET /api/surveys/{id}/results.xlsx" => {
            let tail = key.rsplit('/').next().unwrap();
            (format!("/api/surveys/{}/{tail}", target.survey), Empty)
        }
        "GET /api/me/evaluations" => ("/api/me/evaluations".into(), Empty),
        "PUT /api/activities/{id}/evaluation" => (
            format!("/api/activities/{}/evaluation", target.rated),
            Json(json!({"rating": 4, "comment": "矩阵"})),
        ),
        "GET /api/activities/{id}/evaluations" => (
            format!("/api/activities/{}/evaluations", target.rated),
            Empty,
        ),
        _ => return None,
    };
    let method = key.split_once(' ').unwrap().0.parse().unwrap();
    Some(Request {
        method,
        path,
        bearer,
        body,
    })
}

/// One operation × caller.
struct Case {
    key: &'static str,
    caller: Caller,
    sub: SubAccount,
    expect: u16,
}

fn expected_code(case: &Case) -> Option<&'static str> {
    if let Some((_, _, code)) = CODES
        .iter()
        .find(|(k, c, _)| *k == case.key && *c == case.caller)
    {
        return Some(code);
    }
    match case.expect {
        401 => Some("unauthenticated"),
        403 => Some("forbidden"),
        404 => Some("not_found"),
        _ => None,
    }
}

/// What a case answered: its status, and what went wrong (None: as placed).
struct Outcome {
    status: u16,
    failure: Option<String>,
}

/// Runs a case.
async fn run(w: &World, case: &Case) -> Outcome {
    let who = format!("{} by {}", case.key, case.caller.label());
    let Some(request) = request(w, case.key, case.caller, case.sub).await else {
        return Outcome {
            status: 0,
            failure: Some(format!(
                "{who}: no request is built for it (add an arm to `request` in matrix.rs)"
            )),
        };
    };
    let mut builder = w
        .app
        .client
        .request(request.method.clone(), w.app.url(&request.path));
    if let Some(token) = &request.bearer {
        builder = builder.bearer_auth(token);
    }
    builder = match request.body {
        Body::None => builder,
        Body::Json(value) => builder.json(&value),
        Body::Raw(content_type, text) => builder.header("content-type", content_type).body(text),
    };
    let response = builder.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response.bytes().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let code = body["code"].as_str();
    let answered = match case.expect {
        HIDDEN => {
            (status == 403 && code == Some("forbidden"))
                || (status == 404 && code == Some("not_found"))
        }
        LIVE_OR_GONE => status == 200 || (status == 404 && code == Some("not_found")),
        expect => status == expect && expected_code(case).is_none_or(|c| code == Some(c)),
    };
    let shown = if content_type.starts_with("application/json") || content_type.starts_with("text/")
    {
        String::from_utf8_lossy(&bytes).chars().take(300).collect()
    } else {
        format!("<{} bytes of {content_type}>", bytes.len())
    };
    let expected = match (case.expect, expected_code(case)) {
        (HIDDEN, _) => "403 forbidden or 404 not_found".to_owned(),
        (LIVE_OR_GONE, _) => "200 or 404 not_found".to_owned(),
        (n, Some(code)) => format!("{n} {code}"),
        (n, None) => n.to_string(),
    };
    let failure = (!answered).then(|| {
        format!(
            "{who} ({} {}): got {status} {shown}, expected {expected}",
            request.method, request.path
        )
    });
    if std::env::var_os("MATRIX_TRACE").is_some() {
        println!(
            "{who} ({} {}): {status} {shown}",
            request.method, request.path
        );
    }
    Outcome { status, failure }
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_placed() {
    let ops = api_operations();
    let keys: Vec<String> = ops.iter().map(|(k, _)| k.clone()).collect();
    let unplaced = unplaced(&keys, MATRIX);
    assert!(
        unplaced.is_empty(),
        "place every operation in the matrix first:\n{}",
        unplaced.join("\n")
    );
    let started = std::time::Instant::now();
    let w = world().await;
    let setup = started.elapsed();
    // In the document's order; ending every session of the callers comes last.
    let mut cases = Vec::new();
    let mut last = Vec::new();
    for key in &keys {
        let (key, sub, expect) = MATRIX.iter().find(|(k, _, _)| k == key).unwrap();
        for (caller, expect) in CALLERS.into_iter().zip(expect) {
            let case = Case {
                key,
                caller,
                sub: *sub,
                expect: *expect,
            };
            if *key == "POST /api/auth/logout-all" {
                last.push(case);
            } else {
                cases.push(case);
            }
        }
    }
    let w = &w;
    let mut outcomes: Vec<(usize, Outcome)> = stream::iter(cases.iter().enumerate())
        .map(|(i, case)| async move { (i, run(w, case).await) })
        .buffer_unordered(8)
        .collect()
        .await;
    for (i, case) in last.iter().enumerate() {
        outcomes.push((cases.len() + i, run(w, case).await));
    }
    outcomes.sort_by_key(|(i, _)| *i);
    let all: Vec<&Case> = cases.iter().chain(&last).collect();
    // What the mismatching operations answered, as rows of the matrix.
    let mut answered: BTreeMap<&str, (SubAccount, [u16; 8])> = BTreeMap::new();
    for (i, outcome) in &outcomes {
        let case = all[*i];
        let row = answered.entry(case.key).or_insert((case.sub, [0; 8]));
        let column = CALLERS.iter().position(|c| *c == case.caller).unwrap();
        row.1[column] = outcome.status;
    }
    let mismatching: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| o.failure.is_some())
        .map(|(i, _)| all[*i].key)
        .collect();
    answered.retain(|key, _| mismatching.contains(key));
    if !answered.is_empty() {
        println!("what the mismatching operations answer, as matrix rows:");
        for (key, (sub, statuses)) in &answered {
            println!(
                "    (\"{key}\", {}, {statuses:?}),",
                match sub {
                    SubAccount::Publisher => "PUB",
                    SubAccount::Reports => "REP",
                }
            );
        }
    }
    let failures: Vec<String> = outcomes
        .into_iter()
        .filter_map(|(_, o)| o.failure)
        .collect();
    println!(
        "permission matrix: {} operations × {} callers = {} cases ({:.1?} setup, {:.1?} in all), {} failed",
        keys.len(),
        CALLERS.len(),
        cases.len() + last.len(),
        setup,
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases answer otherwise than placed:\n{}",
        failures.len(),
        cases.len() + last.len(),
        failures.join("\n")
    );
}

/// A month no case has frozen yet (from January 2031 on).
fn fresh_month() -> Month {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Month::new(2031 + (n / 12) as i32, n % 12 + 1).unwrap()
}

/// The report of the organisation for the month starting on `first_day` (0: none).
async fn report_of(app: &TestApp, organization: i64, first_day: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "SELECT coalesce(max(id), 0) AS id FROM monthly_reports
         WHERE organization_id = {organization} AND month = '{first_day}'"
    ))
    .get_result::<Found>(&mut app.db().await)
    .await
    .unwrap()
    .id
}
