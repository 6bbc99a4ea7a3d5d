/**
 * `drydock pipelines approve`: answers a pipeline's waiting manual approval through the operations
 * any AWS client calls: GetPipelineState for the action's current token, then PutApprovalResult.
 */
import { callJson, endpointOf } from './endpoint.js';
import { CommandFailed, parseOptions, printJsonLine, UsageError, wantsJson } from './usage.js';

const CODEPIPELINE = 'CodePipeline_20150709';

interface ActionStateView {
  actionName?: string;
  latestExecution?: { status?: string; token?: string };
}

interface StageStateView {
  stageName?: string;
  actionStates?: ActionStateView[];
}

export async function approve(args: string[]): Promise<void> {
  const { values, positionals } = parseOptions({
    args,
    allowPositionals: true,
    options: { reject: { type: 'boolean' }, summary: { type: 'string' }, endpoint: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 3) throw new UsageError(`give the pipeline, the stage and the approval action, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
  const [pipelineName, stageName, actionName] = positionals;
  const endpoint = endpointOf(values.endpoint);
  const state = await callJson(endpoint, 'codepipeline', `${CODEPIPELINE}.GetPipelineState`, { name: pipelineName });
  const stage = ((state.stageStates as StageStateView[] | undefined) ?? []).find((s) => s.stageName === stageName);
  if (!stage) throw new CommandFailed(`pipeline ${pipelineName} has no stage ${stageName}`);
  const action = (stage.actionStates ?? []).find((a) => a.actionName === actionName);
  if (!action) throw new CommandFailed(`stage ${stageName} of pipeline ${pipelineName} has no action ${actionName}`);
  const token = action.latestExecution?.status === 'InProgress' ? action.latestExecution.token : undefined;
  if (!token) throw new CommandFailed(`${pipelineName}/${stageName}/${actionName} is not waiting for an approval`);
  const status = values.reject ? 'Rejected' : 'Approved';
  const summary = values.summary ?? `${status} with drydock pipelines approve`;
  const answer = await callJson(endpoint, 'codepipeline', `${CODEPIPELINE}.PutApprovalResult`, { pipelineName, stageName, actionName, token, result: { status, summary } });
  const approvedAt = typeof answer.approvedAt === 'number' ? new Date(answer.approvedAt * 1000).toISOString() : undefined;
  if (wantsJson(values.json)) return printJsonLine({ pipelineName, stageName, actionName, status, summary, approvedAt });
  process.stdout.write(`${status} ${pipelineName}/${stageName}/${actionName}${approvedAt ? ` at ${approvedAt}` : ''}: ${summary}\n`);
}
