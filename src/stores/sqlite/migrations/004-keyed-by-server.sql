-- Several Plex servers in one Marquee (issue 20): the latest snapshot, the graph series and the
-- Sheets outbox are keyed by server id. What a one-server Marquee stored is the data of its one
-- server, 'default' (ONLY_SERVER_ID in src/snapshot/server-key.ts), which is also the column's
-- default, so a hand-written INSERT without `server` still lands on it.
-- SQLite cannot change a primary key in place: each table is renamed, rebuilt and refilled, all
-- inside the migration's one transaction (migrate.ts), so a crash leaves the version 3 tables.
-- `server` goes last so `SELECT *` in a metric query reads the columns it read before.

ALTER TABLE latest_snapshot RENAME TO latest_snapshot_v3;
CREATE TABLE latest_snapshot (
  server TEXT NOT NULL PRIMARY KEY DEFAULT 'default',
  taken_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  json TEXT NOT NULL
);
INSERT INTO latest_snapshot (server, taken_at, version, json)
  SELECT 'default', taken_at, version, json FROM latest_snapshot_v3;
DROP TABLE latest_snapshot_v3;

ALTER TABLE history_points RENAME TO history_points_v3;
CREATE TABLE history_points (
  at INTEGER NOT NULL,
  streams INTEGER NOT NULL,
  transcodes INTEGER NOT NULL,
  bandwidth_kbps REAL NOT NULL,
  cpu_pct REAL,
  mem_pct REAL,
  temperature_c REAL,
  server TEXT NOT NULL DEFAULT 'default',
  PRIMARY KEY (server, at)
) WITHOUT ROWID;
INSERT INTO history_points (server, at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c)
  SELECT 'default', at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c FROM history_points_v3;
DROP TABLE history_points_v3;

ALTER TABLE sheets_outbox RENAME TO sheets_outbox_v3;
CREATE TABLE sheets_outbox (
  cycle_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  enqueued_at INTEGER NOT NULL,
  server TEXT NOT NULL DEFAULT 'default',
  PRIMARY KEY (server, cycle_at)
);
INSERT INTO sheets_outbox (server, cycle_at, payload, attempts, last_error, enqueued_at)
  SELECT 'default', cycle_at, payload, attempts, last_error, enqueued_at FROM sheets_outbox_v3;
DROP TABLE sheets_outbox_v3;
