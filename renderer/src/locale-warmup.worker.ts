import { formatDateTime, plural } from './format';

// Formats a count and a date as the project cards do, then ends. ICU keeps the locale data it loads in caches shared
// by the whole renderer process, so the page's own first formatters find it there.
plural(1_000, 'frame');
formatDateTime(Date.now());
close();
