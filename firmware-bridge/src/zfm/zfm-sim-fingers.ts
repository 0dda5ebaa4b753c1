import type { GreyImage } from '../fingerprint/fingerprint-reader.ts';
import { ZFM_IMAGE_HEIGHT, ZFM_IMAGE_WIDTH } from './zfm-image.ts';
import { seededRandom } from '@lmc/core/seeded-random.ts';

/**
 * Procedural fingerprints for the simulator (SFinGe-style, Cappelli et al.): an orientation field
 * from the zero-pole model around core/delta points (Sherlock & Monro) plus a smooth per-finger
 * perturbation, a ridge period of ~9 px (0.45 mm at 500 dpi), and ridges grown from seeded noise by
 * repeated Gabor filtering along that field, which also produces endings and bifurcations.
 *
 * The master pattern depends only on (person, finger), so captures of one finger agree; each capture
 * then adds the variation a real sensor sees: shift, rotation, pressure (ridge width), contrast,
 * coverage (how much of the finger touched) and sensor noise.
 */
export interface CaptureConditions {
  /** 0.4 light … 1 normal … 1.6 heavy: heavier pressure widens ridges. */
  readonly pressure?: number;
  /** 0 … 1 ridge/valley contrast. */
  readonly contrast?: number;
  /** 0.2 … 1 fraction of the normal contact ellipse (partial prints below ~0.5). */
  readonly coverage?: number;
  /** Standard deviation of additive sensor noise in grey levels. */
  readonly noise?: number;
  /** Maximum random shift in pixels and rotation in degrees for this capture. */
  readonly maxShiftPx?: number;
  readonly maxRotationDeg?: number;
}

const MASTER_W = 304;
const MASTER_H = 336;
/**
 * Ridges are grown on a grid at 0.6 × sensor resolution (a ~5.4 px period is still well sampled) and
 * sampled back bilinearly: ~6× less work than growing them at full resolution.
 */
const GRID_SCALE = 0.6;
const GW = Math.round(MASTER_W * GRID_SCALE);
const GH = Math.round(MASTER_H * GRID_SCALE);
const ORIENTATIONS = 32;
const KERNEL_RADIUS = 4;


function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface MasterPrint {
  /** Grid size; one grid step is 1 / GRID_SCALE sensor pixels. */
  readonly width: number;
  readonly height: number;
  /** Ridge signal in [-1, 1]; positive is ridge (dark on the sensor). */
  readonly ridges: Float32Array;
  readonly periodPx: number;
}

const masterCache = new Map<string, MasterPrint>();

export function masterPrint(personId: string, finger: string): MasterPrint {
  const key = `${personId}\u0000${finger}`;
  const cached = masterCache.get(key);
  if (cached) return cached;
  const m = generateMaster(seededRandom(`zfm-sim-finger:${key}`));
  if (masterCache.size > 64) masterCache.clear();
  masterCache.set(key, m);
  return m;
}

function orientationField(rand: () => number): Float32Array {
  const cx = MASTER_W / 2 + (rand() - 0.5) * 60;
  const cy = MASTER_H * 0.42 + (rand() - 0.5) * 60;
  const kind = rand();
  const cores: Array<[number, number]> = [];
  const deltas: Array<[number, number]> = [];
  let arch = false;
  if (kind < 0.35) {
    // Loop opening to one side: one core, one delta below and to the other side.
    const side = rand() < 0.5 ? -1 : 1;
    cores.push([cx, cy]);
    deltas.push([cx + side * (70 + rand() * 40), cy + 110 + rand() * 40]);
  } else if (kind < 0.7) {
    // Whorl: two cores close together, deltas low on both sides.
    cores.push([cx - 8 - rand() * 10, cy - 10], [cx + 8 + rand() * 10, cy + 10]);
    deltas.push([cx - 110 - rand() * 30, cy + 120 + rand() * 30], [cx + 110 + rand() * 30, cy + 120 + rand() * 30]);
  } else if (kind < 0.9) {
    // Tented arch: core directly above a delta.
    cores.push([cx, cy]);
    deltas.push([cx + (rand() - 0.5) * 20, cy + 60 + rand() * 30]);
  } else {
    arch = true;
  }
  const base = (rand() - 0.5) * 0.4;
  const waves = Array.from({ length: 4 }, () => ({
    amp: 0.12 + rand() * 0.22,
    kx: ((rand() - 0.5) * 2 * Math.PI) / 140,
    ky: ((rand() - 0.5) * 2 * Math.PI) / 140,
    phase: rand() * 2 * Math.PI,
  }));
  const archHeight = 0.6 + rand() * 0.6;
  const theta = new Float32Array(GW * GH);
  for (let gy = 0; gy < GH; gy++) {
    for (let gx = 0; gx < GW; gx++) {
      const x = gx / GRID_SCALE;
      const y = gy / GRID_SCALE;
      let t = base;
      if (arch) {
        const u = (x - cx) / 90;
        t += Math.atan(-archHeight * u * Math.exp(-(u * u) / 2) * Math.exp(-(((y - cy) / 160) ** 2)));
      } else {
        for (const [px, py] of cores) t += 0.5 * Math.atan2(y - py, x - px);
        for (const [px, py] of deltas) t -= 0.5 * Math.atan2(y - py, x - px);
      }
      for (const w of waves) t += w.amp * Math.sin(w.kx * x + w.ky * y + w.phase);
      theta[gy * GW + gx] = t;
    }
  }
  return theta;
}

