import type { PushChange, PushResult } from '../../shared/sync-contract';
import { uuidv7 } from '../../shared/ids';
import { preparedOnce, transaction, type Database, type Row } from '../library/database';
import { recordUploadsFor } from './files';
import { localTable, parentRank, projectOfRow, syncedFieldsOf, tableOf, toServerRow, type Entity } from './tables';

/** Up to this many changes go in one push_changes request. */
export const maxChangesPerPush = 2_000;

/** This library's client id for the signed-in person, made on first use; op ids count up from 1 per client. */
export function clientIdFor(db: Database, userId: string): string {
  const row = preparedOnce(db, 'SELECT client_id FROM sync_clients WHERE user_id = ?').get(userId);
  if (row) return String(row.client_id);
  const clientId = uuidv7();
  preparedOnce(db, 'INSERT INTO sync_clients (user_id, client_id, next_op_id) VALUES (?, ?, 1)').run(userId, clientId);
  return clientId;
}

export function linkedProjectIds(db: Database, userId: string): Set<string> {
  return new Set(preparedOnce(db, 'SELECT project_id FROM sync_projects WHERE user_id = ? AND unshared_at IS NULL').all(userId).map((row) => String(row.project_id)));
}

interface Planned {
  entity: Entity;
  id: string;
  op: 'upsert' | 'delete';
  first: number;
  projectId: string | null;
  row: Record<string, unknown>;
}

/** The entries of one row, oldest first, as one change: the last op wins, an upsert's columns are those changed since the last delete. */
function coalesce(entries: readonly Row[]): { op: 'upsert' | 'delete'; fields: string[] | null; known: boolean } {
  const last = entries[entries.length - 1];
  if (last?.op === 'delete') return { op: 'delete', fields: null, known: entries.some((entry) => entry.op === 'delete' && entry.fields != null) };
  let fields: Set<string> | null = new Set();
  for (const entry of entries) {
    if (entry.op === 'delete') fields = new Set();
    else if (entry.fields == null) fields = null;
    else if (fields !== null) for (const field of JSON.parse(String(entry.fields)) as string[]) fields.add(field);
  }
  return { op: 'upsert', fields: fields === null ? null : [...fields], known: false };
}

/**
 * The next batch to push, with op ids, written to push_ops in the same transaction that takes its entries out of the
 * outbox. A batch left there by a crash or a failed request is sent again as it was, byte for byte, so a retry after
 * the server had applied it is a no-op there (its op ids are at or below the client's last applied).
 */
export function preparePush(db: Database, userId: string, max = maxChangesPerPush): PushChange[] {
  return transaction(db, () => {
    const inFlight = preparedOnce(db, 'SELECT payload FROM push_ops WHERE user_id = ? ORDER BY op_id').all(userId);
    if (inFlight.length > 0) return inFlight.map((row) => JSON.parse(String(row.payload)) as PushChange);
    // Marks left by rows that went in a cascade (their parent's delete is what is pushed) name rows gone for good.
    preparedOnce(db, `DELETE FROM sync_dirty_fields WHERE field = 'known'`).run();
    const linked = linkedProjectIds(db, userId);
    const groups = db
      .prepare('SELECT entity, row_id, MIN(seq) AS first FROM outbox GROUP BY entity, row_id ORDER BY first LIMIT ?')
      .all(max);
    const entriesOf = preparedOnce(db, 'SELECT op, fields FROM outbox WHERE entity = ? AND row_id = ? ORDER BY seq');
    const consume = preparedOnce(db, 'DELETE FROM outbox WHERE entity = ? AND row_id = ?');
    const planned: Planned[] = [];
    for (const group of groups) {
      const entity = String(group.entity) as Entity;
      const id = String(group.row_id);
      const change = coalesce(entriesOf.all(entity, id));
      consume.run(entity, id);
      const first = Number(group.first);
      if (change.op === 'delete') {
        if (change.known) planned.push({ entity, id, op: 'delete', first, projectId: null, row: {} });
        continue;
      }
      const row = preparedOnce(db, `SELECT * FROM ${localTable[entity]} WHERE id = ?`).get(id);
      const projectId = row ? projectOfRow(db, entity, id) : null;
      // Rows of projects that are not synced are dropped: linking a project queues all of its rows afresh.
      if (!row || projectId === null || !linked.has(projectId)) continue;
      if (change.fields !== null && syncedFieldsOf(entity, change.fields).length === 0) continue;
      if (entity === 'frame' && change.fields === null) recordUploadsFor(db, row, projectId);
      planned.push({ entity, id, op: 'upsert', first, projectId, row: toServerRow(entity, row, projectId, change.fields) });
    }
    // Parents before children, so a new batch exists on the server before the frames that a move put in it.
    planned.sort((a, b) =>
      a.op !== b.op ? (a.op === 'upsert' ? -1 : 1) : a.op === 'upsert' ? parentRank[a.entity] - parentRank[b.entity] || a.first - b.first : parentRank[b.entity] - parentRank[a.entity] || a.first - b.first,
    );
    if (planned.length === 0) return [];
    const counter = preparedOnce(db, 'SELECT next_op_id FROM sync_clients WHERE user_id = ?').get(userId);
    let opId = Number(counter?.next_op_id ?? 1);
    const insert = preparedOnce(db, 'INSERT INTO push_ops (op_id, user_id, project_id, entity, row_id, op, payload) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const changes = planned.map((item) => {
      const change: PushChange = { op_id: opId++, table: tableOf[item.entity], op: item.op, id: item.id, row: item.row };
      insert.run(change.op_id, userId, item.projectId, item.entity, item.id, item.op, JSON.stringify(change));
      return change;
    });
    preparedOnce(db, 'UPDATE sync_clients SET next_op_id = ? WHERE user_id = ?').run(opId, userId);
    return changes;
  });
}

