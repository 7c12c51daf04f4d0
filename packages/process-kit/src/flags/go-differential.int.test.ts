import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGoOracle } from '../testing/go-oracle.js';
import type { GoAnswer } from '../testing/go-oracle.js';
import { parseBoolean } from './boolean.js';
import { parseGoDuration } from './duration.js';
import { splitHostPort } from './host-port.js';

// Differential tests: the same generated inputs go to our parsers and to Go's standard library
// (time.ParseDuration, net.SplitHostPort, strconv.ParseBool, built from source now); the answers
// must be identical. A disagreement found here becomes a named case in the unit tables.
let oracle: ReturnType<typeof buildGoOracle>;
beforeAll(() => {
  oracle = buildGoOracle();
}, 120_000);

const ours = {
  duration: (s: string): GoAnswer => {
    try {
      return { ok: true, ns: parseGoDuration(s).toString() };
    } catch {
      return { ok: false, ns: '0' };
    }
  },
  splithostport: (s: string): GoAnswer => {
    try {
      return { ok: true, ...splitHostPort(s) };
    } catch {
      return { ok: false };
    }
  },
  parsebool: (s: string): GoAnswer => {
    try {
      return { ok: true, bool: parseBoolean(s) };
    } catch {
      return { ok: false };
    }
  },
};

/** Go omits empty fields; compare on a normal form. */
const norm = (a: GoAnswer) => ({ ok: a.ok, ns: a.ok ? (a.ns ?? '0') : undefined, host: a.ok ? (a.host ?? '') : undefined, port: a.ok ? (a.port ?? '') : undefined, bool: a.ok ? (a.bool ?? false) : undefined });

function agree(fn: 'duration' | 'splithostport' | 'parsebool', inputs: string[]): void {
  const go = oracle(fn, inputs);
  const mismatches = inputs.map((input, i) => ({ input, go: norm(go[i] as GoAnswer), ours: norm(ours[fn](input)) })).filter((m) => JSON.stringify(m.go) !== JSON.stringify(m.ours));
  expect(mismatches).toEqual([]);
  // The generators must exercise both sides of the grammar, or agreement would prove little.
  const accepted = go.filter((a) => a.ok).length;
  expect(accepted).toBeGreaterThan(inputs.length * 0.05);
  expect(inputs.length - accepted).toBeGreaterThan(inputs.length * 0.05);
}

const digits = fc.stringMatching(/^[0-9]{0,22}$/);
const unit = fc.constantFrom('ns', 'us', '\u00b5s', '\u03bcs', 'ms', 's', 'm', 'h', '', 'd', 'S', 'x', 'mss');
const component = fc.tuple(digits, fc.option(digits), unit).map(([i, f, u]) => `${i}${f === null ? '' : `.${f}`}${u}`);
const duration = fc.oneof(
  fc.tuple(fc.constantFrom('', '-', '+'), fc.array(component, { minLength: 0, maxLength: 4 })).map(([sign, parts]) => sign + parts.join('')),
  fc.string({ unit: fc.constantFrom('0', '1', '9', '.', 'h', 'm', 's', 'n', 'u', '-', '+', ' ', '\u00b5'), maxLength: 12 }),
);

const hostPart = fc.string({ unit: fc.constantFrom('a', '1', ':', '.', '[', ']', '%', 'f', 'e', '8', '0', ' '), maxLength: 10 });
const hostPort = fc.oneof(
  hostPart,
  fc.tuple(hostPart, fc.constantFrom(':', ''), fc.stringMatching(/^[0-9a-z]{0,5}$/)).map(([h, c, p]) => h + c + p),
  fc.tuple(fc.constantFrom('::1', '1.2.3.4', 'fe80::1%lo0', 'localhost', '', 'a:b'), fc.constantFrom('[', ''), fc.constantFrom(']', ''), fc.constantFrom(':80', ':', '', ':80:1', 'x:80')).map(([h, o, c, p]) => o + h + c + p),
);

describe('Go differential', () => {
  it('parseGoDuration agrees with Go time.ParseDuration on 4000 generated inputs', () => {
    const inputs = fc.sample(duration, { numRuns: 4000, seed: 1401 });
    inputs.push('9223372036854775807ns', '9223372036854775808ns', '-9223372036854775808ns', '2562047h47m16.854775807s', '2562047h47m16.854775808s', '0.9999999999999999999h', '1.00000000000000000001s', '100000000000000000000ns');
    agree('duration', inputs);
  });

  it('splitHostPort agrees with Go net.SplitHostPort on 4000 generated inputs', () => {
    agree('splithostport', fc.sample(hostPort, { numRuns: 4000, seed: 1402 }));
  });

  it('parseBoolean agrees with Go strconv.ParseBool', () => {
    agree('parsebool', [...fc.sample(fc.string({ maxLength: 5 }), { numRuns: 100, seed: 1403 }), '1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False', 'tRue', 'yes']);
  });
});
