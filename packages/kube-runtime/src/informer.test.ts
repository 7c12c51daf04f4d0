import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Informer } from './informer.js';
import type { InformerEvent, ListResult, WatchTransport } from './informer.js';

interface Obj {
  metadata: { name: string; resourceVersion: string };
}
const obj = (name: string, rv: string): Obj => ({ metadata: { name, resourceVersion: rv } });

/** A scripted list/watch transport: tests push list results and drive open watches by hand. */
class Script implements WatchTransport {
  lists: (ListResult<Obj> | Error)[] = [];
  watchFailures: Error[] = [];
  watches: { query: Record<string, unknown>; emit: (type: string, o: unknown) => void; close: (err?: unknown) => void; aborted: boolean }[] = [];
  listCalls = 0;
  list = async (): Promise<ListResult<Obj>> => {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) throw new Error('no list scripted');
    if (next instanceof Error) throw next;
    return next;
  };
  async watch(_path: string, query: Record<string, unknown>, cb: (t: string, o: unknown) => void, done: (e: unknown) => void) {
    const failure = this.watchFailures.shift();
    if (failure) {
      done(failure);
      return { abort: () => {} };
    }
    let closed = false;
    const w = {
      query,
      aborted: false,
      emit: (t: string, o: unknown) => cb(t, o),
      close: (err?: unknown) => {
        if (!closed) {
          closed = true;
          done(err ?? null);
        }
      },
    };
    this.watches.push(w);
    return {
      abort: () => {
        w.aborted = true;
        w.close(new Error('aborted'));
      },
    };
  }
  get current() {
    return this.watches[this.watches.length - 1]!;
  }
}

