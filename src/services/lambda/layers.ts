/**
 * Layers: PublishLayerVersion keeps the archive (inline or from S3, checked as function code is)
 * under the layer's next version number (never reused after a delete); functions reference
 * versions by ARN and get them merged, in order, at /opt. Layer version permissions are stored and
 * answered; another account's layer is referenced by ARN like any other. Every LayerName member
 * takes the layer's name or its ARN, as AWS's do.
 */
import type {
  AddLayerVersionPermissionRequest,
  AddLayerVersionPermissionResponse,
  DeleteLayerVersionRequest,
  GetLayerVersionByArnRequest,
  GetLayerVersionPolicyRequest,
  GetLayerVersionPolicyResponse,
  GetLayerVersionRequest,
  GetLayerVersionResponse,
  LayerVersionsListItem,
  ListLayersRequest,
  ListLayersResponse,
  ListLayerVersionsRequest,
  ListLayerVersionsResponse,
  PublishLayerVersionRequest,
  PublishLayerVersionResponse,
  RemoveLayerVersionPermissionRequest,
} from '@aws-sdk/client-lambda';
import type { Scope } from '../../core/accounts.js';
import { uuid } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import { dropBlobs, fetchCode, storeArchive } from './code.js';
import { conflict, invalidParameter, type LambdaContext, lambdaTimestamp, layerArn, layerOf, notFound, scopeOf } from './common.js';
import type { LayerVersionRow } from './store.js';

interface LayerConfig {
  Description?: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
  LicenseInfo?: string;
}

function layerView(row: LayerVersionRow): GetLayerVersionResponse {
  const config = JSON.parse(row.config) as LayerConfig;
  return {
    Content: { CodeSha256: row.code_sha, CodeSize: row.code_size },
    LayerArn: layerArn(row, row.name),
    LayerVersionArn: layerArn(row, row.name, row.version),
    Description: config.Description ?? '',
    CreatedDate: lambdaTimestamp(row.created),
    Version: row.version,
    ...(config.CompatibleRuntimes ? { CompatibleRuntimes: config.CompatibleRuntimes } : {}),
    ...(config.CompatibleArchitectures ? { CompatibleArchitectures: config.CompatibleArchitectures } : {}),
    ...(config.LicenseInfo ? { LicenseInfo: config.LicenseInfo } : {}),
  } as GetLayerVersionResponse;
}

function listItem(row: LayerVersionRow): LayerVersionsListItem {
  const { Content: _content, LayerArn: _arn, ...item } = layerView(row);
  return item;
}

function layerNotFound(): Error {
  return notFound('The resource you requested does not exist.');
}

function requireLayerVersion(c: LambdaContext, scope: Scope, name: string, version: number): LayerVersionRow {
  const row = c.store.getLayerVersion(scope, name, version);
  if (!row) throw layerNotFound();
  return row;
}

/** The layer a LayerName (a name or a layer ARN) names, in the request's Region. */
function namedLayer(layerName: string, ctx: RequestContext): { scope: Scope; name: string } {
  const layer = layerOf(layerName, ctx);
  if (layer.scope.region !== ctx.region) throw invalidParameter(`Layers from '${layer.scope.region}' are not reachable in this region ('${ctx.region}')`);
  return layer;
}

/** The version a request names by LayerName (name or ARN) and VersionNumber. */
function namedLayerVersion(c: LambdaContext, input: { LayerName?: string; VersionNumber?: number }, ctx: RequestContext): LayerVersionRow {
  const layer = namedLayer(input.LayerName!, ctx);
  return requireLayerVersion(c, layer.scope, layer.name, input.VersionNumber!);
}

export async function publishLayerVersion(c: LambdaContext, input: PublishLayerVersionRequest, ctx: RequestContext): Promise<PublishLayerVersionResponse> {
  const { scope, name } = namedLayer(input.LayerName!, ctx);
  const zip = await fetchCode(c, input.Content ?? {}, ctx);
  if (!zip) throw invalidParameter('Please provide a source for layer content.');
  const code = await storeArchive(c, zip);
  try {
    return c.store.tx(() => {
      const version = c.store.takeLayerVersion(scope, name);
      const config: LayerConfig = {
        Description: input.Description,
        CompatibleRuntimes: input.CompatibleRuntimes,
        CompatibleArchitectures: input.CompatibleArchitectures,
        LicenseInfo: input.LicenseInfo,
      };
      const row: LayerVersionRow = {
        ...scope,
        name,
        version,
        config: JSON.stringify(config),
        code_blob: code.blob,
        code_sha: code.sha,
        code_size: code.size,
        policy: null,
        created: c.rt.clock.now(),
      };
      c.store.putLayerVersion(row);
      return layerView(row) as PublishLayerVersionResponse;
    });
  } catch (err) {
    dropBlobs(c, c.store.unusedBlobs([code.blob]));
    throw err;
  }
}

