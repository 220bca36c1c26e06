import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SkuSchema } from './inventory';
import './messages';

const messagesOf = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.message);
};

describe('client-facing validation messages', () => {
  it('say what a field must be, never what the validator received', () => {
    const schema = z.strictObject({
      sku: z.string().min(1).max(5),
      quantity: z.number().int().min(1),
      items: z.array(z.string()).min(1).max(2),
      kind: z.enum(['a', 'b']),
      flag: z.boolean(),
    });
    const cases: Array<[unknown, string[]]> = [
      [{ sku: 42 }, ['must be a string']],
      [{ sku: '' }, ['must not be empty']],
      [{ sku: 'toolong' }, ['must have at most 5 characters']],
      [{ quantity: 1.5 }, ['must be an integer']],
      [{ quantity: 0 }, ['must be at least 1']],
      [{ items: [] }, ['must have at least one item']],
      [{ items: ['a', 'b', 'c'] }, ['must have at most 2 items']],
      [{ kind: 'constructor' }, ['must be one of "a", "b"']],
      [{ flag: 'yes' }, ['must be true or false']],
      [{ __proto__: 1, roles: ['admin'] }, ['unknown field: "roles"']],
    ];
    for (const [input, expected] of cases) {
      const messages = messagesOf(schema.partial(), input);
      expect(messages, JSON.stringify(input)).toEqual(expected);
    }
    expect(messagesOf(schema, {})).toContain('is required');
    expect(messagesOf(schema, Object.prototype)).not.toEqual([]);
    // What a prototype lookup once handed the validator: a function, NaN.
    const internals = messagesOf(schema, { sku: () => 1, quantity: Number.NaN });
    expect(internals[0]).toBe('must be a string');
    for (const message of internals) {
      expect(message).not.toMatch(/received|expected|Invalid input|function/);
    }
  });

  it("keep a schema's own message", () => {
    expect(messagesOf(SkuSchema, 'has space')).toEqual([
      'must be a SKU: letters, digits, ".", "_" or "-", starting with a letter or digit',
    ]);
  });
});
