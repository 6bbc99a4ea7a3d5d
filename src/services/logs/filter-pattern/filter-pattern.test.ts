import { describe, expect, it } from 'vitest';
import { FilterPatternError, parseFilterPattern, splitFields } from './index.js';

function matching(pattern: string, messages: string[]): string[] {
  const compiled = parseFilterPattern(pattern);
  return messages.filter((m) => compiled.matches(m));
}

/** The message AWS refuses a pattern with. */
function refusal(pattern: string): string {
  try {
    parseFilterPattern(pattern);
  } catch (err) {
    if (err instanceof FilterPatternError) return err.message;
    throw err;
  }
  throw new Error(`${pattern} was accepted`);
}

describe('term patterns', () => {
  const messages = ['[ERROR 400] BAD REQUEST', '[ERROR 401] UNAUTHORIZED REQUEST', '[WARN] slow ARGUMENTS', '[ERROR 419] MISSING ARGUMENTS', 'error lowercase', '[INFO] ok'];

  it('an empty or blank pattern matches everything', () => {
    expect(matching('', messages)).toEqual(messages);
    expect(matching('   ', messages)).toEqual(messages);
  });

  it('a single term is a case-sensitive substring', () => {
    expect(matching('ERROR', messages)).toEqual([messages[0], messages[1], messages[3]]);
    expect(matching('error', messages)).toEqual(['error lowercase']);
  });

  it('every plain term must occur', () => {
    expect(matching('ERROR ARGUMENTS', messages)).toEqual(['[ERROR 419] MISSING ARGUMENTS']);
  });

  it('?terms match any of them', () => {
    expect(matching('?ERROR ?ARGUMENTS', messages)).toEqual([messages[0], messages[1], messages[2], messages[3]]);
  });

  it('"quoted phrases" match exactly, spaces and punctuation included', () => {
    expect(matching('"BAD REQUEST"', messages)).toEqual(['[ERROR 400] BAD REQUEST']);
    expect(matching('"[ERROR 401]"', messages)).toEqual(['[ERROR 401] UNAUTHORIZED REQUEST']);
    expect(matching('"say \\"hi\\""', ['they say "hi"', 'say hi'])).toEqual(['they say "hi"']);
  });

  it('-terms exclude', () => {
    expect(matching('ERROR -ARGUMENTS', messages)).toEqual([messages[0], messages[1]]);
    expect(matching('ERROR -"BAD REQUEST"', messages)).toEqual([messages[1], messages[3]]);
  });

  it('%regex% matches anywhere unless anchored', () => {
    expect(matching('%ERROR 40[01]%', messages)).toEqual([messages[0], messages[1]]);
    expect(matching('%^error%', messages)).toEqual(['error lowercase']);
    expect(matching('%AUTHORIZED%', messages)).toEqual([messages[1]]);
  });

  it('regexes with parentheses or unsupported characters are invalid', () => {
    expect(() => parseFilterPattern('%(a|b)%')).toThrow(FilterPatternError);
    expect(() => parseFilterPattern('%something!%')).toThrow(FilterPatternError);
  });

  it('an unterminated quote is invalid', () => {
    expect(() => parseFilterPattern('"open')).toThrow(FilterPatternError);
  });
});

