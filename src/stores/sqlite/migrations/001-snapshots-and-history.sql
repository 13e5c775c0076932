-- The latest snapshot (one row) and the time series behind graphs.
CREATE TABLE latest_snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  taken_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  json TEXT NOT NULL
);

CREATE TABLE history_points (
  at INTEGER PRIMARY KEY,
  streams INTEGER NOT NULL,
  transcodes INTEGER NOT NULL,
  bandwidth_kbps REAL NOT NULL,
  cpu_pct REAL,
  mem_pct REAL,
  temperature_c REAL
) WITHOUT ROWID;
