import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes on only the bytes of the file part of a multipart/form-data body (what storage-js sends for a Blob),
 * streaming: it keeps back at most one delimiter's length, never the whole body.
 */
export class MultipartFile extends Transform {
  private pending = Buffer.alloc(0);
  private state: 'preamble' | 'headers' | 'file' | 'skip' | 'done' = 'preamble';
  private readonly delimiter: Buffer;
  /** The file part's own Content-Type, which Storage records as the object's mimetype. */
  contentType: string | undefined;

  constructor(boundary: string) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    // The body starts with the boundary without the leading CRLF; prepending one makes every delimiter alike.
    this.pending = Buffer.from('\r\n');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    this.drain();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.drain();
    done(this.state === 'done' ? null : new Error('The multipart body ended before its closing boundary.'));
  }

  private drain(): void {
    for (;;) {
      if (this.state === 'done') return;
      if (this.state === 'headers') {
        const end = this.pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const headers = this.pending.subarray(0, end).toString('utf8');
        this.pending = this.pending.subarray(end + 4);
        const isFile = /filename=/i.test(headers);
        if (isFile) this.contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
        this.state = isFile ? 'file' : 'skip';
        continue;
      }
      const at = this.pending.indexOf(this.delimiter);
      if (at < 0) {
        const keep = Math.min(this.pending.length, this.delimiter.length - 1);
        if (this.state === 'file') this.push(this.pending.subarray(0, this.pending.length - keep));
        this.pending = this.pending.subarray(this.pending.length - keep);
        return;
      }
      if (this.state === 'file') this.push(this.pending.subarray(0, at));
      const after = this.pending.subarray(at + this.delimiter.length);
      if (after.length < 2) {
        this.pending = this.pending.subarray(at);
        return;
      }
      if (after.subarray(0, 2).toString() === '--') {
        this.state = 'done';
        this.pending = Buffer.alloc(0);
        return;
      }
      this.pending = after.subarray(2);
      this.state = 'headers';
    }
  }
}
