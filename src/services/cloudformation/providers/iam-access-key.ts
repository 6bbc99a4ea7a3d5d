/**
 * AWS::IAM::AccessKey: CreateAccessKey for UserName. Ref is the access key id; GetAtt
 * SecretAccessKey (and Id). Changing Serial or UserName replaces the key (the specification says
 * so); Status changes in place.
 */
import type { StatusType } from '@aws-sdk/client-iam';
import { requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { ResourceProvider } from './types.js';

export const iamAccessKeyProvider: ResourceProvider = {
  async create(ctx, props) {
    const UserName = requiredStringProp(props, 'UserName');
    const { AccessKey } = await ctx.call('iam', 'CreateAccessKey', { UserName });
    const AccessKeyId = AccessKey!.AccessKeyId!;
    const status = stringProp(props, 'Status') as StatusType | undefined;
    if (status && status !== 'Active') await ctx.call('iam', 'UpdateAccessKey', { UserName, AccessKeyId, Status: status });
    return { physicalId: AccessKeyId, attributes: { Id: AccessKeyId, SecretAccessKey: AccessKey!.SecretAccessKey } };
  },

  async update(ctx, current, props) {
    const Status = (stringProp(props, 'Status') ?? 'Active') as StatusType;
    await ctx.call('iam', 'UpdateAccessKey', { UserName: requiredStringProp(props, 'UserName'), AccessKeyId: current.physicalId, Status });
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('iam', 'DeleteAccessKey', { UserName: requiredStringProp(current.props, 'UserName'), AccessKeyId: current.physicalId }), 'NoSuchEntityException');
  },

  async read(ctx, current) {
    const UserName = requiredStringProp(current.props, 'UserName');
    const keys = await unlessGone(() => ctx.call('iam', 'ListAccessKeys', { UserName }), 'NoSuchEntityException');
    const key = keys?.AccessKeyMetadata?.find((metadata) => metadata.AccessKeyId === current.physicalId);
    if (!key) return undefined;
    return { UserName, ...(current.props.Serial !== undefined && { Serial: current.props.Serial }), ...((current.props.Status !== undefined || key.Status !== 'Active') && { Status: key.Status }) };
  },
};
