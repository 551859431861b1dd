-- A batch's file (thousands of transcripts: tens of megabytes) is kept in parts of about a
-- megabyte instead of one bytea, so that storing and downloading it never holds the whole file
-- in a query's buffers (measured by `cargo xtask bench`: the API's peak memory).
CREATE TABLE print_job_parts (
    job_id uuid NOT NULL REFERENCES print_jobs (id) ON DELETE CASCADE,
    seq integer NOT NULL CHECK (seq >= 0),
    bytes bytea NOT NULL,
    PRIMARY KEY (job_id, seq)
);

ALTER TABLE print_jobs ADD COLUMN size_bytes bigint CHECK (size_bytes >= 0);

INSERT INTO print_job_parts (job_id, seq, bytes)
SELECT id, 0, output FROM print_jobs WHERE output IS NOT NULL;

UPDATE print_jobs SET size_bytes = length(output) WHERE output IS NOT NULL;

ALTER TABLE print_jobs DROP COLUMN output;
