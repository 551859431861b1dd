DROP TABLE recognition_requests;
ALTER TABLE results DROP COLUMN backfill_reason;
