-- Batch prints as a job queue shared by every API process: a process claims a queued job
-- (`FOR UPDATE SKIP LOCKED`), keeps a heartbeat while it runs, and only the holder of the
-- current claim may finish it. A job whose heartbeat stops (its process died) is claimed again
-- by another, as a new attempt whose file parts are kept apart from the dead attempt's.
-- Finished files are dropped after a retention period (status 'expired').
ALTER TABLE print_jobs DROP CONSTRAINT print_jobs_status_check;
ALTER TABLE print_jobs ADD CONSTRAINT print_jobs_status_check
    CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired'));
ALTER TABLE print_jobs
    ADD COLUMN claim uuid,
    ADD COLUMN claimed_by text,
    ADD COLUMN heartbeat_at timestamptz,
    ADD COLUMN started_at timestamptz,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0);
-- What the workers look at: the waiting and the running, oldest first.
CREATE INDEX print_jobs_unfinished ON print_jobs (created_at) WHERE status IN ('queued', 'running');
-- What the retention sweep looks at.
CREATE INDEX print_jobs_finished ON print_jobs (finished_at) WHERE status IN ('done', 'failed');

ALTER TABLE print_job_parts ADD COLUMN attempt integer NOT NULL DEFAULT 1;
UPDATE print_jobs SET attempts = 1 WHERE status <> 'queued';
ALTER TABLE print_job_parts DROP CONSTRAINT print_job_parts_pkey;
ALTER TABLE print_job_parts ADD PRIMARY KEY (job_id, attempt, seq);
ALTER TABLE print_job_parts ALTER COLUMN attempt DROP DEFAULT;
