import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apiStatusCode, describeApiError, isConflict, isGone, isNotFound } from './api-errors.js';

describe('api error helpers', () => {
  const conflict = new ApiException(409, 'conflict', JSON.stringify({ kind: 'Status', message: 'the object has been modified' }), {});
  it('reads the ApiException code', () => {
    expect(isConflict(conflict)).toBe(true);
    expect(isNotFound(conflict)).toBe(false);
    expect(isNotFound(new ApiException(404, 'nf', '', {}))).toBe(true);
    expect(apiStatusCode(new Error('ECONNREFUSED'))).toBeUndefined();
  });
  it('reads the Watch statusCode', () => {
    expect(isGone(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe(true);
  });
  it('describes with the Status message', () => {
    expect(describeApiError(conflict)).toBe('HTTP 409: the object has been modified');
  });
});
