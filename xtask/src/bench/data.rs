//! The benchmark's data set: the demo university (`api seed-demo`) plus, in bulk SQL
//! (`INSERT … SELECT generate_series`), tens of thousands of students across its colleges and
//! enrolment years, thousands of activities across its organisations and categories, their
//! sign-ups and check-ins, and — once the ledger tables exist — the points ledger with its
//! totals and standings.
//!
//! Every pseudo-random choice is `bench.rand(stream, i)`, a hash of (seed, stream, i), so a seed
//! and a size always give the same data. The generated database is kept as a template
//! (`scs_bench_template_<mode>`) whose comment records what made it; a run clones it into
//! `scs_bench` (dropped and recreated every run) and regenerates the template only when the
//! seed, the sizes, the migrations, the demo seed or this generator changed.
//!
//! The bench's own bookkeeping lives in the schema `bench`: `bench.students` (generated student
//! i ↔ account) and `bench.activities` (generated activity i ↔ id, with its role: `live` for the
//! platform's check-in, `raw` for pgbench's inserts, `past` or `future`).

use std::path::Path;
use std::process::Command;

use crate::pg;
use crate::util::{self, Result, step};

use super::Config;

/// The database each run measures.
pub const BENCH_DATABASE: &str = "scs_bench";

/// Every generated account's password (the demo's, so one Argon2id hash serves all).
pub const PASSWORD: &str = "Demo@2026";

/// The organisation account that runs the check-in screens (main account of the root).
pub const ORGANISER: &str = "admin";

/// The template of a mode.
fn template_name(config: &Config) -> String {
    format!("scs_bench_template_{}", config.mode.name())
}

/// Makes `scs_bench` a fresh copy of the mode's template, (re)generating the template first when
/// it is missing, stale, or `fresh` is asked for; then moves the `live` and `raw` activities to
/// now, so their check-in windows are open.
pub fn prepare(config: &Config, admin_url: &str, psql: &Path, api: &Path, fresh: bool) -> Result {
    let template = template_name(config);
    let key = template_key(config)?;
    let current = pg::psql_rows(
        psql,
        admin_url,
        &format!(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database \
             WHERE datname = '{template}'"
        ),
    )?;
    drop_database(psql, admin_url, BENCH_DATABASE)?;
    if fresh || current.first() != Some(&key) {
        let why = match current.first() {
            _ if fresh => "--fresh",
            None => "none yet",
            Some(_) => "the seed, sizes, migrations or generator changed",
        };
        step(format!("generating the data set into {template} ({why})"));
        drop_database(psql, admin_url, &template)?;
        pg::psql_exec(psql, admin_url, &format!("CREATE DATABASE {template}"))?;
        generate(
            config,
            &util::with_database(admin_url, &template),
            psql,
            api,
        )?;
        pg::psql_exec(
            psql,
            admin_url,
            &format!("COMMENT ON DATABASE {template} IS '{key}'"),
        )?;
    } else {
        step(format!(
            "reusing the data set in {template} (same seed and sizes)"
        ));
    }
    // FILE_COPY: a file-level copy, far faster than WAL-logging a copy of a large database.
    let version: u32 = pg::psql_rows(psql, admin_url, "SHOW server_version_num")?
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let strategy = if version >= 150_000 {
        " STRATEGY = FILE_COPY"
    } else {
        ""
    };
    step(format!("copying {template} into {BENCH_DATABASE}"));
    pg::psql_exec(
        psql,
        admin_url,
        &format!("CREATE DATABASE {BENCH_DATABASE} TEMPLATE {template}{strategy}"),
    )?;
    pg::psql_exec(
        psql,
        &util::with_database(admin_url, BENCH_DATABASE),
        "UPDATE activities SET status = 'published', \
             starts_at = now() - interval '20 minutes', ends_at = now() + interval '3 hours', \
             registration_opens_at = now() - interval '7 days', \
             registration_closes_at = now() - interval '1 hour', \
             checkin_opens_at = NULL, checkin_closes_at = NULL \
         WHERE id IN (SELECT activity_id FROM bench.activities WHERE role IN ('live', 'raw'))",
    )
}

