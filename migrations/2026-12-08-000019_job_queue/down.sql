DELETE FROM print_job_parts p USING print_jobs j WHERE p.job_id = j.id AND p.attempt <> j.attempts;
ALTER TABLE print_job_parts DROP CONSTRAINT print_job_parts_pkey;
ALTER TABLE print_job_parts DROP COLUMN attempt;
ALTER TABLE print_job_parts ADD PRIMARY KEY (job_id, seq);
DROP INDEX print_jobs_finished;
DROP INDEX print_jobs_unfinished;
UPDATE print_jobs SET status = 'failed', error = 'the file was dropped after the retention period'
    WHERE status = 'expired';
ALTER TABLE print_jobs DROP COLUMN claim, DROP COLUMN claimed_by, DROP COLUMN heartbeat_at,
    DROP COLUMN started_at, DROP COLUMN attempts;
ALTER TABLE print_jobs DROP CONSTRAINT print_jobs_status_check;
ALTER TABLE print_jobs ADD CONSTRAINT print_jobs_status_check
    CHECK (status IN ('queued', 'running', 'done', 'failed'));
