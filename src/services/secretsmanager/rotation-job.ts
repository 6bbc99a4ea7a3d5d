/**
 * Rotation running: the durable job that calls the rotation function's four steps, and the
 * schedule that starts rotations when their windows open (on the Drydock clock).
 *
 * A rotation starts with a version that has the label AWSPENDING and no value yet, its id the
 * rotation's ClientRequestToken, as AWS does (AWS's rotation templates refuse a token with no
 * AWSPENDING version). The job then invokes the function synchronously for createSecret,
 * setSecret, testSecret and finishSecret with `{ Step, SecretId, ClientRequestToken, RotationToken }`,
 * as the service principal `secretsmanager.amazonaws.com` with the secret as aws:SourceArn; the
 * function itself calls Secrets Manager back (PutSecretValue, UpdateSecretVersionStage) with its
 * execution role. A failing step leaves AWSPENDING where it is and publishes RotationFailed; the
 * whole rotation is retried a few times on the clock, and a schedule window that opens while it is
 * still pending tries it again. A rotation the process was running when it died runs again from
 * createSecret after the restart (the steps are idempotent for the same token, by AWS's contract).
 *
 * Rotations report on the default event bus as AWS's CloudTrail service events (RotationStarted,
 * RotationSucceeded, RotationFailed with AWS's "Error when executing lambda … during … step",
 * RotationAbandoned).
 */
import { servicePrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { JobRunInfo } from '../../core/jobs.js';
import { attachStage, CURRENT, type SecretsContext } from './common.js';
import { rotationSchedule } from './rotation-rules.js';
import type { RotationRow, SecretRow } from './store.js';

const PENDING = 'AWSPENDING';
const ROTATION_JOB = 'secretsmanager:rotation';
const SCHEDULE_JOB = 'secretsmanager:rotation-window';
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
/** Tries of one rotation before it is left pending for the next window (AWS retries "multiple times"). */
const ROTATION_ATTEMPTS = 3;
const ROTATION_RETRY_MS = 60_000;
const SERVICE_PRINCIPAL = 'secretsmanager.amazonaws.com';

interface RotationJob {
  secretArn: string;
  account: string;
  region: string;
  lambdaArn: string;
  /** The ClientRequestToken: the id of the version the rotation makes. */
  token: string;
  /** Passed to the function, which may pass it back to PutSecretValue. */
  rotationToken: string;
  /** RotateImmediately false: only testSecret runs, on a version made for the test and removed after it. */
  testOnly: boolean;
}

interface WindowJob {
  secretArn: string;
  account: string;
  region: string;
  windowStart: number;
}

/** The version AWSPENDING is on while a rotation has not finished (AWSPENDING on the AWSCURRENT version is a finished one). */
export function pendingVersion(c: SecretsContext, secretArn: string): string | undefined {
  const stages = c.store.stages(secretArn);
  const pending = stages.get(PENDING);
  return pending !== undefined && pending !== stages.get(CURRENT) ? pending : undefined;
}

/** Publishes one of Secrets Manager's rotation events, as CloudTrail delivers service events to EventBridge. */
function publishRotationEvent(c: SecretsContext, secret: SecretRow, eventName: string, errorMessage?: string): void {
  const time = new Date(c.rt.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  c.rt.events.publish({
    source: 'aws.secretsmanager',
    'detail-type': 'AWS Service Event via CloudTrail',
    account: secret.account,
    region: secret.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { accountId: secret.account, invokedBy: SERVICE_PRINCIPAL },
      eventTime: time,
      eventSource: SERVICE_PRINCIPAL,
      eventName,
      awsRegion: secret.region,
      sourceIPAddress: SERVICE_PRINCIPAL,
      userAgent: SERVICE_PRINCIPAL,
      ...(errorMessage === undefined ? {} : { errorMessage }),
      requestParameters: null,
      responseElements: null,
      additionalEventData: { SecretId: secret.arn },
      requestID: `Rotation-${secret.arn}`,
      eventID: uuid(),
      readOnly: false,
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: secret.account,
      eventCategory: 'Management',
    },
  });
}

/**
 * Starts a rotation of `secret` with `token` (inside a transaction): the AWSPENDING version without
 * a value when the token names none yet, and the job. Returns the job's id.
 */
export function startRotation(c: SecretsContext, secret: SecretRow, rotation: RotationRow, token: string, testOnly = false): number {
  const { store } = c;
  if (!store.version(secret.arn, token)) {
    store.insertVersion({
      secret_arn: secret.arn,
      version_id: token,
      ciphertext: Buffer.alloc(0),
      is_binary: 0,
      kms_key_arn: '',
      created_at: c.rt.clock.now(),
      last_accessed_at: null,
      has_value: 0,
    });
    attachStage(c, secret.arn, PENDING, token);
  }
  const job: RotationJob = { secretArn: secret.arn, account: secret.account, region: secret.region, lambdaArn: rotation.lambda_arn!, token, rotationToken: `${uuid()}-${uuid()}`, testOnly };
  const jobId = c.rt.jobs.enqueue(ROTATION_JOB, job);
  store.putRotation({ ...rotation, job_id: jobId });
  return jobId;
}

/** Whether a rotation job of the secret is still queued or running. */
function rotating(c: SecretsContext, rotation: RotationRow): boolean {
  const job = rotation.job_id === null ? undefined : c.rt.jobs.get(rotation.job_id);
  return job?.state === 'queued' || job?.state === 'running';
}

/** Arms the next rotation window after `after` (inside a transaction); a schedule-less or disabled rotation has none. */
export function scheduleNextWindow(c: SecretsContext, secret: SecretRow, after: number): void {
  const rotation = c.store.rotation(secret.arn);
  if (!rotation) return;
  const schedule = rotation.enabled ? rotationSchedule(rotation.rules ? JSON.parse(rotation.rules) : undefined) : undefined;
  const window = schedule?.nextWindow(rotation.basis_at, after);
  c.store.putRotation({ ...rotation, window_start: window?.start ?? null, window_end: window?.end ?? null });
  if (!window) return;
  const job: WindowJob = { secretArn: secret.arn, account: secret.account, region: secret.region, windowStart: window.start };
  c.rt.jobs.enqueue(SCHEDULE_JOB, job, window.start - c.rt.clock.now());
}

/**
 * A new current value put by hand (PutSecretValue, UpdateSecret): AWS abandons a rotation in
 * progress, removing its AWSPENDING label (RotationAbandoned), and counts the change as a rotation
 * for the schedule. Call inside the transaction that moved AWSCURRENT.
 */
export function currentValuePut(c: SecretsContext, secret: SecretRow): void {
  const rotation = c.store.rotation(secret.arn);
  if (!rotation) return;
  const pending = pendingVersion(c, secret.arn);
  if (pending !== undefined) {
    c.store.removeStage(secret.arn, PENDING);
    if (rotation.job_id !== null) c.rt.jobs.cancel(rotation.job_id);
    publishRotationEvent(c, secret, 'RotationAbandoned');
  }
  c.store.putRotation({ ...rotation, basis_at: c.rt.clock.now(), job_id: pending === undefined ? rotation.job_id : null });
  scheduleNextWindow(c, secret, c.rt.clock.now());
}

/** Invokes one step; answers why it failed, or undefined when the function succeeded. */
async function invokeStep(c: SecretsContext, job: RotationJob, step: string): Promise<string | undefined> {
  const event = { Step: step, SecretId: job.secretArn, ClientRequestToken: job.token, RotationToken: job.rotationToken };
  const fn = parseArn(job.lambdaArn);
  try {
    const out = (await c.rt.invoke(
      { service: 'lambda', operation: 'Invoke', input: { FunctionName: job.lambdaArn, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) } },
      {
        principal: servicePrincipal(job.account, SERVICE_PRINCIPAL),
        account: fn?.account ?? job.account,
        region: fn?.region ?? job.region,
        sourceArn: job.secretArn,
        sourceAccount: job.account,
      },
    )) as { FunctionError?: string; Payload?: Uint8Array };
    if (out.FunctionError) return `${out.FunctionError}: ${Buffer.from(out.Payload ?? []).toString('utf8')}`;
    return undefined;
  } catch (err) {
    if (err instanceof AwsError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

/** Removes the version a test-only rotation made, unless the function gave it a value or other labels. */
function endTest(c: SecretsContext, job: RotationJob): void {
  c.store.tx(() => {
    const stages = c.store.stages(job.secretArn);
    if (stages.get(PENDING) === job.token) c.store.removeStage(job.secretArn, PENDING);
    const version = c.store.version(job.secretArn, job.token);
    const labelled = [...c.store.stages(job.secretArn).values()].includes(job.token);
    if (version && version.has_value === 0 && !labelled) c.store.deleteVersion(job.secretArn, job.token);
  });
}

async function runRotation(c: SecretsContext, job: RotationJob, info: JobRunInfo): Promise<void> {
  const scope = { account: job.account, region: job.region };
  const secret = c.store.byArn(scope, job.secretArn);
  // A secret deleted meanwhile has nothing left to rotate.
  if (!secret || secret.deleted_at !== null) return;
  if (info.attempt === 1 && !job.testOnly) c.store.tx(() => publishRotationEvent(c, secret, 'RotationStarted'));
  for (const step of job.testOnly ? (['testSecret'] as const) : STEPS) {
    // CancelRotateSecret (or a value put by hand) stops the rotation between steps.
    if (info.signal.aborted) return;
    c.rt.log.debug({ secret: secret.arn, step, token: job.token }, 'Secrets Manager rotation step');
    const failure = await invokeStep(c, job, step);
    if (failure === undefined) continue;
    c.rt.log.warn({ secret: secret.arn, step, failure }, 'Secrets Manager rotation step failed');
    c.store.tx(() => publishRotationEvent(c, secret, 'RotationFailed', `Error when executing lambda ${job.lambdaArn} during ${step} step`));
    if (job.testOnly) return endTest(c, job);
    throw new Error(`${step}: ${failure}`);
  }
  if (job.testOnly) return endTest(c, job);
  c.store.tx(() => {
    const rotation = c.store.rotation(secret.arn);
    if (!rotation) return;
    const now = c.rt.clock.now();
    c.store.putRotation({ ...rotation, last_rotated_at: now, basis_at: now, job_id: null });
    scheduleNextWindow(c, secret, now);
    publishRotationEvent(c, secret, 'RotationSucceeded');
  });
}

/** A rotation window opened: rotate (again, when the last rotation is still pending), and arm the next window. */
async function windowOpened(c: SecretsContext, window: WindowJob): Promise<void> {
  c.store.tx(() => {
    const rotation = c.store.rotation(window.secretArn);
    // A window a later RotateSecret, cancel or rotation replaced is not this secret's schedule any more.
    if (!rotation?.enabled || rotation.window_start !== window.windowStart || !rotation.lambda_arn) return;
    const secret = c.store.byArn({ account: window.account, region: window.region }, window.secretArn);
    if (!secret) return;
    // A secret scheduled for deletion is not rotated, but keeps its schedule should it be restored.
    if (secret.deleted_at === null && !rotating(c, rotation)) startRotation(c, secret, rotation, pendingVersion(c, secret.arn) ?? uuid());
    scheduleNextWindow(c, secret, window.windowStart);
  });
}

/** Registers the rotation and schedule jobs (in create(), before the job queue starts). */
export function registerRotationJobs(c: SecretsContext): void {
  c.rt.jobs.register(ROTATION_JOB, (job, info) => runRotation(c, job.payload as RotationJob, info), { maxAttempts: ROTATION_ATTEMPTS, backoffMs: ROTATION_RETRY_MS });
  c.rt.jobs.register(SCHEDULE_JOB, (job) => windowOpened(c, job.payload as WindowJob));
}
