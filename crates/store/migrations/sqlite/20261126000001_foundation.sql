-- Foundation: regions, departments, enterprises, users, assignments, sessions, audit log.
-- Instants are INTEGER milliseconds since the Unix epoch (UTC); flags are 0/1.

CREATE TABLE regions (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES regions(id),
    level TEXT NOT NULL CHECK (level IN ('city', 'district', 'township')),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regions_parent ON regions(parent_id, sort_order);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    parent_unit TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE enterprises (
    id INTEGER PRIMARY KEY,
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    district_id INTEGER NOT NULL REFERENCES regions(id),
    township_id INTEGER REFERENCES regions(id),
    industry_code TEXT NOT NULL,
    size TEXT NOT NULL CHECK (size IN ('above', 'below')),
    address TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX enterprises_district ON enterprises(district_id, id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('city_admin', 'district_admin', 'coordinator', 'dept_handler', 'dept_head', 'officer', 'enterprise_user', 'auditor')),
    district_id INTEGER REFERENCES regions(id),
    department_id INTEGER REFERENCES departments(id),
    enterprise_id INTEGER REFERENCES enterprises(id),
    phone TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_role ON users(role, district_id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    officer_id INTEGER NOT NULL REFERENCES users(id),
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    assigned_by INTEGER REFERENCES users(id),
    reason TEXT NOT NULL DEFAULT ''
);
-- At most one current officer per enterprise; history rows keep valid_to.
CREATE UNIQUE INDEX assignments_current ON assignments(enterprise_id) WHERE valid_to IS NULL;
CREATE INDEX assignments_officer ON assignments(officer_id, valid_to);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
