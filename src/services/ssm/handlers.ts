import type {
  AddTagsToResourceRequest,
  AddTagsToResourceResult,
  DeleteParameterRequest,
  DeleteParameterResult,
  DeleteParametersRequest,
  DeleteParametersResult,
  DescribeParametersRequest,
  DescribeParametersResult,
  GetParameterHistoryRequest,
  GetParameterHistoryResult,
  GetParameterRequest,
  GetParameterResult,
  GetParametersByPathRequest,
  GetParametersByPathResult,
  GetParametersRequest,
  GetParametersResult,
  LabelParameterVersionRequest,
  LabelParameterVersionResult,
  ListTagsForResourceRequest,
  ListTagsForResourceResult,
  Parameter,
  ParameterHistory,
  ParameterMetadata,
  ParameterStringFilter,
  PutParameterRequest,
  PutParameterResult,
  RemoveTagsFromResourceRequest,
  RemoveTagsFromResourceResult,
  UnlabelParameterVersionRequest,
  UnlabelParameterVersionResult,
} from '@aws-sdk/client-ssm';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { AwsError } from '../../core/errors.js';
import type { SsmStore, CurrentRow, VersionRow } from './store.js';
import { hasNameCharacters, invalidName, isReserved, isValidLabel, nameKey, parameterArn, parseReference, validateNameForPut, validatePath, type ParameterReference } from './names.js';
import { publicParameter, publicParameterArn, publicParameters, type PublicParameter } from './public.js';
import { matchesLegacyFilter, matchesParameterFilter, validateParameterFilters, type Filterable } from './filters.js';
import { describePolicies, expirationTime, parsePolicies, type ParameterPolicy } from './policies.js';

const DEFAULT_KEY = 'alias/aws/ssm';
const MAX_VERSIONS = 100;
const MAX_LABELS_PER_VERSION = 10;
const MAX_TAGS = 50;
const TIER_LIMITS: Record<string, number> = { Standard: 4096, Advanced: 8192 };
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const EXPIRE_JOB = 'ssm.expire-parameter';

interface Scope {
  account: string;
  region: string;
}

interface ExpireJob extends Scope {
  nameKey: string;
  /** The Expiration timestamp (epoch ms) that scheduled the job. */
  at: number;
}

function notFound(name: string): AwsError {
  return new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
}

