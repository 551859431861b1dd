-- E-certificates (电子证书): seals and templates an organisation designs, and the certificates
-- issued with them under unguessable serials. Each certificate keeps exactly what it printed
-- (`document`), so a later change of its template changes nothing issued.

CREATE TABLE certificate_seals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id smallint NOT NULL REFERENCES school (id) ON DELETE CASCADE,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/svg+xml')),
    -- A PNG as uploaded, or an SVG as usvg rewrote it (no scripts, no outside references).
    data bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 524288),
    width integer NOT NULL CHECK (width BETWEEN 1 AND 4096),
    height integer NOT NULL CHECK (height BETWEEN 1 AND 4096),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES accounts (id)
);
CREATE INDEX certificate_seals_org ON certificate_seals (organization_id);

CREATE TABLE certificate_templates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id smallint NOT NULL REFERENCES school (id) ON DELETE CASCADE,
    organization_id bigint NOT NULL REFERENCES organizations (id),
    kind text NOT NULL CHECK (kind IN ('award', 'volunteer', 'appointment', 'honour')),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 40),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 20),
    body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 300),
    issuer_name text NOT NULL CHECK (length(btrim(issuer_name)) BETWEEN 1 AND 40),
    orientation text NOT NULL CHECK (orientation IN ('landscape', 'portrait')),
    background text NOT NULL CHECK (background IN ('classic', 'gold', 'blue', 'plain')),
    seal_id bigint REFERENCES certificate_seals (id),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NOT NULL REFERENCES accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint NOT NULL REFERENCES accounts (id)
);
CREATE INDEX certificate_templates_org ON certificate_templates (organization_id, kind);

CREATE TABLE certificates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id smallint NOT NULL REFERENCES school (id) ON DELETE CASCADE,
    serial text NOT NULL UNIQUE CHECK (serial ~ '^SCC-[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$'),
    kind text NOT NULL CHECK (kind IN ('award', 'volunteer', 'appointment', 'honour')),
    template_id bigint NOT NULL REFERENCES certificate_templates (id),
    -- The issuer: the template's organisation.
    organization_id bigint NOT NULL REFERENCES organizations (id),
    student_id bigint NOT NULL REFERENCES accounts (id),
    -- What it attests, so that one thing is attested once: result:<id>, position:<id>,
    -- volunteer:<org>:<from>:<to>, honour:<org>:<term>:<honour>.
    source_key text NOT NULL,
    summary text NOT NULL,
    document jsonb NOT NULL,
    seal_id bigint REFERENCES certificate_seals (id),
    batch_id uuid NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    issued_by bigint NOT NULL REFERENCES accounts (id),
    revoked_at timestamptz,
    revoked_by bigint REFERENCES accounts (id),
    revoke_reason text CHECK (length(revoke_reason) <= 500),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX certificates_once ON certificates (student_id, kind, source_key)
    WHERE revoked_at IS NULL;
CREATE INDEX certificates_student ON certificates (student_id, issued_at DESC);
CREATE INDEX certificates_org ON certificates (organization_id, issued_at DESC);
CREATE INDEX certificates_batch ON certificates (batch_id);
