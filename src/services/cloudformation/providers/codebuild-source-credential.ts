/**
 * AWS::CodeBuild::SourceCredential through ImportSourceCredentials (which also overwrites, so it
 * updates in place) and DeleteSourceCredentials. Ref is the credential's ARN. Drydock stores the
 * credential; no build reaches GitHub, Bitbucket or GitLab offline.
 */
import type { AuthType, ServerType } from '@aws-sdk/client-codebuild';
import { requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

async function importCredential(ctx: ProviderContext, props: Properties) {
  const { arn } = await ctx.call('codebuild', 'ImportSourceCredentials', {
    serverType: requiredStringProp(props, 'ServerType') as ServerType,
    authType: requiredStringProp(props, 'AuthType') as AuthType,
    token: requiredStringProp(props, 'Token'),
    username: stringProp(props, 'Username'),
  });
  return { physicalId: arn as string };
}

export const codebuildSourceCredentialProvider: ResourceProvider = {
  create: (ctx, props) => importCredential(ctx, props),

  update: (ctx, _current, props) => importCredential(ctx, props),

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('codebuild', 'DeleteSourceCredentials', { arn: current.physicalId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const { sourceCredentialsInfos } = await ctx.call('codebuild', 'ListSourceCredentials', {});
    const info = sourceCredentialsInfos?.find((candidate) => candidate.arn === current.physicalId);
    // The token is never reported back, so it cannot drift as far as the API shows.
    return info ? { ...current.props, ServerType: info.serverType, AuthType: info.authType } : undefined;
  },
};
