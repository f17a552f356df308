import { isIP } from 'node:net';

/**
 * Which proxies' `X-Forwarded-For` entries name the client: a hop count (the nearest N proxies are trusted, and
 * the address the last of them saw is the client's), or the proxies' own addresses and CIDR ranges. Never
 * "everything": with that, the leftmost entry, which any client can write, would be taken as its address.
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for whole ranges (`loopback` is 127.0.0.1/8 and ::1/128, and so on). */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY's value, or a sentence saying what is wrong with it and what to write instead. */
export function parseTrustProxy(text: string): TrustProxy | { error: string } {
  const value = text.trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') {
    return {
      error:
        'TRUST_PROXY=true is refused: it trusts every X-Forwarded-For entry, so any client could choose its own ' +
        'address and escape the limit on failed requests. Write the number of proxies in front of this server ' +
        '(TRUST_PROXY=1 behind one load balancer) or their addresses or CIDR ranges (TRUST_PROXY=10.0.0.0/8)',
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) return { error: `TRUST_PROXY must be a hop count from 1 to 10, got "${value}"` };
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !isAddressOrRange(e));
  if (bad !== undefined) {
    return {
      error: `TRUST_PROXY must be a hop count (1, 2, …) or comma-separated proxy addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32, loopback), and "${bad}" is neither`,
    };
  }
  return entries;
}
