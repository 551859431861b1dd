-- Insight: the monthly work report (工作月报) of each college, frozen on the 28th and filed by the
-- college; the school's report over them; the run-once ledger of scheduled work; a contact
-- address per organisation for the report's e-mail; and the indexes the dashboard's figures
-- read through (measured with `cargo xtask bench`).

ALTER TABLE organizations
    ADD COLUMN contact_email text
        CHECK (contact_email IS NULL OR (length(contact_email) <= 200 AND contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'));

CREATE TABLE monthly_reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id smallint NOT NULL REFERENCES school (id),
    organization_id bigint NOT NULL REFERENCES organizations (id),
    -- The first day of the report's month.
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    period_from date NOT NULL,
    period_to date NOT NULL,
    due_at timestamptz NOT NULL,
    frozen_at timestamptz NOT NULL DEFAULT now(),
    -- shared::insight::MonthlyContent, as frozen.
    content jsonb NOT NULL,
    comments text NOT NULL DEFAULT '' CHECK (length(comments) <= 5000),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filed')),
    filed_at timestamptz,
    filed_by bigint REFERENCES accounts (id),
    mailed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id),
    UNIQUE (organization_id, month),
    CHECK ((status = 'filed') = (filed_at IS NOT NULL AND filed_by IS NOT NULL)),
    CHECK (period_to >= period_from)
);
CREATE INDEX monthly_reports_month ON monthly_reports (school_id, month);

CREATE TABLE school_reports (
    school_id smallint NOT NULL REFERENCES school (id),
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    analysis text NOT NULL DEFAULT '' CHECK (length(analysis) <= 5000),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    published_at timestamptz,
    published_by bigint REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id),
    PRIMARY KEY (school_id, month),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);

-- Scheduled work done once per school and period, however many API processes run: the row is
-- inserted in the transaction that does the work, so a second process waits on it and then
-- finds it there.
CREATE TABLE scheduled_runs (
    job text NOT NULL,
    school_id smallint NOT NULL REFERENCES school (id),
    period text NOT NULL,
    ran_at timestamptz NOT NULL DEFAULT now(),
    detail jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (job, school_id, period)
);

-- The dashboard: points granted by an organisation's subtree over a span of days, read from
-- the index alone.
CREATE INDEX ledger_entries_org_day ON ledger_entries (organization_id, occurred_on)
    INCLUDE (category, points, hours);
-- Activities of a subtree by start.
CREATE INDEX activities_organizer_starts ON activities (organizer_id, starts_at);
