//! The measured paths, one [`Unit`] each. A unit probes its endpoint first and reports "not
//! available" while the route answers 404 `route_not_found` (or 405) or its table is missing,
//! so a path starts measuring as soon as it lands. Where a path is not built yet, the request
//! and SQL it will be measured with are the constants below: match them to the real endpoint.

use serde_json::json;

use super::Ctx;
use super::load::{Credentials, LoadResult, Scenario};
use super::raw::{RawResult, Script};
use super::report::{Measured, Outcome, ms, percent, thousands};
use super::web_timing::Figure;
use crate::util::Result;

/// The leaderboard a student opens: their college, all terms, the top 50 and their own rank.
pub const LEADERBOARD_PATH: &str = "/api/leaderboard?scope=college&limit=50";

/// A student's own transcript as a PDF.
pub const TRANSCRIPT_PDF_PATH: &str = "/api/me/transcript.pdf?style=by_term";

/// A batch of transcripts (an organisation account, students by id): answers the PDFs (a ZIP)
/// at once, or 202 with a `Location` to poll until it is done.
pub const TRANSCRIPT_BATCH_PATH: &str = "/api/print-jobs";

/// A measured path (or figure) of the table.
pub trait Unit {
    /// The key in the JSON results.
    fn key(&self) -> &'static str;
    /// The row's first cell.
    fn title(&self) -> &'static str;
    /// The target in full mode on 2 cores, or `—`.
    fn target(&self) -> &'static str;
    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome>;
}

/// The units in the order they run: sign-in first (the others send requests as its sessions),
/// memory last (the peak over the whole run).
pub fn all() -> Vec<Box<dyn Unit>> {
    vec![
        Box::new(Login),
        Box::new(Checkin),
        Box::new(ActivityList),
        Box::new(Leaderboard),
        Box::new(Dashboard { college: false }),
        Box::new(Dashboard { college: true }),
        Box::new(TranscriptPdf),
        Box::new(CertificateBatch),
        Box::new(ScanSync),
        Box::new(TwoProcesses),
        Box::new(ApiMemory),
        Box::new(WebApp),
        Box::new(Figure::FirstPaint),
        Box::new(Figure::SignIn),
        Box::new(Figure::Points),
    ]
}

/// The order of the table's rows.
pub const TABLE_ORDER: [&str; 15] = [
    "checkin",
    "scan_sync",
    "two_processes",
    "activity_list",
    "leaderboard",
    "dashboard_school",
    "dashboard_college",
    "transcript_pdf",
    "certificate_batch",
    "login",
    "api_memory",
    "web_app",
    "web_first_paint",
    "web_sign_in",
    "web_points",
];

fn not_built(method: &str, path: &str) -> Outcome {
    Outcome::NotAvailable(format!("{method} {path} is not built yet"))
}

/// Fails the path when more than 1 % of its requests failed: the benchmark is then broken.
fn require_mostly_ok(what: &str, result: &LoadResult) -> Result {
    if result.completed == 0 {
        return Err(format!(
            "{what}: no request completed ({})",
            result.first_error.as_deref().unwrap_or("no error recorded")
        ));
    }
    if result.errors * 100 > result.completed {
        return Err(format!(
            "{what}: {} of {} requests failed ({:?}); first: {}",
            result.errors,
            result.completed,
            result.statuses,
            result.first_error.as_deref().unwrap_or("?")
        ));
    }
    Ok(())
}

/// `1,234 req/s, p50 3.10 ms, p99 20.5 ms at 64 connections (12,345 requests)`.
fn describe(result: &LoadResult, connections: usize, unit: &str) -> String {
    let errors = if result.errors > 0 {
        format!(", {} errors", thousands(result.errors as f64))
    } else {
        String::new()
    };
    let cpu = result.api_cpu_ms_per_request.map_or(String::new(), |cpu| {
        format!("; API CPU {cpu:.2} ms per request")
    });
    format!(
        "{} {unit}/s, p50 {}, p99 {} at {connections} connections ({} requests{errors}{cpu})",
        thousands(result.rps),
        ms(result.p50_ms),
        ms(result.p99_ms),
        thousands(result.completed as f64)
    )
}

fn figures(result: &LoadResult, connections: usize) -> serde_json::Value {
    let mut value = serde_json::to_value(result).unwrap_or_default();
    value["connections"] = json!(connections);
    value
}

/// The raw cell and figures of a pgbench run that may be unavailable.
fn raw_cell(raw: &std::result::Result<RawResult, String>) -> (String, serde_json::Value) {
    match raw {
        Ok(raw) => (raw.describe(), raw.figures()),
        Err(why) => (format!("not available ({why})"), json!({"error": why})),
    }
}

struct Login;

impl Unit for Login {
    fn key(&self) -> &'static str {
        "login"
    }
    fn title(&self) -> &'static str {
        "login (Argon2id, session, audit)"
    }
    fn target(&self) -> &'static str {
        "—"
    }

    /// Signs in the students the other paths send requests as, measuring the sign-ins.
    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if !ctx.route_exists("POST", "/api/auth/login")? {
            return Ok(not_built("POST", "/api/auth/login"));
        }
        let sessions = ctx.work.join("sessions.json");
        let connections = ctx.config.login_connections;
        let result = ctx.load(
            "login",
            connections,
            ctx.facts.signed_in.len() as u64,
            ctx.config.login_seconds,
            0.0,
            Scenario::Login {
                usernames: ctx.facts.signed_in.clone(),
                password: super::data::PASSWORD.to_owned(),
                sessions_out: sessions.clone(),
            },
        )?;
        require_mostly_ok("login", &result)?;
        ctx.sessions = Some(sessions);
        Ok(Outcome::Measured(Measured {
            platform: describe(&result, connections, "req"),
            raw: "—".into(),
            ratio: "—".into(),
            checks: vec![],
            figures: json!({"platform": figures(&result, connections)}),
        }))
    }
}

struct Checkin;

/// `\set` lines giving each pgbench transaction its own (student, activity) pair among `n`
/// students from `first_student` and the `raw` activities from `first_raw`; `:n` counts the
/// client's transactions (pgbench keeps variables per client).
const PAIR_SETS: &str = r"\set k :n * :clients + :client_id
\set n :n + 1
\set student :first_student + (:k % :students)
\set activity :first_raw + ((:k / :students) % :raw_n)
";

