import { describe, expect, it } from 'vitest';
import { jobStatusText } from './job-words';

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
