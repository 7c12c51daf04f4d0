// The certificate planner, driven through a whole issuance against an in-memory view: every
// step is one observation and at most one write, and the writes go one way (state, CSR, state,
// Secret, CSR delete, state) with no step that re-reads or re-decides what the view already said.
import { beforeAll, describe, expect, it } from 'vitest';
import type { V1CertificateSigningRequest, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { generateKeyPair, importPrivateKeyPem } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa } from '@certscrape/pkcs/testing';
import { createCsrPolicy } from '@certscrape/identity';
import { DEFAULT_ISSUANCE_BACKOFF, planCertificateStep, type CertificateSettings, type CertificateStep, type CertificateStepDeps, type CertificateView } from './certificate-step.js';
import { describeWrite, type ObjectWrite } from './object-write.js';
import { PENDING_KEY_DATA } from './pending-state.js';

const NS = 'monitoring';
const settings: CertificateSettings = {
  namespace: NS,
  secretName: 'metrics-client-certs',
  stateSecretName: 'metrics-client-certs-pending',
  expirationSeconds: 2592000,
  policy: createCsrPolicy(),
  includeExpirationSeconds: false,
  backoff: DEFAULT_ISSUANCE_BACKOFF,
  maxIdleMs: 3_600_000,
};
const deps: CertificateStepDeps = {
  random: () => 0.5,
  randomBytes: (n) => new Uint8Array(n).fill(7),
  generateKey: () => generateKeyPair(),
  crypto: globalThis.crypto,
};
const NOW = new Date();
let ca: TestCa;
let caSource: V1ConfigMap;

beforeAll(async () => {
  ca = await createTestCa({ commonName: 'cluster client CA' });
  caSource = { metadata: { name: 'extension-apiserver-authentication', namespace: 'kube-system' }, data: { 'client-ca-file': ca.certPem } };
});

/** An in-memory stand-in for the objects the steps write (not an API fake: it only stores bodies). */
class World {
  secret: V1Secret | undefined;
  state: V1Secret | undefined;
  readonly csrs = new Map<string, V1CertificateSigningRequest>();
  private rv = 1;
  view(now = NOW): CertificateView {
    return { now, secret: this.secret, caSource, stateSecret: this.state, csr: (n) => this.csrs.get(n) };
  }
  apply(w: ObjectWrite): void {
    const stamp = <T extends { metadata?: { resourceVersion?: string } }>(o: T): T => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } });
    if (w.kind === 'CertificateSigningRequest') {
      if (w.verb === 'delete') this.csrs.delete(w.name);
      else this.csrs.set(w.body.metadata!.name!, stamp(w.body));
    } else if (w.kind === 'Secret') {
      if (w.body.metadata?.name === settings.stateSecretName) this.state = stamp(w.body);
      else this.secret = stamp(w.body);
    }
  }
  /** What the approver and the signer do: Approved, then a certificate for the requested key. */
  async issue(name: string, leaf: Partial<Parameters<typeof issueTestLeaf>[1]> = {}): Promise<void> {
    const keyPem = Buffer.from(this.state!.data![PENDING_KEY_DATA]!, 'base64').toString('utf8');
    const cert = await issueTestLeaf(ca, { commonName: settings.policy.identity.username, keys: await importPrivateKeyPem(keyPem), ...leaf });
    const csr = this.csrs.get(name)!;
    this.csrs.set(name, { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }], certificate: Buffer.from(cert.certPem).toString('base64') } });
  }
}

/** Runs steps until one writes nothing; returns every step. */
async function runUntilWaiting(world: World, max = 10): Promise<CertificateStep[]> {
  const steps: CertificateStep[] = [];
  for (let i = 0; i < max; i++) {
    const step = await planCertificateStep(world.view(), settings, deps);
    steps.push(step);
    if (!step.write) return steps;
    world.apply(step.write);
  }
  throw new Error(`no wait after ${max} steps: ${steps.map((s) => s.decision.type).join(', ')}`);
}

const summary = (steps: readonly CertificateStep[]) => steps.map((s) => `${s.decision.type}${s.write ? ` -> ${describeWrite(s.write)}` : ''}`);