/// What `db::attendance::check_in` sends (Diesel: all values bound, `ON CONFLICT DO NOTHING`).
const CHECKIN_INSERT: &str =
    "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, device_id, \
client_ip, user_agent, code_lag_ms, distance_m, registered, recorded_by, reason) \
VALUES (:activity, :student, now(), 'qr', 'bench-raw-' || :student, '127.0.0.1', 'scs-bench/1', \
1200, NULL, false, NULL, NULL) ON CONFLICT DO NOTHING;
";

/// What the handler sent per scan before scans were gathered (`db::attendance::scan_many` does
/// this for many at once): the session and account behind the bearer token, the activity's
/// window, the shared-phone check and the registration, and the insert when they allow it.
const CHECKIN_STATEMENT: &str = "\\set signed_in_student :first_student + random(0, :signed_in - 1)
WITH who AS (SELECT s.ended_at IS NOT NULL AS session_ended, a.active AND o.active AS active, \
a.must_change_password, a.kind FROM sessions s JOIN accounts a ON a.id = s.account_id \
JOIN organizations o ON o.id = a.organization_id \
WHERE s.account_id = :signed_in_student LIMIT 1), \
act AS (SELECT id, title, checkin_latitude, checkin_longitude, status = 'published' \
AND now() >= coalesce(checkin_opens_at, starts_at - interval '30 minutes') \
AND now() < coalesce(checkin_closes_at, ends_at) AS open FROM activities WHERE id = :activity), \
facts AS (SELECT EXISTS (SELECT 1 FROM attendance WHERE activity_id = :activity \
AND device_id = 'bench-raw-' || :student AND student_id <> :student) AS device_used, \
EXISTS (SELECT 1 FROM registrations WHERE activity_id = :activity AND student_id = :student \
AND status = 'confirmed') AS registered), \
added AS (INSERT INTO attendance (activity_id, student_id, checked_in_at, method, device_id, \
client_ip, user_agent, code_lag_ms, distance_m, registered) \
SELECT act.id, :student, now(), 'qr', 'bench-raw-' || :student, '127.0.0.1', 'scs-bench/1', \
1200, NULL, facts.registered FROM who, act, facts \
WHERE NOT who.session_ended AND who.active AND NOT who.must_change_password \
AND act.open AND NOT facts.device_used ON CONFLICT DO NOTHING RETURNING 1) \
SELECT who.session_ended, who.active, who.must_change_password, who.kind, act.title, act.open, \
facts.device_used, facts.registered, EXISTS (SELECT 1 FROM added) AS inserted \
FROM facts LEFT JOIN who ON true LEFT JOIN act ON true;
";

impl Checkin {
    /// pgbench of the check-in SQL on the `raw` activities, emptied before and after.
    fn raw(&self, ctx: &Ctx, label: &str, sql: String) -> Result<RawResult> {
        let facts = &ctx.facts;
        let clear = format!(
            "DELETE FROM attendance WHERE activity_id BETWEEN {} AND {}",
            facts.first_raw,
            facts.first_raw + facts.raw_n - 1
        );
        ctx.sql(&clear)?;
        let pgbench = ctx.pgbench()?;
        let result = pgbench.run(
            label,
            &[Script {
                name: "checkin",
                sql,
                weight: 1,
            }],
            &[
                ("n", "0".into()),
                ("clients", pgbench.clients.to_string()),
                ("first_student", facts.first_student.to_string()),
                ("students", facts.students.to_string()),
                ("signed_in", facts.signed_in.len().to_string()),
                ("first_raw", facts.first_raw.to_string()),
                ("raw_n", facts.raw_n.to_string()),
            ],
        );
        ctx.sql(&clear)?;
        result
    }
}

impl Unit for Checkin {
    fn key(&self) -> &'static str {
        "checkin"
    }
    fn title(&self) -> &'static str {
        "QR check-in (auth, code verify, insert)"
    }
    fn target(&self) -> &'static str {
        "≥ 100 % of the raw INSERT rate, p99 < 50 ms"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if !ctx.route_exists("POST", "/api/checkin")? {
            return Ok(not_built("POST", "/api/checkin"));
        }
        let sessions = ctx.sessions()?;
        let connections = ctx.config.connections;
        let result = ctx.load(
            "checkin",
            connections,
            u64::MAX,
            ctx.config.seconds,
            ctx.config.warmup_seconds,
            Scenario::Checkin {
                sessions,
                activities: ctx.facts.live.clone(),
                organiser: Credentials {
                    username: super::data::ORGANISER.into(),
                    password: super::data::PASSWORD.into(),
                },
            },
        )?;
        require_mostly_ok("check-in", &result)?;
        let insert = self.raw(
            ctx,
            "checkin-insert",
            format!("{PAIR_SETS}{CHECKIN_INSERT}"),
        );
        let statements = self.raw(
            ctx,
            "checkin-statement",
            format!("{PAIR_SETS}{CHECKIN_STATEMENT}"),
        );
        let (insert_cell, insert_figures) = raw_cell(&insert);
        let (statements_cell, statements_figures) = raw_cell(&statements);
        let mut checks = vec![("p99 < 50 ms".to_owned(), result.p99_ms < 50.0)];
        let mut ratio = "—".to_owned();
        if let Ok(insert) = &insert {
            let share = result.rps / insert.tps;
            checks.insert(0, ("≥ 100 % of the raw INSERT".to_owned(), share >= 1.0));
            ratio = format!("{} of the INSERT", percent(share));
            if let Ok(statements) = &statements {
                ratio.push_str(&format!(
                    "; {} of the handler's statement",
                    percent(result.rps / statements.tps)
                ));
            }
        }
        Ok(Outcome::Measured(Measured {
            platform: describe(&result, connections, "req"),
            raw: format!(
                "the INSERT … ON CONFLICT alone, one per transaction: {insert_cell}; the \
                 one-scan statement (session, activity window, phone, registration and the \
                 insert) the handler sent per scan before it gathered scans: {statements_cell}"
            ),
            ratio,
            checks,
            figures: json!({
                "platform": figures(&result, connections),
                "raw_insert": insert_figures,
                "raw_statement": statements_figures,
            }),
        }))
    }
}

