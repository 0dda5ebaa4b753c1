import { describe, expect, it } from 'vitest';
import { SerialTransport } from '../transport/serial-transport.ts';
import { encodeCommand } from './zfm-commands.ts';
import { encodePacket, PacketType, ZFM_DEFAULT_ADDRESS, ZFM_OVERHEAD_BYTES, type ZfmPacket } from './zfm-packet.ts';
import { blankSensorImage, renderCapture } from './zfm-sim-fingers.ts';
import { decodeSimTemplate, extractFeatures, matchScore, templateFromImage } from './zfm-sim-template.ts';
import { startPtySimulator } from './zfm-simulator-pty.ts';
import { usePtyLine } from './zfm-test-support.ts';
import { ZfmStreamParser } from './zfm-stream-parser.ts';

describe('simulated fingerprints', () => {
  it('are stable across captures of one finger and distinct between fingers', () => {
    const a1 = extractFeatures(renderCapture('sim-a', 'right-index', '1'));
    const a2 = extractFeatures(renderCapture('sim-a', 'right-index', '2'));
    const aLeft = extractFeatures(renderCapture('sim-a', 'left-index', '1'));
    const b1 = extractFeatures(renderCapture('sim-b', 'right-index', '1'));
    const genuine = matchScore(a1, a2);
    expect(genuine).toBeGreaterThan(650);
    expect(matchScore(a1, aLeft)).toBeLessThan(450);
    expect(matchScore(a1, b1)).toBeLessThan(450);
  });

  it('separate genuine from impostor scores across eight fingers', () => {
    const fingers = ['p1', 'p2', 'p3', 'p4'].flatMap((p) => [`${p}|right-index`, `${p}|left-index`]);
    const features = fingers.map((f) => {
      const [p = '', finger = ''] = f.split('|');
      return [0, 1].map((s) => extractFeatures(renderCapture(p, finger, `sep-${s}`)));
    });
    const genuine = features.map(([x, y]) => matchScore(x!, y!));
    const impostor: number[] = [];
    for (let i = 0; i < features.length; i++) for (let j = i + 1; j < features.length; j++) impostor.push(matchScore(features[i]![0]!, features[j]![1]!));
    // The simulator's default threshold (security level 3) is 600.
    expect(Math.min(...genuine)).toBeGreaterThan(600);
    expect(Math.max(...impostor)).toBeLessThan(600);
  });

  it('vary per capture (shift, noise) while keeping the same ridges', () => {
    const x = renderCapture('sim-c', 'right-index', '1').pixels;
    const y = renderCapture('sim-c', 'right-index', '2').pixels;
    let differing = 0;
    for (let i = 0; i < x.length; i++) if (Math.abs((x[i] ?? 0) - (y[i] ?? 0)) > 40) differing++;
    expect(differing).toBeGreaterThan(x.length * 0.05);
  });

  it('round-trip a template through its 512-byte encoding and refuse foreign bytes', () => {
    const t = templateFromImage(renderCapture('sim-d', 'left-index', '1'));
    expect(t.length).toBe(512);
    expect(decodeSimTemplate(t)?.foreground).toBeGreaterThan(100);
    expect(decodeSimTemplate(new Uint8Array(512).fill(0xff))).toBeUndefined();
    expect(decodeSimTemplate(t.subarray(0, 100))).toBeUndefined();
    expect(extractFeatures(blankSensorImage()).foreground).toBe(0);
  });
});

describe('ZfmSimulator wire behaviour', () => {
  const line = usePtyLine<SerialTransport>();


  it('paces replies at its baud rate: an UpChar phase takes at least bytes × 10 / baud', async () => {
    const baudRate = 19_200;
    const sim = await startPtySimulator({ baudRate, packetSize: 128 });
    line.sim = sim;
    const port = new SerialTransport({ path: sim.devicePath, baudRate });
    line.end = port;
    await port.open();
    const received: Array<{ packet: ZfmPacket; at: number }> = [];
    const parser = new ZfmStreamParser({ onPacket: (packet) => received.push({ packet, at: performance.now() }) });
    port.on('data', (c) => parser.push(c));
    const send = (payload: Uint8Array) => port.write(encodePacket({ address: ZFM_DEFAULT_ADDRESS, type: PacketType.Command, payload }));
    const until = async (n: number) => {
      while (received.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    sim.simulator.placeFinger('pace', 'right-index');
    await send(encodeCommand('GenImg', {}));
    await until(1);
    await send(encodeCommand('Img2Tz', { buffer: 1 }));
    await until(2);
    const start = performance.now();
    await send(encodeCommand('UpChar', { buffer: 1 }));
    // ack (1 + 2 checksum) + 4 data packets of 128 bytes, each with 11 bytes of envelope.
    await until(2 + 1 + 4);
    const elapsed = (received.at(-1)?.at ?? 0) - start;
    const bytes = ZFM_OVERHEAD_BYTES + 1 + 4 * (128 + ZFM_OVERHEAD_BYTES);
    expect(received.at(-1)?.packet.type).toBe(PacketType.EndData);
    // Lower bound only: a loaded machine may be slower, never faster than the wire.
    expect(elapsed).toBeGreaterThanOrEqual(((bytes * 10) / baudRate) * 1000 * 0.95);
  });
});
