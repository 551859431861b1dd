-- The no-show record (诚信记录), watched activities and reminders that are sent once.

-- Until how many hours before the start a student may cancel without it counting as a no-show.
ALTER TABLE activities
    ADD COLUMN cancel_cutoff_hours smallint NOT NULL DEFAULT 24
        CHECK (cancel_cutoff_hours BETWEEN 0 AND 720);

-- When a sign-up was cancelled (late cancellations count as no-shows), and an absence the
-- organiser approved (准假: never a no-show).
ALTER TABLE registrations
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN excused_at timestamptz,
    ADD COLUMN excused_by bigint REFERENCES accounts (id),
    ADD COLUMN excuse text CHECK (char_length(excuse) <= 200),
    ADD CONSTRAINT registrations_excuse_whole
        CHECK ((excused_at IS NULL) = (excused_by IS NULL) AND (excused_at IS NULL) = (excuse IS NULL));
UPDATE registrations SET cancelled_at = coalesce(decided_at, registered_at) WHERE status = 'cancelled';

-- What no-shows cost, per school: from `no_show_threshold` no-shows in a term (0: never),
-- first-come sign-up is refused for `no_show_block_days` after the latest; lotteries draw such
-- students after the others when `no_show_lottery_last`.
ALTER TABLE checkin_policies
    ADD COLUMN no_show_threshold integer NOT NULL DEFAULT 3 CHECK (no_show_threshold BETWEEN 0 AND 50),
    ADD COLUMN no_show_block_days integer NOT NULL DEFAULT 14 CHECK (no_show_block_days BETWEEN 1 AND 180),
    ADD COLUMN no_show_lottery_last boolean NOT NULL DEFAULT true;

-- The day of a term on which students behind the requirement are told (default: its middle).
ALTER TABLE terms ADD COLUMN midterm_on date CHECK (midterm_on BETWEEN starts_on AND ends_on);

-- Activities a student watches (关注): told when registration is about to close.
CREATE TABLE activity_watches (
    activity_id bigint NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    student_id bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, student_id)
);
CREATE INDEX activity_watches_student ON activity_watches (student_id);

-- A scheduled reminder is sent once per account and subject, whichever process sends it.
ALTER TABLE notifications ADD COLUMN dedupe_key text;
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL;

-- Work done once for the whole school (the mid-term sweep of a term), claimed by one process.
CREATE TABLE reminder_sweeps (
    key text PRIMARY KEY,
    done_at timestamptz NOT NULL DEFAULT now()
);
