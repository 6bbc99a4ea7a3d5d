/**
 * The execution engine: each pipeline execution is one durable job that walks the pipeline's
 * stages in order. Before a stage it waits at the stage's entrance until the inbound transition
 * is enabled and the execution mode lets it in (SUPERSEDED and QUEUED: one execution per stage; a
 * newer SUPERSEDED execution arriving replaces an older one waiting there; PARALLEL: no waiting).
 * In a stage, actions run in runOrder groups (one group at a time, its actions together); a
 * failed action fails the stage, and the stage's conditions and onFailure (conditions.ts) decide
 * what follows: entry conditions before the actions, success conditions after them, an automatic
 * retry or rollback on failure. A restart resumes the job: finished actions are kept and
 * in-progress ones are run again with their checkpoint (ctx.saved).
 */
import type { ActionDeclaration, PipelineDeclaration, StageDeclaration } from '@aws-sdk/client-codepipeline';
import type { Job, JobRunInfo } from '../../../core/jobs.js';
import type { ArtifactLocation } from '../actions/types.js';
import type { CodePipelineContext } from '../common.js';
import type { HandlerContext } from '../handlers/context.js';
import type { ExecutionRow } from '../store.js';
import { type ExecutionRun, runAction, type StoredInput, type StoredOutput } from './action-run.js';
import { StageConditions } from './conditions.js';
import { pipelineEvent, stageEvent } from './events.js';

export const EXECUTION_JOB = 'codepipeline.execution';
/** Executions running at once: each mostly waits on its actions. */
const EXECUTION_CONCURRENCY = 256;
/** The stage state of an execution waiting at a stage's entrance (GetPipelineState's inboundExecution); not one of AWS's stage statuses. */
export const INBOUND = 'Inbound';
export const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped', 'Superseded', 'Cancelled']);

/** The wake-up key of everything that may let a waiting execution of the pipeline go on. */
export const pipelineKey = (account: string, region: string, pipeline: string) => `pipeline:${account}/${region}/${pipeline}`;

/** Interrupted: the server is stopping; nothing more is written and the job resumes after the restart. */
export type Outcome = 'Succeeded' | 'Failed' | 'Stopped' | 'Superseded' | 'Interrupted';

export class PipelineEngine {
  private readonly controllers = new Map<string, AbortController>();
  readonly conditions: StageConditions;

  constructor(private readonly c: CodePipelineContext) {
    // The conditions start executions (automatic rollbacks) as the handlers do, with this engine.
    const handlerContext: HandlerContext = { ...c, engine: this };
    this.conditions = new StageConditions(handlerContext);
    c.rt.jobs.register(EXECUTION_JOB, (job, info) => this.run(job, info), { concurrency: EXECUTION_CONCURRENCY });
  }

  /** Aborts a running execution's actions (StopPipelineExecution with abandon, or superseded). */
  abandon(executionId: string): void {
    this.controllers.get(executionId)?.abort(new Error('abandoned'));
  }