describe('JSON patterns', () => {
  const events = [
    JSON.stringify({ level: 'ERROR', code: 404, latency: 120, user: { id: 1, name: 'ana' }, tags: ['a', 'b'], ok: false, gone: null }),
    JSON.stringify({ level: 'INFO', code: 200, latency: 900, user: { id: 2, name: 'bo' }, tags: ['c'], ok: true, x: 'y' }),
    JSON.stringify({ level: 'WARN', code: 503, latency: 501.5, user: { id: 3 }, tags: [], ok: true, x: 'z', ip: '10.1.2.3' }),
    'not json at all',
    '{"truncated": ',
  ];

  it('string equality and inequality', () => {
    expect(matching('{ $.level = "ERROR" }', events)).toEqual([events[0]]);
    expect(matching('{ $.level = ERROR }', events)).toEqual([events[0]]);
    // != needs the field to exist.
    expect(matching('{ $.x != "y" }', events)).toEqual([events[2]]);
  });

  it('wildcards in string values, quoted or not, also against numbers', () => {
    expect(matching('{ $.level = "*RN" }', events)).toEqual([events[2]]);
    expect(matching('{ $.code = 4* }', events)).toEqual([events[0]]);
    expect(matching('{ $.ip = 10.1.* }', events)).toEqual([events[2]]);
  });

  it('numeric comparisons', () => {
    expect(matching('{ $.latency > 500 }', events)).toEqual([events[1], events[2]]);
    expect(matching('{ $.latency >= 900 }', events)).toEqual([events[1]]);
    expect(matching('{ $.latency < 200 }', events)).toEqual([events[0]]);
    expect(matching('{ $.latency <= 501.5 }', events)).toEqual([events[0], events[2]]);
    expect(matching('{ $.code = 200 }', events)).toEqual([events[1]]);
    expect(matching('{ $.code != 200 }', events)).toEqual([events[0], events[2]]);
    expect(matching('{ $.latency > 1e2 }', events)).toEqual(events.slice(0, 3));
  });

  it('|| and && with parentheses', () => {
    expect(matching('{ ($.code = 4*) || ($.latency > 500) }', events)).toEqual(events.slice(0, 3));
    expect(matching('{ $.level = "WARN" && $.latency > 500 }', events)).toEqual([events[2]]);
    expect(matching('{ ($.level = "INFO" || $.level = "WARN") && $.user.id = 3 }', events)).toEqual([events[2]]);
  });

  it('nested and array selectors', () => {
    expect(matching('{ $.user.name = "bo" }', events)).toEqual([events[1]]);
    expect(matching('{ $.tags[0] = "a" && $.x != "y" }', events)).toEqual([]);
    expect(matching('{ $.tags[1] = "b" }', events)).toEqual([events[0]]);
    expect(matching('{ $.tags[0] = 1 && $.level != "z" }', [JSON.stringify({ tags: [1], level: 'a' })])).toHaveLength(1);
  });

  it('a lone * tests that a field exists, whatever its type', () => {
    expect(matching('{ $.x = "*" }', events)).toEqual([events[1], events[2]]);
    expect(matching('{ $.ok = * }', events)).toEqual(events.slice(0, 3));
    expect(matching('{ $.user = * && $.gone = * }', events)).toEqual([events[0]]);
  });

  it('IS TRUE / IS FALSE / IS NULL / NOT EXISTS', () => {
    expect(matching('{ $.ok IS TRUE }', events)).toEqual([events[1], events[2]]);
    expect(matching('{ $.ok IS FALSE }', events)).toEqual([events[0]]);
    expect(matching('{ $.gone IS NULL }', events)).toEqual([events[0]]);
    expect(matching('{ $.x NOT EXISTS }', events.slice(0, 3))).toEqual([events[0]]);
    expect(matching('{ $.user.name NOT EXISTS }', events.slice(0, 3))).toEqual([events[2]]);
  });

  it('a value of the wrong type never matches', () => {
    expect(matching('{ $.user = "x" }', events)).toEqual([]);
    expect(matching('{ $.level > 3 }', events)).toEqual([]);
  });

  it('regex values', () => {
    expect(() => parseFilterPattern('{ $.level = %^(?:E|W)% }')).toThrow(FilterPatternError);
    expect(matching('{ $.level = %^[EW]% }', events)).toEqual([events[0], events[2]]);
  });

  it('non-JSON messages never match a JSON pattern', () => {
    expect(matching('{ $.level NOT EXISTS }', ['not json at all', '{"truncated": '])).toEqual([]);
  });

  it('syntax errors are FilterPatternError', () => {
    for (const bad of ['{ $.level = }', '{ level = "x" }', '{ $.a = 1', '{ $.a > "x" }', '{ $.a IS MAYBE }', '{ $.a = 1 && }', '{ ($.a = 1 }', '{ }']) {
      expect(() => parseFilterPattern(bad), bad).toThrow(FilterPatternError);
    }
  });
});

