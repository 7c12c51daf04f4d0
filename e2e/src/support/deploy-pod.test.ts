import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandKubeletReferences, podArgs } from './deploy-pod.js';

describe('expandKubeletReferences (the kubelet expands $(VAR) in args)', () => {
  it.each([
    ['--namespace=$(POD_NAMESPACE)', '--namespace=obs'],
    ['--sa=$(POD_NAMESPACE)/monitoring-operator', '--sa=obs/monitoring-operator'],
    ['$(UNDEFINED) stays', '$(UNDEFINED) stays'],
    ['$$(POD_NAMESPACE) is escaped', '$(POD_NAMESPACE) is escaped'],
    ['a lone $ and $x are literal', 'a lone $ and $x are literal'],
    ['unclosed $(POD_NAMESPACE', 'unclosed $(POD_NAMESPACE'],
    ['trailing $', 'trailing $'],
  ])('%s -> %s', (input, expected) => expect(expandKubeletReferences(input, { POD_NAMESPACE: 'obs' })).toBe(expected));

  it('text without "$" is unchanged', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('$')), (s) => expandKubeletReferences(s, { A: 'x' }) === s));
  });

  it('every defined reference is replaced, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('$')), fc.string().filter((s) => !s.includes('$')), fc.string().filter((s) => !s.includes('$')), (a, b, value) => {
        expect(expandKubeletReferences(`${a}$(V)${b}`, { V: value })).toBe(`${a}${value}${b}`);
      }),
    );
  });

  it('podArgs takes the namespace from the downward API and refuses env sources it does not model', () => {
    const c = { name: 'c', image: 'i', args: ['--ns=$(POD_NAMESPACE)', '--id=$(POD_NAME)'], env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] };
    expect(podArgs(c, { namespace: 'obs', name: 'p-1' })).toEqual(['--ns=obs', '--id=p-1']);
    expect(() => podArgs({ ...c, env: [{ name: 'X', valueFrom: {} }] }, { namespace: 'n', name: 'p' })).toThrow(/a source these tests do not model/);
  });
});
