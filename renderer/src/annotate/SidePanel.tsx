import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { AttributeValue, Label, LabelAttributeDef, Shape } from '../../../shared/annotations';
import { shapeNoteMaxLength } from '../../../shared/annotations';
import { plural } from '../format';
import { editorStore, useEditor } from './editor';
import { toAppError } from '../../../shared/errors';
import { DeleteLabelDialog, LabelEditor } from './LabelDialogs';
import { nextColor, shapeGeometry, shapeTitle } from './labels';

const rowHeight = 30;

function Swatch({ color }: { color: string }) {
  return <span className="swatch" style={{ background: color }} aria-hidden="true" />;
}

/** A project's first label is named right here, where the person is about to draw, not in a dialog. */
function FirstLabel({ projectId }: { projectId: string }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const submit = () => {
    setBusy(true);
    setError(null);
    editorStore
      .getState()
      .createLabel({ projectId, name, color: nextColor([]), hotkey: 1, attributes: [] })
      .then(
        () => setName(''),
        (caught: unknown) => setError(toAppError(caught).message),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form
      className="first-label"
      aria-label="First label"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label className="field" htmlFor={fieldId}>
        <span>Name the first label; new shapes get it</span>
      </label>
      <div className="first-label-row">
        <input id={fieldId} value={name} placeholder="For example: car" aria-invalid={error !== null} onChange={(event) => setName(event.target.value)} />
        <button type="submit" className="primary" disabled={busy}>
          Add label
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function LabelsSection({ projectId }: { projectId: string }) {
  const labels = useEditor((state) => state.labels);
  const nextLabelId = useEditor((state) => state.nextLabelId);
  const [editing, setEditing] = useState<Label | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Label | null>(null);
  const headingId = useId();
  const active = labels.find((label) => label.id === nextLabelId);
  // A viewer picks labels to look through the shapes, but makes and edits none: the reason is the button's description.
  const readOnly = useEditor((state) => state.readOnly);
  const changes = { disabled: readOnly !== null, title: readOnly ?? undefined };

  return (
    <section className="panel-section labels-section" aria-labelledby={headingId}>
      <div className="panel-heading">
        <h2 id={headingId}>Labels</h2>
        <button type="button" {...changes} onClick={() => setEditing('new')}>
          New label
        </button>
      </div>
      {labels.length === 0 && (readOnly ? <p className="muted">No labels yet.</p> : <FirstLabel projectId={projectId} />)}
      {active && (
        <p className="active-label-line">
          New shapes get <Swatch color={active.color} /> <strong>{active.name}</strong>
        </p>
      )}
      <ul className="label-list">
        {labels.map((label) => (
          <li key={label.id}>
            <button
              type="button"
              className="label-pick"
              aria-pressed={nextLabelId === label.id}
              aria-label={label.hotkey ? `${label.name}, key ${label.hotkey}` : label.name}
              title="Give this label to the selection, or to the next shape"
              onClick={() => editorStore.getState().setLabel(label.id)}
            >
              <Swatch color={label.color} />
              <span className="label-name">{label.name}</span>
              {nextLabelId === label.id && (
                <span className="active-mark" aria-hidden="true">
                  active
                </span>
              )}
              {label.hotkey && <kbd>{label.hotkey}</kbd>}
            </button>
            <button type="button" className="icon" aria-label={`Edit label ${label.name}`} {...changes} onClick={() => setEditing(label)}>
              <span aria-hidden="true">✎</span>
            </button>
          </li>
        ))}
      </ul>
      {editing && (
        <LabelEditor
          projectId={projectId}
          label={editing === 'new' ? null : editing}
          labels={labels}
          onClose={() => setEditing(null)}
          onDelete={(label) => {
            setEditing(null);
            setDeleting(label);
          }}
        />
      )}
      {deleting && <DeleteLabelDialog label={deleting} labels={labels} onClose={() => setDeleting(null)} />}
    </section>
  );
}

const ShapeRow = memo(function ShapeRow({
  shape,
  position,
  label,
  selected,
  top,
}: {
  shape: Shape;
  position: number;
  label: Label | undefined;
  selected: boolean;
  top: number;
}) {
  return (
    <div
      id={`shape-${shape.id}`}
      role="option"
      aria-selected={selected}
      className={`shape-row${selected ? ' selected' : ''}${shape.hidden ? ' hidden-shape' : ''}`}
      style={{ transform: `translateY(${top}px)`, height: rowHeight }}
      onClick={(event) => {
        const store = editorStore.getState();
        if (event.shiftKey || event.ctrlKey || event.metaKey) store.toggleSelected(shape.id);
        else store.select([shape.id]);
      }}
    >
      <Swatch color={label?.color ?? '#d4d4d8'} />
      <span className="shape-title">{shapeTitle(shape, position, label)}</span>
    </div>
  );
});

/**
 * The frame's shapes as a listbox: the keyboard's way to every shape, in step with the canvas selection. Only
 * the rows in view are in the DOM, so a frame with 1,000 shapes opens as fast as one with ten.
 */
function ShapesSection() {
  const shapes = useEditor((state) => state.shapes);
  const ready = useEditor((state) => state.shapesReady);
  const labels = useEditor((state) => state.labels);
  const selection = useEditor((state) => state.selection);
  const scroller = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const byId = useMemo(() => new Map(labels.map((label) => [label.id, label])), [labels]);
  const selected = useMemo(() => new Set(selection), [selection]);
  const unlabelled = useMemo(() => shapes.filter((shape) => shape.labelId === null).length, [shapes]);
  const focused = selection.at(-1);
  const focusedIndex = focused ? shapes.findIndex((shape) => shape.id === focused) : -1;

  const virtualizer = useVirtualizer({
    count: shapes.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 8,
  });

  useEffect(() => {
    // Rows are all one height, so one read of the scroll position says whether the selected row is in view;
    // the virtualizer's scrollToIndex measures again and again until it settles, a long frame per selection.
    const element = scroller.current;
    if (!element || focusedIndex < 0) return;
    const top = focusedIndex * rowHeight;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = top + rowHeight - element.clientHeight;
  }, [focusedIndex]);

  const onKeyDown = (event: KeyboardEvent) => {
    const steps: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    const step = steps[event.key];
    if (step === undefined || shapes.length === 0) return;
    // The list's own arrows: they must not also nudge the shape or change the frame.
    event.preventDefault();
    event.stopPropagation();
    const from = focusedIndex < 0 ? (step > 0 ? -1 : shapes.length) : focusedIndex;
    const next = shapes[Math.min(shapes.length - 1, Math.max(0, from + step))];
    if (next) editorStore.getState().select([next.id]);
  };

  return (
    <section className="panel-section shapes-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Shapes {ready && <span className="muted">({shapes.length.toLocaleString()})</span>}</h2>
      {ready && shapes.length === 0 && <p className="muted">No shapes on this frame yet. Pick a tool on the left and draw.</p>}
      {ready && unlabelled > 0 && (
        <p className="unlabelled-count" role="note">
          {plural(unlabelled, 'shape')} without a label: COCO, YOLO and Pascal VOC exports leave {unlabelled === 1 ? 'it' : 'them'} out.
        </p>
      )}
      <div
        ref={scroller}
        className="shape-list"
        role="listbox"
        aria-label="Shapes on this frame"
        aria-multiselectable="true"
        aria-activedescendant={focused && focusedIndex >= 0 ? `shape-${focused}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onFocus={() => {
          const first = shapes[0];
          if (selection.length === 0 && first) editorStore.getState().select([first.id]);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const shape = shapes[item.index];
            if (!shape) return null;
            return (
              <ShapeRow
                key={shape.id}
                shape={shape}
                position={item.index + 1}
                label={shape.labelId ? byId.get(shape.labelId) : undefined}
                selected={selected.has(shape.id)}
                top={item.start}
              />
            );
          })}
        </div>
      </div>
    </section>
  );
}

/** A text or number field that writes when the person is done with it (Enter or leaving it), not per keystroke. */
function CommitField({
  label,
  value,
  multiline,
  number,
  onCommit,
}: {
  label: string;
  value: string;
  multiline?: boolean;
  number?: boolean;
  onCommit(value: string): void;
}) {
  const [draft, setDraft] = useState(value);
  // An undo, or another shape, changes what the field shows; the person's focus stays where it was.
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  return (
    <label className="field">
      <span>{label}</span>
      {multiline ? (
        <textarea
          value={draft}
          rows={2}
          maxLength={shapeNoteMaxLength}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={commit}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) commit();
          }}
        />
      ) : (
        <input
          type={number ? 'number' : 'text'}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={commit}
          onKeyDown={(event) => {
            if (event.key === 'Enter') commit();
          }}
        />
      )}
    </label>
  );
}

function AttributeField({ shape, def }: { shape: Shape; def: LabelAttributeDef }) {
  const value = shape.attributes[def.key];
  const set = (next: AttributeValue | undefined) => editorStore.getState().setAttribute(shape.id, def.key, next);
  switch (def.type) {
    case 'checkbox':
      return (
        <label className="radio">
          <input type="checkbox" checked={value === true} onChange={(event) => set(event.target.checked)} />
          <span>{def.name}</span>
        </label>
      );
    case 'choice':
      return (
        <label className="field">
          <span>{def.name}</span>
          <select value={typeof value === 'string' ? value : ''} onChange={(event) => set(event.target.value === '' ? undefined : event.target.value)}>
            <option value="">Not set</option>
            {(def.options ?? []).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
      );
    case 'number':
      return (
        <CommitField
          label={def.name}
          number
          value={typeof value === 'number' ? String(value) : ''}
          onCommit={(text) => set(text.trim() === '' || !Number.isFinite(Number(text)) ? undefined : Number(text))}
        />
      );
    case 'text':
      return (
        <CommitField
          label={def.name}
          value={typeof value === 'string' ? value : ''}
          onCommit={(text) => set(text === '' ? undefined : text)}
        />
      );
  }
}

function LabelSelect({ value, onChange }: { value: string; onChange(labelId: string | null): void }) {
  const labels = useEditor((state) => state.labels);
  return (
    <label className="field">
      <span>Label</span>
      <select value={value} onChange={(event) => onChange(event.target.value === '' ? null : event.target.value)}>
        {value === 'mixed' && <option value="mixed">Several labels</option>}
        <option value="">No label</option>
        {labels.map((label) => (
          <option key={label.id} value={label.id}>
            {label.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The selected shape's label, attributes, note, and whether it is hidden or locked; several at once where it makes sense. */
function SelectionSection() {
  const shapes = useEditor((state) => state.shapes);
  const selection = useEditor((state) => state.selection);
  const labels = useEditor((state) => state.labels);
  const headingId = useId();
  const chosen = useMemo(() => {
    const ids = new Set(selection);
    return shapes.filter((shape) => ids.has(shape.id));
  }, [shapes, selection]);
  if (chosen.length === 0) return null;
  const store = () => editorStore.getState();
  const first = chosen[0];
  const only = chosen.length === 1 ? first : undefined;
  const label = only?.labelId ? labels.find((candidate) => candidate.id === only.labelId) : undefined;
  const labelIds = new Set(chosen.map((shape) => shape.labelId ?? ''));
  const labelValue = labelIds.size > 1 ? 'mixed' : (first?.labelId ?? '');
  const allHidden = chosen.every((shape) => shape.hidden);
  const allLocked = chosen.every((shape) => shape.locked);
  const setAll = (patch: Partial<Pick<Shape, 'hidden' | 'locked' | 'note'>>) => store().updateShapes(chosen.map((shape) => ({ ...shape, ...patch })));

  return (
    <section className="panel-section selection-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{only ? `Selected ${only.type}` : `${plural(chosen.length, 'shape')} selected`}</h2>
      {only && (
        <p className="shape-geometry">
          {shapeGeometry(only)}
        </p>
      )}
      <LabelSelect value={labelValue} onChange={(labelId) => store().setLabel(labelId)} />
      {only && label?.attributes.map((def) => <AttributeField key={def.key} shape={only} def={def} />)}
      {only && <CommitField label="Note" multiline value={only.note} onCommit={(note) => setAll({ note })} />}
      <label className="radio">
        <input type="checkbox" checked={allHidden} onChange={(event) => setAll({ hidden: event.target.checked })} aria-keyshortcuts="H" />
        <span>Hidden</span>
      </label>
      <label className="radio">
        <input type="checkbox" checked={allLocked} onChange={(event) => setAll({ locked: event.target.checked })} />
        <span>Locked</span>
      </label>
      <button type="button" className="danger" onClick={() => store().deleteSelection()}>
        {only ? 'Delete shape' : `Delete ${plural(chosen.length, 'shape')}`}
      </button>
    </section>
  );
}

export function SidePanel({ projectId }: { projectId: string }) {
  return (
    <aside className="annotator-panel" aria-label="Labels and shapes">
      <LabelsSection projectId={projectId} />
      <SelectionSection />
      <ShapesSection />
    </aside>
  );
}
