import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityByUsername, identitySetProblems, parseIdentitySet, singleIdentitySet, type IdentitySet } from './identity-set.js';

/** What every refusal throws: the set's one error code (tests assert the code, never the message). */
const INVALID_SET = expect.objectContaining({ code: 'IDENTITY_ERR_INVALID_IDENTITY_SET' });

const HEAD = { apiVersion: 'certscrape.io/v1alpha1', kind: 'ScraperIdentities' } as const;
const PLATFORM = { username: 'system:serviceaccount:monitoring:prometheus-k8s', secret: { namespace: 'monitoring', name: 'metrics-client-certs' } };
const USER_WORKLOAD = { username: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload', secret: { namespace: 'monitoring-user-workload', name: 'metrics-client-certs' } };
const doc = (...identities: unknown[]) => ({ ...HEAD, identities });


describe('singleIdentitySet', () => {
  it("with no settings it is today's single identity exactly", () => {
    expect(singleIdentitySet()).toEqual({
      identities: [
        {
          username: 'system:serviceaccount:monitoring:prometheus-k8s',
          groups: [],
          secret: { namespace: 'monitoring', name: 'metrics-client-certs' },
          pendingSecret: { namespace: 'monitoring', name: 'metrics-client-certs-pending' },
          expirationSeconds: 2592000,
          caConfigMap: { namespace: 'monitoring', name: 'metrics-client-ca' },
        },
      ],
    });
  });
  it('takes every flag of the single-identity operator', () => {
    const [id] = singleIdentitySet({ namespace: 'obs', secretName: 's', pendingSecretName: 'p', caConfigMapName: 'c', username: 'bob', expirationSeconds: 600 }).identities;
    expect(id).toEqual({ username: 'bob', groups: [], secret: { namespace: 'obs', name: 's' }, pendingSecret: { namespace: 'obs', name: 'p' }, expirationSeconds: 600, caConfigMap: { namespace: 'obs', name: 'c' } });
  });
  it('if the pending Secret is the Secret, refuse', () => {
    expect(() => singleIdentitySet({ secretName: 'x', pendingSecretName: 'x' })).toThrow(INVALID_SET);
  });
});

describe('parseIdentitySet', () => {
  it('applies the defaults: no groups, <secret>-pending beside the Secret, 30 days, no CA mirror', () => {
    const set = parseIdentitySet(doc(USER_WORKLOAD));
    expect(set.identities[0]).toEqual({
      ...USER_WORKLOAD,
      groups: [],
      pendingSecret: { namespace: 'monitoring-user-workload', name: 'metrics-client-certs-pending' },
      expirationSeconds: 2592000,
      caConfigMap: undefined,
    });
  });
  it('reads every field, and keeps the file order', () => {
    const set = parseIdentitySet(
      doc(PLATFORM, { ...USER_WORKLOAD, groups: ['certscrape:user-workload', 'tenant-a'], pendingSecretName: 'uw-state', expirationSeconds: 3600, caConfigMap: { namespace: 'monitoring-user-workload', name: 'ca' } }),
    );
    expect(set.identities.map((i) => i.username)).toEqual([PLATFORM.username, USER_WORKLOAD.username]);
    expect(set.identities[1]).toMatchObject({ groups: ['certscrape:user-workload', 'tenant-a'], pendingSecret: { namespace: 'monitoring-user-workload', name: 'uw-state' }, expirationSeconds: 3600, caConfigMap: { namespace: 'monitoring-user-workload', name: 'ca' } });
    expect(identityByUsername(set, USER_WORKLOAD.username)).toBe(set.identities[1]);
    expect(identityByUsername(set, 'someone-else')).toBeUndefined();
  });
  it('is frozen, so no caller can widen the set at run time', () => {
    const set = parseIdentitySet(doc(PLATFORM));
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.identities)).toBe(true);
    expect(Object.isFrozen(set.identities[0])).toBe(true);
    expect(Object.isFrozen(set.identities[0]!.groups)).toBe(true);
    expect(Object.isFrozen(set.identities[0]!.secret)).toBe(true);
  });
  it('the error names the source, the code and every problem', () => {
    let err: unknown;
    try {
      parseIdentitySet(doc({ ...PLATFORM, groups: ['system:masters'] }, { ...PLATFORM, secret: { namespace: 'Bad', name: 'x' } }), '/etc/certscrape/identities.yaml');
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('IDENTITY_ERR_INVALID_IDENTITY_SET');
    const message = (err as Error).message;
    expect(message).toContain('/etc/certscrape/identities.yaml');
    expect(message).toContain('identities[0].groups[0]');
    expect(message).toContain('identities[1].secret.namespace');
  });

  it.each<[string, unknown, string]>([
    ['if the document is not an object, refuse', 'identities', ''],
    ['if apiVersion is another, refuse', { ...doc(PLATFORM), apiVersion: 'certscrape.io/v1' }, 'apiVersion'],
    ['if kind is another, refuse', { ...doc(PLATFORM), kind: 'ScraperIdentity' }, 'kind'],
    ['if a top-level key is unknown, refuse', { ...doc(PLATFORM), signerName: 'x/y' }, 'signerName'],
    ['if identities is missing, refuse', HEAD, 'identities'],
    ['if identities is empty, refuse', doc(), 'identities'],
    ['if an identity is not an object, refuse', doc('prometheus'), 'identities[0]'],
    ['if an identity key is unknown, refuse', doc({ ...PLATFORM, user: 'x' }), 'identities[0].user'],
    ['if a username is missing, refuse', doc({ secret: PLATFORM.secret }), 'identities[0].username'],
    ['if a username is not a string, refuse', doc({ ...PLATFORM, username: 42 }), 'identities[0].username'],
    ['if a username is empty, refuse', doc({ ...PLATFORM, username: '' }), 'identities[0].username'],
    ['if a username has surrounding whitespace, refuse', doc({ ...PLATFORM, username: ' prometheus' }), 'identities[0].username'],
    ['if a username has a control character (Cc), refuse', doc({ ...PLATFORM, username: 'prom\u0085etheus' }), 'identities[0].username'],
    ['if a username has a format character (Cf), refuse', doc({ ...PLATFORM, username: 'system:\u200bmasters' }), 'identities[0].username'],
    ['if a username is longer than 256 characters, refuse', doc({ ...PLATFORM, username: 'a'.repeat(257) }), 'identities[0].username'],
    ['if groups is not a list, refuse', doc({ ...PLATFORM, groups: 'a' }), 'identities[0].groups'],
    ['if a group is system:masters, refuse', doc({ ...PLATFORM, groups: ['ok', 'system:masters'] }), 'identities[0].groups[1]'],
    ['if a group repeats, refuse', doc({ ...PLATFORM, groups: ['a', 'a'] }), 'identities[0].groups[1]'],
    ['if a group has a format character, refuse', doc({ ...PLATFORM, groups: ['\ufeffsystem:masters'] }), 'identities[0].groups[0]'],
    ['if the secret is missing, refuse', doc({ username: 'x' }), 'identities[0].secret'],
    ['if the secret has an unknown key, refuse', doc({ ...PLATFORM, secret: { ...PLATFORM.secret, key: 'tls.crt' } }), 'identities[0].secret.key'],
    ['if the secret namespace is not a DNS-1123 label, refuse', doc({ ...PLATFORM, secret: { namespace: 'mon.itoring', name: 'x' } }), 'identities[0].secret.namespace'],
    ['if the secret name is not a DNS-1123 subdomain, refuse', doc({ ...PLATFORM, secret: { namespace: 'monitoring', name: 'Certs' } }), 'identities[0].secret.name'],
    ['if the secret name is too long for the default pending name, refuse', doc({ ...PLATFORM, secret: { namespace: 'monitoring', name: 'a'.repeat(250) } }), 'identities[0].secret.name'],
    ['if the pending Secret name is invalid, refuse', doc({ ...PLATFORM, pendingSecretName: 'a_b' }), 'identities[0].pendingSecretName'],
    ['if the pending Secret is the Secret, refuse', doc({ ...PLATFORM, pendingSecretName: 'metrics-client-certs' }), 'identities[0].pendingSecretName'],
    ['if expirationSeconds is under 600, refuse', doc({ ...PLATFORM, expirationSeconds: 599 }), 'identities[0].expirationSeconds'],
    ['if expirationSeconds is not whole, refuse', doc({ ...PLATFORM, expirationSeconds: 600.5 }), 'identities[0].expirationSeconds'],
    ['if expirationSeconds is a string, refuse', doc({ ...PLATFORM, expirationSeconds: '3600' }), 'identities[0].expirationSeconds'],
    ['if caConfigMap is not an object, refuse', doc({ ...PLATFORM, caConfigMap: 'metrics-client-ca' }), 'identities[0].caConfigMap'],
    ['if caConfigMap has no namespace, refuse', doc({ ...PLATFORM, caConfigMap: { name: 'metrics-client-ca' } }), 'identities[0].caConfigMap.namespace'],
    ['if two identities share a username, refuse', doc(PLATFORM, { ...USER_WORKLOAD, username: PLATFORM.username }), 'identities[1].username'],
    ['if two identities share a Secret, refuse', doc(PLATFORM, { ...USER_WORKLOAD, secret: PLATFORM.secret }), 'identities[1].secret'],
    ['if two identities share a pending Secret, refuse', doc({ ...PLATFORM, pendingSecretName: 'state' }, { ...USER_WORKLOAD, secret: { namespace: 'monitoring', name: 'uw' }, pendingSecretName: 'state' }), 'identities[1].pendingSecretName'],
    [
      "if a pending Secret is another identity's Secret, refuse",
      doc(PLATFORM, { ...USER_WORKLOAD, secret: { namespace: 'monitoring', name: 'uw' }, pendingSecretName: 'metrics-client-certs' }),
      'identities[1].pendingSecretName',
    ],
    [
      "if a Secret is another identity's default pending Secret, refuse",
      doc(PLATFORM, { ...USER_WORKLOAD, secret: { namespace: 'monitoring', name: 'metrics-client-certs-pending' } }),
      'identities[0].pendingSecretName',
    ],
  ])('%s', (_sentence, document, field) => {
    const problems = identitySetProblems(document);
    expect(problems.map((p) => p.field)).toContain(field);
    expect(() => parseIdentitySet(document)).toThrow(INVALID_SET);
  });

  it('a clash is still found when another identity is invalid', () => {
    const problems = identitySetProblems(doc(PLATFORM, { username: 7, secret: { namespace: 'other', name: 'x' } }, { ...USER_WORKLOAD, secret: PLATFORM.secret }));
    // identities[2] takes identities[0]'s Secret, and with it its default pending Secret.
    expect(problems.map((p) => p.field)).toEqual(['identities[1].username', 'identities[2].secret', 'identities[2].pendingSecretName']);
  });
});

