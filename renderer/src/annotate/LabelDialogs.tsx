import { useState } from 'react';
import type { Label, LabelAttributeDef } from '../../../shared/annotations';
import { toAppError } from '../../../shared/errors';
import { plural } from '../format';
import { Dialog } from '../views/Dialog';
import { editorStore } from './editor';
import { attributeKey, freeHotkey, nextColor, shapesInUse } from './labels';

interface AttributeRow {
  /** Null until saved: a new attribute's key comes from its name, a saved one's never changes under its values. */
  key: string | null;
  name: string;
  type: LabelAttributeDef['type'];
  /** A choice's options, comma-separated as the person types them. */
  options: string;
}

const attributeTypes: { value: LabelAttributeDef['type']; name: string }[] = [
  { value: 'text', name: 'Text' },
  { value: 'number', name: 'Number' },
  { value: 'choice', name: 'Choice' },
  { value: 'checkbox', name: 'Checkbox' },
];

function toDefs(rows: readonly AttributeRow[]): LabelAttributeDef[] {
  const taken = new Set(rows.flatMap((row) => (row.key ? [row.key] : [])));
  return rows.map((row) => {
    const key = row.key ?? attributeKey(row.name, taken);
    taken.add(key);
    const def: LabelAttributeDef = { key, name: row.name, type: row.type };
    if (row.type === 'choice') def.options = row.options.split(',').map((option) => option.trim()).filter(Boolean);
    return def;
  });
}

interface LabelEditorProps {
  projectId: string;
  /** The label to edit; none to create one. */
  label: Label | null;
  labels: readonly Label[];
  onClose(): void;
  onDelete(label: Label): void;
}

