-- Activities, their review up the tree, registration forms, sign-ups and in-app notifications.

CREATE TABLE activity_categories (
    code text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{2,32}$'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 30),
    name_en text NOT NULL CHECK (length(btrim(name_en)) BETWEEN 1 AND 60),
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id)
);
INSERT INTO activity_categories (code, name, name_en, position) VALUES
    ('lecture', '报告讲座', 'Lecture', 1),
    ('competition', '竞赛', 'Competition', 2),
    ('volunteer', '志愿服务', 'Volunteer service', 3),
    ('practice', '社会实践', 'Social practice', 4),
    ('training', '培训', 'Training', 5),
    ('arts_sports', '文体活动', 'Arts and sports', 6),
    ('innovation', '创新创业', 'Innovation and entrepreneurship', 7);

CREATE TABLE activities (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organizer_id bigint NOT NULL REFERENCES organizations (id),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 100),
    category text NOT NULL REFERENCES activity_categories (code),
    credit_level text NOT NULL CHECK (credit_level IN ('club', 'college', 'school')),
    description text NOT NULL DEFAULT '',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    place text NOT NULL,
    campus text NOT NULL DEFAULT '',
    capacity integer CHECK (capacity > 0),
    registration_opens_at timestamptz NOT NULL,
    registration_closes_at timestamptz NOT NULL,
    eligible_colleges bigint[] NOT NULL DEFAULT '{}',
    eligible_years integer[] NOT NULL DEFAULT '{}',
    eligible_degrees text[] NOT NULL DEFAULT '{}',
    instructor_ids bigint[] NOT NULL DEFAULT '{}',
    cover_image_url text,
    points_rule text,
    enrolment_mode text NOT NULL CHECK (enrolment_mode IN ('first_come', 'review', 'lottery')),
    fields jsonb NOT NULL DEFAULT '[]',
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'published', 'cancelled')),
    -- The approvals needed (organisation ids, bottom-up) and how many are given in this round.
    review_chain bigint[] NOT NULL DEFAULT '{}',
    review_step integer NOT NULL DEFAULT 0,
    submitted_at timestamptz,
    lottery_seed text,
    lottery_drawn_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint NOT NULL REFERENCES accounts (id),
    CHECK (ends_at > starts_at),
    CHECK (registration_closes_at > registration_opens_at)
);
CREATE INDEX activities_organizer ON activities (organizer_id);
CREATE INDEX activities_feed ON activities (status, starts_at DESC);
-- What waits for a reviewing organisation: the current step of the chain.
CREATE INDEX activities_awaiting ON activities ((review_chain[review_step + 1])) WHERE status = 'submitted';

CREATE TABLE activity_transitions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    actor_id bigint NOT NULL REFERENCES accounts (id),
    -- The organisation the actor acted for (the reviewing level, or the organiser).
    organization_id bigint NOT NULL REFERENCES organizations (id),
    reason text
);
CREATE INDEX activity_transitions_activity ON activity_transitions (activity_id, id);

CREATE TABLE registrations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'not_selected', 'cancelled')),
    answers jsonb NOT NULL DEFAULT '{}',
    -- Orders the waitlist and the lottery's applicants: the latest (re-)registration time.
    registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_at timestamptz,
    decided_by bigint REFERENCES accounts (id),
    UNIQUE (activity_id, student_id)
);
CREATE INDEX registrations_student ON registrations (student_id, registered_at DESC);
CREATE INDEX registrations_activity_status ON registrations (activity_id, status, registered_at, id);

CREATE TABLE notifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    activity_id bigint REFERENCES activities (id),
    read_at timestamptz
);
CREATE INDEX notifications_account ON notifications (account_id, id DESC);
