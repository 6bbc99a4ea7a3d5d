/**
 * CodeBuild source credentials: the tokens, connections and secrets CodeBuild uses to reach
 * GitHub, GitHub Enterprise, Bitbucket and GitLab. One per server type per account and region,
 * as in AWS. They are stored, listed and deleted for real; Drydock reaches no external Git host
 * offline, so no build uses them.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import { arn, parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { CodeBuildContext } from '../common.js';
import { invalid, scopeOf } from './common.js';

export function ImportSourceCredentials(c: CodeBuildContext, input: CB.ImportSourceCredentialsInput, ctx: RequestContext): CB.ImportSourceCredentialsOutput {
  const scope = scopeOf(ctx);
  const serverType = input.serverType!;
  const authType = input.authType!;
  const token = input.token!;
  if (authType === 'OAUTH') throw invalid('OAUTH connections cannot be imported through the API; they are created with the CodeBuild console');
  if (authType === 'BASIC_AUTH') {
    if (serverType !== 'BITBUCKET') throw invalid(`BASIC_AUTH is only supported for BITBUCKET, not ${serverType}`);
    if (!input.username) throw invalid('username must be specified for BASIC_AUTH');
  } else if (input.username !== undefined) {
    throw invalid('username is only used with BASIC_AUTH');
  }
  let resource: string | null = null;
  if (authType === 'CODECONNECTIONS' || authType === 'SECRETS_MANAGER') {
    const parts = parseArn(token);
    const services = authType === 'CODECONNECTIONS' ? ['codeconnections', 'codestar-connections'] : ['secretsmanager'];
    if (!parts || !services.includes(parts.service)) {
      throw invalid(`token must be the ARN of a ${authType === 'CODECONNECTIONS' ? 'CodeConnections connection' : 'Secrets Manager secret'} for ${authType}`);
    }
    resource = token;
  }
  const credentialArn = arn('codebuild', scope.region, scope.account, `token/${serverType.toLowerCase()}`);
  c.stores.projects.tx(() => {
    // shouldOverwrite defaults to true in AWS.
    if (input.shouldOverwrite === false && c.stores.projects.sourceCredential(scope, serverType)) {
      throw new AwsError('ResourceAlreadyExistsException', `Source credentials already exist for server type ${serverType}: ${credentialArn}`);
    }
    c.stores.projects.putSourceCredential({
      account: scope.account,
      region: scope.region,
      server_type: serverType,
      auth_type: authType,
      arn: credentialArn,
      username: input.username ?? null,
      token: resource === null ? token : null,
      resource,
    });
  });
  return { arn: credentialArn };
}

export function ListSourceCredentials(c: CodeBuildContext, _input: CB.ListSourceCredentialsInput, ctx: RequestContext): CB.ListSourceCredentialsOutput {
  return {
    sourceCredentialsInfos: c.stores.projects.sourceCredentials(scopeOf(ctx)).map((row) => ({
      arn: row.arn,
      serverType: row.server_type as CB.ServerType,
      authType: row.auth_type as CB.AuthType,
      ...(row.resource !== null ? { resource: row.resource } : {}),
    })),
  };
}

export function DeleteSourceCredentials(c: CodeBuildContext, input: CB.DeleteSourceCredentialsInput, ctx: RequestContext): CB.DeleteSourceCredentialsOutput {
  const scope = scopeOf(ctx);
  c.stores.projects.tx(() => {
    if (!c.stores.projects.sourceCredentialByArn(scope, input.arn!)) throw new AwsError('ResourceNotFoundException', `Source credentials cannot be found: ${input.arn}`);
    c.stores.projects.deleteSourceCredential(scope, input.arn!);
  });
  return { arn: input.arn };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const sourceCredentialOperations = { ImportSourceCredentials, ListSourceCredentials, DeleteSourceCredentials };
