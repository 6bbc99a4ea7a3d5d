/**
 * From a request's FunctionName and Qualifier to the stored rows: the function, the version a
 * qualifier names (a version number, `$LATEST`, or an alias and the version it points to), and
 * the FunctionConfiguration a version answers with.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { Scope } from '../../core/accounts.js';
import { type FunctionRef, functionArn, functionNotFound, LATEST, type LambdaContext, parseFunctionName } from './common.js';
import type { AliasRow, FunctionRow, StoredConfig, VersionRow } from './store.js';

export interface Resolved {
  ref: FunctionRef;
  fn: FunctionRow;
  /** The version the qualifier names (an alias's own FunctionVersion), `$LATEST` without one. */
  version: VersionRow;
  alias?: AliasRow;
}

export function readConfig(row: VersionRow): StoredConfig {
  return JSON.parse(row.config) as StoredConfig;
}

/** The configuration a version answers with (names, ARN, version and code digest added to what is stored). */
export function configurationOf(row: VersionRow, scope: Scope = row): FunctionConfiguration {
  const { ImageUri: _image, ...config } = readConfig(row);
  return {
    FunctionName: row.name,
    FunctionArn: functionArn(scope, row.name, row.version === LATEST ? undefined : row.version),
    ...config,
    CodeSha256: row.code_sha,
    CodeSize: row.code_size,
    Version: row.version,
  };
}

/** The function a request names, without regard to its qualifier; ResourceNotFoundException when there is none. */
export function findFunction(c: LambdaContext, functionName: string, qualifier: string | undefined, ctx: Scope): { ref: FunctionRef; fn: FunctionRow } {
  const ref = parseFunctionName(functionName, qualifier, ctx);
  const fn = c.store.getFunction(ref, ref.name);
  if (!fn) throw functionNotFound({ ...ref, qualifier: undefined });
  return { ref, fn };
}

/**
 * A version as list operations show it: AWS's lists leave out the state fields (and the runtime
 * version), which only GetFunction and GetFunctionConfiguration answer.
 */
export function listedConfigurationOf(row: VersionRow): FunctionConfiguration {
  const { State, StateReason, StateReasonCode, LastUpdateStatus, LastUpdateStatusReason, LastUpdateStatusReasonCode, RuntimeVersionConfig, ...listed } = configurationOf(row);
  return listed;
}

/** The function and the version its qualifier names (an alias resolves to its FunctionVersion). */
export function resolveFunction(c: LambdaContext, functionName: string, qualifier: string | undefined, ctx: Scope): Resolved {
  const { ref, fn } = findFunction(c, functionName, qualifier, ctx);
  const q = ref.qualifier ?? LATEST;
  if (q === LATEST || /^\d+$/.test(q)) {
    const version = c.store.getVersion(ref, ref.name, q);
    if (!version) throw functionNotFound(ref);
    return { ref, fn, version };
  }
  const alias = c.store.getAlias(ref, ref.name, q);
  if (!alias) throw functionNotFound(ref);
  const version = c.store.getVersion(ref, ref.name, alias.version);
  if (!version) throw functionNotFound(ref);
  return { ref, fn, version, alias };
}

/** The version an invocation through `alias` runs: one of its additional versions by weight, else its own. */
export function pickAliasVersion(alias: AliasRow, random: number = Math.random()): string {
  const weights = alias.routing ? (JSON.parse(alias.routing) as Record<string, number>) : {};
  let cumulative = 0;
  for (const [version, weight] of Object.entries(weights)) {
    cumulative += weight;
    if (random < cumulative) return version;
  }
  return alias.version;
}

export function tagsOf(fn: FunctionRow): Record<string, string> {
  return JSON.parse(fn.tags) as Record<string, string>;
}
