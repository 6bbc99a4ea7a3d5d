/** The rule providers Drydock runs, by provider name, and AWS's rule types it accepts without running them. */
import { cloudWatchAlarm } from './cloudwatch-alarm.js';
import { deploymentWindow } from './deployment-window.js';
import { lambdaInvoke } from './lambda-invoke.js';
import type { RuleProvider } from './types.js';
import { variableCheck } from './variable-check.js';

export const RULE_PROVIDERS = new Map<string, RuleProvider>([cloudWatchAlarm, deploymentWindow, lambdaInvoke, variableCheck].map((p) => [p.provider, p]));

/** AWS's rule types (version 1) Drydock has no provider for: valid structure, as AWS accepts them; they fail when they run. */
export const AWS_RULES_WITHOUT_PROVIDER = new Set(['CodeBuild', 'Commands']);
