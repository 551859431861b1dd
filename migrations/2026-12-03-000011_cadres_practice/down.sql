UPDATE point_facts SET kind = jsonb_set(kind, '{grade}', '"basically_competent"')
    WHERE kind ->> 'grade' = 'fair';
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_check
    CHECK (source IN ('activity', 'makeup', 'backfill', 'cadre', 'practice', 'manual')) NOT VALID;
DELETE FROM imports WHERE kind = 'positions';
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind IN ('students', 'staff'));
DROP TABLE rule_reevaluations;
DROP TABLE practice_members;
DROP TABLE practice_records;
DROP TABLE stored_files;
DROP TABLE cadre_assessments;
DROP TABLE assessment_rounds;
DROP TABLE cadre_positions;
DROP TABLE assessment_standards;
DROP TRIGGER school_cadre_defaults ON school;
DROP FUNCTION school_cadre_defaults();
DROP FUNCTION cadre_defaults(smallint);
DROP TABLE position_types;
