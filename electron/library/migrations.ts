/**
 * Numbered schema migrations. Append only: a shipped migration is never edited, because libraries in the field
 * have already run it. `PRAGMA user_version` records how many have been applied.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    server_version INTEGER
  );
  CREATE UNIQUE INDEX projects_name_unique ON projects (name COLLATE NOCASE);

  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    position INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    server_version INTEGER
  );
  CREATE UNIQUE INDEX batches_name_unique ON batches (project_id, name COLLATE NOCASE);
  CREATE UNIQUE INDEX batches_slug_unique ON batches (project_id, slug);

  CREATE TABLE videos (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    batch_id TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    source_type TEXT NOT NULL DEFAULT 'file',
    source_path TEXT NOT NULL,
    source_url TEXT,
    source_metadata TEXT,
    size_bytes INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    duration_ms INTEGER,
    width INTEGER,
    height INTEGER,
    frame_rate REAL,
    codec TEXT,
    rotation INTEGER,
    probe TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    server_version INTEGER
  );
  CREATE INDEX videos_batch ON videos (batch_id);
  CREATE INDEX videos_hash ON videos (batch_id, content_hash);

  CREATE TABLE frames (
    id TEXT PRIMARY KEY,
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    batch_id TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    path TEXT NOT NULL,
    thumb_path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    server_version INTEGER
  );
  CREATE UNIQUE INDEX frames_video_index ON frames (video_id, frame_index);
  CREATE INDEX frames_batch ON frames (batch_id, video_id, frame_index);

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    next_run_at INTEGER,
    processing_progress REAL NOT NULL DEFAULT 0,
    worker_id TEXT,
    started_at INTEGER,
    completed_at INTEGER,
    processing_error TEXT,
    options TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX jobs_runnable ON jobs (status, priority DESC, created_at);
  CREATE INDEX jobs_video ON jobs (video_id);

  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    created_at INTEGER NOT NULL
  );
  `,
  `
  ALTER TABLE frames ADD COLUMN deleted_at INTEGER;
  CREATE INDEX frames_deleted ON frames (deleted_at) WHERE deleted_at IS NOT NULL;
  `,
  // shapes.label_id has no ON DELETE action on purpose: RESTRICT fires mid-statement and would block deleting a
  // project, whose cascade may reach its labels before its shapes; the default check runs once the cascade is done.
  `
  CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    hotkey INTEGER CHECK (hotkey BETWEEN 1 AND 9),
    attributes TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    server_version INTEGER
  );
  CREATE UNIQUE INDEX labels_name_unique ON labels (project_id, name COLLATE NOCASE);
  CREATE UNIQUE INDEX labels_hotkey_unique ON labels (project_id, hotkey) WHERE hotkey IS NOT NULL;

  CREATE TABLE shapes (
    id TEXT PRIMARY KEY,
    frame_id TEXT NOT NULL REFERENCES frames (id) ON DELETE CASCADE,
    label_id TEXT REFERENCES labels (id),
    type TEXT NOT NULL CHECK (type IN ('rectangle', 'polygon', 'polyline', 'point')),
    points TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    attributes TEXT NOT NULL DEFAULT '{}',
    hidden INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    z_index INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    server_version INTEGER
  );
  CREATE INDEX shapes_frame ON shapes (frame_id, z_index);
  CREATE INDEX shapes_label ON shapes (label_id);
  `,
  // What a running job is waiting for, in words for the person (a rate limit being waited out); cleared once it moves.
  `
  ALTER TABLE jobs ADD COLUMN notice TEXT;
  `,
  // Secrets (the Loom API key) as Electron safeStorage ciphertext, apart from plain settings so that nothing that reads,
  // exports or syncs settings ever carries them.
  `
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    ciphertext BLOB NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // Sampled frames that frame selection left out (near-duplicate, blurred, not among the N picked): their time, reason
  // and thumbnail, so the person can see them and bring any back. restored_frame_id points at the frame it became.
  `
  CREATE TABLE left_out_frames (
    id TEXT PRIMARY KEY,
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    batch_id TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('duplicate', 'blurry', 'not-picked')),
    thumb_path TEXT NOT NULL,
    restored_frame_id TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX left_out_video_index ON left_out_frames (video_id, frame_index);
  CREATE INDEX left_out_batch ON left_out_frames (batch_id, video_id, frame_index);
  `,
  // Monitoring (issue 17): what the queue, Loom and the machine did, kept 30 days, and the alerts raised. Metric rows
  // name their job without a foreign key: the figures outlive a discarded job or a deleted project.
  `
  CREATE TABLE metric_jobs (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    queue_wait_ms INTEGER,
    processing_ms INTEGER NOT NULL,
    video_duration_ms INTEGER,
    video_bytes INTEGER,
    width INTEGER,
    height INTEGER,
    codec TEXT,
    sampling_mode TEXT NOT NULL,
    frames INTEGER NOT NULL,
    frames_per_second REAL,
    result TEXT NOT NULL CHECK (result IN ('done', 'failed', 'dead', 'cancelled')),
    error_code TEXT
  );
  CREATE INDEX metric_jobs_ended ON metric_jobs (ended_at);

  CREATE TABLE metric_loom_requests (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    endpoint TEXT NOT NULL,
    response_ms INTEGER NOT NULL,
    status INTEGER NOT NULL
  );
  CREATE INDEX metric_loom_requests_at ON metric_loom_requests (at);

  CREATE TABLE metric_downloads (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    bytes_per_second REAL
  );
  CREATE INDEX metric_downloads_at ON metric_downloads (at);

  CREATE TABLE metric_samples (
    at INTEGER PRIMARY KEY,
    cpu_percent REAL,
    memory_bytes INTEGER,
    ffmpeg_cpu_percent REAL,
    disk_free_bytes INTEGER,
    queue_length INTEGER
  );

  CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    raised_at INTEGER NOT NULL,
    cleared_at INTEGER,
    message TEXT NOT NULL,
    advice TEXT NOT NULL
  );
  CREATE UNIQUE INDEX alerts_one_open_per_rule ON alerts (rule) WHERE cleared_at IS NULL;
  CREATE INDEX alerts_raised ON alerts (raised_at);
  `,
];
