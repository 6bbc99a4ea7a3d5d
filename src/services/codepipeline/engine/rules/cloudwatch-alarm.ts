/**
 * Rule/AWS/CloudWatchAlarm/1: AWS checks a CloudWatch alarm's state. Drydock serves no CloudWatch
 * alarms, so the rule is valid structure (as AWS accepts it) but never passes: it fails saying so.
 */
import { ActionFailure } from '../../actions/types.js';
import type { RuleProvider } from './types.js';

const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

export const cloudWatchAlarm: RuleProvider = {
  provider: 'CloudWatchAlarm',
  configurationProperties: [
    { name: 'AlarmName', required: true, key: true, secret: false, description: 'The name of the CloudWatch alarm.' },
    { name: 'AlarmStates', required: false, key: false, secret: false, description: 'The alarm states for the rule to monitor: ALARM, OK and INSUFFICIENT_DATA.' },
    { name: 'WaitTime', required: false, key: false, secret: false, description: 'The wait time in minutes to allow for a state change before running the rule result.' },
  ],
  validate(configuration) {
    const states = configuration.AlarmStates?.split(',').map((state) => state.trim());
    const unknown = states?.find((state) => !ALARM_STATES.includes(state));
    if (unknown !== undefined) return `AlarmStates value '${unknown}' is not valid: it must be one of ${ALARM_STATES.join(', ')}`;
    const wait = configuration.WaitTime;
    if (wait !== undefined && !/^\d+$/.test(wait)) return `WaitTime '${wait}' is not valid: it must be a whole number of minutes`;
    return undefined;
  },
  async evaluate(ctx) {
    throw new ActionFailure(
      `Drydock has no CloudWatch alarms: the CloudWatchAlarm rule cannot read the state of alarm '${ctx.configuration.AlarmName}', so it fails rather than pass unchecked`,
      'ConfigurationError',
    );
  },
};
