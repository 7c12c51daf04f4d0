// A WebCrypto wrapper that counts signature verifications (to prove per-socket caching).
export function countingCrypto(): { crypto: Crypto; verifications: () => number } {
  let n = 0;
  const subtle = globalThis.crypto.subtle;
  const counted = new Proxy(subtle, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === 'verify' && typeof v === 'function') {
        return (...args: unknown[]) => {
          n++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const crypto = new Proxy(globalThis.crypto, {
    get(target, prop) {
      if (prop === 'subtle') return counted;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { crypto, verifications: () => n };
}
