/** Every built-in action type Drydock runs, by `<category>/<owner>/<provider>/<version>`. Adding one: see actions/types.ts. */
import { DEPLOY_ACTIONS } from './deployers.js';
import { RUNNER_ACTIONS } from './runners.js';
import { SOURCE_ACTIONS } from './sources.js';
import type { ActionProvider, ActionTypeId } from './types.js';

export const actionTypeKey = (id: ActionTypeId): string => `${id.category}/${id.owner}/${id.provider}/${id.version}`;

export const ACTION_PROVIDERS: ReadonlyMap<string, ActionProvider> = new Map([...SOURCE_ACTIONS, ...RUNNER_ACTIONS, ...DEPLOY_ACTIONS].map((p) => [actionTypeKey(p.typeId), p]));
