/** Resource providers for Lambda and ECR, by resource type. */
import { ecrRepositoryProvider } from './ecr-repository.js';
import { lambdaAliasProvider } from './lambda-alias.js';
import { lambdaEventInvokeConfigProvider } from './lambda-event-invoke-config.js';
import { lambdaEventSourceMappingProvider } from './lambda-event-source-mapping.js';
import { lambdaFunctionProvider } from './lambda-function.js';
import { lambdaLayerVersionProvider } from './lambda-layer-version.js';
import { lambdaLayerVersionPermissionProvider } from './lambda-layer-version-permission.js';
import { lambdaPermissionProvider } from './lambda-permission.js';
import { lambdaUrlProvider } from './lambda-url.js';
import { lambdaVersionProvider } from './lambda-version.js';
import type { ResourceProvider } from './types.js';

export const COMPUTE_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::Lambda::Function': lambdaFunctionProvider,
  'AWS::Lambda::Version': lambdaVersionProvider,
  'AWS::Lambda::Alias': lambdaAliasProvider,
  'AWS::Lambda::Permission': lambdaPermissionProvider,
  'AWS::Lambda::EventSourceMapping': lambdaEventSourceMappingProvider,
  'AWS::Lambda::LayerVersion': lambdaLayerVersionProvider,
  'AWS::Lambda::LayerVersionPermission': lambdaLayerVersionPermissionProvider,
  'AWS::Lambda::Url': lambdaUrlProvider,
  'AWS::Lambda::EventInvokeConfig': lambdaEventInvokeConfigProvider,
  'AWS::ECR::Repository': ecrRepositoryProvider,
};
