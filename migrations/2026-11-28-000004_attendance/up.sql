-- Attendance (on-site QR check-in and check-out, manual entry, make-up and back-fill), results
-- recognition, and who keeps the calendar.

ALTER TABLE calendar_days ADD COLUMN updated_by bigint REFERENCES accounts (id);

-- Check-in settings of an activity: the window codes are accepted in, an optional location
-- signal, and whether check-out is taken (activities that count hours).
ALTER TABLE activities
    ADD COLUMN checkin_opens_at timestamptz,
    ADD COLUMN checkin_closes_at timestamptz,
    ADD COLUMN checkout_enabled boolean NOT NULL DEFAULT false,
    ADD COLUMN checkin_latitude double precision CHECK (checkin_latitude BETWEEN -90 AND 90),
    ADD COLUMN checkin_longitude double precision CHECK (checkin_longitude BETWEEN -180 AND 180),
    ADD COLUMN checkin_radius_m integer CHECK (checkin_radius_m BETWEEN 10 AND 100000),
    ADD COLUMN recognized_at timestamptz,
    ADD COLUMN recognized_by bigint REFERENCES accounts (id);

CREATE TABLE attendance (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    checked_in_at timestamptz NOT NULL,
    checked_out_at timestamptz,
    -- qr: scanned on site; manual: entered by the organiser during the activity;
    -- makeup: entered within the make-up window; backfill: approved by the level above.
    method text NOT NULL CHECK (method IN ('qr', 'manual', 'makeup', 'backfill')),
    -- Signals for the anomalies view (QR check-ins).
    device_id text,
    client_ip text,
    user_agent text,
    code_lag_ms integer,
    distance_m double precision,
    registered boolean NOT NULL,
    recorded_by bigint REFERENCES accounts (id),
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (activity_id, student_id)
);
CREATE INDEX attendance_activity_time ON attendance (activity_id, checked_in_at);
CREATE INDEX attendance_device ON attendance (activity_id, device_id);

-- Refused scans, kept for the anomalies view.
CREATE TABLE attendance_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    at timestamptz NOT NULL DEFAULT now(),
    outcome text NOT NULL,
    device_id text,
    client_ip text
);
CREATE INDEX attendance_attempts_activity ON attendance_attempts (activity_id, at);

-- Make-up past its window and back-fill (补录): asked by the organiser, decided by the level above.
CREATE TABLE attendance_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    evidence text CHECK (length(evidence) <= 2000),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    approver_org_id bigint NOT NULL REFERENCES organizations (id),
    requested_by bigint NOT NULL REFERENCES accounts (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by bigint REFERENCES accounts (id),
    decided_at timestamptz,
    decision_note text
);
CREATE INDEX attendance_requests_approver ON attendance_requests (approver_org_id, status, requested_at);
CREATE UNIQUE INDEX attendance_requests_one_pending ON attendance_requests (activity_id, student_id) WHERE status = 'pending';

-- Recognised results (成绩认定): the facts the points ledger is derived from.
CREATE TABLE results (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    attended boolean NOT NULL,
    hours numeric(6, 2) CHECK (hours >= 0 AND hours <= 2000),
    role text CHECK (role IN ('leader', 'member', 'participant')),
    award text CHECK (award IN ('first', 'second', 'third', 'honourable', 'participation')),
    award_level text CHECK (award_level IN ('college', 'school', 'province', 'national')),
    note text CHECK (length(note) <= 500),
    backfilled boolean NOT NULL DEFAULT false,
    recognized_by bigint NOT NULL REFERENCES accounts (id),
    recognized_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (activity_id, student_id),
    CHECK ((award IS NULL) = (award_level IS NULL))
);
CREATE INDEX results_student ON results (student_id);
