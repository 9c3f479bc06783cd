-- Visits (走访): what officers record at enterprises, every earlier version
-- of an edited visit (append-only), the demands a visit's needs became,
-- door-knock campaigns (敲门走访) and the monthly reminders already sent.
-- The visit rule lives in `settings`: visit_min_per_month (city),
-- visit_min_per_month:<district_id> (override), visit_on_site_only ("0"/"1"),
-- visit_reminder_day (day of the month, default 20).

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    officer_id INTEGER NOT NULL REFERENCES users(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    -- The enterprise's district, denormalised for reports.
    district_id INTEGER NOT NULL REFERENCES regions(id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    -- 'YYYY-MM' of started_at in China time (+08:00), computed by the application.
    month TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('on_site', 'phone', 'video')),
    -- Comma list of the five roles: confidence, policy, investment, difficulty, epidemic.
    roles TEXT NOT NULL,
    policy TEXT NOT NULL DEFAULT '',
    needs TEXT NOT NULL DEFAULT '',
    production_status TEXT CHECK (production_status IN ('normal', 'partial', 'suspended')),
    staff_situation TEXT NOT NULL DEFAULT '',
    guidance TEXT NOT NULL DEFAULT '',
    investment_leads TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    -- Location from the browser, all absent without one: micro-degrees (WGS 84)
    -- and the accuracy in centimetres, integers so that both engines carry them
    -- alike (sqlx's Any driver binds a NULL float as FLOAT4 on PostgreSQL).
    lat_e6 INTEGER,
    lon_e6 INTEGER,
    accuracy_cm INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX visits_enterprise_month ON visits(enterprise_id, month);
CREATE INDEX visits_officer_month ON visits(officer_id, month);
CREATE INDEX visits_district_month ON visits(district_id, month);
CREATE INDEX visits_started ON visits(started_at);

-- Every edit keeps the version it replaced, as JSON.
CREATE TABLE visit_edits (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    version INTEGER NOT NULL,
    edited_at INTEGER NOT NULL,
    editor_id INTEGER NOT NULL REFERENCES users(id),
    before TEXT NOT NULL,
    UNIQUE (visit_id, version)
);
CREATE TRIGGER visit_edits_no_update BEFORE UPDATE ON visit_edits
BEGIN SELECT RAISE(ABORT, 'visit_edits is append-only'); END;
CREATE TRIGGER visit_edits_no_delete BEFORE DELETE ON visit_edits
BEGIN SELECT RAISE(ABORT, 'visit_edits is append-only'); END;

-- Needs found on a visit that became demands (readable both ways).
CREATE TABLE visit_demands (
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    demand_id INTEGER NOT NULL REFERENCES demands(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (visit_id, demand_id)
);
CREATE INDEX visit_demands_demand ON visit_demands(demand_id, visit_id);

-- Door-knock campaigns: within [starts_on, ends_on] (China dates,
-- 'YYYY-MM-DD') every enterprise in scope needs one on-site visit.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    -- NULL: the whole city.
    district_id INTEGER REFERENCES regions(id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    CHECK (starts_on <= ends_on)
);

-- Monthly reminders sent to officers behind on the rule: at most one per officer per month.
CREATE TABLE visit_reminders (
    officer_id INTEGER NOT NULL REFERENCES users(id),
    month TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (officer_id, month)
);
