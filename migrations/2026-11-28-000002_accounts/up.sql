-- Organisations, accounts, sessions, people and the audit log.

-- The organisation tree. `path` holds the ids from the root down to the organisation itself,
-- so "is X in my subtree" is `X.path @> ARRAY[my_id]`, one GIN-indexed predicate.
CREATE TABLE organizations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id bigint REFERENCES organizations (id),
    path bigint[] NOT NULL,
    kind text NOT NULL CHECK (kind IN ('school', 'college', 'school_org', 'club')),
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_-]{2,32}$'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint,
    CHECK ((kind = 'school') = (parent_id IS NULL)),
    CHECK (path[array_length(path, 1)] = id)
);
CREATE UNIQUE INDEX organizations_one_root ON organizations ((true)) WHERE parent_id IS NULL;
CREATE INDEX organizations_path ON organizations USING gin (path);
CREATE INDEX organizations_parent ON organizations (parent_id);

-- The path is derived from the parent's: set it as the row is inserted (the id is known by then).
CREATE FUNCTION organizations_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := ARRAY[NEW.id];
    ELSE
        SELECT path || NEW.id INTO NEW.path FROM organizations WHERE id = NEW.parent_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER organizations_set_path BEFORE INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION organizations_set_path();

-- Every signer-in: students, staff and organisation accounts (main and sub).
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@-]{3,64}$'),
    display_name text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    password_hash text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('student', 'staff', 'organization')),
    -- A student's college, a staff member's organisation, an organisation account's organisation.
    organization_id bigint NOT NULL REFERENCES organizations (id),
    is_main boolean NOT NULL DEFAULT false,
    permissions text[] NOT NULL DEFAULT '{}',
    active boolean NOT NULL DEFAULT true,
    must_change_password boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES accounts (id),
    CHECK (NOT is_main OR kind = 'organization')
);
CREATE UNIQUE INDEX accounts_username ON accounts (lower(username));
CREATE UNIQUE INDEX accounts_one_main ON accounts (organization_id) WHERE is_main;
CREATE INDEX accounts_organization ON accounts (organization_id, kind);

ALTER TABLE organizations
    ADD FOREIGN KEY (created_by) REFERENCES accounts (id),
    ADD FOREIGN KEY (updated_by) REFERENCES accounts (id);

-- A sign-in: the family of its rotating refresh tokens. Ending it ends its access tokens too.
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    end_reason text,
    user_agent text,
    client_ip text
);
CREATE INDEX sessions_account ON sessions (account_id) WHERE ended_at IS NULL;

-- Refresh tokens, stored as SHA-256 hashes. A token used twice ends its whole session.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id),
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE students (
    account_id bigint PRIMARY KEY REFERENCES accounts (id),
    major text NOT NULL CHECK (length(btrim(major)) BETWEEN 1 AND 50),
    class_name text NOT NULL CHECK (length(btrim(class_name)) BETWEEN 1 AND 50),
    enrolment_year integer NOT NULL CHECK (enrolment_year BETWEEN 1990 AND 2100),
    degree text NOT NULL CHECK (degree IN ('undergraduate', 'graduate')),
    phone text CHECK (phone ~ '^1[3-9][0-9]{9}$')
);
CREATE INDEX students_year ON students (enrolment_year);

CREATE TABLE staff (
    account_id bigint PRIMARY KEY REFERENCES accounts (id),
    title text CHECK (length(btrim(title)) BETWEEN 1 AND 50),
    phone text CHECK (phone ~ '^1[3-9][0-9]{9}$')
);

-- A bulk import between its preview and its confirmation.
CREATE TABLE imports (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('students', 'staff')),
    file_name text NOT NULL,
    -- The importing account's organisation: rows may only land inside its subtree.
    organization_id bigint NOT NULL REFERENCES organizations (id),
    created_by bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    rows jsonb NOT NULL,
    confirmed_at timestamptz,
    confirmed_by bigint REFERENCES accounts (id)
);

-- Who did what (谁发布，谁登记，谁审核，谁负责). Written in the same transaction as the change.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id bigint REFERENCES accounts (id),
    organization_id bigint REFERENCES organizations (id),
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_organization ON audit_log (organization_id, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id DESC);

-- Append-only, enforced by the database itself.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
