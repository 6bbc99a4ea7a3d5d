/**
 * What each Parameter Store operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for AWS Systems Manager") and the Parameter
 * Store guide ("Preventing access to Parameter Store API operations").
 *
 * A parameter's ARN drops the name's leading slash (`/app/x` → `…:parameter/app/x`); a name given
 * as an ARN or with a `:version`/`:label` selector is checked on the parameter itself, and public
 * parameters (`/aws/service/…`) on their account-less ARN. GetParameters and DeleteParameters are
 * checked on every parameter they name; GetParametersByPath on the path (`ssm:Recursive` says
 * whether it descends). Decrypting a SecureString is not a rule here: SSM calls KMS Decrypt for the
 * caller (see `decryptValues` in common.ts), where the key policy has its say.
 */
import type { AddTagsToResourceRequest, GetParametersByPathRequest, PutParameterRequest, RemoveTagsFromResourceRequest } from '@aws-sdk/client-ssm';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ServiceAuthorization } from '../authorization.js';
import { isReserved, nameKey, parseReference } from './names.js';

/** The ARN of the parameter a name, ARN or selector-carrying reference names. */
function arnOf(text: string, ctx: RequestContext): string {
  const ref = parseReference(text);
  const region = ref.arnRegion ?? ctx.region;
  const account = isReserved(ref.name) ? '' : (ref.arnAccount ?? ctx.account);
  return `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter/${nameKey(ref.name)}`;
}

const parameter = (input: { Name?: string }, ctx: RequestContext) => arnOf(input.Name ?? '', ctx);
const parameters = (input: { Names?: string[] }, ctx: RequestContext) => [...new Set(input.Names ?? [])].map((name) => arnOf(name, ctx));

/** The tagged resource: parameters are the only ResourceType Drydock holds; others are checked on `*`. */
function taggedResource(input: { ResourceType?: string; ResourceId?: string }, ctx: RequestContext): string {
  return input.ResourceType === 'Parameter' && input.ResourceId ? arnOf(input.ResourceId, ctx) : '*';
}

/** `aws:RequestTag/<key>` for each tag a request sets, and `aws:TagKeys`. */
function requestTags(tags: { Key?: string; Value?: string }[] | undefined): Record<string, ContextValue> {
  if (!tags?.length) return {};
  const context: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) context[`aws:RequestTag/${tag.Key}`] = tag.Value ?? '';
  return context;
}

/** `ssm:Policies`: the types of the parameter policies a PutParameter names (`Expiration` …); unset when it names none or they do not parse (PutParameter refuses them). */
function policyTypes(policies: string | undefined): Record<string, ContextValue> {
  if (policies === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(policies);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const types = list.map((p) => (typeof p === 'object' && p !== null ? (p as { Type?: unknown }).Type : undefined)).filter((t): t is string => typeof t === 'string');
    return types.length ? { 'ssm:Policies': types } : {};
  } catch {
    return {};
  }
}

export const ssmAuthorization: ServiceAuthorization = {
  prefix: 'ssm',
  rules: {
    PutParameter: {
      resource: parameter,
      context: (input: PutParameterRequest) => ({
        'ssm:Overwrite': input.Overwrite ? 'true' : 'false',
        ...policyTypes(input.Policies),
        ...requestTags(input.Tags),
      }),
      // Tagging a parameter as it is created also needs ssm:AddTagsToResource on it.
      also: [{ action: 'ssm:AddTagsToResource', resource: parameter, when: (input: PutParameterRequest) => (input.Tags?.length ?? 0) > 0 }],
    },
    GetParameter: { resource: parameter },
    GetParameters: { resource: parameters },
    GetParametersByPath: {
      // The path as a parameter ARN, without its trailing slash (`/app/` → `…:parameter/app`).
      resource: (input: GetParametersByPathRequest, ctx) => arnOf((input.Path ?? '').replace(/(.)\/+$/, '$1'), ctx),
      context: (input: GetParametersByPathRequest) => ({ 'ssm:Recursive': input.Recursive ? 'true' : 'false' }),
    },
    DescribeParameters: { resource: '*' },
    GetParameterHistory: { resource: parameter },
    LabelParameterVersion: { resource: parameter },
    UnlabelParameterVersion: { resource: parameter },
    DeleteParameter: { resource: parameter },
    DeleteParameters: { resource: parameters },
    AddTagsToResource: { resource: taggedResource, context: (input: AddTagsToResourceRequest) => requestTags(input.Tags) },
    RemoveTagsFromResource: { resource: taggedResource, context: (input: RemoveTagsFromResourceRequest) => ({ 'aws:TagKeys': input.TagKeys ?? [] }) },
    ListTagsForResource: { resource: taggedResource },
  },
};
