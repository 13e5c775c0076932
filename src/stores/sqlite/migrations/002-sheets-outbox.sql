-- Cycles waiting to be delivered to the Google Sheet, oldest first (idempotent by cycle time).
CREATE TABLE IF NOT EXISTS sheets_outbox (
  cycle_at INTEGER PRIMARY KEY,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  enqueued_at INTEGER NOT NULL
);