export interface Acknowledged {
  applied: number;
  rejected: number;
  conflicts: number;
}

/**
 * Settles a batch the server answered: applied ops leave push_ops and their rows are marked as the server's; a
 * refused op leaves too, into the conflict log when the server had deleted its row (a delete wins over an edit that
 * had not seen it) and into the rejections list otherwise, with the server's reason.
 */
export function acknowledgePush(db: Database, userId: string, result: PushResult): Acknowledged {
  return transaction(db, () => {
    const select = preparedOnce(db, 'SELECT * FROM push_ops WHERE op_id = ? AND user_id = ?');
    const remove = preparedOnce(db, 'DELETE FROM push_ops WHERE op_id = ?');
    let applied = 0;
    let conflicts = 0;
    let rejected = 0;
    const seq = result.seq ?? 0;
    for (const opId of result.applied) {
      const op = select.get(opId, userId);
      if (!op) continue;
      remove.run(opId);
      if (op.op === 'upsert') preparedOnce(db, `UPDATE ${localTable[String(op.entity) as Entity]} SET server_version = ? WHERE id = ?`).run(seq, String(op.row_id));
      // A project deleted here and now on the server too is no longer this library's to pull.
      if (op.op === 'delete' && op.entity === 'project') forgetProject(db, String(op.row_id));
      applied++;
    }
    for (const refusal of result.rejected) {
      const op = select.get(refusal.op_id, userId);
      if (!op) continue;
      remove.run(refusal.op_id);
      const change = JSON.parse(String(op.payload)) as PushChange;
      if (refusal.code === 'deleted') {
        preparedOnce(db, 'INSERT INTO sync_conflicts (project_id, tbl, row_id, lost, reason, at) VALUES (?, ?, ?, ?, ?, ?)').run(
          op.project_id as string | null,
          change.table,
          change.id,
          JSON.stringify(change.row),
          'Someone deleted this before your edit reached the server; the delete wins.',
          Date.now(),
        );
        conflicts++;
      } else {
        preparedOnce(db, 'INSERT INTO sync_rejections (project_id, tbl, row_id, op, code, message, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          op.project_id as string | null,
          change.table,
          change.id,
          change.op,
          refusal.code,
          refusal.message,
          Date.now(),
        );
        rejected++;
      }
    }
    return { applied, rejected, conflicts };
  });
}

/** Drops a project's link and whatever of it was pulled but not applied. */
export function forgetProject(db: Database, projectId: string): void {
  preparedOnce(db, 'DELETE FROM sync_projects WHERE project_id = ?').run(projectId);
  preparedOnce(db, 'DELETE FROM pull_inbox WHERE project_id = ?').run(projectId);
}

/**
 * SQL that is true when a row has local changes the server has not acknowledged yet (in the outbox, or pushed and not
 * answered); pulled versions of it wait until then. Over columns, so a pull checks a whole chunk in one query.
 */
export function pendingChangesSql(entity: string, rowId: string): string {
  return `(EXISTS (SELECT 1 FROM outbox WHERE entity = ${entity} AND row_id = ${rowId})
    OR EXISTS (SELECT 1 FROM push_ops WHERE entity = ${entity} AND row_id = ${rowId}))`;
}

/** Every row of a project, queued as new: what "Sync this project" pushes the first time. */
export function queueWholeProject(db: Database, projectId: string): void {
  // A row whose edit is already waiting has that one upsert (see recordChange): it now sends the whole row.
  preparedOnce(db, 
    `INSERT INTO outbox (entity, row_id, op, created_at, fields)
     SELECT * FROM (
     SELECT 'project', id, 'upsert', $now, NULL FROM projects WHERE id = $project
     UNION ALL SELECT 'batch', id, 'upsert', $now, NULL FROM batches WHERE project_id = $project
     UNION ALL SELECT 'label', id, 'upsert', $now, NULL FROM labels WHERE project_id = $project
     UNION ALL SELECT 'video', id, 'upsert', $now, NULL FROM videos WHERE project_id = $project
     UNION ALL SELECT 'frame', f.id, 'upsert', $now, NULL FROM frames f JOIN batches b ON b.id = f.batch_id
       WHERE b.project_id = $project AND f.deleted_at IS NULL
     UNION ALL SELECT 'shape', s.id, 'upsert', $now, NULL FROM shapes s JOIN frames f ON f.id = s.frame_id
       JOIN batches b ON b.id = f.batch_id WHERE b.project_id = $project AND f.deleted_at IS NULL)
     WHERE true ON CONFLICT (entity, row_id) WHERE op = 'upsert' DO UPDATE SET fields = NULL`,
  ).run({ $project: projectId, $now: Date.now() });
}
