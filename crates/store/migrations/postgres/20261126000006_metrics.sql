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
    demand_id BIGINT PRIMARY KEY REFERENCES demands(id),
    day BIGINT NOT NULL,
    district_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    category_code TEXT NOT NULL,
    officer_id BIGINT NOT NULL,
    -- Working days from first dispatch to the first reply; -1 before it.
    reply_wd BIGINT NOT NULL DEFAULT -1,
    received BIGINT NOT NULL DEFAULT 0,
    st_submitted BIGINT NOT NULL DEFAULT 0,
    st_dispatched BIGINT NOT NULL DEFAULT 0,
    st_handling BIGINT NOT NULL DEFAULT 0,
    st_suspended BIGINT NOT NULL DEFAULT 0,
    st_under_review BIGINT NOT NULL DEFAULT 0,
    st_replied BIGINT NOT NULL DEFAULT 0,
    st_closed BIGINT NOT NULL DEFAULT 0,
    st_withdrawn BIGINT NOT NULL DEFAULT 0,
    st_rejected BIGINT NOT NULL DEFAULT 0,
    st_merged BIGINT NOT NULL DEFAULT 0,
    dispatched BIGINT NOT NULL DEFAULT 0,
    signed BIGINT NOT NULL DEFAULT 0,
    signed_on_time BIGINT NOT NULL DEFAULT 0,
    replied BIGINT NOT NULL DEFAULT 0,
    replied_on_time_dispatch BIGINT NOT NULL DEFAULT 0,
    replied_on_time_sign BIGINT NOT NULL DEFAULT 0,
    reply_wd_sum BIGINT NOT NULL DEFAULT 0,
    urged BIGINT NOT NULL DEFAULT 0,
    redone BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rated_5 BIGINT NOT NULL DEFAULT 0,
    rated_4 BIGINT NOT NULL DEFAULT 0,
    rated_3 BIGINT NOT NULL DEFAULT 0,
    rated_2 BIGINT NOT NULL DEFAULT 0,
    rated_1 BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- Sums per submission day, district, lead department (0 = not dispatched) and category.
CREATE TABLE metric_day (
    day BIGINT NOT NULL,
    district_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    category_code TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    st_submitted BIGINT NOT NULL DEFAULT 0,
    st_dispatched BIGINT NOT NULL DEFAULT 0,
    st_handling BIGINT NOT NULL DEFAULT 0,
    st_suspended BIGINT NOT NULL DEFAULT 0,
    st_under_review BIGINT NOT NULL DEFAULT 0,
    st_replied BIGINT NOT NULL DEFAULT 0,
    st_closed BIGINT NOT NULL DEFAULT 0,
    st_withdrawn BIGINT NOT NULL DEFAULT 0,
    st_rejected BIGINT NOT NULL DEFAULT 0,
    st_merged BIGINT NOT NULL DEFAULT 0,
    dispatched BIGINT NOT NULL DEFAULT 0,
    signed BIGINT NOT NULL DEFAULT 0,
    signed_on_time BIGINT NOT NULL DEFAULT 0,
    replied BIGINT NOT NULL DEFAULT 0,
    replied_on_time_dispatch BIGINT NOT NULL DEFAULT 0,
    replied_on_time_sign BIGINT NOT NULL DEFAULT 0,
    reply_wd_sum BIGINT NOT NULL DEFAULT 0,
    urged BIGINT NOT NULL DEFAULT 0,
    redone BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rated_5 BIGINT NOT NULL DEFAULT 0,
    rated_4 BIGINT NOT NULL DEFAULT 0,
    rated_3 BIGINT NOT NULL DEFAULT 0,
    rated_2 BIGINT NOT NULL DEFAULT 0,
    rated_1 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, district_id, department_id, category_code)
);
CREATE INDEX metric_day_dept ON metric_day(department_id, day);
CREATE INDEX metric_day_district ON metric_day(district_id, day);

-- Histogram of working days to the first reply (for the p90).
CREATE TABLE metric_reply_wd (
    day BIGINT NOT NULL,
    district_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    wd BIGINT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, district_id, department_id, wd)
);

-- Sums per submission day and raising officer (channel 服务员代报 only).
CREATE TABLE metric_officer_day (
    day BIGINT NOT NULL,
    officer_id BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    st_submitted BIGINT NOT NULL DEFAULT 0,
    st_dispatched BIGINT NOT NULL DEFAULT 0,
    st_handling BIGINT NOT NULL DEFAULT 0,
    st_suspended BIGINT NOT NULL DEFAULT 0,
    st_under_review BIGINT NOT NULL DEFAULT 0,
    st_replied BIGINT NOT NULL DEFAULT 0,
    st_closed BIGINT NOT NULL DEFAULT 0,
    st_withdrawn BIGINT NOT NULL DEFAULT 0,
    st_rejected BIGINT NOT NULL DEFAULT 0,
    st_merged BIGINT NOT NULL DEFAULT 0,
    dispatched BIGINT NOT NULL DEFAULT 0,
    signed BIGINT NOT NULL DEFAULT 0,
    signed_on_time BIGINT NOT NULL DEFAULT 0,
    replied BIGINT NOT NULL DEFAULT 0,
    replied_on_time_dispatch BIGINT NOT NULL DEFAULT 0,
    replied_on_time_sign BIGINT NOT NULL DEFAULT 0,
    reply_wd_sum BIGINT NOT NULL DEFAULT 0,
    urged BIGINT NOT NULL DEFAULT 0,
    redone BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rated_5 BIGINT NOT NULL DEFAULT 0,
    rated_4 BIGINT NOT NULL DEFAULT 0,
    rated_3 BIGINT NOT NULL DEFAULT 0,
    rated_2 BIGINT NOT NULL DEFAULT 0,
    rated_1 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (officer_id, day)
);

-- An enterprise user's rating of their enterprise's officer: at most one
-- per user per calendar quarter (China time), score 5 (非常满意) .. 1 (非常不满意).
CREATE TABLE officer_ratings (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    officer_id BIGINT NOT NULL REFERENCES users(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    quarter TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    UNIQUE (user_id, quarter)
);
CREATE INDEX officer_ratings_officer ON officer_ratings(officer_id, at);

-- "Red right now" and "overdue now" read the few open red demands by colour
-- (covering: the overdue count never touches the table).
CREATE INDEX demands_colour ON demands(colour, status, lead_department_id, district_id);
