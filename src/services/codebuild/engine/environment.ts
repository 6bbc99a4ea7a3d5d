/**
 * A build's environment variables: the project's (PLAINTEXT / PARAMETER_STORE / SECRETS_MANAGER),
 * StartBuild's overrides and the buildspec's env section, resolved as AWS does, plus the values
 * that must never appear in a log.
 *
 * Precedence (AWS's buildspec reference): a StartBuild override beats the project's variable, which
 * beats the buildspec's. All of them replace what the image (the base environment) sets, except
 * the reserved CODEBUILD_ names, which keep Drydock's built-in values.
 *
 * A parameter or secret that cannot be read fails the build in DOWNLOAD_SOURCE, where AWS's agent
 * processes environment variables (log: "Processing environment variables", then "Decrypting
 * parameter store environment variables"), with AWS's phase context: `Decrypted Variables Error` /
 * `parameter does not exist: <name>` for Parameter Store, `Secrets Manager Error` /
 * `<ErrorCode>: <message>` for Secrets Manager.
 */
import type { EnvironmentVariable, ExportedEnvironmentVariable } from '@aws-sdk/client-codebuild';
import { AwsError } from '../../../core/errors.js';
import { BuildPhaseError, type Buildspec } from '../common.js';

export type EnvironmentErrorCode = 'Decrypted Variables Error' | 'Secrets Manager Error';

/** A variable that could not be resolved: the runner fails the build in DOWNLOAD_SOURCE with this context. */
export class EnvironmentError extends BuildPhaseError {
  constructor(
    override readonly statusCode: EnvironmentErrorCode,
    message: string,
  ) {
    super(statusCode, message);
    this.name = 'EnvironmentError';
  }
}

export interface EnvironmentInput {
  /** SSM GetParameter with decryption, as the run's role: the value, or its AwsError. */
  getParameter(name: string): Promise<string>;
  /** Secrets Manager GetSecretValue, as the run's role: the secret, or its AwsError. */
  getSecretValue(secretId: string, version: { versionId?: string; versionStage?: string }): Promise<{ secretString?: string; secretBinary?: Uint8Array }>;
  /** The image's environment and Drydock's built-in variables (CODEBUILD_*, AWS_REGION …). */
  base: Record<string, string>;
  buildspec?: Buildspec['env'];
  /** The project's environment.environmentVariables. */
  project?: EnvironmentVariable[];
  /** StartBuild's environmentVariablesOverride. */
  overrides?: EnvironmentVariable[];
}

export interface ResolvedEnvironment {
  env: Record<string, string>;
  /** Values read from Parameter Store and Secrets Manager: masked as `***` in every log line. */
  secrets: string[];
  /** Variables that exported-variables may not export: the project's PARAMETER_STORE and SECRETS_MANAGER ones. */
  unexportable: string[];
}

export interface SecretReference {
  secretId: string;
  jsonKey?: string;
  versionStage?: string;
  versionId?: string;
}

/** `secret-id:json-key:version-stage:version-id`; the secret id may be an ARN, itself full of colons. */
export function parseSecretReference(reference: string): SecretReference {
  const parts = reference.split(':');
  // arn:partition:secretsmanager:region:account:secret:name
  const idParts = reference.startsWith('arn:') ? 7 : 1;
  const [jsonKey, versionStage, versionId] = parts.slice(idParts);
  return {
    secretId: parts.slice(0, idParts).join(':'),
    jsonKey: jsonKey || undefined,
    versionStage: versionStage || undefined,
    versionId: versionId || undefined,
  };
}

