/** Resource providers for CloudWatch Logs, CodeCommit, CodeBuild, EventBridge, SNS and SQS, by resource type. */
import type { ResourceProvider } from './types.js';

export const INTEGRATION_PROVIDERS: Record<string, ResourceProvider> = {};
