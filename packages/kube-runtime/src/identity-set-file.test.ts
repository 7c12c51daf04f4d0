import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdentitySetText, readIdentitySetFile } from './identity-set-file.js';

/** What every refusal throws: the set's one error code (tests assert the code, never the message). */
const INVALID_SET = expect.objectContaining({ code: 'IDENTITY_ERR_INVALID_IDENTITY_SET' });

const YAML = `apiVersion: certscrape.io/v1alpha1
kind: ScraperIdentities
identities:
  - username: system:serviceaccount:monitoring:prometheus-k8s
    secret: { namespace: monitoring, name: metrics-client-certs }
    caConfigMap: { namespace: monitoring, name: metrics-client-ca }
  - username: system:serviceaccount:monitoring-user-workload:prometheus-user-workload
    groups: [certscrape:user-workload]
    secret:
      namespace: monitoring-user-workload
      name: metrics-client-certs
    expirationSeconds: 3600
`;


describe('parseIdentitySetText', () => {
  it('reads the YAML form', () => {
    const set = parseIdentitySetText(YAML, 'identities.yaml');
    expect(set.identities.map((i) => [i.username, i.groups, `${i.secret.namespace}/${i.secret.name}`, i.expirationSeconds])).toEqual([
      ['system:serviceaccount:monitoring:prometheus-k8s', [], 'monitoring/metrics-client-certs', 2592000],
      ['system:serviceaccount:monitoring-user-workload:prometheus-user-workload', ['certscrape:user-workload'], 'monitoring-user-workload/metrics-client-certs', 3600],
    ]);
  });
  it('reads the same set from JSON', () => {
    const json = JSON.stringify({ apiVersion: 'certscrape.io/v1alpha1', kind: 'ScraperIdentities', identities: [{ username: 'a', secret: { namespace: 'n', name: 's' } }] });
    expect(parseIdentitySetText(json, 'identities.json').identities[0]?.pendingSecret).toEqual({ namespace: 'n', name: 's-pending' });
  });
  it.each([
    ['if a key repeats, refuse', YAML.replace('    expirationSeconds: 3600\n', '    expirationSeconds: 3600\n    expirationSeconds: 600\n')],
    ['if the file holds two documents, refuse', `${YAML}---\n${YAML}`],
    ['if the YAML does not parse, refuse', 'identities: [\n'],
    ['if the file is empty, refuse', ''],
    ['if a field is invalid, refuse', YAML.replace('expirationSeconds: 3600', 'expirationSeconds: 60')],
  ])('%s', (_sentence, text) => {
    expect(() => parseIdentitySetText(text, 'identities.yaml')).toThrow(INVALID_SET);
  });
});

describe('readIdentitySetFile', () => {
  it('reads a file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'identities-')), 'identities.yaml');
    writeFileSync(path, YAML);
    expect(readIdentitySetFile(path).identities).toHaveLength(2);
  });
  it('if the file cannot be read, refuse with the same code and name the path', () => {
    let err: unknown;
    try {
      readIdentitySetFile('/nonexistent/identities.yaml');
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('IDENTITY_ERR_INVALID_IDENTITY_SET');
    expect((err as Error).message).toContain('/nonexistent/identities.yaml');
  });
});
