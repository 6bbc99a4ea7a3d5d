/**
 * CodePipeline executions end to end through custom actions: the engine queues a job per action,
 * a test worker takes it with PollForJobs, acknowledges it, writes its output artifact with the
 * job's artifact credentials and answers PutJobSuccessResult (with output variables, a
 * continuation token) or PutJobFailureResult; state, variables, stop, transitions and execution
 * modes are read back through GetPipelineState, GetPipelineExecution and ListActionExecutions.
 */
import {
  AcknowledgeJobCommand,
  type ActionTypeId,
  CodePipelineClient,
  CreateCustomActionTypeCommand,
  CreatePipelineCommand,
  DisableStageTransitionCommand,
  EnableStageTransitionCommand,
  GetJobDetailsCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  type Job,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  type PipelineDeclaration,
  type PipelineExecutionStatus,
  PollForJobsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  RetryStageExecutionCommand,
  RollbackStageCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const codepipeline = () => new CodePipelineClient(server.clientConfig);
const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/executions-pipeline-role`;
const BUCKET = 'executions-artifacts';
const SOURCE: ActionTypeId = { category: 'Source', owner: 'Custom', provider: 'TestSource', version: '1' };
const BUILD: ActionTypeId = { category: 'Build', owner: 'Custom', provider: 'TestBuild', version: '1' };

beforeAll(async () => {
  const iam = new IAMClient(server.clientConfig);
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new CreateRoleCommand({ RoleName: 'executions-pipeline-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const s3Only = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: 'executions-pipeline-role', PolicyName: 's3', PolicyDocument: JSON.stringify(s3Only) }));
  const s3 = new S3Client(server.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  const cp = codepipeline();
  const settings = { executionUrlTemplate: 'https://example.com/#{ExternalExecutionId}' };
  await cp.send(
    new CreateCustomActionTypeCommand({
      ...SOURCE,
      category: 'Source',
      settings,
      configurationProperties: [{ name: 'Label', required: true, key: true, secret: false, queryable: true }],
      inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      outputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
    }),
  );
  await cp.send(
    new CreateCustomActionTypeCommand({
      ...BUILD,
      category: 'Build',
      configurationProperties: [{ name: 'Command', required: false, key: false, secret: false }],
      inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 1 },
    }),
  );
});

function pipeline(name: string, extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  return {
    name,
    roleArn: ROLE,
    artifactStore: { type: 'S3', location: BUCKET },
    stages: [
      { name: 'Source', actions: [{ name: 'Fetch', actionTypeId: SOURCE, configuration: { Label: name }, outputArtifacts: [{ name: 'Code' }], namespace: 'SourceVars' }] },
      {
        name: 'Build',
        actions: [
          { name: 'Compile', actionTypeId: BUILD, runOrder: 1, configuration: { Command: 'make #{SourceVars.CommitId} #{codepipeline.PipelineExecutionId}' }, inputArtifacts: [{ name: 'Code' }] },
          { name: 'Lint', actionTypeId: BUILD, runOrder: 1, configuration: { Command: 'lint' }, inputArtifacts: [{ name: 'Code' }] },
          { name: 'Package', actionTypeId: BUILD, runOrder: 2, configuration: { Command: 'package' }, inputArtifacts: [{ name: 'Code' }] },
        ],
      },
    ],
    ...extra,
  };
}

/** Polls (a worker would loop too) until a job of `type` for the pipeline `label` is there. */
async function nextJob(type: ActionTypeId, queryParam?: Record<string, string>): Promise<Job> {
  const cp = codepipeline();
  for (let i = 0; i < 400; i++) {
    const { jobs } = await cp.send(new PollForJobsCommand({ actionTypeId: type, maxBatchSize: 1, queryParam }));
    if (jobs?.length) {
      await cp.send(new AcknowledgeJobCommand({ jobId: jobs[0]!.id, nonce: jobs[0]!.nonce }));
      return jobs[0]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no job of ${type.provider}`);
}

