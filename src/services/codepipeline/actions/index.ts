/** Every built-in action type Drydock runs, by `<category>/<owner>/<provider>/<version>`. Adding one: see actions/types.ts. */
import type { ActionProvider } from './types.js';

/** The providers' files add themselves here, one line each. */
const PROVIDERS: ActionProvider[] = [];

export const ACTION_PROVIDERS: ReadonlyMap<string, ActionProvider> = new Map(
  PROVIDERS.map((p) => [`${p.typeId.category}/${p.typeId.owner}/${p.typeId.provider}/${p.typeId.version}`, p]),
);