function setup() {
  const clock = new ManualClock(1_000);
  const script = new Script();
  const informer = new Informer<Obj>({ path: '/x', list: script.list, watch: script, clock, random: () => 0.5, backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 } });
  const events: string[] = [];
  informer.on((e: InformerEvent<Obj>) => events.push(`${e.type}:${e.object.metadata.name}@${e.object.metadata.resourceVersion}`));
  return { clock, script, informer, events };
}

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion and applies events to the cache', async () => {
    const { clock, script, informer, events } = setup();
    script.lists.push({ metadata: { resourceVersion: '10' }, items: [obj('a', '5')] });
    informer.start();
    await informer.waitForSync();
    await clock.advance(0);
    expect(script.current.query['resourceVersion']).toBe('10');
    script.current.emit('ADDED', obj('b', '11'));
    script.current.emit('MODIFIED', obj('a', '12'));
    script.current.emit('DELETED', obj('b', '13'));
    expect(events).toEqual(['add:a@5', 'add:b@11', 'update:a@12', 'delete:b@11']);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['a']);
    expect(informer.health()).toMatchObject({ synced: true, watching: true, lists: 1 });
    expect(informer.isHealthy()).toBe(true);
    await informer.stop();
    expect(script.current.aborted).toBe(true);
  });

  it('resumes a dropped watch from the last seen resourceVersion without re-listing', async () => {
    const { clock, script, informer } = setup();
    script.lists.push({ metadata: { resourceVersion: '10' }, items: [] });
    informer.start();
    await clock.advance(0);
    script.current.emit('ADDED', obj('b', '11'));
    script.current.close();
    await clock.advance(0);
    expect(script.watches).toHaveLength(2);
    expect(script.current.query['resourceVersion']).toBe('11');
    expect(script.listCalls).toBe(1);
    expect(informer.health().restarts).toBe(1);
    await informer.stop();
  });

  it('re-lists on 410 Gone and turns the difference into add/update/delete events', async () => {
    const { clock, script, informer, events } = setup();
    script.lists.push({ metadata: { resourceVersion: '10' }, items: [obj('a', '1'), obj('b', '2')] });
    script.lists.push({ metadata: { resourceVersion: '20' }, items: [obj('a', '15'), obj('c', '16')] });
    informer.start();
    await clock.advance(0);
    script.current.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    await clock.advance(0);
    expect(script.listCalls).toBe(2);
    expect(events.slice(2)).toEqual(['delete:b@2', 'update:a@15', 'add:c@16']);
    expect(script.current.query['resourceVersion']).toBe('20');
    await informer.stop();
  });

  it('also re-lists when the watch request itself answers 410', async () => {
    const { clock, script, informer } = setup();
    script.lists.push({ metadata: { resourceVersion: '10' }, items: [] }, { metadata: { resourceVersion: '30' }, items: [] });
    script.watchFailures.push(Object.assign(new Error('Gone'), { statusCode: 410 }));
    informer.start();
    await clock.advance(0);
    expect(script.listCalls).toBe(2);
    expect(script.current.query['resourceVersion']).toBe('30');
    await informer.stop();
  });

  it('backs off exponentially while the apiserver is down, reports unhealthy, then recovers', async () => {
    const { clock, script, informer } = setup();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    script.lists.push({ metadata: { resourceVersion: '10' }, items: [] });
    informer.start();
    await clock.advance(0);
    // the apiserver goes away: the watch drops and the next three reconnects fail
    script.watchFailures.push(refused, refused, refused);
    script.current.close(new Error('socket hang up'));
    await clock.advance(0);
    expect(informer.health().consecutiveFailures).toBe(1);
    expect(informer.health().watching).toBe(false);
    await clock.advance(99);
    expect(script.watches).toHaveLength(1);
    await clock.advance(1); // 100 ms: second attempt fails
    expect(informer.health().consecutiveFailures).toBe(2);
    await clock.advance(200); // third attempt fails
    expect(informer.health().consecutiveFailures).toBe(3);
    expect(informer.health().lastError).toContain('ECONNREFUSED');
    await clock.advance(60_000);
    expect(script.watches).toHaveLength(2); // fourth attempt succeeded
    expect(informer.health()).toMatchObject({ consecutiveFailures: 0, watching: true });
    expect(script.current.query['resourceVersion']).toBe('10');
    await informer.stop();
  });

  it('is unhealthy before the first list and when disconnected for longer than the staleness bound', async () => {
    const { clock, script, informer } = setup();
    expect(informer.isHealthy()).toBe(false);
    script.lists.push(new Error('forbidden'), { metadata: { resourceVersion: '1' }, items: [] });
    informer.start();
    await clock.advance(0);
    expect(informer.health().synced).toBe(false);
    await clock.advance(100);
    expect(informer.health().synced).toBe(true);
    script.watchFailures.push(...Array.from({ length: 500 }, () => new Error('down')));
    script.current.close(new Error('down'));
    await clock.advance(59_000);
    expect(informer.isHealthy(60_000)).toBe(true);
    await clock.advance(2_000);
    expect(informer.isHealthy(60_000)).toBe(false);
    await informer.stop();
  });

  it('abandons a list that never answers and a watch that never connects (half-open connections), then retries', async () => {
    const clock = new ManualClock(0);
    let listCalls = 0;
    let watchCalls = 0;
    const hang = new Promise<never>(() => {});
    const informer = new Informer<Obj>({
      path: '/x',
      clock,
      random: () => 0.5,
      requestTimeoutMs: 5_000,
      backoff: { initialMs: 100, jitter: 0 },
      list: async () => (++listCalls === 1 ? hang : { metadata: { resourceVersion: '1' }, items: [] }),
      watch: { watch: () => (++watchCalls === 1 ? hang : new Promise(() => {})) },
    });
    informer.start();
    await clock.advance(4_999);
    expect(informer.health().synced).toBe(false);
    await clock.advance(1);
    expect(informer.health().lastError).toContain('list did not answer within 5000 ms');
    await clock.advance(100);
    expect(listCalls).toBe(2);
    expect(informer.health().synced).toBe(true);
    await clock.advance(5_000);
    expect(informer.health().lastError).toContain('watch did not connect within 5000 ms');
    await clock.advance(200);
    expect(watchCalls).toBe(2);
    await informer.stop();
  });

  it('keeps going when a handler throws', async () => {
    const { clock, script, informer } = setup();
    informer.on(() => {
      throw new Error('boom');
    });
    script.lists.push({ metadata: { resourceVersion: '1' }, items: [obj('a', '1')] });
    informer.start();
    await clock.advance(0);
    expect(informer.get('a')).toBeDefined();
    await informer.stop();
  });
});
