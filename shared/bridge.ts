import type { CallName, CallInput, CallOutput, CallResult, EventName, EventPayload } from './contract';
import type { LibraryChanges } from './library-changes';

/** Progress of handing dropped or picked files to the host (the browser host uploads them; Electron does not). */
export interface TransferProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
}

/**
 * A folder the person dropped: its name, every file in it with its path inside the folder ('/'-separated), and the
 * dropped item itself (Electron can name its real path; the browser cannot).
 */
export interface DroppedFolder {
  name: string;
  item: File | null;
  files: { path: string; file: File }[];
}

/** Whether the host can be reached now, and how many edits the page keeps until it can. */
export interface HostConnection {
  connected: boolean;
  waiting: number;
}

/**
 * The host's count of library changes at the page's first reads (`read`: the project list, the queue), and at a moment
 * from which every change reaches the page's subscribers (`listening`). They differ when a change was announced
 * between the two, to no one: the first reads are then out of date.
 */
export interface FirstReadChanges {
  read: LibraryChanges;
  listening: LibraryChanges;
}

/**
 * How a host hands an exported dataset to the person: Electron writes it into a folder they pick with the system's
 * folder picker; the browser host, whose page cannot name a folder on this computer, has their browser download it.
 */
export type ExportTarget =
  | { kind: 'folder'; pick(): Promise<string | null> }
  | { kind: 'download'; url(downloadId: string): string };

/**
 * What the renderer sees as `window.stillframe`, whichever host carries it. The Electron preload and the
 * browser host's WebSocket client both implement exactly this.
 */
export interface StillframeBridge {
  invoke<C extends CallName>(call: C, input: CallInput<C>): Promise<CallResult<CallOutput<C>>>;
  subscribe<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
  /**
   * Asked once the app has subscribed (see FirstReadChanges); settles once the page hears the host. The browser host's
   * first screen carries its count and its socket's greeting the count then; Electron asks the host with
   * `library.changes` before the page's first call and again now, over the one channel that carries the events too.
   */
  libraryChanges(): Promise<FirstReadChanges>;
  /** Paths the host can read for files the person dropped or picked. */
  filesToPaths(files: File[], onProgress?: (progress: TransferProgress) => void): Promise<string[]>;
  /** A path the host can read for a dropped folder: Electron's is the folder itself, the browser host's an uploaded zip of it. */
  folderToPath(folder: DroppedFolder, onProgress?: (progress: TransferProgress) => void): Promise<string>;
  /** Opens the host's own file picker where it has one; null means the page should use an <input type=file>. */
  pickVideoPaths(): Promise<string[] | null>;
  /** URL for a file inside the library (a frame or thumbnail), served only from the library folder. */
  mediaUrl(libraryRelativePath: string): string;
  /**
   * URLs for many thumbnails at once, in order; null for one the host could not serve. The browser host fetches
   * them in one request as data: URLs (see thumbnail-bundle.ts); Electron's media scheme has no per-host
   * connection limit, so it answers media URLs.
   */
  loadThumbnails(libraryRelativePaths: string[]): Promise<(string | null)[]>;
  /**
   * Reports the connection now and at every change. Only the browser host has one to lose (a restart of
   * `stillframe serve`); Electron's IPC is always there, so its preload leaves this out.
   */
  watchConnection?(handler: (state: HostConnection) => void): () => void;
  exportTarget: ExportTarget;
}
