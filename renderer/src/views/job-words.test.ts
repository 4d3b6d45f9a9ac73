import { describe, expect, it } from 'vitest';
import { jobStatusText, tookText } from './job-words';

describe('jobStatusText', () => {
  it('says what a job is doing in plain words', () => {
    const job = { attempts: 3, maxAttempts: 3, nextRunAt: null };
    expect(jobStatusText({ ...job, status: 'dead' })).toBe('Gave up after 3 attempts');
    expect(jobStatusText({ ...job, status: 'dead', attempts: 1 })).toBe('Gave up after 1 attempt');
    expect(jobStatusText({ ...job, status: 'failed', attempts: 1, nextRunAt: 5 })).toBe('retrying (2 of 3)');
    expect(jobStatusText({ ...job, status: 'pending' })).toBe('waiting');
    expect(jobStatusText({ ...job, status: 'processing' })).toBe('extracting frames');
  });
});

describe('tookText', () => {
  it('says a job that ran under a second did, rather than showing a clock at 0:00', () => {
    expect(tookText(0)).toBe('took under a second');
    expect(tookText(420)).toBe('took under a second');
    expect(tookText(1000)).toBe('took 0:01');
    expect(tookText(75_000)).toBe('took 1:15');
  });
});
