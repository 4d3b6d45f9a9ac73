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
  // Sync with Supabase (issue 13). The triggers note which columns each local edit changed, so a push sends only
  // those (per-field last-writer-wins); recordChange moves them into the edit's outbox entry. '*' marks a new row.
  // A deleted row the server has (or may have: its push is in flight) is marked 'known', and only then is its delete
  // pushed. sync_guard.applying is 1 while pulled rows are written, which are the server's and never go back out.
  `
  ALTER TABLE outbox ADD COLUMN fields TEXT;
  CREATE INDEX outbox_row ON outbox (entity, row_id);

  CREATE TABLE sync_guard (applying INTEGER NOT NULL);
  INSERT INTO sync_guard VALUES (0);

  CREATE TABLE sync_dirty_fields (
    entity TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    PRIMARY KEY (entity, row_id, field)
  ) WITHOUT ROWID;

  CREATE TABLE sync_clients (
    user_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    next_op_id INTEGER NOT NULL DEFAULT 1
  );

  CREATE TABLE sync_projects (
    project_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    last_pulled_seq INTEGER NOT NULL DEFAULT 0,
    last_synced_at INTEGER,
    linked_at INTEGER NOT NULL
  );

  CREATE TABLE push_ops (
    op_id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    project_id TEXT,
    entity TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE INDEX push_ops_row ON push_ops (entity, row_id);

  CREATE TABLE pull_inbox (
    tbl TEXT NOT NULL,
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (tbl, id)
  ) WITHOUT ROWID;

  CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    lost TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
  );

  CREATE TABLE sync_rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    op TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at INTEGER NOT NULL
  );

  CREATE TABLE sync_files (
    frame_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'thumb')),
    project_id TEXT NOT NULL,
    storage_path TEXT NOT NULL,
    local_path TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'uploading', 'uploaded', 'failed', 'remote')),
    error TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (frame_id, kind)
  ) WITHOUT ROWID;
  CREATE INDEX sync_files_state ON sync_files (project_id, state);

  CREATE TRIGGER projects_sync_inserted AFTER INSERT ON projects WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('project', NEW.id, '*');
  END;
  CREATE TRIGGER projects_sync_updated AFTER UPDATE ON projects WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'project', NEW.id, 'name' WHERE OLD.name IS NOT NEW.name;
  END;
  CREATE TRIGGER batches_sync_inserted AFTER INSERT ON batches WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('batch', NEW.id, '*');
  END;
  CREATE TRIGGER batches_sync_updated AFTER UPDATE ON batches WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'batch', NEW.id, 'project_id' WHERE OLD.project_id IS NOT NEW.project_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'batch', NEW.id, 'name' WHERE OLD.name IS NOT NEW.name;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'batch', NEW.id, 'slug' WHERE OLD.slug IS NOT NEW.slug;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'batch', NEW.id, 'position' WHERE OLD.position IS NOT NEW.position;
  END;
  CREATE TRIGGER videos_sync_inserted AFTER INSERT ON videos WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('video', NEW.id, '*');
  END;
  CREATE TRIGGER videos_sync_updated AFTER UPDATE ON videos WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'project_id' WHERE OLD.project_id IS NOT NEW.project_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'batch_id' WHERE OLD.batch_id IS NOT NEW.batch_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'name' WHERE OLD.name IS NOT NEW.name;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'source_type' WHERE OLD.source_type IS NOT NEW.source_type;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'source_url' WHERE OLD.source_url IS NOT NEW.source_url;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'source_metadata' WHERE OLD.source_metadata IS NOT NEW.source_metadata;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'size_bytes' WHERE OLD.size_bytes IS NOT NEW.size_bytes;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'content_hash' WHERE OLD.content_hash IS NOT NEW.content_hash;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'status' WHERE OLD.status IS NOT NEW.status;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'error' WHERE OLD.error IS NOT NEW.error;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'duration_ms' WHERE OLD.duration_ms IS NOT NEW.duration_ms;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'width' WHERE OLD.width IS NOT NEW.width;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'height' WHERE OLD.height IS NOT NEW.height;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'frame_rate' WHERE OLD.frame_rate IS NOT NEW.frame_rate;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'codec' WHERE OLD.codec IS NOT NEW.codec;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'video', NEW.id, 'rotation' WHERE OLD.rotation IS NOT NEW.rotation;
  END;
  CREATE TRIGGER frames_sync_inserted AFTER INSERT ON frames WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('frame', NEW.id, '*');
  END;
  CREATE TRIGGER frames_sync_updated AFTER UPDATE ON frames WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'video_id' WHERE OLD.video_id IS NOT NEW.video_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'batch_id' WHERE OLD.batch_id IS NOT NEW.batch_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'frame_index' WHERE OLD.frame_index IS NOT NEW.frame_index;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'timestamp_ms' WHERE OLD.timestamp_ms IS NOT NEW.timestamp_ms;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'width' WHERE OLD.width IS NOT NEW.width;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'height' WHERE OLD.height IS NOT NEW.height;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'path' WHERE OLD.path IS NOT NEW.path;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'frame', NEW.id, 'thumb_path' WHERE OLD.thumb_path IS NOT NEW.thumb_path;
  END;
  CREATE TRIGGER labels_sync_inserted AFTER INSERT ON labels WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('label', NEW.id, '*');
  END;
  CREATE TRIGGER labels_sync_updated AFTER UPDATE ON labels WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'label', NEW.id, 'project_id' WHERE OLD.project_id IS NOT NEW.project_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'label', NEW.id, 'name' WHERE OLD.name IS NOT NEW.name;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'label', NEW.id, 'color' WHERE OLD.color IS NOT NEW.color;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'label', NEW.id, 'hotkey' WHERE OLD.hotkey IS NOT NEW.hotkey;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'label', NEW.id, 'attributes' WHERE OLD.attributes IS NOT NEW.attributes;
  END;
  CREATE TRIGGER shapes_sync_inserted AFTER INSERT ON shapes WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('shape', NEW.id, '*');
  END;
  CREATE TRIGGER shapes_sync_updated AFTER UPDATE ON shapes WHEN (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'frame_id' WHERE OLD.frame_id IS NOT NEW.frame_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'label_id' WHERE OLD.label_id IS NOT NEW.label_id;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'type' WHERE OLD.type IS NOT NEW.type;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'points' WHERE OLD.points IS NOT NEW.points;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'note' WHERE OLD.note IS NOT NEW.note;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'attributes' WHERE OLD.attributes IS NOT NEW.attributes;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'hidden' WHERE OLD.hidden IS NOT NEW.hidden;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'locked' WHERE OLD.locked IS NOT NEW.locked;
    INSERT OR IGNORE INTO sync_dirty_fields SELECT 'shape', NEW.id, 'z_index' WHERE OLD.z_index IS NOT NEW.z_index;
  END;
  CREATE TRIGGER projects_sync_deleted AFTER DELETE ON projects WHEN (SELECT applying FROM sync_guard) = 0
    AND (OLD.server_version IS NOT NULL OR EXISTS (SELECT 1 FROM push_ops WHERE entity = 'project' AND row_id = OLD.id)) BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('project', OLD.id, 'known');
  END;
  CREATE TRIGGER batches_sync_deleted AFTER DELETE ON batches WHEN (SELECT applying FROM sync_guard) = 0
    AND (OLD.server_version IS NOT NULL OR EXISTS (SELECT 1 FROM push_ops WHERE entity = 'batch' AND row_id = OLD.id)) BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('batch', OLD.id, 'known');
  END;
  CREATE TRIGGER videos_sync_deleted AFTER DELETE ON videos WHEN (SELECT applying FROM sync_guard) = 0
    AND (OLD.server_version IS NOT NULL OR EXISTS (SELECT 1 FROM push_ops WHERE entity = 'video' AND row_id = OLD.id)) BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('video', OLD.id, 'known');
  END;
  CREATE TRIGGER frames_sync_deleted AFTER DELETE ON frames WHEN (SELECT applying FROM sync_guard) = 0
    AND (OLD.server_version IS NOT NULL OR EXISTS (SELECT 1 FROM push_ops WHERE entity = 'frame' AND row_id = OLD.id)) BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('frame', OLD.id, 'known');
  END;
  CREATE TRIGGER labels_sync_deleted AFTER DELETE ON labels WHEN (SELECT applying FROM sync_guard) = 0
    AND (OLD.server_version IS NOT NULL OR EXISTS (SELECT 1 FROM push_ops WHERE entity = 'label' AND row_id = OLD.id)) BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('label', OLD.id, 'known');
  END;
  CREATE TRIGGER shapes_sync_deleted AFTER DELETE ON shapes WHEN (SELECT applying FROM sync_guard) = 0
    AND (OLD.server_version IS NOT NULL OR EXISTS (SELECT 1 FROM push_ops WHERE entity = 'shape' AND row_id = OLD.id)) BEGIN
    INSERT OR IGNORE INTO sync_dirty_fields VALUES ('shape', OLD.id, 'known');
  END;
  `,
  // A live team: the person's role in each synced project, and when it stopped being shared with them.
  `
  ALTER TABLE sync_projects ADD COLUMN role TEXT;
  ALTER TABLE sync_projects ADD COLUMN unshared_at INTEGER;
  `,
  // The bytes of each frame's image and thumbnail, recorded when the files are written, so a project's storage figure
  // is a sum rather than a stat of every file (200,000 of them at 100,000 frames). NULL: not measured yet (libraries
  // from before, rows written by paths that do not know the size); the storage figure measures those once.
  `
  ALTER TABLE frames ADD COLUMN file_bytes INTEGER;
  ALTER TABLE frames ADD COLUMN thumb_bytes INTEGER;
  CREATE INDEX frames_unsized ON frames (batch_id) WHERE file_bytes IS NULL OR thumb_bytes IS NULL;
  `,
  // One waiting upsert per row in the outbox: recordChange folds each edit's columns into it, where every edit appended
  // an entry that push then folded. A push folds a row's entries the same way (an upsert's columns are those changed
  // since its last delete), so entries already waiting are folded alike here: upserts before a delete of their row go,
  // the rest of each row's upserts become its first, with the union of their columns (null, all, if any had all).
  `
  DELETE FROM outbox WHERE op = 'upsert' AND EXISTS (
    SELECT 1 FROM outbox later WHERE later.entity = outbox.entity AND later.row_id = outbox.row_id AND later.op = 'delete' AND later.seq > outbox.seq);
  UPDATE outbox SET fields = CASE
      WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.entity = outbox.entity AND o.row_id = outbox.row_id AND o.op = 'upsert' AND o.fields IS NULL) THEN NULL
      ELSE (SELECT json_group_array(value) FROM (
        SELECT DISTINCT j.value FROM outbox o, json_each(o.fields) j
        WHERE o.entity = outbox.entity AND o.row_id = outbox.row_id AND o.op = 'upsert' ORDER BY j.value))
    END
  WHERE op = 'upsert' AND EXISTS (
    SELECT 1 FROM outbox o WHERE o.entity = outbox.entity AND o.row_id = outbox.row_id AND o.op = 'upsert' AND o.seq > outbox.seq);
  DELETE FROM outbox WHERE op = 'upsert' AND EXISTS (
    SELECT 1 FROM outbox o WHERE o.entity = outbox.entity AND o.row_id = outbox.row_id AND o.op = 'upsert' AND o.seq < outbox.seq);
  CREATE UNIQUE INDEX outbox_one_upsert ON outbox (entity, row_id) WHERE op = 'upsert';
  `,
  // Imported frames whose thumbnail is still their full image: the thumbnail pass after an import works through
  // them, and a start-up finishes what a quit or a crash cut off.
  `
  CREATE TABLE pending_thumbnails (
    frame_id TEXT PRIMARY KEY REFERENCES frames (id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  // Whether a frame has a shape, kept by the shapes' own triggers whichever path writes them (the annotator, an import,
  // a sync pull), so a project card's count of annotated frames reads a small index rather than every frame's shapes.
  `
  ALTER TABLE frames ADD COLUMN annotated INTEGER NOT NULL DEFAULT 0;
  UPDATE frames SET annotated = 1 WHERE id IN (SELECT frame_id FROM shapes);
  CREATE INDEX frames_annotated ON frames (batch_id) WHERE annotated = 1;
  CREATE TRIGGER shapes_mark_frame AFTER INSERT ON shapes BEGIN
    UPDATE frames SET annotated = 1 WHERE id = NEW.frame_id AND annotated = 0;
  END;
  CREATE TRIGGER shapes_unmark_frame AFTER DELETE ON shapes BEGIN
    UPDATE frames SET annotated = 0 WHERE id = OLD.frame_id AND annotated = 1
      AND NOT EXISTS (SELECT 1 FROM shapes WHERE frame_id = OLD.frame_id);
  END;
  CREATE TRIGGER shapes_move_frame AFTER UPDATE OF frame_id ON shapes WHEN OLD.frame_id IS NOT NEW.frame_id BEGIN
    UPDATE frames SET annotated = 1 WHERE id = NEW.frame_id AND annotated = 0;
    UPDATE frames SET annotated = 0 WHERE id = OLD.frame_id AND annotated = 1
      AND NOT EXISTS (SELECT 1 FROM shapes WHERE frame_id = OLD.frame_id);
  END;
  `,
  // Each batch's live and annotated frame counts and the bytes its frames' files take, kept by the frames' triggers
  // whichever path writes them, so the project list adds up a row per batch instead of counting every frame's index
  // entries (250,000 for the list of 200 projects in bench:browse: 20 ms here, far more on a busy machine), and the
  // storage totals read no frame rows. Bytes count deleted frames too: their files stay until they are purged.
  `
  CREATE TABLE batch_frame_counts (
    batch_id TEXT PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    live INTEGER NOT NULL DEFAULT 0,
    annotated INTEGER NOT NULL DEFAULT 0,
    file_bytes INTEGER NOT NULL DEFAULT 0,
    thumb_bytes INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  INSERT INTO batch_frame_counts (batch_id, live, annotated, file_bytes, thumb_bytes)
    SELECT batch_id, SUM(deleted_at IS NULL), SUM(deleted_at IS NULL AND annotated = 1), COALESCE(SUM(file_bytes), 0), COALESCE(SUM(thumb_bytes), 0)
    FROM frames WHERE batch_id IN (SELECT id FROM batches) GROUP BY batch_id;
  CREATE TRIGGER frames_count_insert AFTER INSERT ON frames BEGIN
    INSERT INTO batch_frame_counts (batch_id, live, annotated, file_bytes, thumb_bytes)
      VALUES (NEW.batch_id, NEW.deleted_at IS NULL, NEW.deleted_at IS NULL AND NEW.annotated = 1, COALESCE(NEW.file_bytes, 0), COALESCE(NEW.thumb_bytes, 0))
      ON CONFLICT (batch_id) DO UPDATE SET live = live + excluded.live, annotated = annotated + excluded.annotated,
        file_bytes = file_bytes + excluded.file_bytes, thumb_bytes = thumb_bytes + excluded.thumb_bytes;
  END;
  CREATE TRIGGER frames_count_delete AFTER DELETE ON frames BEGIN
    UPDATE batch_frame_counts
      SET live = live - (OLD.deleted_at IS NULL), annotated = annotated - (OLD.deleted_at IS NULL AND OLD.annotated = 1),
        file_bytes = file_bytes - COALESCE(OLD.file_bytes, 0), thumb_bytes = thumb_bytes - COALESCE(OLD.thumb_bytes, 0)
      WHERE batch_id = OLD.batch_id;
  END;
  CREATE TRIGGER frames_count_update AFTER UPDATE OF batch_id, deleted_at, annotated, file_bytes, thumb_bytes ON frames
    WHEN OLD.batch_id IS NOT NEW.batch_id OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL) OR OLD.annotated IS NOT NEW.annotated
      OR OLD.file_bytes IS NOT NEW.file_bytes OR OLD.thumb_bytes IS NOT NEW.thumb_bytes BEGIN
    UPDATE batch_frame_counts
      SET live = live - (OLD.deleted_at IS NULL), annotated = annotated - (OLD.deleted_at IS NULL AND OLD.annotated = 1),
        file_bytes = file_bytes - COALESCE(OLD.file_bytes, 0), thumb_bytes = thumb_bytes - COALESCE(OLD.thumb_bytes, 0)
      WHERE batch_id = OLD.batch_id;
    INSERT INTO batch_frame_counts (batch_id, live, annotated, file_bytes, thumb_bytes)
      VALUES (NEW.batch_id, NEW.deleted_at IS NULL, NEW.deleted_at IS NULL AND NEW.annotated = 1, COALESCE(NEW.file_bytes, 0), COALESCE(NEW.thumb_bytes, 0))
      ON CONFLICT (batch_id) DO UPDATE SET live = live + excluded.live, annotated = annotated + excluded.annotated,
        file_bytes = file_bytes + excluded.file_bytes, thumb_bytes = thumb_bytes + excluded.thumb_bytes;
  END;
  `,
  // The moves `shapes.move` applied, by the client's move id, in the order applied, and on each shape the last move
  // applied to it (an absolute write clears it), so a move the page sends again after a lost connection moves only
  // the shapes that the writes sent again with it put back. Moves are kept for a time (see moveShapes), not for ever.
  `
  CREATE TABLE shape_moves (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    moved INTEGER NOT NULL,
    dx REAL NOT NULL,
    dy REAL NOT NULL,
    applied_at INTEGER NOT NULL
  );
  CREATE INDEX shape_moves_applied ON shape_moves (applied_at);
  ALTER TABLE shapes ADD COLUMN move_seq INTEGER;
  `,
];
