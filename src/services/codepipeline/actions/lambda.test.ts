/**
 * The Invoke Lambda action's deadlines, as AWS's quotas state them: each job 20 minutes from its
 * creation (a continuation token's job gets its own 20 minutes), the action 24 hours in all. The
 * end-to-end tests (test/e2e/codepipeline-lambda-jobs.test.ts) show the 20 minutes on the clock;
 * the 24 hours would take some 70 continuation rounds there, so its arithmetic is checked here.
 */
import { describe, expect, it } from 'vitest';
import { jobDeadline } from './lambda.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const START = Date.UTC(2026, 11, 5, 12);

describe('jobDeadline', () => {
  it('gives a job 20 minutes from its creation, with AWS message', () => {
    expect(jobDeadline('check', START + 3 * HOUR_MS, START)).toEqual({
      at: START + 3 * HOUR_MS + 20 * MINUTE_MS,
      message:
        'The AWS Lambda function check failed to return a result. Check the function to verify that it has permission to call the PutJobSuccessResult action and that it made a call to PutJobSuccessResult.',
    });
  });

  it('ends a continuation job at the action’s 24 hours when those come first', () => {
    expect(jobDeadline('check', START + 23 * HOUR_MS + 50 * MINUTE_MS, START)).toEqual({
      at: START + 24 * HOUR_MS,
      message: 'The AWS Lambda function check did not complete the action within 24 hours',
    });
  });
});
