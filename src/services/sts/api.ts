/**
 * What other services use of STS: AssumeRole for a service acting with a role (CodeBuild builds run
 * with their project's service role), through the AssumeRole operation itself, so role lookup,
 * session limits and errors follow the wire operation's rules.
 */
import type { AssumeRoleResponse } from '@aws-sdk/client-sts';
import type { Handlers, Runtime } from '../../protocol/types.js';
import { internalContext } from '../../protocol/internal.js';

export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface StsApi {
  /** AssumeRole on the account's behalf; throws its AwsErrors (AccessDenied for a missing role, ValidationError …). */
  assumeRole(scope: { account: string; region: string }, request: { roleArn: string; sessionName: string; durationSeconds: number }): RoleSession;
}

export function createStsApi(handlers: Handlers, rt: Pick<Runtime, 'endpoint'>): StsApi {
  return {
    assumeRole(scope, request) {
      const ctx = internalContext('sts', 'AssumeRole', scope, rt.endpoint());
      const input = { RoleArn: request.roleArn, RoleSessionName: request.sessionName.slice(0, 64), DurationSeconds: request.durationSeconds };
      const { Credentials } = handlers.AssumeRole!(input, ctx) as AssumeRoleResponse;
      return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken!, expiration: Credentials!.Expiration! };
    },
  };
}
