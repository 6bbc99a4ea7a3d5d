/** Resource providers for CodePipeline, by resource type. */
import { codepipelineCustomActionTypeProvider } from './codepipeline-custom-action-type.js';
import { codepipelinePipelineProvider } from './codepipeline-pipeline.js';
import { codepipelineWebhookProvider } from './codepipeline-webhook.js';
import type { ResourceProvider } from './types.js';

export const CODEPIPELINE_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::CodePipeline::Pipeline': codepipelinePipelineProvider,
  'AWS::CodePipeline::CustomActionType': codepipelineCustomActionTypeProvider,
  'AWS::CodePipeline::Webhook': codepipelineWebhookProvider,
};
