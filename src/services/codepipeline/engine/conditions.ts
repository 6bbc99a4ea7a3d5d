/**
 * Stage conditions, automatic retry and automatic rollback: what happens around a stage's actions.
 *
 * - Entry conditions (beforeEntry) are evaluated once the execution has entered the stage, before
 *   its actions: a condition whose rules do not all pass engages its result, FAIL (the stage and
 *   the execution fail) or SKIP (the stage is Skipped and the execution goes on).
 * - Success conditions (onSuccess) are evaluated after the actions succeeded: a condition that is
 *   not met fails the stage, and with ROLLBACK also rolls it back.
 * - On failure (onFailure): a failure condition engages its result when it is met (its rules
 *   pass); without conditions onFailure.result applies. RETRY runs the stage again once
 *   (AWS allows one automatic attempt) with retryConfiguration's mode; ROLLBACK starts a ROLLBACK
 *   execution (trigger AutomatedRollback) of the stage with the last standard execution that
 *   succeeded in it on the current pipeline version, when there is one.
 * A condition's rules run together; conditions run in order. Rule executions and condition states
 * are rows, so a restarted execution resumes an evaluation (rules already ended are kept, rules in
 * progress run again with their checkpoint), and OverrideStageCondition marks an entry or success
 * condition in progress Overridden: its rules are abandoned and the stage goes on as if it passed.
 */
import type { Condition, PipelineDeclaration, RuleDeclaration, StageDeclaration } from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import type { InProcessCaller } from '../../contracts.js';
import { type ActionContext, ActionFailure, type ActionTypeId } from '../actions/types.js';
import type { ConditionStateRow, RuleExecutionRow } from '../condition-store.js';
import type { HandlerContext } from '../handlers/context.js';
import { restartStage, startRollback } from '../handlers/retry.js';
import { assumeRole, type ExecutionRun, sharedContext, storedInputArtifacts } from './action-run.js';
import { RULE_PROVIDERS } from './rules/index.js';
import { type Outcome, pipelineKey } from './runner.js';
import { resolveConfiguration } from './variables.js';

export type ConditionType = 'BEFORE_ENTRY' | 'ON_SUCCESS' | 'ON_FAILURE';

/** Automatic retries of a failed stage per execution: "One attempt is allowed for automatic stage retry on failure". */
const AUTO_RETRY_ATTEMPTS = 1;

/** How an evaluation of a stage's conditions of one type ended, with the result of the condition that decided (the failed one, else the last). */
type Verdict = { status: 'Succeeded' | 'Failed' | 'Overridden'; result?: string };

/** The engine's part of a stage: running its actions from an attempt's start, and recording how it ended. */
export interface StageHooks {
  runActions(since: number): Promise<Outcome>;
  settle(status: 'Succeeded' | 'Failed' | 'Stopped' | 'Skipped'): void;
}

/** What ListRuleExecutions shows as a rule execution's input. */
export interface StoredRuleInput {
  ruleTypeId: RuleDeclaration['ruleTypeId'];
  configuration: Record<string, string>;
  resolvedConfiguration?: Record<string, string>;
  roleArn?: string;
  region: string;
  inputArtifacts: { name?: string; s3location?: { bucket: string; key: string } }[];
}

export const conditionKey = (executionId: string, stage: string, type: string) => `${executionId}/${stage}/${type}`;

export class StageConditions {
  /** Evaluations in progress in this process, by conditionKey, so an override abandons their rules at once. */
  private readonly evaluations = new Map<string, AbortController>();

  constructor(private readonly c: HandlerContext) {}

  /** OverrideStageCondition has marked the evaluation Overridden: its rules in progress are abandoned. */
  overridden(executionId: string, stage: string, type: ConditionType): void {
    this.evaluations.get(conditionKey(executionId, stage, type))?.abort(new Error('overridden'));
  }