function versionNotFound(version: number | string, name: string): AwsError {
  return new AwsError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`);
}

function invalidToken(): AwsError {
  return new AwsError('InvalidNextToken', "The specified token isn't valid.");
}

/** Opaque pagination tokens carry the last key returned. */
function encodeToken(last: string | number): string {
  return Buffer.from(JSON.stringify({ after: last })).toString('base64');
}

function decodeToken<T extends string | number>(token: string | undefined, kind: 'string' | 'number'): T | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === kind) return parsed.after as T;
  } catch {
    // falls through to the error below
  }
  throw invalidToken();
}

/** Code points, as AWS counts value sizes. */
function length(text: string): number {
  return [...text].length;
}

function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      throw new AwsError('InvalidAllowedPatternException', `The allowed pattern ${pattern} is not valid.`);
    }
  }
}

export function createHandlers(store: SsmStore, rt: Runtime): Handlers {
  const kms = () => rt.api('kms');

  function encrypt(scope: Scope, name: string, keyId: string, plaintext: string): string {
    try {
      const { ciphertextBlob } = kms().encrypt(scope, keyId, Buffer.from(plaintext, 'utf8'), { PARAMETER_ARN: parameterArn(scope.region, scope.account, name) });
      return ciphertextBlob.toString('base64');
    } catch (err) {
      if (err instanceof AwsError && err.code === 'NotFoundException') throw new AwsError('InvalidKeyId', `Invalid KeyId: ${keyId}. ${err.message}`);
      throw err;
    }
  }

  function decrypt(scope: Scope, name: string, ciphertext: string): string {
    const { plaintext } = kms().decrypt(scope, Buffer.from(ciphertext, 'base64'), { PARAMETER_ARN: parameterArn(scope.region, scope.account, name) });
    return plaintext.toString('utf8');
  }

  function displayValue(scope: Scope, name: string, type: string, stored: string, withDecryption: boolean | undefined): string {
    return type === 'SecureString' && withDecryption ? decrypt(scope, name, stored) : stored;
  }

  function tagsOf(scope: Scope, key: string): Map<string, string> {
    return new Map(store.tags(scope.account, scope.region, key).map((t) => [t.tag_key, t.tag_value]));
  }

  function filterable(scope: Scope, row: CurrentRow): Filterable {
    return { name: row.name, type: row.type, keyId: row.key_id, tier: row.tier, dataType: row.data_type, tags: tagsOf(scope, row.name_key) };
  }

  function publishChange(scope: Scope, name: string, type: string, operation: string, extra: Record<string, unknown> = {}): void {
    rt.events.publish({
      source: 'aws.ssm',
      'detail-type': 'Parameter Store Change',
      account: scope.account,
      region: scope.region,
      resources: [parameterArn(scope.region, scope.account, name)],
      detail: { name, type, operation, ...extra },
    });
  }

  function toParameter(scope: Scope, name: string, v: Pick<VersionRow, 'type' | 'value' | 'version' | 'modified_at' | 'data_type'>, withDecryption: boolean | undefined, selector?: string): Parameter {
    return {
      Name: name,
      Type: v.type as Parameter['Type'],
      Value: displayValue(scope, name, v.type, v.value, withDecryption),
      Version: v.version,
      Selector: selector,
      LastModifiedDate: new Date(v.modified_at),
      ARN: parameterArn(scope.region, scope.account, name),
      DataType: v.data_type,
    };
  }

  function publicToParameter(region: string, p: PublicParameter, selector?: string): Parameter {
    return {
      Name: p.name,
      Type: 'String',
      Value: p.value,
      Version: p.version,
      Selector: selector,
      LastModifiedDate: new Date(p.modifiedAt),
      ARN: publicParameterArn(region, p.name),
      DataType: p.dataType,
    };
  }

  /** Whether a reference (possibly an ARN) points into the caller's own account and region. */
  function ownReference(ctx: RequestContext, ref: ParameterReference): boolean {
    if (ref.arnRegion !== undefined && ref.arnRegion !== ctx.region) return false;
    return ref.arnAccount === undefined || ref.arnAccount === ctx.account || (ref.arnAccount === '' && isReserved(ref.name));
  }

  /** GetParameter's lookup: the selected version of a parameter, or a public parameter. */
  function getOne(ctx: RequestContext, text: string, withDecryption: boolean | undefined): Parameter {
    const ref = parseReference(text);
    if (!ownReference(ctx, ref) || !hasNameCharacters(ref.name)) throw notFound(text);
    if (isReserved(ref.name)) {
      const p = publicParameter(ctx.region, ref.name);
      if (!p || ref.label !== undefined) throw notFound(text);
      if (ref.version !== undefined && ref.version !== p.version) throw versionNotFound(ref.version, p.name);
      return publicToParameter(ctx.region, p, ref.selector);
    }
    const key = nameKey(ref.name);
    const param = store.parameter(ctx.account, ctx.region, key);
    if (!param) throw notFound(text);
    let version = param.version;
    if (ref.version !== undefined) version = ref.version;
    if (ref.label !== undefined) {
      const labelled = store.labelVersion(ctx.account, ctx.region, key, ref.label);
      if (labelled === undefined) throw notFound(text);
      version = labelled;
    }
    const row = store.version(ctx.account, ctx.region, key, version);
    if (!row) throw versionNotFound(version, param.name);
    return toParameter(ctx, param.name, row, withDecryption, ref.selector);
  }

  /** The parameter a write operation names (no selectors), or ParameterNotFound. */
  function existing(ctx: RequestContext, text: string) {
    const ref = parseReference(text);
    const param = ownReference(ctx, ref) && ref.selector === undefined ? store.parameter(ctx.account, ctx.region, nameKey(ref.name)) : undefined;
    if (!param) throw notFound(text);
    return param;
  }

  function metadata(scope: Scope, row: CurrentRow): ParameterMetadata {
    return {
      Name: row.name,
      ARN: parameterArn(scope.region, scope.account, row.name),
      Type: row.type as ParameterMetadata['Type'],
      KeyId: row.key_id ?? undefined,
      LastModifiedDate: new Date(row.modified_at),
      LastModifiedUser: row.modified_by,
      Description: row.description ?? undefined,
      AllowedPattern: row.allowed_pattern ?? undefined,
      Version: row.version,
      Tier: row.tier as ParameterMetadata['Tier'],
      Policies: describePolicies(row.policies),
      DataType: row.data_type,
    };
  }

  function resolveTier(requested: string | undefined, previous: string | undefined, valueLength: number, hasPolicies: boolean): string {
    if (requested === 'Standard' && previous === 'Advanced') {
      throw new AwsError(
        'ValidationException',
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
      );
    }
    if (requested === 'Intelligent-Tiering') return previous === 'Advanced' || valueLength > TIER_LIMITS.Standard || hasPolicies ? 'Advanced' : 'Standard';
    return requested ?? previous ?? 'Standard';
  }

  function putParameter(input: PutParameterRequest, ctx: RequestContext): PutParameterResult {
    const name = input.Name!;
    const value = input.Value!;
    if (input.Overwrite && input.Tags !== undefined) {
      throw new AwsError(
        'ValidationException',
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    validateNameForPut(name, ctx.region, ctx.account);
    if (value === '') throw new AwsError('ValidationException', "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1");
    if (input.DataType !== undefined && !DATA_TYPES.includes(input.DataType)) {
      throw new AwsError('ValidationException', `The following data type is not supported: ${input.DataType} (Data type names are all lowercase.)`);
    }
    if ((input.Tags?.length ?? 0) > MAX_TAGS) throw new AwsError('TooManyTagsError', `A parameter can have at most ${MAX_TAGS} tags.`);
    const key = nameKey(name);
    const now = rt.clock.now();
    const result = store.tx(() => {
      const param = store.parameter(ctx.account, ctx.region, key);
      if (param && !input.Overwrite) {
        throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
      }
      const previous = param ? store.version(ctx.account, ctx.region, key, param.version) : undefined;
      const type = input.Type ?? previous?.type;
      if (!type) throw new AwsError('ValidationException', 'A parameter type is required when you create a parameter.');
      if (input.KeyId !== undefined && type !== 'SecureString') {
        throw new AwsError('ValidationException', 'KeyId is required for SecureString type parameter only.');
      }
      const dataType = input.DataType ?? previous?.data_type ?? 'text';
      if (dataType === 'aws:ec2:image') {
        if (type !== 'String') throw new AwsError('ValidationException', `The data type ${dataType} is supported only for parameters of type String.`);
        if (!AMI_ID.test(value)) {
          throw new AwsError('ValidationException', `Parameter value, ${value}, is not a valid ${dataType} value. The value must be an AMI ID in the format ami-12345abcdeEXAMPLE.`);
        }
      }
      const allowedPattern = input.AllowedPattern ?? previous?.allowed_pattern ?? null;
      if (allowedPattern) {
        const re = compilePattern(allowedPattern);
        if (!re.test(value)) throw new AwsError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
      }
      // Policies carry over an overwrite that does not name them; `[]` removes them.
      const policies = input.Policies !== undefined ? parsePolicies(input.Policies, now) : undefined;
      const storedPolicies = policies ? (policies.length ? JSON.stringify(policies) : null) : (previous?.policies ?? null);
      const tier = resolveTier(input.Tier, previous?.tier, length(value), storedPolicies !== null);
      if (length(value) > TIER_LIMITS[tier]) {
        throw new AwsError(
          'ValidationException',
          tier === 'Standard'
            ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html'
            : 'Advanced tier parameters support a maximum parameter value of 8192 characters.',
        );
      }
      if (storedPolicies !== null && tier !== 'Advanced') {
        throw new AwsError('ValidationException', 'Parameter policies are supported only for parameters in the advanced-parameter tier. Use the Advanced or Intelligent-Tiering tier and try again.');
      }
      if (param) {
        const { n, oldest } = store.versionCount(ctx.account, ctx.region, key);
        if (n >= MAX_VERSIONS) {
          // AWS drops the oldest version to make room, unless a label still points at it.
          if (store.labels(ctx.account, ctx.region, key).some((l) => l.version === oldest)) {
            throw new AwsError(
              'ParameterMaxVersionLimitExceeded',
              `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
            );
          }
          store.deleteVersion(ctx.account, ctx.region, key, oldest);
        }
      }
      const displayName = param?.name ?? name;
      const version = (param?.version ?? 0) + 1;
      const keyId = type === 'SecureString' ? (input.KeyId ?? (previous?.type === 'SecureString' ? previous.key_id : null) ?? DEFAULT_KEY) : null;
      const row: VersionRow = {
        account: ctx.account,
        region: ctx.region,
        name_key: key,
        version,
        type,
        value: type === 'SecureString' ? encrypt(ctx, displayName, keyId!, value) : value,
        description: input.Description ?? previous?.description ?? null,
        key_id: keyId,
        tier,
        data_type: dataType,
        allowed_pattern: allowedPattern,
        policies: storedPolicies,
        modified_at: now,
        modified_by: ctx.principal.arn,
      };
      if (param) {
        store.setLatestVersion(ctx.account, ctx.region, key, version);
      } else {
        store.createParameter({ account: ctx.account, region: ctx.region, name_key: key, name, version });
        for (const tag of input.Tags ?? []) store.putTag(ctx.account, ctx.region, key, tag.Key!, tag.Value!);
      }
      store.addVersion(row);
      const expiresAt = policies ? expirationTime(policies) : undefined;
      if (expiresAt !== undefined) rt.jobs.enqueue(EXPIRE_JOB, { account: ctx.account, region: ctx.region, nameKey: key, at: expiresAt } satisfies ExpireJob, expiresAt - now);
      return { Version: version, Tier: tier as PutParameterResult['Tier'], type, displayName, created: !param };
    });
    publishChange(ctx, result.displayName, result.type, result.created ? 'Create' : 'Update');
    return { Version: result.Version, Tier: result.Tier };
  }

  function getParametersByPath(input: GetParametersByPathRequest, ctx: RequestContext): GetParametersByPathResult {
    const path = input.Path!;
    validatePath(path);
    const filters = input.ParameterFilters ?? [];
    validateParameterFilters(filters, 'GetParametersByPath');
    const limit = input.MaxResults ?? 10;
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const inScope = (name: string) => {
      const full = name.startsWith('/') ? name : `/${name}`;
      return full.startsWith(prefix) && (input.Recursive || !full.slice(prefix.length).includes('/'));
    };
    const page: Parameter[] = [];
    let last: string | undefined;
    let more = false;
    if (isReserved(path)) {
      const after = decodeToken<string>(input.NextToken, 'string') ?? '';
      const labelFilter = filters.find((f) => f.Key === 'Label');
      for (const p of publicParameters(ctx.region)) {
        if (p.name <= after || !inScope(p.name) || labelFilter) continue;
        const candidate: Filterable = { name: p.name, type: 'String', keyId: null, tier: 'Standard', dataType: p.dataType, tags: new Map() };
        if (!filters.every((f) => matchesParameterFilter(candidate, f))) continue;
        if (page.length === limit) {
          more = true;
          break;
        }
        page.push(publicToParameter(ctx.region, p));
        last = p.name;
      }
    } else {
      const after = decodeToken<string>(input.NextToken, 'string') ?? '';
      const labelFilter = filters.find((f) => f.Key === 'Label');
      const keyPrefix = nameKey(prefix);
      for (const row of store.iterateCurrent(ctx.account, ctx.region, after, keyPrefix)) {
        if (!row.name_key.startsWith(keyPrefix) && keyPrefix !== '') break;
        if (!inScope(row.name)) continue;
        if (!filters.every((f) => f.Key === 'Label' || matchesParameterFilter(filterable(ctx, row), f))) continue;
        let chosen: VersionRow | CurrentRow = row;
        if (labelFilter) {
          // A Label filter returns the version carrying the label, not the latest one.
          const labelled = store.labels(ctx.account, ctx.region, row.name_key).find((l) => labelFilter.Values!.includes(l.label));
          if (!labelled) continue;
          chosen = store.version(ctx.account, ctx.region, row.name_key, labelled.version)!;
        }
        if (page.length === limit) {
          more = true;
          break;
        }
        page.push(toParameter(ctx, row.name, chosen, input.WithDecryption));
        last = row.name_key;
      }
    }
    return { Parameters: page, NextToken: more && last !== undefined ? encodeToken(last) : undefined };
  }

  function describeParameters(input: DescribeParametersRequest, ctx: RequestContext): DescribeParametersResult {
    const filters = input.Filters ?? [];
    const parameterFilters: ParameterStringFilter[] = input.ParameterFilters ?? [];
    if (filters.length && parameterFilters.length) throw new AwsError('ValidationException', 'You can use either Filters or ParameterFilters in a single request.');
    validateParameterFilters(parameterFilters, 'DescribeParameters');
    const limit = input.MaxResults ?? 10;
    const after = decodeToken<string>(input.NextToken, 'string') ?? '';
    // Nothing is shared with this account through RAM, so the shared view is empty.
    if (input.Shared) return { Parameters: [] };
    const page: ParameterMetadata[] = [];
    let last: string | undefined;
    let more = false;
    for (const row of store.iterateCurrent(ctx.account, ctx.region, after)) {
      const candidate = filterable(ctx, row);
      if (!filters.every((f) => matchesLegacyFilter(candidate, f))) continue;
      if (!parameterFilters.every((f) => matchesParameterFilter(candidate, f))) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(metadata(ctx, row));
      last = row.name_key;
    }
    return { Parameters: page, NextToken: more && last !== undefined ? encodeToken(last) : undefined };
  }

  function getParameterHistory(input: GetParameterHistoryRequest, ctx: RequestContext): GetParameterHistoryResult {
    const ref = parseReference(input.Name!);
    if (isReserved(ref.name) && ref.selector === undefined) {
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
    const param = existing(ctx, input.Name!);
    const limit = input.MaxResults ?? 50;
    const after = decodeToken<number>(input.NextToken, 'number') ?? 0;
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
        Value: displayValue(ctx, param.name, v.type, v.value, input.WithDecryption),
        AllowedPattern: v.allowed_pattern ?? undefined,
        Version: v.version,
        Labels: labels.filter((l) => l.version === v.version).map((l) => l.label),
        Tier: v.tier as ParameterHistory['Tier'],
        Policies: describePolicies(v.policies),
        DataType: v.data_type,
      }),
    );
    return { Parameters: page, NextToken: more ? encodeToken(page[page.length - 1].Version!) : undefined };
  }

  function labelParameterVersion(input: LabelParameterVersionRequest, ctx: RequestContext): LabelParameterVersionResult {
    const result = store.tx(() => {
      const param = existing(ctx, input.Name!);
      const version = input.ParameterVersion ?? param.version;
      if (!store.version(ctx.account, ctx.region, param.name_key, version)) throw versionNotFound(version, param.name);
      const labels = [...new Set(input.Labels!)];
      const invalid = labels.filter((l) => !isValidLabel(l));
      const valid = labels.filter((l) => isValidLabel(l));
      const current = store.labels(ctx.account, ctx.region, param.name_key);
      const onVersion = new Set(current.filter((l) => l.version === version).map((l) => l.label));
      for (const label of valid) onVersion.add(label);
      if (onVersion.size > MAX_LABELS_PER_VERSION) {
        throw new AwsError(
          'ParameterVersionLabelLimitExceeded',
          `A parameter version can have maximum ${MAX_LABELS_PER_VERSION} labels. Move one or more labels to another version and try again.`,
        );
      }
      // A label names one version: attaching it here moves it off any other version.
      for (const label of valid) store.putLabel(ctx.account, ctx.region, param.name_key, label, version);
      const type = store.version(ctx.account, ctx.region, param.name_key, version)!.type;
      return { invalid, version, name: param.name, type, applied: valid };
    });
    if (result.applied.length) publishChange(ctx, result.name, result.type, 'LabelParameterVersion', { labels: result.applied, version: result.version });
    return { InvalidLabels: result.invalid, ParameterVersion: result.version };
  }

  function unlabelParameterVersion(input: UnlabelParameterVersionRequest, ctx: RequestContext): UnlabelParameterVersionResult {
    return store.tx(() => {
      const param = existing(ctx, input.Name!);
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

  /** Deletes one parameter; false when it does not exist. */
  function deleteOne(ctx: RequestContext, text: string): { name: string; type: string } | undefined {
    const ref = parseReference(text);
    if (ref.selector !== undefined || !ownReference(ctx, ref)) return undefined;
    const current = store.current(ctx.account, ctx.region, nameKey(ref.name));
    if (!current) return undefined;
    store.deleteParameter(ctx.account, ctx.region, current.name_key);
    return { name: current.name, type: current.type };
  }

  /** The parameter a tagging call names; other resource types hold nothing in Drydock. */
  function taggedParameter(ctx: RequestContext, resourceType: string | undefined, resourceId: string) {
    const param = resourceType === 'Parameter' ? store.parameter(ctx.account, ctx.region, nameKey(parseReference(resourceId).name)) : undefined;
    if (!param || parseReference(resourceId).selector !== undefined) throw new AwsError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.');
    return param;
  }

  rt.jobs.register(EXPIRE_JOB, async (job) => {
    const { account, region, nameKey: key, at } = job.payload as ExpireJob;
    const deleted = store.tx(() => {
      const current = store.current(account, region, key);
      // Only if the parameter still carries the policy that scheduled this job (it may have been
      // replaced, removed, or the parameter deleted and recreated since).
      const due = current?.policies ? expirationTime(JSON.parse(current.policies) as ParameterPolicy[]) : undefined;
      if (!current || due !== at) return undefined;
      store.deleteParameter(account, region, key);
      return current;
    });
    if (deleted) publishChange({ account, region }, deleted.name, deleted.type, 'Delete');
  });

  return {
    PutParameter: putParameter,

    GetParameter(input: GetParameterRequest, ctx: RequestContext): GetParameterResult {
      if (!hasNameCharacters(parseReference(input.Name!).name)) throw invalidName();
      return { Parameter: getOne(ctx, input.Name!, input.WithDecryption) };
    },

    GetParameters(input: GetParametersRequest, ctx: RequestContext): GetParametersResult {
      const found: Parameter[] = [];
      const invalid: string[] = [];
      for (const name of new Set(input.Names!)) {
        try {
          found.push(getOne(ctx, name, input.WithDecryption));
        } catch (err) {
          if (!(err instanceof AwsError) || (err.code !== 'ParameterNotFound' && err.code !== 'ParameterVersionNotFound')) throw err;
          invalid.push(name);
        }
      }
      return { Parameters: found, InvalidParameters: invalid };
    },

    GetParametersByPath: getParametersByPath,
    DescribeParameters: describeParameters,
    GetParameterHistory: getParameterHistory,
    LabelParameterVersion: labelParameterVersion,
    UnlabelParameterVersion: unlabelParameterVersion,

    DeleteParameter(input: DeleteParameterRequest, ctx: RequestContext): DeleteParameterResult {
      const deleted = store.tx(() => deleteOne(ctx, input.Name!));
      if (!deleted) throw notFound(input.Name!);
      publishChange(ctx, deleted.name, deleted.type, 'Delete');
      return {};
    },

    DeleteParameters(input: DeleteParametersRequest, ctx: RequestContext): DeleteParametersResult {
      const outcome = store.tx(() => {
        const deleted: { requested: string; name: string; type: string }[] = [];
        const invalid: string[] = [];
        for (const name of new Set(input.Names!)) {
          const one = deleteOne(ctx, name);
          if (one) deleted.push({ requested: name, ...one });
          else invalid.push(name);
        }
        return { deleted, invalid };
      });
      for (const d of outcome.deleted) publishChange(ctx, d.name, d.type, 'Delete');
      return { DeletedParameters: outcome.deleted.map((d) => d.requested), InvalidParameters: outcome.invalid };
    },

    AddTagsToResource(input: AddTagsToResourceRequest, ctx: RequestContext): AddTagsToResourceResult {
      store.tx(() => {
        const param = taggedParameter(ctx, input.ResourceType, input.ResourceId!);
        const tags = tagsOf(ctx, param.name_key);
        for (const tag of input.Tags!) tags.set(tag.Key!, tag.Value!);
        if (tags.size > MAX_TAGS) throw new AwsError('TooManyTagsError', `A resource can have at most ${MAX_TAGS} tags.`);
        for (const tag of input.Tags!) store.putTag(ctx.account, ctx.region, param.name_key, tag.Key!, tag.Value!);
      });
      return {};
    },

    RemoveTagsFromResource(input: RemoveTagsFromResourceRequest, ctx: RequestContext): RemoveTagsFromResourceResult {
      store.tx(() => {
        const param = taggedParameter(ctx, input.ResourceType, input.ResourceId!);
        for (const key of input.TagKeys!) store.deleteTag(ctx.account, ctx.region, param.name_key, key);
      });
      return {};
    },

    ListTagsForResource(input: ListTagsForResourceRequest, ctx: RequestContext): ListTagsForResourceResult {
      const param = taggedParameter(ctx, input.ResourceType, input.ResourceId!);
      return { TagList: store.tags(ctx.account, ctx.region, param.name_key).map((t) => ({ Key: t.tag_key, Value: t.tag_value })) };
    },
  };
}
