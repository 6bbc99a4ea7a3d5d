/**
 * Term patterns: `ERROR Exception` (all must occur), `"exact phrase"`, `?ERROR ?WARN` (any of
 * them), `ERROR -DEBUG` (exclusion), `%regex%`. Matching is case-sensitive substring matching.
 * Unquoted terms are letters, digits and underscores: AWS refuses any other character unless the
 * term is quoted, naming the first one it meets.
 */
import { badTerm, compileRegex, readQuoted } from './syntax.js';

interface Term {
  mode: 'all' | 'any' | 'exclude';
  regex: boolean;
  test: (message: string) => boolean;
}

const TERM_CHARACTER = /[\p{L}\p{N}_]/u;

function readTerm(pattern: string, start: number): Omit<Term, 'mode'> & { end: number } {
  const c = pattern[start];
  if (c === '"') {
    const quoted = readQuoted(pattern, start);
    // An empty phrase, a phrase that never closes or one glued to more text is refused whole.
    if (!quoted?.value || (quoted.end < pattern.length && !/\s/.test(pattern[quoted.end]))) throw badTerm(pattern.slice(start).split(/\s/)[0]);
    const phrase = quoted.value;
    return { regex: false, test: (message) => message.includes(phrase), end: quoted.end };
  }
  if (c === '%') {
    const close = pattern.indexOf('%', start + 1);
    if (close < 0) throw badTerm(pattern.slice(start));
    const re = compileRegex(pattern.slice(start + 1, close));
    return { regex: true, test: (message) => re.test(message), end: close + 1 };
  }
  let end = start;
  while (end < pattern.length && !/\s/.test(pattern[end])) {
    if (!TERM_CHARACTER.test(pattern[end])) throw badTerm(pattern[end]);
    end++;
  }
  if (end === start) throw badTerm(pattern[start - 1] ?? '');
  const word = pattern.slice(start, end);
  return { regex: false, test: (message) => message.includes(word), end };
}

function parseTerms(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (/\s/.test(pattern[i])) {
      i++;
      continue;
    }
    let mode: Term['mode'] = 'all';
    if (pattern[i] === '?' || pattern[i] === '-') mode = pattern[i++] === '?' ? 'any' : 'exclude';
    const term = readTerm(pattern, i);
    terms.push({ mode, regex: term.regex, test: term.test });
    i = term.end;
  }
  return terms;
}

export function compileTerms(pattern: string): { hasRegex: boolean; matches: (message: string) => boolean } {
  const terms = parseTerms(pattern);
  const all = terms.filter((t) => t.mode === 'all');
  const any = terms.filter((t) => t.mode === 'any');
  const exclude = terms.filter((t) => t.mode === 'exclude');
  return {
    hasRegex: terms.some((t) => t.regex),
    matches: (message) => all.every((t) => t.test(message)) && (any.length === 0 || any.some((t) => t.test(message))) && !exclude.some((t) => t.test(message)),
  };
}