fn drop_database(psql: &Path, admin_url: &str, database: &str) -> Result {
    // Without the notice that a database to drop does not exist.
    util::run(
        Command::new(psql)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin_url, "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            .env("PGOPTIONS", "-c client_min_messages=warning"),
    )
}

/// What the template is made of: the generator's inputs, hashed.
fn template_key(config: &Config) -> Result<String> {
    let root = util::repo_root();
    let mut migrations: Vec<String> = std::fs::read_dir(root.join("migrations"))
        .map_err(|e| format!("cannot read migrations/: {e}"))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    migrations.sort();
    let mut inputs = format!(
        "{} students, {} activities ({} live, {} raw), {} ledger entries, {} signed in\n{}\n",
        config.students,
        config.activities,
        config.live_activities,
        config.raw_activities,
        config.ledger_entries,
        config.signed_in,
        migrations.join(",")
    );
    // The demo seed the data builds on, and this generator as compiled.
    inputs.push_str(&std::fs::read_to_string(root.join("api/src/seed.rs")).unwrap_or_default());
    inputs.push_str(include_str!("data.rs"));
    Ok(format!(
        "bench v1 {} seed {} {:016x}",
        config.mode.name(),
        config.seed,
        fnv1a(inputs.as_bytes())
    ))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Migrates, loads the demo university, then runs each generation step, timing it.
fn generate(config: &Config, url: &str, psql: &Path, api: &Path) -> Result {
    let started = std::time::Instant::now();
    util::run(Command::new(api).arg("migrate").env("DATABASE_URL", url))?;
    util::output(Command::new(api).arg("seed-demo").env("DATABASE_URL", url))?;
    let timed = |name: &str, work: &dyn Fn() -> Result| -> Result {
        let at = std::time::Instant::now();
        work()?;
        step(format!("  {name}: {:.1} s", at.elapsed().as_secs_f64()));
        Ok(())
    };
    timed("helpers", &|| run_sql(psql, url, &helpers_sql(config)))?;
    timed("students", &|| run_sql(psql, url, &students_sql(config)))?;
    timed("activities", &|| {
        run_sql(psql, url, &activities_sql(config))
    })?;
    timed("registrations and check-ins", &|| {
        run_sql(psql, url, &registrations_sql(config))
    })?;
    timed("the points ledger", &|| ledger(config, url, psql))?;
    let at = std::time::Instant::now();
    // Outside a transaction: VACUUM sets the visibility map (index-only scans), ANALYZE the
    // planner's statistics, as a database that has lived a while would have them.
    pg::psql_exec(psql, url, "VACUUM (ANALYZE)")?;
    step(format!(
        "  vacuum and analyse: {:.1} s",
        at.elapsed().as_secs_f64()
    ));
    let counts = pg::psql_rows(
        psql,
        url,
        "SELECT (SELECT count(*) FROM bench.students) || ' students, ' || \
                (SELECT count(*) FROM bench.activities) || ' activities, ' || \
                (SELECT count(*) FROM registrations) || ' registrations, ' || \
                (SELECT count(*) FROM attendance) || ' check-ins'",
    )?;
    step(format!(
        "generated {} in {:.0} s",
        counts.join(""),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Runs a script of several statements in one transaction, stopping at the first error.
fn run_sql(psql: &Path, url: &str, sql: &str) -> Result {
    let mut command = Command::new(psql);
    command.args([
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "--single-transaction",
        "-d",
        url,
        "-c",
        sql,
    ]);
    util::run(&mut command)
}

/// The `bench` schema, its tables and the seeded random function.
fn helpers_sql(config: &Config) -> String {
    let seed = config.seed;
    format!(
        r#"
CREATE SCHEMA bench;
-- A uniform number in [0, 1) from (seed, stream, i): the same data for the same seed, in any
-- plan order. hashint8extended is PostgreSQL's own 64-bit hash.
CREATE FUNCTION bench.rand(stream int, i bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8extended(i, {seed}::bigint * 1000 + stream) & 2147483647)::double precision / 2147483648.0 $$;
CREATE FUNCTION bench.pick(items text[], r double precision) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT items[1 + floor(r * cardinality(items))::int] $$;
CREATE TABLE bench.students (
    i int PRIMARY KEY,
    account_id bigint NOT NULL UNIQUE,
    college_id bigint NOT NULL,
    -- The student's number within their college, for sign-ups restricted to it.
    ci int NOT NULL,
    username text NOT NULL
);
CREATE INDEX ON bench.students (college_id, ci);
CREATE TABLE bench.activities (
    i int PRIMARY KEY,
    activity_id bigint NOT NULL UNIQUE,
    role text NOT NULL CHECK (role IN ('live', 'raw', 'past', 'future'))
);
"#
    )
}

/// Students spread over the colleges (unevenly, as colleges differ in size), the four
/// undergraduate intakes 2022–2025 and, one in ten, graduates of 2024–2025; numbered as the
/// demo's are (year, college, class of 40, seat; `S…` for graduates) but one digit longer, so
/// they never collide with the demo's.
fn students_sql(config: &Config) -> String {
    let n = config.students;
    format!(
        r#"
CREATE TEMP TABLE colleges AS
SELECT o.id, o.code, (row_number() OVER (ORDER BY o.id) - 1)::int AS n,
       coalesce(m.majors, ARRAY['通识教育']) AS majors
FROM organizations o
LEFT JOIN (VALUES
    ('cs', ARRAY['计算机科学与技术', '软件工程', '人工智能']),
    ('em', ARRAY['会计学', '金融学', '工商管理']),
    ('fl', ARRAY['英语', '日语', '翻译']),
    ('me', ARRAY['机械设计制造及其自动化', '车辆工程'])
) AS m (code, majors) ON m.code = o.code
WHERE o.kind = 'college';

CREATE TEMP TABLE drawn AS
SELECT g AS i,
       c.id AS college_id, c.n + 1 AS college_no, c.majors,
       bench.rand(2, g) < 0.1 AS graduate,
       bench.rand(3, g) AS r_year
FROM generate_series(0, {n} - 1) AS g
JOIN colleges c
  ON c.n = floor(power(bench.rand(1, g), 1.25) * (SELECT count(*) FROM colleges))::int;

CREATE TEMP TABLE people AS
SELECT d.*,
       CASE WHEN graduate THEN 2024 + floor(r_year * 2)::int
            ELSE 2022 + floor(r_year * 4)::int END AS year,
       (row_number() OVER (PARTITION BY college_id ORDER BY i) - 1)::int AS ci
FROM drawn d;

CREATE TEMP TABLE numbered AS
SELECT p.*,
       (row_number() OVER (PARTITION BY college_id, year, graduate ORDER BY i) - 1)::int AS k
FROM people p;

CREATE TEMP TABLE new_students AS
SELECT i, college_id, ci, year, graduate,
       CASE WHEN graduate
            THEN 'S' || year || lpad(college_no::text, 2, '0') || lpad((k + 1)::text, 5, '0')
            ELSE year || lpad(college_no::text, 2, '0') || lpad((k / 40 + 1)::text, 3, '0')
                 || lpad((k % 40 + 1)::text, 2, '0')
       END AS username,
       bench.pick(ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱',
                        '胡','郭','何','林','罗','高','郑','梁','谢','宋','唐','许','韩','冯',
                        '邓','曹','彭','曾','肖','田','董','潘','袁','蔡','蒋','余','欧阳'],
                  bench.rand(4, i))
       || bench.pick(ARRAY['子涵','浩然','梓萱','宇轩','欣怡','俊杰','雨桐','思远','佳怡',
                           '子墨','一诺','嘉懿','明轩','诗涵','晨曦','博文','若汐','天佑',
                           '婉清','泽宇','可欣','志强','静怡','文博','雅琪','家豪','梦琪',
                           '俊熙','紫萱','晓东','丽娜','海洋','小雨','建华','秀英','伟','芳',
                           '敏','静','磊','洋','艳','勇','军'],
                     bench.rand(5, i)) AS display_name,
       majors[1 + (k / 40) % cardinality(majors)] AS major,
       CASE WHEN graduate THEN '研' || (year % 100) || '级'
            ELSE left(majors[1 + (k / 40) % cardinality(majors)], 2) || (year % 100)
                 || lpad((k / 40 + 1)::text, 2, '0') || '班'
       END AS class_name,
       CASE WHEN bench.rand(6, i) < 0.33
            THEN '1' || (3 + floor(bench.rand(7, i) * 7))::int
                 || lpad(floor(bench.rand(8, i) * 1e9)::bigint::text, 9, '0')
       END AS phone
FROM numbered;

-- One Argon2id hash for all: the demo's, of the same password.
WITH inserted AS (
    INSERT INTO accounts (username, display_name, password_hash, kind, organization_id)
    SELECT s.username, s.display_name,
           (SELECT password_hash FROM accounts WHERE username = '{organiser}'),
           'student', s.college_id
    FROM new_students s
    ORDER BY s.i
    RETURNING id, username
)
INSERT INTO bench.students (i, account_id, college_id, ci, username)
SELECT s.i, inserted.id, s.college_id, s.ci, s.username
FROM inserted JOIN new_students s USING (username);

INSERT INTO students (account_id, major, class_name, enrolment_year, degree, phone)
SELECT b.account_id, s.major, s.class_name, s.year,
       CASE WHEN s.graduate THEN 'graduate' ELSE 'undergraduate' END, s.phone
FROM bench.students b JOIN new_students s USING (i);
"#,
        organiser = ORGANISER,
    )
}

/// Activities of every organisation, category and kind of sign-up, most of them published,
/// spread from three and a half years ago to a few months ahead, at local day-time hours.
/// The first `live` are the ones students check in to during the run; the next `raw` take
/// pgbench's inserts. Their times are set when a run starts (see [`prepare`]).
fn activities_sql(config: &Config) -> String {
    let (n, live, raw) = (
        config.activities,
        config.live_activities,
        config.raw_activities,
    );
    format!(
        r#"
CREATE TEMP TABLE organisers AS
SELECT o.id, o.kind, o.parent_id, a.id AS account_id,
       (row_number() OVER (ORDER BY o.id) - 1)::int AS n
FROM organizations o JOIN accounts a ON a.organization_id = o.id AND a.is_main;

CREATE TEMP TABLE categories AS
SELECT code, name, (row_number() OVER (ORDER BY position, code) - 1)::int AS n
FROM activity_categories WHERE active;

CREATE TEMP TABLE planned AS
SELECT g AS i, o.id AS organizer_id, o.kind AS organizer_kind, o.account_id,
       c.code AS category, c.name AS category_name,
       CASE WHEN g < {live} + {raw} THEN
                date_trunc('hour', now()) + interval '1 day'
            ELSE
                ((current_date + (floor(bench.rand(23, g) * 1300)::int - 1220))::timestamp
                 + make_interval(hours => 8 + floor(bench.rand(24, g) * 12)::int,
                                 mins => 30 * floor(bench.rand(25, g) * 2)::int))
                AT TIME ZONE 'Asia/Shanghai'
       END AS starts_at,
       CASE WHEN c.code IN ('volunteer', 'practice')
            THEN make_interval(hours => 3 + floor(bench.rand(26, g) * 6)::int)
            ELSE make_interval(mins => 90 + 30 * floor(bench.rand(26, g) * 4)::int)
       END AS duration,
       bench.rand(27, g) AS r_level,
       bench.rand(28, g) AS r_status,
       bench.rand(29, g) AS r_capacity,
       bench.rand(30, g) AS r_mode,
       bench.rand(31, g) AS r_eligible
FROM generate_series(0, {n} - 1) AS g
JOIN organisers o ON o.n = floor(bench.rand(21, g) * (SELECT count(*) FROM organisers))::int
JOIN categories c ON c.n = floor(bench.rand(22, g) * (SELECT count(*) FROM categories))::int;

WITH inserted AS (
    INSERT INTO activities (
        organizer_id, title, category, credit_level, description, starts_at, ends_at, place,
        campus, capacity, registration_opens_at, registration_closes_at, eligible_colleges,
        eligible_years, points_rule, enrolment_mode, status, submitted_at, created_at,
        created_by, updated_at, updated_by, recognized_at, recognized_by)
    SELECT organizer_id,
           CASE WHEN i < {live} THEN '【现场签到】' WHEN i < {live} + {raw} THEN '【签到压测】' ELSE '' END
           || bench.pick(ARRAY['人工智能前沿','乡村振兴','创新创业','心理健康','职业规划',
                               '学术诚信','红色经典','中华传统文化','绿色校园','国际视野',
                               '数学建模','程序设计','英语演讲','社区服务','暑期支教',
                               '校运动会','合唱','摄影','读书分享','安全教育'], bench.rand(32, i))
           || category_name || ' 第' || (i % 60 + 1) || '期',
           category,
           CASE organizer_kind
                WHEN 'club' THEN CASE WHEN r_level < 0.8 THEN 'club' ELSE 'college' END
                WHEN 'college' THEN CASE WHEN r_level < 0.8 THEN 'college' ELSE 'school' END
                ELSE 'school' END,
           '面向全校学生，欢迎报名参加。',
           starts_at, starts_at + duration,
           bench.pick(ARRAY['图书馆报告厅','学术交流中心','第一教学楼','第二教学楼','体育馆',
                            '大学生活动中心','实验楼','行政楼会议室'], bench.rand(33, i))
           || ' ' || (101 + floor(bench.rand(34, i) * 400)::int),
           bench.pick(ARRAY['主校区','主校区','东校区',''], bench.rand(35, i)),
           CASE WHEN r_capacity < 0.3 THEN NULL ELSE 30 + floor(bench.rand(36, i) * 270)::int END,
           starts_at - interval '10 days', starts_at - interval '1 hour',
           CASE WHEN organizer_kind = 'college' AND r_eligible < 0.4 AND i >= {live} + {raw}
                THEN ARRAY[organizer_id] ELSE '{{}}'::bigint[] END,
           CASE WHEN r_eligible > 0.92 AND i >= {live} + {raw}
                THEN ARRAY[2024, 2025] ELSE '{{}}'::int[] END,
           '参与认定 ' || (0.25 * (1 + floor(bench.rand(37, i) * 4)))::text || ' 分',
           CASE WHEN r_mode < 0.8 OR i < {live} + {raw} THEN 'first_come'
                WHEN r_mode < 0.95 THEN 'review' ELSE 'lottery' END,
           CASE WHEN i < {live} + {raw} THEN 'published'
                WHEN r_status < 0.04 THEN 'cancelled'
                WHEN r_status < 0.06 THEN 'draft' ELSE 'published' END,
           starts_at - interval '20 days',
           starts_at - interval '21 days', account_id, starts_at - interval '20 days', account_id,
           CASE WHEN starts_at + duration < now() - interval '3 days' AND bench.rand(38, i) < 0.8
                THEN starts_at + duration + interval '3 days' END,
           CASE WHEN starts_at + duration < now() - interval '3 days' AND bench.rand(38, i) < 0.8
                THEN account_id END
    FROM planned
    ORDER BY i
    RETURNING id, starts_at
)
INSERT INTO bench.activities (i, activity_id, role)
SELECT (row_number() OVER (ORDER BY id) - 1)::int, id, 'past' FROM inserted;

UPDATE bench.activities b
SET role = CASE WHEN b.i < {live} THEN 'live'
                WHEN b.i < {live} + {raw} THEN 'raw'
                WHEN a.starts_at < now() THEN 'past' ELSE 'future' END
FROM activities a WHERE a.id = b.activity_id;
"#
    )
}

/// Sign-ups: each activity draws its applicants from the whole school, or from its college when
/// it is restricted to it; most are confirmed. Past published activities have check-ins for
/// about 85 % of their confirmed places, mostly by QR. The live activities start with the
/// signed-in students (those the run checks in) registered, four in five of them.
fn registrations_sql(config: &Config) -> String {
    let signed_in = config.signed_in;
    format!(
        r#"
CREATE TEMP TABLE pools AS
SELECT b.activity_id, a.status, a.enrolment_mode, a.registration_opens_at,
       a.registration_closes_at, a.starts_at, a.ends_at, a.created_by,
       a.eligible_colleges[1] AS college_id,
       CASE WHEN cardinality(a.eligible_colleges) = 0 THEN (SELECT count(*) FROM bench.students)
            ELSE (SELECT count(*) FROM bench.students s WHERE s.college_id = a.eligible_colleges[1])
       END::int AS pool,
       b.i
FROM bench.activities b JOIN activities a ON a.id = b.activity_id
WHERE b.role IN ('past', 'future') AND a.status <> 'draft';

CREATE TEMP TABLE wanted AS
SELECT p.*, least(coalesce(a.capacity, 400), 5 + floor(power(bench.rand(40, p.i), 2) * 250)::int, p.pool) AS n,
       floor(bench.rand(41, p.i) * p.pool)::int AS first
FROM pools p JOIN activities a ON a.id = p.activity_id
WHERE p.pool > 0;

-- Applicant j of an activity is student (first + 7919 j) mod pool: distinct for j < pool
-- unless 7919 divides the pool (then the conflict clause keeps the first).
INSERT INTO registrations (activity_id, student_id, status, registered_at, decided_at, decided_by)
SELECT w.activity_id, s.account_id,
       CASE WHEN r < 0.88 THEN 'confirmed'
            WHEN r < 0.94 THEN 'cancelled'
            WHEN w.enrolment_mode = 'review' THEN 'pending'
            WHEN w.enrolment_mode = 'lottery' THEN 'not_selected'
            ELSE 'waitlisted' END,
       w.registration_opens_at + (w.registration_closes_at - w.registration_opens_at) * bench.rand(43, w.i * 1000 + j),
       CASE WHEN w.enrolment_mode = 'review' AND r < 0.88 THEN w.registration_closes_at END,
       CASE WHEN w.enrolment_mode = 'review' AND r < 0.88 THEN w.created_by END
FROM wanted w
CROSS JOIN LATERAL generate_series(0, w.n - 1) AS j
CROSS JOIN LATERAL (SELECT bench.rand(42, w.i * 1000 + j) AS r) AS draw
JOIN bench.students s
  ON w.college_id IS NULL AND s.i = (w.first + 7919 * j) % w.pool
ON CONFLICT DO NOTHING;

INSERT INTO registrations (activity_id, student_id, status, registered_at, decided_at, decided_by)
SELECT w.activity_id, s.account_id,
       CASE WHEN bench.rand(42, w.i * 1000 + j) < 0.9 THEN 'confirmed' ELSE 'cancelled' END,
       w.registration_opens_at + (w.registration_closes_at - w.registration_opens_at) * bench.rand(43, w.i * 1000 + j),
       NULL, NULL
FROM wanted w
CROSS JOIN LATERAL generate_series(0, w.n - 1) AS j
JOIN bench.students s
  ON w.college_id IS NOT NULL AND s.college_id = w.college_id AND s.ci = (w.first + 7919 * j) % w.pool
ON CONFLICT DO NOTHING;

INSERT INTO registrations (activity_id, student_id, status, registered_at)
SELECT b.activity_id, s.account_id, 'confirmed', now() - interval '3 days'
FROM bench.activities b JOIN bench.students s ON s.i < {signed_in}
WHERE b.role = 'live' AND bench.rand(44, b.i * 100000 + s.i) < 0.8;

INSERT INTO attendance (activity_id, student_id, checked_in_at, method, device_id, client_ip,
                        user_agent, code_lag_ms, registered, recorded_by, created_at)
SELECT r.activity_id, r.student_id,
       a.starts_at - interval '15 minutes' + interval '30 minutes' * bench.rand(45, r.id),
       CASE WHEN bench.rand(46, r.id) < 0.93 THEN 'qr' ELSE 'manual' END,
       CASE WHEN bench.rand(46, r.id) < 0.93 THEN 'phone-' || r.student_id END,
       '10.' || (r.student_id % 250) || '.' || (r.activity_id % 250) || '.' || (1 + r.id % 250),
       'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0',
       200 + floor(bench.rand(47, r.id) * 4000)::int,
       true,
       CASE WHEN bench.rand(46, r.id) >= 0.93 THEN a.created_by END,
       a.starts_at
FROM registrations r
JOIN activities a ON a.id = r.activity_id
JOIN bench.activities b ON b.activity_id = r.activity_id AND b.role = 'past'
WHERE r.status = 'confirmed' AND a.status = 'published' AND bench.rand(48, r.id) < 0.85;
"#
    )
}

/// Whether `table` exists in the database at `url`.
pub fn table_exists(psql: &Path, url: &str, table: &str) -> Result<bool> {
    let rows = pg::psql_rows(
        psql,
        url,
        &format!("SELECT to_regclass('public.{table}') IS NOT NULL"),
    )?;
    Ok(rows.first().map(String::as_str) == Some("t"))
}

/// The points ledger, when its tables exist: `config.ledger_entries` entries (most students
/// have a few dozen, a few have many more), each for an activity of its category and term,
/// then `point_totals` and `standings` from them unless the ledger's own triggers filled them.
/// The SQL follows the planned schema (see [`LEDGER_SQL`]); adjust it there when it changes.
fn ledger(config: &Config, url: &str, psql: &Path) -> Result {
    if !table_exists(psql, url, "ledger_entries")? {
        step("  (no ledger_entries table yet: the ledger step is skipped)");
        return Ok(());
    }
    let terms: u64 = count(psql, url, "terms")?;
    if terms == 0 {
        run_sql(psql, url, TERMS_SQL)
            .map_err(|e| format!("{e}\n(the terms insert follows the planned schema: adjust TERMS_SQL in xtask/src/bench/data.rs)"))?;
    }
    let sql = LEDGER_SQL.replace("{entries}", &config.ledger_entries.to_string());
    run_sql(psql, url, &sql)
        .map_err(|e| format!("{e}\n(the ledger insert follows the planned schema: adjust LEDGER_SQL in xtask/src/bench/data.rs)"))?;
    for (table, sql) in [("point_totals", TOTALS_SQL), ("standings", STANDINGS_SQL)] {
        if table_exists(psql, url, table)? && count(psql, url, table)? == 0 {
            run_sql(psql, url, sql).map_err(|e| {
                format!("{e}\n(filling {table} follows the planned schema: adjust xtask/src/bench/data.rs)")
            })?;
        }
    }
    Ok(())
}

fn count(psql: &Path, url: &str, table: &str) -> Result<u64> {
    let rows = pg::psql_rows(psql, url, &format!("SELECT count(*) FROM {table}"))?;
    Ok(rows.first().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// School terms from autumn 2022 to spring 2027, when none are loaded:
/// 第一学期 September–January, 第二学期 February–July.
const TERMS_SQL: &str = r#"
INSERT INTO terms (code, name, starts_on, ends_on)
SELECT y || '-' || (y + 1) || '-' || t,
       y || '–' || (y + 1) || '学年第' || CASE t WHEN 1 THEN '一' ELSE '二' END || '学期',
       CASE t WHEN 1 THEN make_date(y, 9, 1) ELSE make_date(y + 1, 2, 1) END,
       CASE t WHEN 1 THEN make_date(y + 1, 1, 31) ELSE make_date(y + 1, 7, 31) END
FROM generate_series(2022, 2026) AS y, generate_series(1, 2) AS t
ORDER BY 3;
"#;

/// `{entries}` ledger entries. A student's share is skewed (power 1.3), so standings spread;
/// points are in hundredths; volunteer and practice entries carry hours; one entry in fifty is
/// a manual adjustment approved by the level above.
const LEDGER_SQL: &str = r#"
CREATE TEMP TABLE ledger_activities AS
SELECT (row_number() OVER (ORDER BY a.id) - 1)::int AS n, a.id, a.category, a.title,
       a.organizer_id, a.created_by, a.starts_at, a.credit_level,
       (SELECT t.id FROM terms t
         WHERE (a.starts_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN t.starts_on AND t.ends_on
         ORDER BY t.id LIMIT 1) AS term_id
FROM activities a
JOIN bench.activities b ON b.activity_id = a.id AND b.role = 'past'
WHERE a.status = 'published';
DELETE FROM ledger_activities WHERE term_id IS NULL;
CREATE TEMP TABLE ledger_activities_numbered AS
SELECT (row_number() OVER (ORDER BY n) - 1)::int AS n, id, category, title, organizer_id,
       created_by, starts_at, credit_level, term_id
FROM ledger_activities;

INSERT INTO ledger_entries (student_id, term_id, category, points, hours, source, method,
                            activity_id, title, rule_version, organization_id, recognized_by,
                            approved_by, reverses, occurred_on, created_at, fact)
SELECT s.account_id, a.term_id, a.category,
       CASE WHEN adjustment THEN 50 * (1 + floor(bench.rand(53, g) * 4)::int)
            WHEN a.category = 'competition' THEN 100 * (1 + floor(bench.rand(53, g) * 8)::int)
            WHEN a.category IN ('volunteer', 'practice') THEN 25 * hours_whole
            ELSE 25 * (1 + floor(bench.rand(53, g) * 4)::int) END,
       CASE WHEN a.category IN ('volunteer', 'practice') AND NOT adjustment
            THEN hours_whole::numeric(8, 2) ELSE 0 END,
       CASE WHEN adjustment THEN 'manual' ELSE 'activity' END,
       CASE WHEN adjustment THEN 'adjustment'
            WHEN a.category = 'competition' THEN 'award'
            WHEN a.category IN ('volunteer', 'practice') THEN 'hours'
            ELSE 'participation' END,
       CASE WHEN adjustment THEN NULL ELSE a.id END,
       CASE WHEN adjustment THEN '其他认定：' || a.title ELSE a.title END,
       1, a.organizer_id, a.created_by,
       CASE WHEN adjustment THEN a.created_by END,
       NULL,
       (a.starts_at AT TIME ZONE 'Asia/Shanghai')::date,
       a.starts_at + interval '3 days',
       CASE WHEN adjustment THEN 'manual:bench-' || g ELSE 'bench:' || g END
FROM generate_series(0, {entries} - 1) AS g
CROSS JOIN LATERAL (SELECT bench.rand(51, g) < 0.02 AS adjustment,
                           2 + floor(bench.rand(54, g) * 6)::int AS hours_whole) AS draw
JOIN bench.students s
  ON s.i = floor(power(bench.rand(50, g), 1.3) * (SELECT count(*) FROM bench.students))::int
JOIN ledger_activities_numbered a
  ON a.n = floor(bench.rand(52, g) * (SELECT count(*) FROM ledger_activities_numbered))::int;
"#;

const TOTALS_SQL: &str = r#"
INSERT INTO point_totals (student_id, term_id, category, points, hours)
SELECT student_id, term_id, category, sum(points), sum(hours)
FROM ledger_entries
GROUP BY student_id, term_id, category;
"#;

/// Per term, and over all terms as term 0, with the student's college and intake: from the
/// totals (a reversal and its original cancel in any sum, so every entry counts).
const STANDINGS_SQL: &str = r#"
INSERT INTO standings (student_id, term_id, college_id, enrolment_year, points)
SELECT p.student_id, t.term_id, a.organization_id, s.enrolment_year, sum(p.points)
FROM point_totals p
CROSS JOIN LATERAL (VALUES (p.term_id), (0::bigint)) AS t (term_id)
JOIN accounts a ON a.id = p.student_id
JOIN students s ON s.account_id = p.student_id
GROUP BY p.student_id, t.term_id, a.organization_id, s.enrolment_year;
"#;
