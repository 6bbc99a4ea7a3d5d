/**
 * aws:ec2:image parameters, validated asynchronously as AWS validates them ("Native parameter
 * support for Amazon Machine Image IDs"): PutParameter answers at once with the version number the
 * write will have, and a job checks the value later. A valid value is then written (with its usual
 * Parameter Store Change event); an invalid one is not, and the failure is published as a
 * "Parameter Store Change" event whose detail carries the exception. Until the job has run, the new
 * version is not readable, and another write of the parameter is refused.
 */
import type { PutParameterRequest, PutParameterResult } from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { SsmContext } from './common.js';
import { parameterArn } from './names.js';

const IMAGE_VALIDATION_JOB = 'ssm.validate-image';
/** How long the validation takes, in Drydock time (AWS: "up to a few minutes"; usually seconds). */
const VALIDATION_DELAY_MS = 1000;
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** The exception AWS's failure event reports for a value that is not an image it can describe. */
const UNABLE_TO_DESCRIBE = 'Unable to Describe Resource';

interface ImageValidation {
  account: string;
  region: string;
  nameKey: string;
  /** When the write was asked for: it identifies the pending validation. */
  requestedAt: number;
  input: PutParameterRequest;
  modifiedBy: string;
  /** Whether the caller may call ec2:DescribeImages, which AWS's validation needs. */
  describeImagesAllowed: boolean;
}

/** What a validated write runs: writes.ts's commitPut. */
type Commit = (c: SsmContext, input: PutParameterRequest, writer: { account: string; region: string; principal: { arn: string } }, key: string, now: number) => PutParameterResult;

/** AWS's validation describes the image as the caller: without ec2:DescribeImages it fails. */
function mayDescribeImages(c: SsmContext, ctx: RequestContext): boolean {
  if (ctx.principal.kind === 'root') return true;
  return c.rt.api('iam').authorize(ctx.principal, { action: 'ec2:DescribeImages', resource: '*', region: ctx.region, resourceAccount: ctx.account }).decision === 'Allow';
}

/** Answers an aws:ec2:image write with its version number and leaves the write to the validation job. */
export function requestImageValidation(c: SsmContext, input: PutParameterRequest, ctx: RequestContext, key: string, version: number, tier: string, now: number): PutParameterResult {
  const { store } = c;
  const describeImagesAllowed = mayDescribeImages(c, ctx);
  store.tx(() => {
    if (store.imageValidation(ctx.account, ctx.region, key) !== undefined) {
      throw new AwsError('TooManyUpdates', 'The validation of the previous aws:ec2:image value of this parameter is still in process. Try again after it completes.');
    }
    store.startImageValidation(ctx.account, ctx.region, key, now);
    const job: ImageValidation = { account: ctx.account, region: ctx.region, nameKey: key, requestedAt: now, input, modifiedBy: ctx.principal.arn, describeImagesAllowed };
    c.rt.jobs.enqueue(IMAGE_VALIDATION_JOB, job, VALIDATION_DELAY_MS);
  });
  return { Version: version, Tier: tier as PutParameterResult['Tier'] };
}

/** The failure event AWS publishes when a validation fails (its detail names the exception). */
function publishFailure(c: SsmContext, job: ImageValidation, exception: string): void {
  const existing = c.store.current(job.account, job.region, job.nameKey);
  const name = existing?.name ?? job.input.Name!;
  c.rt.events.publish({
    source: 'aws.ssm',
    'detail-type': 'Parameter Store Change',
    account: job.account,
    region: job.region,
    resources: [parameterArn(job.region, job.account, name)],
    detail: { exception, dataType: 'aws:ec2:image', name, type: job.input.Type ?? existing?.type ?? 'String', operation: existing ? 'Update' : 'Create' },
  });
}

/** Validates the value and writes it, or publishes why it was not written. */
function validate(c: SsmContext, commit: Commit, job: ImageValidation): void {
  const { store } = c;
  store.tx(() => {
    // Only the validation still pending (a job redone after a crash finds none).
    if (store.imageValidation(job.account, job.region, job.nameKey) !== job.requestedAt) return;
    store.endImageValidation(job.account, job.region, job.nameKey);
    if (!job.describeImagesAllowed || !AMI_ID.test(job.input.Value!)) return publishFailure(c, job, UNABLE_TO_DESCRIBE);
    try {
      commit(c, job.input, { account: job.account, region: job.region, principal: { arn: job.modifiedBy } }, job.nameKey, c.rt.clock.now());
    } catch (err) {
      // What changed since the request (the parameter created meanwhile, a version limit …).
      if (!(err instanceof AwsError)) throw err;
      publishFailure(c, job, err.message);
    }
  });
}

export function registerImageValidation(c: SsmContext, commit: Commit): void {
  c.rt.jobs.register(IMAGE_VALIDATION_JOB, async (job) => validate(c, commit, job.payload as ImageValidation));
}
