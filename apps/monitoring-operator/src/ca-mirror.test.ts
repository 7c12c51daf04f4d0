import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type TestCa } from '@certscrape/pkcs/testing';
import { planCaMirror, readCaSource } from './ca-mirror.js';

const target = { namespace: 'monitoring', name: 'metrics-client-ca' };
let ca1: TestCa;
let ca2: TestCa;
beforeAll(async () => {
  ca1 = await createTestCa({ commonName: 'one' });
  ca2 = await createTestCa({ commonName: 'two' });
});

describe('readCaSource', () => {
  it('if the ConfigMap or key is missing, the source is missing', () => {
    expect(readCaSource(undefined)).toEqual({ state: 'missing' });
    expect(readCaSource({ data: { other: 'x' } })).toEqual({ state: 'missing' });
  });
  it('if the bundle does not parse, the source is invalid', () => {
    expect(readCaSource({ data: { 'client-ca-file': 'garbage' } }).state).toBe('invalid');
  });
  it('if the bundle holds two CAs, both are roots', () => {
    const s = readCaSource({ data: { 'client-ca-file': ca1.certPem + ca2.certPem } });
    expect(s.state === 'valid' && s.roots.length).toBe(2);
  });
});

describe('planCaMirror', () => {
  it('if the mirror does not exist, create it with client-ca.crt', () => {
    const a = planCaMirror(readCaSource({ data: { 'client-ca-file': ca1.certPem } }), undefined, target);
    expect(a.type).toBe('create');
    expect(a.type === 'create' && a.body.data).toEqual({ 'client-ca.crt': ca1.certPem });
  });
  it('if the mirror has the same bytes, do nothing', () => {
    expect(planCaMirror(readCaSource({ data: { 'client-ca-file': ca1.certPem } }), { metadata: { name: target.name }, data: { 'client-ca.crt': ca1.certPem } }, target)).toEqual({ type: 'none' });
  });
  it('if the bundle changed, update client-ca.crt and keep other keys and the resourceVersion', () => {
    const a = planCaMirror(
      readCaSource({ data: { 'client-ca-file': ca1.certPem + ca2.certPem } }),
      { metadata: { name: target.name, resourceVersion: '7' }, data: { 'client-ca.crt': ca1.certPem, extra: 'keep' } },
      target,
    );
    expect(a.type).toBe('update');
    if (a.type !== 'update') return;
    expect(a.body.metadata?.resourceVersion).toBe('7');
    expect(a.body.data).toEqual({ 'client-ca.crt': ca1.certPem + ca2.certPem, extra: 'keep' });
  });
  it('if the source is missing or broken, hold: never empty a good mirror', () => {
    const mirror = { metadata: { name: target.name }, data: { 'client-ca.crt': ca1.certPem } };
    expect(planCaMirror({ state: 'missing' }, mirror, target).type).toBe('hold');
    expect(planCaMirror(readCaSource({ data: { 'client-ca-file': 'garbage' } }), mirror, target).type).toBe('hold');
  });
});
