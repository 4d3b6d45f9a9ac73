import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepDecoded } from './decoded-frame';

/** An ImageBitmap's stand-in: only whether it was closed matters here. */
class FakeBitmap {
  closed = false;
  close() {
    this.closed = true;
  }
}

let idle: (() => void)[] = [];
let made: FakeBitmap[] = [];
let fail = false;

beforeEach(() => {
  idle = [];
  made = [];
  fail = false;
  vi.stubGlobal('requestIdleCallback', (callback: () => void) => idle.push(callback));
  vi.stubGlobal('cancelIdleCallback', (id: number) => (idle[id - 1] = () => undefined));
  vi.stubGlobal('createImageBitmap', async () => {
    if (fail) throw new Error('The image could not be decoded.');
    const bitmap = new FakeBitmap();
    made.push(bitmap);
    return bitmap;
  });
});

afterEach(() => vi.unstubAllGlobals());

const image = {} as HTMLImageElement;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the shown frame's decoded pixels", () => {
  it('are made only once the page is idle, and closed when the frame changes', async () => {
    const ready = vi.fn();
    const letGo = keepDecoded(image, ready);
    await settle();
    expect(made).toHaveLength(0);
    idle.forEach((run) => run());
    await settle();
    expect(ready).toHaveBeenCalledWith(made[0]);
    expect(made[0]?.closed).toBe(false);
    letGo();
    expect(made[0]?.closed).toBe(true);
  });

  it('are never made for a frame left before the page was idle', async () => {
    const ready = vi.fn();
    keepDecoded(image, ready)();
    idle.forEach((run) => run());
    await settle();
    expect(made).toHaveLength(0);
    expect(ready).not.toHaveBeenCalled();
  });

  it('are closed at once when they arrive after the frame was left', async () => {
    const ready = vi.fn();
    const letGo = keepDecoded(image, ready);
    idle.forEach((run) => run());
    letGo();
    await settle();
    expect(made[0]?.closed).toBe(true);
    expect(ready).not.toHaveBeenCalled();
  });

  it('leave the image element as the source when they cannot be made', async () => {
    fail = true;
    const ready = vi.fn();
    keepDecoded(image, ready);
    idle.forEach((run) => run());
    await settle();
    expect(ready).not.toHaveBeenCalled();
  });
});
