/**
 * CodePipeline rules that wait or call out: a DeploymentWindow entry rule holds the execution until
 * its window opens on the server's clock (a time warp opens it), OverrideStageCondition lets an
 * execution through an entry condition in progress, a LambdaInvoke rule passes or fails by the
 * function's PutJobSuccessResult/PutJobFailureResult, a CodeBuild rule by its build, and
 * ListRuleTypes lists the rule types.
 */
import {
  CodePipelineClient,
  GetPipelineStateCommand,
  ListRuleExecutionsCommand,
  ListRuleTypesCommand,
  OverrideStageConditionCommand,
  type RuleDeclaration,
  type StageState,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { ACCOUNT, createAdminRoles, createPipelineProject, createSourceThenStage, createVersionedBuckets, executionEnded, firstEndedExecution, putSourceZip } from './codepipeline-helpers.js';
import { createSdkFunction } from './lambda-helpers.js';

const server = useServer();
const codepipeline = () => new CodePipelineClient(server.clientConfig);
const ROLE = `arn:aws:iam::${ACCOUNT}:role/rules-pipeline-role`;
const HOUR = 3_600_000;

/** Answers the rule's job as UserParameters says: "pass" succeeds, anything else fails. */
const HANDLER = `
const { CodePipelineClient, PutJobSuccessResultCommand, PutJobFailureResultCommand } = require('@aws-sdk/client-codepipeline');
const codepipeline = new CodePipelineClient({});
exports.handler = async (event) => {
  const job = event['CodePipeline.job'];
  const verdict = job.data.actionConfiguration.configuration.UserParameters;
  if (verdict === 'pass') await codepipeline.send(new PutJobSuccessResultCommand({ jobId: job.id, executionDetails: { summary: 'the gate is open' } }));
  else await codepipeline.send(new PutJobFailureResultCommand({ jobId: job.id, failureDetails: { type: 'JobFailed', message: 'the gate says ' + verdict } }));
};`;

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, {
    'rules-pipeline-role': 'codepipeline.amazonaws.com',
    'rules-function-role': 'lambda.amazonaws.com',
    'rules-build-role': 'codebuild.amazonaws.com',
  });
  await createVersionedBuckets(server.clientConfig, ['rules-source', 'rules-artifacts', 'rules-target']);
}, 60_000);

/** A V2 pipeline: an S3 source, then a Release stage (deploying to rules-target) with `rules` as its entry (or success) condition. */
async function create(name: string, rules: RuleDeclaration[], when: 'beforeEntry' | 'onSuccess' = 'beforeEntry'): Promise<void> {
  await putSourceZip(server.clientConfig, 'rules-source', { 'app.txt': name }, `${name}.zip`);
  await createSourceThenStage(server.clientConfig, {
    name,
    roleArn: ROLE,
    pipelineType: 'V2',
    artifactBucket: 'rules-artifacts',
    source: { bucket: 'rules-source', key: `${name}.zip`, artifact: 'Code' },
    stage: {
      name: 'Release',
      [when]: { conditions: [{ result: 'FAIL', rules }] },
      actions: [
        {
          name: 'Deploy',
          actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
          configuration: { BucketName: 'rules-target', Extract: 'false', ObjectKey: `${name}/app.zip` },
          inputArtifacts: [{ name: 'Code' }],
        },
      ],
    },
  });
}

const rule = (name: string, provider: string, configuration: Record<string, string>): RuleDeclaration => ({
  name,
  ruleTypeId: { category: 'Rule', owner: 'AWS', provider, version: '1' },
  configuration,
});

