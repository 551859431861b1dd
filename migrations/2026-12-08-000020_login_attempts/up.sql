-- Sign-in tries, shared by every API process (the throttle in `api/src/auth/throttle.rs`): a
-- row is written before the password is checked and deleted when it was right, so what stays
-- are failures. Rows older than an hour are swept.
CREATE TABLE login_attempts (
    id bigserial PRIMARY KEY,
    -- The account name as typed, lower-cased (it need not exist).
    username text NOT NULL,
    client text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_username ON login_attempts (username, at DESC);
CREATE INDEX login_attempts_client ON login_attempts (client, at DESC);
