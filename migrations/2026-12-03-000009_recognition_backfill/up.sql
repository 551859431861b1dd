-- Late, ended-term and non-participant recognitions are back-fills (补录) the level above approves.

-- Why a student who neither signed up nor checked in is recognised all the same.
ALTER TABLE results ADD COLUMN backfill_reason text
    CHECK (length(btrim(backfill_reason)) BETWEEN 1 AND 500);

-- A finalisation that is a back-fill, asked by the organiser, decided by the level above. At
-- most one pending per activity.
CREATE TABLE recognition_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    grounds text[] NOT NULL CHECK (cardinality(grounds) >= 1
        AND grounds <@ ARRAY['late', 'ended_term', 'non_participants']),
    reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    approver_org_id bigint NOT NULL REFERENCES organizations (id),
    requested_by bigint NOT NULL REFERENCES accounts (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by bigint REFERENCES accounts (id),
    decided_at timestamptz,
    decision_reason text CHECK (length(decision_reason) <= 500),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX recognition_requests_one_pending ON recognition_requests (activity_id)
    WHERE status = 'pending';
CREATE INDEX recognition_requests_approver ON recognition_requests (approver_org_id, status);
