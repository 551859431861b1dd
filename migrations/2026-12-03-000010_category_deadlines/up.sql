-- Each category's recognition deadline, in working days after the activity's end: fixed at 10
-- for competitions and volunteer service by the founding notice, set by the school for the
-- others (NULL: no deadline).
ALTER TABLE activity_categories ADD COLUMN recognition_working_days smallint
    CHECK (recognition_working_days BETWEEN 1 AND 60);
UPDATE activity_categories SET recognition_working_days = 10
    WHERE code IN ('competition', 'volunteer');