export function getLayerVersion(c: LambdaContext, input: GetLayerVersionRequest, ctx: RequestContext): GetLayerVersionResponse {
  return layerView(namedLayerVersion(c, input, ctx));
}

export function getLayerVersionByArn(c: LambdaContext, input: GetLayerVersionByArnRequest, ctx: RequestContext): GetLayerVersionResponse {
  const parts = input.Arn!.split(':');
  if (parts[3] !== ctx.region) throw invalidParameter(`Layers from '${parts[3]}' are not reachable in this region ('${ctx.region}')`);
  return layerView(requireLayerVersion(c, { region: parts[3], account: parts[4] }, parts[6], Number(parts[7])));
}

function compatible(row: LayerVersionRow, runtime: string | undefined, architecture: string | undefined): boolean {
  const config = JSON.parse(row.config) as LayerConfig;
  if (runtime && !(config.CompatibleRuntimes ?? []).includes(runtime)) return false;
  return !architecture || (config.CompatibleArchitectures ?? []).includes(architecture);
}

export function listLayerVersions(c: LambdaContext, input: ListLayerVersionsRequest, ctx: RequestContext): ListLayerVersionsResponse {
  const layer = namedLayer(input.LayerName!, ctx);
  const rows = c.store.layerVersions(layer.scope, layer.name).filter((row) => compatible(row, input.CompatibleRuntime, input.CompatibleArchitecture));
  return { LayerVersions: rows.slice(0, input.MaxItems ?? 50).map(listItem) };
}

export function listLayers(c: LambdaContext, input: ListLayersRequest, ctx: RequestContext): ListLayersResponse {
  const scope = scopeOf(ctx);
  const layers = c.store.latestLayerVersions(scope).flatMap((latest) => {
    const match = c.store.layerVersions(scope, latest.name).find((row) => compatible(row, input.CompatibleRuntime, input.CompatibleArchitecture));
    return match ? [{ LayerName: match.name, LayerArn: layerArn(match, match.name), LatestMatchingVersion: listItem(match) }] : [];
  });
  return { Layers: layers.slice(0, input.MaxItems ?? 50) };
}

export function deleteLayerVersion(c: LambdaContext, input: DeleteLayerVersionRequest, ctx: RequestContext): Record<string, never> {
  const layer = namedLayer(input.LayerName!, ctx);
  const blobs = c.store.tx(() => c.store.deleteLayerVersion(layer.scope, layer.name, input.VersionNumber!));
  dropBlobs(c, blobs);
  return {};
}

interface LayerPolicy {
  Version: string;
  Id: string;
  Statement: Record<string, unknown>[];
}

export function addLayerVersionPermission(c: LambdaContext, input: AddLayerVersionPermissionRequest, ctx: RequestContext): AddLayerVersionPermissionResponse {
  return c.store.tx(() => {
    const row = namedLayerVersion(c, input, ctx);
    const policy: LayerPolicy = row.policy ? JSON.parse(row.policy) : { Version: '2012-10-17', Id: 'default', Statement: [] };
    if (policy.Statement.some((s) => s.Sid === input.StatementId)) {
      throw conflict(`The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const statement = {
      Sid: input.StatementId,
      Effect: 'Allow',
      Principal: input.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${input.Principal}:root` },
      Action: input.Action,
      Resource: layerArn(row, row.name, row.version),
      ...(input.OrganizationId ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': input.OrganizationId } } } : {}),
    };
    policy.Statement.push(statement);
    const revision = uuid();
    c.store.putLayerVersion({ ...row, policy: JSON.stringify({ ...policy, RevisionId: revision }) });
    return { Statement: JSON.stringify(statement), RevisionId: revision };
  });
}

export function removeLayerVersionPermission(c: LambdaContext, input: RemoveLayerVersionPermissionRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const row = namedLayerVersion(c, input, ctx);
    const policy: LayerPolicy | undefined = row.policy ? JSON.parse(row.policy) : undefined;
    const kept = policy?.Statement.filter((s) => s.Sid !== input.StatementId);
    if (!policy || !kept || kept.length === policy.Statement.length) throw notFound(`Statement ${input.StatementId} is not found in resource policy.`);
    c.store.putLayerVersion({ ...row, policy: kept.length ? JSON.stringify({ ...policy, Statement: kept, RevisionId: uuid() }) : null });
  });
  return {};
}

export function getLayerVersionPolicy(c: LambdaContext, input: GetLayerVersionPolicyRequest, ctx: RequestContext): GetLayerVersionPolicyResponse {
  const row = namedLayerVersion(c, input, ctx);
  if (!row.policy) throw layerNotFound();
  const { RevisionId, ...policy } = JSON.parse(row.policy) as LayerPolicy & { RevisionId: string };
  return { Policy: JSON.stringify(policy), RevisionId };
}