/// Two API processes behind nginx (round robin) against one process directly, same load:
/// check-in and the activity feed. On 2 cores the second process adds no cores, so this shows
/// what the proxy hop and the shared state (throttle, caches announced through PostgreSQL,
/// the job queue) cost, not a speed-up.
struct TwoProcesses;

impl TwoProcesses {
    fn run(
        &self,
        ctx: &Ctx,
        label: &str,
        sessions: &std::path::Path,
    ) -> Result<(LoadResult, LoadResult)> {
        let live = ctx.facts.live.clone();
        ctx.sql(&format!(
            "DELETE FROM attendance WHERE activity_id IN ({})",
            live.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ))?;
        let connections = ctx.config.connections;
        let checkin = ctx.load(
            &format!("{label}-checkin"),
            connections,
            u64::MAX,
            ctx.config.seconds,
            ctx.config.warmup_seconds,
            Scenario::Checkin {
                sessions: sessions.to_owned(),
                activities: live,
                organiser: Credentials {
                    username: super::data::ORGANISER.into(),
                    password: super::data::PASSWORD.into(),
                },
            },
        )?;
        require_mostly_ok(&format!("{label} check-in"), &checkin)?;
        let feed = ctx.load(
            &format!("{label}-feed"),
            connections,
            u64::MAX,
            ctx.config.seconds,
            ctx.config.warmup_seconds,
            Scenario::Get {
                sessions: sessions.to_owned(),
                paths: ActivityList.paths(ctx),
            },
        )?;
        require_mostly_ok(&format!("{label} feed"), &feed)?;
        Ok((checkin, feed))
    }
}

impl Unit for TwoProcesses {
    fn key(&self) -> &'static str {
        "two_processes"
    }
    fn title(&self) -> &'static str {
        "two API processes behind nginx: check-in and feed"
    }
    fn target(&self) -> &'static str {
        "—"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if !std::path::Path::new(super::nginx::NGINX).exists() {
            return Ok(Outcome::NotAvailable("nginx is not installed".into()));
        }
        let sessions = ctx.sessions()?;
        let connections = ctx.config.connections;
        let (one_checkin, one_feed) = self.run(ctx, "one-process", &sessions)?;
        let second = super::ApiServer::start(
            &ctx.api_bin,
            &ctx.db_url,
            &ctx.work.join("second-api.log"),
            &ctx.secret,
        )?;
        let nginx = super::nginx::Nginx::start(&ctx.work, &[&ctx.address, &second.address])?;
        let direct = std::mem::replace(&mut ctx.address, nginx.address.clone());
        let two = self.run(ctx, "two-processes", &sessions);
        ctx.address = direct;
        drop(nginx);
        drop(second);
        let (two_checkin, two_feed) = two?;
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "check-in {}; feed {}",
                describe(&two_checkin, connections, "req"),
                describe(&two_feed, connections, "req")
            ),
            raw: format!(
                "one process directly, same load: check-in {}; feed {}",
                describe(&one_checkin, connections, "req"),
                describe(&one_feed, connections, "req")
            ),
            ratio: format!(
                "check-in {}, feed {} of one process",
                percent(two_checkin.rps / one_checkin.rps),
                percent(two_feed.rps / one_feed.rps)
            ),
            checks: vec![],
            figures: json!({
                "two_processes": {
                    "checkin": figures(&two_checkin, connections),
                    "feed": figures(&two_feed, connections),
                },
                "one_process": {
                    "checkin": figures(&one_checkin, connections),
                    "feed": figures(&one_feed, connections),
                },
            }),
        }))
    }
}

struct ActivityList;

/// The feed queries of `db::activities::list` for one filter, as the API pipelines them: the
/// count on the bare table (`count_filter`), and the page (20, newest first) with organiser and
/// category names and each activity's confirmed places (`filter`).
fn feed_script(filter: &str, count_filter: &str, page: &str) -> String {
    let from = "FROM activities INNER JOIN organizations ON organizations.id = activities.organizer_id \
                INNER JOIN activity_categories ON activity_categories.code = activities.category \
                WHERE activities.status = ANY ('{published,cancelled}')";
    format!(
        "{page}\
SELECT COUNT(*) FROM activities WHERE activities.status = ANY ('{{published,cancelled}}'){count_filter};
SELECT activities.id, activities.organizer_id, activities.title, activities.category, \
activities.credit_level, activities.description, activities.starts_at, activities.ends_at, \
activities.place, activities.campus, activities.capacity, activities.registration_opens_at, \
activities.registration_closes_at, activities.eligible_colleges, activities.eligible_years, \
activities.eligible_degrees, activities.instructor_ids, activities.cover_image_url, \
activities.points_rule, activities.enrolment_mode, activities.fields, activities.status, \
activities.review_chain, activities.review_step, activities.submitted_at, \
activities.lottery_seed, activities.lottery_drawn_at, activities.created_at, \
activities.created_by, activities.updated_at, activities.updated_by, organizations.name, \
activity_categories.name, (SELECT count(*) FROM registrations r \
WHERE r.activity_id = activities.id AND r.status = 'confirmed') \
{from}{filter} ORDER BY activities.starts_at DESC, activities.id DESC \
LIMIT 20 OFFSET (:page::int - 1) * 20;
"
    )
}

/// The mix of list requests: (weight, kind).
const LIST_MIX: [(u32, &str); 4] = [
    (40, "feed"),
    (25, "category"),
    (20, "college"),
    (15, "open"),
];

