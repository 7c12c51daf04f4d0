import { describe, expect, it } from 'vitest';
import { findSecretMaterial, pemBodyLines } from './secret-scan.js';

describe('findSecretMaterial', () => {
  it('finds key headers, JWTs, bearer tokens and planted secrets, and nothing in clean or redacted text', () => {
    expect(findSecretMaterial('x -----BEGIN EC PRIVATE KEY----- y', 'a')).toEqual([{ where: 'a', what: 'PEM private key' }]);
    expect(findSecretMaterial('tok eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0.c2lnbmF0dXJlMTIz', 'a').map((f) => f.what)).toEqual(['JWT']);
    expect(findSecretMaterial('Authorization: Bearer abcdefgh12345', 'a').map((f) => f.what)).toEqual(['Bearer token']);
    expect(findSecretMaterial('leaked MIGHAgEAMBMGByqGSM49AgEGCCqGSM49 here', 'a', ['MIGHAgEAMBMGByqGSM49AgEGCCqGSM49']).map((f) => f.what)).toEqual(['planted secret #0']);
    expect(findSecretMaterial('{"msg":"token Bearer [REDACTED] here","key":"[REDACTED]"}', 'a', ['short'])).toEqual([]);
    expect(pemBodyLines('-----BEGIN X-----\nAAAAAAAAAAAAAAAAAAAA\nBB\n-----END X-----\n')).toEqual(['AAAAAAAAAAAAAAAAAAAA']);
  });
});
