-- Check-in integrity: each activity's code timing, the school's burst policy, every refused scan
-- with its reason, and phones known only by a hash.

-- How long each code of an activity is shown, and accepted after it is replaced (5–30 s).
ALTER TABLE activities
    ADD COLUMN checkin_step_secs smallint NOT NULL DEFAULT 10
        CHECK (checkin_step_secs BETWEEN 5 AND 30),
    ADD COLUMN checkin_grace_secs smallint NOT NULL DEFAULT 10
        CHECK (checkin_grace_secs BETWEEN 5 AND 30);

-- The school's burst policy: a sliding window, thresholds per network address and per phone,
-- and campus networks whose shared (NAT) addresses are not flagged. One row per school.
CREATE TABLE checkin_policies (
    school_id smallint PRIMARY KEY REFERENCES school (id) ON DELETE CASCADE,
    window_secs integer NOT NULL DEFAULT 10 CHECK (window_secs BETWEEN 5 AND 300),
    per_address integer NOT NULL DEFAULT 8 CHECK (per_address BETWEEN 2 AND 1000),
    per_device integer NOT NULL DEFAULT 3 CHECK (per_device BETWEEN 2 AND 100),
    trusted_networks text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(trusted_networks) <= 50),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id)
);

-- Phones are kept only as a hash of the id the app sends (SHA-256, hex): what was stored in
-- clear is hashed the same way (what is a hash already, after a down and up, stays).
UPDATE attendance SET device_id = encode(sha256(convert_to(device_id, 'UTF8')), 'hex')
    WHERE device_id IS NOT NULL AND device_id !~ '^[0-9a-f]{64}$';
UPDATE attendance_attempts SET device_id = encode(sha256(convert_to(device_id, 'UTF8')), 'hex')
    WHERE device_id IS NOT NULL AND device_id !~ '^[0-9a-f]{64}$';

-- When the code a scan presented appeared: scans of one code from several phones, late, are a
-- relay.
ALTER TABLE attendance ADD COLUMN code_from timestamptz;

-- Every refused scan, with its reason.
UPDATE attendance_attempts SET outcome = 'device_used' WHERE outcome = 'device_already_used';
ALTER TABLE attendance_attempts
    ADD COLUMN code_from timestamptz,
    ADD CONSTRAINT attendance_attempts_outcome CHECK (outcome IN (
        'forged', 'expired', 'closed', 'device_used', 'no_device', 'not_a_student',
        'stale_receipt'));
CREATE INDEX attendance_attempts_student ON attendance_attempts (activity_id, student_id);
