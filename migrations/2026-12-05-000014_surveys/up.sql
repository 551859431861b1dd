-- Surveys (问卷) and activity evaluations (活动评价).
--
-- A survey belongs to an organisation, targets the students of a subtree, an intake within a
-- subtree, or one activity's checked-in participants, and is anonymous or named — fixed once
-- published. An anonymous survey's answers can never be tied to a student:
--   * survey_respondents marks who has answered (one row per student) with no timestamp and no
--     serial id, so its order and contents say nothing about which response is whose;
--   * survey_responses of an anonymous survey carry no account (the CHECK and the composite
--     foreign key below make that a rule of the database), a random UUID id, no time, and only
--     the SHA-256 of the edit key handed once to the respondent.

CREATE TABLE surveys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id smallint NOT NULL DEFAULT 1 REFERENCES school (id),
    organization_id bigint NOT NULL REFERENCES organizations (id),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    anonymous boolean NOT NULL,
    -- shared::survey::Question, in order.
    questions jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    target_kind text NOT NULL CHECK (target_kind IN ('organization', 'intake', 'activity')),
    target_organization_id bigint NOT NULL REFERENCES organizations (id),
    target_year integer CHECK (target_year BETWEEN 1990 AND 2100),
    target_activity_id bigint REFERENCES activities (id),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    published_at timestamptz,
    published_by bigint REFERENCES accounts (id),
    closed_early_at timestamptz,
    created_by bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint NOT NULL REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_at > opens_at),
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    CHECK ((target_kind = 'intake') = (target_year IS NOT NULL)),
    CHECK ((target_kind = 'activity') = (target_activity_id IS NOT NULL)),
    UNIQUE (id, anonymous)
);
CREATE INDEX surveys_organization ON surveys (organization_id, id DESC);
CREATE INDEX surveys_open ON surveys (school_id, closes_at) WHERE status = 'published';

-- Who has answered: nothing else, in particular no time.
CREATE TABLE survey_respondents (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    account_id bigint NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (survey_id, account_id)
);

CREATE TABLE survey_responses (
    id uuid PRIMARY KEY,
    school_id smallint NOT NULL DEFAULT 1 REFERENCES school (id),
    survey_id bigint NOT NULL,
    anonymous boolean NOT NULL,
    -- Named surveys only.
    account_id bigint REFERENCES accounts (id),
    answered_at timestamptz,
    -- Anonymous surveys only: SHA-256 of the edit key.
    edit_key_hash bytea UNIQUE CHECK (edit_key_hash IS NULL OR length(edit_key_hash) = 32),
    -- For the results' filters (suppressed under five respondents).
    college_id bigint REFERENCES organizations (id),
    enrolment_year integer,
    -- shared::survey::Answer, one per question.
    answers jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'array'),
    FOREIGN KEY (survey_id, anonymous) REFERENCES surveys (id, anonymous),
    CHECK (anonymous = (account_id IS NULL)),
    CHECK (anonymous = (edit_key_hash IS NOT NULL)),
    CHECK (NOT anonymous OR answered_at IS NULL),
    UNIQUE (survey_id, account_id)
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id);

-- Activity evaluations: a checked-in participant rates an ended activity once, and may change
-- the rating for a while. Shown to the organiser without names.
CREATE TABLE activity_evaluations (
    activity_id bigint NOT NULL REFERENCES activities (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    school_id smallint NOT NULL DEFAULT 1 REFERENCES school (id),
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, student_id)
);
CREATE INDEX activity_evaluations_student ON activity_evaluations (student_id);
