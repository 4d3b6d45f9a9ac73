import { describe, expect, it, vi } from 'vitest';
import { afterFirstScreen, firstScreenShown, openingFirstScreen } from './first-screen';

/** A call to the host that answers when the test says so, noting when it was sent. */
function hostCall(sent: string[], name: string) {
  let answer: () => void = () => undefined;
  const answered = new Promise<string>((resolve) => (answer = () => resolve(name)));
  return {
    load: () => {
      sent.push(name);
      return answered;
    },
    answer: () => answer(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('calls held back while a project page opens', () => {
  it('go to the host only once the first screen is answered, and then one at a time', async () => {
    const sent: string[] = [];
    let firstScreenAnswered: () => void = () => undefined;
    openingFirstScreen(new Promise<void>((resolve) => (firstScreenAnswered = resolve)));
    const storage = hostCall(sent, 'storage');
    const labels = hostCall(sent, 'labels');
    const both = Promise.all([afterFirstScreen(storage.load), afterFirstScreen(labels.load)]);
    let shown = false;
    void firstScreenShown().then(() => (shown = true));

    await settle();
    expect(sent).toEqual([]);
    expect(shown).toBe(false);

    firstScreenAnswered();
    await settle();
    expect(shown).toBe(true);
    expect(sent).toEqual(['storage']);

    storage.answer();
    await settle();
    expect(sent).toEqual(['storage', 'labels']);
    labels.answer();
    expect(await both).toEqual(['storage', 'labels']);
  });

  it('wait for a first screen that never comes at most 1.5 s, and for a call that never answers at most 1 s', async () => {
    vi.useFakeTimers();
    try {
      const sent: string[] = [];
      openingFirstScreen(new Promise<void>(() => undefined));
      const stuck = hostCall(sent, 'stuck');
      const next = hostCall(sent, 'next');
      void afterFirstScreen(stuck.load);
      const after = afterFirstScreen(next.load);
      await vi.advanceTimersByTimeAsync(1400);
      expect(sent).toEqual([]);
      await vi.advanceTimersByTimeAsync(200);
      expect(sent).toEqual(['stuck']);
      await vi.advanceTimersByTimeAsync(800);
      expect(sent).toEqual(['stuck']);
      await vi.advanceTimersByTimeAsync(300);
      expect(sent).toEqual(['stuck', 'next']);
      next.answer();
      expect(await after).toBe('next');
    } finally {
      vi.useRealTimers();
    }
  });
});
