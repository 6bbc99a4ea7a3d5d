/** Reading parameters: by name (with selectors), by path, and their metadata. */
import type {
  DescribeParametersRequest,
  DescribeParametersResult,
  GetParameterRequest,
  GetParameterResult,
  GetParametersByPathRequest,
  GetParametersByPathResult,
  GetParametersRequest,
  GetParametersResult,
  Parameter,
  ParameterMetadata,
  ParameterStringFilter,
} from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { encodeToken, filterable, metadata, nameAfter, notFound, ownReference, publicToParameter, type SsmContext, toParameter, versionNotFound } from './common.js';
import { decryptValues } from './encryption.js';
import { type Filterable, matchesLegacyFilter, matchesParameterFilter, validateParameterFilters } from './filters.js';
import { hasNameCharacters, invalidName, isReserved, nameKey, parseReference, validatePath } from './names.js';
import { publicParameter, publicParameters } from './public.js';
import { isSecretReference, isUnanswerableReference, readSecretReference } from './secret-references.js';
import type { CurrentRow, VersionRow } from './store.js';

/** GetParameter's lookup: the selected version of a parameter (SecureStrings encrypted), or a public parameter. */
export function getOne(c: SsmContext, ctx: RequestContext, text: string): Parameter {
  const { store } = c;
  const ref = parseReference(text);
  if (!ownReference(ctx, ref) || !hasNameCharacters(ref.name)) throw notFound(text);
  if (isReserved(ref.name)) {
    const p = publicParameter(ctx.region, ref.name);
    if (!p || ref.label !== undefined) throw notFound(text);
    if (ref.version !== undefined && ref.version !== p.version) throw versionNotFound(ref.version, p.name);
    return publicToParameter(ctx.region, p, ref.selector);
  }
  const key = nameKey(ref.name);
  if (ref.version === undefined && ref.label === undefined) {
    // The common read, the latest version, is one query: the parameter joined with that version.
    const latest = store.latest(ctx.account, ctx.region, key);
    if (!latest) throw notFound(text);
    return toParameter(ctx, latest.name, latest, ref.selector);
  }
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
  return toParameter(ctx, param.name, row, ref.selector);
}

export async function getParameter(c: SsmContext, input: GetParameterRequest, ctx: RequestContext): Promise<GetParameterResult> {
  if (isSecretReference(input.Name!)) return { Parameter: await readSecretReference(c, ctx, input.Name!, input.WithDecryption) };
  if (!hasNameCharacters(parseReference(input.Name!).name)) throw invalidName();
  const [parameter] = await decryptValues(c, ctx, [getOne(c, ctx, input.Name!)], input.WithDecryption);
  return { Parameter: parameter };
}

export async function getParameters(c: SsmContext, input: GetParametersRequest, ctx: RequestContext): Promise<GetParametersResult> {
  const found: Parameter[] = [];
  // Secrets Manager secrets arrive decrypted: they are kept apart from the parameters decrypted below.
  const secrets: Parameter[] = [];
  const invalid: string[] = [];
  for (const name of new Set(input.Names!)) {
    try {
      if (isSecretReference(name)) secrets.push(await readSecretReference(c, ctx, name, input.WithDecryption));
      else found.push(getOne(c, ctx, name));
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      const unanswerable = isSecretReference(name) ? isUnanswerableReference(err) : err.code === 'ParameterNotFound' || err.code === 'ParameterVersionNotFound';
      if (!unanswerable) throw err;
      invalid.push(name);
    }
  }
  return { Parameters: [...(await decryptValues(c, ctx, found, input.WithDecryption)), ...secrets], InvalidParameters: invalid };
}

/** One page of a listing, and the key to continue after when there is more. */
interface Page<T> {
  items: T[];
  last?: string;
  more: boolean;
}

/** What GetParametersByPath selects: the parameters under a path, filtered. */
interface PathQuery {
  /** The path with a trailing slash. */
  prefix: string;
  inScope: (name: string) => boolean;
  filters: ParameterStringFilter[];
  labelFilter: ParameterStringFilter | undefined;
  after: string;
  limit: number;
}

