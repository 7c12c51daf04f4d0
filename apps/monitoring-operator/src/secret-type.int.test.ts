// A Secret with the target name but another type is never deleted or rewritten: the operator
// says so with an Event and waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  CsrRecorder,
  grantOperator,
  operatorKubeconfig,
  readSecret,
  sleep,
  startOperator,
  tempDir,
  uniqueNamespace,
  waitFor,
  type Admin,
  type OperatorProc,
} from './test-support/harness.js';

const NS = uniqueNamespace('mo-type');
let admin: Admin;
let operator: OperatorProc;
let csrs: CsrRecorder;

beforeAll(async () => {
  const info = localClusterFromInject();
  const cluster = await localClusterHandleFromInject();
  admin = adminClients(info);
  await grantOperator(admin, NS);
  const kubeconfig = await operatorKubeconfig(cluster, tempDir('mo-type-'));
  await admin.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'metrics-client-certs' }, type: 'Opaque', data: { note: Buffer.from('someone else').toString('base64') } } });
  csrs = new CsrRecorder(admin);
  await csrs.start();
  operator = startOperator({ kubeconfig, namespace: NS, args: ['--leader-elect=false'] });
});

afterAll(async () => {
  await operator?.stop();
  csrs?.stop();
});

describe('a Secret of another type', () => {
  it('is left alone, surfaced by one Warning Event, and no CSR is requested for it', async () => {
    const before = (await readSecret(admin, NS))!;
    const event = await waitFor('a SecretTypeMismatch event', async () => {
      const list = await admin.core.listNamespacedEvent({ namespace: NS });
      return list.items.find((e) => e.reason === 'SecretTypeMismatch');
    }, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator.tail()}`);
    });
    expect(event.type).toBe('Warning');
    expect(event.message).toContain('Opaque');
    await sleep(5_000);
    const after = (await readSecret(admin, NS))!;
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.type).toBe('Opaque');
    await csrs.assertWatchedThroughout();
    expect(csrs.created).toEqual([]);
    const events = (await admin.core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.reason === 'SecretTypeMismatch');
    expect(events).toHaveLength(1);
    expect(operator.alive).toBe(true);
  }, 150_000);
});
