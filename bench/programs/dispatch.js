// Plain-JS twin of dispatch.tj.

const opAdd = (x) => (x + 7) | 0;
const opMix = (x) => x ^ (x >>> 3);
const opMul = (x) => Math.imul(x, 3);
const opSub = (x) => (x - 11) | 0;

export function main(n, _print) {
  const handlers = [opAdd, opMix, opMul, opSub];
  let acc = 1;
  let pc = 12345;
  for (let i = 0; i < n; i++) {
    pc = (Math.imul(pc, 1103515245) + 12345) | 0;
    acc = handlers[(pc >>> 16) & 3](acc);
  }
  return acc;
}
