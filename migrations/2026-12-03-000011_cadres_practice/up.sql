-- Student cadres (党团学干部经历), their assessment rounds, practice teams and training records
-- (实践及培训经历), the files they carry, and rule re-evaluations run in the background.

-- Position types the school admin configures (主席团成员, 部长/副部长, 干事, 班长 …). The rules'
-- cadre matrix prices them by code.
CREATE TABLE position_types (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id smallint NOT NULL REFERENCES school (id) ON DELETE CASCADE,
    code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 30),
    sort_order integer NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id),
    UNIQUE (school_id, code),
    UNIQUE (school_id, name)
);

-- The ratio standard: the largest share of an assessment round's positions of one level that
-- may receive a grade (优秀 ≤ 20 % …). No row: no limit.
CREATE TABLE assessment_standards (
    school_id smallint NOT NULL REFERENCES school (id) ON DELETE CASCADE,
    level text NOT NULL CHECK (level IN ('school', 'college', 'club', 'class')),
    grade text NOT NULL CHECK (grade IN ('excellent', 'competent', 'fair', 'incompetent')),
    max_percent smallint NOT NULL CHECK (max_percent BETWEEN 0 AND 100),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id),
    PRIMARY KEY (school_id, level, grade)
);

-- A school starts with the usual position types and 优秀 ≤ 20 % at every level; the school
-- admin changes both. Set when the school is created, and now for one that exists.
CREATE FUNCTION cadre_defaults(school smallint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO position_types (school_id, code, name, sort_order)
    SELECT school, t.code, t.name, t.n
    FROM (VALUES ('presidium', '主席团成员', 1), ('minister', '部长/副部长', 2),
                 ('officer', '干事', 3), ('monitor', '班长', 4),
                 ('league_secretary', '团支书', 5), ('class_committee', '其他班委', 6),
                 ('other', '其他', 7)) AS t (code, name, n)
    ON CONFLICT DO NOTHING;
    INSERT INTO assessment_standards (school_id, level, grade, max_percent)
    SELECT school, l.level, 'excellent', 20
    FROM (VALUES ('school'), ('college'), ('club'), ('class')) AS l (level)
    ON CONFLICT DO NOTHING;
END $$;
CREATE FUNCTION school_cadre_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cadre_defaults(NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER school_cadre_defaults AFTER INSERT ON school
    FOR EACH ROW EXECUTE FUNCTION school_cadre_defaults();
SELECT cadre_defaults(id) FROM school;

-- The position register: who holds which position in which organisation, and when.
CREATE TABLE cadre_positions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 50),
    position_type_id bigint NOT NULL REFERENCES position_types (id),
    level text NOT NULL CHECK (level IN ('school', 'college', 'club', 'class')),
    -- A class position names its class (软件2301); others leave it empty.
    class_name text CHECK (length(class_name) <= 50),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    appointment_no text CHECK (length(appointment_no) <= 50),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint NOT NULL REFERENCES accounts (id),
    CHECK (ends_on >= starts_on),
    UNIQUE (organization_id, student_id, title, starts_on)
);
CREATE INDEX cadre_positions_student ON cadre_positions (student_id);
CREATE INDEX cadre_positions_org ON cadre_positions (organization_id, ends_on);

-- An assessment round: one organisation rates the positions it held in a term, as a batch the
-- organisation above reviews. Approved rounds are locked and counted in the ledger.
CREATE TABLE assessment_rounds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    term_id bigint NOT NULL REFERENCES terms (id),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES accounts (id),
    submitted_at timestamptz,
    submitted_by bigint REFERENCES accounts (id),
    reviewed_at timestamptz,
    reviewed_by bigint REFERENCES accounts (id),
    return_reason text CHECK (length(return_reason) <= 500),
    UNIQUE (organization_id, term_id)
);
CREATE INDEX assessment_rounds_status ON assessment_rounds (status);

CREATE TABLE cadre_assessments (
    round_id bigint NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    position_id bigint NOT NULL REFERENCES cadre_positions (id),
    grade text NOT NULL CHECK (grade IN ('excellent', 'competent', 'fair', 'incompetent')),
    comment text CHECK (length(comment) <= 200),
    graded_at timestamptz NOT NULL DEFAULT now(),
    graded_by bigint NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (round_id, position_id)
);
CREATE INDEX cadre_assessments_position ON cadre_assessments (position_id);

-- Files the platform keeps (practice reports; later seals and backgrounds): bytes in
-- PostgreSQL, read only through the resource that owns them.
CREATE TABLE stored_files (
    id uuid PRIMARY KEY,
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    content_type text NOT NULL,
    size_bytes integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256 bytea NOT NULL,
    content bytea NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    uploaded_by bigint NOT NULL REFERENCES accounts (id)
);

-- Practice teams (社会实践团队, 三下乡) and training records (courses, workshops): members with
-- hours, certified by the responsible organisation (a college for its own, a school-level
-- organisation for its own), which enters the ledger.
CREATE TABLE practice_records (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('practice', 'training')),
    organization_id bigint NOT NULL REFERENCES organizations (id),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    topic text NOT NULL DEFAULT '' CHECK (length(topic) <= 200),
    place text NOT NULL DEFAULT '' CHECK (length(place) <= 100),
    instructors text NOT NULL DEFAULT '' CHECK (length(instructors) <= 200),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    -- Training: hours each participant earns; practice: 8 × days unless a member's differ.
    hours numeric(6, 2) CHECK (hours > 0 AND hours <= 2000),
    report_file_id uuid REFERENCES stored_files (id),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'certified')),
    certified_at timestamptz,
    certified_by bigint REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint NOT NULL REFERENCES accounts (id),
    CHECK (ends_on >= starts_on AND ends_on - starts_on <= 366),
    CHECK ((status = 'certified') = (certified_at IS NOT NULL))
);
CREATE INDEX practice_records_org ON practice_records (organization_id, kind);

CREATE TABLE practice_members (
    record_id bigint NOT NULL REFERENCES practice_records (id) ON DELETE CASCADE,
    student_id bigint NOT NULL REFERENCES accounts (id),
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('leader', 'member')),
    -- NULL: the default (8 × days for practice, the record's hours for training).
    hours numeric(6, 2) CHECK (hours >= 0 AND hours <= 2000),
    hours_reason text CHECK (length(hours_reason) BETWEEN 2 AND 200),
    CHECK ((hours IS NULL) = (hours_reason IS NULL)),
    PRIMARY KEY (record_id, student_id)
);
CREATE INDEX practice_members_student ON practice_members (student_id);
CREATE UNIQUE INDEX practice_one_leader ON practice_members (record_id) WHERE role = 'leader';

-- Publishing rules for a term that has started re-evaluates every affected student in the
-- background; this row is its progress.
CREATE TABLE rule_reevaluations (
    version integer PRIMARY KEY REFERENCES rule_sets (version),
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    total integer NOT NULL DEFAULT 0,
    done integer NOT NULL DEFAULT 0,
    changed integer NOT NULL DEFAULT 0,
    error text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    requested_by bigint NOT NULL REFERENCES accounts (id)
);

-- The ledger and facts name the new sources.
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('students', 'staff', 'positions'));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_check
    CHECK (source IN ('activity', 'makeup', 'backfill', 'cadre', 'practice', 'training', 'manual'));

-- 一般称职 (the founding notice's word) replaces 基本称职 in facts stored before.
UPDATE point_facts SET kind = jsonb_set(kind, '{grade}', '"fair"')
    WHERE kind ->> 'grade' = 'basically_competent';
