DROP INDEX activities_organizer_starts;
DROP INDEX ledger_entries_org_day;
DROP TABLE scheduled_runs;
DROP TABLE school_reports;
DROP TABLE monthly_reports;
ALTER TABLE organizations DROP COLUMN contact_email;
