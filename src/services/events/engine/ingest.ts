/**
 * Events Drydock's own services publish (CodeCommit, CodeBuild, SSM, KMS, S3 …) reach the default
 * bus of their account and Region through a durable subscription to the core event bus: a
 * delivery row is written with the change that caused the event, and routing it here writes the
 * target deliveries. Routing records the event id in the same transaction, so an event handed over
 * again after a crash (redelivered) is not routed twice.
 */
import { busArn, DEFAULT_BUS, type EventsContext } from '../common.js';
import { matchingRules, routeEvent } from './router.js';

const DAY_MS = 86_400_000;
/** Routing records older than a day are pruned every this many routed events. */
const PRUNE_EVERY = 1_000;

export function subscribeToServiceEvents(c: EventsContext): void {
  let routed = 0;
  c.rt.events.subscribeDurable(
    'events-default-bus',
    async (event) => {
      const scope = { account: event.account, region: event.region };
      const now = c.rt.clock.now();
      c.store.tx(() => {
        if (!c.store.markRouted(event.id, busArn(scope, DEFAULT_BUS), now)) return;
        routeEvent(c, scope, DEFAULT_BUS, event);
        if (++routed % PRUNE_EVERY === 0) c.store.pruneRouted(now - DAY_MS);
      });
    },
    {
      // Only events a rule or archive of the default bus takes get a delivery row at all.
      filter: (event) => {
        const scope = { account: event.account, region: event.region };
        if (!c.index.listens(scope, DEFAULT_BUS, busArn(scope, DEFAULT_BUS))) return false;
        return c.index.get(scope, DEFAULT_BUS, busArn(scope, DEFAULT_BUS)).archives.length > 0 || matchingRules(c, scope, DEFAULT_BUS, event).length > 0;
      },
      concurrency: 4,
    },
  );
}
