DROP TABLE reminder_sweeps;
DROP INDEX notifications_once;
ALTER TABLE notifications DROP COLUMN dedupe_key;
DROP TABLE activity_watches;
ALTER TABLE terms DROP COLUMN midterm_on;
ALTER TABLE checkin_policies
    DROP COLUMN no_show_threshold,
    DROP COLUMN no_show_block_days,
    DROP COLUMN no_show_lottery_last;
ALTER TABLE registrations
    DROP CONSTRAINT registrations_excuse_whole,
    DROP COLUMN cancelled_at,
    DROP COLUMN excused_at,
    DROP COLUMN excused_by,
    DROP COLUMN excuse;
ALTER TABLE activities DROP COLUMN cancel_cutoff_hours;
