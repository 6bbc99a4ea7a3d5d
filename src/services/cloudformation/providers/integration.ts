/** Resource providers for CloudWatch Logs, CodeCommit, CodeBuild, EventBridge, SNS and SQS, by resource type. */
import { codebuildProjectProvider } from './codebuild-project.js';
import { codebuildReportGroupProvider } from './codebuild-report-group.js';
import { codebuildSourceCredentialProvider } from './codebuild-source-credential.js';
import { codecommitRepositoryProvider } from './codecommit-repository.js';
import { eventsArchiveProvider } from './events-archive.js';
import { eventsEventBusProvider } from './events-event-bus.js';
import { eventsEventBusPolicyProvider } from './events-event-bus-policy.js';
import { eventsRuleProvider } from './events-rule.js';
import { logsLogGroupProvider } from './logs-log-group.js';
import { logsLogStreamProvider } from './logs-log-stream.js';
import { logsMetricFilterProvider } from './logs-metric-filter.js';
import { logsSubscriptionFilterProvider } from './logs-subscription-filter.js';
import { snsSubscriptionProvider } from './sns-subscription.js';
import { snsTopicProvider } from './sns-topic.js';
import { snsTopicInlinePolicyProvider } from './sns-topic-inline-policy.js';
import { snsTopicPolicyProvider } from './sns-topic-policy.js';
import { sqsQueueProvider } from './sqs-queue.js';
import { sqsQueuePolicyProvider } from './sqs-queue-policy.js';
import type { ResourceProvider } from './types.js';

export const INTEGRATION_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::Logs::LogGroup': logsLogGroupProvider,
  'AWS::Logs::LogStream': logsLogStreamProvider,
  'AWS::Logs::SubscriptionFilter': logsSubscriptionFilterProvider,
  'AWS::Logs::MetricFilter': logsMetricFilterProvider,
  'AWS::CodeCommit::Repository': codecommitRepositoryProvider,
  'AWS::CodeBuild::Project': codebuildProjectProvider,
  'AWS::CodeBuild::ReportGroup': codebuildReportGroupProvider,
  'AWS::CodeBuild::SourceCredential': codebuildSourceCredentialProvider,
  'AWS::Events::Rule': eventsRuleProvider,
  'AWS::Events::EventBus': eventsEventBusProvider,
  'AWS::Events::EventBusPolicy': eventsEventBusPolicyProvider,
  'AWS::Events::Archive': eventsArchiveProvider,
  'AWS::SNS::Topic': snsTopicProvider,
  'AWS::SNS::Subscription': snsSubscriptionProvider,
  'AWS::SNS::TopicPolicy': snsTopicPolicyProvider,
  'AWS::SNS::TopicInlinePolicy': snsTopicInlinePolicyProvider,
  'AWS::SQS::Queue': sqsQueueProvider,
  'AWS::SQS::QueuePolicy': sqsQueuePolicyProvider,
};
