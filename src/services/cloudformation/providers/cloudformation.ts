/** Resource providers for CloudFormation's own types: nested stacks, custom resources and wait conditions, by resource type. */
import { customResourceProvider } from './cloudformation-custom-resource.js';
import { nestedStackProvider } from './cloudformation-stack.js';
import { waitConditionProvider } from './cloudformation-wait-condition.js';
import { waitConditionHandleProvider } from './cloudformation-wait-condition-handle.js';
import type { ResourceProvider } from './types.js';

export const CLOUDFORMATION_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::CloudFormation::Stack': nestedStackProvider,
  'AWS::CloudFormation::CustomResource': customResourceProvider,
  'AWS::CloudFormation::WaitCondition': waitConditionProvider,
  'AWS::CloudFormation::WaitConditionHandle': waitConditionHandleProvider,
};
