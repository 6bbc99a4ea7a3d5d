/**
 * CloudWatch Logs filter patterns (metric filters, subscription filters, FilterLogEvents,
 * TestMetricFilter), compiled once: the four documented forms are terms (terms.ts), JSON (json.ts),
 * space-delimited (delimited.ts) and a regex alone (`%ERROR [0-9]+%`); regexes may also be values
 * in the other forms. An empty (or blank) pattern matches every event. Syntax errors are
 * FilterPatternError with AWS's message.
 */
import { compileDelimited } from './delimited.js';
import { compileJson, selectorSteps } from './json.js';
import { Cursor, compileRegex, FilterPatternError, tokenize } from './syntax.js';
import { compileTerms } from './terms.js';

export { splitFields } from './delimited.js';
export { FilterPatternError } from './syntax.js';

export interface FilterPattern {
  /** JSON and space-delimited patterns name values (`$.a.b`, `$field`); the others name none. */
  kind: 'match-all' | 'terms' | 'regex' | 'json' | 'delimited';
  /** Whether the pattern uses a regular expression (AWS limits such patterns per log group). */
  hasRegex: boolean;
  matches(message: string): boolean;
  /**
   * The values a matching message gives the pattern's named fields (`$field` → text, for
   * space-delimited patterns), or undefined when the message does not match.
   */
  extract(message: string): Record<string, string> | undefined;
  /** Whether a metric value or dimension (`$.a.b`, `$field`) names something this pattern extracts. */
  declares(selector: string): boolean;
}

function unbalanced(open: string, close: string): FilterPatternError {
  return new FilterPatternError(`If a filter pattern starts with '${open}' it must end with '${close}'`);
}

/** A pattern that only matches or not: it extracts nothing. */
function plain(kind: FilterPattern['kind'], hasRegex: boolean, matches: (message: string) => boolean): FilterPattern {
  return { kind, hasRegex, matches, extract: (message) => (matches(message) ? {} : undefined), declares: () => false };
}

/** Compiles a filter pattern; throws FilterPatternError when AWS would refuse it. */
export function parseFilterPattern(pattern: string): FilterPattern {
  const text = pattern.trim();
  if (!text) return plain('match-all', false, () => true);
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw unbalanced('{', '}');
    const body = text.slice(1, -1);
    const cursor = new Cursor(body, tokenize(body), '}');
    const json = plain('json', false, compileJson(cursor));
    return { ...json, hasRegex: cursor.regexes > 0, declares: (selector) => selector.startsWith('$.') && selectorSteps(selector) !== undefined };
  }
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw unbalanced('[', ']');
    const body = text.slice(1, -1);
    const cursor = new Cursor(body, tokenize(body), ']');
    const delimited = compileDelimited(cursor);
    return {
      kind: 'delimited',
      hasRegex: cursor.regexes > 0,
      matches: (message) => delimited.extract(message) !== undefined,
      extract: (message) => delimited.extract(message),
      declares: (selector) => selector.startsWith('$') && delimited.names.has(selector.slice(1)),
    };
  }
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%') && text.indexOf('%', 1) === text.length - 1) {
    const re = compileRegex(text.slice(1, -1));
    return plain('regex', true, (message) => re.test(message));
  }
  const terms = compileTerms(text);
  return plain('terms', terms.hasRegex, terms.matches);
}
