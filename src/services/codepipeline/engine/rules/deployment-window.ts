/**
 * Rule/AWS/DeploymentWindow/1: passes once the deployment window (`Cron`, in `TimeZone`, UTC by
 * default) is open. Outside it the rule stays InProgress and waits on the server's clock for the
 * window's next opening, so a time warp (`POST /_drydock/time`) lets it through like real time.
 */
import { ActionFailure } from '../../actions/types.js';
import { nextOpening, parseCron, validTimeZone, windowOpen } from './cron.js';
import type { RuleProvider } from './types.js';

export const deploymentWindow: RuleProvider = {
  provider: 'DeploymentWindow',
  configurationProperties: [
    { name: 'Cron', required: true, key: true, secret: false, description: 'The expression that defines the days and times when the deployment will be allowed.' },
    { name: 'TimeZone', required: false, key: false, secret: false, description: 'The time zone of the deployment window; UTC when absent.' },
  ],
  validate(configuration) {
    try {
      if (configuration.Cron !== undefined) parseCron(configuration.Cron);
    } catch (err) {
      return `Cron is not valid: ${(err as Error).message}`;
    }
    const zone = configuration.TimeZone;
    if (zone !== undefined && !validTimeZone(zone)) return `TimeZone '${zone}' is not a valid time zone`;
    return undefined;
  },
  async evaluate(ctx) {
    const expression = ctx.configuration.Cron ?? '';
    const zone = ctx.configuration.TimeZone ?? 'UTC';
    let cron: ReturnType<typeof parseCron>;
    try {
      cron = parseCron(expression);
    } catch (err) {
      throw new ActionFailure(`Cron is not valid: ${(err as Error).message}`, 'ConfigurationError');
    }
    for (;;) {
      const now = ctx.clock.now();
      if (windowOpen(cron, zone, now)) return { summary: `The deployment window '${expression}' (${zone}) is open` };
      const opening = nextOpening(cron, zone, now);
      if (opening === undefined) throw new ActionFailure(`The deployment window '${expression}' (${zone}) never opens again`);
      await ctx.clock.sleepUntil(opening, ctx.signal);
    }
  },
};
