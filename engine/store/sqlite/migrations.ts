/** Append-only: never edit a shipped migration, add a new one. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE flows (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    active INTEGER NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE flow_versions (
    flow_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (flow_id, version)
  ) WITHOUT ROWID;
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    flow_id TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    trigger_node_id TEXT NOT NULL,
    trigger_type TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    available_at INTEGER NOT NULL,
    frontier TEXT NOT NULL,
    next_seq INTEGER NOT NULL,
    retry_of TEXT
  ) WITHOUT ROWID;
  CREATE INDEX runs_pending ON runs (available_at) WHERE status IN ('queued', 'running');
  CREATE INDEX runs_by_flow ON runs (flow_id, id);
  CREATE INDEX runs_by_status ON runs (status, id);
  CREATE TABLE steps (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    node_id TEXT NOT NULL,
    node_type TEXT NOT NULL,
    status TEXT NOT NULL,
    input_ref TEXT,
    outputs TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    meta TEXT,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE TABLE dedupe_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE INDEX dedupe_by_run ON dedupe_keys (run_id);
  CREATE INDEX dedupe_by_expiry ON dedupe_keys (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // 2: the last fired tick per time-based trigger node (schedule, poll); see Store.fireTrigger.
  `
  CREATE TABLE trigger_ticks (
    flow_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    tick INTEGER NOT NULL,
    fired_at INTEGER NOT NULL,
    PRIMARY KEY (flow_id, node_id)
  ) WITHOUT ROWID;
  `,
  // 3: dedupe keys remember which node execution claimed them and whether a failure frees them;
  // ingress idempotency keys get an expiry index so pruning them is a range scan.
  `
  ALTER TABLE dedupe_keys ADD COLUMN execution TEXT NOT NULL DEFAULT '';
  ALTER TABLE dedupe_keys ADD COLUMN release_on_failure INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX idempotency_by_expiry ON idempotency_keys (expires_at);
  `,
  // 4: credentials: encrypted data only (AES-256-GCM blob bound to the id); see CredentialService.
  `
  CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    encrypted TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 5: run history. Listing is newest first by (created_at, id) so time ranges are index ranges
  // under any filter; counts per flow and status live in a table kept by triggers, so reading
  // them never scans the runs.
  `
  DROP INDEX runs_by_flow;
  DROP INDEX runs_by_status;
  CREATE INDEX runs_newest ON runs (created_at, id);
  CREATE INDEX runs_by_flow_time ON runs (flow_id, created_at, id);
  CREATE INDEX runs_by_status_time ON runs (status, created_at, id);
  CREATE INDEX runs_by_flow_status_time ON runs (flow_id, status, created_at, id);
  CREATE INDEX runs_by_trigger_time ON runs (trigger_type, created_at, id);
  CREATE TABLE run_counts (
    flow_id TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (flow_id, status)
  ) WITHOUT ROWID;
  INSERT INTO run_counts (flow_id, status, n) SELECT flow_id, status, count(*) FROM runs GROUP BY flow_id, status;
  CREATE TRIGGER run_counts_insert AFTER INSERT ON runs BEGIN
    INSERT INTO run_counts (flow_id, status, n) VALUES (NEW.flow_id, NEW.status, 1)
      ON CONFLICT (flow_id, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER run_counts_status AFTER UPDATE OF status ON runs WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE run_counts SET n = n - 1 WHERE flow_id = OLD.flow_id AND status = OLD.status;
    INSERT INTO run_counts (flow_id, status, n) VALUES (NEW.flow_id, NEW.status, 1)
      ON CONFLICT (flow_id, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER run_counts_delete AFTER DELETE ON runs BEGIN
    UPDATE run_counts SET n = n - 1 WHERE flow_id = OLD.flow_id AND status = OLD.status;
  END;
  `,
  // 6: full outputs of steps whose log entry was truncated, kept until the run ends (a resume
  // needs them; see StepRecord.payload).
  `
  ALTER TABLE steps ADD COLUMN payload TEXT;
  `,
  // 7: outputs that are the step's input passed on (StepRecord.passed) are stored once, as the
  // parent's output; this lists where they go back.
  `
  ALTER TABLE steps ADD COLUMN passed TEXT;
  `,
  // 8: runs and steps become rowid tables. A run gets an integer row number (`num`, its text id
  // stays unique); a step's key packs that number and its seq (step-keys.ts). Appends to a rowid
  // table start new pages where the WITHOUT ROWID trees split and rebalanced them: a commit of five
  // pipeline runs wrote 21 WAL frames before and 16.5 after. History indexes order ties by `num`.
  // The view run_steps shows steps with their run id and seq, for people reading the file.
  `
  CREATE TABLE runs_v8 (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    flow_id TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    trigger_node_id TEXT NOT NULL,
    trigger_type TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    available_at INTEGER NOT NULL,
    frontier TEXT NOT NULL,
    next_seq INTEGER NOT NULL,
    retry_of TEXT
  );
  INSERT INTO runs_v8 (id, flow_id, flow_version, trigger_node_id, trigger_type, status, error, created_at, started_at, finished_at, lease_owner, lease_until, available_at, frontier, next_seq, retry_of)
    SELECT id, flow_id, flow_version, trigger_node_id, trigger_type, status, error, created_at, started_at, finished_at, lease_owner, lease_until, available_at, frontier, next_seq, retry_of FROM runs ORDER BY created_at, id;
  CREATE TABLE steps_v8 (
    key INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL,
    node_type TEXT NOT NULL,
    status TEXT NOT NULL,
    input_ref TEXT,
    outputs TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    meta TEXT,
    payload TEXT,
    passed TEXT
  );
  INSERT INTO steps_v8 (key, node_id, node_type, status, input_ref, outputs, error, attempts, started_at, finished_at, meta, payload, passed)
    SELECT r.num * 1048576 + s.seq, s.node_id, s.node_type, s.status, s.input_ref, s.outputs, s.error, s.attempts, s.started_at, s.finished_at, s.meta, s.payload, s.passed
    FROM steps s JOIN runs_v8 r ON r.id = s.run_id WHERE s.seq BETWEEN 1 AND 1048575 ORDER BY 1;
  DROP TABLE steps;
  DROP TABLE runs;
  ALTER TABLE runs_v8 RENAME TO runs;
  ALTER TABLE steps_v8 RENAME TO steps;
  CREATE INDEX runs_pending ON runs (available_at) WHERE status IN ('queued', 'running');
  CREATE INDEX runs_newest ON runs (created_at);
  CREATE INDEX runs_by_flow_time ON runs (flow_id, created_at);
  CREATE INDEX runs_by_status_time ON runs (status, created_at);
  CREATE INDEX runs_by_flow_status_time ON runs (flow_id, status, created_at);
  CREATE INDEX runs_by_trigger_time ON runs (trigger_type, created_at);
  CREATE TRIGGER run_counts_insert AFTER INSERT ON runs BEGIN
    INSERT INTO run_counts (flow_id, status, n) VALUES (NEW.flow_id, NEW.status, 1)
      ON CONFLICT (flow_id, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER run_counts_status AFTER UPDATE OF status ON runs WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE run_counts SET n = n - 1 WHERE flow_id = OLD.flow_id AND status = OLD.status;
    INSERT INTO run_counts (flow_id, status, n) VALUES (NEW.flow_id, NEW.status, 1)
      ON CONFLICT (flow_id, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER run_counts_delete AFTER DELETE ON runs BEGIN
    UPDATE run_counts SET n = n - 1 WHERE flow_id = OLD.flow_id AND status = OLD.status;
  END;
  CREATE VIEW run_steps AS
    SELECT r.id AS run_id, s.key % 1048576 AS seq, s.node_id, s.node_type, s.status, s.input_ref, s.outputs, s.error,
      s.attempts, s.started_at, s.finished_at, s.meta, s.payload, s.passed
    FROM runs r JOIN steps s ON s.key BETWEEN r.num * 1048576 AND r.num * 1048576 + 1048575;
  `,
  // 9: the indexes a webhook run that succeeds does not write. Every index is a B-tree insert per
  // run and a WAL page per commit; the status and trigger-type indexes now hold only runs that
  // are not `succeeded` and not from a `webhook` (listing those scans the time order instead, with
  // a budget per page; see run-queries.ts). A failed run's dedupe keys are found through its
  // journal (its dedupe steps), not through an index of every key by run.
  `
  DROP INDEX runs_by_status_time;
  DROP INDEX runs_by_flow_status_time;
  DROP INDEX runs_by_trigger_time;
  DROP INDEX dedupe_by_run;
  CREATE INDEX runs_by_status_time ON runs (status, created_at) WHERE status <> 'succeeded';
  CREATE INDEX runs_by_flow_status_time ON runs (flow_id, status, created_at) WHERE status <> 'succeeded';
  CREATE INDEX runs_by_trigger_time ON runs (trigger_type, created_at) WHERE trigger_type <> 'webhook';
  `,
  // 10: inserted runs are counted by the store, those of one commit together (run-counts.ts);
  // status changes and deletes stay with their triggers.
  `
  DROP TRIGGER run_counts_insert;
  `,
];
