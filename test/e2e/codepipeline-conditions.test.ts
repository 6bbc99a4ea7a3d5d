/**
 * CodePipeline stage conditions and onFailure end to end: an entry condition's VariableCheck rule
 * fails or skips a stage, onFailure RETRY retries a failed stage once by itself (a test job worker
 * fails and succeeds on demand), onFailure ROLLBACK starts an AutomatedRollback execution that
 * deploys the last successful execution's artifact again, a success condition with a CloudWatchAlarm
 * rule fails plainly, ListRuleExecutions pages, and bad structures get AWS's errors.
 */
import {
  AcknowledgeJobCommand,
  type ActionDeclaration,
  type ActionTypeId,
  CodePipelineClient,
  CreateCustomActionTypeCommand,
  CreatePipelineCommand,
  GetPipelineStateCommand,
  type Job,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  ListRuleExecutionsCommand,
  type PipelineDeclaration,
  PollForJobsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  RetryStageExecutionCommand,
  type RuleDeclaration,
  type StageDeclaration,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { ACCOUNT, createAdminRoles, createVersionedBuckets, executionEnded, firstEndedExecution } from './codepipeline-helpers.js';

const server = useServer();
const codepipeline = () => new CodePipelineClient(server.clientConfig);
const s3 = () => new S3Client(server.clientConfig);
const ROLE = `arn:aws:iam::${ACCOUNT}:role/conditions-pipeline-role`;
const TARGET = 'conditions-target';
const WORK: ActionTypeId = { category: 'Build', owner: 'Custom', provider: 'ConditionsWork', version: '1' };
const rule = (name: string, provider: string, configuration: Record<string, string>): RuleDeclaration => ({
  name,
  ruleTypeId: { category: 'Rule', owner: 'AWS', provider, version: '1' },
  configuration,
});

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'conditions-pipeline-role': 'codepipeline.amazonaws.com' });
  await createVersionedBuckets(server.clientConfig, ['conditions-source', 'conditions-artifacts', TARGET]);
  await codepipeline().send(
    new CreateCustomActionTypeCommand({
      ...WORK,
      category: 'Build',
      configurationProperties: [{ name: 'Label', required: true, key: true, secret: false, queryable: true }],
      inputArtifactDetails: { minimumCount: 0, maximumCount: 1 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    }),
  );
});

/** Deploys the source zip to `#{variables.Target}`: it fails when that bucket does not exist. */
const deployAction = (name: string): ActionDeclaration => ({
  name: 'Deploy',
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { BucketName: '#{variables.Target}', Extract: 'false', ObjectKey: `${name}/app.zip` },
  inputArtifacts: [{ name: 'Code' }],
});

/** A custom action a test worker answers (see answerJob). */
const workAction = (name: string): ActionDeclaration => ({ name: 'Work', actionTypeId: WORK, configuration: { Label: name } });

/** A V2 pipeline: an S3 source (`<name>.zip`), then a stage with `action` and the given conditions. */
function pipeline(name: string, stage: Partial<StageDeclaration>, action = deployAction(name)): PipelineDeclaration {
  return {
    name,
    roleArn: ROLE,
    pipelineType: 'V2',
    artifactStore: { type: 'S3', location: 'conditions-artifacts' },
    variables: [
      { name: 'Env', defaultValue: 'dev' },
      { name: 'Target', defaultValue: TARGET },
    ],
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            namespace: 'SourceVariables',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { S3Bucket: 'conditions-source', S3ObjectKey: `${name}.zip`, PollForSourceChanges: 'false' },
            outputArtifacts: [{ name: 'Code' }],
          },
        ],
      },
      { name: 'Release', actions: [action], ...stage },
    ],
  };
}

async function create(declaration: PipelineDeclaration, source = 'v1'): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: 'conditions-source', Key: `${declaration.name}.zip`, Body: source }));
  await codepipeline().send(new CreatePipelineCommand({ pipeline: declaration }));
}

