import { describe, expect, it } from 'vitest';
import { loadExportChoices, saveExportChoices } from './export-choices';

function memory(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
    clear: () => items.clear(),
    key: () => null,
    get length() {
      return items.size;
    },
  };
}

describe('export choices', () => {
  it('remembers the last format and folder per project', () => {
    const storage = memory();
    expect(loadExportChoices('a', storage)).toMatchObject({ format: 'coco', outDir: '' });
    expect(loadExportChoices('a', storage)).toMatchObject({ valPercent: '0', testPercent: '0', splitBy: 'video' });
    saveExportChoices(
      'a',
      { format: 'yolo', images: 'link', zip: true, skipEmpty: false, yoloSegments: true, valPercent: '20', testPercent: '10', splitBy: 'frame', outDir: '/data/out' },
      storage,
    );
    expect(loadExportChoices('a', storage)).toMatchObject({ format: 'yolo', outDir: '/data/out', valPercent: '20', testPercent: '10', splitBy: 'frame' });
    expect(loadExportChoices('b', storage)).toMatchObject({ format: 'coco', outDir: '' });
  });

  it('falls back to defaults for what it cannot read', () => {
    const storage = memory();
    storage.setItem('stillframe.export.a', '{"format":"pdf","outDir":7,"zip":true,"splitBy":"sideways"}');
    expect(loadExportChoices('a', storage)).toMatchObject({ format: 'coco', outDir: '', zip: true, splitBy: 'video' });
    storage.setItem('stillframe.export.a', 'not json');
    expect(loadExportChoices('a', storage).format).toBe('coco');
  });
});
