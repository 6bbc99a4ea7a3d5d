/**
 * Where execution environments come from. Each has a slot of its own (workspace.ts): a working
 * directory and the empty directories bound at /var/task and /opt, filled once its function is
 * known. Starting the sandboxed process (the namespaces, the interpreter) is most of a cold start
 * and does not depend on the function, so after a cold start of a managed runtime one spare
 * environment of the same launch (interpreter, memory, sandbox) is started in the background: the
 * next cold start of that kind takes it, and only assigns its function (variables on stdin) and
 * runs the function's initialization, as AWS's pre-provisioned execution environments do.
 */
import { hex } from '../../../core/ids.js';
import type { Runtime } from '../../contracts.js';
import { ExecutionEnvironment } from './environment.js';
import { runtimePaths } from './launch.js';
import type { RuntimePaths } from './runtimes.js';
import type { Slot, Workspace } from './workspace.js';

/** Spares kept at most (one per launch): each is a process holding its memory. */
const MAX_SPARES = 4;

/** How to start an environment of some kind. */
export interface LaunchPlan {
  /** What spares of this plan share; undefined for plans that never use one (custom runtimes, variables read at start-up). */
  key?: string;
  sandboxed: boolean;
  runtimeDir: string;
  argv(paths: RuntimePaths): string[];
  baseEnv(paths: RuntimePaths, workDir: string): Record<string, string>;
}

export interface Prepared {
  env: ExecutionEnvironment;
  slot: Slot;
}

export class EnvironmentFactory {
  /** Spares by plan key, oldest first. */
  private readonly spares = new Map<string, Prepared>();
  /** Spares still being made, by plan key: a cold start that needs one waits for it, as it started earlier. */
  private readonly pending = new Map<string, Promise<Prepared>>();
  private closed = false;

  constructor(
    private readonly rt: Runtime,
    private readonly workspace: Workspace,
  ) {}

  /** An environment for the plan: its spare if there is one (or one on its way), else a new one. */
  async take(plan: LaunchPlan): Promise<Prepared> {
    const key = plan.key;
    if (key !== undefined) {
      const ready = this.spares.get(key);
      this.spares.delete(key);
      const coming = ready ? undefined : this.pending.get(key);
      this.pending.delete(key);
      const spare = ready ?? (await coming?.catch(() => undefined));
      if (spare?.env.state === 'spare') return spare;
      spare?.env.kill();
    }
    return this.make(plan);
  }

  /** Starts a spare for the plan in the background, unless it has one (or never uses one). */
  refill(plan: LaunchPlan): void {
    const key = plan.key;
    if (key === undefined || this.closed || this.spares.has(key) || this.pending.has(key)) return;
    const making = this.make(plan);
    this.pending.set(key, making);
    making.then(
      (prepared) => {
        // Taken on its way by a cold start, or made too late.
        if (this.pending.get(key) !== making) return;
        this.pending.delete(key);
        if (this.closed) return prepared.env.kill();
        this.spares.set(key, prepared);
        if (this.spares.size > MAX_SPARES) {
          const [oldest, evicted] = this.spares.entries().next().value!;
          this.spares.delete(oldest);
          evicted.env.kill();
        }
      },
      (err: unknown) => {
        if (this.pending.get(key) === making) this.pending.delete(key);
        this.rt.log.debug({ err }, 'Lambda could not start a spare execution environment');
      },
    );
  }

  /** Kills the spares; `close` also keeps new ones from starting (server stop). */
  stop(close: boolean): void {
    this.closed ||= close;
    for (const spare of this.spares.values()) spare.env.kill();
    this.spares.clear();
    for (const making of this.pending.values())
      void making.then(
        (prepared) => prepared.env.kill(),
        () => undefined,
      );
    this.pending.clear();
  }

  private async make(plan: LaunchPlan): Promise<Prepared> {
    const id = hex(8);
    const slot = await this.workspace.slot(id);
    const { paths, binds } = runtimePaths(plan.sandboxed, { code: slot.task, opt: slot.opt, runtime: plan.runtimeDir });
    const env = new ExecutionEnvironment({
      executor: this.rt.executor,
      clock: this.rt.clock,
      argv: plan.argv(paths),
      env: plan.baseEnv(paths, slot.work),
      cwd: slot.work,
      binds,
      hidden: [this.rt.dataDir],
      assignedOnStdin: plan.key !== undefined,
    });
    void env.ended.then(() => this.workspace.removeEnvironmentDir(id));
    if (plan.key !== undefined) env.spawn();
    return { env, slot };
  }
}
