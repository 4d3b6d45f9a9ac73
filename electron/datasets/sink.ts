import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, rmdir, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7 } from '../../shared/ids';
import { ZipWriter } from './zip';

/**
 * Where an export writes: a folder, or one zip file. Either way everything goes first into a hidden staging folder
 * inside the output folder and is moved into place only when the export finishes, so a cancelled or failed export
 * leaves nothing behind, and a finished one appears whole.
 */
export interface DatasetSink {
  /** A small file, whole. */
  writeFile(relativePath: string, text: string): Promise<void>;
  /** A large file written piece by piece. */
  openText(relativePath: string): Promise<TextOut>;
  /** An image, hard-linked where asked and possible, else copied. */
  placeImage(relativePath: string, source: string, mode: 'copy' | 'link'): Promise<'copied' | 'linked'>;
  /** Moves the output into place; returns the dataset folder or the zip file. */
  commit(): Promise<string>;
  /** Removes everything written so far. */
  discard(): Promise<void>;
}

export interface TextOut {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Small enough that the joined string is an ordinary young object: a megabyte-long one is a large object, placed in
 * the old generation, and flushing those made the heap (and the export's peak RSS) grow with the dataset's size.
 */
const flushChars = 1 << 16;

/** Gathers small strings and writes them 64 K characters at a time: one write per annotation would be slow. */
class BufferedText implements TextOut {
  private parts: string[] = [];
  private chars = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= flushChars) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
    await this.onClose();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const bytes = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.chars = 0;
    await this.file.write(bytes);
  }
}

/** Link failures that only mean "not here": another device, a file system without hard links, or no permission. */
function cannotLink(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK' || code === 'EACCES' || code === 'ENOSYS';
}

abstract class StagedSink implements DatasetSink {
  protected readonly staging: string;
  private readonly madeDirs = new Set<string>();

  protected constructor(
    protected readonly outDir: string,
    private readonly createdOutDir: boolean,
  ) {
    this.staging = path.join(outDir, `.stillframe-export-${uuidv7()}`);
  }

  abstract writeFile(relativePath: string, text: string): Promise<void>;
  abstract openText(relativePath: string): Promise<TextOut>;
  abstract placeImage(relativePath: string, source: string, mode: 'copy' | 'link'): Promise<'copied' | 'linked'>;
  abstract commit(): Promise<string>;

  async discard(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
    if (this.createdOutDir) await rmdir(this.outDir).catch(() => undefined);
  }

  protected async staged(relativePath: string): Promise<string> {
    const target = path.join(this.staging, ...relativePath.split('/'));
    const dir = path.dirname(target);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    return target;
  }

  /** Moves each top-level entry of the staging folder into the output folder, replacing one of the same name. */
  protected async moveIntoPlace(): Promise<void> {
    for (const entry of await readdir(this.staging)) {
      const target = path.join(this.outDir, entry);
      await rm(target, { recursive: true, force: true });
      await rename(path.join(this.staging, entry), target);
    }
    await rmdir(this.staging);
  }
}

export class FolderSink extends StagedSink {
  static async create(outDir: string, createdOutDir: boolean): Promise<FolderSink> {
    const sink = new FolderSink(outDir, createdOutDir);
    await mkdir(sink.staging, { recursive: true });
    return sink;
  }

  async writeFile(relativePath: string, text: string): Promise<void> {
    await writeFile(await this.staged(relativePath), text);
  }

  async openText(relativePath: string): Promise<TextOut> {
    return new BufferedText(await open(await this.staged(relativePath), 'w'));
  }

  async placeImage(relativePath: string, source: string, mode: 'copy' | 'link'): Promise<'copied' | 'linked'> {
    const target = await this.staged(relativePath);
    if (mode === 'link') {
      try {
        await link(source, target);
        return 'linked';
      } catch (error) {
        if (!cannotLink(error)) throw error;
      }
    }
    await copyFile(source, target);
    return 'copied';
  }

  async commit(): Promise<string> {
    await this.moveIntoPlace();
    return this.outDir;
  }
}

/** Every file goes into one archive; large text files are spooled beside it first and added when closed. */
export class ZipSink extends StagedSink {
  private spools = 0;

  private constructor(
    outDir: string,
    createdOutDir: boolean,
    private readonly zipName: string,
    private zip: ZipWriter | null = null,
  ) {
    super(outDir, createdOutDir);
  }

  static async create(outDir: string, createdOutDir: boolean, zipName: string): Promise<ZipSink> {
    const sink = new ZipSink(outDir, createdOutDir, zipName);
    await mkdir(sink.staging, { recursive: true });
    sink.zip = await ZipWriter.create(path.join(sink.staging, zipName));
    return sink;
  }

  async writeFile(relativePath: string, text: string): Promise<void> {
    await this.archive().add(relativePath, [Buffer.from(text, 'utf8')]);
  }

  async openText(relativePath: string): Promise<TextOut> {
    const spool = path.join(this.staging, `spool-${++this.spools}.tmp`);
    return new BufferedText(await open(spool, 'w'), async () => {
      await this.archive().add(relativePath, createReadStream(spool));
      await rm(spool, { force: true });
    });
  }

  async placeImage(relativePath: string, source: string): Promise<'copied'> {
    await this.archive().add(relativePath, createReadStream(source));
    return 'copied';
  }

  async commit(): Promise<string> {
    await this.archive().close();
    this.zip = null;
    await this.moveIntoPlace();
    return path.join(this.outDir, this.zipName);
  }

  override async discard(): Promise<void> {
    await this.zip?.abort();
    this.zip = null;
    await super.discard();
  }

  private archive(): ZipWriter {
    if (!this.zip) throw new Error('The zip is already closed.');
    return this.zip;
  }
}
