import { certificateMatchesKey, importPrivateKeyPem, parseCertificate } from '@certscrape/pkcs';

/** What one look at a tls.crt/tls.key pair found. */
export type PairVerdict = 'match' | 'mismatch' | 'incomplete';

/**
 * Compares the public key of `certPem` with the public key of `keyPem` (SPKI bytes, as the
 * operator and the scraper-proxy do). An absent half is `incomplete`; a half that does not parse
 * counts as a mismatch (a scraper could not use it either).
 */
export async function checkPair(certPem: string | undefined, keyPem: string | undefined): Promise<PairVerdict> {
  if (!certPem || !keyPem) return 'incomplete';
  try {
    return (await certificateMatchesKey(parseCertificate(certPem), await importPrivateKeyPem(keyPem))) ? 'match' : 'mismatch';
  } catch {
    return 'mismatch';
  }
}

/** Lower-case hex serial without leading zeros (as Prometheus labels and the scenario print it). */
export function serialOf(certPem: string): string {
  return parseCertificate(certPem).serialNumber.toLowerCase().replace(/^0+/, '');
}
