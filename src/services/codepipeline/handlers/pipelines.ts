/** Pipelines: Create/Update/Get/List/DeletePipeline. CreatePipeline starts a first execution, as AWS does. */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { declarationOf, existingPipeline, pipelineArn, type Tag } from '../common.js';
import { checkPollingQuota, pollingDisabledAt } from '../polling.js';
import type { PipelineRow } from '../store.js';
import type { HandlerContext } from './context.js';
import { startExecution } from './executions.js';
import { checkStructure } from './structure.js';

const MAX_TAGS = 50;

/** The declaration as stored and answered: the version filled in, defaults AWS shows made explicit. */
function normalized(pipeline: CP.PipelineDeclaration, version: number): CP.PipelineDeclaration {
  const type = pipeline.pipelineType ?? 'V1';
  return {
    ...pipeline,
    pipelineType: type,
    executionMode: pipeline.executionMode ?? 'SUPERSEDED',
    stages: pipeline.stages?.map((stage) => ({ ...stage, actions: stage.actions?.map((action) => ({ ...action, runOrder: action.runOrder ?? 1, configuration: action.configuration ?? {} })) })),
    version,
  };
}

function checkTags(tags: CP.Tag[] | undefined): Tag[] {
  if ((tags?.length ?? 0) > MAX_TAGS) throw new AwsError('TooManyTagsException', `The number of tags exceeds the limit of ${MAX_TAGS}.`);
  return (tags ?? []).map((t) => ({ key: t.key!, value: t.value! }));
}

export function createPipeline(c: HandlerContext, input: CP.CreatePipelineInput, ctx: RequestContext): CP.CreatePipelineOutput {
  const declaration = input.pipeline!;
  if (declaration.executionMode && declaration.executionMode !== 'SUPERSEDED' && (declaration.pipelineType ?? 'V1') === 'V1') {
    throw new AwsError('ValidationException', `Execution mode ${declaration.executionMode} is only supported in V2 type pipelines`);
  }
  checkStructure(c, ctx.account, ctx.region, declaration);
  const tags = checkTags(input.tags);
  return c.store.tx(() => {
    if (c.store.pipeline(ctx.account, ctx.region, declaration.name!))
      throw new AwsError('PipelineNameInUseException', `A pipeline with the name '${declaration.name}' already exists in account '${ctx.account}'`);
    checkPollingQuota(c, ctx.account, ctx.region, declaration);
    const now = c.rt.clock.now();
    const pipeline = normalized(declaration, 1);
    const row: PipelineRow = {
      account: ctx.account,
      region: ctx.region,
      name: declaration.name!,
      version: 1,
      declaration: JSON.stringify(pipeline),
      created_at: now,
      updated_at: now,
      tags: JSON.stringify(tags),
    };
    c.store.putPipeline(row);
    startExecution(c, row, { triggerType: 'CreatePipeline', triggerDetail: ctx.principal.arn }, {});
    return { pipeline, tags: tags.length ? tags : undefined };
  });
}

export function updatePipeline(c: HandlerContext, input: CP.UpdatePipelineInput, ctx: RequestContext): CP.UpdatePipelineOutput {
  const declaration = input.pipeline!;
  if (declaration.executionMode && declaration.executionMode !== 'SUPERSEDED' && (declaration.pipelineType ?? 'V1') === 'V1') {
    throw new AwsError('ValidationException', `Execution mode ${declaration.executionMode} is only supported in V2 type pipelines`);
  }
  checkStructure(c, ctx.account, ctx.region, declaration);
  return c.store.tx(() => {
    const row = existingPipeline(c, ctx.account, ctx.region, declaration.name!);
    if (declaration.version !== undefined && declaration.version !== row.version) {
      throw new AwsError('InvalidStructureException', `The pipeline version ${declaration.version} does not match the current version ${row.version} of pipeline ${row.name}`);
    }
    checkPollingQuota(c, ctx.account, ctx.region, declaration);
    const version = row.version + 1;
    const pipeline = normalized(declaration, version);
    c.store.putPipeline({ ...row, version, declaration: JSON.stringify(pipeline), updated_at: c.rt.clock.now() });
    return { pipeline };
  });
}

export function getPipeline(c: HandlerContext, input: CP.GetPipelineInput, ctx: RequestContext): CP.GetPipelineOutput {
  const row = existingPipeline(c, ctx.account, ctx.region, input.name!);
  let pipeline = declarationOf(row);
  if (input.version !== undefined && input.version !== row.version) {
    const text = c.store.versionDeclaration(ctx.account, ctx.region, row.name, input.version);
    if (!text) throw new AwsError('PipelineVersionNotFoundException', `Pipeline version '${input.version}' does not exist for pipeline '${row.name}'`);
    pipeline = JSON.parse(text) as CP.PipelineDeclaration;
  }
  const disabledAt = pollingDisabledAt(c, row);
  const metadata: CP.PipelineMetadata = { pipelineArn: pipelineArn(ctx.region, ctx.account, row.name), created: new Date(row.created_at), updated: new Date(row.updated_at) };
  return { pipeline, metadata: disabledAt === undefined ? metadata : { ...metadata, pollingDisabledAt: new Date(disabledAt) } };
}

const isPosition = (value: unknown): value is { after: string } => typeof (value as { after?: unknown })?.after === 'string';

export function listPipelines(c: HandlerContext, input: CP.ListPipelinesInput, ctx: RequestContext): CP.ListPipelinesOutput {
  const after = input.nextToken ? readPageToken(input.nextToken, isPosition, () => new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')).after : '';
  const limit = input.maxResults ?? 1000;
  const rows = c.store.pipelines(ctx.account, ctx.region).filter((r) => r.name > after);
  const page = rows.slice(0, limit);
  return {
    pipelines: page.map((row) => {
      const d = declarationOf(row);
      return { name: row.name, version: row.version, pipelineType: d.pipelineType, executionMode: d.executionMode, created: new Date(row.created_at), updated: new Date(row.updated_at) };
    }),
    nextToken: rows.length > limit ? pageToken({ after: page.at(-1)!.name }) : undefined,
  };
}

/** Deleting a pipeline that does not exist succeeds, as AWS's does. */
export function deletePipeline(c: HandlerContext, input: CP.DeletePipelineInput, ctx: RequestContext): void {
  c.store.tx(() => {
    const running = c.store.executionsOf(ctx.account, ctx.region, input.name!).filter((e) => e.status === 'InProgress' || e.status === 'Stopping');
    c.store.deletePipeline(ctx.account, ctx.region, input.name!);
    c.store.afterCommit(() => {
      for (const execution of running) c.engine.abandon(execution.id);
    });
  });
}
