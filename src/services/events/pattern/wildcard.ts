/**
 * Wildcard values (`{"wildcard": "dir/*.png"}`): `*` stands for any run of characters (none
 * included), `\*` for a literal star and `\\` for a backslash. AWS refuses two stars in a row and
 * patterns it deems too complex to evaluate quickly.
 */
import { PatternError } from './json-reader.js';

/**
 * EventBridge refuses wildcard patterns whose matching could explode; its exact complexity measure
 * is not published, so Drydock refuses more than this many wildcards in one value.
 */
const MAX_WILDCARDS = 5;

export function compileWildcard(text: string): RegExp {
  let source = '';
  let stars = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      const next = text[i + 1];
      // Positions count from the opening quote of the value, as AWS's parser sees it.
      if (next !== '*' && next !== '\\') throw new PatternError(`Invalid escape character at pos ${i + 1}`);
      source += `\\${next}`;
      i++;
    } else if (ch === '*') {
      if (text[i + 1] === '*') throw new PatternError(`Consecutive wildcard characters at pos ${i + 1}`);
      stars++;
      source += '[\\s\\S]*';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  if (stars > MAX_WILDCARDS) {
    throw new PatternError('Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character');
  }
  return new RegExp(`^${source}$`);
}
