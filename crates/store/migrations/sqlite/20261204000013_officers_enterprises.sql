-- Issue 12 items 4 and 5: officers come and go, enterprises change.
--
-- Deregistration (注销 'cancelled' / 迁出 'moved_out'): deregistered_at is the
-- start (00:00 China time, ms) of the date given, deregistered_on that date
-- as written (YYYY-MM-DD). A deregistered enterprise keeps its row, its
-- history and its demands; it leaves the registry's counts from that date.
ALTER TABLE enterprises ADD COLUMN deregistered_at INTEGER;
ALTER TABLE enterprises ADD COLUMN deregistered_on TEXT;
ALTER TABLE enterprises ADD COLUMN deregister_kind TEXT CHECK (deregister_kind IN ('cancelled', 'moved_out'));
ALTER TABLE enterprises ADD COLUMN deregister_reason TEXT NOT NULL DEFAULT '';

-- Every change of an enterprise record, one row per changed field (the
-- deregistration is the field 'deregistered'). Values as text, '' for none.
CREATE TABLE enterprise_changes (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    changed_at INTEGER NOT NULL,
    changed_by INTEGER REFERENCES users(id),
    field TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX enterprise_changes_enterprise ON enterprise_changes(enterprise_id, id);

-- Officer transfers (another district and/or home unit 派出单位).
CREATE TABLE officer_transfers (
    id INTEGER PRIMARY KEY,
    officer_id INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL,
    by_user_id INTEGER REFERENCES users(id),
    from_district_id INTEGER REFERENCES regions(id),
    to_district_id INTEGER REFERENCES regions(id),
    from_department_id INTEGER REFERENCES departments(id),
    to_department_id INTEGER REFERENCES departments(id),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX officer_transfers_officer ON officer_transfers(officer_id, id);