// Properties: generated sets of identities, valid by construction, then broken one way at a time.
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const username = fc.stringMatching(/^[a-z][a-z0-9:-]{0,30}[a-z0-9]$/);
const validSet = fc
  .uniqueArray(fc.record({ username, namespace: dnsLabel, name: dnsLabel, expirationSeconds: fc.option(fc.integer({ min: 600, max: 10_000_000 }), { nil: undefined }) }), {
    minLength: 1,
    maxLength: 6,
    selector: (r) => r.username,
  })
  .map((rows) => rows.map((r, i) => ({ username: r.username, secret: { namespace: r.namespace, name: `${r.name}-${i}` }, ...(r.expirationSeconds ? { expirationSeconds: r.expirationSeconds } : {}) })));

function secretsOf(set: IdentitySet): string[] {
  return set.identities.flatMap((i) => [`${i.secret.namespace}/${i.secret.name}`, `${i.pendingSecret.namespace}/${i.pendingSecret.name}`]);
}

describe('identity set properties', () => {
  it('a set of distinct usernames and Secrets is accepted, and every Secret the operator would write is distinct', () => {
    fc.assert(
      fc.property(validSet, (identities) => {
        // Distinct names may still collide with a default `<name>-pending`: then it must be refused, never accepted.
        const problems = identitySetProblems(doc(...identities));
        if (problems.length > 0) {
          expect(problems.every((p) => /pendingSecretName|\.secret$/.test(p.field))).toBe(true);
          return;
        }
        const set = parseIdentitySet(doc(...identities));
        expect(set.identities.map((i) => i.username)).toEqual(identities.map((i) => i.username));
        expect(new Set(secretsOf(set)).size).toBe(secretsOf(set).length);
      }),
    );
  });
  it("copying one identity's username onto another is always refused at that index", () => {
    fc.assert(
      fc.property(validSet.filter((s) => s.length >= 2), fc.nat(), fc.nat(), (identities, a, b) => {
        const from = a % identities.length;
        const to = (from + 1 + (b % (identities.length - 1))) % identities.length;
        const broken = identities.map((id, i) => (i === to ? { ...id, username: identities[from]!.username } : id));
        const fields = identitySetProblems(doc(...broken)).map((p) => p.field);
        expect(fields).toContain(`identities[${Math.max(from, to)}].username`);
      }),
    );
  });
  it("pointing one identity at another's Secret is always refused", () => {
    fc.assert(
      fc.property(validSet.filter((s) => s.length >= 2), fc.nat(), (identities, a) => {
        const to = 1 + (a % (identities.length - 1));
        const broken = identities.map((id, i) => (i === to ? { ...id, secret: identities[0]!.secret } : id));
        expect(() => parseIdentitySet(doc(...broken))).toThrow(INVALID_SET);
      }),
    );
  });
  it('an unknown key anywhere in an identity is always refused', () => {
    fc.assert(
      fc.property(validSet, fc.nat(), fc.stringMatching(/^[a-zA-Z]{1,12}$/), fc.boolean(), (identities, a, key, inSecret) => {
        fc.pre(!['username', 'groups', 'secret', 'pendingSecretName', 'expirationSeconds', 'caConfigMap', 'namespace', 'name'].includes(key));
        const at = a % identities.length;
        const broken = identities.map((id, i) => (i !== at ? id : inSecret ? { ...id, secret: { ...id.secret, [key]: 'x' } } : { ...id, [key]: 'x' }));
        const fields = identitySetProblems(doc(...broken)).map((p) => p.field);
        expect(fields).toContain(inSecret ? `identities[${at}].secret.${key}` : `identities[${at}].${key}`);
      }),
    );
  });
  it('a username or group with any Unicode control or format character is always refused', () => {
    const unsafe = fc.constantFrom('\u0000', '\u001f', '\u007f', '\u0085', '\u200b', '\u200e', '\u202e', '\u2066', '\ufeff', '\u00ad');
    fc.assert(
      fc.property(validSet, fc.nat(), unsafe, fc.nat(), fc.boolean(), (identities, a, ch, pos, inGroup) => {
        const at = a % identities.length;
        const base = identities[at]!.username;
        const cut = pos % (base.length + 1);
        const value = base.slice(0, cut) + ch + base.slice(cut);
        const broken = identities.map((id, i) => (i !== at ? id : inGroup ? { ...id, groups: [value] } : { ...id, username: value }));
        const fields = identitySetProblems(doc(...broken)).map((p) => p.field);
        expect(fields).toContain(inGroup ? `identities[${at}].groups[0]` : `identities[${at}].username`);
      }),
    );
  });
  it('never throws on arbitrary input (the validator is total)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => void identitySetProblems(v)));
    fc.assert(fc.property(fc.jsonValue(), (v) => void identitySetProblems({ ...HEAD, identities: [v] })));
  });
});
