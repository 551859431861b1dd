-- Points: terms, versioned scoring rules, non-activity facts, the append-only points ledger with
-- its totals and standings, issued transcripts and batch print jobs.

-- Terms (学期). Contiguous by default so every date falls in one: autumn from 1 September, spring
-- from 15 February. The school admin adds or renames terms.
CREATE TABLE terms (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{4}-[0-9]{4}-[1-3]$'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 50),
    academic_year text NOT NULL CHECK (academic_year ~ '^[0-9]{4}-[0-9]{4}$'),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES accounts (id),
    CHECK (ends_on >= starts_on),
    EXCLUDE USING gist (daterange(starts_on, ends_on, '[]') WITH &&)
);
INSERT INTO terms (code, name, academic_year, starts_on, ends_on)
SELECT y || '-' || (y + 1) || '-' || t,
       y || '-' || (y + 1) || '学年' || CASE t WHEN 1 THEN '第一学期' ELSE '第二学期' END,
       y || '-' || (y + 1),
       CASE t WHEN 1 THEN make_date(y, 9, 1) ELSE make_date(y + 1, 2, 15) END,
       CASE t WHEN 1 THEN make_date(y + 1, 2, 14) ELSE make_date(y + 1, 8, 31) END
FROM generate_series(2018, 2030) AS y, generate_series(1, 2) AS t;

-- Scoring rules (成绩积分认定细则), versioned. A version applies from its term on (NULL: from
-- the first term) until a later version takes over; ledger entries record the version used.
CREATE TABLE rule_sets (
    version integer PRIMARY KEY,
    effective_term_id bigint REFERENCES terms (id),
    rules jsonb NOT NULL,
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES accounts (id)
);

-- Version 1: the default rules (`shared::rules::RuleSet::default_rules()`; a test keeps the two
-- equal). See README "Scoring rules".
INSERT INTO rule_sets (version, rules, note) VALUES (1, '{"categories":[{"category":"lecture","per_attendance":20,"per_hour":0,"cap_per_term":200},{"category":"competition","per_attendance":0,"per_hour":0,"cap_per_term":800},{"category":"volunteer","per_attendance":0,"per_hour":10,"cap_per_term":400},{"category":"practice","per_attendance":0,"per_hour":5,"cap_per_term":400},{"category":"training","per_attendance":50,"per_hour":0,"cap_per_term":200},{"category":"arts_sports","per_attendance":30,"per_hour":0,"cap_per_term":200},{"category":"innovation","per_attendance":50,"per_hour":0,"cap_per_term":400},{"category":"cadre","per_attendance":0,"per_hour":0,"cap_per_term":300}],"competition":[[200,150,100,50],[250,200,150,100],[300,250,200,150],[350,300,250,200]],"participation":50,"team_member_percent":80,"practice_hours_per_day":8.0,"cadre":[100,150,200],"grade_percent":[0,50,80,100],"cap_per_term":2000,"requirements":{"undergraduate":{"per_category":{"lecture":200,"practice":200,"volunteer":200},"total":1000},"graduate":{"per_category":{"lecture":100,"volunteer":100},"total":400}}}', '默认规则 (default rules)');

-- Facts recognised outside activities: cadre positions with their assessment, practice days.
CREATE TABLE point_facts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id bigint NOT NULL REFERENCES accounts (id),
    term_id bigint NOT NULL REFERENCES terms (id),
    category text NOT NULL,
    source text NOT NULL CHECK (source IN ('cadre', 'practice')),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 100),
    kind jsonb NOT NULL,
    achievement text CHECK (length(achievement) <= 100),
    occurred_on date NOT NULL,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    recorded_by bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX point_facts_student ON point_facts (student_id, term_id);

-- The same achievement (e.g. one competition's rounds) counts once, at its highest level.
ALTER TABLE results ADD COLUMN achievement text CHECK (length(achievement) <= 100);

-- The points ledger: append-only. A correction is a reversing entry (`reverses`) plus a new one.
CREATE TABLE ledger_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id bigint NOT NULL REFERENCES accounts (id),
    term_id bigint NOT NULL REFERENCES terms (id),
    category text NOT NULL,
    points bigint NOT NULL,            -- hundredths
    hours numeric(8, 2) NOT NULL DEFAULT 0,
    source text NOT NULL CHECK (source IN ('activity', 'makeup', 'backfill', 'cadre', 'practice', 'manual')),
    -- What it recognises: `result:<id>`, `fact:<id>` or `manual:<uuid>`.
    fact text NOT NULL,
    activity_id bigint REFERENCES activities (id),
    title text NOT NULL,
    detail text NOT NULL DEFAULT '',
    method text NOT NULL CHECK (method IN ('participation', 'award', 'hours', 'position', 'adjustment')),
    rule_version integer REFERENCES rule_sets (version),
    organization_id bigint NOT NULL REFERENCES organizations (id),
    recognized_by bigint NOT NULL REFERENCES accounts (id),
    approved_by bigint REFERENCES accounts (id),
    reverses bigint UNIQUE REFERENCES ledger_entries (id),
    occurred_on date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_student ON ledger_entries (student_id, term_id);
CREATE INDEX ledger_entries_fact ON ledger_entries (fact);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the points ledger is append-only: correct with a reversing entry';
END $$;
CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- Totals per student, term and category: changed in the same transaction as the entries.
CREATE TABLE point_totals (
    student_id bigint NOT NULL REFERENCES accounts (id),
    term_id bigint NOT NULL REFERENCES terms (id),
    category text NOT NULL,
    points bigint NOT NULL DEFAULT 0,
    hours numeric(10, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (student_id, term_id, category)
);

-- Standings for the leaderboard: a student's points per term, and over all terms (term_id 0),
-- with the college and intake the leaderboard filters by. Read through the indexes below.
CREATE TABLE standings (
    student_id bigint NOT NULL REFERENCES accounts (id),
    term_id bigint NOT NULL,
    college_id bigint NOT NULL REFERENCES organizations (id),
    enrolment_year integer NOT NULL,
    points bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (student_id, term_id)
);
CREATE INDEX standings_school ON standings (term_id, points DESC, student_id);
CREATE INDEX standings_college ON standings (term_id, college_id, points DESC, student_id);
CREATE INDEX standings_year ON standings (term_id, enrolment_year, points DESC, student_id);

-- Issued transcripts: what was printed (snapshot) and its hash, under an unguessable serial.
-- A newer transcript of the same student and style supersedes it; the school may revoke it.
CREATE TABLE transcripts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial text NOT NULL UNIQUE,
    student_id bigint NOT NULL REFERENCES accounts (id),
    style text NOT NULL CHECK (style IN ('by_method', 'by_term', 'by_category')),
    snapshot jsonb NOT NULL,
    content_hash bytea NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    issued_by bigint NOT NULL REFERENCES accounts (id),
    batch_id uuid,
    revoked_at timestamptz,
    revoked_by bigint REFERENCES accounts (id),
    revoke_reason text CHECK (length(revoke_reason) <= 500)
);
CREATE INDEX transcripts_student ON transcripts (student_id, style, id DESC);

-- Batch printing: one job per request, run in the background, its file kept for download.
CREATE TABLE print_jobs (
    id uuid PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    requested_by bigint NOT NULL REFERENCES accounts (id),
    params jsonb NOT NULL,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    total integer NOT NULL DEFAULT 0,
    done integer NOT NULL DEFAULT 0,
    file_name text,
    content_type text,
    output bytea,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX print_jobs_organization ON print_jobs (organization_id, created_at DESC);
