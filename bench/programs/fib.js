// Plain-JS twin of fib.tj.

function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

export function main(n, _print) {
  return fib(n);
}
