import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBoolean } from './boolean.js';

describe('parseBoolean (Go strconv.ParseBool)', () => {
  it.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('reads %j as true', (v) => expect(parseBoolean(v)).toBe(true));
  it.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('reads %j as false', (v) => expect(parseBoolean(v)).toBe(false));
  it.each(['', 'yes', 'no', 'on', 'tRUE', ' true', 'true ', '2', 'y'])('refuses %j with PROCESS_KIT_ERR_BOOLEAN', (v) =>
    expect(() => parseBoolean(v, '--x')).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_BOOLEAN' })),
  );
  it('accepts exactly the twelve spellings, nothing else', () => {
    const spellings = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), (s) => {
        let ok = true;
        try {
          parseBoolean(s);
        } catch {
          ok = false;
        }
        return ok === spellings.has(s);
      }),
    );
  });
});