  private async run(job: Job, info: JobRunInfo): Promise<void> {
    const { c } = this;
    const { executionId } = job.payload as { executionId: string };
    const execution = c.store.execution(executionId);
    if (!execution || TERMINAL.has(execution.status)) return;
    const declarationText = c.store.versionDeclaration(execution.account, execution.region, execution.pipeline, execution.version);
    if (!declarationText) return this.finish(execution, 'Failed', 'The pipeline was deleted');
    const declaration = JSON.parse(declarationText) as PipelineDeclaration;
    const controller = new AbortController();
    this.controllers.set(executionId, controller);
    const signal = AbortSignal.any([info.signal, controller.signal]);
    try {
      const outcome = await this.walk(execution, declaration, signal, info.signal);
      if (outcome !== 'Superseded' && outcome !== 'Interrupted') this.finish(execution, outcome);
    } catch (err) {
      // Never InProgress forever: whatever went wrong in the engine itself fails the execution, saying what.
      if (info.signal.aborted) return;
      c.rt.log.error(`codepipeline: execution ${executionId} of ${execution.pipeline} failed in the engine: ${err instanceof Error ? err.stack : String(err)}`);
      this.finish(execution, 'Failed', `Drydock could not run the execution: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.controllers.delete(executionId);
      const key = pipelineKey(execution.account, execution.region, execution.pipeline);
      c.wakeups.notify(key);
    }
  }

  private async walk(execution: ExecutionRow, declaration: PipelineDeclaration, signal: AbortSignal, interrupted: AbortSignal): Promise<Outcome> {
    const { c } = this;
    const run = restoreRun(c, execution, declaration, signal, interrupted);
    const stageStates = new Map(c.store.stageStates(execution.id).map((s) => [s.stage, s]));
    const rollback = execution.rollback ? (JSON.parse(execution.rollback) as { stage: string; target: string }) : undefined;
    for (const stage of declaration.stages ?? []) {
      // A rollback runs only its stage.
      if (rollback && stage.name !== rollback.stage) continue;
      const state = stageStates.get(stage.name!);
      if (state?.status === 'Succeeded' || state?.status === 'Skipped') continue;
      // Ended before a restart, in the moment before the execution did.
      if (state?.status === 'Failed' || state?.status === 'Stopped') return state.status;
      if (state?.status !== 'InProgress') {
        const entered = await this.enter(execution, stage.name!, signal).catch((err) => {
          if (interrupted.aborted) return 'Interrupted' as const;
          // Abandoned while waiting at the entrance (StopPipelineExecution with abandon, or the pipeline deleted).
          if (signal.aborted) return c.store.execution(execution.id)?.status === 'Superseded' ? ('Superseded' as const) : ('Stopped' as const);
          throw err;
        });
        if (entered !== 'entered') return entered;
      }
      const outcome = await this.conditions.runStage(run, declaration, stage, {
        runActions: (since) => this.runActions(run, stage, since),
        settle: (status) => this.settleStage(execution, stage.name!, status),
      });
      if (outcome !== 'Succeeded') return outcome;
    }
    return 'Succeeded';
  }

  /** Waits at the stage's entrance; answers 'entered' once the stage is this execution's. */
  private async enter(execution: ExecutionRow, stage: string, signal: AbortSignal): Promise<'entered' | 'Stopped' | 'Superseded'> {
    const { c } = this;
    const key = pipelineKey(execution.account, execution.region, execution.pipeline);
    c.store.tx(() => {
      if (execution.execution_mode === 'SUPERSEDED') this.supersedeWaiting(execution, stage);
      c.store.putStageState({ execution_id: execution.id, stage, status: INBOUND, updated_at: c.rt.clock.now() });
    });
    c.wakeups.notify(key);
    const verdict = await c.wakeups.until(key, signal, () => {
      const now = c.store.execution(execution.id);
      if (!now || now.status === 'Superseded') return 'Superseded' as const;
      if (now.stop) return 'Stopped' as const;
      return this.mayEnter(now, stage) ? ('entered' as const) : undefined;
    });
    if (verdict === 'entered') {
      c.store.tx(() => {
        c.store.putStageState({ execution_id: execution.id, stage, status: 'InProgress', updated_at: c.rt.clock.now() });
        stageEvent(c.rt, execution, stage, 'STARTED');
      });
      c.wakeups.notify(key);
    }
    return verdict;
  }

  /** An older SUPERSEDED execution still waiting at this stage's entrance is replaced by the newer one. */
  private supersedeWaiting(execution: ExecutionRow, stage: string): void {
    const { c } = this;
    for (const other of c.store.history.executionsWithStatus(execution.account, execution.region, execution.pipeline, 'InProgress')) {
      if (other.id === execution.id || other.started_at > execution.started_at) continue;
      const waiting = c.store.stageStates(other.id).some((s) => s.stage === stage && s.status === INBOUND);
      if (!waiting) continue;
      const superseded = { ...other, status: 'Superseded', status_summary: `This pipeline execution was superseded by ${execution.id}`, updated_at: c.rt.clock.now() };
      c.store.updateExecution(superseded);
      c.store.deleteStageState(other.id, stage);
      pipelineEvent(c.rt, superseded, 'SUPERSEDED');
    }
  }

  private mayEnter(execution: ExecutionRow, stage: string): boolean {
    const { c } = this;
    const disabled = c.store.disabledTransitions(execution.account, execution.region, execution.pipeline).some((t) => t.stage === stage);
    if (disabled) return false;
    if (execution.execution_mode === 'PARALLEL') return true;
    const { history } = c.store;
    const { account, region, pipeline } = execution;
    // Only running executions can hold the stage: read those, not the pipeline's whole history.
    for (const other of [...history.executionsWithStatus(account, region, pipeline, 'InProgress'), ...history.executionsWithStatus(account, region, pipeline, 'Stopping')]) {
      if (other.id === execution.id) continue;
      const state = c.store.stageStates(other.id).find((s) => s.stage === stage)?.status;
      if (state === 'InProgress' || state === 'Stopping') return false;
      // QUEUED: executions enter in the order they arrived.
      if (execution.execution_mode === 'QUEUED' && state === INBOUND && other.started_at < execution.started_at) return false;
    }
    return true;
  }

  /** Runs the stage's actions of the attempt that started at `since` (entered, or retried), keeping those that already succeeded in it. */
  private async runActions(run: ExecutionRun, stage: StageDeclaration, since: number): Promise<Outcome> {
    const { c } = this;
    const { execution } = run;
    const records = c.store.actionExecutionsOf(execution.id).filter((r) => r.stage === stage.name && r.started_at >= since);
    const groups = new Map<number, ActionDeclaration[]>();
    for (const action of stage.actions ?? []) groups.set(action.runOrder ?? 1, [...(groups.get(action.runOrder ?? 1) ?? []), action]);
    let outcome: Outcome = 'Succeeded';
    for (const order of [...groups.keys()].sort((a, b) => a - b)) {
      const pending = groups.get(order)!.filter((a) => !records.some((r) => r.stage === stage.name && r.action === a.name && r.status === 'Succeeded'));
      const results = await Promise.all(
        pending.map((action) =>
          runAction(
            this.c,
            run,
            stage.name!,
            action,
            records.find((r) => r.stage === stage.name && r.action === action.name && r.status === 'InProgress'),
          ),
        ),
      );
      if (run.interrupted.aborted) return 'Interrupted';
      const now = c.store.execution(execution.id);
      if (run.signal.aborted || now?.stop) outcome = now?.status === 'Superseded' ? 'Superseded' : 'Stopped';
      else if (results.includes(false)) outcome = 'Failed';
      if (outcome !== 'Succeeded') break;
    }
    return outcome;
  }

  /** Records how the stage ended (Succeeded, Failed, Stopped or Skipped) and publishes its state change. */
  private settleStage(execution: ExecutionRow, stage: string, status: string): void {
    const { c } = this;
    c.store.tx(() => {
      // updated_at stays when the stage's attempt started: a retry of its failed actions counts from there.
      const entered = c.store.stageStates(execution.id).find((s) => s.stage === stage)?.updated_at ?? c.rt.clock.now();
      c.store.putStageState({ execution_id: execution.id, stage, status, updated_at: entered });
      // AWS's stage events name no skipped state.
      if (status !== 'Skipped') stageEvent(c.rt, execution, stage, status.toUpperCase());
    });
  }

  private finish(execution: ExecutionRow, outcome: Exclude<Outcome, 'Superseded' | 'Interrupted'>, summary?: string): void {
    const { c } = this;
    c.store.tx(() => {
      const now = c.store.execution(execution.id);
      if (!now || TERMINAL.has(now.status)) return;
      const ended = { ...now, status: outcome, status_summary: summary ?? now.status_summary, updated_at: c.rt.clock.now() };
      c.store.updateExecution(ended);
      // No longer waiting at any stage's entrance.
      for (const state of c.store.stageStates(execution.id)) {
        if (state.status === INBOUND) c.store.deleteStageState(execution.id, state.stage);
      }
      pipelineEvent(c.rt, ended, outcome.toUpperCase());
    });
  }
}

/** The run's variables and artifacts, rebuilt from the actions that already succeeded (a resumed or retried execution). */
function restoreRun(c: CodePipelineContext, execution: ExecutionRow, declaration: PipelineDeclaration, signal: AbortSignal, interrupted: AbortSignal): ExecutionRun {
  const variables = JSON.parse(execution.variables) as { name: string; resolvedValue: string }[];
  const scopes = new Map<string, Record<string, string>>([
    ['codepipeline', { PipelineExecutionId: execution.id }],
    ['variables', Object.fromEntries(variables.map((v) => [v.name, v.resolvedValue]))],
  ]);
  const artifacts = new Map<string, ArtifactLocation>();
  // A rollback starts from what its target execution had produced.
  const target = execution.rollback ? (JSON.parse(execution.rollback) as { target: string }).target : undefined;
  const records = [...(target ? c.store.actionExecutionsOf(target) : []), ...c.store.actionExecutionsOf(execution.id)];
  for (const record of records) {
    if (record.status !== 'Succeeded' || !record.output) continue;
    const output = JSON.parse(record.output) as StoredOutput;
    for (const artifact of output.artifactLocations ?? []) artifacts.set(artifact.name, artifact);
    const input = JSON.parse(record.input) as StoredInput;
    if (input.namespace) scopes.set(input.namespace, output.outputVariables ?? {});
  }
  return {
    execution,
    roleArn: declaration.roleArn!,
    artifactStoreFor(region) {
      const store = declaration.artifactStores?.[region] ?? declaration.artifactStore ?? declaration.artifactStores?.[execution.region];
      return { bucket: store?.location ?? '', encryptionKey: store?.encryptionKey?.id ? { id: store.encryptionKey.id, type: 'KMS' } : undefined };
    },
    scopes,
    artifacts,
    signal,
    interrupted,
  };
}
