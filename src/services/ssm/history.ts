/** A parameter's versions: their history and the labels that name them. */
import type {
  GetParameterHistoryRequest,
  GetParameterHistoryResult,
  LabelParameterVersionRequest,
  LabelParameterVersionResult,
  ParameterHistory,
  UnlabelParameterVersionRequest,
  UnlabelParameterVersionResult,
} from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { encodeToken, existing, notFound, ownReference, publishChange, type SsmContext, versionAfter, versionNotFound } from './common.js';
import { decryptValues } from './encryption.js';
import { isReserved, isValidLabel, parseReference } from './names.js';
import { describePolicies } from './policies.js';
import { publicParameter } from './public.js';

const MAX_LABELS_PER_VERSION = 10;

/** A public parameter's history: its one version. */
function publicHistory(ctx: RequestContext, input: GetParameterHistoryRequest): GetParameterHistoryResult {
  const ref = parseReference(input.Name!);
  const p = ownReference(ctx, ref) ? publicParameter(ctx.region, ref.name) : undefined;
  if (!p) throw notFound(input.Name!);
  const history: ParameterHistory = {
    Name: p.name,
    Type: 'String',
    LastModifiedDate: new Date(p.modifiedAt),
    Value: p.value,
    Version: p.version,
    Labels: [],
    Tier: 'Standard',
    Policies: [],
    DataType: p.dataType,
  };
  return { Parameters: [history] };
}

export async function getParameterHistory(c: SsmContext, input: GetParameterHistoryRequest, ctx: RequestContext): Promise<GetParameterHistoryResult> {
  const { store } = c;
  const ref = parseReference(input.Name!);
  if (isReserved(ref.name) && ref.selector === undefined) return publicHistory(ctx, input);
  const param = existing(c, ctx, input.Name!);
  const limit = input.MaxResults ?? 50;
  const after = versionAfter(input.NextToken);
  const rows = store.versions(ctx.account, ctx.region, param.name_key, after, limit + 1);
  const more = rows.length > limit;
  const labels = store.labels(ctx.account, ctx.region, param.name_key);
  const page = rows.slice(0, limit).map(
    (v): ParameterHistory => ({
      Name: param.name,
      Type: v.type as ParameterHistory['Type'],
      KeyId: v.key_id ?? undefined,
      LastModifiedDate: new Date(v.modified_at),
      LastModifiedUser: v.modified_by,
      Description: v.description ?? undefined,
      Value: v.value,
      AllowedPattern: v.allowed_pattern ?? undefined,
      Version: v.version,
      Labels: labels.filter((l) => l.version === v.version).map((l) => l.label),
      Tier: v.tier as ParameterHistory['Tier'],
      Policies: describePolicies(v.policies),
      DataType: v.data_type,
    }),
  );
  return { Parameters: await decryptValues(c, ctx, page, input.WithDecryption), NextToken: more ? encodeToken(page[page.length - 1].Version!) : undefined };
}

export function labelParameterVersion(c: SsmContext, input: LabelParameterVersionRequest, ctx: RequestContext): LabelParameterVersionResult {
  const { store } = c;
  return store.tx(() => {
    const param = existing(c, ctx, input.Name!);
    const version = input.ParameterVersion ?? param.version;
    const row = store.version(ctx.account, ctx.region, param.name_key, version);
    if (!row) throw versionNotFound(version, param.name);
    const labels = [...new Set(input.Labels!)];
    const invalid = labels.filter((l) => !isValidLabel(l));
    const valid = labels.filter((l) => isValidLabel(l));
    const current = store.labels(ctx.account, ctx.region, param.name_key);
    const onVersion = new Set(current.filter((l) => l.version === version).map((l) => l.label));
    for (const label of valid) onVersion.add(label);
    if (onVersion.size > MAX_LABELS_PER_VERSION) {
      throw new AwsError('ParameterVersionLabelLimitExceeded', `A parameter version can have maximum ${MAX_LABELS_PER_VERSION} labels. Move one or more labels to another version and try again.`);
    }
    // A label names one version: attaching it here moves it off any other version.
    for (const label of valid) store.putLabel(ctx.account, ctx.region, param.name_key, label, version);
    if (valid.length) publishChange(c, ctx, param.name, row.type, 'LabelParameterVersion', { labels: valid, version });
    return { InvalidLabels: invalid, ParameterVersion: version };
  });
}

export function unlabelParameterVersion(c: SsmContext, input: UnlabelParameterVersionRequest, ctx: RequestContext): UnlabelParameterVersionResult {
  const { store } = c;
  return store.tx(() => {
    const param = existing(c, ctx, input.Name!);
    const version = input.ParameterVersion!;
    if (!store.version(ctx.account, ctx.region, param.name_key, version)) throw versionNotFound(version, param.name);
    const removed: string[] = [];
    const invalid: string[] = [];
    for (const label of new Set(input.Labels!)) {
      if (store.labelVersion(ctx.account, ctx.region, param.name_key, label) === version) {
        store.deleteLabel(ctx.account, ctx.region, param.name_key, label);
        removed.push(label);
      } else {
        invalid.push(label);
      }
    }
    return { RemovedLabels: removed, InvalidLabels: invalid };
  });
}
