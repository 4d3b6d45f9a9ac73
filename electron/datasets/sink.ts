import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, rmdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { ZipWriter } from './zip';

/**
 * Where an export writes: a folder, or one zip file. Either way everything goes first into a hidden staging folder
 * inside the output folder and is moved into place only when the export finishes, so a cancelled or failed export
 * leaves nothing behind, and a finished one appears whole. Every file it opens is closed on every way out, failure and
 * cancel included: a handle left open on a deleted file keeps its disk space taken until the app quits.
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
  private open = true;

  constructor(
    private readonly file: FileHandle,
    private readonly opened: Set<BufferedText>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    opened.add(this);
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= flushChars) await this.flush();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.abandon();
    }
    await this.onClose();
  }

  /** Closes the file without writing what is still buffered: the export failed, and the file is about to go. */
  async abandon(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.opened.delete(this);
    this.parts = [];
    await this.file.close();
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

/**
 * Staging folders are named `.stillframe-export-<pid>-<id>`, so the next export to the folder can tell the leftover
 * of a killed export (its process gone) from one still running. Older versions named them without the pid.
 */
const stagingPrefix = '.stillframe-export-';
const stagingName = /^\.stillframe-export-(?:(\d+)-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Written into the staging folder once the dataset in it is whole: from then on a kill rolls the commit forward. */
const completeMark = '.complete';
/** Inside the staging folder: the entries the new dataset replaces, moved aside until the new ones are in. */
const replacedFolder = '.replaced';
const controlEntries = new Set([completeMark, replacedFolder]);

/** Staging folders of exports running in this process. */
const activeStaging = new Set<string>();

/** True for the name of one of our staging folders, leftover or in use. */
export function isStagingName(name: string): boolean {
  return stagingName.test(name);
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the staged dataset into the output folder. Old entries of the same names go aside into the staging folder
 * first, then the new ones are renamed in, then the old ones are deleted: every step is a rename, and a kill part way
 * is finished when the library next starts (export-journal.ts) or by the next export there (settleLeftoverExports),
 * so the folder does not keep a mix of two exports.
 */
async function finishCommit(staging: string, outDir: string): Promise<void> {
  const entries = (await readdir(staging)).filter((entry) => !controlEntries.has(entry));
  const replaced = path.join(staging, replacedFolder);
  await mkdir(replaced, { recursive: true });
  for (const entry of entries) {
    await rename(path.join(outDir, entry), path.join(replaced, entry)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  for (const entry of entries) await rename(path.join(staging, entry), path.join(outDir, entry));
  await rm(staging, { recursive: true, force: true });
}

/**
 * What a killed export left in `outDir`: a staged dataset that was whole is moved into place (its commit had begun),
 * anything else is removed. Staging folders of exports still running, here or in another process, are left alone.
 */
export async function settleLeftoverExports(outDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(outDir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = stagingName.exec(name);
    if (match === null) continue;
    const staging = path.join(outDir, name);
    if (activeStaging.has(staging)) continue;
    const pid = match[1] === undefined ? null : Number(match[1]);
    if (pid !== null && pid !== process.pid && processIsAlive(pid)) continue;
    const complete = await stat(path.join(staging, completeMark)).then(
      () => true,
      () => false,
    );
    if (complete) await finishCommit(staging, outDir);
    else await rm(staging, { recursive: true, force: true });
  }
}

/** Why a folder could not be made, in words. */
function cannotCreate(dir: string, error: unknown): StillframeError {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = (error as Error).message;
  if (code === 'EACCES' || code === 'EPERM') {
    return new StillframeError('access-denied', `The folder “${dir}” could not be created: there is no permission to write there. Choose another folder.`, detail);
  }
  if (code === 'EROFS') return new StillframeError('access-denied', `The folder “${dir}” could not be created: that disk is read-only. Choose another folder.`, detail);
  if (code === 'ENOSPC') return new StillframeError('disk-full', `The folder “${dir}” could not be created: the disk is full. Free some space there, or choose another folder.`, detail);
  if (code === 'ENOENT') return new StillframeError('invalid-input', `The folder “${dir}” could not be created: that place does not take new folders. Choose another folder.`, detail);
  return new StillframeError('invalid-input', `The folder “${dir}” could not be created (${code ?? detail}). Choose another folder.`, detail);
}

/**
 * Creates `dir` and its missing parents one at a time, failing at once with the place named: Node's recursive mkdir
 * retries forever where a parent exists but refuses new folders with ENOENT (/proc).
 */
async function makeFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    const info = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw cannotCreate(dir, error);
    });
    if (info !== null) {
      if (!info.isDirectory()) throw new StillframeError('invalid-input', `The folder “${dir}” could not be created: “${at}” is a file, not a folder.`);
      break;
    }
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw cannotCreate(dir, error);
    });
  }
}

abstract class StagedSink implements DatasetSink {
  protected readonly staging: string;
  protected readonly opened = new Set<BufferedText>();
  private readonly madeDirs = new Set<string>();

  protected constructor(
    protected readonly outDir: string,
    private readonly createdOutDir: boolean,
  ) {
    this.staging = path.join(outDir, `${stagingPrefix}${process.pid}-${uuidv7()}`);
  }

  abstract writeFile(relativePath: string, text: string): Promise<void>;
  abstract openText(relativePath: string): Promise<TextOut>;
  abstract placeImage(relativePath: string, source: string, mode: 'copy' | 'link'): Promise<'copied' | 'linked'>;
  abstract commit(): Promise<string>;

  /** Makes the output and staging folders; on failure removes what it made. */
  protected async prepare(): Promise<void> {
    await makeFolder(this.outDir);
    activeStaging.add(this.staging);
    try {
      await mkdir(this.staging);
    } catch (error) {
      await this.discard();
      throw cannotCreate(this.staging, error);
    }
  }

  async discard(): Promise<void> {
    await Promise.allSettled([...this.opened].map((text) => text.abandon()));
    await rm(this.staging, { recursive: true, force: true });
    activeStaging.delete(this.staging);
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

  /** Replaces the dataset's entries in the output folder with the staged ones (finishCommit). */
  protected async moveIntoPlace(): Promise<void> {
    await writeFile(path.join(this.staging, completeMark), '');
    await finishCommit(this.staging, this.outDir);
    activeStaging.delete(this.staging);
  }
}

export class FolderSink extends StagedSink {
  static async create(outDir: string, createdOutDir: boolean): Promise<FolderSink> {
    const sink = new FolderSink(outDir, createdOutDir);
    await sink.prepare();
    return sink;
  }

  async writeFile(relativePath: string, text: string): Promise<void> {
    await writeFile(await this.staged(relativePath), text);
  }

  async openText(relativePath: string): Promise<TextOut> {
    return new BufferedText(await open(await this.staged(relativePath), 'w'), this.opened);
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
    await sink.prepare();
    try {
      sink.zip = await ZipWriter.create(path.join(sink.staging, zipName));
    } catch (error) {
      await sink.discard();
      throw error;
    }
    return sink;
  }

  async writeFile(relativePath: string, text: string): Promise<void> {
    await this.archive().add(relativePath, [Buffer.from(text, 'utf8')]);
  }

  async openText(relativePath: string): Promise<TextOut> {
    const spool = path.join(this.staging, `spool-${++this.spools}.tmp`);
    return new BufferedText(await open(spool, 'w'), this.opened, async () => {
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
    const zip = this.zip;
    this.zip = null;
    await zip?.abort().catch(() => undefined);
    await super.discard();
  }

  private archive(): ZipWriter {
    if (!this.zip) throw new Error('The zip is already closed.');
    return this.zip;
  }
}
