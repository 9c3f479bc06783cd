-- Hot issues (热点问题, issue 6): groups of similar demands of one category
-- from many enterprises in a short window, found by the detection run
-- (zhuqi_domain::hot_issues, docs/hot-issues.md) and decided by a
-- coordinator. The parameters live in `settings`: hot_issue_min_enterprises
-- (K, default 5), hot_issue_window_days (D, default 7),
-- hot_issue_min_similarity_pct (cosine threshold in hundredths, default 25),
-- hot_issue_min_significance_pct (-log10 of the chance of the peak at the
-- category's usual share, in hundredths, default 300).

CREATE TABLE hot_issues (
    id INTEGER PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES categories(code),
    status TEXT NOT NULL CHECK (status IN ('flagged', 'confirmed', 'merged', 'dismissed')),
    -- Shared key terms, space separated (for the list and the detail page).
    key_terms TEXT NOT NULL DEFAULT '',
    -- Span and size of the member demands, refreshed when members join.
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    demand_count INTEGER NOT NULL,
    enterprise_count INTEGER NOT NULL,
    district_count INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- The last decision: who, when, why; the lead demand of a merge.
    decided_by INTEGER REFERENCES users(id),
    decided_at INTEGER,
    decision_note TEXT NOT NULL DEFAULT '',
    lead_demand_id INTEGER REFERENCES demands(id)
);
CREATE INDEX hot_issues_status ON hot_issues(status, last_at);

-- Member demands; a demand belongs to at most one hot issue.
CREATE TABLE hot_issue_demands (
    hot_issue_id INTEGER NOT NULL REFERENCES hot_issues(id),
    demand_id INTEGER NOT NULL UNIQUE REFERENCES demands(id),
    district_id INTEGER NOT NULL REFERENCES regions(id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (hot_issue_id, demand_id)
);
CREATE INDEX hot_issue_demands_district ON hot_issue_demands(district_id, hot_issue_id);

-- What happened to each issue: flagged, extended, confirmed, merged,
-- dismissed (append-only).
CREATE TABLE hot_issue_events (
    id INTEGER PRIMARY KEY,
    hot_issue_id INTEGER NOT NULL REFERENCES hot_issues(id),
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hot_issue_events_issue ON hot_issue_events(hot_issue_id, id);
CREATE TRIGGER hot_issue_events_no_update BEFORE UPDATE ON hot_issue_events
BEGIN SELECT RAISE(ABORT, 'hot_issue_events is append-only'); END;
CREATE TRIGGER hot_issue_events_no_delete BEFORE DELETE ON hot_issue_events
BEGIN SELECT RAISE(ABORT, 'hot_issue_events is append-only'); END;
