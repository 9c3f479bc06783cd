-- Demands (诉求): the projection row, its append-only event log, the
-- departments it is routed to, idempotency keys, notifications and the
-- sweeper's record of escalations already raised.

CREATE TABLE demands (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    district_id INTEGER NOT NULL REFERENCES regions(id),
    category_code TEXT NOT NULL REFERENCES categories(code),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    urgency TEXT NOT NULL,
    confidential INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    lead_department_id INTEGER REFERENCES departments(id),
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    submitted_at INTEGER NOT NULL,
    active_deadline INTEGER,
    closed_at INTEGER,
    rating TEXT,
    redo_count INTEGER NOT NULL DEFAULT 0,
    colour TEXT NOT NULL DEFAULT 'none',
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX demands_status ON demands(status, district_id);
CREATE INDEX demands_lead ON demands(lead_department_id, status, active_deadline);
CREATE INDEX demands_enterprise ON demands(enterprise_id, submitted_at);
CREATE INDEX demands_submitted ON demands(submitted_at);

CREATE TABLE demand_departments (
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    role TEXT NOT NULL CHECK (role IN ('lead', 'assist')),
    PRIMARY KEY (demand_id, department_id)
);
CREATE INDEX demand_departments_dept ON demand_departments(department_id, demand_id);

CREATE TABLE demand_events (
    id INTEGER PRIMARY KEY,
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (demand_id, seq)
);
CREATE TRIGGER demand_events_no_update BEFORE UPDATE ON demand_events
BEGIN SELECT RAISE(ABORT, 'demand_events is append-only'); END;
CREATE TRIGGER demand_events_no_delete BEFORE DELETE ON demand_events
BEGIN SELECT RAISE(ABORT, 'demand_events is append-only'); END;

CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    demand_id INTEGER REFERENCES demands(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);

CREATE TABLE escalations (
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    level TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    raised_at INTEGER NOT NULL,
    PRIMARY KEY (demand_id, level, deadline)
);

-- Full-text search over the segmented title and description (jieba words
-- joined by spaces), kept in step by the application in the same transaction.
CREATE VIRTUAL TABLE demands_fts USING fts5(search_text, content='', tokenize='unicode61');