function publicPathPage(ctx: RequestContext, q: PathQuery): Page<Parameter> {
  const page: Page<Parameter> = { items: [], more: false };
  // Public parameters carry no labels: a Label filter matches none of them.
  if (q.labelFilter) return page;
  for (const p of publicParameters(ctx.region)) {
    if (p.name <= q.after || !q.inScope(p.name)) continue;
    const candidate: Filterable = { name: p.name, type: 'String', keyId: null, tier: 'Standard', dataType: p.dataType, tags: new Map() };
    if (!q.filters.every((f) => matchesParameterFilter(candidate, f))) continue;
    if (page.items.length === q.limit) {
      page.more = true;
      break;
    }
    page.items.push(publicToParameter(ctx.region, p));
    page.last = p.name;
  }
  return page;
}

function ownPathPage(c: SsmContext, ctx: RequestContext, q: PathQuery): Page<Parameter> {
  const { store } = c;
  const page: Page<Parameter> = { items: [], more: false };
  const keyPrefix = nameKey(q.prefix);
  for (const row of store.iterateCurrent(ctx.account, ctx.region, q.after, keyPrefix)) {
    if (!row.name_key.startsWith(keyPrefix) && keyPrefix !== '') break;
    if (!q.inScope(row.name)) continue;
    if (!q.filters.every((f) => f.Key === 'Label' || matchesParameterFilter(filterable(c, ctx, row), f))) continue;
    let chosen: VersionRow | CurrentRow = row;
    if (q.labelFilter) {
      // A Label filter returns the version carrying the label, not the latest one.
      const values = q.labelFilter.Values!;
      const labelled = store.labels(ctx.account, ctx.region, row.name_key).find((l) => values.includes(l.label));
      if (!labelled) continue;
      chosen = store.version(ctx.account, ctx.region, row.name_key, labelled.version)!;
    }
    if (page.items.length === q.limit) {
      page.more = true;
      break;
    }
    page.items.push(toParameter(ctx, row.name, chosen));
    page.last = row.name_key;
  }
  return page;
}

export async function getParametersByPath(c: SsmContext, input: GetParametersByPathRequest, ctx: RequestContext): Promise<GetParametersByPathResult> {
  const path = input.Path!;
  validatePath(path);
  const filters = input.ParameterFilters ?? [];
  validateParameterFilters(filters, 'GetParametersByPath');
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const query: PathQuery = {
    prefix,
    inScope: (name) => {
      const full = name.startsWith('/') ? name : `/${name}`;
      return full.startsWith(prefix) && (input.Recursive || !full.slice(prefix.length).includes('/'));
    },
    filters,
    labelFilter: filters.find((f) => f.Key === 'Label'),
    after: nameAfter(input.NextToken),
    limit: input.MaxResults ?? 10,
  };
  const page = isReserved(path) ? publicPathPage(ctx, query) : ownPathPage(c, ctx, query);
  return { Parameters: await decryptValues(c, ctx, page.items, input.WithDecryption), NextToken: page.more && page.last !== undefined ? encodeToken(page.last) : undefined };
}

export function describeParameters(c: SsmContext, input: DescribeParametersRequest, ctx: RequestContext): DescribeParametersResult {
  const filters = input.Filters ?? [];
  const parameterFilters: ParameterStringFilter[] = input.ParameterFilters ?? [];
  if (filters.length && parameterFilters.length) throw new AwsError('ValidationException', 'You can use either Filters or ParameterFilters in a single request.');
  validateParameterFilters(parameterFilters, 'DescribeParameters');
  const limit = input.MaxResults ?? 10;
  const after = nameAfter(input.NextToken);
  // Nothing is shared with this account through RAM, so the shared view is empty.
  if (input.Shared) return { Parameters: [] };
  const page: ParameterMetadata[] = [];
  let last: string | undefined;
  let more = false;
  for (const row of c.store.iterateCurrent(ctx.account, ctx.region, after)) {
    const candidate = filterable(c, ctx, row);
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
