-- Renders behind versioned URLs (/v/<etag>/<file>), kept for as long as a posted embed may be
-- fetched again: bounded in bytes (server.pinCacheBytes), least recently fetched out first.
-- `server` is '' for the one Plex server; several servers (issue 20) key their pins by id.
CREATE TABLE pins (
  server TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL,
  file TEXT NOT NULL,
  png BLOB NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (server, etag, file)
);

CREATE INDEX pins_by_fetch ON pins (fetched_at);
