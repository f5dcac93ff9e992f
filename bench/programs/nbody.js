// Plain-JS twin of nbody.tj.

const PI = 3.141592653589793;
const SOLAR_MASS = 4.0 * PI * PI;
const DAYS_PER_YEAR = 365.24;
const BODIES = 5;

const x = new Float64Array(BODIES);
const y = new Float64Array(BODIES);
const z = new Float64Array(BODIES);
const vx = new Float64Array(BODIES);
const vy = new Float64Array(BODIES);
const vz = new Float64Array(BODIES);
const mass = new Float64Array(BODIES);

function body(i, px, py, pz, pvx, pvy, pvz, m) {
  x[i] = px;
  y[i] = py;
  z[i] = pz;
  vx[i] = pvx * DAYS_PER_YEAR;
  vy[i] = pvy * DAYS_PER_YEAR;
  vz[i] = pvz * DAYS_PER_YEAR;
  mass[i] = m * SOLAR_MASS;
}

function init() {
  body(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0);
  body(
    1,
    4.8414314424647209,
    -1.16032004402742839,
    -1.03622044471123109e-1,
    1.66007664274403694e-3,
    7.69901118419740425e-3,
    -6.90460016972063023e-5,
    9.54791938424326609e-4,
  );
  body(
    2,
    8.34336671824457987,
    4.12479856412430479,
    -4.03523417114321381e-1,
    -2.76742510726862411e-3,
    4.99852801234917238e-3,
    2.30417297573763929e-5,
    2.85885980666130812e-4,
  );
  body(
    3,
    1.2894369562139131e1,
    -1.51111514016986312e1,
    -2.23307578892655734e-1,
    2.96460137564761618e-3,
    2.3784717395948095e-3,
    -2.96589568540237556e-5,
    4.36624404335156298e-5,
  );
  body(
    4,
    1.53796971148509165e1,
    -2.59193146099879641e1,
    1.79258772950371181e-1,
    2.68067772490389322e-3,
    1.62824170038242295e-3,
    -9.5159225451971587e-5,
    5.15138902046611451e-5,
  );
  let px = 0.0;
  let py = 0.0;
  let pz = 0.0;
  for (let i = 0; i < BODIES; i++) {
    px += vx[i] * mass[i];
    py += vy[i] * mass[i];
    pz += vz[i] * mass[i];
  }
  vx[0] = -px / SOLAR_MASS;
  vy[0] = -py / SOLAR_MASS;
  vz[0] = -pz / SOLAR_MASS;
}

function advance(dt) {
  for (let i = 0; i < BODIES; i++) {
    for (let j = i + 1; j < BODIES; j++) {
      const dx = x[i] - x[j];
      const dy = y[i] - y[j];
      const dz = z[i] - z[j];
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      vx[i] -= dx * mass[j] * mag;
      vy[i] -= dy * mass[j] * mag;
      vz[i] -= dz * mass[j] * mag;
      vx[j] += dx * mass[i] * mag;
      vy[j] += dy * mass[i] * mag;
      vz[j] += dz * mass[i] * mag;
    }
  }
  for (let i = 0; i < BODIES; i++) {
    x[i] += dt * vx[i];
    y[i] += dt * vy[i];
    z[i] += dt * vz[i];
  }
}

function energy() {
  let e = 0.0;
  for (let i = 0; i < BODIES; i++) {
    e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    for (let j = i + 1; j < BODIES; j++) {
      const dx = x[i] - x[j];
      const dy = y[i] - y[j];
      const dz = z[i] - z[j];
      e -= (mass[i] * mass[j]) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

export function main(n, print) {
  init();
  print(energy().toFixed(9));
  for (let step = 0; step < n; step++) advance(0.01);
  print(energy().toFixed(9));
}