impl ActivityList {
    /// Request paths in the mix's proportions, drawn from the seed.
    fn paths(&self, ctx: &Ctx) -> Vec<String> {
        let facts = &ctx.facts;
        let mut rng = ctx.config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n.max(1) as u64) as usize
        };
        let total: u32 = LIST_MIX.iter().map(|(w, _)| w).sum();
        (0..500)
            .map(|_| {
                let mut pick = next(total as usize) as u32;
                let kind = LIST_MIX
                    .iter()
                    .find(|(w, _)| {
                        let hit = pick < *w;
                        pick = pick.saturating_sub(*w);
                        hit
                    })
                    .map_or("feed", |(_, kind)| kind);
                let page = 1 + next(3);
                let filter = match kind {
                    "category" => format!(
                        "&category={}",
                        facts.categories[next(facts.categories.len())]
                    ),
                    "college" => {
                        format!("&organizer={}", facts.colleges[next(facts.colleges.len())])
                    }
                    "open" => "&open=true".to_owned(),
                    _ => String::new(),
                };
                format!("/api/activities?page={page}&per_page=20{filter}")
            })
            .collect()
    }

    fn scripts(&self, ctx: &Ctx) -> Vec<Script> {
        let facts = &ctx.facts;
        let array = |items: Vec<String>| format!("(ARRAY[{}])", items.join(","));
        let categories = array(facts.categories.iter().map(|c| format!("'{c}'")).collect());
        let colleges = array(
            facts
                .colleges
                .iter()
                .map(|c| format!("{c}::bigint"))
                .collect(),
        );
        let page = "\\set page random(1, 3)\n";
        let open = " AND activities.status = 'published' AND activities.registration_opens_at <= now() \
                    AND activities.registration_closes_at > now()";
        let filters = [
            ("feed", String::new(), String::new(), String::new()),
            (
                "category",
                format!("\\set c random(1, {})\n", facts.categories.len()),
                format!(" AND activities.category = {categories}[:c]"),
                format!(" AND activities.category = {categories}[:c]"),
            ),
            (
                "college",
                format!("\\set c random(1, {})\n", facts.colleges.len()),
                format!(" AND organizations.path @> ARRAY[{colleges}[:c]]"),
                format!(
                    " AND activities.organizer_id IN (SELECT organizations.id FROM organizations \
                     WHERE organizations.path @> ARRAY[{colleges}[:c]])"
                ),
            ),
            ("open", String::new(), open.to_owned(), open.to_owned()),
        ];
        filters
            .into_iter()
            .zip(LIST_MIX)
            .map(|((name, sets, filter, count_filter), (weight, _))| Script {
                name,
                sql: feed_script(&filter, &count_filter, &format!("{page}{sets}")),
                weight,
            })
            .collect()
    }
}

impl Unit for ActivityList {
    fn key(&self) -> &'static str {
        "activity_list"
    }
    fn title(&self) -> &'static str {
        "activity list (auth, filters, 20 per page)"
    }
    fn target(&self) -> &'static str {
        "p99 < 50 ms"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if !ctx.route_exists("GET", "/api/activities")? {
            return Ok(not_built("GET", "/api/activities"));
        }
        let sessions = ctx.sessions()?;
        let connections = ctx.config.connections;
        let result = ctx.load(
            "activity-list",
            connections,
            u64::MAX,
            ctx.config.seconds,
            ctx.config.warmup_seconds,
            Scenario::Get {
                sessions,
                paths: self.paths(ctx),
            },
        )?;
        require_mostly_ok("activity list", &result)?;
        let raw = ctx
            .pgbench()
            .and_then(|pgbench| pgbench.run("activity-list", &self.scripts(ctx), &[]));
        let (raw_text, raw_figures) = raw_cell(&raw);
        let ratio = raw
            .as_ref()
            .map_or("—".to_owned(), |raw| percent(result.rps / raw.tps));
        Ok(Outcome::Measured(Measured {
            platform: describe(&result, connections, "req"),
            raw: format!(
                "the same 3 SELECTs (count, page, places taken), same mix, every time (the API \
                 serves a page read less than a second ago from its feed cache): {raw_text}"
            ),
            ratio,
            checks: vec![("p99 < 50 ms".to_owned(), result.p99_ms < 50.0)],
            figures: json!({"platform": figures(&result, connections), "raw": raw_figures}),
        }))
    }
}

struct Leaderboard;

/// The leaderboard's probable SQL: the college's top 50 over all terms (term 0), then the
/// student's own points and rank.
const LEADERBOARD_SQL: &str = r"\set student :first_student + random(0, :students - 1)
SELECT s.student_id, a.display_name, s.points FROM standings s JOIN accounts a ON a.id = s.student_id
WHERE s.term_id = 0 AND s.college_id = (SELECT college_id FROM standings WHERE student_id = :student AND term_id = 0)
ORDER BY s.points DESC, s.student_id LIMIT 50;
SELECT me.points, 1 + (SELECT count(*) FROM standings o WHERE o.term_id = 0
    AND o.college_id = me.college_id AND o.points > me.points) AS rank
FROM standings me WHERE me.student_id = :student AND me.term_id = 0;
";

impl Unit for Leaderboard {
    fn key(&self) -> &'static str {
        "leaderboard"
    }
    fn title(&self) -> &'static str {
        "leaderboard read (college, top 50 + own rank)"
    }
    fn target(&self) -> &'static str {
        "p99 < 50 ms"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        let route = LEADERBOARD_PATH
            .split('?')
            .next()
            .unwrap_or(LEADERBOARD_PATH);
        if !ctx.route_exists("GET", route)? {
            return Ok(not_built("GET", route));
        }
        let sessions = ctx.sessions()?;
        let connections = ctx.config.connections;
        let result = ctx.load(
            "leaderboard",
            connections,
            u64::MAX,
            ctx.config.seconds,
            ctx.config.warmup_seconds,
            Scenario::Get {
                sessions,
                paths: vec![LEADERBOARD_PATH.to_owned()],
            },
        )?;
        require_mostly_ok("leaderboard", &result)?;
        let raw = if ctx.table_exists("standings")? {
            ctx.pgbench().and_then(|pgbench| {
                pgbench.run(
                    "leaderboard",
                    &[Script {
                        name: "leaderboard",
                        sql: LEADERBOARD_SQL.to_owned(),
                        weight: 1,
                    }],
                    &[
                        ("first_student", ctx.facts.first_student.to_string()),
                        ("students", ctx.facts.signed_in.len().to_string()),
                    ],
                )
            })
        } else {
            Err("no standings table".to_owned())
        };
        let (raw_text, raw_figures) = raw_cell(&raw);
        let ratio = raw
            .as_ref()
            .map_or("—".to_owned(), |raw| percent(result.rps / raw.tps));
        Ok(Outcome::Measured(Measured {
            platform: describe(&result, connections, "req"),
            raw: format!(
                "top 50 + own rank on standings, every time (the API keeps each board's top rows \
                 for a second; the own rank is read per request): {raw_text}"
            ),
            ratio,
            checks: vec![("p99 < 50 ms".to_owned(), result.p99_ms < 50.0)],
            figures: json!({"platform": figures(&result, connections), "raw": raw_figures}),
        }))
    }
}