describe('space-delimited patterns', () => {
  const access = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /index.html HTTP/1.0" 404 1500',
    '10.0.0.9 - - [10/Oct/2000:13:50:35 -0700] "POST /login HTTP/1.0" 410 100',
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /big.html HTTP/1.0" 200 5000',
  ];

  it('splits quoted and bracketed fields as one', () => {
    expect(splitFields(access[0])).toEqual(['127.0.0.1', '-', 'frank', '10/Oct/2000:13:25:15 -0700', 'GET /apache_pb.gif HTTP/1.0', '200', '1534']);
  });

  it('names every field; the field count must match', () => {
    expect(matching('[ip, user, username, timestamp, request, status_code, bytes]', access)).toEqual(access);
    expect(matching('[ip, user, username, timestamp, request, status_code]', access)).toEqual([]);
  });

  it('conditions on fields, with wildcards', () => {
    expect(matching('[ip, user, username, timestamp, request, status_code = 4*, bytes]', access)).toEqual([access[1], access[2]]);
    expect(matching('[ip, user, username, timestamp, request = "*html*", status_code, bytes]', access)).toEqual([access[1], access[3]]);
    expect(matching('[ip = 10.*, ...]', access)).toEqual([access[2]]);
  });

  it('... stands for any number of fields', () => {
    expect(matching('[..., status_code = 200, bytes > 1000]', access)).toEqual([access[0], access[3]]);
    expect(matching('[ip, user, ..., status_code = 404 || status_code = 410, bytes]', access)).toEqual([access[1], access[2]]);
    expect(matching('[ip, ..., bytes < 200]', access)).toEqual([access[2]]);
    expect(matching('[...]', access)).toEqual(access);
  });

  it('numeric comparisons and !=', () => {
    expect(matching('[..., status_code != 200, bytes >= 1500]', access)).toEqual([access[1]]);
    expect(matching('[w1 = ERROR, w2]', ['ERROR disk', 'INFO disk', 'ERROR disk full'])).toEqual(['ERROR disk']);
  });

  it('regex field values', () => {
    expect(matching('[..., request = %login%, status_code, bytes]', access)).toEqual([access[2]]);
  });

  it('many ellipses stay fast on long messages', () => {
    const pattern = `[${Array.from({ length: 40 }, () => '...').join(', ')}, last = END]`;
    const message = `${Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ')} NOPE`;
    const started = performance.now();
    expect(matching(pattern, [message, 'a b END'])).toEqual(['a b END']);
    // Backtracking would take minutes; a generous bound keeps this a behaviour check, not a timing test.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('syntax errors are FilterPatternError', () => {
    for (const bad of ['[a, b', '[a = ]', '[a > x]', '[a,, b]']) {
      expect(() => parseFilterPattern(bad), bad).toThrow(FilterPatternError);
    }
  });
});

