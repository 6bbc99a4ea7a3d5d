/** Expiration policies: a delayed job on the core queue deletes the parameter at its time. */
import type { Scope } from '../../core/accounts.js';
import { publishChange, type SsmContext } from './common.js';
import { expirationTime, type ParameterPolicy } from './policies.js';

export const EXPIRE_JOB = 'ssm.expire-parameter';

interface ExpireJob extends Scope {
  nameKey: string;
  /** The Expiration timestamp (epoch ms) that scheduled the job. */
  at: number;
}

/** Schedules the deletion an Expiration policy asks for (inside the write's transaction). */
export function scheduleExpiry(c: SsmContext, scope: Scope, nameKey: string, expiresAt: number, now: number): void {
  c.rt.jobs.enqueue(EXPIRE_JOB, { account: scope.account, region: scope.region, nameKey, at: expiresAt } satisfies ExpireJob, expiresAt - now);
}

/** Deletes an expired parameter, if it still carries the policy that scheduled the job. */
export function expireParameter(c: SsmContext, job: ExpireJob): void {
  const { store } = c;
  const { account, region, nameKey: key, at } = job;
  store.tx(() => {
    const current = store.current(account, region, key);
    // Only if the parameter still carries the policy that scheduled this job (it may have been
    // replaced, removed, or the parameter deleted and recreated since).
    const due = current?.policies ? expirationTime(JSON.parse(current.policies) as ParameterPolicy[]) : undefined;
    if (!current || due !== at) return;
    store.deleteParameter(account, region, key);
    publishChange(c, { account, region }, current.name, current.type, 'Delete');
  });
}

export function registerExpiry(c: SsmContext): void {
  c.rt.jobs.register(EXPIRE_JOB, async (job) => expireParameter(c, job.payload as ExpireJob));
}
