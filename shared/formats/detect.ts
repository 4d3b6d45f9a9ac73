import type { DatasetFormat } from './dataset';

/**
 * Which format an annotation file is, from its name and its first few kilobytes: enough to tell CVAT's <annotations>
 * from VOC's <annotation>, and a Label Studio task list from VoTT's, COCO's and Stillframe's objects, without reading
 * a file of tens of megabytes twice.
 */
export function formatOfFile(name: string, head: string): DatasetFormat | null {
  const lower = name.toLowerCase();
  if (lower === 'obj.names' || lower === 'obj.data' || lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yolo';
  const text = head.replace(/^\uFEFF/, '').replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '').trimStart();
  if (lower.endsWith('.xml')) {
    if (text.startsWith('<annotations')) return 'cvat';
    if (text.startsWith('<annotation')) return 'voc';
    return null;
  }
  if (!lower.endsWith('.json')) return null;
  if (text.startsWith('[')) return 'label-studio';
  if (!text.startsWith('{')) return null;
  if (/"stillframe"\s*:/.test(text)) return 'stillframe';
  if (lower.endsWith('-export.json') || (/"assets"\s*:/.test(text) && /"tags"\s*:/.test(text)) || /"securityToken"\s*:/.test(text)) return 'vott';
  if (/"(images|categories|annotations|licenses|info)"\s*:/.test(text)) return 'coco';
  return null;
}

/** What a folder's own entries (names, folders with a trailing /) say it is, before any file is opened; null: look inside files. */
export function formatOfFolder(entries: readonly string[]): DatasetFormat | null {
  const has = (name: string) => entries.some((entry) => entry.toLowerCase() === name.toLowerCase());
  if (has('stillframe.json')) return 'stillframe';
  if (has('annotations.xml')) return 'cvat';
  // Case matters here: VOC's folder is Annotations/, COCO's annotations/.
  if (entries.includes('Annotations/')) return 'voc';
  if (has('obj.names') || has('obj.data') || has('data.yaml') || has('data.yml') || has('dataset.yaml')) return 'yolo';
  if (entries.some((entry) => entry.toLowerCase().endsWith('-export.json'))) return 'vott';
  return null;
}
