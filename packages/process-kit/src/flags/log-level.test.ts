import { describe, expect, it } from 'vitest';
import { parseLogLevel, parseVerbosity, resolveLogLevel } from './log-level.js';

describe('log level', () => {
  it('maps klog verbosity onto pino levels', () => {
    expect(['0', '1', '2', '4', '5', '10'].map((v) => parseVerbosity(v))).toEqual(['info', 'info', 'debug', 'debug', 'trace', 'trace']);
    expect(() => parseVerbosity('high')).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_LOG_LEVEL' }));
  });
  it('takes --log-level, else -v, else LOG_LEVEL, else info', () => {
    expect(resolveLogLevel({ logLevel: 'warn', verbosity: '9', env: 'error' })).toBe('warn');
    expect(resolveLogLevel({ verbosity: '3', env: 'error' })).toBe('debug');
    expect(resolveLogLevel({ env: 'error' })).toBe('error');
    expect(resolveLogLevel({ env: '' })).toBe('info');
    expect(() => parseLogLevel('loud')).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_LOG_LEVEL' }));
  });
});
