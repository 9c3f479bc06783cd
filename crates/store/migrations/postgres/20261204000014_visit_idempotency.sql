-- Idempotency keys of recorded visits (issue 13 item 5), like those of demands: written in the
-- same transaction as the visit, so a retry after a restart, from another session or racing
-- the first request finds the visit instead of recording a second one. body_hash is the
-- SHA-256 of the visit as first sent: the same key with another body is refused.
CREATE TABLE visit_idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    visit_id BIGINT NOT NULL REFERENCES visits(id),
    body_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
