/**
 * RotateSecret and CancelRotateSecret: a secret's rotation configuration (its Lambda function and
 * its schedule) and the rotations they start; rotation-job.ts runs them.
 *
 * RotateSecret checks, as AWS does, that the rules are valid, that the secret has a rotation
 * function (given or configured before), that no earlier rotation is still pending, and that the
 * function's policy lets `secretsmanager.amazonaws.com` invoke it (a DryRun invocation as that
 * principal, with the secret as aws:SourceArn); it then turns rotation on and, unless
 * RotateImmediately is false, starts a rotation whose version id is the ClientRequestToken. With
 * RotateImmediately false only the function's testSecret step runs, on an AWSPENDING version made
 * for the test and removed after it.
 */
import type * as S from '@aws-sdk/client-secrets-manager';
import { servicePrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import { findWritable, type SecretsContext } from './common.js';
import { pendingVersion, scheduleNextWindow, startRotation } from './rotation-job.js';
import { type RotationRules, rotationSchedule } from './rotation-rules.js';
import type { RotationRow, SecretRow } from './store.js';

const cannotInvoke = () =>
  new AwsError('AccessDeniedException', 'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.', {
    status: 400,
  });

/** Whether the function's policy lets Secrets Manager invoke it for this secret: a DryRun invocation as Secrets Manager. */
async function checkInvocable(c: SecretsContext, secret: SecretRow, lambdaArn: string): Promise<void> {
  const fn = parseArn(lambdaArn);
  try {
    await c.rt.invoke(
      { service: 'lambda', operation: 'Invoke', input: { FunctionName: lambdaArn, InvocationType: 'DryRun' } },
      {
        principal: servicePrincipal(secret.account, 'secretsmanager.amazonaws.com'),
        account: fn?.account ?? secret.account,
        region: fn?.region ?? secret.region,
        sourceArn: secret.arn,
        sourceAccount: secret.account,
      },
    );
  } catch (err) {
    // A function that does not exist is refused the same way: AWS cannot tell it from one it may not invoke.
    if (err instanceof AwsError && (err.status ?? 400) < 500) throw cannotInvoke();
    throw err;
  }
}

/** The rotation row RotateSecret leaves: rotation on, with the function and rules it was given (or already had). */
function configured(c: SecretsContext, secret: SecretRow, existing: RotationRow | undefined, lambdaArn: string, rules: RotationRules | undefined): RotationRow {
  return {
    secret_arn: secret.arn,
    enabled: 1,
    lambda_arn: lambdaArn,
    rules: rules ? JSON.stringify(rules) : (existing?.rules ?? null),
    last_rotated_at: existing?.last_rotated_at ?? null,
    // The schedule counts from the last rotation; a secret never rotated counts from now.
    basis_at: existing?.last_rotated_at ?? c.rt.clock.now(),
    window_start: null,
    window_end: null,
    job_id: existing?.job_id ?? null,
  };
}

export async function rotateSecret(c: SecretsContext, input: S.RotateSecretRequest, ctx: RequestContext): Promise<S.RotateSecretResponse> {
  if (input.ExternalSecretRotationMetadata !== undefined || input.ExternalSecretRotationRoleArn !== undefined) {
    throw new AwsError('InvalidParameterException', 'Managed external secret rotation is not supported: this secret is not managed by a partner.');
  }
  const rules = input.RotationRules as RotationRules | undefined;
  rotationSchedule(rules);
  const found = findWritable(c, ctx, input.SecretId!);
  const lambdaArn = input.RotationLambdaARN ?? c.store.rotation(found.arn)?.lambda_arn ?? undefined;
  if (!lambdaArn) {
    throw new AwsError(
      'InvalidRequestException',
      "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
    );
  }
  await checkInvocable(c, found, lambdaArn);
  return c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    const pending = pendingVersion(c, secret.arn);
    // The same request again (its token is the rotation in progress) answers as it did.
    if (pending !== undefined && pending === input.ClientRequestToken) return { ARN: secret.arn, Name: secret.name, VersionId: pending };
    if (pending !== undefined) throw new AwsError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    const rotation = configured(c, secret, c.store.rotation(secret.arn), lambdaArn, rules);
    c.store.putRotation(rotation);
    c.store.updateSecret({ ...secret, last_changed_at: c.rt.clock.now() });
    const token = input.ClientRequestToken ?? uuid();
    startRotation(c, secret, rotation, token, input.RotateImmediately === false);
    scheduleNextWindow(c, secret, c.rt.clock.now());
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  });
}

export function cancelRotateSecret(c: SecretsContext, input: S.CancelRotateSecretRequest, ctx: RequestContext): S.CancelRotateSecretResponse {
  return c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    const rotation = c.store.rotation(secret.arn);
    if (rotation) {
      if (rotation.job_id !== null) c.rt.jobs.cancel(rotation.job_id);
      // The function and rules stay: a bare RotateSecret turns rotation on again with them.
      c.store.putRotation({ ...rotation, enabled: 0, window_start: null, window_end: null, job_id: null });
      c.store.updateSecret({ ...secret, last_changed_at: c.rt.clock.now() });
    }
    // The version a cancelled rotation leaves with AWSPENDING, which the caller should clean up.
    return { ARN: secret.arn, Name: secret.name, VersionId: pendingVersion(c, secret.arn) };
  });
}

/** DescribeSecret's and ListSecrets' rotation members: absent for a secret never configured for rotation. */
export function rotationFields(
  c: SecretsContext,
  secretArn: string,
): Pick<S.DescribeSecretResponse, 'RotationEnabled' | 'RotationLambdaARN' | 'RotationRules' | 'LastRotatedDate' | 'NextRotationDate'> {
  const rotation = c.store.rotation(secretArn);
  if (!rotation) return {};
  const enabled = rotation.enabled === 1;
  const rules = rotation.rules ? (JSON.parse(rotation.rules) as RotationRules) : undefined;
  const days = rotationSchedule(rules)?.days;
  return {
    RotationEnabled: enabled,
    RotationLambdaARN: rotation.lambda_arn ?? undefined,
    RotationRules: rules && { ...rules, AutomaticallyAfterDays: rules.AutomaticallyAfterDays ?? days },
    // Both are null once rotation is off, as AWS answers.
    LastRotatedDate: enabled && rotation.last_rotated_at !== null ? new Date(rotation.last_rotated_at) : undefined,
    // The latest moment of the next window ("on or before this date").
    NextRotationDate: enabled && rotation.window_end !== null ? new Date(rotation.window_end - 1000) : undefined,
  };
}