/** Polls GetPipelineState until the Release stage's entry (or success) rule is in progress for the newest execution. */
async function waitingAtEntry(name: string, state: 'beforeEntryConditionState' | 'onSuccessConditionState' = 'beforeEntryConditionState'): Promise<StageState> {
  for (let i = 0; i < 500; i++) {
    const { stageStates } = await codepipeline().send(new GetPipelineStateCommand({ name }));
    const release = stageStates!.find((s) => s.stageName === 'Release')!;
    if (release[state]?.conditionStates?.[0]?.ruleStates?.[0]?.latestExecution?.status === 'InProgress') return release;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} never waited at its entry condition`);
}

const ended = (name: string, id: string) => executionEnded(server.clientConfig, name, id, 30_000, 20);

describe('DeploymentWindow and OverrideStageCondition', () => {
  it('holds the execution until the window opens on the server clock, and an override lets a waiting one through', async () => {
    const now = await server.advanceClock(0);
    // Two hours from now, in Tokyo's local time (UTC+9, no daylight saving).
    const tokyoHour = (new Date(now).getUTCHours() + 2 + 9) % 24;
    await create('rules-window', [rule('BusinessHour', 'DeploymentWindow', { Cron: `* * ${tokyoHour} ? * * *`, TimeZone: 'Asia/Tokyo' })]);
    const waiting = await waitingAtEntry('rules-window');
    const first = waiting.latestExecution!.pipelineExecutionId!;
    expect(waiting.latestExecution?.status).toBe('InProgress');
    expect(waiting.beforeEntryConditionState?.latestExecution?.status).toBe('InProgress');

    const cp = codepipeline();
    await cp.send(new OverrideStageConditionCommand({ pipelineName: 'rules-window', stageName: 'Release', pipelineExecutionId: first, conditionType: 'BEFORE_ENTRY' }));
    expect(await ended('rules-window', first)).toBe('Succeeded');
    const overridden = (await cp.send(new GetPipelineStateCommand({ name: 'rules-window' }))).stageStates!.find((s) => s.stageName === 'Release')!;
    expect(overridden.beforeEntryConditionState?.latestExecution?.status).toBe('Overridden');
    expect(overridden.beforeEntryConditionState?.conditionStates?.[0]).toMatchObject({
      latestExecution: { status: 'Overridden' },
      ruleStates: [{ ruleName: 'BusinessHour', latestExecution: { status: 'Abandoned', lastUpdatedBy: expect.stringContaining(`arn:aws:iam::${ACCOUNT}:`) } }],
    });
    await expectAwsError(cp.send(new OverrideStageConditionCommand({ pipelineName: 'rules-window', stageName: 'Release', pipelineExecutionId: first, conditionType: 'BEFORE_ENTRY' })), {
      code: 'ConditionNotOverridableException',
      status: 400,
    });

    const { pipelineExecutionId } = await cp.send(new StartPipelineExecutionCommand({ name: 'rules-window' }));
    const second = await waitingAtEntry('rules-window');
    expect(second.latestExecution?.pipelineExecutionId).toBe(pipelineExecutionId);
    // One minute into the window's hour.
    const opening = Math.floor((now + 2 * HOUR) / HOUR) * HOUR;
    await server.advanceClock(opening + 60_000 - (await server.advanceClock(0)));
    expect(await ended('rules-window', pipelineExecutionId!)).toBe('Succeeded');
    const { ruleExecutionDetails } = await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'rules-window', filter: { pipelineExecutionId } }));
    expect(ruleExecutionDetails![0]).toMatchObject({ status: 'Succeeded', output: { executionResult: { externalExecutionSummary: expect.stringContaining('is open') } } });
  });

  it('an override of a success condition in progress lets the stage succeed after its actions', async () => {
    const now = await server.advanceClock(0);
    const hour = (new Date(now).getUTCHours() + 5) % 24;
    await create('rules-success', [rule('Later', 'DeploymentWindow', { Cron: `* * ${hour} ? * * *` })], 'onSuccess');
    const waiting = await waitingAtEntry('rules-success', 'onSuccessConditionState');
    const id = waiting.latestExecution!.pipelineExecutionId!;
    expect(waiting.actionStates![0]!.latestExecution?.status).toBe('Succeeded');
    const cp = codepipeline();
    const input = { pipelineName: 'rules-success', stageName: 'Release', pipelineExecutionId: id };
    await expectAwsError(cp.send(new OverrideStageConditionCommand({ ...input, conditionType: 'BEFORE_ENTRY' })), { code: 'ConditionNotOverridableException', status: 400 });
    await cp.send(new OverrideStageConditionCommand({ ...input, conditionType: 'ON_SUCCESS' }));
    expect(await ended('rules-success', id)).toBe('Succeeded');
    const release = (await cp.send(new GetPipelineStateCommand({ name: 'rules-success' }))).stageStates!.find((s) => s.stageName === 'Release')!;
    expect(release.onSuccessConditionState?.latestExecution?.status).toBe('Overridden');
    expect(release.latestExecution?.status).toBe('Succeeded');
  });

  it('fails a rule that outlasts its timeoutInMinutes of Drydock time', async () => {
    const hour = (new Date(await server.advanceClock(0)).getUTCHours() + 6) % 24;
    await create('rules-timeout', [{ ...rule('Later', 'DeploymentWindow', { Cron: `* * ${hour} ? * * *` }), timeoutInMinutes: 5 }]);
    const id = (await waitingAtEntry('rules-timeout')).latestExecution!.pipelineExecutionId!;
    await server.advanceClock(6 * 60_000);
    expect(await ended('rules-timeout', id)).toBe('Failed');
    const { ruleExecutionDetails } = await codepipeline().send(new ListRuleExecutionsCommand({ pipelineName: 'rules-timeout' }));
    expect(ruleExecutionDetails![0]!.output?.executionResult?.errorDetails).toEqual({ code: 'JobFailed', message: 'Rule Later did not complete within its timeout of 5 minutes' });
  });

  it('StopPipelineExecution stops an execution waiting on a rule, abandoning the rule', async () => {
    const hour = (new Date(await server.advanceClock(0)).getUTCHours() + 7) % 24;
    await create('rules-stop', [rule('Later', 'DeploymentWindow', { Cron: `* * ${hour} ? * * *` })]);
    const id = (await waitingAtEntry('rules-stop')).latestExecution!.pipelineExecutionId!;
    await codepipeline().send(new StopPipelineExecutionCommand({ pipelineName: 'rules-stop', pipelineExecutionId: id, reason: 'not today' }));
    expect(await ended('rules-stop', id)).toBe('Stopped');
    const release = (await codepipeline().send(new GetPipelineStateCommand({ name: 'rules-stop' }))).stageStates!.find((s) => s.stageName === 'Release')!;
    expect(release.latestExecution?.status).toBe('Stopped');
    expect(release.beforeEntryConditionState?.latestExecution?.status).toBe('Cancelled');
    expect(release.beforeEntryConditionState?.conditionStates?.[0]?.ruleStates?.[0]?.latestExecution?.status).toBe('Abandoned');
  });

  it('OverrideStageCondition answers AWS errors for an unknown pipeline or stage', async () => {
    const cp = codepipeline();
    const input = { pipelineName: 'no-such-pipeline', stageName: 'Release', pipelineExecutionId: '00000000-0000-0000-0000-000000000000', conditionType: 'BEFORE_ENTRY' as const };
    await expectAwsError(cp.send(new OverrideStageConditionCommand(input)), { code: 'PipelineNotFoundException', status: 400 });
    await expectAwsError(cp.send(new OverrideStageConditionCommand({ ...input, pipelineName: 'rules-window', stageName: 'Nowhere' })), { code: 'StageNotFoundException', status: 400 });
  });
});

describe('LambdaInvoke', () => {
  beforeAll(async () => {
    await createSdkFunction(new LambdaClient(server.clientConfig), 'rules-gate', `arn:aws:iam::${ACCOUNT}:role/rules-function-role`, HANDLER);
  }, 60_000);

  it("passes when the function reports success and fails with its PutJobFailureResult's message", async () => {
    await create('rules-lambda-pass', [rule('Gate', 'LambdaInvoke', { FunctionName: 'rules-gate', UserParameters: 'pass' })]);
    await create('rules-lambda-deny', [rule('Gate', 'LambdaInvoke', { FunctionName: 'rules-gate', UserParameters: 'no' })]);
    expect((await firstEndedExecution(server.clientConfig, 'rules-lambda-pass')).status).toBe('Succeeded');
    expect((await firstEndedExecution(server.clientConfig, 'rules-lambda-deny')).status).toBe('Failed');
    const cp = codepipeline();
    const passed = (await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'rules-lambda-pass' }))).ruleExecutionDetails![0]!;
    expect(passed).toMatchObject({ ruleName: 'Gate', status: 'Succeeded', output: { executionResult: { externalExecutionSummary: 'the gate is open' } } });
    const denied = (await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'rules-lambda-deny' }))).ruleExecutionDetails![0]!;
    expect(denied).toMatchObject({ ruleName: 'Gate', status: 'Failed', output: { executionResult: { errorDetails: { code: 'JobFailed', message: 'the gate says no' } } } });
  }, 60_000);
});

describe('CodeBuild', () => {
  it('passes when the build of its input artifact succeeds and fails naming the build when it does not', async () => {
    for (const [name, command] of [
      ['rules-build-pass', 'grep -q rules-build-pass app.txt'],
      ['rules-build-fail', 'exit 3'],
    ]) {
      await createPipelineProject(server.clientConfig, name, `version: 0.2\nphases:\n  build:\n    commands:\n      - ${command}\n`, `arn:aws:iam::${ACCOUNT}:role/rules-build-role`);
      await create(name, [{ ...rule('Tests', 'CodeBuild', { ProjectName: name }), inputArtifacts: [{ name: 'Code' }] }]);
    }
    expect((await firstEndedExecution(server.clientConfig, 'rules-build-pass')).status).toBe('Succeeded');
    expect((await firstEndedExecution(server.clientConfig, 'rules-build-fail')).status).toBe('Failed');
    const cp = codepipeline();
    const passed = (await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'rules-build-pass' }))).ruleExecutionDetails![0]!;
    expect(passed).toMatchObject({ ruleName: 'Tests', status: 'Succeeded', output: { executionResult: { externalExecutionId: expect.stringMatching(/^rules-build-pass:/) } } });
    const failed = (await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'rules-build-fail' }))).ruleExecutionDetails![0]!;
    expect(failed.status).toBe('Failed');
    expect(failed.output?.executionResult?.errorDetails?.message).toContain('Build terminated with state: FAILED');
  }, 120_000);
});

describe('ListRuleTypes', () => {
  it("lists AWS's rule types Drydock runs with their configuration properties", async () => {
    const { ruleTypes } = await codepipeline().send(new ListRuleTypesCommand({ ruleOwnerFilter: 'AWS' }));
    expect(ruleTypes!.map((t) => t.id!.provider).sort()).toEqual(['CloudWatchAlarm', 'CodeBuild', 'DeploymentWindow', 'LambdaInvoke', 'VariableCheck']);
    const variableCheck = ruleTypes!.find((t) => t.id!.provider === 'VariableCheck')!;
    expect(variableCheck.id).toEqual({ category: 'Rule', owner: 'AWS', provider: 'VariableCheck', version: '1' });
    expect(variableCheck.ruleConfigurationProperties!.map((p) => [p.name, p.required])).toEqual([
      ['Operator', true],
      ['Value', true],
      ['Variable', true],
    ]);
  });
});
