DROP TABLE results;
DROP TABLE attendance_requests;
DROP TABLE attendance_attempts;
DROP TABLE attendance;
ALTER TABLE activities
    DROP COLUMN checkin_opens_at, DROP COLUMN checkin_closes_at, DROP COLUMN checkout_enabled,
    DROP COLUMN checkin_latitude, DROP COLUMN checkin_longitude, DROP COLUMN checkin_radius_m,
    DROP COLUMN recognized_at, DROP COLUMN recognized_by;
ALTER TABLE calendar_days DROP COLUMN updated_by;
