/**
 * Functions: CreateFunction (a zip inline or from S3; an image URI is recorded), Get/List/Delete,
 * UpdateFunctionCode and UpdateFunctionConfiguration. Creating and updating leave the function
 * Pending / InProgress until the activation job (activation.ts) has made it ready, as AWS does;
 * a second update while one is in progress is refused with AWS's ResourceConflictException.
 */
import type {
  CreateFunctionRequest,
  DeleteFunctionRequest,
  FunctionConfiguration,
  GetFunctionConfigurationRequest,
  GetFunctionRequest,
  GetFunctionResponse,
  ListFunctionsRequest,
  ListFunctionsResponse,
  UpdateFunctionCodeRequest,
  UpdateFunctionConfigurationRequest,
} from '@aws-sdk/client-lambda';
import { uuid } from '../../core/ids.js';
import { pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import { queueActivation } from './activation.js';
import { dropBlobs, fetchCode, type StoredCode, storeArchive } from './code.js';
import { conflict, functionArn, functionNotFound, invalidParameter, LATEST, type LambdaContext, lambdaTimestamp, revisionMismatch, scopeOf } from './common.js';
import { checkConfiguration, checkRole, initialConfiguration, inProgress, resolveLayers, updatedConfiguration } from './configuration.js';
import { codeLocation } from './http.js';
import { configurationOf, findFunction, listedConfigurationOf, readConfig, resolveFunction, tagsOf } from './resolve.js';
import type { StoredConfig, VersionRow } from './store.js';
import { publishLatest } from './versions.js';

const DEFAULT_LIST_ITEMS = 50;

export async function createFunction(c: LambdaContext, input: CreateFunctionRequest, ctx: RequestContext): Promise<FunctionConfiguration> {
  const scope = scopeOf(ctx);
  const name = input.FunctionName!;
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    throw invalidParameter(`1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`);
  }
  const packageType = input.PackageType ?? 'Zip';
  if (packageType === 'Zip' && (!input.Runtime || input.Handler === undefined)) {
    throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  if (packageType === 'Image' && !input.Code?.ImageUri) throw invalidParameter('ImageUri is required for container image functions.');
  checkConfiguration(input);
  if (c.store.getFunction(scope, name)) throw conflict(`Function already exist: ${name}`);
  const layers = resolveLayers(c, scope, input.Layers);
  await checkRole(c, scope, input.Role!, name);
  let code: StoredCode | undefined;
  if (packageType === 'Zip') {
    const zip = await fetchCode(c, input.Code ?? {}, ctx);
    if (!zip) throw invalidParameter('Please provide a source for function code.');
    code = await storeArchive(c, zip);
  }
  const now = c.rt.clock.now();
  const revision = uuid();
  try {
    return c.store.tx(() => {
      if (c.store.getFunction(scope, name)) throw conflict(`Function already exist: ${name}`);
      c.store.insertFunction(scope, name, input.Tags ?? {}, now);
      const config = initialConfiguration(input, layers, now, revision);
      c.store.putVersion(scope, name, LATEST, config, { blob: code?.blob ?? null, sha: code?.sha ?? '', size: code?.size ?? 0 });
      queueActivation(c, scope, name, LATEST, revision);
      if (input.Publish) publishLatest(c, scope, name, undefined);
      return configurationOf(c.store.getVersion(scope, name, LATEST)!);
    });
  } catch (err) {
    if (code) dropBlobs(c, c.store.unusedBlobs([code.blob]));
    throw err;
  }
}

export function getFunction(c: LambdaContext, input: GetFunctionRequest, ctx: RequestContext): GetFunctionResponse {
  const { fn, version, alias } = resolveFunction(c, input.FunctionName!, input.Qualifier, ctx);
  const config = configurationOf(version);
  if (alias) config.FunctionArn = functionArn(fn, fn.name, alias.name);
  const stored = readConfig(version);
  const tags = tagsOf(fn);
  return {
    Configuration: config,
    Code: stored.PackageType === 'Image' ? { RepositoryType: 'ECR', ImageUri: stored.ImageUri, ResolvedImageUri: stored.ImageUri } : { RepositoryType: 'S3', Location: codeLocation(c, ctx, version) },
    ...(Object.keys(tags).length ? { Tags: tags } : {}),
    ...(fn.reserved_concurrency !== null ? { Concurrency: { ReservedConcurrentExecutions: fn.reserved_concurrency } } : {}),
  };
}

export function getFunctionConfiguration(c: LambdaContext, input: GetFunctionConfigurationRequest, ctx: RequestContext): FunctionConfiguration {
  const { fn, version, alias } = resolveFunction(c, input.FunctionName!, input.Qualifier, ctx);
  const config = configurationOf(version);
  if (alias) config.FunctionArn = functionArn(fn, fn.name, alias.name);
  return config;
}

export function listFunctions(c: LambdaContext, input: ListFunctionsRequest, ctx: RequestContext): ListFunctionsResponse {
  const scope = scopeOf(ctx);
  if (input.FunctionVersion !== undefined && input.FunctionVersion !== 'ALL') throw invalidParameter(`Invalid FunctionVersion: ${input.FunctionVersion}`);
  const limit = Math.min(input.MaxItems ?? DEFAULT_LIST_ITEMS, 10_000);
  if (limit < 1) throw invalidParameter('MaxItems must be greater than 0.');
  const after = input.Marker
    ? readPageToken(
        input.Marker,
        (value): value is string => typeof value === 'string',
        () => invalidParameter('Invalid marker'),
      )
    : '';
  const rows = c.store.functionsAfter(scope, after, limit + 1);
  const page = rows.slice(0, limit);
  const functions = page.flatMap((fn) => {
    const versions = c.store.versions(scope, fn.name);
    return (input.FunctionVersion === 'ALL' ? versions : versions.filter((v) => v.version === LATEST)).map(listedConfigurationOf);
  });
  return { Functions: functions, ...(rows.length > limit ? { NextMarker: pageToken(page[page.length - 1].name) } : {}) };
}

export function deleteFunction(c: LambdaContext, input: DeleteFunctionRequest, ctx: RequestContext): Record<string, never> {
  const { ref, fn } = findFunction(c, input.FunctionName!, input.Qualifier, ctx);
  const blobs = c.store.tx(() => {
    if (ref.qualifier === undefined) return c.store.deleteFunction(ref, fn.name);
    if (ref.qualifier === LATEST) throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (!/^\d+$/.test(ref.qualifier)) throw invalidParameter('Deletion of aliases is not supported.');
    if (!c.store.getVersion(ref, fn.name, ref.qualifier)) throw functionNotFound(ref);
    const users = c.store.aliases(ref, fn.name).filter((a) => a.version === ref.qualifier || (a.routing && ref.qualifier! in JSON.parse(a.routing)));
    if (users.length) throw conflict(`Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(', ')}]`);
    return c.store.deleteVersion(ref, fn.name, ref.qualifier);
  });
  c.engine.retire(ref, fn.name);
  dropBlobs(c, blobs);
  return {};
}

/** The $LATEST row an update applies to, refused while another update is in progress or when RevisionId is stale. */
function latestForUpdate(c: LambdaContext, functionName: string, ctx: RequestContext, revisionId: string | undefined): { row: VersionRow; config: StoredConfig } {
  const { ref, fn } = findFunction(c, functionName, undefined, ctx);
  if (ref.qualifier !== undefined) throw invalidParameter('Updating a qualified function is not supported: name the function without a version or alias.');
  const row = c.store.getVersion(ref, fn.name, LATEST)!;
  const config = readConfig(row);
  if (revisionId !== undefined && revisionId !== config.RevisionId) throw revisionMismatch('GetFunction');
  if (config.State === 'Pending' || config.LastUpdateStatus === 'InProgress') {
    throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(ref, fn.name)}`);
  }
  return { row, config };
}

export async function updateFunctionCode(c: LambdaContext, input: UpdateFunctionCodeRequest, ctx: RequestContext): Promise<FunctionConfiguration> {
  const { row, config } = latestForUpdate(c, input.FunctionName!, ctx, input.RevisionId);
  if (config.PackageType === 'Image') {
    if (!input.ImageUri) throw invalidParameter('Please provide ImageUri when updating a function with packageType Image.');
  } else if (input.ImageUri !== undefined) {
    throw invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
  }
  const zip = config.PackageType === 'Image' ? undefined : await fetchCode(c, input, ctx);
  if (config.PackageType !== 'Image' && !zip) throw invalidParameter('Please provide a source for function code.');
  const code = zip ? await storeArchive(c, zip) : undefined;
  if (input.DryRun) {
    if (code) dropBlobs(c, c.store.unusedBlobs([code.blob]));
    return { ...configurationOf(row), ...(code ? { CodeSha256: code.sha, CodeSize: code.size } : {}) };
  }
  const scope = { account: row.account, region: row.region };
  const revision = uuid();
  const old = row.code_blob;
  const result = c.store.tx(() => {
    const current = latestForUpdate(c, input.FunctionName!, ctx, input.RevisionId);
    const next = inProgress({ ...current.config, LastModified: lambdaTimestamp(c.rt.clock.now()), RevisionId: revision, ...(input.ImageUri ? { ImageUri: input.ImageUri } : {}) });
    if (input.Architectures) next.Architectures = input.Architectures;
    c.store.putVersion(scope, row.name, LATEST, next, code ? { blob: code.blob, sha: code.sha, size: code.size } : { blob: null, sha: row.code_sha, size: row.code_size });
    queueActivation(c, scope, row.name, LATEST, revision);
    if (input.Publish) publishLatest(c, scope, row.name, undefined);
    return configurationOf(c.store.getVersion(scope, row.name, LATEST)!);
  });
  c.engine.retire(scope, row.name);
  if (old) dropBlobs(c, c.store.unusedBlobs([old]));
  return result;
}

export async function updateFunctionConfiguration(c: LambdaContext, input: UpdateFunctionConfigurationRequest, ctx: RequestContext): Promise<FunctionConfiguration> {
  const { row } = latestForUpdate(c, input.FunctionName!, ctx, input.RevisionId);
  const scope = { account: row.account, region: row.region };
  checkConfiguration(input);
  const layers = input.Layers === undefined ? undefined : resolveLayers(c, scope, input.Layers);
  if (input.Role !== undefined) await checkRole(c, scope, input.Role, row.name);
  const revision = uuid();
  const result = c.store.tx(() => {
    const current = latestForUpdate(c, input.FunctionName!, ctx, input.RevisionId);
    const next = updatedConfiguration(current.config, input, layers, c.rt.clock.now(), revision);
    c.store.setConfig(scope, row.name, LATEST, next);
    queueActivation(c, scope, row.name, LATEST, revision);
    return configurationOf(c.store.getVersion(scope, row.name, LATEST)!);
  });
  c.engine.retire(scope, row.name);
  return result;
}