/// The live dashboard (`GET /api/insight/dashboard`) of the whole school, or of the largest
/// generated college, as the committee's `admin` refreshing it at 8 connections (a few admins'
/// screens, each asking every 30 s, are far fewer). The API keeps a dashboard 30 s, so this
/// measures mostly kept answers with one fresh read per 30 s; the raw cell is that fresh read's
/// heaviest query alone (points by category over the term from the ledger's index).
struct Dashboard {
    college: bool,
}

const DASHBOARD_PATH: &str = "/api/insight/dashboard";

impl Unit for Dashboard {
    fn key(&self) -> &'static str {
        if self.college {
            "dashboard_college"
        } else {
            "dashboard_school"
        }
    }
    fn title(&self) -> &'static str {
        if self.college {
            "dashboard, a college (admin, 8 connections)"
        } else {
            "dashboard, the school (admin, 8 connections)"
        }
    }
    fn target(&self) -> &'static str {
        if self.college {
            "p99 < 100 ms"
        } else {
            "p99 < 200 ms"
        }
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if !ctx.route_exists("GET", DASHBOARD_PATH)? {
            return Ok(not_built("GET", DASHBOARD_PATH));
        }
        let sessions = ctx.work.join("admin-sessions.json");
        if !sessions.exists() {
            let login = ctx.load(
                "dashboard-login",
                1,
                1,
                ctx.config.login_seconds,
                0.0,
                Scenario::Login {
                    usernames: vec!["admin".to_owned()],
                    password: super::data::PASSWORD.to_owned(),
                    sessions_out: sessions.clone(),
                },
            )?;
            require_mostly_ok("dashboard-login", &login)?;
        }
        let college = ctx.facts.colleges.first().copied();
        let path = match (self.college, college) {
            (true, Some(id)) => format!("{DASHBOARD_PATH}?organization={id}"),
            _ => DASHBOARD_PATH.to_owned(),
        };
        // Cold: one request for each of the last six terms, one at a time, none of them kept.
        let terms = crate::pg::psql_rows(
            &ctx.psql,
            &ctx.db_url,
            "SELECT id FROM terms WHERE starts_on <= current_date ORDER BY starts_on DESC LIMIT 6",
        )?;
        let separator = if path.contains('?') { '&' } else { '?' };
        let cold_paths: Vec<String> = terms
            .iter()
            .map(|term| format!("{path}{separator}term={}", term.trim()))
            .collect();
        let cold = ctx.load(
            &format!("{}-cold", self.key()),
            1,
            cold_paths.len() as u64,
            120.0,
            0.0,
            Scenario::Get {
                sessions: sessions.clone(),
                paths: cold_paths,
            },
        )?;
        require_mostly_ok("dashboard-cold", &cold)?;
        let connections = ctx.config.login_connections;
        let result = ctx.load(
            self.key(),
            connections,
            u64::MAX,
            ctx.config.seconds,
            ctx.config.warmup_seconds,
            Scenario::Get {
                sessions,
                paths: vec![path],
            },
        )?;
        require_mostly_ok(self.key(), &result)?;
        let limit = if self.college { 100.0 } else { 200.0 };
        let filter = match (self.college, college) {
            (true, Some(id)) => {
                format!("ARRAY(SELECT id FROM organizations WHERE path @> ARRAY[{id}::bigint])")
            }
            _ => "ARRAY(SELECT id FROM organizations)".to_owned(),
        };
        let sql = format!(
            "SELECT category, sum(points), sum(hours), count(*) FROM ledger_entries WHERE organization_id = ANY({filter}) AND occurred_on BETWEEN (SELECT max(starts_on) FROM terms WHERE starts_on <= current_date) AND current_date GROUP BY category;\n"
        );
        let raw = if ctx.table_exists("ledger_entries")? {
            ctx.pgbench().and_then(|pgbench| {
                pgbench.run(
                    self.key(),
                    &[Script {
                        name: "points_by_category",
                        sql,
                        weight: 1,
                    }],
                    &[],
                )
            })
        } else {
            Err("no ledger_entries table".to_owned())
        };
        let (raw_text, raw_figures) = raw_cell(&raw);
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "{}; cold (terms not kept, read afresh one at a time, {} of them): p50 {:.0} ms, max {:.0} ms",
                describe(&result, connections, "req"),
                cold.ok,
                cold.p50_ms,
                cold.max_ms
            ),
            raw: format!(
                "a fresh read's points by category over the term (the ledger's index): {raw_text}"
            ),
            ratio: "—".into(),
            checks: vec![(self.target().to_owned(), result.p99_ms < limit)],
            figures: json!({
                "platform": figures(&result, connections),
                "cold": figures(&cold, 1),
                "raw": raw_figures,
            }),
        }))
    }
}

struct TranscriptPdf;

