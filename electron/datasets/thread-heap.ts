// Apart from dataset-jobs.ts so the file placer's thread, which reads it too, loads nothing more than this to start.

/**
 * The old generation's limit on the dataset thread. Below 2 GB V8 grows the heap by less before each full collection:
 * at most 1.6 times what is alive at 1 GB, against 4 times at Node's default (4 GB on a machine of 24 GB). A COCO
 * read of 100,000 shapes, where little of what is allocated stays alive, let the thread's heap reach 3.6 times the
 * 14 MB alive at its first collection. The process's peak until its thumbnail pass fell by about 12 MB (177 to 165 MB,
 * medians of 3); 512 MB gained no more. The packs of shapes are outside this limit, so a gigabyte holds many times
 * this dataset.
 */
export const oldGenerationMb = 1024;
