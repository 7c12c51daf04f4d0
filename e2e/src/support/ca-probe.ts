// Does a target trust a CA yet (or still)? Asked the only way that counts: present a client
// certificate that CA issued for the scraper identity and see whether the target serves /metrics.
import { commonNameInput, createCertificate, EKU, exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, parseCertificate } from '@certscrape/pkcs';
import { scrapeDirect } from './scrape-client.js';
import type { ScrapeTarget } from './scrape-matrix.js';
import { waitFor } from './wait-for.js';

/** A CA as PEM (certificate and key). */
export interface CaPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A short client certificate for `username` issued by `ca` (ECDSA P-256, clientAuth), valid from a minute ago for an hour. */
export async function issueProbeCertificate(ca: CaPair, username: string, now = new Date()): Promise<{ certPem: string; keyPem: string }> {
  const caKeys = await importPrivateKeyPem(ca.keyPem);
  const keys = await generateKeyPair();
  const cert = await createCertificate({
    subject: commonNameInput(username),
    publicKey: keys.publicKey,
    signer: { privateKey: caKeys.privateKey, certificate: parseCertificate(ca.certPem) },
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 3600_000),
    keyUsages: ['digitalSignature'],
    extendedKeyUsages: [EKU.clientAuth],
  });
  return { certPem: cert.pem, keyPem: await exportPrivateKeyPem(keys) };
}

/** What every target answered to a probe certificate: HTTP status per target name (0 = no answer). */
export type ProbeAnswers = Readonly<Record<string, number>>;

/** Scrapes every target once with `probe`. */
export async function probeTargets(targets: readonly ScrapeTarget[], probe: { certPem: string; keyPem: string }, servingCaPem: (t: ScrapeTarget) => string): Promise<ProbeAnswers> {
  const out: Record<string, number> = {};
  for (const t of targets) out[t.name] = (await scrapeDirect(t.address, probe, servingCaPem(t), 5000)).status;
  return out;
}

/**
 * Waits until every target accepts (`trusted`: 200) or refuses (`!trusted`: not 200) a certificate
 * issued by `ca`; returns the seconds it took.
 */
export async function waitForTargetsTrust(
  targets: readonly ScrapeTarget[],
  ca: CaPair,
  trusted: boolean,
  ctx: { readonly username: string; readonly servingCaPem: (t: ScrapeTarget) => string; readonly timeoutMs: number; readonly what: string },
): Promise<number> {
  const probe = await issueProbeCertificate(ca, ctx.username);
  const t0 = Date.now();
  await waitFor(
    async () => {
      const answers = await probeTargets(targets, probe, ctx.servingCaPem);
      // Thrown, so the timeout names the last answers.
      if (!Object.values(answers).every((status) => (status === 200) === trusted)) throw new Error(`targets answered ${JSON.stringify(answers)}`);
      return true;
    },
    { what: ctx.what, timeoutMs: ctx.timeoutMs, intervalMs: 1000 },
  );
  return (Date.now() - t0) / 1000;
}