function gaborBank(periodPx: number): Float32Array[] {
  const sigma = periodPx * 0.38;
  const size = 2 * KERNEL_RADIUS + 1;
  const bank: Float32Array[] = [];
  for (let q = 0; q < ORIENTATIONS; q++) {
    const t = (q * Math.PI) / ORIENTATIONS;
    const k = new Float32Array(size * size);
    let sum = 0;
    for (let dy = -KERNEL_RADIUS; dy <= KERNEL_RADIUS; dy++) {
      for (let dx = -KERNEL_RADIUS; dx <= KERNEL_RADIUS; dx++) {
        // Distance across the ridge direction t.
        const across = -dx * Math.sin(t) + dy * Math.cos(t);
        const v = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * Math.cos((2 * Math.PI * across) / periodPx);
        k[(dy + KERNEL_RADIUS) * size + dx + KERNEL_RADIUS] = v;
        sum += v;
      }
    }
    // Zero mean so flat regions do not drift.
    for (let i = 0; i < k.length; i++) k[i] = (k[i] ?? 0) - sum / k.length;
    bank.push(k);
  }
  return bank;
}

function generateMaster(rand: () => number): MasterPrint {
  const periodPx = 8.5 + rand() * 1.5;
  const theta = orientationField(rand);
  const bank = gaborBank(periodPx * GRID_SCALE);
  const size = 2 * KERNEL_RADIUS + 1;
  const q = new Uint8Array(GW * GH);
  for (let i = 0; i < q.length; i++) {
    const t = (((theta[i] ?? 0) % Math.PI) + Math.PI) % Math.PI;
    q[i] = Math.round((t / Math.PI) * ORIENTATIONS) % ORIENTATIONS;
  }
  // Work in a zero-padded buffer so the convolution's inner loop needs no bounds checks.
  const R = KERNEL_RADIUS;
  const PW = GW + 2 * R;
  const PH = GH + 2 * R;
  let img = new Float32Array(PW * PH);
  let next = new Float32Array(PW * PH);
  for (let y = 0; y < GH; y++) for (let x = 0; x < GW; x++) img[(y + R) * PW + x + R] = rand() * 2 - 1;
  const ITERATIONS = 6;
  let scale = 1;
  for (let iter = 0; iter <= ITERATIONS; iter++) {
    // The last pass stays linear: a smooth, sinusoid-like profile that resamples without jaggies.
    const linear = iter === ITERATIONS;
    for (let y = 0; y < GH; y++) {
      for (let x = 0; x < GW; x++) {
        const k = bank[q[y * GW + x] ?? 0] as Float32Array;
        let acc = 0;
        let ki = 0;
        for (let dy = 0; dy < size; dy++) {
          let pi = (y + dy) * PW + x;
          for (let dx = 0; dx < size; dx++) acc += (k[ki++] as number) * (img[pi++] as number);
        }
        next[(y + R) * PW + x + R] = linear ? acc : Math.tanh(acc * 0.6);
        if (linear) scale = Math.max(scale, Math.abs(acc));
      }
    }
    [img, next] = [next, img];
  }
  for (let i = 0; i < img.length; i++) img[i] = Math.tanh((2 * (img[i] ?? 0)) / scale);
  const ridges = new Float32Array(GW * GH);
  for (let y = 0; y < GH; y++) ridges.set(img.subarray((y + R) * PW + R, (y + R) * PW + R + GW), y * GW);
  return { width: GW, height: GH, ridges, periodPx };
}