impl Unit for TranscriptPdf {
    fn key(&self) -> &'static str {
        "transcript_pdf"
    }
    fn title(&self) -> &'static str {
        "transcript PDF (single, and a batch)"
    }
    fn target(&self) -> &'static str {
        "≥ 150 PDFs/s; 3,000 batch < 30 s"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        let single = ctx.route_exists(
            "GET",
            TRANSCRIPT_PDF_PATH
                .split('?')
                .next()
                .unwrap_or(TRANSCRIPT_PDF_PATH),
        )?;
        let batch = ctx.route_exists("POST", TRANSCRIPT_BATCH_PATH)?;
        if !single && !batch {
            return Ok(Outcome::NotAvailable(format!(
                "GET {TRANSCRIPT_PDF_PATH} and POST {TRANSCRIPT_BATCH_PATH} are not built yet"
            )));
        }
        let mut cells = Vec::new();
        let mut checks = Vec::new();
        let mut all = serde_json::Map::new();
        if single {
            let sessions = ctx.sessions()?;
            let connections = ctx.config.pdf_connections;
            let result = ctx.load(
                "transcript-pdf",
                connections,
                u64::MAX,
                ctx.config.seconds,
                ctx.config.warmup_seconds,
                Scenario::Get {
                    sessions,
                    paths: vec![TRANSCRIPT_PDF_PATH.to_owned()],
                },
            )?;
            require_mostly_ok("transcript PDF", &result)?;
            cells.push(format!("single: {}", describe(&result, connections, "PDF")));
            checks.push(("≥ 150 PDFs/s".to_owned(), result.rps >= 150.0));
            all.insert("single".into(), figures(&result, connections));
        } else {
            cells.push(format!(
                "single: not available (GET {TRANSCRIPT_PDF_PATH} is not built yet)"
            ));
        }
        if batch {
            let (college, year, n) = match ctx.facts.batch[..] {
                [college, year, n] => (college, year, n as usize),
                _ => return Err("no students to print".into()),
            };
            let result = ctx.load(
                "transcript-batch",
                1,
                1,
                ctx.config.batch_seconds,
                0.0,
                Scenario::Single {
                    credentials: Credentials {
                        username: super::data::ORGANISER.into(),
                        password: super::data::PASSWORD.into(),
                    },
                    method: "POST".into(),
                    path: TRANSCRIPT_BATCH_PATH.into(),
                    body: Some(json!({
                        "organization_id": college, "enrolment_year": year,
                        "style": "by_term", "format": "pdf"
                    })),
                },
            )?;
            require_mostly_ok("transcript batch", &result)?;
            let seconds = result.max_ms / 1000.0;
            cells.push(format!(
                "batch of {}: {seconds:.1} s ({} PDFs/s, {:.1} MB)",
                thousands(n as f64),
                thousands(n as f64 / seconds.max(0.001)),
                result.bytes as f64 / 1e6
            ));
            checks.push((
                format!("batch of {} < 30 s", thousands(n as f64)),
                seconds < 30.0,
            ));
            all.insert(
                "batch".into(),
                json!({"students": n, "seconds": seconds, "bytes": result.bytes}),
            );
        } else {
            cells.push(format!(
                "batch: not available (POST {TRANSCRIPT_BATCH_PATH} is not built yet)"
            ));
        }
        Ok(Outcome::Measured(Measured {
            platform: cells.join("; "),
            raw: "—".into(),
            ratio: "—".into(),
            checks,
            figures: serde_json::Value::Object(all),
        }))
    }
}

/// Issues certificates.
pub const CERTIFICATES_PATH: &str = "/api/certificates";

struct CertificateBatch;

impl Unit for CertificateBatch {
    fn key(&self) -> &'static str {
        "certificate_batch"
    }
    fn title(&self) -> &'static str {
        "certificates: a batch issued, then downloaded as one zip of PDFs; an activity poster"
    }
    fn target(&self) -> &'static str {
        "3,000 zip < 60 s"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        if !ctx.route_exists("POST", CERTIFICATES_PATH)? {
            return Ok(not_built("POST", CERTIFICATES_PATH));
        }
        let (college, year) = match ctx.facts.batch[..] {
            [college, year, _] => (college, year),
            _ => return Err("no students to issue to".into()),
        };
        let rows = |sql: &str| crate::pg::psql_rows(&ctx.psql, &ctx.db_url, sql);
        // The committee's honour template, as its admin would make it.
        let template = rows(
            "INSERT INTO certificate_templates (school_id, organization_id, kind, name, title, body,
                 issuer_name, orientation, background, created_by, updated_by)
             SELECT 1, o.id, 'honour', 'bench', '荣誉证书',
                    '{name} 同学（{college}）：\n在{term}中表现突出，被评为“{honour}”。\n特发此证，以资鼓励。',
                    '共青团示范大学委员会', 'landscape', 'gold', a.id, a.id
             FROM organizations o JOIN accounts a ON a.organization_id = o.id AND a.is_main
             WHERE o.parent_id IS NULL RETURNING id"
        )?;
        let template: i64 = template
            .first()
            .and_then(|t| t.trim().parse().ok())
            .ok_or("cannot create the bench template")?;
        let numbers = rows(&format!(
            "SELECT a.username FROM accounts a JOIN students s ON s.account_id = a.id
             WHERE a.organization_id = {college} AND s.enrolment_year = {year} AND a.active
             ORDER BY a.username"
        ))?;
        let honour = format!("优秀学生干部{}", std::process::id() % 10_000);
        let credentials = Credentials {
            username: super::data::ORGANISER.into(),
            password: super::data::PASSWORD.into(),
        };
        let issued = ctx.load(
            "certificate-issue",
            1,
            1,
            ctx.config.batch_seconds,
            0.0,
            Scenario::Single {
                credentials: credentials.clone(),
                method: "POST".into(),
                path: CERTIFICATES_PATH.into(),
                body: Some(json!({"template_id": template, "source": {
                    "kind": "honour", "honour": honour, "term_id": null,
                    "student_nos": numbers.iter().map(|n| n.trim()).collect::<Vec<_>>()}})),
            },
        )?;
        require_mostly_ok("certificate issue", &issued)?;
        let batch = rows(&format!(
            "SELECT batch_id, count(*) FROM certificates WHERE template_id = {template}
             GROUP BY batch_id"
        ))?;
        let (batch, count) = batch
            .first()
            .and_then(|row| row.split_once('|'))
            .map(|(b, c)| (b.trim().to_owned(), c.trim().parse::<usize>().unwrap_or(0)))
            .ok_or("the issue stored no certificate")?;
        let zip = ctx.load(
            "certificate-zip",
            1,
            1,
            ctx.config.batch_seconds,
            0.0,
            Scenario::Single {
                credentials,
                method: "GET".into(),
                path: format!("{CERTIFICATES_PATH}/batches/{batch}/zip"),
                body: None,
            },
        )?;
        require_mostly_ok("certificate zip", &zip)?;
        let seconds = zip.max_ms / 1000.0;
        // A poster shared to a group: the same activity asked for by many phones at once.
        let sessions = ctx.sessions()?;
        let live = ctx.facts.live.first().copied().ok_or("no live activity")?;
        let connections = ctx.config.pdf_connections;
        let poster = ctx.load(
            "poster",
            connections,
            u64::MAX,
            ctx.config.seconds.min(5.0),
            1.0,
            Scenario::Get {
                sessions,
                paths: vec![format!("/api/activities/{live}/poster.png")],
            },
        )?;
        require_mostly_ok("activity poster", &poster)?;
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "issue {} honours: {:.1} s; their zip: {seconds:.1} s ({} PDFs/s, {:.1} MB); \
                 poster (kept): {}",
                thousands(count as f64),
                issued.max_ms / 1000.0,
                thousands(count as f64 / seconds.max(0.001)),
                zip.bytes as f64 / 1e6,
                describe(&poster, connections, "poster")
            ),
            raw: "—".into(),
            ratio: "—".into(),
            checks: vec![(
                format!("zip of {} < 60 s", thousands(count as f64)),
                seconds < 60.0,
            )],
            figures: json!({
                "certificates": count,
                "issue_seconds": issued.max_ms / 1000.0,
                "zip_seconds": seconds,
                "zip_bytes": zip.bytes,
                "poster": figures(&poster, connections),
            }),
        }))
    }
}