  /** Runs one stage of the execution with its conditions, retries and rollbacks; answers how the stage ended for the walk. */
  async runStage(run: ExecutionRun, declaration: PipelineDeclaration, stage: StageDeclaration, hooks: StageHooks): Promise<Outcome> {
    const { c } = this;
    const { execution } = run;
    const name = stage.name!;
    if (stage.beforeEntry?.conditions?.length) {
      const entry = await this.evaluate(run, name, 'BEFORE_ENTRY', stage.beforeEntry.conditions);
      if (typeof entry === 'string') return ended(entry, hooks);
      if (entry.status === 'Failed') {
        const skip = entry.result === 'SKIP';
        hooks.settle(skip ? 'Skipped' : 'Failed');
        return skip ? 'Succeeded' : 'Failed';
      }
    }
    for (;;) {
      const since = c.store.stageStates(execution.id).find((s) => s.stage === name)?.updated_at ?? 0;
      const outcome = await hooks.runActions(since);
      if (outcome === 'Succeeded' && stage.onSuccess?.conditions?.length) {
        const success = await this.evaluate(run, name, 'ON_SUCCESS', stage.onSuccess.conditions);
        if (typeof success === 'string') return ended(success, hooks);
        if (success.status === 'Failed') {
          hooks.settle('Failed');
          if (success.result === 'ROLLBACK') this.rollBack(run, declaration, name);
          return 'Failed';
        }
      }
      if (outcome !== 'Failed') return ended(outcome, hooks);
      const decision = await this.onFailure(run, stage);
      if (decision === 'Interrupted' || decision === 'Stopped' || decision === 'Superseded') return ended(decision, hooks);
      hooks.settle('Failed');
      if (decision === 'RETRY' && this.retryAutomatically(run, stage)) continue;
      if (decision === 'ROLLBACK') this.rollBack(run, declaration, name);
      return 'Failed';
    }
  }

  /** What a failed stage's onFailure engages: RETRY, ROLLBACK or FAIL (a failure condition's result only when the condition is met). */
  private async onFailure(run: ExecutionRun, stage: StageDeclaration): Promise<string> {
    const onFailure = stage.onFailure;
    if (!onFailure) return 'FAIL';
    if (!onFailure.conditions?.length) return onFailure.result ?? 'FAIL';
    const verdict = await this.evaluate(run, stage.name!, 'ON_FAILURE', onFailure.conditions);
    if (typeof verdict === 'string') return verdict;
    return verdict.status === 'Succeeded' ? (verdict.result ?? onFailure.result ?? 'FAIL') : 'FAIL';
  }

  /** Starts the stage's automatic retry, unless the execution has used it up; answers whether it did. */
  private retryAutomatically(run: ExecutionRun, stage: StageDeclaration): boolean {
    const { c } = this;
    const { execution } = run;
    if ((c.store.conditions.stageRetry(execution.id, stage.name!)?.auto_attempts ?? 0) >= AUTO_RETRY_ATTEMPTS) return false;
    c.store.tx(() => {
      const state = c.store.stageStates(execution.id).find((s) => s.stage === stage.name)!;
      restartStage(c, execution, state, stage.onFailure?.retryConfiguration?.retryMode ?? 'FAILED_ACTIONS', 'AutomatedStageRetry');
    });
    return true;
  }

  /**
   * Rolls the failed stage back: a ROLLBACK execution (trigger AutomatedRollback) with the last
   * standard execution that succeeded in the stage on the current pipeline version. None, a
   * rollback execution failing, or a pipeline changed since: the stage just stays failed.
   */
  private rollBack(run: ExecutionRun, declaration: PipelineDeclaration, stage: string): void {
    const { c } = this;
    const { execution } = run;
    if (execution.rollback || declaration.pipelineType !== 'V2' || declaration.stages?.[0]?.name === stage) return;
    c.store.tx(() => {
      const pipeline = c.store.pipeline(execution.account, execution.region, execution.pipeline);
      if (!pipeline || pipeline.version !== execution.version) return;
      const target = c.store
        .executionsOf(execution.account, execution.region, execution.pipeline)
        .find(
          (other) => other.id !== execution.id && !other.rollback && other.version === pipeline.version && c.store.stageStates(other.id).some((s) => s.stage === stage && s.status === 'Succeeded'),
        );
      if (target) startRollback(c, pipeline, stage, target, { triggerType: 'AutomatedRollback', triggerDetail: execution.id });
    });
  }

