/** Resource providers for S3, IAM, KMS, SSM and Secrets Manager, by resource type. */
import { ssmParameterProvider } from './ssm-parameter.js';
import type { ResourceProvider } from './types.js';

export const FOUNDATION_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::SSM::Parameter': ssmParameterProvider,
};
