/**
 * IAM OpenID Connect identity providers: what STS AssumeRoleWithWebIdentity trusts. The provider is
 * named by its issuer URL without the scheme (`arn:aws:iam::<account>:oidc-provider/<host/path>`).
 * IAM requires https issuers; Drydock also takes http for a loopback host (a test's local issuer).
 */
import type {
  AddClientIDToOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderResponse,
  DeleteOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderResponse,
  ListOpenIDConnectProvidersResponse,
  RemoveClientIDFromOpenIDConnectProviderRequest,
  Tag,
  UpdateOpenIDConnectProviderThumbprintRequest,
} from '@aws-sdk/client-iam';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { OidcProviderRow, ProviderStore } from './provider-store.js';
import { providerTagOperations } from './provider-tags.js';

export interface ProviderContext {
  providers: ProviderStore;
  rt: Runtime;
}

const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;
const invalidInput = (message: string) => new AwsError('InvalidInputException', message);
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/** The issuer's scheme and its URL without the scheme or a trailing slash, or InvalidInput. */
export function parseIssuerUrl(url: string): { scheme: string; url: string } {
  const match = /^(https?):\/\/([^/?#\s]+)(\/[^?#\s]*)?$/i.exec(url.trim());
  if (!match) throw invalidInput('Invalid openid connect provider url');
  const scheme = match[1]!.toLowerCase();
  const host = match[2]!.toLowerCase();
  if (scheme === 'http' && !LOOPBACK.test(host)) throw invalidInput('The URL must begin with https://');
  return { scheme, url: `${host}${(match[3] ?? '').replace(/\/+$/, '')}` };
}

function checkThumbprints(list: string[] | undefined): string[] {
  const thumbprints = list ?? [];
  if (thumbprints.length > MAX_THUMBPRINTS) throw new AwsError('LimitExceededException', `Thumbprint list must contain at most ${MAX_THUMBPRINTS} entries.`);
  for (const t of thumbprints) if (!/^[0-9a-fA-F]{40}$/.test(t)) throw invalidInput(`Thumbprint ${t} is not a 40-character hex string.`);
  return thumbprints.map((t) => t.toLowerCase());
}

function requireProvider(c: ProviderContext, account: string, providerArn: string): OidcProviderRow {
  const row = c.providers.oidc(account, providerArn);
  if (!row) throw new AwsError('NoSuchEntityException', `OpenIDConnect Provider not found for arn ${providerArn}`);
  return row;
}

const listOf = (json: string): string[] => JSON.parse(json) as string[];

function createOpenIDConnectProvider(c: ProviderContext, input: CreateOpenIDConnectProviderRequest, ctx: RequestContext): CreateOpenIDConnectProviderResponse {
  const { scheme, url } = parseIssuerUrl(input.Url!);
  const thumbprints = checkThumbprints(input.ThumbprintList);
  const clientIds = [...new Set(input.ClientIDList ?? [])];
  if (clientIds.length > MAX_CLIENT_IDS) throw new AwsError('LimitExceededException', `Client ID list must contain at most ${MAX_CLIENT_IDS} entries.`);
  const tags: Tag[] = input.Tags ?? [];
  if (new Set(tags.map((t) => t.Key!.toLowerCase())).size !== tags.length) throw invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  const providerArn = arn('iam', '', ctx.account, `oidc-provider/${url}`);
  return c.providers.tx(() => {
    if (c.providers.oidcByUrl(ctx.account, url)) throw new AwsError('EntityAlreadyExistsException', `Provider with url ${scheme}://${url} already exists.`);
    c.providers.insertOidc({
      account: ctx.account,
      url,
      scheme,
      arn: providerArn,
      client_ids: JSON.stringify(clientIds),
      thumbprints: JSON.stringify(thumbprints),
      tags: JSON.stringify(tags),
      created_at: c.rt.clock.now(),
    });
    return { OpenIDConnectProviderArn: providerArn, Tags: tags.length ? tags : undefined };
  });
}

function getOpenIDConnectProvider(c: ProviderContext, input: GetOpenIDConnectProviderRequest, ctx: RequestContext): GetOpenIDConnectProviderResponse {
  const row = requireProvider(c, ctx.account, input.OpenIDConnectProviderArn!);
  const tags = JSON.parse(row.tags) as Tag[];
  return { Url: row.url, ClientIDList: listOf(row.client_ids), ThumbprintList: listOf(row.thumbprints), CreateDate: new Date(row.created_at), Tags: tags.length ? tags : undefined };
}

function listOpenIDConnectProviders(c: ProviderContext, _input: unknown, ctx: RequestContext): ListOpenIDConnectProvidersResponse {
  return { OpenIDConnectProviderList: c.providers.listOidc(ctx.account).map((row) => ({ Arn: row.arn })) };
}

function deleteOpenIDConnectProvider(c: ProviderContext, input: DeleteOpenIDConnectProviderRequest, ctx: RequestContext): Record<string, never> {
  c.providers.tx(() => {
    requireProvider(c, ctx.account, input.OpenIDConnectProviderArn!);
    c.providers.deleteOidc(ctx.account, input.OpenIDConnectProviderArn!);
  });
  return {};
}

function updateOpenIDConnectProviderThumbprint(c: ProviderContext, input: UpdateOpenIDConnectProviderThumbprintRequest, ctx: RequestContext): Record<string, never> {
  const thumbprints = checkThumbprints(input.ThumbprintList);
  c.providers.tx(() => {
    const row = requireProvider(c, ctx.account, input.OpenIDConnectProviderArn!);
    c.providers.updateOidc({ ...row, thumbprints: JSON.stringify(thumbprints) });
  });
  return {};
}

function addClientIDToOpenIDConnectProvider(c: ProviderContext, input: AddClientIDToOpenIDConnectProviderRequest, ctx: RequestContext): Record<string, never> {
  c.providers.tx(() => {
    const row = requireProvider(c, ctx.account, input.OpenIDConnectProviderArn!);
    const clientIds = listOf(row.client_ids);
    if (clientIds.includes(input.ClientID!)) return;
    if (clientIds.length >= MAX_CLIENT_IDS) throw new AwsError('LimitExceededException', `Client ID list must contain at most ${MAX_CLIENT_IDS} entries.`);
    c.providers.updateOidc({ ...row, client_ids: JSON.stringify([...clientIds, input.ClientID!]) });
  });
  return {};
}

function removeClientIDFromOpenIDConnectProvider(c: ProviderContext, input: RemoveClientIDFromOpenIDConnectProviderRequest, ctx: RequestContext): Record<string, never> {
  c.providers.tx(() => {
    const row = requireProvider(c, ctx.account, input.OpenIDConnectProviderArn!);
    c.providers.updateOidc({ ...row, client_ids: JSON.stringify(listOf(row.client_ids).filter((id) => id !== input.ClientID)) });
  });
  return {};
}

const oidcTags = providerTagOperations<OidcProviderRow>(
  {
    get: (c, account, arn) => c.providers.oidc(account, arn),
    update: (c, row) => c.providers.updateOidc(row),
    missing: (arn) => new AwsError('NoSuchEntityException', `OpenIDConnect Provider not found for arn ${arn}`),
  },
  'OpenIDConnectProviderArn',
);

export const OIDC_PROVIDER_OPERATIONS = {
  TagOpenIDConnectProvider: oidcTags.tag,
  UntagOpenIDConnectProvider: oidcTags.untag,
  ListOpenIDConnectProviderTags: oidcTags.list,
  CreateOpenIDConnectProvider: createOpenIDConnectProvider,
  GetOpenIDConnectProvider: getOpenIDConnectProvider,
  ListOpenIDConnectProviders: listOpenIDConnectProviders,
  DeleteOpenIDConnectProvider: deleteOpenIDConnectProvider,
  UpdateOpenIDConnectProviderThumbprint: updateOpenIDConnectProviderThumbprint,
  AddClientIDToOpenIDConnectProvider: addClientIDToOpenIDConnectProvider,
  RemoveClientIDFromOpenIDConnectProvider: removeClientIDFromOpenIDConnectProvider,
};
