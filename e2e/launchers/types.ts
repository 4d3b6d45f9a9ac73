import type { Page } from '@playwright/test';

/** A running Stillframe, whichever host carries it. Specs use only this, so one suite drives both hosts. */
export interface RunningApp {
  page: Page;
  libraryDir: string;
  /** Quits the app the way a person does and starts it again on the same library. */
  restart(): Promise<void>;
  /** Kills the process outright (SIGKILL), as a crash would, and starts it again on the same library. */
  crashAndRestart(): Promise<void>;
  /**
   * Stops and starts the host under the open page, which stays as it is: only the browser host has a host apart
   * from its window (`stillframe serve`). Starting it again reuses the library, port and token; started on another
   * library, it serves that one on the same port (the page's origin), as a person serving two libraries in turn does.
   */
  host?: { stop(): Promise<void>; start(otherLibraryDir?: string): Promise<void>; url(): string };
  close(): Promise<void>;
}

export interface Launcher {
  name: 'browser-host' | 'electron';
  launch(libraryDir: string, env?: NodeJS.ProcessEnv): Promise<RunningApp>;
}
