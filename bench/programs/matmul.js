// Plain-JS twin of matmul.tj.

export function main(n, print) {
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * n);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      a[i * n + j] = ((i * 7 + j * 3) % 11) - 5.0;
      b[i * n + j] = ((i * 5 + j * 2) % 13) * 0.5;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  let trace = 0.0;
  let sum = 0.0;
  for (let i = 0; i < n; i++) trace += c[i * n + i];
  for (let i = 0; i < n * n; i++) sum += c[i];
  print(trace.toFixed(3));
  print(sum.toFixed(3));
}