/// A scanner's queue of personal codes synced at once.
pub const SCANS_PATH: &str = "/api/activities/{id}/scans";

/// How many queued scans the scan-sync row sends in one request.
const QUEUED_SCANS: i64 = 500;

struct ScanSync;

impl Unit for ScanSync {
    fn key(&self) -> &'static str {
        "scan_sync"
    }
    fn title(&self) -> &'static str {
        "personal codes: an organiser's phone syncs 500 queued scans (verified, checked in)"
    }
    fn target(&self) -> &'static str {
        "500 scans < 1 s"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        let live = ctx.facts.live.last().copied().ok_or("no live activity")?;
        let path = SCANS_PATH.replace("{id}", &live.to_string());
        if !ctx.route_exists("POST", &path)? {
            return Ok(not_built("POST", SCANS_PATH));
        }
        let n = QUEUED_SCANS.min(i64::from(ctx.facts.students));
        let (first, last) = (ctx.facts.first_student, ctx.facts.first_student + n - 1);
        let rows = |sql: &str| crate::pg::psql_rows(&ctx.psql, &ctx.db_url, sql);
        // The students hold places and a phone each, and nobody is checked in yet.
        rows(&format!(
            "INSERT INTO registrations (activity_id, student_id, status, answers)
             SELECT {live}, id, 'confirmed', '{{}}' FROM accounts WHERE id BETWEEN {first} AND {last}
             ON CONFLICT (activity_id, student_id) DO UPDATE SET status = 'confirmed';
             DELETE FROM attendance WHERE activity_id = {live} AND student_id BETWEEN {first} AND {last};
             UPDATE checkin_keys SET revoked_at = now(), revoked_reason = 'removed'
              WHERE student_id BETWEEN {first} AND {last} AND revoked_at IS NULL;
             SELECT 1"
        ))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?;
        let seeds: Vec<[u8; 32]> = (0..n)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed[..8].copy_from_slice(&i.to_be_bytes());
                seed[8..24].copy_from_slice(&now.as_nanos().to_be_bytes());
                seed
            })
            .collect();
        let values: Vec<String> = seeds
            .iter()
            .enumerate()
            .map(|(i, seed)| {
                format!(
                    "({}, decode('{}', 'hex'))",
                    first + i as i64,
                    shared::pass::hex(&shared::pass::public_key(seed))
                )
            })
            .collect();
        let keys = rows(&format!(
            "WITH s AS (INSERT INTO sessions (id, account_id)
                        SELECT gen_random_uuid(), id FROM accounts WHERE id BETWEEN {first} AND {last}
                        RETURNING id, account_id),
                  k(student, key) AS (VALUES {})
             INSERT INTO checkin_keys (student_id, session_id, device_id, public_key, device_change)
             SELECT k.student, s.id, 'bench-phone-' || k.student, k.key, false
               FROM k JOIN s ON s.account_id = k.student
             RETURNING student_id, id",
            values.join(", ")
        ))?;
        let key_of: std::collections::HashMap<i64, i64> = keys
            .iter()
            .filter_map(|row| {
                let (student, key) = row.split_once('|')?;
                Some((student.trim().parse().ok()?, key.trim().parse().ok()?))
            })
            .collect();
        let at = chrono::DateTime::from_timestamp(now.as_secs() as i64, 0).unwrap_or_default();
        let run = now.as_nanos() as u64 & 0xffff_ffff_ffff;
        let scans: Vec<serde_json::Value> = seeds
            .iter()
            .enumerate()
            .filter_map(|(i, seed)| {
                let key = *key_of.get(&(first + i as i64))?;
                Some(json!({
                    "id": format!("{:08x}-0000-4000-8000-{run:012x}", i),
                    "code": shared::pass::Code::sign(seed, key, at).text(),
                    "scanned_at": at,
                }))
            })
            .collect();
        let credentials = Credentials {
            username: super::data::ORGANISER.into(),
            password: super::data::PASSWORD.into(),
        };
        let body = json!({"device_id": "bench-scanner", "scans": scans});
        let sync = |label: &str| {
            ctx.load(
                label,
                1,
                1,
                ctx.config.batch_seconds,
                0.0,
                Scenario::Single {
                    credentials: credentials.clone(),
                    method: "POST".into(),
                    path: path.clone(),
                    body: Some(body.clone()),
                },
            )
        };
        let first_sync = sync("scan-sync")?;
        require_mostly_ok("scan sync", &first_sync)?;
        let again = sync("scan-sync-again")?;
        require_mostly_ok("scan sync (again)", &again)?;
        let accepted: i64 = rows(&format!(
            "SELECT count(*) FROM checkin_scans WHERE activity_id = {live}
               AND id::text LIKE '%-{run:012x}' AND outcome = 'accepted'"
        ))?
        .first()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
        // The raw limit: the same rows written by plain SQL, nothing verified (rolled back).
        let started = std::time::Instant::now();
        rows(&format!(
            "BEGIN;
             DELETE FROM attendance WHERE activity_id = {live} AND student_id BETWEEN {first} AND {last};
             INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered)
             SELECT {live}, id, now(), 'pass', true FROM accounts WHERE id BETWEEN {first} AND {last};
             INSERT INTO checkin_scans (id, activity_id, scanner_id, scanner_device, student_id,
                                        scanned_at, outcome)
             SELECT gen_random_uuid(), {live}, {first}, 'raw', id, now(), 'accepted'
               FROM accounts WHERE id BETWEEN {first} AND {last};
             ROLLBACK;
             SELECT 1"
        ))?;
        let raw_ms = started.elapsed().as_secs_f64() * 1000.0;
        let seconds = first_sync.max_ms / 1000.0;
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "{} scans synced in {} ({} accepted); the same batch again (a retry) {}",
                thousands(scans_len(&body) as f64),
                ms(first_sync.max_ms),
                thousands(accepted as f64),
                ms(again.max_ms)
            ),
            raw: format!(
                "the same rows by plain SQL, nothing verified (psql): {}",
                ms(raw_ms)
            ),
            ratio: format!("{:.1}×", first_sync.max_ms / raw_ms.max(0.001)),
            checks: vec![
                (format!("{n} scans < 1 s"), seconds < 1.0),
                (format!("{n} accepted once"), accepted == n),
            ],
            figures: json!({
                "scans": n,
                "sync_ms": first_sync.max_ms,
                "again_ms": again.max_ms,
                "accepted": accepted,
                "raw_ms": raw_ms,
            }),
        }))
    }
}

