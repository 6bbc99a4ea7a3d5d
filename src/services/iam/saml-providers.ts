/**
 * IAM SAML identity providers: what STS AssumeRoleWithSAML trusts
 * (`arn:aws:iam::<account>:saml-provider/<Name>`). The metadata document is kept as given; its
 * EntityDescriptor's entityID (the IdP's issuer), validUntil and signing certificates are read from it.
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateSAMLProviderRequest,
  CreateSAMLProviderResponse,
  DeleteSAMLProviderRequest,
  GetSAMLProviderRequest,
  GetSAMLProviderResponse,
  ListSAMLProvidersResponse,
  Tag,
  UpdateSAMLProviderRequest,
  UpdateSAMLProviderResponse,
} from '@aws-sdk/client-iam';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ProviderContext } from './oidc-providers.js';
import type { SamlProviderRow } from './provider-store.js';
import { providerTagOperations } from './provider-tags.js';

/** Without a validUntil in the metadata, IAM answers a date a hundred years after creation. */
const DEFAULT_VALIDITY_MS = 100 * 365 * 24 * 3600 * 1000;

export interface SamlMetadata {
  entityId: string;
  validUntil?: number;
  /** Base64 DER signing certificates. */
  certificates: string[];
}

/** The parts of a SAML metadata document Drydock uses, or undefined when it is no EntityDescriptor. */
export function readSamlMetadata(xml: string): SamlMetadata | undefined {
  const descriptor = /<(?:[\w-]+:)?EntityDescriptor\b([^>]*)>/.exec(xml);
  const entityId = descriptor && /\bentityID\s*=\s*"([^"]+)"/.exec(descriptor[1]!)?.[1];
  if (!entityId) return undefined;
  const validUntil = /\bvalidUntil\s*=\s*"([^"]+)"/.exec(descriptor[1]!)?.[1];
  const certificates = [...xml.matchAll(/<(?:[\w-]+:)?X509Certificate>([^<]+)<\/(?:[\w-]+:)?X509Certificate>/g)].map((m) => m[1]!.replace(/\s+/g, ''));
  const until = validUntil ? Date.parse(validUntil) : undefined;
  return { entityId, validUntil: until !== undefined && !Number.isNaN(until) ? until : undefined, certificates };
}

function parseMetadata(xml: string): SamlMetadata {
  const metadata = readSamlMetadata(xml);
  if (!metadata) throw new AwsError('InvalidInputException', 'Could not parse metadata');
  return metadata;
}

function requireProvider(c: ProviderContext, account: string, providerArn: string): SamlProviderRow {
  const row = c.providers.saml(account, providerArn);
  if (!row) throw new AwsError('NoSuchEntityException', `Manifest not found for arn ${providerArn}`);
  return row;
}

function createSAMLProvider(c: ProviderContext, input: CreateSAMLProviderRequest, ctx: RequestContext): CreateSAMLProviderResponse {
  const metadata = parseMetadata(input.SAMLMetadataDocument!);
  const tags: Tag[] = input.Tags ?? [];
  if (new Set(tags.map((t) => t.Key!.toLowerCase())).size !== tags.length) throw new AwsError('InvalidInputException', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  const providerArn = arn('iam', '', ctx.account, `saml-provider/${input.Name}`);
  const now = c.rt.clock.now();
  return c.providers.tx(() => {
    if (c.providers.saml(ctx.account, providerArn)) throw new AwsError('EntityAlreadyExistsException', `SAMLProvider ${input.Name} already exists`);
    c.providers.insertSaml({
      account: ctx.account,
      name: input.Name!,
      arn: providerArn,
      uuid: randomUUID(),
      metadata: input.SAMLMetadataDocument!,
      assertion_encryption_mode: input.AssertionEncryptionMode ?? null,
      tags: JSON.stringify(tags),
      created_at: now,
      valid_until: metadata.validUntil ?? now + DEFAULT_VALIDITY_MS,
    });
    return { SAMLProviderArn: providerArn, Tags: tags.length ? tags : undefined };
  });
}

function getSAMLProvider(c: ProviderContext, input: GetSAMLProviderRequest, ctx: RequestContext): GetSAMLProviderResponse {
  const row = requireProvider(c, ctx.account, input.SAMLProviderArn!);
  const tags = JSON.parse(row.tags) as Tag[];
  return {
    SAMLProviderUUID: row.uuid,
    SAMLMetadataDocument: row.metadata,
    CreateDate: new Date(row.created_at),
    ValidUntil: new Date(row.valid_until),
    Tags: tags.length ? tags : undefined,
    AssertionEncryptionMode: (row.assertion_encryption_mode ?? undefined) as GetSAMLProviderResponse['AssertionEncryptionMode'],
  };
}

function listSAMLProviders(c: ProviderContext, _input: unknown, ctx: RequestContext): ListSAMLProvidersResponse {
  return { SAMLProviderList: c.providers.listSaml(ctx.account).map((row) => ({ Arn: row.arn, CreateDate: new Date(row.created_at), ValidUntil: new Date(row.valid_until) })) };
}

function updateSAMLProvider(c: ProviderContext, input: UpdateSAMLProviderRequest, ctx: RequestContext): UpdateSAMLProviderResponse {
  const metadata = input.SAMLMetadataDocument === undefined ? undefined : parseMetadata(input.SAMLMetadataDocument);
  c.providers.tx(() => {
    const row = requireProvider(c, ctx.account, input.SAMLProviderArn!);
    c.providers.updateSaml({
      ...row,
      metadata: input.SAMLMetadataDocument ?? row.metadata,
      valid_until: metadata ? (metadata.validUntil ?? row.valid_until) : row.valid_until,
      assertion_encryption_mode: input.AssertionEncryptionMode ?? row.assertion_encryption_mode,
    });
  });
  return { SAMLProviderArn: input.SAMLProviderArn };
}

function deleteSAMLProvider(c: ProviderContext, input: DeleteSAMLProviderRequest, ctx: RequestContext): Record<string, never> {
  c.providers.tx(() => {
    requireProvider(c, ctx.account, input.SAMLProviderArn!);
    c.providers.deleteSaml(ctx.account, input.SAMLProviderArn!);
  });
  return {};
}

const samlTags = providerTagOperations<SamlProviderRow>(
  {
    get: (c, account, arn) => c.providers.saml(account, arn),
    update: (c, row) => c.providers.updateSaml(row),
    missing: (arn) => new AwsError('NoSuchEntityException', `Manifest not found for arn ${arn}`),
  },
  'SAMLProviderArn',
);

export const SAML_PROVIDER_OPERATIONS = {
  TagSAMLProvider: samlTags.tag,
  UntagSAMLProvider: samlTags.untag,
  ListSAMLProviderTags: samlTags.list,
  CreateSAMLProvider: createSAMLProvider,
  GetSAMLProvider: getSAMLProvider,
  ListSAMLProviders: listSAMLProviders,
  UpdateSAMLProvider: updateSAMLProvider,
  DeleteSAMLProvider: deleteSAMLProvider,
};
