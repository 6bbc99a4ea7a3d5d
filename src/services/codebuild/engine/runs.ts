/**
 * What the build runner, the build lifecycle and the sandbox runner share about one run (a build or
 * a sandbox): its slot-holding record, how it ends, and how a phase is finished.
 */
import type { BuildPhase, PhaseContext, Project, StatusType } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import type { ClockTimer } from '../../../core/clock.js';
import type { BuildShell } from './shell.js';

export type EndReason = 'STOPPED' | 'TIMED_OUT';

/**
 * A build or sandbox this process is queuing or running: both hold the same global, project and
 * fleet slots, and the runner's clock timers end them at their timeouts.
 */
export interface Active {
  scope: Scope;
  /** The build's id, or `sandbox:<id>` for a sandbox (the two kinds share the map of active runs). */
  id: string;
  projectName: string;
  endReason?: EndReason;
  /** The clock timer of the timeout that applies now (queued timeout while queued, then the build's or sandbox's). */
  timeout?: ClockTimer;
  /** Set while waiting (queued, or a sandbox idle between commands): wakes it to notice a slot or a stop. */
  wake?: () => void;
  /** Holds one of the global and project slots (taken in acquire, given back in release). */
  slot: boolean;
  /** The reserved-capacity fleet the build runs on (its environment's fleetArn), if any. */
  fleetArn?: string;
  /** Holds one of that fleet's baseCapacity slots too (false: it overflowed to on-demand). */
  fleetSlot: boolean;
  shell?: BuildShell;
  done: Promise<void>;
}

/** Drydock is shutting down: the build or sandbox stays as it is (running) for the next start to settle. */
export class ShuttingDown extends Error {}

/** A run's key among everything a Drydock process runs: ids are unique per account and region only. */
export const runKey = (scope: Scope, id: string) => `${scope.account}/${scope.region}/${id}`;

/** A run (build or sandbox) not yet holding any slot, on its project's fleet if it has one; `finished` settles its `done`. */
export function newActive(scope: Scope, id: string, project: Project): { active: Active; finished: () => void } {
  let finished!: () => void;
  const active: Active = {
    scope,
    id,
    projectName: project.name!,
    slot: false,
    ...(project.environment?.fleet?.fleetArn !== undefined ? { fleetArn: project.environment.fleet.fleetArn } : {}),
    fleetSlot: false,
    done: new Promise((r) => (finished = r)),
  };
  return { active, finished };
}
/** Ends a build's or sandbox session's phase with `status`, as AWS reports it. */
export function finishPhase(
  phase: Pick<BuildPhase, 'startTime' | 'endTime' | 'durationInSeconds' | 'phaseStatus' | 'contexts'> & { phaseType?: string },
  now: Date,
  status: StatusType,
  contexts?: PhaseContext[],
): void {
  phase.endTime = now;
  phase.durationInSeconds = Math.max(0, Math.floor((now.getTime() - phase.startTime!.getTime()) / 1000));
  phase.phaseStatus = status;
  // AWS gives a phase that went well one empty context, except SUBMITTED and QUEUED, which have none.
  if (contexts) phase.contexts = contexts;
  else if (phase.phaseType !== 'SUBMITTED' && phase.phaseType !== 'QUEUED') phase.contexts = [{ statusCode: '', message: '' }];
}
