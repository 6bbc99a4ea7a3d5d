/**
 * `/aws/reference/secretsmanager/<secret-id>[:<version-id>|:<stage>]`: Parameter Store as a
 * pass-through to Secrets Manager ("Referencing AWS Secrets Manager secrets from Parameter Store
 * parameters"). GetParameter and GetParameters read the secret through Secrets Manager's
 * GetSecretValue, called in-process for the caller (through SSM), so the caller's IAM policies and
 * the secret's resource and key policies decide; nothing about the secret is kept here. Answers and
 * error texts are AWS's, as recorded from real accounts.
 */
import type { Parameter } from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { SsmContext } from './common.js';

const REFERENCE_PREFIX = 'aws/reference/secretsmanager/';
const VERSION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Whether a parameter name refers to a Secrets Manager secret. */
export function isSecretReference(name: string): boolean {
  return (name.startsWith('/') ? name.slice(1) : name).startsWith(REFERENCE_PREFIX);
}

/** The errors AWS answers for a reference that names no readable secret (GetParameters lists such names as invalid). */
export function isUnanswerableReference(err: AwsError): boolean {
  return err.code === 'ParameterNotFound' || err.code === 'ValidationException';
}

const badSelector = () => new AwsError('ValidationException', 'Invalid parameter name. Please use correct syntax for referencing a version/label  <name>:<version/label>');

/** The reference's name (as given, without selector) and the version id or staging label it selects. */
function parse(text: string): { name: string; selector?: string } {
  const colon = text.indexOf(':');
  if (colon < 0) return { name: text };
  const selector = text.slice(colon + 1);
  // One selector, not empty: a secret ARN (full of colons) cannot be referenced either.
  if (selector === '' || selector.includes(':')) throw badSelector();
  return { name: text.slice(0, colon), selector };
}

/** A date as the Java SDK's Gson writes it in SourceResult (`Sep 28, 2026, 3:04:05 PM`, UTC). */
function gsonDate(date: Date): string {
  const hours = date.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${hours % 12 || 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

/** SourceResult: Secrets Manager's answer as AWS's Parameter Store serializes it (Gson: its member names, HTML-safe escapes). */
function sourceResult(secret: { ARN?: string; Name?: string; VersionId?: string; SecretString?: string; VersionStages?: string[]; CreatedDate?: Date }): string {
  const json = JSON.stringify({
    ARN: secret.ARN,
    name: secret.Name,
    versionId: secret.VersionId,
    secretString: secret.SecretString,
    versionStages: secret.VersionStages,
    createdDate: secret.CreatedDate && gsonDate(secret.CreatedDate),
  });
  return json.replace(/[<>&=']/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Secrets Manager's refusal as Parameter Store reports it. */
function referenceError(err: AwsError, secretName: string, selector: string | undefined): AwsError {
  switch (err.code) {
    case 'ResourceNotFoundException':
      return new AwsError(
        'ParameterNotFound',
        `An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret ${secretName}${selector === undefined ? 'null' : `:${selector}`} not found.`,
      );
    case 'InvalidRequestException':
      return new AwsError('ValidationException', 'Invalid Request to Secrets Manager');
    case 'AccessDeniedException':
      return err;
    default:
      return new AwsError('ValidationException', 'An error occurred while calling one AWS dependency service.');
  }
}

/** The secret a reference names, as a SecureString parameter (binary secrets have no Value). */
export async function readSecretReference(c: SsmContext, ctx: RequestContext, text: string, withDecryption: boolean | undefined): Promise<Parameter> {
  const { name, selector } = parse(text);
  if (!withDecryption) throw new AwsError('ValidationException', 'WithDecryption flag must be True for retrieving a Secret Manager secret.');
  const secretName = name.startsWith('/') ? name.slice(1) : name;
  const secretId = secretName.slice(REFERENCE_PREFIX.length);
  const version = selector === undefined ? {} : VERSION_ID.test(selector) ? { VersionId: selector } : { VersionStage: selector };
  try {
    const secret = await c.rt.call(
      'secretsmanager',
      'GetSecretValue',
      { SecretId: secretId, ...version },
      { principal: ctx.principal, account: ctx.account, region: ctx.region, calledVia: [...(ctx.calledVia ?? []), 'ssm.amazonaws.com'] },
    );
    return {
      Name: name,
      Type: 'SecureString',
      Value: secret.SecretString,
      Version: 0,
      Selector: selector === undefined ? undefined : `:${selector}`,
      SourceResult: sourceResult(secret),
      LastModifiedDate: secret.CreatedDate,
      ARN: secret.ARN,
    };
  } catch (err) {
    if (err instanceof AwsError) throw referenceError(err, secretName, selector);
    throw err;
  }
}