describe('planCertificateStep: an issuance from nothing', () => {
  it('goes one way, one write per step, and then idles until the rotation deadline', async () => {
    const world = new World();
    const first = await runUntilWaiting(world);
    expect(summary(first)).toEqual([
      'begin -> create Secret monitoring/metrics-client-certs-pending',
      `create-csr -> create CertificateSigningRequest ${first[1]!.state.issuance!.csrName}`,
      'record-requested -> replace Secret monitoring/metrics-client-certs-pending',
      'await',
    ]);
    const name = first[1]!.state.issuance!.csrName;
    await world.issue(name);
    const second = await runUntilWaiting(world);
    expect(summary(second)).toEqual([
      'install -> create Secret monitoring/metrics-client-certs',
      `cleanup -> delete CertificateSigningRequest ${name}`,
      'finish -> replace Secret monitoring/metrics-client-certs-pending',
      'idle',
    ]);
    // The install carries both halves in one body, and an Event naming the CSR.
    const install = second[0]!;
    expect(Object.keys((install.write as { body: V1Secret }).body.data ?? {}).sort()).toEqual(['tls.crt', 'tls.key']);
    // Both Secrets the identity's steps write say whose they are.
    expect((install.write as { body: V1Secret }).body.metadata?.annotations?.['certscrape.io/identity']).toBe(settings.policy.identity.username);
    expect((first[0]!.write as { body: V1Secret }).body.metadata?.annotations?.['certscrape.io/identity']).toBe(settings.policy.identity.username);
    expect(install.event).toMatchObject({ type: 'Normal', reason: 'CertificateIssued' });
    expect(install.event!.message).toContain(name);
    // Which steps wait for a watch event and which go on at once (the state Secret is not watched).
    expect([...first, ...second].map((s) => s.next.after)).toEqual(['now', 'event', 'now', 'event', 'event', 'event', 'now', 'delay']);
    const idle = second.at(-1)!;
    expect(idle.installed?.state).toBe('valid');
    expect(world.csrs.size).toBe(0);
  });

  it('if the CSR is denied, the abandon step saves the backoff and records a Warning Event with the message', async () => {
    const world = new World();
    const first = await runUntilWaiting(world);
    const name = first[1]!.state.issuance!.csrName;
    const csr = world.csrs.get(name)!;
    world.csrs.set(name, { ...csr, status: { conditions: [{ type: 'Denied', status: 'True', reason: 'Policy', message: 'not today' }] } });
    const steps = await runUntilWaiting(world);
    expect(steps.map((s) => s.decision.type)).toEqual(['abandon', 'backoff']);
    expect(steps[0]!.event).toMatchObject({ type: 'Warning', reason: 'CertificateSigningRequestDenied' });
    expect(steps[0]!.event!.message).toContain('not today');
    expect(steps[1]!.next).toEqual({ after: 'delay', ms: steps[0]!.retryInMs });
    expect(world.state!.metadata!.annotations!['certscrape.io/failures']).toBe('1');
  });

  it('if the issued certificate names another subject, it is rejected, never installed', async () => {
    const world = new World();
    const first = await runUntilWaiting(world);
    await world.issue(first[1]!.state.issuance!.csrName, { commonName: 'system:serviceaccount:kube-system:intruder' });
    const steps = await runUntilWaiting(world);
    expect(steps[0]!.decision).toMatchObject({ type: 'abandon', outcome: 'rejected' });
    expect(world.secret).toBeUndefined();
  });
});

describe('planCertificateStep: blocked states are outcomes, not errors', () => {
  it('if the target Secret has another type, write nothing, surface it with a Warning Event and wait for a change', async () => {
    const world = new World();
    world.secret = { metadata: { name: settings.secretName, namespace: NS, resourceVersion: '1' }, type: 'Opaque', data: {} };
    const step = await planCertificateStep(world.view(), settings, deps);
    expect(step.decision).toMatchObject({ type: 'blocked', cause: 'secret-type' });
    expect(step.write).toBeUndefined();
    expect(step.event).toMatchObject({ type: 'Warning', reason: 'SecretTypeMismatch' });
    expect(step.event!.message).toContain('Opaque');
    expect(step.next).toEqual({ after: 'event' });
  });

  it("if the target Secret is marked as another identity's, never write this identity's pair into it: surface it and wait", async () => {
    const world = new World();
    world.secret = { metadata: { name: settings.secretName, namespace: NS, resourceVersion: '1', annotations: { 'certscrape.io/identity': 'system:serviceaccount:tenant-b:prometheus' } }, type: 'kubernetes.io/tls', data: {} };
    const step = await planCertificateStep(world.view(), settings, deps);
    expect(step.decision).toMatchObject({ type: 'blocked', cause: 'secret-identity' });
    expect(step.write).toBeUndefined();
    expect(step.event).toMatchObject({ type: 'Warning', reason: 'SecretIdentityMismatch' });
    expect(step.event!.message).toContain('tenant-b');
    expect(step.next).toEqual({ after: 'event' });
    // Marked as this identity's own (or not marked at all, as before): issued as usual.
    world.secret = { ...world.secret, metadata: { ...world.secret.metadata, annotations: { 'certscrape.io/identity': settings.policy.identity.username } } };
    expect((await planCertificateStep(world.view(), settings, deps)).decision.type).toBe('begin');
  });

  it('if the client CA bundle is missing, write nothing (the pair cannot be judged), surface it and wait', async () => {
    const world = new World();
    const step = await planCertificateStep({ ...world.view(), caSource: undefined }, settings, deps);
    expect(step.decision).toMatchObject({ type: 'blocked', cause: 'ca-bundle' });
    expect(step.write).toBeUndefined();
    expect(step.event).toMatchObject({ type: 'Warning', reason: 'ClientCABundleUnavailable' });
  });

  it('if the client CA bundle does not parse, the same', async () => {
    const world = new World();
    const step = await planCertificateStep({ ...world.view(), caSource: { ...caSource, data: { 'client-ca-file': 'garbage' } } }, settings, deps);
    expect(step.decision).toMatchObject({ type: 'blocked', cause: 'ca-bundle' });
    expect(step.write).toBeUndefined();
  });
});
