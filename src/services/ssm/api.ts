/**
 * What other services use of Parameter Store (CodeBuild's PARAMETER_STORE variables and
 * buildspec parameter-store): GetParameter itself, run for the calling account and region, so names,
 * ARNs, `:version` and `:label` selectors, public parameters, decryption and errors follow exactly
 * the rules of the wire operation.
 */
import type { GetParameterResult } from '@aws-sdk/client-ssm';
import type { Handlers, Runtime } from '../../protocol/types.js';
import { internalContext } from '../../protocol/internal.js';

export interface SsmParameterValue {
  name: string;
  type: string;
  /** Decrypted for SecureString; StringList values as stored (comma-separated). */
  value: string;
  version: number;
  arn: string;
}

export interface SsmApi {
  /** GetParameter with WithDecryption; throws its AwsErrors (ParameterNotFound, ParameterVersionNotFound, KMS failures). */
  getParameter(scope: { account: string; region: string }, name: string): SsmParameterValue;
}

export function createSsmApi(handlers: Handlers, rt: Pick<Runtime, 'endpoint'>): SsmApi {
  return {
    getParameter(scope, name) {
      const ctx = internalContext('ssm', 'GetParameter', scope, rt.endpoint());
      const { Parameter } = handlers.GetParameter!({ Name: name, WithDecryption: true }, ctx) as GetParameterResult;
      return { name: Parameter!.Name!, type: Parameter!.Type!, value: Parameter!.Value!, version: Number(Parameter!.Version), arn: Parameter!.ARN! };
    },
  };
}
