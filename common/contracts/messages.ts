/**
 * What a client reads when its input fails a schema: the project's own
 * message per field ("must be a string", "must have at most 50 items"),
 * never the validator's wording. Zod's defaults describe its internals
 * ("Invalid input: expected object, received function" says what a lookup
 * found, not what the client sent), so every worker installs this map once,
 * when any contract module loads. A schema's own message (`.regex(re, "…")`)
 * still wins over it.
 */
import { type core, z } from 'zod';

/** How many allowed values or unknown keys a message lists before it stops. */
const LISTED_MAX = 8;
/** Client-chosen text (an unknown key) is quoted at most this long. */
const QUOTED_MAX = 40;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  tuple: 'a list',
  null: 'null',
  date: 'a date',
  bigint: 'an integer',
};

const quote = (text: string) =>
  JSON.stringify(text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX)}…` : text);

function listed(values: readonly unknown[]): string {
  const shown = values.slice(0, LISTED_MAX).map((v) => JSON.stringify(v));
  return values.length > LISTED_MAX ? `${shown.join(', ')}, …` : shown.join(', ');
}

function typeName(expected: string): string {
  return Object.hasOwn(TYPE_NAMES, expected) ? (TYPE_NAMES[expected] ?? 'valid') : 'valid';
}

function sizeMessage(
  origin: string,
  bound: number | bigint,
  kind: 'least' | 'most',
  inclusive: boolean,
): string {
  const n = Number(bound);
  if (origin === 'string') {
    if (kind === 'least' && n === 1) return 'must not be empty';
    return `must have at ${kind} ${n} character${n === 1 ? '' : 's'}`;
  }
  if (origin === 'array' || origin === 'set') {
    if (kind === 'least' && n === 1) return 'must have at least one item';
    return `must have at ${kind} ${n} item${n === 1 ? '' : 's'}`;
  }
  if (inclusive) return `must be at ${kind} ${n}`;
  return `must be ${kind === 'least' ? 'greater' : 'less'} than ${n}`;
}

/** The message for one issue, from its code and parameters only (never the received value). */
export function clientMessage(issue: core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${typeName(issue.expected)}`;
    case 'too_small':
      return sizeMessage(issue.origin, issue.minimum, 'least', issue.inclusive !== false);
    case 'too_big':
      return sizeMessage(issue.origin, issue.maximum, 'most', issue.inclusive !== false);
    case 'invalid_format':
      return issue.format === 'regex' ? 'has an invalid format' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'}: ${issue.keys
        .slice(0, LISTED_MAX)
        .map(quote)
        .join(', ')}`;
    case 'invalid_union':
      return issue.discriminator
        ? `has an unknown "${issue.discriminator}"`
        : 'matches none of the allowed forms';
    case 'invalid_value':
      return `must be one of ${listed(issue.values)}`;
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    default:
      return 'is not valid';
  }
}

z.config({ customError: clientMessage });
