/**
 * CodePipeline pipelines through the SDK: create, get (metadata, versions), list, update, delete,
 * structure validation with AWS's errors, custom action types, webhooks and tags.
 */
import {
  type ActionDeclaration,
  type ActionTypeId,
  CodePipelineClient,
  CreateCustomActionTypeCommand,
  CreatePipelineCommand,
  DeleteCustomActionTypeCommand,
  DeletePipelineCommand,
  DeleteWebhookCommand,
  GetActionTypeCommand,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  ListActionTypesCommand,
  ListPipelinesCommand,
  ListTagsForResourceCommand,
  ListWebhooksCommand,
  type PipelineDeclaration,
  PutWebhookCommand,
  StartPipelineExecutionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePipelineCommand,
} from '@aws-sdk/client-codepipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/pipelines-role`;
const SOURCE: ActionTypeId = { category: 'Source', owner: 'Custom', provider: 'PipelinesSource', version: '1' };
const TEST: ActionTypeId = { category: 'Test', owner: 'Custom', provider: 'PipelinesTest', version: '1' };

beforeAll(async () => {
  await cp().send(
    new CreateCustomActionTypeCommand({
      ...SOURCE,
      category: 'Source',
      configurationProperties: [{ name: 'Repo', required: true, key: true, secret: false }],
      inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      outputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
    }),
  );
  await cp().send(
    new CreateCustomActionTypeCommand({ ...TEST, category: 'Test', inputArtifactDetails: { minimumCount: 1, maximumCount: 2 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }),
  );
});

function declaration(name: string): PipelineDeclaration {
  return {
    name,
    roleArn: ROLE,
    artifactStore: { type: 'S3', location: 'pipelines-artifacts' },
    stages: [
      { name: 'Source', actions: [{ name: 'Src', actionTypeId: SOURCE, configuration: { Repo: 'r' }, outputArtifacts: [{ name: 'Out' }] }] },
      { name: 'Test', actions: [{ name: 'Unit', actionTypeId: TEST, inputArtifacts: [{ name: 'Out' }] }] },
    ],
  };
}

describe('CodePipeline pipelines', () => {
  it('creates, reads, lists, updates (new version) and deletes a pipeline', async () => {
    const created = await cp().send(new CreatePipelineCommand({ pipeline: declaration('crud'), tags: [{ key: 'team', value: 'a' }] }));
    expect(created.pipeline).toMatchObject({ name: 'crud', version: 1, pipelineType: 'V1', executionMode: 'SUPERSEDED' });
    expect(created.tags).toEqual([{ key: 'team', value: 'a' }]);
    await expectAwsError(cp().send(new CreatePipelineCommand({ pipeline: declaration('crud') })), { code: 'PipelineNameInUseException', status: 400 });
    const got = await cp().send(new GetPipelineCommand({ name: 'crud' }));
    expect(got.metadata!.pipelineArn).toBe(`arn:aws:codepipeline:us-east-1:${ACCOUNT}:crud`);
    expect(got.metadata!.created).toBeInstanceOf(Date);
    expect(got.pipeline!.stages![1]!.actions![0]!.runOrder).toBe(1);

    const changed = { ...got.pipeline!, stages: [got.pipeline!.stages![0]!, { ...got.pipeline!.stages![1]!, name: 'Verify' }] };
    const updated = await cp().send(new UpdatePipelineCommand({ pipeline: changed }));
    expect(updated.pipeline!.version).toBe(2);
    expect((await cp().send(new GetPipelineCommand({ name: 'crud', version: 1 }))).pipeline!.stages![1]!.name).toBe('Test');
    expect((await cp().send(new GetPipelineCommand({ name: 'crud' }))).pipeline!.stages![1]!.name).toBe('Verify');
    await expectAwsError(cp().send(new GetPipelineCommand({ name: 'crud', version: 9 })), { code: 'PipelineVersionNotFoundException', status: 400 });

    const list = await cp().send(new ListPipelinesCommand({}));
    expect(list.pipelines!.find((p) => p.name === 'crud')).toMatchObject({ version: 2, pipelineType: 'V1', executionMode: 'SUPERSEDED' });

    await cp().send(new DeletePipelineCommand({ name: 'crud' }));
    await expectAwsError(cp().send(new GetPipelineCommand({ name: 'crud' })), {
      code: 'PipelineNotFoundException',
      status: 400,
      message: `Account '${ACCOUNT}' does not have a pipeline with name 'crud'`,
    });
    await expectAwsError(cp().send(new UpdatePipelineCommand({ pipeline: declaration('crud') })), { code: 'PipelineNotFoundException', status: 400 });
  });

  it('starts executions with V2 variables and honours clientRequestToken', async () => {
    const v2 = { ...declaration('vars'), pipelineType: 'V2' as const, executionMode: 'QUEUED' as const, variables: [{ name: 'Env', defaultValue: 'dev' }, { name: 'Region' }] };
    await expectAwsError(cp().send(new CreatePipelineCommand({ pipeline: { ...declaration('vars-v1'), variables: [{ name: 'Env' }] } })), { code: 'ValidationException', status: 400 });
    await cp().send(new CreatePipelineCommand({ pipeline: v2 }));
    const { pipelineExecutionId } = await cp().send(new StartPipelineExecutionCommand({ name: 'vars', variables: [{ name: 'Region', value: 'eu' }], clientRequestToken: 'once' }));
    const again = await cp().send(new StartPipelineExecutionCommand({ name: 'vars', variables: [{ name: 'Region', value: 'eu' }], clientRequestToken: 'once' }));
    expect(again.pipelineExecutionId).toBe(pipelineExecutionId);
    const { pipelineExecution } = await cp().send(new GetPipelineExecutionCommand({ pipelineName: 'vars', pipelineExecutionId }));
    expect(pipelineExecution).toMatchObject({ executionMode: 'QUEUED', trigger: { triggerType: 'StartPipelineExecution' } });
    expect(pipelineExecution!.variables).toEqual([
      { name: 'Env', resolvedValue: 'dev' },
      { name: 'Region', resolvedValue: 'eu' },
    ]);
    await expectAwsError(cp().send(new StartPipelineExecutionCommand({ name: 'vars', variables: [{ name: 'Nope', value: 'x' }] })), { code: 'ValidationException', status: 400 });
    await expectAwsError(cp().send(new StartPipelineExecutionCommand({ name: 'vars' })), { code: 'ValidationException', status: 400, message: /Region/ });
    await expectAwsError(cp().send(new StartPipelineExecutionCommand({ name: 'no-such' })), { code: 'PipelineNotFoundException', status: 400 });
    await expectAwsError(cp().send(new GetPipelineExecutionCommand({ pipelineName: 'vars', pipelineExecutionId: '00000000-0000-0000-0000-000000000000' })), {
      code: 'PipelineExecutionNotFoundException',
      status: 400,
    });
  });

  it('tags pipelines and custom action types, records webhooks', async () => {
    await cp().send(new CreatePipelineCommand({ pipeline: declaration('tagged') }));
    const arn = `arn:aws:codepipeline:us-east-1:${ACCOUNT}:tagged`;
    await cp().send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      }),
    );
    await cp().send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    expect((await cp().send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'b', value: '2' }]);
    await expectAwsError(cp().send(new ListTagsForResourceCommand({ resourceArn: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:missing` })), { code: 'ResourceNotFoundException', status: 400 });

    const webhook = await cp().send(
      new PutWebhookCommand({
        webhook: {
          name: 'hook',
          targetPipeline: 'tagged',
          targetAction: 'Src',
          filters: [{ jsonPath: '$.ref', matchEquals: 'refs/heads/main' }],
          authentication: 'UNAUTHENTICATED',
          authenticationConfiguration: {},
        },
      }),
    );
    expect(webhook.webhook!.arn).toBe(`arn:aws:codepipeline:us-east-1:${ACCOUNT}:webhook:hook`);
    expect((await cp().send(new ListWebhooksCommand({}))).webhooks!.map((w) => w.definition!.name)).toContain('hook');
    await cp().send(new DeleteWebhookCommand({ name: 'hook' }));
    expect((await cp().send(new ListWebhooksCommand({}))).webhooks!.map((w) => w.definition!.name)).not.toContain('hook');

    const types = await cp().send(new ListActionTypesCommand({ actionOwnerFilter: 'Custom' }));
    expect(types.actionTypes!.map((t) => t.id!.provider)).toEqual(expect.arrayContaining(['PipelinesSource', 'PipelinesTest']));
    await expectAwsError(cp().send(new GetActionTypeCommand({ category: 'Deploy', owner: 'ThirdParty', provider: 'Nobody', version: '1' })), { code: 'ActionTypeNotFoundException', status: 400 });
    await expectAwsError(
      cp().send(
        new CreateCustomActionTypeCommand({ ...TEST, category: 'Test', inputArtifactDetails: { minimumCount: 1, maximumCount: 1 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }),
      ),
      {
        code: 'ActionTypeAlreadyExistsException',
        status: 400,
      },
    );
    const spare: ActionTypeId = { category: 'Deploy', owner: 'Custom', provider: 'Spare', version: '1' };
    await cp().send(
      new CreateCustomActionTypeCommand({ ...spare, category: 'Deploy', inputArtifactDetails: { minimumCount: 0, maximumCount: 0 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }),
    );
    await cp().send(new DeleteCustomActionTypeCommand({ category: 'Deploy', provider: 'Spare', version: '1' }));
    await expectAwsError(cp().send(new DeleteCustomActionTypeCommand({ category: 'Deploy', provider: 'Spare', version: '1' })), { code: 'ActionTypeNotFoundException', status: 400 });
  });
});

describe('CodePipeline authorization', () => {
  it('lets a user do what its policy allows on the pipeline it names, and nothing else', async () => {
    await cp().send(new CreatePipelineCommand({ pipeline: declaration('guarded') }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'codepipeline:GetPipeline', Resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:guarded` }] };
    const user = await createIamUser(server.clientConfig, 'pipeline-reader', [JSON.stringify(policy)]);
    const reader = new CodePipelineClient({ ...server.clientConfig, credentials: user.credentials });
    expect((await reader.send(new GetPipelineCommand({ name: 'guarded' }))).pipeline!.name).toBe('guarded');
    await expectAwsError(reader.send(new StartPipelineExecutionCommand({ name: 'guarded' })), { code: 'AccessDeniedException', status: 400 });
    await expectAwsError(reader.send(new CreatePipelineCommand({ pipeline: declaration('not-allowed') })), { code: 'AccessDeniedException', status: 400 });
  });
});

