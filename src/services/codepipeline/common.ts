/**
 * What every CodePipeline file shares: the service context, wake-ups between the API and the
 * engine (a worker's result, an approval, a stop), AWS's errors in its own words and ARNs.
 */
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { Runtime } from '../contracts.js';
import type { CodePipelineStore, PipelineRow } from './store.js';

/**
 * In-process wake-ups: whoever waits on a key (an engine waiting for a job's result, an approval's
 * decision) is woken after the commit that changed it. The state itself is always in the store,
 * so a waiter re-reads it; a restart loses only the wake-up, and the resumed waiter reads again.
 */
export class Wakeups {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(key: string): void {
    for (const wake of this.waiters.get(key) ?? []) wake();
  }

  /**
   * Resolves with `check()` once it answers something: checked now and after every notify of `key`
   * (registered before the first check, so a notify in between is not missed); rejects when
   * `signal` aborts.
   */
  until<T>(key: string, signal: AbortSignal, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = () => {
        set.delete(wake);
        if (!set.size) this.waiters.delete(key);
        signal.removeEventListener('abort', aborted);
      };
      const aborted = () => {
        done();
        reject(signal.reason);
      };
      const wake = () => {
        try {
          const value = check();
          if (value === undefined) return;
          done();
          resolve(value);
        } catch (err) {
          done();
          reject(err);
        }
      };
      set.add(wake);
      if (signal.aborted) return aborted();
      signal.addEventListener('abort', aborted, { once: true });
      wake();
    });
  }
}

export interface CodePipelineContext {
  rt: Runtime;
  store: CodePipelineStore;
  wakeups: Wakeups;
  /** The pipeline role's temporary credentials of each running action execution, for its job's artifactCredentials. */
  artifactCredentials: Map<string, { accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
}

/** Each runtime's CodePipeline context, so action providers (given only `ctx.rt`) reach the approvals and jobs of their own server. */
const contexts = new WeakMap<Runtime, CodePipelineContext>();

export function registerContext(c: CodePipelineContext): void {
  contexts.set(c.rt, c);
}

export function contextOf(rt: Runtime): CodePipelineContext {
  const c = contexts.get(rt);
  if (!c) throw new Error('the CodePipeline service is not running on this runtime');
  return c;
}

export function pipelineArn(region: string, account: string, name: string): string {
  return arn('codepipeline', region, account, name);
}

export function webhookArn(region: string, account: string, name: string): string {
  return arn('codepipeline', region, account, `webhook:${name}`);
}

export function pipelineNotFound(name: string, account: string): AwsError {
  return new AwsError('PipelineNotFoundException', `Account '${account}' does not have a pipeline with name '${name}'`);
}

export function executionNotFound(executionId: string, pipeline: string, account: string): AwsError {
  return new AwsError('PipelineExecutionNotFoundException', `Pipeline execution with ID '${executionId}' does not exist in pipeline with name '${pipeline}' in account '${account}'`);
}

export function invalidStructure(message: string): AwsError {
  return new AwsError('InvalidStructureException', message);
}

export function declarationOf(row: PipelineRow): PipelineDeclaration {
  return JSON.parse(row.declaration) as PipelineDeclaration;
}

/** The pipeline a request names, or PipelineNotFoundException. */
export function existingPipeline(c: CodePipelineContext, account: string, region: string, name: string): PipelineRow {
  const row = c.store.pipeline(account, region, name);
  if (!row) throw pipelineNotFound(name, account);
  return row;
}

export type Tag = { key: string; value: string };

export function tagsOf(json: string): Tag[] {
  return JSON.parse(json) as Tag[];
}
