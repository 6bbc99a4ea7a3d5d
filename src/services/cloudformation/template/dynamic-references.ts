/**
 * Dynamic references (`{{resolve:ssm:name:version}}`, `{{resolve:ssm-secure:…}}`,
 * `{{resolve:secretsmanager:id:SecretString:key:stage:versionId}}`) anywhere inside strings,
 * resolved through the engine's lookups at the moment a resource is created or updated.
 */
import { AwsError } from '../../../core/errors.js';
import { validationError } from './errors.js';
import type { ExternalValues } from './types.js';

const REFERENCE = /\{\{resolve:([^}]*)\}\}/g;

/** An SSM name and optional version: `name:3`, where an ARN-form name keeps its own colons. */
function ssmNameAndVersion(reference: string, whole: string): { name: string; version?: string } {
  const match = /^(.+?)(?::(\d+))?$/.exec(reference);
  if (!match || match[1] === '') throw validationError(`Incorrect format is used in the following SSM reference: [${whole}]`);
  return { name: match[1] as string, version: match[2] };
}

/** A secret id (a name, or an ARN with its own six colons) and the optional parts after it. */
function secretParts(reference: string): string[] {
  const parts = reference.split(':');
  if (reference.startsWith('arn:')) return [parts.slice(0, 7).join(':'), ...parts.slice(7)];
  return parts;
}

async function resolveOne(whole: string, body: string, external: ExternalValues): Promise<string> {
  const colon = body.indexOf(':');
  const service = colon < 0 ? body : body.slice(0, colon);
  const reference = colon < 0 ? '' : body.slice(colon + 1);
  if (service === 'ssm' || service === 'ssm-secure') {
    const { name, version } = ssmNameAndVersion(reference, whole);
    try {
      return await external.ssmParameter(name, version, service === 'ssm-secure');
    } catch (error) {
      if (error instanceof AwsError && /NotFound/.test(error.code)) {
        throw validationError(`Unable to fetch parameters [${name}] from parameter store for this account.`);
      }
      throw error;
    }
  }
  if (service === 'secretsmanager') {
    const [secretId, field, jsonKey, versionStage, versionId] = secretParts(reference);
    if (!secretId) throw validationError(`Incorrect format is used in the following Secrets Manager reference: [${whole}]`);
    if (field !== undefined && field !== '' && field !== 'SecretString') {
      throw validationError(`Incorrect format is used in the following Secrets Manager reference: [${whole}]. Only SecretString is supported.`);
    }
    if (versionStage && versionId) {
      throw validationError(`You cannot specify both a version stage and a version ID in the following Secrets Manager reference: [${whole}]`);
    }
    return external.secret(secretId, { jsonKey: jsonKey || undefined, versionStage: versionStage || undefined, versionId: versionId || undefined });
  }
  throw validationError(`Unsupported dynamic reference service: ${service}. Supported services are: ssm, ssm-secure and secretsmanager.`);
}

async function resolveString(text: string, external: ExternalValues): Promise<string> {
  const matches = [...text.matchAll(REFERENCE)];
  if (matches.length === 0) return text;
  let result = '';
  let at = 0;
  for (const match of matches) {
    result += text.slice(at, match.index);
    result += await resolveOne(match[0], match[1] as string, external);
    at = (match.index as number) + match[0].length;
  }
  return result + text.slice(at);
}

/** Every dynamic reference inside the value (strings in any member or list item) replaced by the value it names. */
export async function resolveDynamicReferences(value: unknown, external: ExternalValues): Promise<unknown> {
  if (typeof value === 'string') return resolveString(value, external);
  if (Array.isArray(value)) return Promise.all(value.map((item) => resolveDynamicReferences(item, external)));
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) result[key] = await resolveDynamicReferences(member, external);
  return result;
}
