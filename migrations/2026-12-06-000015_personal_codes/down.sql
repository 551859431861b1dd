DELETE FROM attendance_attempts WHERE outcome IN ('not_registered', 'revoked_key', 'mode_off');
ALTER TABLE attendance_attempts DROP CONSTRAINT attendance_attempts_outcome;
ALTER TABLE attendance_attempts ADD CONSTRAINT attendance_attempts_outcome CHECK (outcome IN (
    'forged', 'expired', 'closed', 'device_used', 'no_device', 'not_a_student',
    'stale_receipt'));
DROP TABLE checkin_scans;
DROP TABLE checkin_keys;
ALTER TABLE checkin_policies DROP COLUMN device_changes_per_term;
-- Personal-code check-ins stay check-ins: recorded as QR scans.
UPDATE attendance SET method = 'qr' WHERE method = 'pass';
ALTER TABLE attendance DROP CONSTRAINT attendance_method_check;
ALTER TABLE attendance ADD CONSTRAINT attendance_method_check
    CHECK (method IN ('qr', 'manual', 'makeup', 'backfill'));
ALTER TABLE activities
    DROP CONSTRAINT activities_some_code,
    DROP COLUMN personal_code,
    DROP COLUMN projected_code;
