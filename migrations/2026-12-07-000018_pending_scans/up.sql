-- A scan made signed out: the scan page records the projected code it opened, while the code is
-- valid, and gets back an unguessable token for this browser (kept in the tab's session
-- storage). After signing in, the page redeems it once, within 3 minutes, from the same phone:
-- the check-in counts the code as scanned at `scanned_at`. Only the token's hash is stored.
CREATE TABLE pending_scans (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    activity_id bigint NOT NULL REFERENCES activities (id),
    -- The projected code as scanned.
    code text NOT NULL CHECK (length(code) <= 200),
    -- The phone's hash, as attendance keeps it.
    device_id text NOT NULL,
    client_ip text NOT NULL,
    scanned_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    redeemed_at timestamptz,
    redeemed_by bigint REFERENCES accounts (id),
    CHECK ((redeemed_at IS NULL) = (redeemed_by IS NULL))
);
-- The per-address rate limit counts the last minute's.
CREATE INDEX pending_scans_client ON pending_scans (client_ip, scanned_at);
