-- Names as printed. A student belongs to their college's league committee (计算机学院团委), but
-- transcripts, lists and the leaderboard print the college itself (计算机学院): the committee's
-- name without its 团委 (or 团总支). Derived, so a renamed committee renames its college.
-- (Categories already carry `name_en`; terms' English names are derived from their codes.)
ALTER TABLE organizations ADD COLUMN college_name text NOT NULL GENERATED ALWAYS AS (
    coalesce(nullif(btrim(regexp_replace(btrim(name), '(团委|团总支)$', '')), ''), btrim(name))
) STORED;
