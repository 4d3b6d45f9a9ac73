// The file placer's entry (its own build entry, out/main/file-placer.js): copies one import's new images into the
// library while the dataset thread inserts their rows (see placeOnThread), and says when every one is in place.
import { parentPort, workerData } from 'node:worker_threads';
import { placeAll, type PlacerData, type PlacerDone } from './file-placing';

const port = parentPort;
if (port === null) throw new Error('file-placer.js runs only as a worker thread');
placeAll((workerData as PlacerData).placements);
port.postMessage('placed' satisfies PlacerDone);
