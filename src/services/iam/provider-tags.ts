/** Tags of OIDC and SAML identity providers (Tag/Untag/List…ProviderTags), kept as JSON on the provider row. */
import type { Tag } from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { paginate } from './common.js';
import type { ProviderContext } from './oidc-providers.js';

const MAX_TAGS = 50;

interface TaggedProvider {
  tags: string;
}

interface ProviderKind<R extends TaggedProvider> {
  get(c: ProviderContext, account: string, arn: string): R | undefined;
  update(c: ProviderContext, row: R): void;
  missing(arn: string): AwsError;
}

/** The provider's tags with `tags` added (existing keys, case-insensitively, take the new value). */
function merged(current: Tag[], tags: Tag[]): Tag[] {
  const keys = tags.map((t) => t.Key!.toLowerCase());
  if (new Set(keys).size !== keys.length) throw new AwsError('InvalidInputException', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  const out = current.filter((t) => !keys.includes(t.Key!.toLowerCase()));
  out.push(...tags.map((t) => ({ Key: t.Key!, Value: t.Value ?? '' })));
  if (out.length > MAX_TAGS) throw new AwsError('LimitExceededException', 'The number of tags has reached the maximum limit.');
  return out;
}

/** Tag, Untag and ListTags operations for one kind of provider, named by the ARN member `arnMember`. */
export function providerTagOperations<R extends TaggedProvider>(kind: ProviderKind<R>, arnMember: string) {
  const find = (c: ProviderContext, input: Record<string, unknown>, ctx: RequestContext): R => {
    const arn = String(input[arnMember]);
    const row = kind.get(c, ctx.account, arn);
    if (!row) throw kind.missing(arn);
    return row;
  };
  return {
    tag(c: ProviderContext, input: Record<string, unknown> & { Tags?: Tag[] }, ctx: RequestContext): Record<string, never> {
      c.providers.tx(() => {
        const row = find(c, input, ctx);
        kind.update(c, { ...row, tags: JSON.stringify(merged(JSON.parse(row.tags) as Tag[], input.Tags ?? [])) });
      });
      return {};
    },
    untag(c: ProviderContext, input: Record<string, unknown> & { TagKeys?: string[] }, ctx: RequestContext): Record<string, never> {
      c.providers.tx(() => {
        const row = find(c, input, ctx);
        const keys = (input.TagKeys ?? []).map((k) => k.toLowerCase());
        kind.update(c, { ...row, tags: JSON.stringify((JSON.parse(row.tags) as Tag[]).filter((t) => !keys.includes(t.Key!.toLowerCase()))) });
      });
      return {};
    },
    list(c: ProviderContext, input: Record<string, unknown> & { Marker?: string; MaxItems?: number }, ctx: RequestContext) {
      const tags = JSON.parse(find(c, input, ctx).tags) as Tag[];
      const page = paginate(tags, (t) => t.Key!, input);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}
