// Differential refusals against OpenSSL (`openssl verify -purpose sslclient`), which terminates target-auth's TLS:
// pkcs must never accept a generated client chain that OpenSSL refuses. (The reverse is allowed: pkcs refuses
// more, see docs/security-model.md.) Case counts scale with CERTSCRAPE_FUZZ_RUNS.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from './chain.js';
import { EKU } from './extensions.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import { opensslVerify } from './testing/oracles/openssl-oracle.js';
import { sampleChains } from './testing/oracles/x509-arbitraries.js';

const SCALE = Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
const SEED = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);

describe('pkcs refuses every generated chain OpenSSL refuses (purpose sslclient)', () => {
  let keys: KeyPair[];
  beforeAll(async () => {
    keys = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair()));
  });

  const runs = 60 * SCALE;
  it(`${runs} generated chains (seed ${SEED})`, async () => {
    const { models, built, now, inputs } = await sampleChains(runs, SEED, keys, 'ossl');
    const verdicts = opensslVerify(inputs);
    const problems: string[] = [];
    let bothAccept = 0;
    let opensslRefuses = 0;
    for (const [i, b] of built.entries()) {
      const ours = await verifyChain(b.leaf, { roots: b.roots, intermediates: b.intermediates, now, requiredEku: EKU.clientAuth });
      const o = verdicts[i]!;
      if (!o.ok) opensslRefuses++;
      if (ours.ok && o.ok) bothAccept++;
      if (ours.ok && !o.ok) problems.push(`${JSON.stringify(models[i])}: pkcs accepts, openssl says ${o.output}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(bothAccept).toBeGreaterThan(runs / 10);
    expect(opensslRefuses).toBeGreaterThan(runs / 10);
  }, 300_000);
});
