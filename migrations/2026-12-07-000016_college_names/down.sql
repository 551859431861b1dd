ALTER TABLE organizations DROP COLUMN college_name;