/** Ridge signal at master-pattern pixel (x, y). */
function sample(m: MasterPrint, px: number, py: number): number {
  const x = px * GRID_SCALE;
  const y = py * GRID_SCALE;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  if (x0 < 0 || y0 < 0 || x0 + 1 >= m.width || y0 + 1 >= m.height) return -1;
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * m.width + x0;
  const r = m.ridges;
  return (
    (r[i] ?? 0) * (1 - fx) * (1 - fy) + (r[i + 1] ?? 0) * fx * (1 - fy) + (r[i + m.width] ?? 0) * (1 - fx) * fy + (r[i + m.width + 1] ?? 0) * fx * fy
  );
}

/** Background grey of an empty R30x optical window (light, slightly below white). */
export const SENSOR_BACKGROUND = 236;

export function blankSensorImage(captureSeed = 'blank', noise = 1.5): GreyImage {
  const rand = seededRandom(captureSeed);
  const pixels = new Uint8Array(ZFM_IMAGE_WIDTH * ZFM_IMAGE_HEIGHT);
  for (let i = 0; i < pixels.length; i++) pixels[i] = clampByte(SENSOR_BACKGROUND + gaussian(rand) * noise);
  return { width: ZFM_IMAGE_WIDTH, height: ZFM_IMAGE_HEIGHT, pixels };
}

/** One capture of a finger: the master pattern seen through this capture's conditions. */
export function renderCapture(personId: string, finger: string, captureSeed: string, c: CaptureConditions = {}): GreyImage {
  const m = masterPrint(personId, finger);
  const rand = seededRandom(`zfm-sim-capture:${personId}:${finger}:${captureSeed}`);
  const maxShift = c.maxShiftPx ?? 6;
  const maxRot = ((c.maxRotationDeg ?? 4) * Math.PI) / 180;
  const shiftX = (rand() * 2 - 1) * maxShift;
  const shiftY = (rand() * 2 - 1) * maxShift;
  const rot = (rand() * 2 - 1) * maxRot;
  const pressure = c.pressure ?? 1 + (rand() - 0.5) * 0.2;
  const contrast = c.contrast ?? 0.9 + (rand() - 0.5) * 0.1;
  const coverage = c.coverage ?? 1;
  const noise = c.noise ?? 3;
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  const W = ZFM_IMAGE_WIDTH;
  const H = ZFM_IMAGE_HEIGHT;
  // Contact ellipse: the fingertip is narrower than the window and sits a little high.
  const ex = W / 2 + shiftX * 0.5;
  const ey = H * 0.52 + shiftY * 0.5;
  const ax = 112 * Math.sqrt(coverage);
  const ay = 150 * Math.sqrt(coverage);
  // Partial contact is off-centre (finger rolled or placed at the edge).
  const offX = (1 - coverage) * 70;
  const threshold = (pressure - 1) * 0.9;
  const pixels = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = (x - ex - offX) / ax;
      const dy = (y - ey) / ay;
      const r = Math.sqrt(dx * dx + dy * dy);
      // Soft edge: contact fades over the outer 15 % of the ellipse.
      const contact = Math.min(1, Math.max(0, (1 - r) / 0.15));
      let v = SENSOR_BACKGROUND;
      if (contact > 0) {
        const u = x - W / 2;
        const w = y - H / 2;
        const mx = MASTER_W / 2 + cos * u - sin * w - shiftX;
        const my = MASTER_H / 2 + sin * u + cos * w - shiftY;
        const ridge = 1 / (1 + Math.exp(-4 * (sample(m, mx, my) + threshold)));
        const valley = SENSOR_BACKGROUND - 25;
        const depth = 200 * contrast * contact;
        v = valley - depth * ridge + (1 - contact) * 25;
      }
      pixels[y * W + x] = clampByte(v + gaussian(rand) * noise);
    }
  }
  return { width: W, height: H, pixels };
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

export { seededRandom };
