-- The enterprise code (企业码): one current QR token per enterprise, the
-- one-time binding codes officers hand over, and the binding requests made
-- from the code's landing page. Rotating a code overwrites its token, so the
-- old token is gone at once (no list of revoked tokens is needed to refuse it).

CREATE TABLE enterprise_codes (
    enterprise_id INTEGER PRIMARY KEY REFERENCES enterprises(id),
    -- 128 random bits, hex; printed on posters, so kept as is (it is an
    -- unguessable address, not a password).
    token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    rotated_at INTEGER,
    rotated_by INTEGER REFERENCES users(id)
);

-- Short single-use codes an officer generates; only their SHA-256 is kept.
CREATE TABLE binding_codes (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    code_hash TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    used_by INTEGER REFERENCES users(id)
);
CREATE INDEX binding_codes_enterprise ON binding_codes(enterprise_id, code_hash);

-- Every binding: with a one-time code (method 'code', approved at once) or a
-- request waiting for the officer or district admin (method 'approval').
CREATE TABLE binding_requests (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    display_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- Argon2id of the password chosen at binding; cleared once decided.
    password_hash TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL CHECK (method IN ('code', 'approval')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES users(id),
    reason TEXT NOT NULL DEFAULT '',
    user_id INTEGER REFERENCES users(id)
);
CREATE INDEX binding_requests_enterprise ON binding_requests(enterprise_id, status);
CREATE INDEX users_phone ON users(phone);