/** Creates or edits a label: name, colour, hotkey and the attributes its shapes carry. The host has the last word. */
export function LabelEditor({ projectId, label, labels, onClose, onDelete }: LabelEditorProps) {
  const [name, setName] = useState(label?.name ?? '');
  const [color, setColor] = useState(label?.color ?? nextColor(labels));
  const [hotkey, setHotkey] = useState<string>(String((label ? label.hotkey : freeHotkey(labels)) ?? ''));
  const [rows, setRows] = useState<AttributeRow[]>(
    (label?.attributes ?? []).map((def) => ({ key: def.key, name: def.name, type: def.type, options: (def.options ?? []).join(', ') })),
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const updateRow = (index: number, patch: Partial<AttributeRow>) => setRows((all) => all.map((row, i) => (i === index ? { ...row, ...patch } : row)));

  const submit = () => {
    const patch = { name, color, hotkey: hotkey === '' ? null : Number(hotkey), attributes: toDefs(rows) };
    const store = editorStore.getState();
    setBusy(true);
    (label ? store.updateLabel(label.id, patch) : store.createLabel({ projectId, ...patch })).then(onClose, (caught: unknown) => {
      setBusy(false);
      setError(toAppError(caught).message);
    });
  };

  const owner = (key: number) => labels.find((other) => other.hotkey === key && other.id !== label?.id);

  return (
    <Dialog error={error} title={label ? `Edit label “${label.name}”` : 'New label'} submitLabel={label ? 'Save label' : 'Create label'} submitDisabled={busy} onClose={onClose} onSubmit={submit}>
      <label className="field">
        <span>Label name</span>
        <input value={name} onChange={(event) => setName(event.target.value)} aria-invalid={error !== null} />
      </label>
      <div className="label-editor-row">
        <label className="field">
          <span>Colour</span>
          <input type="color" value={color} onChange={(event) => setColor(event.target.value)} />
        </label>
        <label className="field">
          <span>Hotkey</span>
          <select value={hotkey} onChange={(event) => setHotkey(event.target.value)}>
            <option value="">None</option>
            {[1, 2, 3, 4, 5, 6, 7, 8, 9].map((key) => {
              const taken = owner(key);
              return (
                <option key={key} value={String(key)}>
                  {taken ? `${key} (used by ${taken.name})` : String(key)}
                </option>
              );
            })}
          </select>
        </label>
      </div>
      <fieldset className="attributes">
        <legend>Attributes</legend>
        {rows.length === 0 && <p className="muted">Shapes with this label carry no attributes yet.</p>}
        {rows.map((row, index) => (
          <div className="attribute-row" role="group" aria-label={`Attribute ${index + 1}`} key={index}>
            <label className="field">
              <span>Name</span>
              <input value={row.name} onChange={(event) => updateRow(index, { name: event.target.value })} />
            </label>
            <label className="field">
              <span>Type</span>
              <select value={row.type} onChange={(event) => updateRow(index, { type: event.target.value as LabelAttributeDef['type'] })}>
                {attributeTypes.map((type) => (
                  <option key={type.value} value={type.value}>
                    {type.name}
                  </option>
                ))}
              </select>
            </label>
            {row.type === 'choice' && (
              <label className="field">
                <span>Options, separated by commas</span>
                <input value={row.options} onChange={(event) => updateRow(index, { options: event.target.value })} />
              </label>
            )}
            <button type="button" aria-label={`Remove attribute ${row.name || index + 1}`} onClick={() => setRows((all) => all.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setRows((all) => [...all, { key: null, name: '', type: 'text', options: '' }])}>
          Add attribute
        </button>
      </fieldset>
      {label && (
        <button type="button" className="danger delete-label" onClick={() => onDelete(label)}>
          Delete label…
        </button>
      )}
    </Dialog>
  );
}

interface DeleteLabelProps {
  label: Label;
  labels: readonly Label[];
  onClose(): void;
}

/**
 * Deletes a label. The host refuses while shapes use it and says how many; the dialog then offers the two ways
 * on: move those shapes to another label, or delete them with it.
 */
export function DeleteLabelDialog({ label, labels, onClose }: DeleteLabelProps) {
  const others = labels.filter((other) => other.id !== label.id);
  const [inUse, setInUse] = useState<{ message: string; count: number | null } | null>(null);
  const [choice, setChoice] = useState<'reassign' | 'delete'>(others.length > 0 ? 'reassign' : 'delete');
  const [target, setTarget] = useState(others[0]?.id ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = () => {
    const options = !inUse ? {} : choice === 'reassign' ? { reassignTo: target } : { deleteShapes: true };
    setBusy(true);
    editorStore
      .getState()
      .deleteLabel(label.id, options)
      .then(onClose, (caught: unknown) => {
        setBusy(false);
        const problem = toAppError(caught);
        if (!inUse && problem.code === 'conflict') setInUse({ message: problem.message, count: shapesInUse(problem.message) });
        else setError(problem.message);
      });
  };

  const deleteShapes = inUse?.count != null ? `Delete its ${plural(inUse.count, 'shape')}` : 'Delete its shapes';

  return (
    <Dialog
      error={error}
      title={`Delete label “${label.name}”?`}
      submitLabel={inUse && choice === 'reassign' ? 'Reassign and delete label' : 'Delete label'}
      submitDisabled={busy || (inUse !== null && choice === 'reassign' && target === '')}
      danger
      onClose={onClose}
      onSubmit={submit}
    >
      {!inUse ? (
        <p>The label and its hotkey and attributes go. Shapes using it, if any, stay until you say where they go.</p>
      ) : (
        <>
          <p role="alert">{inUse.message}</p>
          <label className="radio">
            <input type="radio" name="label-shapes" checked={choice === 'reassign'} disabled={others.length === 0} onChange={() => setChoice('reassign')} />
            <span>Reassign to…</span>
          </label>
          <label className="field indented">
            <span>Label to reassign them to</span>
            <select value={target} disabled={choice !== 'reassign' || others.length === 0} onChange={(event) => setTarget(event.target.value)}>
              {others.map((other) => (
                <option key={other.id} value={other.id}>
                  {other.name}
                </option>
              ))}
            </select>
          </label>
          <label className="radio">
            <input type="radio" name="label-shapes" checked={choice === 'delete'} onChange={() => setChoice('delete')} />
            <span>{deleteShapes}</span>
          </label>
        </>
      )}
    </Dialog>
  );
}
