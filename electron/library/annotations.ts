import {
  keepFittingAttributes,
  normaliseColor,
  validateAttributeDefs,
  validateLabelName,
  validateShapeAttributes,
  type AnnotationCount,
  type AttributeValue,
  type Label,
  type LabelAttributeDef,
  type LabelCreate,
  type LabelPatch,
  type ParsedShapeInput,
  type Shape,
  type ShapeType,
} from '../../shared/annotations';
import { StillframeError } from '../../shared/errors';
import type { ShapeMove, ShapesMoved } from '../../shared/annotation-contract';
import { boundsOfShapes, clampOffset, fitGeometry, geometryProblem, offsetPoints, prepareGeometry } from '../../shared/geometry';
import { uuidv7, uuidv7Time } from '../../shared/ids';
import { bulkWrite, shapeInsertSql, shapeValues } from './bulk-write';
import { preparedOnce, recordChange, transaction, type Database, type Row } from './database';
import { getProject } from './projects';

function toLabel(row: Row): Label {
  return {
    id: String(row.id),
    projectId: String(row.project_id),
    name: String(row.name),
    color: String(row.color),
    hotkey: row.hotkey == null ? null : Number(row.hotkey),
    attributes: JSON.parse(String(row.attributes)) as LabelAttributeDef[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toShape(row: Row): Shape {
  return {
    id: String(row.id),
    frameId: String(row.frame_id),
    type: String(row.type) as ShapeType,
    points: JSON.parse(String(row.points)) as number[],
    labelId: row.label_id == null ? null : String(row.label_id),
    note: String(row.note),
    attributes: JSON.parse(String(row.attributes)) as Record<string, AttributeValue>,
    hidden: Number(row.hidden) === 1,
    locked: Number(row.locked) === 1,
    zIndex: Number(row.z_index),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

// Labels

export function listLabels(db: Database, projectId: string): Label[] {
  return preparedOnce(db, 'SELECT * FROM labels WHERE project_id = ? ORDER BY created_at, id').all(projectId).map(toLabel);
}

export function getLabel(db: Database, id: string): Label {
  const row = preparedOnce(db, 'SELECT * FROM labels WHERE id = ?').get(id);
  if (!row) throw new StillframeError('not-found', 'That label no longer exists.');
  return toLabel(row);
}

/** Compared in JavaScript because SQLite's NOCASE folds only ASCII, and “Äpfel” must clash with “äpfel”. */
function assertLabelNameFree(db: Database, projectId: string, name: string, exceptId: string | null): void {
  const folded = name.toLowerCase();
  // Names alone, not whole labels: a dataset bringing thousands of classes runs this once for each of them.
  const clash = preparedOnce(db, 'SELECT id, name FROM labels WHERE project_id = ?')
    .all(projectId)
    .find((label) => label.id !== exceptId && String(label.name).toLowerCase() === folded);
  if (clash) throw new StillframeError('conflict', `This project already has a label named “${String(clash.name)}”. Choose another name.`);
}

function assertHotkeyFree(db: Database, projectId: string, hotkey: number | null, exceptId: string | null): void {
  if (hotkey === null) return;
  const clash = preparedOnce(db, 'SELECT name FROM labels WHERE project_id = ? AND hotkey = ? AND id IS NOT ?').get(
    projectId,
    hotkey,
    exceptId,
  );
  if (clash) throw new StillframeError('conflict', `Hotkey ${hotkey} is already used by “${String(clash.name)}”.`);
}

export function createLabel(db: Database, input: LabelCreate): Label {
  const name = validateLabelName(input.name);
  const color = normaliseColor(input.color);
  const attributes = validateAttributeDefs(input.attributes);
  const id = uuidv7();
  transaction(db, () => {
    getProject(db, input.projectId);
    assertLabelNameFree(db, input.projectId, name, null);
    assertHotkeyFree(db, input.projectId, input.hotkey, null);
    const now = Date.now();
    preparedOnce(
      db,
      'INSERT INTO labels (id, project_id, name, color, hotkey, attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(id, input.projectId, name, color, input.hotkey, JSON.stringify(attributes), now, now);
    recordChange(db, 'label', id, 'upsert');
  });
  return getLabel(db, id);
}

/**
 * Creates many labels in one project, as an import does: the project's names and hotkeys are read once and kept up
 * to date as labels are added, where createLabel reads them all again for each label (quadratic over thousands of
 * classes). The same checks and messages as createLabel; call it inside the caller's transaction.
 */
export function labelCreator(db: Database, projectId: string): (input: Omit<LabelCreate, 'projectId'>) => Label {
  getProject(db, projectId);
  const names = new Map<string, string>();
  const hotkeys = new Map<number, string>();
  for (const row of preparedOnce(db, 'SELECT name, hotkey FROM labels WHERE project_id = ?').all(projectId)) {
    names.set(String(row.name).toLowerCase(), String(row.name));
    if (row.hotkey != null) hotkeys.set(Number(row.hotkey), String(row.name));
  }
  const insert = preparedOnce(
    db,
    'INSERT INTO labels (id, project_id, name, color, hotkey, attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return (input) => {
    const name = validateLabelName(input.name);
    const color = normaliseColor(input.color);
    const attributes = validateAttributeDefs(input.attributes);
    const clash = names.get(name.toLowerCase());
    if (clash !== undefined) throw new StillframeError('conflict', `This project already has a label named “${clash}”. Choose another name.`);
    const taken = input.hotkey === null ? undefined : hotkeys.get(input.hotkey);
    if (taken !== undefined) throw new StillframeError('conflict', `Hotkey ${input.hotkey} is already used by “${taken}”.`);
    const id = uuidv7();
    const now = Date.now();
    insert.run(id, projectId, name, color, input.hotkey, JSON.stringify(attributes), now, now);
    recordChange(db, 'label', id, 'upsert');
    names.set(name.toLowerCase(), name);
    if (input.hotkey !== null) hotkeys.set(input.hotkey, name);
    return { id, projectId, name, color, hotkey: input.hotkey, attributes, createdAt: now, updatedAt: now };
  };
}

/**
 * Puts every shape of label `fromId` on `to`, which may be that label with new definitions, dropping the attribute
 * values `to` does not define; returns how many shapes changed.
 */
function refitShapes(db: Database, fromId: string, to: Label): number {
  const rows = preparedOnce(db, 'SELECT id, attributes FROM shapes WHERE label_id = ?').all(fromId);
  const update = preparedOnce(db, 'UPDATE shapes SET label_id = ?, attributes = ?, updated_at = ? WHERE id = ?');
  const now = Date.now();
  let changed = 0;
  for (const row of rows) {
    const before = String(row.attributes);
    const after = JSON.stringify(keepFittingAttributes(JSON.parse(before) as Record<string, AttributeValue>, to));
    if (fromId === to.id && after === before) continue;
    update.run(to.id, after, now, String(row.id));
    recordChange(db, 'shape', String(row.id), 'upsert');
    changed++;
  }
  return changed;
}

/** Omitted fields stay; changed attribute definitions drop the shapes' values that no longer fit them. */
export function updateLabel(db: Database, id: string, patch: LabelPatch): Label {
  const name = patch.name === undefined ? undefined : validateLabelName(patch.name);
  const color = patch.color === undefined ? undefined : normaliseColor(patch.color);
  const attributes = patch.attributes === undefined ? undefined : validateAttributeDefs(patch.attributes);
  transaction(db, () => {
    const current = getLabel(db, id);
    if (name !== undefined) assertLabelNameFree(db, current.projectId, name, id);
    if (patch.hotkey !== undefined) assertHotkeyFree(db, current.projectId, patch.hotkey, id);
    const next: Label = {
      ...current,
      name: name ?? current.name,
      color: color ?? current.color,
      hotkey: patch.hotkey === undefined ? current.hotkey : patch.hotkey,
      attributes: attributes ?? current.attributes,
    };
    preparedOnce(db, 'UPDATE labels SET name = ?, color = ?, hotkey = ?, attributes = ?, updated_at = ? WHERE id = ?').run(
      next.name,
      next.color,
      next.hotkey,
      JSON.stringify(next.attributes),
      Date.now(),
      id,
    );
    recordChange(db, 'label', id, 'upsert');
    if (attributes !== undefined) refitShapes(db, id, next);
  });
  return getLabel(db, id);
}

export interface LabelDeletion {
  /** Move the label's shapes to this label of the same project. */
  reassignTo?: string | undefined;
  /** Delete the label's shapes with it. */
  deleteShapes: boolean;
}

/** Refused while shapes use the label, unless the caller says where they go; the message says how many there are. */
export function deleteLabel(
  db: Database,
  id: string,
  options: LabelDeletion,
): { id: string; reassignedShapes: number; deletedShapes: number } {
  return transaction(db, () => {
    const label = getLabel(db, id);
    const used = Number((preparedOnce(db, 'SELECT COUNT(*) AS n FROM shapes WHERE label_id = ?').get(id) as Row).n);
    let reassignedShapes = 0;
    let deletedShapes = 0;
    if (used > 0 && options.reassignTo !== undefined) {
      const target = getLabel(db, options.reassignTo);
      if (target.id === id) throw new StillframeError('invalid-input', 'Choose another label to move the shapes to.');
      if (target.projectId !== label.projectId) {
        throw new StillframeError('invalid-input', 'Shapes can only move to a label of the same project.');
      }
      reassignedShapes = refitShapes(db, id, target);
    } else if (used > 0 && options.deleteShapes) {
      const ids = preparedOnce(db, 'SELECT id FROM shapes WHERE label_id = ?').all(id).map((row) => String(row.id));
      preparedOnce(db, 'DELETE FROM shapes WHERE label_id = ?').run(id);
      for (const shapeId of ids) recordChange(db, 'shape', shapeId, 'delete');
      deletedShapes = ids.length;
    } else if (used > 0) {
      const message =
        used === 1
          ? `1 shape uses “${label.name}”. Move it to another label or delete it with the label.`
          : `${used} shapes use “${label.name}”. Move them to another label or delete them with the label.`;
      throw new StillframeError('conflict', message);
    }
    preparedOnce(db, 'DELETE FROM labels WHERE id = ?').run(id);
    recordChange(db, 'label', id, 'delete');
    return { id, reassignedShapes, deletedShapes };
  });
}

// Shapes

/** A frame as shapes need it: its size bounds their points, its project owns their labels. */
export interface FrameScope {
  id: string;
  batchId: string;
  projectId: string;
  width: number;
  height: number;
}

/** Frames deleted but not yet purged count as gone: nothing is drawn on a frame the person has thrown away. */
export function getFrameScope(db: Database, frameId: string): FrameScope {
  const row = preparedOnce(
    db,
    `SELECT f.id, f.batch_id, f.width, f.height, b.project_id FROM frames f JOIN batches b ON b.id = f.batch_id
     WHERE f.id = ? AND f.deleted_at IS NULL`,
  ).get(frameId);
  if (!row) throw new StillframeError('not-found', 'That frame no longer exists.');
  return {
    id: String(row.id),
    batchId: String(row.batch_id),
    projectId: String(row.project_id),
    width: Number(row.width),
    height: Number(row.height),
  };
}

/** The distinct batches (with their projects) holding these frames, deleted or not, for change events. */
export function batchesOfFrames(db: Database, frameIds: Iterable<string>): { projectId: string; batchId: string }[] {
  const select = preparedOnce(db, 'SELECT f.batch_id, b.project_id FROM frames f JOIN batches b ON b.id = f.batch_id WHERE f.id = ?');
  const batches = new Map<string, string>();
  for (const frameId of new Set(frameIds)) {
    const row = select.get(frameId);
    if (row) batches.set(String(row.batch_id), String(row.project_id));
  }
  return [...batches].map(([batchId, projectId]) => ({ projectId, batchId }));
}

export function listShapes(db: Database, frameId: string): Shape[] {
  getFrameScope(db, frameId);
  return preparedOnce(db, 'SELECT * FROM shapes WHERE frame_id = ? ORDER BY z_index, id').all(frameId).map(toShape);
}

function getShape(db: Database, id: string): Shape {
  const row = preparedOnce(db, 'SELECT * FROM shapes WHERE id = ?').get(id);
  if (!row) throw new StillframeError('not-found', 'That shape no longer exists.');
  return toShape(row);
}

function shapeLabel(db: Database, labelId: string | null, frame: FrameScope): Label | null {
  if (labelId === null) return null;
  const label = getLabel(db, labelId);
  if (label.projectId !== frame.projectId) {
    throw new StillframeError('invalid-input', `The label “${label.name}” belongs to another project.`);
  }
  return label;
}

function topZIndex(db: Database, frameId: string): number {
  return Number((preparedOnce(db, 'SELECT COALESCE(MAX(z_index), -1) + 1 AS z FROM shapes WHERE frame_id = ?').get(frameId) as Row).z);
}

/** Geometry prepared for its frame, label and attributes checked against its project. */
type CheckedShape = Omit<Shape, 'createdAt' | 'updatedAt'>;

function checkShape(input: ParsedShapeInput, frame: FrameScope, label: Label | null, zIndex: number): CheckedShape {
  return {
    id: input.id,
    frameId: frame.id,
    type: input.type,
    points: prepareGeometry(input.type, input.points, frame),
    labelId: input.labelId,
    note: input.note,
    attributes: validateShapeAttributes(input.attributes, label),
    hidden: input.hidden,
    locked: input.locked,
    zIndex,
  };
}

/** Inserts or replaces the row and appends its outbox entry; call inside the transaction that checked it. */
function writeShape(db: Database, shape: CheckedShape): void {
  // A replaced row keeps its created_at and server version: the upsert leaves both as they were.
  preparedOnce(
    db,
    `${shapeInsertSql}
     ON CONFLICT (id) DO UPDATE SET label_id = excluded.label_id, type = excluded.type, points = excluded.points,
       note = excluded.note, attributes = excluded.attributes, hidden = excluded.hidden, locked = excluded.locked,
       z_index = excluded.z_index, updated_at = excluded.updated_at, move_seq = NULL`,
  ).run(...shapeValues(shape, Date.now()));
  recordChange(db, 'shape', shape.id, 'upsert');
}

function upsertShape(db: Database, input: ParsedShapeInput): Shape {
  const frame = getFrameScope(db, input.frameId);
  const existing = preparedOnce(db, 'SELECT frame_id, z_index FROM shapes WHERE id = ?').get(input.id);
  if (existing && String(existing.frame_id) !== frame.id) {
    throw new StillframeError('conflict', 'That shape belongs to another frame. Paste it to copy it here.');
  }
  const label = shapeLabel(db, input.labelId, frame);
  writeShape(db, checkShape(input, frame, label, input.zIndex ?? (existing ? Number(existing.z_index) : topZIndex(db, frame.id))));
  return getShape(db, input.id);
}

/** Creates the shape if its id is new, else replaces it: undo writes back a deleted shape with its own id. */
export function saveShape(db: Database, input: ParsedShapeInput): Shape {
  return transaction(db, () => upsertShape(db, input));
}

/** Several saves as one: all land or none does. */
export function restoreShapes(db: Database, inputs: readonly ParsedShapeInput[]): Shape[] {
  return transaction(db, () => inputs.map((input) => upsertShape(db, input)));
}

/**
 * New shapes, frame by frame, as an import adds them by the hundred thousand: the checks of saveShape, with each
 * frame and label looked up once, nothing read back, and the rows and their outbox entries through the bulk writer.
 * Call inside the caller's transaction; ids must be new.
 */
export function addImportedShapes(db: Database, frames: Iterable<{ frameId: string; shapes: readonly ParsedShapeInput[] }>): void {
  bulkWrite(db, { outbox: true, liftTriggers: true }, (writer) => {
    const labels = new Map<string, Label>();
    for (const { frameId, shapes } of frames) {
      const frame = getFrameScope(db, frameId);
      let top: number | null = null;
      for (const input of shapes) {
        let label: Label | null = null;
        if (input.labelId !== null) {
          const known = labels.get(input.labelId);
          label = known && known.projectId === frame.projectId ? known : shapeLabel(db, input.labelId, frame);
          if (label) labels.set(input.labelId, label);
        }
        let zIndex = input.zIndex;
        if (zIndex === undefined) {
          top ??= topZIndex(db, frame.id);
          zIndex = top++;
        }
        writer.shape(checkShape(input, frame, label, zIndex));
      }
    }
  });
}

const day = 24 * 60 * 60 * 1000;
/** A move older than this (by its id) that the host has no record of is refused rather than risk moving twice. */
const moveAcceptedForMs = 90 * day;
/** Applied moves are remembered longer than they are accepted, so a page whose clock runs a week fast is covered too. */
const moveRememberedForMs = moveAcceptedForMs + 7 * day;

/**
 * Moves the shapes of one frame by one offset, shortened so they stay whole inside it, in one transaction. Ids not
 * on the frame are skipped, as a teammate may have deleted them.
 *
 * The page sends a move again when the connection dropped before the answer came, together with the writes it sent
 * around it. So each move is remembered by its id with a sequence number, and each shape keeps the number of the
 * last move applied to it, cleared by an absolute write (saveShape, restoreShapes). A move sent again then moves only
 * the shapes that an absolute write sent again before it put back: the frame ends as it was, never moved twice.
 */
export function moveShapes(db: Database, input: ShapeMove): ShapesMoved {
  return transaction(db, () => {
    const now = Date.now();
    const known = preparedOnce(db, 'SELECT seq, moved, dx, dy FROM shape_moves WHERE id = ?').get(input.moveId);
    if (!known && uuidv7Time(input.moveId) < now - moveAcceptedForMs) {
      throw new StillframeError(
        'conflict',
        'This move was made more than 90 days ago and never confirmed, so it was not applied: the shapes stay where the library has them. Check this computer’s clock if the move is recent.',
      );
    }
    const frame = getFrameScope(db, input.frameId);
    const select = preparedOnce(db, 'SELECT type, points, move_seq FROM shapes WHERE id = ? AND frame_id = ?');
    const found: { id: string; type: ShapeType; points: number[]; moveSeq: number | null }[] = [];
    for (const id of new Set(input.ids)) {
      const row = select.get(id, frame.id);
      if (!row) continue;
      const moveSeq = row.move_seq == null ? null : Number(row.move_seq);
      found.push({ id, type: String(row.type) as ShapeType, points: JSON.parse(String(row.points)) as number[], moveSeq });
    }
    let answer: ShapesMoved;
    let seq: number;
    if (known) {
      answer = { moved: Number(known.moved), dx: Number(known.dx), dy: Number(known.dy) };
      seq = Number(known.seq);
    } else {
      const offset = clampOffset(boundsOfShapes(found), input.dx, input.dy, frame);
      answer = { moved: found.length, dx: offset.x, dy: offset.y };
      const insert = preparedOnce(db, 'INSERT INTO shape_moves (id, moved, dx, dy, applied_at) VALUES (?, ?, ?, ?, ?)');
      seq = Number(insert.run(input.moveId, answer.moved, answer.dx, answer.dy, now).lastInsertRowid);
      preparedOnce(db, 'DELETE FROM shape_moves WHERE applied_at < ?').run(now - moveRememberedForMs);
    }
    const update = preparedOnce(db, 'UPDATE shapes SET points = ?, updated_at = ?, move_seq = ? WHERE id = ?');
    const offset = { x: answer.dx, y: answer.dy };
    for (const shape of found) {
      if (shape.moveSeq !== null && shape.moveSeq >= seq) continue;
      update.run(JSON.stringify(prepareGeometry(shape.type, offsetPoints(shape.points, offset), frame)), now, seq, shape.id);
      recordChange(db, 'shape', shape.id, 'upsert');
    }
    return answer;
  });
}

/** Returns the shapes as they were, so they can be restored with the same ids; ids already gone are skipped. */
export function deleteShapes(db: Database, ids: readonly string[]): Shape[] {
  return transaction(db, () => {
    const select = preparedOnce(db, 'SELECT * FROM shapes WHERE id = ?');
    const remove = preparedOnce(db, 'DELETE FROM shapes WHERE id = ?');
    const deleted: Shape[] = [];
    for (const id of new Set(ids)) {
      const row = select.get(id);
      if (!row) continue;
      remove.run(id);
      recordChange(db, 'shape', id, 'delete');
      deleted.push(toShape(row));
    }
    return deleted;
  });
}

/**
 * Copies the shapes onto the frame with new ids, above what it already has and in their own stacking order,
 * clamped to its size. A shape left with nothing inside the frame is skipped and counted, not an error: pasting
 * onto a smaller frame should keep what fits.
 */
export function pasteShapes(db: Database, toFrameId: string, inputs: readonly ParsedShapeInput[]): { shapes: Shape[]; skipped: number } {
  return transaction(db, () => {
    const frame = getFrameScope(db, toFrameId);
    let zIndex = topZIndex(db, frame.id);
    const ids: string[] = [];
    let skipped = 0;
    const ordered = [...inputs].sort((a, b) => (a.zIndex ?? 0) - (b.zIndex ?? 0));
    for (const input of ordered) {
      const malformed = geometryProblem(input.type, input.points);
      if (malformed !== null) throw new StillframeError('invalid-input', malformed);
      const points = fitGeometry(input.type, input.points, frame);
      if (geometryProblem(input.type, points) !== null) {
        skipped++;
        continue;
      }
      const label = shapeLabel(db, input.labelId, frame);
      const id = uuidv7();
      writeShape(db, {
        id,
        frameId: frame.id,
        type: input.type,
        points,
        labelId: input.labelId,
        note: input.note,
        attributes: validateShapeAttributes(input.attributes, label),
        hidden: input.hidden,
        locked: input.locked,
        zIndex: zIndex++,
      });
      ids.push(id);
    }
    return { shapes: ids.map((id) => getShape(db, id)), skipped };
  });
}

/** Every shape of one frame pasted onto another, such as the frame before it. */
export function copyShapesFromFrame(db: Database, fromFrameId: string, toFrameId: string): { shapes: Shape[]; skipped: number } {
  if (fromFrameId === toFrameId) throw new StillframeError('invalid-input', 'Choose a different frame to copy the shapes from.');
  return transaction(db, () => pasteShapes(db, toFrameId, listShapes(db, fromFrameId)));
}

/** Shapes per frame of the batch; frames without shapes are absent. */
export function frameAnnotationCounts(db: Database, batchId: string): Map<string, number> {
  const rows = preparedOnce(
    db,
    `SELECT s.frame_id, COUNT(*) AS n FROM shapes s JOIN frames f ON f.id = s.frame_id
     WHERE f.batch_id = ? AND f.annotated = 1 AND f.deleted_at IS NULL GROUP BY s.frame_id`,
  ).all(batchId);
  return new Map(rows.map((row) => [String(row.frame_id), Number(row.n)]));
}

/**
 * Per frame with shapes: how many, and which labels they use, for the grid's badges and label filters. Read through
 * the index of annotated frames: walking every frame of the batch for its shapes took 85 ms for 50,000 frames with none,
 * and held up the host while a project opened.
 */
export function frameAnnotationSummaries(db: Database, batchId: string): AnnotationCount[] {
  const rows = preparedOnce(
    db,
    `SELECT s.frame_id, s.label_id, COUNT(*) AS n
     FROM shapes s JOIN frames f ON f.id = s.frame_id LEFT JOIN labels l ON l.id = s.label_id
     WHERE f.batch_id = ? AND f.annotated = 1 AND f.deleted_at IS NULL
     GROUP BY s.frame_id, s.label_id ORDER BY s.frame_id, l.created_at, l.id`,
  ).all(batchId);
  const byFrame = new Map<string, AnnotationCount>();
  for (const row of rows) {
    const frameId = String(row.frame_id);
    let summary = byFrame.get(frameId);
    if (!summary) {
      summary = { frameId, count: 0, labelIds: [] };
      byFrame.set(frameId, summary);
    }
    summary.count += Number(row.n);
    if (row.label_id != null) summary.labelIds.push(String(row.label_id));
  }
  return [...byFrame.values()];
}
