// Plain-JS twin of hash.tj.

function popcount(x) {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

function rotl(x, r) {
  return (x << r) | (x >>> (32 - r));
}

export function main(n, print) {
  let h = 0x9747b28c | 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(i, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    bits = (bits + popcount(h)) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  print(String(bits));
  return h;
}
