// Plain-JS twin of sieve.tj.

export function main(n, _print) {
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    if (i * i < n) {
      for (let j = i * i; j < n; j += i) composite[j] = 1;
    }
  }
  return count;
}
