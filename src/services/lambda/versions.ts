/**
 * Versions and aliases: PublishVersion freezes $LATEST's code and configuration as the next number
 * (or answers the last version when nothing changed since, as AWS does); aliases point at a version
 * and may route a share of invocations to one more version (RoutingConfig.AdditionalVersionWeights),
 * which Invoke honours by weight.
 */
import type {
  AliasConfiguration,
  AliasRoutingConfiguration,
  CreateAliasRequest,
  DeleteAliasRequest,
  FunctionConfiguration,
  GetAliasRequest,
  ListAliasesRequest,
  ListAliasesResponse,
  ListVersionsByFunctionRequest,
  ListVersionsByFunctionResponse,
  PublishVersionRequest,
  UpdateAliasRequest,
} from '@aws-sdk/client-lambda';
import type { Scope } from '../../core/accounts.js';
import { uuid } from '../../core/ids.js';
import { pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import { queueActivation } from './activation.js';
import { conflict, functionArn, functionNotFound, invalidParameter, LATEST, type LambdaContext, lambdaTimestamp, notFound, revisionMismatch } from './common.js';
import { configurationOf, findFunction, listedConfigurationOf, readConfig } from './resolve.js';
import type { AliasRow, StoredConfig } from './store.js';

const DEFAULT_LIST_ITEMS = 50;

/** The members of a configuration that make two versions the same function (not timestamps, revisions or state). */
function identity(config: StoredConfig, sha: string): string {
  const { LastModified: _m, RevisionId: _r, State: _s, StateReason: _sr, StateReasonCode: _src, LastUpdateStatus: _u, LastUpdateStatusReason: _ur, LastUpdateStatusReasonCode: _urc, ...rest } = config;
  return JSON.stringify([sha, rest]);
}

/** Publishes $LATEST as the next version, or answers the newest version when it is the same; in the caller's transaction. */
export function publishLatest(c: LambdaContext, scope: Scope, name: string, description: string | undefined): FunctionConfiguration {
  const latest = c.store.getVersion(scope, name, LATEST)!;
  const latestConfig = readConfig(latest);
  const newest = c.store
    .versions(scope, name)
    .filter((v) => v.version !== LATEST)
    .at(-1);
  const candidate: StoredConfig = { ...latestConfig, ...(description !== undefined ? { Description: description } : {}) };
  if (newest && identity(readConfig(newest), newest.code_sha) === identity(candidate, latest.code_sha)) return configurationOf(newest);
  const number = String(c.store.takeVersionNumber(scope, name));
  const revision = uuid();
  const config: StoredConfig = {
    ...candidate,
    LastModified: lambdaTimestamp(c.rt.clock.now()),
    RevisionId: revision,
    State: 'Pending',
    StateReason: 'The function is being created.',
    StateReasonCode: 'Creating',
  };
  delete config.LastUpdateStatus;
  delete config.LastUpdateStatusReason;
  delete config.LastUpdateStatusReasonCode;
  c.store.putVersion(scope, name, number, config, { blob: latest.code_blob, sha: latest.code_sha, size: latest.code_size });
  queueActivation(c, scope, name, number, revision);
  return configurationOf(c.store.getVersion(scope, name, number)!);
}

export function publishVersion(c: LambdaContext, input: PublishVersionRequest, ctx: RequestContext): FunctionConfiguration {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return c.store.tx(() => {
    const latest = c.store.getVersion(ref, fn.name, LATEST)!;
    const config = readConfig(latest);
    if (input.RevisionId !== undefined && input.RevisionId !== config.RevisionId) throw revisionMismatch('GetFunction');
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== latest.code_sha) {
      throw invalidParameter(`CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${latest.code_sha}). Please try again with current CodeSHA256.`);
    }
    if (config.State === 'Pending' || config.LastUpdateStatus === 'InProgress') {
      throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(ref, fn.name)}`);
    }
    return publishLatest(c, ref, fn.name, input.Description);
  });
}

export function listVersionsByFunction(c: LambdaContext, input: ListVersionsByFunctionRequest, ctx: RequestContext): ListVersionsByFunctionResponse {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  const all = c.store.versions(ref, fn.name);
  const start = input.Marker
    ? readPageToken(
        input.Marker,
        (v): v is number => typeof v === 'number',
        () => invalidParameter('Invalid marker'),
      )
    : 0;
  const limit = input.MaxItems ?? DEFAULT_LIST_ITEMS;
  const page = all.slice(start, start + limit);
  return { Versions: page.map(listedConfigurationOf), ...(start + limit < all.length ? { NextMarker: pageToken(start + limit) } : {}) };
}

function aliasArn(scope: Scope, functionName: string, alias: string): string {
  return functionArn(scope, functionName, alias);
}

function aliasView(scope: Scope, row: AliasRow): AliasConfiguration {
  return {
    AliasArn: aliasArn(scope, row.function_name, row.name),
    Name: row.name,
    FunctionVersion: row.version,
    Description: row.description,
    ...(row.routing ? { RoutingConfig: { AdditionalVersionWeights: JSON.parse(row.routing) as Record<string, number> } } : {}),
    RevisionId: row.revision,
  };
}

/** The alias's routing, checked as AWS checks it: one more published version, other than the alias's own. */
function checkRouting(c: LambdaContext, scope: Scope, functionName: string, primary: string, routing: AliasRoutingConfiguration | undefined): string | null {
  const weights = routing?.AdditionalVersionWeights;
  if (!weights || Object.keys(weights).length === 0) return null;
  const versions = Object.keys(weights);
  if (versions.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  if (primary === LATEST || versions.includes(LATEST)) throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  if (versions.includes(primary)) throw invalidParameter(`Function version ${primary} is already included in the alias's primary version`);
  for (const version of versions) {
    if (!c.store.getVersion(scope, functionName, version)) throw functionNotFound({ ...scope, name: functionName, qualifier: version });
  }
  return JSON.stringify(weights);
}

export function createAlias(c: LambdaContext, input: CreateAliasRequest, ctx: RequestContext): AliasConfiguration {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return c.store.tx(() => {
    if (c.store.getAlias(ref, fn.name, input.Name!)) throw conflict(`Alias already exists: ${aliasArn(ref, fn.name, input.Name!)}`);
    if (!c.store.getVersion(ref, fn.name, input.FunctionVersion!)) throw functionNotFound({ ...ref, name: fn.name, qualifier: input.FunctionVersion });
    const routing = checkRouting(c, ref, fn.name, input.FunctionVersion!, input.RoutingConfig);
    const row = { function_name: fn.name, name: input.Name!, version: input.FunctionVersion!, description: input.Description ?? '', routing, revision: uuid() };
    c.store.putAlias(ref, row);
    return aliasView(ref, { ...row, account: ref.account, region: ref.region });
  });
}

function requireAlias(c: LambdaContext, scope: Scope, functionName: string, name: string): AliasRow {
  const row = c.store.getAlias(scope, functionName, name);
  if (!row) throw notFound(`Alias not found: ${aliasArn(scope, functionName, name)}`);
  return row;
}

export function getAlias(c: LambdaContext, input: GetAliasRequest, ctx: RequestContext): AliasConfiguration {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return aliasView(ref, requireAlias(c, ref, fn.name, input.Name!));
}

export function updateAlias(c: LambdaContext, input: UpdateAliasRequest, ctx: RequestContext): AliasConfiguration {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return c.store.tx(() => {
    const row = requireAlias(c, ref, fn.name, input.Name!);
    if (input.RevisionId !== undefined && input.RevisionId !== row.revision) throw revisionMismatch('GetAlias');
    const version = input.FunctionVersion ?? row.version;
    if (!c.store.getVersion(ref, fn.name, version)) throw functionNotFound({ ...ref, name: fn.name, qualifier: version });
    const routing =
      input.RoutingConfig !== undefined
        ? checkRouting(c, ref, fn.name, version, input.RoutingConfig)
        : row.routing && checkRouting(c, ref, fn.name, version, { AdditionalVersionWeights: JSON.parse(row.routing) });
    const next = { ...row, version, description: input.Description ?? row.description, routing, revision: uuid() };
    c.store.putAlias(ref, next);
    return aliasView(ref, next);
  });
}

export function deleteAlias(c: LambdaContext, input: DeleteAliasRequest, ctx: RequestContext): Record<string, never> {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  c.store.tx(() => c.store.deleteAlias(ref, fn.name, input.Name!));
  return {};
}

export function listAliases(c: LambdaContext, input: ListAliasesRequest, ctx: RequestContext): ListAliasesResponse {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  const all = c.store.aliases(ref, fn.name).filter((a) => input.FunctionVersion === undefined || a.version === input.FunctionVersion);
  const start = input.Marker
    ? readPageToken(
        input.Marker,
        (v): v is number => typeof v === 'number',
        () => invalidParameter('Invalid marker'),
      )
    : 0;
  const limit = input.MaxItems ?? DEFAULT_LIST_ITEMS;
  return {
    Aliases: all.slice(start, start + limit).map((row) => aliasView(ref, row)),
    ...(start + limit < all.length ? { NextMarker: pageToken(start + limit) } : {}),
  };
}
