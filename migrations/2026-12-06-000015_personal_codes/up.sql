-- Personal check-in codes: each student's phone shows a rotating code signed with a key that
-- never leaves it; the organiser's phone scans it (offline if need be) and syncs the scans.

-- The modes an activity takes: the projected code, personal codes, or both (the default).
ALTER TABLE activities
    ADD COLUMN projected_code boolean NOT NULL DEFAULT true,
    ADD COLUMN personal_code boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT activities_some_code CHECK (projected_code OR personal_code);

-- Check-ins scanned from a personal code.
ALTER TABLE attendance DROP CONSTRAINT attendance_method_check;
ALTER TABLE attendance ADD CONSTRAINT attendance_method_check
    CHECK (method IN ('qr', 'manual', 'makeup', 'backfill', 'pass'));

-- How many times a term a student may move their code to another phone.
ALTER TABLE checkin_policies
    ADD COLUMN device_changes_per_term integer NOT NULL DEFAULT 3
        CHECK (device_changes_per_term BETWEEN 1 AND 20);

-- A student's key: the public half of the Ed25519 key their phone made, bound to the session
-- that registered it (ending the session ends the key) and to the phone (hashed like scans').
-- One live key per student; a new phone's key replaces the old one.
CREATE TABLE checkin_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id bigint NOT NULL REFERENCES accounts (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    device_id text NOT NULL,
    public_key bytea NOT NULL CHECK (length(public_key) = 32),
    -- It replaced a key of another phone (a device change, counted per term).
    device_change boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('replaced', 'removed')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE UNIQUE INDEX checkin_keys_live ON checkin_keys (student_id) WHERE revoked_at IS NULL;
CREATE INDEX checkin_keys_student ON checkin_keys (student_id, created_at);

-- Every scan a scanner synced, under the id the scanner gave it: a scan sent twice is found here
-- and answered as before.
CREATE TABLE checkin_scans (
    id uuid PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    scanner_id bigint NOT NULL REFERENCES accounts (id),
    -- The scanner phone's hash.
    scanner_device text NOT NULL,
    student_id bigint REFERENCES accounts (id),
    key_id bigint REFERENCES checkin_keys (id),
    code_step bigint,
    -- Entered by hand instead of a code.
    student_no text CHECK (length(student_no) <= 64),
    scanned_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    outcome text NOT NULL CHECK (outcome IN (
        'accepted', 'duplicate', 'not_registered', 'out_of_window', 'invalid_code',
        'expired_code', 'revoked_key', 'device_used', 'unknown_student', 'mode_off'))
);
CREATE INDEX checkin_scans_activity ON checkin_scans (activity_id, received_at);

-- Refused personal scans join the refused projected ones, for the anomalies.
ALTER TABLE attendance_attempts DROP CONSTRAINT attendance_attempts_outcome;
ALTER TABLE attendance_attempts ADD CONSTRAINT attendance_attempts_outcome CHECK (outcome IN (
    'forged', 'expired', 'closed', 'device_used', 'no_device', 'not_a_student',
    'stale_receipt', 'not_registered', 'revoked_key', 'mode_off'));
