import { z } from 'zod';
import { idSchema } from './domain';
import { StillframeError } from './errors';
import { uuidPattern } from './ids';

export const labelNameMaxLength = 60;
export const shapeNoteMaxLength = 2000;
export const attributeTextMaxLength = 2000;

export const shapeTypeSchema = z.enum(['rectangle', 'polygon', 'polyline', 'point']);
export type ShapeType = z.infer<typeof shapeTypeSchema>;

const hotkeySchema = z.number().int().min(1).max(9).nullable();

export const labelAttributeDefSchema = z
  .object({
    /** The value's name in shapes and exports; starting with a letter keeps out `__proto__` and its kind. */
    key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'Use 1–40 letters, digits or _, starting with a letter.'),
    name: z.string().min(1).max(labelNameMaxLength),
    type: z.enum(['text', 'number', 'choice', 'checkbox']),
    /** The allowed values of a `choice` attribute, in the order the panel lists them. */
    options: z.array(z.string().min(1).max(100)).max(100).optional(),
  })
  .strict();
export type LabelAttributeDef = z.infer<typeof labelAttributeDefSchema>;

export const labelSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  name: z.string(),
  /** `#rrggbb`, lower case. */
  color: z.string(),
  /** The digit key that picks this label on the canvas. */
  hotkey: hotkeySchema,
  attributes: z.array(labelAttributeDefSchema),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Label = z.infer<typeof labelSchema>;

const attributeDefsSchema = z.array(labelAttributeDefSchema).max(50);

export const labelCreateSchema = z
  .object({
    projectId: idSchema,
    name: z.string().max(1000),
    color: z.string().max(100),
    hotkey: hotkeySchema.default(null),
    attributes: attributeDefsSchema.default([]),
  })
  .strict();
export type LabelCreate = z.output<typeof labelCreateSchema>;

/** Omitted fields stay as they are. */
export const labelPatchSchema = z
  .object({
    name: z.string().max(1000).optional(),
    color: z.string().max(100).optional(),
    hotkey: hotkeySchema.optional(),
    attributes: attributeDefsSchema.optional(),
  })
  .strict();
export type LabelPatch = z.output<typeof labelPatchSchema>;

export const attributeValueSchema = z.union([z.string().max(attributeTextMaxLength), z.number(), z.boolean()]);
export type AttributeValue = z.infer<typeof attributeValueSchema>;
const attributeValuesSchema = z.record(z.string().max(40), attributeValueSchema);

