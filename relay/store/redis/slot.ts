/**
 * Redis Cluster hash slots, computed the way the servers do (cluster.c
 * keyHashSlot): CRC16-XMODEM of the key's hash tag, mod 16384. The tag is
 * what sits between the first `{` and the first `}` after it, when that is
 * not empty; otherwise the whole key. Keys built by store/keys.ts carry
 * their atomic unit as that tag, so one unit is one slot.
 */
export const SLOTS = 16_384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
    t[i] = c & 0xffff;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The part of a key that decides its slot. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

const utf8 = new TextEncoder();

export function hashSlot(key: string): number {
  return crc16(utf8.encode(hashTag(key))) % SLOTS;
}

/**
 * A key prefix must leave the keys' own tags in charge: no braces at all
 * (`ciro:`), or one complete non-empty tag (`{tests}:`), which then puts every
 * key in that one slot. Anything else (`ciro{`, `{}`) would split one atomic
 * unit over several slots.
 */
export function prefixProblem(prefix: string): string | undefined {
  if (!/[{}]/.test(prefix)) return undefined;
  if (/^[^{}]*\{[^{}]+\}[^{}]*$/.test(prefix)) return undefined;
  return 'a key prefix may have no braces (keys keep their own {unit}), or one complete non-empty {tag} (every key in one slot)';
}
