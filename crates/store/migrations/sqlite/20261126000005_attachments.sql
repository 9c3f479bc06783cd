-- Attachments (附件) of demands and, later, visits. The bytes are
-- content-addressed by SHA-256: in SQLite mode they live as files in a
-- directory next to the database (`<db>.files/`, see the app's
-- attachments module); `attachment_blobs` holds them when the deployment
-- keeps them in the database instead (in-memory databases, or PostgreSQL).

CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    demand_id INTEGER REFERENCES demands(id),
    -- No foreign key yet: the visits table arrives in a later migration.
    visit_id INTEGER,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX attachments_demand ON attachments(demand_id, id);
CREATE INDEX attachments_visit ON attachments(visit_id, id);
CREATE INDEX attachments_sha256 ON attachments(sha256);