export const shapeSchema = z.object({
  id: idSchema,
  frameId: idSchema,
  type: shapeTypeSchema,
  /** Flat x, y pairs in the frame image's own pixels; a rectangle is its top-left then bottom-right corner. */
  points: z.array(z.number()),
  labelId: idSchema.nullable(),
  note: z.string(),
  attributes: z.record(z.string(), attributeValueSchema),
  hidden: z.boolean(),
  /** The canvas does not move or reshape a locked shape; the store still accepts edits, so unlocking is one save. */
  locked: z.boolean(),
  /** Higher draws on top. */
  zIndex: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Shape = z.infer<typeof shapeSchema>;

/**
 * What a client writes. A Shape read back from the API is valid input as it is, so undo can write the shapes it
 * kept without reshaping them; the store keeps its own timestamps whatever these say.
 */
export const shapeInputSchema = z
  .object({
    /** Made by the client with `uuidv7()`, so a shape has its id before the store has seen it. */
    id: z.string().regex(uuidPattern, 'Shape ids are UUIDs made with uuidv7().'),
    frameId: idSchema,
    type: shapeTypeSchema,
    points: z.array(z.number()).max(20_000),
    labelId: idSchema.nullable().default(null),
    note: z.string().max(shapeNoteMaxLength).default(''),
    attributes: attributeValuesSchema.default({}),
    hidden: z.boolean().default(false),
    locked: z.boolean().default(false),
    /** Omitted: on top of the frame's shapes when new, unchanged when it already exists. */
    zIndex: z.number().int().min(-1_000_000_000).max(1_000_000_000).optional(),
    createdAt: z.number().optional(),
    updatedAt: z.number().optional(),
  })
  .strict();
export type ShapeInput = z.input<typeof shapeInputSchema>;
export type ParsedShapeInput = z.output<typeof shapeInputSchema>;

/** One frame's entry in a batch's annotation counts. */
export const annotationCountSchema = z.object({
  frameId: idSchema,
  count: z.number(),
  /** Distinct labels on the frame's shapes, in the order `labels.list` gives; unlabelled shapes add none. */
  labelIds: z.array(idSchema),
});
export type AnnotationCount = z.infer<typeof annotationCountSchema>;

/** Trimmed and checked; throws a message a person can act on. */
export function validateLabelName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw new StillframeError('invalid-input', 'Label name is required.');
  if ([...name].length > labelNameMaxLength) {
    throw new StillframeError('invalid-input', `Label name is too long: at most ${labelNameMaxLength} characters.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new StillframeError('invalid-input', 'Label name cannot contain control characters.');
  }
  return name;
}

/** `#rrggbb` in lower case, so two spellings of one colour compare equal. */
export function normaliseColor(raw: string): string {
  const color = raw.trim().toLowerCase();
  if (!/^#[0-9a-f]{6}$/.test(color)) {
    throw new StillframeError('invalid-input', `“${raw}” is not a colour: use the form #rrggbb, like #1e90ff.`);
  }
  return color;
}

/** Checks what the schema cannot see across fields: unique keys and options only, and always, on choices. */
export function validateAttributeDefs(defs: readonly LabelAttributeDef[]): LabelAttributeDef[] {
  const keys = new Set<string>();
  return defs.map((def) => {
    const name = def.name.trim();
    if (name.length === 0) throw new StillframeError('invalid-input', 'Every attribute needs a name.');
    if (keys.has(def.key)) throw new StillframeError('invalid-input', `Two attributes use the key “${def.key}”. Keys must differ.`);
    keys.add(def.key);
    if (def.type !== 'choice') {
      if (def.options !== undefined) {
        throw new StillframeError('invalid-input', `Attribute “${name}” is not a choice, so it cannot have options.`);
      }
      return { key: def.key, name, type: def.type };
    }
    const options = (def.options ?? []).map((option) => option.trim()).filter((option) => option.length > 0);
    if (options.length === 0) throw new StillframeError('invalid-input', `Attribute “${name}” needs at least one option.`);
    if (new Set(options).size !== options.length) {
      throw new StillframeError('invalid-input', `Attribute “${name}” lists the same option twice.`);
    }
    return { key: def.key, name, type: def.type, options };
  });
}

function attributeProblem(def: LabelAttributeDef, value: AttributeValue): string | null {
  switch (def.type) {
    case 'text':
      return typeof value === 'string' ? null : `Attribute “${def.name}” must be text.`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : `Attribute “${def.name}” must be a number.`;
    case 'checkbox':
      return typeof value === 'boolean' ? null : `Attribute “${def.name}” must be checked or unchecked (true or false).`;
    case 'choice':
      return typeof value === 'string' && (def.options ?? []).includes(value)
        ? null
        : `Attribute “${def.name}” must be one of: ${(def.options ?? []).join(', ')}.`;
  }
}

/** A shape's attribute values checked against its label's definitions; any may be left unset. */
export function validateShapeAttributes(
  attributes: Readonly<Record<string, AttributeValue>>,
  label: Pick<Label, 'name' | 'attributes'> | null,
): Record<string, AttributeValue> {
  const entries = Object.entries(attributes);
  if (label === null) {
    if (entries.length > 0) throw new StillframeError('invalid-input', 'Choose a label before setting attributes.');
    return {};
  }
  const result: Record<string, AttributeValue> = {};
  for (const [key, value] of entries) {
    const def = label.attributes.find((candidate) => candidate.key === key);
    if (!def) throw new StillframeError('invalid-input', `Label “${label.name}” has no attribute “${key}”.`);
    const problem = attributeProblem(def, value);
    if (problem) throw new StillframeError('invalid-input', problem);
    result[key] = value;
  }
  return result;
}

/** The values that still fit `label` after its definitions changed or the shape moved to it; the rest are dropped. */
export function keepFittingAttributes(
  attributes: Readonly<Record<string, AttributeValue>>,
  label: Pick<Label, 'attributes'>,
): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    const def = label.attributes.find((candidate) => candidate.key === key);
    if (def && attributeProblem(def, value) === null) result[key] = value;
  }
  return result;
}