  /** Evaluates the stage's conditions of one type, or resumes or reuses the evaluation already recorded for this attempt. */
  private async evaluate(run: ExecutionRun, stage: string, type: ConditionType, conditions: Condition[]): Promise<Verdict | Exclude<Outcome, 'Succeeded' | 'Failed'>> {
    const { c } = this;
    const { execution } = run;
    const recorded = c.store.conditions.conditionState(execution.id, stage, type);
    if (recorded && recorded.status !== 'InProgress') return verdictOf(recorded);
    const now = c.rt.clock.now();
    const state: ConditionStateRow = recorded ?? {
      execution_id: execution.id,
      stage,
      condition_type: type,
      status: 'InProgress',
      summary: null,
      result: null,
      updated_by: null,
      started_at: now,
      updated_at: now,
    };
    if (!recorded) c.store.tx(() => c.store.conditions.putConditionState(state));
    const key = conditionKey(execution.id, stage, type);
    const override = new AbortController();
    this.evaluations.set(key, override);
    const signal = AbortSignal.any([run.signal, override.signal]);
    // A stop request (even one that lets running actions finish) abandons the rules: they are no actions to wait for.
    const done = new AbortController();
    c.wakeups
      .until(pipelineKey(execution.account, execution.region, execution.pipeline), AbortSignal.any([signal, done.signal]), () => (c.store.execution(execution.id)?.stop ? true : undefined))
      .then(
        () => override.abort(new Error('stopped')),
        () => {},
      );
    try {
      let failed: number | undefined;
      for (const [index, condition] of conditions.entries()) {
        const passed = await Promise.all((condition.rules ?? []).map((rule) => this.runRule(run, { stage, type, index, rule, signal, since: state.started_at })));
        if (run.interrupted.aborted) return 'Interrupted';
        if (c.store.conditions.conditionState(execution.id, stage, type)?.status === 'Overridden') return { status: 'Overridden' };
        const now = c.store.execution(execution.id);
        if (run.signal.aborted || now?.stop) return this.cancel(state, now?.status === 'Superseded' ? 'Superseded' : 'Stopped');
        if (passed.includes(false)) {
          failed = index;
          break;
        }
      }
      const condition = conditions[failed ?? conditions.length - 1];
      const status = failed === undefined ? 'Succeeded' : 'Failed';
      const summary = failed === undefined ? null : `Condition ${failed + 1} of ${type} failed: not every rule passed`;
      c.store.tx(() => {
        // An override that landed while the last rules ended wins.
        if (c.store.conditions.conditionState(execution.id, stage, type)?.status !== 'InProgress') return;
        c.store.conditions.putConditionState({ ...state, status, summary, result: condition?.result ?? null, updated_at: c.rt.clock.now() });
      });
      return verdictOf(c.store.conditions.conditionState(execution.id, stage, type)!);
    } finally {
      this.evaluations.delete(key);
      done.abort();
    }
  }

  private cancel(state: ConditionStateRow, outcome: 'Stopped' | 'Superseded'): typeof outcome {
    const { c } = this;
    c.store.tx(() => c.store.conditions.putConditionState({ ...state, status: 'Cancelled', updated_at: c.rt.clock.now() }));
    return outcome;
  }

