-- Dispatch catalogue (派单目录): categories with stable codes (2-digit major,
-- 4-digit minor, in the spirit of GB/T 39666), the lead department per
-- category city-wide and per district, time-limit policies with history,
-- settings, and the working-day calendar's local adjustments.
-- Instants are INTEGER milliseconds since the Unix epoch (UTC); flags are 0/1.

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES categories(code),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    -- Plain words an enterprise understands.
    plain TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX categories_parent ON categories(parent_code, sort_order);

CREATE TABLE dispatch_routes (
    id INTEGER PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES categories(code),
    -- NULL: the city-wide default; otherwise an override for one district.
    district_id INTEGER REFERENCES regions(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
-- One city-wide default and at most one override per district, per category.
CREATE UNIQUE INDEX dispatch_routes_city ON dispatch_routes(category_code) WHERE district_id IS NULL;
CREATE UNIQUE INDEX dispatch_routes_district ON dispatch_routes(category_code, district_id) WHERE district_id IS NOT NULL;

-- Time-limit policy history: a change inserts a row; the row with the
-- greatest valid_from <= now applies; no row means the 1/3/5/5 default.
CREATE TABLE time_limits (
    id INTEGER PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES categories(code),
    sign_days INTEGER NOT NULL,
    reply_days INTEGER NOT NULL,
    close_days INTEGER NOT NULL,
    auto_close_days INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    changed_by INTEGER REFERENCES users(id),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX time_limits_current ON time_limits(category_code, valid_from);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Local adjustments of the working-day calendar; each replaces the bundled
-- official entry for its date.
CREATE TABLE calendar_days (
    date TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL,
    changed_by INTEGER REFERENCES users(id),
    changed_at INTEGER NOT NULL
);

-- Years an admin entered as complete official data (beyond the bundled ones).
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    entered_by INTEGER REFERENCES users(id),
    entered_at INTEGER NOT NULL
);
