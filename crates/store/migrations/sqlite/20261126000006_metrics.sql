-- Metrics (issue 6): department, district and officer figures from
-- aggregates kept current in the same transaction as the demand events that
-- change them (see docs/metrics.md).
--
-- metric_facts holds, per demand, the counter vector last added to the
-- aggregates and the key it was added under (submission day in China time as
-- YYYYMMDD, district, lead department or 0, category, raising officer or 0).
-- On each event the application subtracts the old vector under the old key
-- and adds the new one under the new key, so the aggregates always equal the
-- sum of the facts. Counter columns are the same in every table.

CREATE TABLE metric_facts (
    demand_id INTEGER PRIMARY KEY REFERENCES demands(id),
    day INTEGER NOT NULL,
    district_id INTEGER NOT NULL,
    department_id INTEGER NOT NULL,
    category_code TEXT NOT NULL,
    officer_id INTEGER NOT NULL,
    -- Working days from first dispatch to the first reply; -1 before it.
    reply_wd INTEGER NOT NULL DEFAULT -1,
    received INTEGER NOT NULL DEFAULT 0,
    st_submitted INTEGER NOT NULL DEFAULT 0,
    st_dispatched INTEGER NOT NULL DEFAULT 0,
    st_handling INTEGER NOT NULL DEFAULT 0,
    st_suspended INTEGER NOT NULL DEFAULT 0,
    st_under_review INTEGER NOT NULL DEFAULT 0,
    st_replied INTEGER NOT NULL DEFAULT 0,
    st_closed INTEGER NOT NULL DEFAULT 0,
    st_withdrawn INTEGER NOT NULL DEFAULT 0,
    st_rejected INTEGER NOT NULL DEFAULT 0,
    st_merged INTEGER NOT NULL DEFAULT 0,
    dispatched INTEGER NOT NULL DEFAULT 0,
    signed INTEGER NOT NULL DEFAULT 0,
    signed_on_time INTEGER NOT NULL DEFAULT 0,
    replied INTEGER NOT NULL DEFAULT 0,
    replied_on_time_dispatch INTEGER NOT NULL DEFAULT 0,
    replied_on_time_sign INTEGER NOT NULL DEFAULT 0,
    reply_wd_sum INTEGER NOT NULL DEFAULT 0,
    urged INTEGER NOT NULL DEFAULT 0,
    redone INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    rated_5 INTEGER NOT NULL DEFAULT 0,
    rated_4 INTEGER NOT NULL DEFAULT 0,
    rated_3 INTEGER NOT NULL DEFAULT 0,
    rated_2 INTEGER NOT NULL DEFAULT 0,
    rated_1 INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- Sums per submission day, district, lead department (0 = not dispatched) and
-- category; clustered by day (WITHOUT ROWID) so a period is one range scan.
CREATE TABLE metric_day (
    day INTEGER NOT NULL,
    district_id INTEGER NOT NULL,
    department_id INTEGER NOT NULL,
    category_code TEXT NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    st_submitted INTEGER NOT NULL DEFAULT 0,
    st_dispatched INTEGER NOT NULL DEFAULT 0,
    st_handling INTEGER NOT NULL DEFAULT 0,
    st_suspended INTEGER NOT NULL DEFAULT 0,
    st_under_review INTEGER NOT NULL DEFAULT 0,
    st_replied INTEGER NOT NULL DEFAULT 0,
    st_closed INTEGER NOT NULL DEFAULT 0,
    st_withdrawn INTEGER NOT NULL DEFAULT 0,
    st_rejected INTEGER NOT NULL DEFAULT 0,
    st_merged INTEGER NOT NULL DEFAULT 0,
    dispatched INTEGER NOT NULL DEFAULT 0,
    signed INTEGER NOT NULL DEFAULT 0,
    signed_on_time INTEGER NOT NULL DEFAULT 0,
    replied INTEGER NOT NULL DEFAULT 0,
    replied_on_time_dispatch INTEGER NOT NULL DEFAULT 0,
    replied_on_time_sign INTEGER NOT NULL DEFAULT 0,
    reply_wd_sum INTEGER NOT NULL DEFAULT 0,
    urged INTEGER NOT NULL DEFAULT 0,
    redone INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    rated_5 INTEGER NOT NULL DEFAULT 0,
    rated_4 INTEGER NOT NULL DEFAULT 0,
    rated_3 INTEGER NOT NULL DEFAULT 0,
    rated_2 INTEGER NOT NULL DEFAULT 0,
    rated_1 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, district_id, department_id, category_code)
) WITHOUT ROWID;
CREATE INDEX metric_day_dept ON metric_day(department_id, day);
CREATE INDEX metric_day_district ON metric_day(district_id, day);

-- Histogram of working days to the first reply (for the p90).
CREATE TABLE metric_reply_wd (
    day INTEGER NOT NULL,
    district_id INTEGER NOT NULL,
    department_id INTEGER NOT NULL,
    wd INTEGER NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, district_id, department_id, wd)
) WITHOUT ROWID;

-- Sums per submission day and raising officer (channel 服务员代报 only).
CREATE TABLE metric_officer_day (
    day INTEGER NOT NULL,
    officer_id INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    st_submitted INTEGER NOT NULL DEFAULT 0,
    st_dispatched INTEGER NOT NULL DEFAULT 0,
    st_handling INTEGER NOT NULL DEFAULT 0,
    st_suspended INTEGER NOT NULL DEFAULT 0,
    st_under_review INTEGER NOT NULL DEFAULT 0,
    st_replied INTEGER NOT NULL DEFAULT 0,
    st_closed INTEGER NOT NULL DEFAULT 0,
    st_withdrawn INTEGER NOT NULL DEFAULT 0,
    st_rejected INTEGER NOT NULL DEFAULT 0,
    st_merged INTEGER NOT NULL DEFAULT 0,
    dispatched INTEGER NOT NULL DEFAULT 0,
    signed INTEGER NOT NULL DEFAULT 0,
    signed_on_time INTEGER NOT NULL DEFAULT 0,
    replied INTEGER NOT NULL DEFAULT 0,
    replied_on_time_dispatch INTEGER NOT NULL DEFAULT 0,
    replied_on_time_sign INTEGER NOT NULL DEFAULT 0,
    reply_wd_sum INTEGER NOT NULL DEFAULT 0,
    urged INTEGER NOT NULL DEFAULT 0,
    redone INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    rated_5 INTEGER NOT NULL DEFAULT 0,
    rated_4 INTEGER NOT NULL DEFAULT 0,
    rated_3 INTEGER NOT NULL DEFAULT 0,
    rated_2 INTEGER NOT NULL DEFAULT 0,
    rated_1 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (officer_id, day)
) WITHOUT ROWID;

-- An enterprise user's rating of their enterprise's officer: at most one
-- per user per calendar quarter (China time), score 5 (非常满意) .. 1 (非常不满意).
CREATE TABLE officer_ratings (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    officer_id INTEGER NOT NULL REFERENCES users(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    quarter TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    UNIQUE (user_id, quarter)
);
CREATE INDEX officer_ratings_officer ON officer_ratings(officer_id, at);

-- "Red right now" and "overdue now" read the few open red demands by colour
-- (covering: the overdue count never touches the table).
CREATE INDEX demands_colour ON demands(colour, status, lead_department_id, district_id);
