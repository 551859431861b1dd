DROP INDEX attendance_attempts_student;
ALTER TABLE attendance_attempts
    DROP CONSTRAINT attendance_attempts_outcome,
    DROP COLUMN code_from;
UPDATE attendance_attempts SET outcome = 'device_already_used' WHERE outcome = 'device_used';
ALTER TABLE attendance DROP COLUMN code_from;
-- The hashes of phones cannot be reversed: they stay hashes.
DROP TABLE checkin_policies;
ALTER TABLE activities DROP COLUMN checkin_step_secs, DROP COLUMN checkin_grace_secs;