/** A source worker: writes the output artifact with the job's artifact credentials and reports a commit. */
async function runSourceJob(label: string, commit: string): Promise<Job> {
  const job = await nextJob(SOURCE, { Label: label });
  const credentials = job.data!.artifactCredentials!;
  const s3 = new S3Client({ ...server.clientConfig, credentials: { accessKeyId: credentials.accessKeyId!, secretAccessKey: credentials.secretAccessKey!, sessionToken: credentials.sessionToken } });
  const location = job.data!.outputArtifacts![0]!.location!.s3Location!;
  await s3.send(new PutObjectCommand({ Bucket: location.bucketName, Key: location.objectKey, Body: `source of ${commit}` }));
  await codepipeline().send(
    new PutJobSuccessResultCommand({
      jobId: job.id,
      currentRevision: { revision: commit, changeIdentifier: commit, revisionSummary: `commit ${commit}` },
      outputVariables: { CommitId: commit },
    }),
  );
  return job;
}

async function waitForStatus(name: string, executionId: string, wanted: PipelineExecutionStatus): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const { pipelineExecution } = await codepipeline().send(new GetPipelineExecutionCommand({ pipelineName: name, pipelineExecutionId: executionId }));
    if (pipelineExecution?.status === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`execution ${executionId} never reached ${wanted}`);
}

async function latestExecution(name: string): Promise<string> {
  const { pipelineExecutionSummaries } = await codepipeline().send(new ListPipelineExecutionsCommand({ pipelineName: name }));
  return pipelineExecutionSummaries![0]!.pipelineExecutionId!;
}