/** Takes the next job of the Work action labelled `label` and answers it. */
async function answerJob(label: string, succeed: boolean): Promise<Job> {
  const cp = codepipeline();
  for (let i = 0; i < 500; i++) {
    const { jobs } = await cp.send(new PollForJobsCommand({ actionTypeId: WORK, maxBatchSize: 1, queryParam: { Label: label } }));
    const job = jobs?.[0];
    if (job) {
      await cp.send(new AcknowledgeJobCommand({ jobId: job.id, nonce: job.nonce }));
      if (succeed) await cp.send(new PutJobSuccessResultCommand({ jobId: job.id }));
      else await cp.send(new PutJobFailureResultCommand({ jobId: job.id, failureDetails: { type: 'JobFailed', message: 'the work failed' } }));
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no job for ${label}`);
}

type PipelineEvent = { 'detail-type': string; detail: Record<string, unknown> };

/** A queue receiving the pipeline's state change events through an EventBridge rule; the answer receives them until the execution's end event. */
async function eventQueue(pipelineName: string): Promise<() => Promise<PipelineEvent[]>> {
  const sqs = new SQSClient(server.clientConfig);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${pipelineName}-events` }));
  const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${pipelineName}-events`;
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn }] };
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  const eventBridge = new EventBridgeClient(server.clientConfig);
  await eventBridge.send(new PutRuleCommand({ Name: `${pipelineName}-events`, EventPattern: JSON.stringify({ source: ['aws.codepipeline'], detail: { pipeline: [pipelineName] } }) }));
  await eventBridge.send(new PutTargetsCommand({ Rule: `${pipelineName}-events`, Targets: [{ Id: 'queue', Arn: queueArn }] }));
  const ended = (events: PipelineEvent[]) => events.some((e) => e['detail-type'] === 'CodePipeline Pipeline Execution State Change' && e.detail.state !== 'STARTED');
  return async () => {
    const events: PipelineEvent[] = [];
    for (let i = 0; i < 20 && !ended(events); i++) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      events.push(...(Messages ?? []).map((message) => JSON.parse(message.Body!) as PipelineEvent));
    }
    return events;
  };
}

const releaseState = async (name: string) => (await codepipeline().send(new GetPipelineStateCommand({ name }))).stageStates!.find((s) => s.stageName === 'Release')!;
const ended = (name: string, id: string) => executionEnded(server.clientConfig, name, id, 30_000, 20);
const workExecutions = async (pipelineName: string, pipelineExecutionId: string) =>
  (await codepipeline().send(new ListActionExecutionsCommand({ pipelineName, filter: { pipelineExecutionId } }))).actionExecutionDetails!.filter((a) => a.actionName === 'Work');

describe('stage entry conditions', () => {
  it('a VariableCheck rule that fails fails the stage before its actions; one that passes lets the execution in', async () => {
    const onlyProd = rule('OnlyProd', 'VariableCheck', { Variable: '#{variables.Env}', Operator: 'EQ', Value: 'prod' });
    await create(pipeline('cond-entry', { beforeEntry: { conditions: [{ result: 'FAIL', rules: [onlyProd] }] } }));
    const first = await firstEndedExecution(server.clientConfig, 'cond-entry');
    expect(first.status).toBe('Failed');
    const { actionExecutionDetails } = await codepipeline().send(new ListActionExecutionsCommand({ pipelineName: 'cond-entry', filter: { pipelineExecutionId: first.id } }));
    expect(actionExecutionDetails!.map((a) => a.actionName)).toEqual(['Source']);
    const state = await releaseState('cond-entry');
    expect(state.latestExecution).toMatchObject({ pipelineExecutionId: first.id, status: 'Failed', type: 'STANDARD' });
    expect(state.beforeEntryConditionState?.latestExecution?.status).toBe('Failed');
    expect(state.beforeEntryConditionState?.conditionStates?.[0]).toMatchObject({
      latestExecution: { status: 'Failed' },
      ruleStates: [{ ruleName: 'OnlyProd', latestExecution: { status: 'Failed', summary: "Variable check failed: the variable value 'dev' is not equal to 'prod'" } }],
    });

    // A retry checks the entry condition again (and it fails again: the execution's Env is still dev).
    await codepipeline().send(new RetryStageExecutionCommand({ pipelineName: 'cond-entry', stageName: 'Release', pipelineExecutionId: first.id, retryMode: 'FAILED_ACTIONS' }));
    expect(await ended('cond-entry', first.id)).toBe('Failed');
    const retried = await codepipeline().send(new ListRuleExecutionsCommand({ pipelineName: 'cond-entry', filter: { pipelineExecutionId: first.id } }));
    expect(retried.ruleExecutionDetails!.map((r) => r.status)).toEqual(['Failed', 'Failed']);

    const { pipelineExecutionId } = await codepipeline().send(new StartPipelineExecutionCommand({ name: 'cond-entry', variables: [{ name: 'Env', value: 'prod' }] }));
    expect(await ended('cond-entry', pipelineExecutionId!)).toBe('Succeeded');
    const deployed = await s3().send(new GetObjectCommand({ Bucket: TARGET, Key: 'cond-entry/app.zip' }));
    expect(await deployed.Body!.transformToString()).toBe('v1');

    const cp = codepipeline();
    const passed = await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'cond-entry', filter: { pipelineExecutionId } }));
    expect(passed.ruleExecutionDetails).toHaveLength(1);
    expect(passed.ruleExecutionDetails![0]).toMatchObject({
      pipelineExecutionId,
      pipelineVersion: 1,
      stageName: 'Release',
      ruleName: 'OnlyProd',
      status: 'Succeeded',
      input: {
        ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'VariableCheck', version: '1' },
        configuration: { Variable: '#{variables.Env}' },
        resolvedConfiguration: { Variable: 'prod', Operator: 'EQ', Value: 'prod' },
        region: 'us-east-1',
      },
      output: { executionResult: { externalExecutionSummary: "Variable check passed: the variable value 'prod' is equal to 'prod'" } },
    });
    // Every execution's rules, newest first, a page at a time.
    const page1 = await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'cond-entry', maxResults: 1 }));
    expect(page1.ruleExecutionDetails!.map((r) => [r.pipelineExecutionId, r.status])).toEqual([[pipelineExecutionId, 'Succeeded']]);
    const page2 = await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'cond-entry', maxResults: 2, nextToken: page1.nextToken }));
    expect(page2.ruleExecutionDetails!.map((r) => [r.pipelineExecutionId, r.status])).toEqual([
      [first.id, 'Failed'],
      [first.id, 'Failed'],
    ]);
    expect(page2.nextToken).toBeUndefined();
  });

  it('a SKIP result skips the stage and the execution succeeds without running its actions', async () => {
    const onlyProd = rule('OnlyProd', 'VariableCheck', { Variable: '#{variables.Env}', Operator: 'MATCHES', Value: 'pro?d' });
    await create(pipeline('cond-skip', { beforeEntry: { conditions: [{ result: 'SKIP', rules: [onlyProd] }] } }));
    const first = await firstEndedExecution(server.clientConfig, 'cond-skip');
    expect(first.status).toBe('Succeeded');
    expect((await releaseState('cond-skip')).latestExecution).toMatchObject({ pipelineExecutionId: first.id, status: 'Skipped' });
    await expectAwsError(s3().send(new GetObjectCommand({ Bucket: TARGET, Key: 'cond-skip/app.zip' })), { code: 'NoSuchKey', status: 404 });
  });

  it('a rule whose variable was never produced fails, naming the variable', async () => {
    const unknown = rule('Unknown', 'VariableCheck', { Variable: '#{variables.Nowhere}', Operator: 'EQ', Value: 'x' });
    await create(pipeline('cond-unresolved', { beforeEntry: { conditions: [{ result: 'FAIL', rules: [unknown] }] } }));
    expect((await firstEndedExecution(server.clientConfig, 'cond-unresolved')).status).toBe('Failed');
    const { ruleExecutionDetails } = await codepipeline().send(new ListRuleExecutionsCommand({ pipelineName: 'cond-unresolved' }));
    expect(ruleExecutionDetails![0]!.status).toBe('Failed');
    expect(ruleExecutionDetails![0]!.output?.executionResult?.errorDetails).toMatchObject({ code: 'ConfigurationError', message: expect.stringContaining('#{variables.Nowhere}') });
  });
});

describe('onFailure', () => {
  it('RETRY retries the failed actions once by itself; a second failure fails the execution, which RetryStageExecution can still retry', async () => {
    const received = await eventQueue('cond-retry');
    await create(pipeline('cond-retry', { onFailure: { result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } } }, workAction('cond-retry')));
    await answerJob('cond-retry', false);
    await answerJob('cond-retry', true);
    const first = await firstEndedExecution(server.clientConfig, 'cond-retry');
    expect(first.status).toBe('Succeeded');
    expect((await workExecutions('cond-retry', first.id)).map((a) => a.status)).toEqual(['Succeeded', 'Failed']);
    expect((await releaseState('cond-retry')).retryStageMetadata).toEqual({ autoStageRetryAttempt: 1, latestRetryTrigger: 'AutomatedStageRetry' });
    const events = await received();
    const stageStates = events.filter((e) => e['detail-type'] === 'CodePipeline Stage Execution State Change' && e.detail.stage === 'Release').map((e) => e.detail.state);
    expect(stageStates).toEqual(['STARTED', 'FAILED', 'RESUMED', 'SUCCEEDED']);
    expect(events.filter((e) => e['detail-type'] === 'CodePipeline Pipeline Execution State Change').map((e) => e.detail.state)).toEqual(['STARTED', 'SUCCEEDED']);

    const cp = codepipeline();
    const { pipelineExecutionId } = await cp.send(new StartPipelineExecutionCommand({ name: 'cond-retry' }));
    await answerJob('cond-retry', false);
    await answerJob('cond-retry', false);
    expect(await ended('cond-retry', pipelineExecutionId!)).toBe('Failed');
    expect((await workExecutions('cond-retry', pipelineExecutionId!)).map((a) => a.status)).toEqual(['Failed', 'Failed']);
    await cp.send(new RetryStageExecutionCommand({ pipelineName: 'cond-retry', stageName: 'Release', pipelineExecutionId, retryMode: 'FAILED_ACTIONS' }));
    await answerJob('cond-retry', true);
    expect(await ended('cond-retry', pipelineExecutionId!)).toBe('Succeeded');
    expect((await releaseState('cond-retry')).retryStageMetadata).toEqual({ autoStageRetryAttempt: 1, manualStageRetryAttempt: 1, latestRetryTrigger: 'ManualStageRetry' });
  });

  it("ROLLBACK starts an AutomatedRollback execution that deploys the last successful execution's artifact again", async () => {
    await create(pipeline('cond-rollback', { onFailure: { result: 'ROLLBACK' } }), 'v1');
    const good = await firstEndedExecution(server.clientConfig, 'cond-rollback');
    expect(good.status).toBe('Succeeded');
    await s3().send(new DeleteObjectCommand({ Bucket: TARGET, Key: 'cond-rollback/app.zip' }));
    await s3().send(new PutObjectCommand({ Bucket: 'conditions-source', Key: 'cond-rollback.zip', Body: 'v2' }));

    const cp = codepipeline();
    const { pipelineExecutionId: bad } = await cp.send(new StartPipelineExecutionCommand({ name: 'cond-rollback', variables: [{ name: 'Target', value: 'no-such-bucket' }] }));
    expect(await ended('cond-rollback', bad!)).toBe('Failed');
    const { pipelineExecutionSummaries } = await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'cond-rollback' }));
    const rollback = pipelineExecutionSummaries![0]!;
    expect(rollback).toMatchObject({
      trigger: { triggerType: 'AutomatedRollback', triggerDetail: bad },
      executionType: 'ROLLBACK',
      rollbackMetadata: { rollbackTargetPipelineExecutionId: good.id },
    });
    expect(await ended('cond-rollback', rollback.pipelineExecutionId!)).toBe('Succeeded');
    // The target's variables (its Target bucket) and artifact (v1), not the failed execution's.
    const deployed = await s3().send(new GetObjectCommand({ Bucket: TARGET, Key: 'cond-rollback/app.zip' }));
    expect(await deployed.Body!.transformToString()).toBe('v1');
    expect((await releaseState('cond-rollback')).latestExecution).toMatchObject({ pipelineExecutionId: rollback.pipelineExecutionId, status: 'Succeeded', type: 'ROLLBACK' });
  });

  it('with a failure condition, engages its result only when the condition is met', async () => {
    const inProd = rule('InProd', 'VariableCheck', { Variable: '#{variables.Env}', Operator: 'EQ', Value: 'prod' });
    await create(pipeline('cond-failure', { onFailure: { conditions: [{ result: 'RETRY', rules: [inProd] }] } }, workAction('cond-failure')));
    await answerJob('cond-failure', false);
    const first = await firstEndedExecution(server.clientConfig, 'cond-failure');
    expect(first.status).toBe('Failed');
    const state = await releaseState('cond-failure');
    expect(state.onFailureConditionState?.latestExecution?.status).toBe('Failed');
    expect(state.retryStageMetadata).toBeUndefined();

    const { pipelineExecutionId } = await codepipeline().send(new StartPipelineExecutionCommand({ name: 'cond-failure', variables: [{ name: 'Env', value: 'prod' }] }));
    await answerJob('cond-failure', false);
    await answerJob('cond-failure', true);
    expect(await ended('cond-failure', pipelineExecutionId!)).toBe('Succeeded');
    expect((await releaseState('cond-failure')).retryStageMetadata).toMatchObject({ autoStageRetryAttempt: 1 });
  });
});

describe('success conditions', () => {
  it('a CloudWatchAlarm rule fails, saying Drydock has no CloudWatch alarms, and fails the stage after its actions', async () => {
    const alarm = rule('NoErrors', 'CloudWatchAlarm', { AlarmName: 'HighErrors', WaitTime: '1' });
    await create(pipeline('cond-alarm', { onSuccess: { conditions: [{ result: 'FAIL', rules: [alarm] }] } }));
    const first = await firstEndedExecution(server.clientConfig, 'cond-alarm');
    expect(first.status).toBe('Failed');
    const deployed = await s3().send(new GetObjectCommand({ Bucket: TARGET, Key: 'cond-alarm/app.zip' }));
    expect(await deployed.Body!.transformToString()).toBe('v1');
    const { ruleExecutionDetails } = await codepipeline().send(new ListRuleExecutionsCommand({ pipelineName: 'cond-alarm' }));
    expect(ruleExecutionDetails![0]!.status).toBe('Failed');
    expect(ruleExecutionDetails![0]!.output?.executionResult?.errorDetails).toEqual({
      code: 'ConfigurationError',
      message: "Drydock has no CloudWatch alarms: the CloudWatchAlarm rule cannot read the state of alarm 'HighErrors', so it fails rather than pass unchecked",
    });
    const state = await releaseState('cond-alarm');
    expect(state.latestExecution?.status).toBe('Failed');
    expect(state.onSuccessConditionState?.latestExecution?.status).toBe('Failed');
  });
});

describe('bad input', () => {
  const entry = (rules: RuleDeclaration[], result = 'FAIL') => ({ beforeEntry: { conditions: [{ result: result as 'FAIL', rules }] } });
  const refused = async (declaration: PipelineDeclaration, code: string, message: string | RegExp) =>
    expectAwsError(codepipeline().send(new CreatePipelineCommand({ pipeline: declaration })), { code, status: 400, message });

  it('CreatePipeline refuses unknown rule providers, bad rule configuration and results, and conditions on V1 pipelines', async () => {
    await refused(
      pipeline('bad-provider', entry([rule('Nope', 'Telepathy', {})])),
      'InvalidStructureException',
      "RuleType (Category: 'Rule', Provider: 'Telepathy', Owner: 'AWS', Version: '1') in rule 'Nope' is not available in region 'US_EAST_1'",
    );
    await refused(pipeline('bad-operator', entry([rule('Op', 'VariableCheck', { Variable: 'a', Value: 'b', Operator: 'GT' })])), 'InvalidStructureException', "Operator 'GT' is not valid");
    await refused(pipeline('bad-missing', entry([rule('Op', 'VariableCheck', { Variable: 'a', Value: 'b' })])), 'InvalidStructureException', "missing required configuration 'Operator'");
    await refused(pipeline('bad-unknown', entry([rule('Fn', 'LambdaInvoke', { FunctionName: 'f', Colour: 'red' })])), 'InvalidStructureException', "unknown configuration 'Colour'");
    await refused(pipeline('bad-cron', entry([rule('Window', 'DeploymentWindow', { Cron: '0 9 * * *' })])), 'InvalidStructureException', 'must have 6 or 7 fields');
    await refused(
      pipeline('bad-zone', entry([rule('Window', 'DeploymentWindow', { Cron: '* * 9-17 ? * MON-FRI', TimeZone: 'Mars/Olympus' })])),
      'InvalidStructureException',
      "TimeZone 'Mars/Olympus'",
    );
    await refused(pipeline('bad-result', entry([rule('Op', 'VariableCheck', { Variable: 'a', Value: 'b', Operator: 'EQ' })], 'ROLLBACK')), 'InvalidStructureException', 'Result ROLLBACK is not valid');
    await refused(
      pipeline('bad-skip', entry([rule('Window', 'DeploymentWindow', { Cron: '* * 9-17 ? * MON-FRI' })], 'SKIP')),
      'InvalidStructureException',
      'only LambdaInvoke and VariableCheck rules can',
    );
    await refused(pipeline('bad-namespace', entry([rule('Op', 'VariableCheck', { Variable: '#{Later.X}', Value: 'b', Operator: 'EQ' })])), 'InvalidStructureException', 'namespace Later');
    await refused({ ...pipeline('bad-v1', { onFailure: { result: 'ROLLBACK' } }), pipelineType: 'V1', variables: undefined }, 'ValidationException', 'only supported in V2 type pipelines');
  });

  it('ListRuleExecutions answers AWS errors for an unknown pipeline, execution or page token', async () => {
    const cp = codepipeline();
    await expectAwsError(cp.send(new ListRuleExecutionsCommand({ pipelineName: 'no-such-pipeline' })), { code: 'PipelineNotFoundException', status: 400 });
    await create(pipeline('cond-lists', {}));
    await expectAwsError(cp.send(new ListRuleExecutionsCommand({ pipelineName: 'cond-lists', filter: { pipelineExecutionId: '00000000-0000-0000-0000-000000000000' } })), {
      code: 'PipelineExecutionNotFoundException',
      status: 400,
    });
    await expectAwsError(cp.send(new ListRuleExecutionsCommand({ pipelineName: 'cond-lists', nextToken: 'garbage' })), { code: 'InvalidNextTokenException', status: 400 });
  });
});
