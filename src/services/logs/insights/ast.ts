/** The parsed form of a Logs Insights query: commands in pipe order, each with its expressions. */
import type { Value } from './values.js';

interface Node {
  /** The expression as written, which names an unaliased result column (`count(*)`, `bin(5m)`). */
  text: string;
  offset: number;
  end: number;
}

export type Expr =
  | (Node & { kind: 'field'; name: string })
  | (Node & { kind: 'literal'; value: Value })
  | (Node & { kind: 'regex'; source: string })
  | (Node & { kind: 'duration'; amount: number; unit: 'ms' | 'month' })
  | (Node & { kind: 'star' })
  | (Node & { kind: 'call'; name: string; args: Expr[] })
  | (Node & { kind: 'unary'; op: '-' | 'not'; operand: Expr })
  | (Node & { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr })
  /** `like` / `=~` (and `not like`): a substring when the pattern is a string, a regex when it is one. */
  | (Node & { kind: 'match'; negated: boolean; subject: Expr; pattern: Expr })
  | (Node & { kind: 'in'; negated: boolean; subject: Expr; items: Expr[] });

export type BinaryOp = 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '^';

/** An expression and the column it fills: its alias, else its text. */
export interface Named {
  expr: Expr;
  name: string;
}

export interface SortKey {
  expr: Expr;
  descending: boolean;
}

export type ParsePattern = { kind: 'glob'; pattern: string } | { kind: 'regex'; source: string };

export type Command =
  | { kind: 'fields'; items: Named[] }
  | { kind: 'display'; names: string[] }
  | { kind: 'filter'; expr: Expr }
  | { kind: 'stats'; items: Named[]; by: Named[] }
  | { kind: 'sort'; keys: SortKey[] }
  | { kind: 'limit'; count: number; any: boolean }
  | { kind: 'dedup'; names: string[] }
  | { kind: 'parse'; source: Expr; pattern: ParsePattern; names: string[] };

export interface Query {
  commands: Command[];
}