  /** Runs one rule of a condition to its end (or reuses its end in this evaluation); answers whether it passed. */
  private async runRule(run: ExecutionRun, at: { stage: string; type: ConditionType; index: number; rule: RuleDeclaration; signal: AbortSignal; since: number }): Promise<boolean> {
    const { c } = this;
    const { execution } = run;
    const { rule } = at;
    const previous = c.store.conditions
      .ruleExecutionsOf(execution.id)
      .filter((r) => r.stage === at.stage && r.condition_type === at.type && r.condition_index === at.index && r.rule === rule.name && r.started_at >= at.since)
      .at(-1);
    if (previous && previous.status !== 'InProgress') return previous.status === 'Succeeded';
    const region = rule.region ?? execution.region;
    const input: StoredRuleInput = {
      ruleTypeId: rule.ruleTypeId,
      configuration: rule.configuration ?? {},
      roleArn: rule.roleArn,
      region,
      inputArtifacts: storedInputArtifacts(run, rule.inputArtifacts),
    };
    const now = c.rt.clock.now();
    const row: RuleExecutionRow = previous ?? {
      id: uuid(),
      execution_id: execution.id,
      stage: at.stage,
      condition_type: at.type,
      condition_index: at.index,
      rule: rule.name!,
      status: 'InProgress',
      input: JSON.stringify(input),
      output: null,
      checkpoint: null,
      updated_by: null,
      started_at: now,
      updated_at: now,
    };
    if (!previous) c.store.tx(() => c.store.conditions.putRuleExecution(row));
    // timeoutInMinutes counts from the rule execution's start on Drydock's clock, so a restart does not extend it.
    const timeout = new AbortController();
    const timer = rule.timeoutInMinutes ? c.rt.clock.at(row.started_at + rule.timeoutInMinutes * 60_000, () => timeout.abort(new Error('timed out'))) : undefined;
    const signal = AbortSignal.any([at.signal, timeout.signal]);
    try {
      input.resolvedConfiguration = resolveConfiguration(input.configuration, run.scopes);
      c.store.tx(() => c.store.conditions.putRuleExecution({ ...c.store.conditions.ruleExecution(row.id)!, input: JSON.stringify(input) }));
      const type = rule.ruleTypeId!;
      const provider = RULE_PROVIDERS.get(type.provider!);
      if (!provider) throw new ActionFailure(`Drydock has no provider for rule type ${type.category}/${type.owner}/${type.provider}/${type.version}`, 'ConfigurationError');
      const session = await assumeRole(c, execution, rule.roleArn ?? run.roleArn);
      c.artifactCredentials.set(row.id, session.credentials);
      const result = await provider.evaluate(this.ruleContext(run, { ...at, signal, row, region, configuration: input.resolvedConfiguration, caller: session.caller }));
      this.endRule(row.id, 'Succeeded', { externalExecutionId: result.externalExecutionId, externalExecutionSummary: result.summary });
      return true;
    } catch (err) {
      if (run.interrupted.aborted) return false;
      if (at.signal.aborted) {
        this.endRule(row.id, 'Abandoned', {});
        return false;
      }
      const failure = timeout.signal.aborted
        ? { code: 'JobFailed', message: `Rule ${rule.name} did not complete within its timeout of ${rule.timeoutInMinutes} minutes` }
        : err instanceof ActionFailure
          ? { code: err.code, message: err.message }
          : { code: 'JobFailed', message: err instanceof AwsError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err) };
      this.endRule(row.id, 'Failed', { externalExecutionSummary: failure.message, errorDetails: failure });
      return false;
    } finally {
      timer?.cancel();
      c.artifactCredentials.delete(row.id);
    }
  }

  private endRule(id: string, status: 'Succeeded' | 'Failed' | 'Abandoned', output: Record<string, unknown>): void {
    const { c } = this;
    c.store.tx(() => {
      const row = c.store.conditions.ruleExecution(id)!;
      c.store.conditions.putRuleExecution({ ...row, status, output: JSON.stringify(output), updated_at: c.rt.clock.now() });
    });
  }

  /** What a rule provider works with: an action's context, for the rule. */
  private ruleContext(
    run: ExecutionRun,
    setup: { stage: string; rule: RuleDeclaration; row: RuleExecutionRow; region: string; configuration: Record<string, string>; caller: InProcessCaller; signal: AbortSignal },
  ): ActionContext {
    const { c } = this;
    const inputArtifacts = (setup.rule.inputArtifacts ?? []).flatMap((a) => run.artifacts.get(a.name!) ?? []);
    const at = { stage: setup.stage, name: setup.rule.name!, rowId: setup.row.id, region: setup.region, caller: setup.caller, inputArtifacts, inputsOf: `rule ${setup.rule.name}` };
    return {
      ...sharedContext(c.rt, run, at),
      // A rule type in the action type's place: only a job a rule provider creates records it.
      actionTypeId: setup.rule.ruleTypeId as unknown as ActionTypeId,
      configuration: setup.configuration,
      outputArtifacts: [],
      async writeArtifact(name) {
        throw new ActionFailure(`Rule ${setup.rule.name} has no output artifact ${name}: rules produce no artifacts`, 'ConfigurationError');
      },
      checkpoint(data) {
        c.store.tx(() => c.store.conditions.putRuleExecution({ ...c.store.conditions.ruleExecution(setup.row.id)!, checkpoint: JSON.stringify(data), updated_at: c.rt.clock.now() }));
      },
      saved: setup.row.checkpoint ? (JSON.parse(setup.row.checkpoint) as Record<string, unknown>) : undefined,
      signal: setup.signal,
    };
  }
}

function verdictOf(state: ConditionStateRow): Verdict {
  return { status: state.status === 'Overridden' ? 'Overridden' : state.status === 'Succeeded' ? 'Succeeded' : 'Failed', result: state.result ?? undefined };
}

/** The stage's end for outcomes the conditions do not decide: recorded, except when superseded or interrupted. */
function ended(outcome: Outcome, hooks: StageHooks): Outcome {
  if (outcome === 'Succeeded' || outcome === 'Failed' || outcome === 'Stopped') hooks.settle(outcome);
  return outcome;
}
