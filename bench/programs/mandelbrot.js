// Plain-JS twin of mandelbrot.tj.

export function main(n, _print) {
  let inside = 0;
  for (let y = 0; y < n; y++) {
    const ci = (y * 2.0) / n - 1.0;
    for (let x = 0; x < n; x++) {
      const cr = (x * 2.0) / n - 1.5;
      let zr = 0.0;
      let zi = 0.0;
      let i = 0;
      while (i < 50 && zr * zr + zi * zi <= 4.0) {
        const t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        i++;
      }
      if (i === 50) inside++;
    }
  }
  return inside;
}
