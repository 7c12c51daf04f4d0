import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTargetAuthMetrics } from './metrics.js';

const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);

describe('createTargetAuthMetrics', () => {
  it('registers in the injected registry and exports every decision series from the start', async () => {
    const registry = new Registry();
    createTargetAuthMetrics({ registry });
    const text = await registry.metrics();
    expect(value(text, 'certscrape_target_auth_decisions_total{method="client-certificate",result="allowed"}')).toBe(0);
    expect(value(text, 'certscrape_target_auth_decisions_total{method="none",result="not-found"}')).toBe(0);
  });

  it('folds per-request counts into cumulative counters on every scrape', async () => {
    const m = createTargetAuthMetrics();
    m.decision('client-certificate', 'allowed');
    m.decision('client-certificate', 'allowed');
    m.decision('token', 'forbidden');
    let text = await m.registry.metrics();
    expect(value(text, 'certscrape_target_auth_decisions_total{method="client-certificate",result="allowed"}')).toBe(2);
    expect(value(text, 'certscrape_target_auth_decisions_total{method="token",result="forbidden"}')).toBe(1);
    m.decision('client-certificate', 'allowed');
    text = await m.registry.metrics();
    expect(value(text, 'certscrape_target_auth_decisions_total{method="client-certificate",result="allowed"}')).toBe(3);
    text = await m.registry.metrics();
    expect(value(text, 'certscrape_target_auth_decisions_total{method="client-certificate",result="allowed"}')).toBe(3);
  });

  it('records CA bundle reloads, the bundle size and delegated calls', async () => {
    const m = createTargetAuthMetrics();
    m.caBundleReload('success', 2, new Date(1_700_000_000_000));
    m.caBundleReload('error');
    m.delegatedCall('tokenreview', 'ok');
    const text = await m.registry.metrics();
    expect(value(text, 'certscrape_target_auth_ca_bundle_certificates')).toBe(2);
    expect(value(text, 'certscrape_target_auth_ca_bundle_last_success_timestamp_seconds')).toBe(1_700_000_000);
    expect(value(text, 'certscrape_target_auth_ca_bundle_reloads_total{result="error"}')).toBe(1);
    expect(value(text, 'certscrape_target_auth_delegated_requests_total{api="tokenreview",result="ok"}')).toBe(1);
  });

  it('two instances do not collide (no global registry)', () => {
    expect(() => {
      createTargetAuthMetrics();
      createTargetAuthMetrics();
    }).not.toThrow();
  });
});