function describe(err: unknown): string {
  if (err instanceof AwsError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Shortest piece of a multi-line secret masked on its own (a log line never spans two lines). */
const MIN_MASKED_FRAGMENT = 4;

export async function resolveEnvironment(input: EnvironmentInput): Promise<ResolvedEnvironment> {
  const secrets = new Set<string>();
  const keep = (value: string): string => {
    if (value) secrets.add(value);
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_MASKED_FRAGMENT && line !== value) secrets.add(line);
    return value;
  };
  const parameterCache = new Map<string, string>();
  const parameter = async (name: string): Promise<string> => {
    let value = parameterCache.get(name);
    if (value === undefined) {
      try {
        value = await input.getParameter(name);
      } catch (err) {
        if (err instanceof AwsError && (err.code === 'ParameterNotFound' || err.code === 'ParameterVersionNotFound')) {
          throw new EnvironmentError('Decrypted Variables Error', `parameter does not exist: ${name}`);
        }
        throw new EnvironmentError('Decrypted Variables Error', describe(err));
      }
      parameterCache.set(name, value);
    }
    return keep(value);
  };
  const secret = async (reference: string): Promise<string> => {
    const ref = parseSecretReference(reference);
    let text: string;
    try {
      const got = await input.getSecretValue(ref.secretId, { versionId: ref.versionId, versionStage: ref.versionStage });
      text = got.secretString ?? Buffer.from(got.secretBinary!).toString('utf8');
    } catch (err) {
      throw new EnvironmentError('Secrets Manager Error', describe(err));
    }
    if (ref.jsonKey === undefined) return keep(text);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new EnvironmentError('Secrets Manager Error', `secret ${ref.secretId} is not a JSON object, so its key ${ref.jsonKey} cannot be read`);
    }
    if (!(ref.jsonKey in doc)) throw new EnvironmentError('Secrets Manager Error', `JSON key ${ref.jsonKey} was not found in secret ${ref.secretId}`);
    const field = (doc as Record<string, unknown>)[ref.jsonKey];
    // Only the field is put in the environment: the rest of the secret is masked too, in case a command prints it.
    keep(text);
    return keep(typeof field === 'string' ? field : JSON.stringify(field));
  };

  const env: Record<string, string> = { ...input.base };
  const unexportable = new Set<string>();
  const set = (name: string, value: string): void => {
    if (name.startsWith('CODEBUILD_') && name in input.base) return;
    env[name] = value;
  };

  // Lowest precedence first: later assignments win.
  const spec = input.buildspec;
  if (spec) {
    for (const [name, value] of Object.entries(spec.variables)) set(name, value);
    for (const [name, value] of Object.entries(spec.parameterStore)) set(name, await parameter(value));
    for (const [name, value] of Object.entries(spec.secretsManager)) set(name, await secret(value));
  }
  for (const variable of [...(input.project ?? []), ...(input.overrides ?? [])]) {
    const name = variable.name!;
    const value = variable.value ?? '';
    switch (variable.type ?? 'PLAINTEXT') {
      case 'PARAMETER_STORE':
        set(name, await parameter(value));
        unexportable.add(name);
        break;
      case 'SECRETS_MANAGER':
        set(name, await secret(value));
        unexportable.add(name);
        break;
      default:
        set(name, value);
        unexportable.delete(name);
    }
  }
  return { env, secrets: [...secrets], unexportable: [...unexportable] };
}

/**
 * What exported-variables puts on the build record, read from the shell's environment after
 * post_build: never AWS_* names nor the project's secret variables (AWS refuses to export them);
 * a listed name the build never set is left out.
 */
export function exportedVariables(names: string[], shellEnv: Record<string, string>, unexportable: string[]): ExportedEnvironmentVariable[] {
  const out: ExportedEnvironmentVariable[] = [];
  for (const name of new Set(names)) {
    if (name.startsWith('AWS_') || unexportable.includes(name) || !(name in shellEnv)) continue;
    out.push({ name, value: shellEnv[name] });
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A function that replaces every secret value in a log line with `***`, as CodeBuild's logs show them. */
export function secretMasker(secrets: string[]): (line: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (line) => line;
  // Longest first, so a secret containing another is masked whole.
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (line) => line.replace(pattern, '***');
}

export function maskSecrets(line: string, secrets: string[]): string {
  return secretMasker(secrets)(line);
}
