/** AWS::KMS::Alias: CreateAlias, UpdateAlias to point it at another key, DeleteAlias. Ref is the alias name (`alias/…`). */
import { requiredStringProp, unlessGone } from './foundation-helpers.js';
import type { ResourceProvider } from './types.js';

export const kmsAliasProvider: ResourceProvider = {
  async create(ctx, props) {
    const AliasName = requiredStringProp(props, 'AliasName');
    await ctx.call('kms', 'CreateAlias', { AliasName, TargetKeyId: requiredStringProp(props, 'TargetKeyId') });
    return { physicalId: AliasName };
  },

  async update(ctx, current, props) {
    await ctx.call('kms', 'UpdateAlias', { AliasName: current.physicalId, TargetKeyId: requiredStringProp(props, 'TargetKeyId') });
    return { physicalId: current.physicalId };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('kms', 'DeleteAlias', { AliasName: current.physicalId }), 'NotFoundException');
  },

  async read(ctx, current) {
    // ListAliases names the key by id; the template may name it by id, ARN or alias, so an id that matches the recorded target is kept as written.
    let marker: string | undefined;
    do {
      const page = await ctx.call('kms', 'ListAliases', { Marker: marker });
      const alias = page.Aliases?.find((entry) => entry.AliasName === current.physicalId);
      if (alias) {
        const target = requiredStringProp(current.props, 'TargetKeyId');
        const sameKey = alias.TargetKeyId !== undefined && target.endsWith(alias.TargetKeyId);
        return { AliasName: alias.AliasName, TargetKeyId: sameKey ? target : alias.TargetKeyId };
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return undefined;
  },
};
