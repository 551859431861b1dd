ALTER TABLE print_jobs ADD COLUMN output bytea;

UPDATE print_jobs j
SET output = (SELECT string_agg(p.bytes, ''::bytea ORDER BY p.seq)
              FROM print_job_parts p WHERE p.job_id = j.id)
WHERE j.size_bytes IS NOT NULL;

ALTER TABLE print_jobs DROP COLUMN size_bytes;

DROP TABLE print_job_parts;
