import { StillframeError } from '../errors';

/**
 * A small, strict XML reader for the annotation files other tools write (CVAT, Pascal VOC). It knows elements,
 * attributes, text, CDATA, comments, processing instructions and a DOCTYPE without an internal subset, and the five
 * predefined entities plus numeric character references. Anything else, and any file that is cut short or whose tags
 * do not nest, is refused with the line it happened on, so a truncated export never imports half its objects.
 * It scans the text once with indexOf, so a 10,000-image CVAT file of tens of megabytes reads in well under a second.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities resolved, untrimmed. */
  text: string;
  /** 1-based line of its start tag, for messages. */
  line: number;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const namePattern = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;

export class XmlReader {
  private at = 0;
  /** Lines are counted forward from the last place asked about, so giving every element its line costs one pass. */
  private countedTo = 0;
  private countedLines = 1;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  private lineAt(index: number): number {
    if (index < this.countedTo) {
      this.countedTo = 0;
      this.countedLines = 1;
    }
    for (let i = this.text.indexOf('\n', this.countedTo); i !== -1 && i < index; i = this.text.indexOf('\n', i + 1)) this.countedLines++;
    this.countedTo = index;
    return this.countedLines;
  }

  private fail(message: string, index = this.at): never {
    throw new StillframeError('invalid-input', `“${this.source}” is not well-formed XML: ${message} (line ${this.lineAt(index)}).`);
  }

  private decode(raw: string, start: number): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]*);?/g, (match, name: string) => {
      if (!match.endsWith(';')) this.fail('an “&” that starts no entity', start);
      if (name.startsWith('#x')) return this.codePoint(Number.parseInt(name.slice(2), 16), start);
      if (name.startsWith('#')) return this.codePoint(Number.parseInt(name.slice(1), 10), start);
      const value = entities[name];
      if (value === undefined) this.fail(`the unknown entity “&${name};”`, start);
      return value;
    });
  }

  private codePoint(value: number, start: number): string {
    if (!Number.isInteger(value) || value < 1 || value > 0x10ffff) this.fail('a character reference outside Unicode', start);
    return String.fromCodePoint(value);
  }

  private skipPast(marker: string, what: string): void {
    const end = this.text.indexOf(marker, this.at);
    if (end === -1) this.fail(`the file ends inside ${what}`);
    this.at = end + marker.length;
  }

  /** Skips the prolog and whatever sits between elements: comments, processing instructions, a DOCTYPE, blanks. */
  private skipMisc(): void {
    for (;;) {
      while (this.at < this.text.length && /\s/.test(this.text[this.at] ?? '')) this.at++;
      if (this.text.startsWith('<?', this.at)) this.skipPast('?>', 'a processing instruction');
      else if (this.text.startsWith('<!--', this.at)) this.skipPast('-->', 'a comment');
      else if (this.text.startsWith('<!DOCTYPE', this.at)) {
        const end = this.text.indexOf('>', this.at);
        if (end === -1) this.fail('the file ends inside its DOCTYPE');
        if (this.text.slice(this.at, end).includes('[')) this.fail('a DOCTYPE with its own definitions, which annotation files never need');
        this.at = end + 1;
      } else return;
    }
  }

  /** The document's root element with everything inside it. */
  read(): XmlElement {
    if (this.text.charCodeAt(0) === 0xfeff) this.at = 1;
    this.skipMisc();
    if (this.text[this.at] !== '<') this.fail(this.at >= this.text.length ? 'the file is empty' : 'text before the first element');
    const root = this.element();
    this.skipMisc();
    if (this.at < this.text.length) this.fail('content after the root element closes');
    return root;
  }

  private startTag(): { element: XmlElement; empty: boolean } {
    const start = this.at;
    // The tag ends at the first “>” outside quotes: attribute values may hold one.
    let close = -1;
    let quote = 0;
    for (let i = start + 1; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 62) {
        close = i;
        break;
      }
    }
    if (close === -1) this.fail('the file ends inside a tag', start);
    const inside = this.text.slice(start + 1, close);
    const empty = inside.endsWith('/');
    const body = empty ? inside.slice(0, -1) : inside;
    const nameEnd = body.search(/[\s]|$/);
    const name = body.slice(0, nameEnd);
    if (!namePattern.test(name)) this.fail(`“<${name}” is not an element name`, start);
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    const rest = body.slice(nameEnd);
    const attributePattern = /\s*([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
    let offset = 0;
    for (;;) {
      attributePattern.lastIndex = offset;
      const match = attributePattern.exec(rest);
      if (!match) break;
      const key = match[1] ?? '';
      if (key in attributes) this.fail(`<${name}> has the attribute “${key}” twice`, start);
      const value = match[2] ?? match[3] ?? '';
      if (value.includes('<')) this.fail(`a “<” inside the value of “${key}”`, start);
      attributes[key] = this.decode(value, start);
      offset = attributePattern.lastIndex;
    }
    if (rest.slice(offset).trim() !== '') this.fail(`<${name}> has an attribute without a quoted value`, start);
    this.at = close + 1;
    return { element: { name, attributes, children: [], text: '', line: this.lineAt(start) }, empty };
  }

  private element(): XmlElement {
    const { element: root, empty } = this.startTag();
    if (empty) return root;
    const stack: XmlElement[] = [root];
    const texts: string[][] = [[]];
    while (stack.length > 0) {
      const next = this.text.indexOf('<', this.at);
      const current = stack[stack.length - 1] as XmlElement;
      if (next === -1) this.fail(`the file ends before </${current.name}> closes the element opened on line ${current.line}`, this.text.length);
      if (next > this.at) {
        const raw = this.text.slice(this.at, next);
        if (raw.includes(']]>')) this.fail('“]]>” in text');
        (texts[texts.length - 1] as string[]).push(this.decode(raw, this.at));
      }
      this.at = next;
      if (this.text.startsWith('</', next)) {
        const end = this.text.indexOf('>', next);
        if (end === -1) this.fail('the file ends inside a closing tag');
        const name = this.text.slice(next + 2, end).trim();
        if (name !== current.name) this.fail(`</${name}> closes <${current.name}>, opened on line ${current.line}`, next);
        current.text = (texts.pop() as string[]).join('');
        stack.pop();
        this.at = end + 1;
      } else if (this.text.startsWith('<!--', next)) {
        this.skipPast('-->', 'a comment');
      } else if (this.text.startsWith('<![CDATA[', next)) {
        const end = this.text.indexOf(']]>', next);
        if (end === -1) this.fail('the file ends inside a CDATA section');
        (texts[texts.length - 1] as string[]).push(this.text.slice(next + 9, end));
        this.at = end + 3;
      } else if (this.text.startsWith('<?', next)) {
        this.skipPast('?>', 'a processing instruction');
      } else if (this.text.startsWith('<!', next)) {
        this.fail('a declaration inside an element');
      } else {
        const { element, empty: selfClosed } = this.startTag();
        current.children.push(element);
        if (!selfClosed) {
          stack.push(element);
          texts.push([]);
        }
      }
    }
    return root;
  }
}

export function parseXml(text: string, source: string): XmlElement {
  return new XmlReader(text, source).read();
}

/** The first child of that name, or null. */
export function child(element: XmlElement, name: string): XmlElement | null {
  return element.children.find((candidate) => candidate.name === name) ?? null;
}

export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((candidate) => candidate.name === name);
}

/** A child's trimmed text, or null when there is no such child. */
export function childText(element: XmlElement, name: string): string | null {
  const found = child(element, name);
  return found === null ? null : found.text.trim();
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}
