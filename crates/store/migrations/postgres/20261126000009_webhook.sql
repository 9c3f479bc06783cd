-- The webhook channel: every notification is also delivered to the
-- configured webhook (at least once, in id order, signed). The
-- notifications table is the outbox: a row is pending until the receiver
-- answered 2xx (webhook_sent_at) or the attempts ran out.

ALTER TABLE notifications ADD COLUMN webhook_sent_at BIGINT;
ALTER TABLE notifications ADD COLUMN webhook_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notifications_webhook_pending ON notifications(id) WHERE webhook_sent_at IS NULL;