describe('CodePipeline executions with custom actions', () => {
  it('runs the stages in order and runOrder groups together, resolving variables and passing artifacts', async () => {
    const cp = codepipeline();
    await cp.send(new CreatePipelineCommand({ pipeline: pipeline('exec-happy') }));
    const executionId = await latestExecution('exec-happy');
    const sourceJob = await runSourceJob('exec-happy', 'abc123');
    expect(sourceJob.data!.pipelineContext).toMatchObject({ pipelineName: 'exec-happy', stage: { name: 'Source' }, action: { name: 'Fetch' }, pipelineExecutionId: executionId });
    expect(sourceJob.data!.outputArtifacts![0]!.location!.s3Location!.objectKey).toMatch(/^exec-happy\/Code\/[A-Za-z0-9]{7}$/);

    // Compile and Lint (runOrder 1) are queued together; Package (runOrder 2) only after both.
    const first = await nextJob(BUILD);
    const second = await nextJob(BUILD);
    const names = [first, second].map((j) => j.data!.pipelineContext!.action!.name).sort();
    expect(names).toEqual(['Compile', 'Lint']);
    const compile = [first, second].find((j) => j.data!.pipelineContext!.action!.name === 'Compile')!;
    expect(compile.data!.actionConfiguration!.configuration!.Command).toBe(`make abc123 ${executionId}`);
    // The input artifact is the object the source worker wrote, readable with the job's credentials.
    const input = compile.data!.inputArtifacts![0]!.location!.s3Location!;
    const body = await new S3Client(server.clientConfig).send(new GetObjectCommand({ Bucket: input.bucketName, Key: input.objectKey }));
    expect(await body.Body!.transformToString()).toBe('source of abc123');
    const state = await cp.send(new GetPipelineStateCommand({ name: 'exec-happy' }));
    expect(state.stageStates![1]!.latestExecution).toMatchObject({ pipelineExecutionId: executionId, status: 'InProgress' });
    expect(state.stageStates![1]!.actionStates!.find((a) => a.actionName === 'Package')!.latestExecution).toBeUndefined();

    // A continuation token queues the same action's next job with it.
    await cp.send(new PutJobSuccessResultCommand({ jobId: compile.id, continuationToken: 'step-2' }));
    const continued = await nextJob(BUILD);
    expect(continued.data!.continuationToken).toBe('step-2');
    expect(continued.data!.pipelineContext!.action!.name).toBe('Compile');
    await cp.send(new PutJobSuccessResultCommand({ jobId: continued.id, executionDetails: { summary: 'compiled', externalExecutionId: 'build-1' } }));
    const lint = [first, second].find((j) => j !== compile)!;
    await cp.send(new PutJobSuccessResultCommand({ jobId: lint.id }));
    const packaging = await nextJob(BUILD);
    expect(packaging.data!.pipelineContext!.action!.name).toBe('Package');
    await cp.send(new PutJobSuccessResultCommand({ jobId: packaging.id }));
    await waitForStatus('exec-happy', executionId, 'Succeeded');

    const { pipelineExecution } = await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'exec-happy', pipelineExecutionId: executionId }));
    expect(pipelineExecution).toMatchObject({
      pipelineVersion: 1,
      trigger: { triggerType: 'CreatePipeline' },
      artifactRevisions: [{ name: 'Code', revisionId: 'abc123', revisionSummary: 'commit abc123' }],
    });
    const { actionExecutionDetails } = await cp.send(new ListActionExecutionsCommand({ pipelineName: 'exec-happy', filter: { pipelineExecutionId: executionId } }));
    expect(actionExecutionDetails!.map((a) => a.actionName)).toEqual(['Package', 'Lint', 'Compile', 'Fetch']);
    const compiled = actionExecutionDetails!.find((a) => a.actionName === 'Compile')!;
    expect(compiled.input!.resolvedConfiguration!.Command).toBe(`make abc123 ${executionId}`);
    expect(compiled.output!.executionResult).toMatchObject({ externalExecutionId: 'build-1', externalExecutionSummary: 'compiled' });
    expect(actionExecutionDetails!.find((a) => a.actionName === 'Fetch')!.output!.outputVariables).toEqual({ CommitId: 'abc123' });
    const finalState = await cp.send(new GetPipelineStateCommand({ name: 'exec-happy' }));
    expect(finalState.stageStates!.map((s) => s.latestExecution?.status)).toEqual(['Succeeded', 'Succeeded']);
  });

  it('fails the stage and the execution when a worker reports a failure, and a job answers only once', async () => {
    const cp = codepipeline();
    await cp.send(new CreatePipelineCommand({ pipeline: pipeline('exec-fail') }));
    const executionId = await latestExecution('exec-fail');
    await runSourceJob('exec-fail', 'f00');
    const first = await nextJob(BUILD);
    const second = await nextJob(BUILD);
    await cp.send(new PutJobFailureResultCommand({ jobId: first.id, failureDetails: { type: 'JobFailed', message: 'tests failed', externalExecutionId: 'run-9' } }));
    await cp.send(new PutJobSuccessResultCommand({ jobId: second.id }));
    await waitForStatus('exec-fail', executionId, 'Failed');
    await expectAwsError(cp.send(new PutJobSuccessResultCommand({ jobId: first.id })), { code: 'InvalidJobStateException', status: 400 });
    const state = await cp.send(new GetPipelineStateCommand({ name: 'exec-fail' }));
    const build = state.stageStates![1]!;
    expect(build.latestExecution!.status).toBe('Failed');
    const failed = build.actionStates!.find((a) => a.actionName === first.data!.pipelineContext!.action!.name)!;
    expect(failed.latestExecution).toMatchObject({ status: 'Failed', errorDetails: { code: 'JobFailed', message: 'tests failed' }, externalExecutionId: 'run-9' });
    // Package (runOrder 2) never ran.
    expect(build.actionStates!.find((a) => a.actionName === 'Package')!.latestExecution).toBeUndefined();
    const job = await cp.send(new GetJobDetailsCommand({ jobId: first.id }));
    expect(job.jobDetails!.data!.pipelineContext!.pipelineName).toBe('exec-fail');

    // Retrying the failed actions runs only the one that failed, then the rest of the stage.
    await expectAwsError(cp.send(new RetryStageExecutionCommand({ pipelineName: 'exec-fail', stageName: 'Source', pipelineExecutionId: executionId, retryMode: 'FAILED_ACTIONS' })), {
      code: 'StageNotRetryableException',
      status: 400,
    });
    await cp.send(new RetryStageExecutionCommand({ pipelineName: 'exec-fail', stageName: 'Build', pipelineExecutionId: executionId, retryMode: 'FAILED_ACTIONS' }));
    const retried = await nextJob(BUILD);
    expect(retried.data!.pipelineContext!.action!.name).toBe(first.data!.pipelineContext!.action!.name);
    await cp.send(new PutJobSuccessResultCommand({ jobId: retried.id }));
    const packaging = await nextJob(BUILD);
    expect(packaging.data!.pipelineContext!.action!.name).toBe('Package');
    await cp.send(new PutJobSuccessResultCommand({ jobId: packaging.id }));
    await waitForStatus('exec-fail', executionId, 'Succeeded');
  });

  it('fails an action whose type Drydock has no provider for, naming the type', async () => {
    const cp = codepipeline();
    const declaration = pipeline('exec-codedeploy');
    declaration.stages![1] = {
      name: 'Deploy',
      actions: [
        {
          name: 'Deploy',
          actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' },
          configuration: { ApplicationName: 'a', DeploymentGroupName: 'g' },
          inputArtifacts: [{ name: 'Code' }],
        },
      ],
    };
    await cp.send(new CreatePipelineCommand({ pipeline: declaration }));
    const executionId = await latestExecution('exec-codedeploy');
    await runSourceJob('exec-codedeploy', 'c0de');
    await waitForStatus('exec-codedeploy', executionId, 'Failed');
    const state = await cp.send(new GetPipelineStateCommand({ name: 'exec-codedeploy' }));
    expect(state.stageStates![1]!.actionStates![0]!.latestExecution!.errorDetails!.message).toBe('Drydock has no provider for action type Deploy/AWS/CodeDeploy/1');
  });

  it('waits at a disabled transition, supersedes an older waiting execution, and stops', async () => {
    const cp = codepipeline();
    await cp.send(new CreatePipelineCommand({ pipeline: pipeline('exec-modes') }));
    const first = await latestExecution('exec-modes');
    await cp.send(new DisableStageTransitionCommand({ pipelineName: 'exec-modes', stageName: 'Build', transitionType: 'Inbound', reason: 'freeze' }));
    await runSourceJob('exec-modes', 'one');
    // The first execution now waits at Build's entrance.
    for (let i = 0; i < 200; i++) {
      const state = await cp.send(new GetPipelineStateCommand({ name: 'exec-modes' }));
      if (state.stageStates![1]!.inboundExecution?.pipelineExecutionId === first) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const waiting = await cp.send(new GetPipelineStateCommand({ name: 'exec-modes' }));
    expect(waiting.stageStates![1]!.inboundTransitionState).toMatchObject({ enabled: false, disabledReason: 'freeze' });
    const { pipelineExecutionId: second } = await cp.send(new StartPipelineExecutionCommand({ name: 'exec-modes' }));
    await runSourceJob('exec-modes', 'two');
    await waitForStatus('exec-modes', first!, 'Superseded');
    await cp.send(new EnableStageTransitionCommand({ pipelineName: 'exec-modes', stageName: 'Build', transitionType: 'Inbound' }));
    const job = await nextJob(BUILD);
    expect(job.data!.pipelineContext!.pipelineExecutionId).toBe(second);
    // Stop and wait: the running actions finish, nothing after them starts.
    await cp.send(new StopPipelineExecutionCommand({ pipelineName: 'exec-modes', pipelineExecutionId: second!, reason: 'enough' }));
    await expectAwsError(cp.send(new StopPipelineExecutionCommand({ pipelineName: 'exec-modes', pipelineExecutionId: second! })), { code: 'DuplicatedStopRequestException', status: 400 });
    const other = await nextJob(BUILD);
    await cp.send(new PutJobSuccessResultCommand({ jobId: job.id }));
    await cp.send(new PutJobSuccessResultCommand({ jobId: other.id }));
    await waitForStatus('exec-modes', second!, 'Stopped');
    const { pipelineExecutionSummaries } = await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'exec-modes' }));
    expect(pipelineExecutionSummaries!.map((s) => s.status)).toEqual(['Stopped', 'Superseded']);
    expect(pipelineExecutionSummaries![0]!.stopTrigger).toEqual({ reason: 'enough' });
    await expectAwsError(cp.send(new StopPipelineExecutionCommand({ pipelineName: 'exec-modes', pipelineExecutionId: second! })), { code: 'PipelineExecutionNotStoppableException', status: 400 });
  });

  it('QUEUED lets one execution into a stage at a time, in arrival order; PARALLEL does not wait', async () => {
    const cp = codepipeline();
    await cp.send(new CreatePipelineCommand({ pipeline: pipeline('exec-queued', { pipelineType: 'V2', executionMode: 'QUEUED' }) }));
    const first = await latestExecution('exec-queued');
    const { pipelineExecutionId: second } = await cp.send(new StartPipelineExecutionCommand({ name: 'exec-queued' }));
    const firstSource = await nextJob(SOURCE, { Label: 'exec-queued' });
    expect(firstSource.data!.pipelineContext!.pipelineExecutionId).toBe(first);
    const queued = await cp.send(new GetPipelineStateCommand({ name: 'exec-queued' }));
    expect(queued.stageStates![0]!.inboundExecutions!.map((e) => e.pipelineExecutionId)).toEqual([second]);
    await cp.send(new PutJobSuccessResultCommand({ jobId: firstSource.id, outputVariables: { CommitId: 'q1' } }));
    const secondSource = await nextJob(SOURCE, { Label: 'exec-queued' });
    expect(secondSource.data!.pipelineContext!.pipelineExecutionId).toBe(second);

    await cp.send(new CreatePipelineCommand({ pipeline: pipeline('exec-parallel', { pipelineType: 'V2', executionMode: 'PARALLEL' }) }));
    const { pipelineExecutionId: other } = await cp.send(new StartPipelineExecutionCommand({ name: 'exec-parallel' }));
    const jobs = [await nextJob(SOURCE, { Label: 'exec-parallel' }), await nextJob(SOURCE, { Label: 'exec-parallel' })];
    expect(jobs.map((j) => j.data!.pipelineContext!.pipelineExecutionId)).toContain(other);
  });

  it('abandons running actions when stopped with abandon', async () => {
    const cp = codepipeline();
    await cp.send(new CreatePipelineCommand({ pipeline: pipeline('exec-abandon') }));
    const executionId = await latestExecution('exec-abandon');
    await nextJob(SOURCE, { Label: 'exec-abandon' });
    await cp.send(new StopPipelineExecutionCommand({ pipelineName: 'exec-abandon', pipelineExecutionId: executionId, abandon: true }));
    await waitForStatus('exec-abandon', executionId, 'Stopped');
    const state = await cp.send(new GetPipelineStateCommand({ name: 'exec-abandon' }));
    expect(state.stageStates![0]!.actionStates![0]!.latestExecution!.status).toBe('Abandoned');
    expect(state.stageStates![0]!.latestExecution!.status).toBe('Stopped');
  });

  it('publishes Pipeline, Stage and Action Execution State Change events with AWS detail shapes', async () => {
    const sqs = new SQSClient(server.clientConfig);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'pipeline-events' }));
    const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:pipeline-events`;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn }] };
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    const eb = new EventBridgeClient(server.clientConfig);
    await eb.send(new PutRuleCommand({ Name: 'pipeline-events', EventPattern: JSON.stringify({ source: ['aws.codepipeline'], detail: { pipeline: ['exec-events'] } }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'pipeline-events', Targets: [{ Id: 'q', Arn: queueArn }] }));

    const cp = codepipeline();
    // A type of its own, so no other test's queued jobs come first.
    const eventsBuild: ActionTypeId = { ...BUILD, provider: 'EventsBuild' };
    await cp.send(
      new CreateCustomActionTypeCommand({ ...eventsBuild, category: 'Build', inputArtifactDetails: { minimumCount: 1, maximumCount: 1 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }),
    );
    const declaration = pipeline('exec-events');
    declaration.stages![1] = { name: 'Build', actions: [{ name: 'Compile', actionTypeId: eventsBuild, inputArtifacts: [{ name: 'Code' }] }] };
    await cp.send(new CreatePipelineCommand({ pipeline: declaration }));
    const executionId = await latestExecution('exec-events');
    await runSourceJob('exec-events', 'e1');
    await cp.send(new PutJobSuccessResultCommand({ jobId: (await nextJob(eventsBuild)).id }));
    await waitForStatus('exec-events', executionId, 'Succeeded');

    const events: { 'detail-type': string; resources: string[]; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 20 && !events.some((e) => e.detail.state === 'SUCCEEDED' && e['detail-type'].startsWith('CodePipeline Pipeline')); i++) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const message of Messages ?? []) events.push(JSON.parse(message.Body!));
    }
    const pipelineStates = events.filter((e) => e['detail-type'] === 'CodePipeline Pipeline Execution State Change').map((e) => e.detail.state);
    expect(pipelineStates).toEqual(['STARTED', 'SUCCEEDED']);
    const started = events.find((e) => e['detail-type'] === 'CodePipeline Pipeline Execution State Change')!;
    expect(started.resources).toEqual([`arn:aws:codepipeline:us-east-1:${ACCOUNT}:exec-events`]);
    expect(started.detail).toMatchObject({ pipeline: 'exec-events', 'execution-id': executionId, version: 1, 'execution-trigger': { 'trigger-type': 'CreatePipeline' } });
    const stageStates = events.filter((e) => e['detail-type'] === 'CodePipeline Stage Execution State Change').map((e) => `${e.detail.stage}:${e.detail.state}`);
    expect(stageStates).toEqual(['Source:STARTED', 'Source:SUCCEEDED', 'Build:STARTED', 'Build:SUCCEEDED']);
    const action = events.find((e) => e['detail-type'] === 'CodePipeline Action Execution State Change' && e.detail.state === 'SUCCEEDED' && e.detail.action === 'Compile')!;
    expect(action.detail).toMatchObject({ stage: 'Build', region: 'us-east-1', type: { owner: 'Custom', provider: 'EventsBuild', category: 'Build', version: '1' } });
  });

  it("RollbackStage runs only the stage again with the target execution's artifacts", async () => {
    const cp = codepipeline();
    const rollbackBuild: ActionTypeId = { ...BUILD, provider: 'RollbackBuild' };
    await cp.send(
      new CreateCustomActionTypeCommand({
        ...rollbackBuild,
        category: 'Build',
        inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
        outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      }),
    );
    const declaration = pipeline('exec-rollback', { pipelineType: 'V2' });
    declaration.stages![1] = { name: 'Build', actions: [{ name: 'Ship', actionTypeId: rollbackBuild, inputArtifacts: [{ name: 'Code' }] }] };
    await cp.send(new CreatePipelineCommand({ pipeline: declaration }));
    const good = await latestExecution('exec-rollback');
    await runSourceJob('exec-rollback', 'good');
    const shipped = await nextJob(rollbackBuild);
    await cp.send(new PutJobSuccessResultCommand({ jobId: shipped.id }));
    await waitForStatus('exec-rollback', good, 'Succeeded');

    await expectAwsError(cp.send(new RollbackStageCommand({ pipelineName: 'exec-rollback', stageName: 'Source', targetPipelineExecutionId: good })), {
      code: 'UnableToRollbackStageException',
      status: 400,
    });
    const { pipelineExecutionId } = await cp.send(new RollbackStageCommand({ pipelineName: 'exec-rollback', stageName: 'Build', targetPipelineExecutionId: good }));
    const again = await nextJob(rollbackBuild);
    expect(again.data!.pipelineContext!.pipelineExecutionId).toBe(pipelineExecutionId);
    expect(again.data!.inputArtifacts).toEqual(shipped.data!.inputArtifacts);
    await cp.send(new PutJobSuccessResultCommand({ jobId: again.id }));
    await waitForStatus('exec-rollback', pipelineExecutionId!, 'Succeeded');
    const { pipelineExecution } = await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'exec-rollback', pipelineExecutionId }));
    expect(pipelineExecution).toMatchObject({ executionType: 'ROLLBACK', trigger: { triggerType: 'ManualRollback' }, rollbackMetadata: { rollbackTargetPipelineExecutionId: good } });
  });
});
