/** The Build/Test CodeBuild, Approval Manual and Invoke Lambda action providers. */
import type { ActionProvider } from './types.js';

export const RUNNER_ACTIONS: ActionProvider[] = [];