describe('CodePipeline structure validation', () => {
  const refuse = (pipeline: PipelineDeclaration, code: string, message: string | RegExp) => expectAwsError(cp().send(new CreatePipelineCommand({ pipeline })), { code, status: 400, message });
  const base = () => declaration('invalid');

  it('refuses a pipeline with fewer than two stages, duplicate names or a missing artifact store', async () => {
    const d = base();
    await refuse({ ...d, stages: [d.stages![0]!] }, 'InvalidStructureException', 'Pipeline must contain at least two stages');
    await refuse({ ...d, stages: [d.stages![0]!, { ...d.stages![1]!, name: 'Source' }] }, 'InvalidStructureException', /more than one stage named Source/);
    await refuse({ ...d, artifactStore: undefined }, 'InvalidStructureException', 'Either artifactStore or artifactStores must be specified.');
    const twice = { ...d.stages![1]!, actions: [d.stages![1]!.actions![0]!, d.stages![1]!.actions![0]!] };
    await refuse({ ...d, stages: [d.stages![0]!, twice] }, 'InvalidStructureException', /more than one action named Unit/);
  });

  it('accepts V2 triggers on a CodeStarSourceConnection source and refuses the rest in AWS words', async () => {
    const connection: ActionDeclaration = {
      name: 'Git',
      actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
      configuration: { ConnectionArn: `arn:aws:codeconnections:us-east-1:${ACCOUNT}:connection/x`, FullRepositoryId: 'me/app', BranchName: 'main' },
      outputArtifacts: [{ name: 'Out' }],
    };
    const d = base();
    const v2 = (triggers: PipelineDeclaration['triggers'], source = connection) => ({
      ...d,
      name: 'triggered',
      pipelineType: 'V2' as const,
      stages: [{ name: 'Source', actions: [source] }, d.stages![1]!],
      triggers,
    });
    const trigger = (push: object[], sourceActionName = 'Git') => ({ providerType: 'CodeStarSourceConnection' as const, gitConfiguration: { sourceActionName, push } });
    const notConnection = /^Triggers for connection must reference a CodeStarSourceConnection action/;
    const badFilters = 'The trigger configuration for the source action is not valid. Make sure to choose valid filter combinations.';
    await refuse(v2([trigger([{ tags: { includes: ['v*'] } }], 'Missing')]), 'InvalidStructureException', notConnection);
    await refuse(v2([trigger([{ tags: { includes: ['v*'] } }], 'Src')], d.stages![0]!.actions![0]!), 'InvalidStructureException', notConnection);
    await refuse(v2([trigger([{ tags: { includes: ['v*'] } }]), trigger([{ branches: { includes: ['main'] } }])]), 'InvalidStructureException', notConnection);
    await refuse(v2([trigger([{ branches: { includes: ['main'] }, tags: { includes: ['v*'] } }])]), 'InvalidStructureException', badFilters);
    await refuse(v2([trigger([{ filePaths: { includes: ['src/**'] } }])]), 'InvalidStructureException', badFilters);
    await cp().send(new CreatePipelineCommand({ pipeline: v2([trigger([{ branches: { includes: ['main'] }, filePaths: { excludes: ['docs/**'] } }])]) }));
    const { pipeline } = await cp().send(new GetPipelineCommand({ name: 'triggered' }));
    expect(pipeline?.triggers?.[0]?.gitConfiguration?.push?.[0]?.branches?.includes).toEqual(['main']);
  });

  it('refuses unknown action types, bad artifact counts, missing configuration and unwired artifacts', async () => {
    const d = base();
    const withTest = (action: NonNullable<PipelineDeclaration['stages']>[number]['actions']) => ({ ...d, stages: [d.stages![0]!, { name: 'Test', actions: action }] });
    await refuse(
      withTest([{ name: 'Unit', actionTypeId: { ...TEST, provider: 'Unregistered' }, inputArtifacts: [{ name: 'Out' }] }]),
      'InvalidActionDeclarationException',
      "ActionType (Category: 'Test', Provider: 'Unregistered', Owner: 'Custom', Version: '1') in action 'Unit' is not available in region 'US_EAST_1'",
    );
    await refuse(withTest([{ name: 'Unit', actionTypeId: TEST }]), 'InvalidActionDeclarationException', 'Action Unit declares 0 input artifacts which is less than the minimum count (1)');
    await refuse(withTest([{ name: 'Unit', actionTypeId: TEST, inputArtifacts: [{ name: 'Elsewhere' }] }]), 'InvalidStructureException', /Input Artifact Elsewhere of action Unit/);
    const noRepo = { ...d, stages: [{ name: 'Source', actions: [{ ...d.stages![0]!.actions![0]!, configuration: {} }] }, d.stages![1]!] };
    await refuse(noRepo, 'InvalidActionDeclarationException', "Action configuration for action 'Src' is missing required configuration 'Repo'");
    // The same runOrder cannot consume what its sibling produces.
    const sibling = withTest([
      { name: 'Unit', actionTypeId: TEST, inputArtifacts: [{ name: 'Out' }] },
      { name: 'Again', actionTypeId: SOURCE, configuration: { Repo: 'r' }, outputArtifacts: [{ name: 'Out' }] },
    ]);
    await refuse(sibling, 'InvalidStructureException', /Source actions must be in the first stage/);
    // A variable must come from an action that runs earlier: its own namespace is a cycle.
    await refuse(
      withTest([{ name: 'Unit', actionTypeId: TEST, namespace: 'UnitVars', configuration: { Flag: '#{UnitVars.Result}' }, inputArtifacts: [{ name: 'Out' }] }]),
      'InvalidStructureException',
      'Action Unit refers to the namespace UnitVars, which no action that runs before it declares',
    );
    // Only a manual approval may override its timeout.
    await refuse(
      withTest([{ name: 'Unit', actionTypeId: TEST, inputArtifacts: [{ name: 'Out' }], timeoutInMinutes: 30 }]),
      'InvalidActionDeclarationException',
      'Action Unit declares timeoutInMinutes, which only a manual approval action can override',
    );
    // AWS's own types Drydock cannot run are valid structure.
    await cp().send(
      new CreatePipelineCommand({
        pipeline: { ...withTest([{ name: 'Ecs', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' }, inputArtifacts: [{ name: 'Out' }] }]), name: 'ecs-valid' },
      }),
    );
  });
});