describe("AWS's refusals", () => {
  it('unquoted terms hold letters, digits and underscores: AWS names the first other character', () => {
    expect(refusal('Key:')).toBe("Invalid character(s) in term ':'");
    expect(refusal('?Status: timeout')).toBe("Invalid character(s) in term ':'");
    expect(refusal('PlayerSpawnedInWorld (reason')).toBe("Invalid character(s) in term '('");
    expect(refusal('"retrievedReferences":[]')).toBe('Invalid character(s) in term \'"retrievedReferences":[]\'');
    expect(refusal('level\\":\\"error')).toBe("Invalid character(s) in term '\\'");
    expect(refusal('fields @timestamp')).toBe("Invalid character(s) in term '@'");
    expect(refusal('`ERROR')).toBe("Invalid character(s) in term '`'");
    expect(refusal('""')).toBe('Invalid character(s) in term \'""\'');
    expect(matching('"Key:" ?"a-b" ?"c.d" ERROR_1', ['Key: a-b ERROR_1', 'Key: c.d ERROR_1', 'Key: ERROR_1', 'a-b ERROR_1'])).toEqual(['Key: a-b ERROR_1', 'Key: c.d ERROR_1']);
  });

  it('JSON patterns: commas, quoted selectors and non-numbers compared by size', () => {
    expect(refusal('{ $.message = "error-response", $.path = "/authenticate" }')).toBe("Invalid character(s) in term ','");
    expect(refusal('{ $."sc-status" = 5* }')).toBe("Invalid character(s) in term '$.\"'");
    expect(refusal('{ $.someInt >= "123" }')).toBe('Invalid character(s) in term \'"123"\'');
    expect(refusal('{ $.someString > unquoted_string }')).toBe('Invalid character(s) in term \'"unquoted_string"\'');
    expect(refusal('{ $.a = }')).toBe("Invalid character(s) in term '}'");
    expect(refusal('{ $.a = 1 ')).toBe("If a filter pattern starts with '{' it must end with '}'");
    expect(matching('{ $.detail-type = "Scheduled Event" }', ['{"detail-type":"Scheduled Event"}'])).toHaveLength(1);
  });

  it('space-delimited patterns: field names are words', () => {
    expect(refusal('[...fields, status=FAILED]')).toBe("Invalid character(s) in term '...fields'");
    expect(refusal('[a, b')).toBe("If a filter pattern starts with '[' it must end with ']'");
    expect(refusal('[a = 1 || b = 2]')).toBe("Invalid character(s) in term 'b'");
  });

  it('at most two regular expressions in a JSON or space-delimited pattern', () => {
    expect(parseFilterPattern('{ $.a = %x% || $.b = %y% }').hasRegex).toBe(true);
    expect(() => parseFilterPattern('{ $.a = %x% || $.b = %y% || $.c = %z% }')).toThrow(FilterPatternError);
  });
});

describe('comparisons with values that are not scalars', () => {
  // Observed on AWS with TestMetricFilter: an object compares neither equal nor unequal.
  const event = JSON.stringify({ someObject: {}, someArray: [], someInt: 123, someString: '111.111.111.111' });

  it('!= is false for objects, arrays and missing fields', () => {
    for (const pattern of ['{ $.someObject != 123 }', '{ $.someObject != "123" }', '{ $.someArray != "x" }', '{ $.missing != 1 }', '{ $.someObject > 123 }']) {
      expect(matching(pattern, [event]), pattern).toEqual([]);
    }
  });

  it('numbers and number-like strings', () => {
    for (const pattern of ['{ $.someInt = "123" }', '{ $.someInt != "123.0" }', '{ $.someInt = 123.0 }', '{ $.someString != 111 }', '{ $.someString = 111.111.* }']) {
      expect(matching(pattern, [event]), pattern).toEqual([event]);
    }
    expect(matching('{ $.someString > 123 }', [event])).toEqual([]);
  });
});

describe('what a pattern extracts (TestMetricFilter, metric values, dimensions)', () => {
  const line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534';

  it('space-delimited patterns extract their named fields as $name', () => {
    const pattern = parseFilterPattern('[ip, identity, user_id, timestamp, request, status_code, size]');
    expect(pattern.extract(line)).toEqual({
      $ip: '127.0.0.1',
      $identity: '-',
      $user_id: 'frank',
      $timestamp: '10/Oct/2000:13:25:15 -0700',
      $request: 'GET /apache_pb.gif HTTP/1.0',
      $status_code: '200',
      $size: '1534',
    });
    expect(parseFilterPattern('[ip, ..., status = 200, bytes]').extract(line)).toEqual({ $ip: '127.0.0.1', $status: '200', $bytes: '1534' });
    expect(pattern.extract('too short')).toBeUndefined();
    expect(pattern.declares('$size')).toBe(true);
    expect(pattern.declares('$bytes')).toBe(false);
  });

  it('JSON patterns declare any selector; the other kinds none', () => {
    expect(parseFilterPattern('{ $.latency = * }').declares('$.user.id')).toBe(true);
    expect(parseFilterPattern('{ $.latency = * }').declares('$latency')).toBe(false);
    expect(parseFilterPattern('ERROR').declares('$.latency')).toBe(false);
    expect(parseFilterPattern('ERROR').extract('an ERROR')).toEqual({});
    expect(parseFilterPattern('').kind).toBe('match-all');
  });
});
