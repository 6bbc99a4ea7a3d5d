/**
 * What each Parameter Store operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for AWS Systems Manager") and the Parameter
 * Store guide ("Preventing access to Parameter Store API operations").
 *
 * A parameter's ARN drops the name's leading slash (`/app/x` → `…:parameter/app/x`); a name given
 * as an ARN or with a `:version`/`:label` selector is checked on the parameter itself, and public
 * parameters (`/aws/service/…`) on their account-less ARN. GetParameters and DeleteParameters are
 * checked on every parameter they name; GetParametersByPath on the path (`ssm:Recursive` says
 * whether it descends). Operations on one parameter carry its tags as `aws:ResourceTag/…` and
 * `ssm:resourceTag/…` (the table is built in create() over the store; GetParameters and
 * DeleteParameters, checked on many parameters at once, carry none). Decrypting a SecureString is not a rule here: SSM calls KMS Decrypt for the
 * caller (see `decryptValues` in common.ts), where the key policy has its say.
 */
import type { AddTagsToResourceRequest, GetParametersByPathRequest, PutParameterRequest, RemoveTagsFromResourceRequest } from '@aws-sdk/client-ssm';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
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

/** What the table reads of the stored parameters. */
export interface ParameterLookup {
  /** The tags of the parameter a parameter ARN names (none for public or unknown parameters). */
  tags(parameterArn: string): Record<string, string>;
}

type Input = Record<string, unknown>;
/** Declared through a method so that a rule may take its operation's own SDK input shape. */
type ContextOf = { of(input: object, ctx: RequestContext): Record<string, ContextValue> }['of'];

export function ssmAuthorization(lookup: ParameterLookup): ServiceAuthorization {
  /** A rule on one parameter, with its tags and keys of its own. */
  const onParameter = (resource: (input: never, ctx: RequestContext) => string, own?: ContextOf, extra: Partial<ActionRule> = {}): ActionRule => {
    const of = resource as (input: object, ctx: RequestContext) => string;
    return {
      ...extra,
      resource: of,
      context: (input: Input, ctx) => {
        const out: Record<string, ContextValue> = {};
        const arn = of(input, ctx);
        for (const [key, value] of Object.entries(arn === '*' ? {} : lookup.tags(arn))) {
          out[`aws:ResourceTag/${key}`] = value;
          out[`ssm:resourceTag/${key}`] = value;
        }
        return { ...out, ...own?.(input, ctx) };
      },
    };
  };
  return {
    prefix: 'ssm',
    rules: {
      PutParameter: onParameter(
        parameter,
        (input: PutParameterRequest) => ({
          'ssm:Overwrite': input.Overwrite ? 'true' : 'false',
          ...policyTypes(input.Policies),
          ...requestTags(input.Tags),
        }),
        // Tagging a parameter as it is created also needs ssm:AddTagsToResource on it.
        { also: [{ action: 'ssm:AddTagsToResource', resource: parameter, when: (input: PutParameterRequest) => (input.Tags?.length ?? 0) > 0 }] },
      ),
      GetParameter: onParameter(parameter),
      GetParameters: { resource: parameters },
      GetParametersByPath: {
        // The path as a parameter ARN, without its trailing slash (`/app/` → `…:parameter/app`).
        resource: (input: GetParametersByPathRequest, ctx) => arnOf((input.Path ?? '').replace(/(.)\/+$/, '$1'), ctx),
        context: (input: GetParametersByPathRequest) => ({ 'ssm:Recursive': input.Recursive ? 'true' : 'false' }),
      },
      DescribeParameters: { resource: '*' },
      GetParameterHistory: onParameter(parameter),
      LabelParameterVersion: onParameter(parameter),
      UnlabelParameterVersion: onParameter(parameter),
      DeleteParameter: onParameter(parameter),
      DeleteParameters: { resource: parameters },
      AddTagsToResource: onParameter(taggedResource, (input: AddTagsToResourceRequest) => requestTags(input.Tags)),
      RemoveTagsFromResource: onParameter(taggedResource, (input: RemoveTagsFromResourceRequest) => ({ 'aws:TagKeys': input.TagKeys ?? [] })),
      ListTagsForResource: onParameter(taggedResource),
    },
  };
}