fn scans_len(body: &serde_json::Value) -> usize {
    body["scans"].as_array().map_or(0, Vec::len)
}

struct ApiMemory;

impl Unit for ApiMemory {
    fn key(&self) -> &'static str {
        "api_memory"
    }
    fn title(&self) -> &'static str {
        "API memory (peak RSS during the run)"
    }
    fn target(&self) -> &'static str {
        "< 150 MB"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        let peak = super::memory_mib(ctx.api_pid, "VmHWM:")
            .ok_or("cannot read the API's VmHWM in /proc/<pid>/status")?;
        let after: Vec<String> = ctx
            .rss_after
            .iter()
            .map(|(key, mib)| format!("{key} {mib:.0}"))
            .collect();
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "{peak:.0} MB peak (resident MB after each path: {})",
                after.join(", ")
            ),
            raw: "—".into(),
            ratio: "—".into(),
            checks: vec![("< 150 MB".to_owned(), peak < 150.0)],
            figures: json!({
                "peak_rss_mib": peak,
                "rss_after_mib": ctx.rss_after.iter().map(|(key, mib)| json!({"path": key, "mib": mib})).collect::<Vec<_>>(),
            }),
        }))
    }
}

/// What a phone downloads: the first load (the main WASM module, its script, the chunk loader
/// and the style sheet; every page but the lazily loaded ones needs only these), which the
/// target applies to, and beside it the whole app with every lazily loaded chunk.
struct WebApp;

impl Unit for WebApp {
    fn key(&self) -> &'static str {
        "web_app"
    }
    fn title(&self) -> &'static str {
        "web app first load (WASM + JS + CSS, compressed as served)"
    }
    fn target(&self) -> &'static str {
        "≤ 400 KB compressed"
    }

    fn measure(&self, ctx: &mut Ctx) -> Result<Outcome> {
        let assets = super::web_assets(&ctx.web_dist)?;
        let (first, lazy): (Vec<_>, Vec<_>) = assets
            .iter()
            .partition(|asset| crate::web::FIRST_LOAD.contains(&asset.path.as_str()));
        if first.len() != crate::web::FIRST_LOAD.len() {
            return Err(format!(
                "{} lacks some of {}: run `cargo xtask build-web`",
                ctx.web_dist.display(),
                crate::web::FIRST_LOAD.join(", ")
            ));
        }
        let kb = |bytes: u64| bytes as f64 / 1024.0;
        let (first_br, first_gzip) = compressed(first.iter().copied());
        let (all_br, all_gzip) = compressed(assets.iter());
        let parts: Vec<String> = first
            .iter()
            .map(|asset| {
                format!(
                    "{} {:.0} KB br / {:.0} KB gzip ({:.0} KB raw)",
                    asset.path,
                    kb(asset.brotli),
                    kb(asset.gzip),
                    kb(asset.bytes)
                )
            })
            .collect();
        // Browsers that accept brotli (all current ones) get the .br copies; others gzip.
        let sent = if first_br > 0 { first_br } else { first_gzip };
        let file = |asset: &&super::Asset| {
            json!({
                "path": asset.path,
                "bytes": asset.bytes,
                "gzip_bytes": asset.gzip,
                "brotli_bytes": asset.brotli,
            })
        };
        Ok(Outcome::Measured(Measured {
            platform: format!(
                "first load {:.0} KB brotli as served ({:.0} KB gzip -9): {}; with all {} lazily \
                 loaded chunks {:.0} KB brotli ({:.0} KB gzip)",
                kb(first_br),
                kb(first_gzip),
                parts.join(", "),
                lazy.len(),
                kb(all_br),
                kb(all_gzip)
            ),
            raw: "—".into(),
            ratio: "—".into(),
            checks: vec![("first load ≤ 400 KB".to_owned(), kb(sent) <= 400.0)],
            figures: json!({
                "brotli_kib": kb(first_br),
                "gzip_kib": kb(first_gzip),
                "total_brotli_kib": kb(all_br),
                "total_gzip_kib": kb(all_gzip),
                "first_load": first.iter().map(file).collect::<Vec<_>>(),
                "lazy": lazy.iter().map(file).collect::<Vec<_>>(),
            }),
        }))
    }
}

/// (brotli, gzip) bytes of `assets` together.
fn compressed<'a>(assets: impl Iterator<Item = &'a super::Asset>) -> (u64, u64) {
    assets.fold((0, 0), |(brotli, gzip), asset| {
        (brotli + asset.brotli, gzip + asset.gzip)
    })
}
