import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { createFirstProject } from './actions';
import { expect, mediaDir, test } from './fixtures';

/** The smallest window the studio is made for: a 13-inch laptop, or a desktop window shared with another. */
const small = { width: 1280, height: 720 };

async function expectInWindow(page: Page, control: Locator) {
  const box = await control.boundingBox();
  if (!box) throw new Error('The control is not laid out.');
  expect(box.y, 'top inside the window').toBeGreaterThanOrEqual(0);
  expect(box.x, 'left inside the window').toBeGreaterThanOrEqual(0);
  expect(box.y + box.height, 'bottom inside the window').toBeLessThanOrEqual(small.height);
  expect(box.x + box.width, 'right inside the window').toBeLessThanOrEqual(small.width);
}

/** WCAG's contrast ratio of two computed CSS colours (`rgb(r, g, b)`). */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r = 0, g = 0, bl = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((value) => {
      const channel = Number(value) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

test('at 1280×720 a tall dialog keeps its buttons in the window, and a notice offers one way out', async ({ app }, testInfo) => {
  const { page } = app;
  await page.setViewportSize(small);
  await createFirstProject(page, 'Small screen');

  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
  const notes = testInfo.outputPath('notes.mp4');
  writeFileSync(notes, 'these are my notes, not a video');
  await chooser.setFiles([path.join(mediaDir, 'milk.mkv'), notes]);
  const dialog = page.getByRole('dialog', { name: 'Import 2 videos into “Small screen”' });
  // The import dialog, with its sampling and the frame filters' settings open, is taller than this window.
  for (const name of ['Leave out near-duplicates', 'Leave out blurred frames', 'Keep only the most diverse frames of each video']) await dialog.getByRole('checkbox', { name }).check();
  await expectInWindow(page, dialog.getByRole('button', { name: 'Import', exact: true }));
  await expectInWindow(page, dialog.getByRole('button', { name: 'Cancel' }));
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();

  const problems = page.getByRole('dialog', { name: 'Import finished with problems' });
  await expect(problems.getByRole('list', { name: 'Import problems' })).toContainText('notes.mp4: This file is not a video that FFmpeg can read.');
  // Cancel and Close beside each other would ask the person to choose between two doors to the same room.
  await expect(problems.getByRole('button')).toHaveText(['Close']);
  await problems.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await expect(settings.getByRole('group', { name: 'Alerts' })).toBeVisible();
  await expectInWindow(page, settings.getByRole('button', { name: 'Close' }).last());
});

test('danger buttons and the focus ring read clearly in the light and the dark theme', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Contrast');
  await page.getByRole('button', { name: 'Stillframe' }).click();
  await page.getByRole('button', { name: 'Delete Contrast' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete “Contrast”?' }).getByRole('button', { name: 'Delete project' });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const colours = await confirm.evaluate((button) => {
      const style = getComputedStyle(button);
      return { text: style.color, fill: style.backgroundColor };
    });
    expect(contrast(colours.text, colours.fill), `${colorScheme}: Delete project`).toBeGreaterThanOrEqual(4.5);
  }
  await page.getByRole('dialog', { name: 'Delete “Contrast”?' }).getByRole('button', { name: 'Cancel' }).click();

  // The ring a keyboard user follows needs 3:1 against the page it is drawn on (WCAG 1.4.11).
  await page.getByRole('button', { name: 'New project' }).focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'New project' })).toBeFocused();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const ring = await page.evaluate(() => {
      const focused = document.activeElement;
      if (!focused || focused === document.body) return null;
      return { outline: getComputedStyle(focused).outlineColor, width: getComputedStyle(focused).outlineWidth, page: getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)' ? getComputedStyle(document.documentElement).backgroundColor : getComputedStyle(document.body).backgroundColor };
    });
    expect(ring, 'a control has the keyboard focus').not.toBeNull();
    expect(ring?.width).not.toBe('0px');
    expect(contrast(ring?.outline ?? '', ring?.page ?? ''), `${colorScheme}: focus ring`).toBeGreaterThanOrEqual(3);
  }
});

test('on a 2560 px window the storage table stays one that can be read across', async ({ app }) => {
  const { page } = app;
  await page.setViewportSize({ width: 2560, height: 1440 });
  await createFirstProject(page, 'Wide screen');
  await page.getByRole('button', { name: 'Monitoring' }).click();
  await page.getByRole('button', { name: 'Storage' }).click();
  const table = page.getByRole('table').filter({ hasText: 'Wide screen' });
  await expect(table).toBeVisible();
  const box = await table.boundingBox();
  // Names at the left edge and sizes 2,500 px away were a row the eye lost on the way.
  expect(box?.width ?? 0).toBeLessThanOrEqual(1200);
});

test('a project card breaks its counts between whole counts, at 1280×720 and at 2560×1440', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Wrapping');
  await page.getByRole('button', { name: 'Stillframe' }).click();
  const counts = page.getByRole('listitem', { name: 'Wrapping' }).getByText(/annotated$/);
  for (const size of [small, { width: 2560, height: 1440 }]) {
    await page.setViewportSize(size);
    // The text of each line the counts are laid out on, read from where each character lands.
    const lines = await counts.evaluate((paragraph) => {
      const text = paragraph.firstChild as Text;
      const range = document.createRange();
      const byTop = new Map<number, string>();
      for (let i = 0; i < text.length; i++) {
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const top = Math.round(range.getBoundingClientRect().top);
        byTop.set(top, (byTop.get(top) ?? '') + (text.data[i] ?? ''));
      }
      return [...byTop.values()].map((line) => line.replace(/\s+/g, ' ').trim());
    });
    // A card of this width cannot hold all four on one line: the test is of where the line breaks.
    expect(lines.length, `${size.width}: the counts wrap`).toBeGreaterThan(1);
    for (const line of lines) expect(line, `${size.width}: a line of whole counts`).toMatch(/^\d+ [a-z]+( · \d+ [a-z]+)*( ·)?$/);
  }
});
