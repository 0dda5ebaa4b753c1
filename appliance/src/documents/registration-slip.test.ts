import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { receiptFacts } from '../printing/receipt-facts.ts';
import { finalizedRegistration, testSigner } from '../printing/test-support.ts';
import { MAX_DOCUMENT_PHOTO_BYTES, registrationSlipPdf } from './registration-slip.ts';

const dir = mkdtempSync(join(tmpdir(), 'slip-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const facts = receiptFacts(finalizedRegistration(), { officeName: 'Beitbridge Labour Migration Centre', signer: testSigner() });
const base = { fingerprints: null, generatedAt: '2026-11-23T08:00:00.000Z', deviceId: 'apl-0123456789ab' };

/** A 400×280 "passport page": pure red, so it is easy to find on the rendered slip. */
function redPage(): { data: Buffer; width: number; height: number } {
  const width = 400;
  const height = 280;
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([220, 20, 20, 255], i * 4);
  return { data, width, height };
}

const save = (pdf: Buffer, name: string): string => {
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, pdf);
  return path;
};
/** pdfimages -list: one row per embedded image after two header lines; alpha masks (type smask) left out. */
const images = (path: string): string[][] =>
  execFileSync('pdfimages', ['-list', path])
    .toString('utf8')
    .trim()
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((row) => row[2] === 'image');
const pages = (path: string): number => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path]).toString('utf8'))?.[1]);
function redPixels(path: string, name: string): number {
  execFileSync('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', '-singlefile', path, join(dir, name)]);
  const png = PNG.sync.read(readFileSync(join(dir, `${name}.png`)));
  let n = 0;
  for (let i = 0; i < png.width * png.height; i++) if ((png.data[i * 4] ?? 0) > 180 && (png.data[i * 4 + 1] ?? 255) < 80) n++;
  return n;
}

describe('registration slip: captured photo of the document page', () => {
  it('without a photo the slip has the QR as its only image and no photo section', async () => {
    const path = save(await registrationSlipPdf(facts, base), 'none');
    expect(images(path)).toHaveLength(1);
    expect(execFileSync('pdftotext', [path, '-']).toString('utf8')).not.toContain('Travel document page');
    expect(redPixels(path, 'none')).toBe(0);
  });

  it.each(['png', 'jpeg'] as const)('shows a %s photo on the one-page slip, under its heading', async (kind) => {
    const page = redPage();
    const photo = kind === 'png' ? PNG.sync.write(Object.assign(new PNG({ width: page.width, height: page.height }), { data: page.data })) : jpeg.encode(page, 85).data;
    const path = save(await registrationSlipPdf(facts, { ...base, documentPhoto: photo }), kind);
    const list = images(path);
    expect(list).toHaveLength(2); // QR + photo
    expect(list.some((row) => row[3] === '400' && row[4] === '280')).toBe(true); // page, num, type, width, height
    expect(pages(path)).toBe(1);
    expect(execFileSync('pdftotext', [path, '-']).toString('utf8')).toContain('Travel document page (captured photo)');
    // At 40 dpi the 260×150 pt box is ~144×83 px of red (fitted keeping 400:280, so ~119×83).
    expect(redPixels(path, kind)).toBeGreaterThan(5000);
  });

  it('refuses a photo that is not an image, or too large, with a coded error', async () => {
    await expect(registrationSlipPdf(facts, { ...base, documentPhoto: Buffer.from('not a photo at all') })).rejects.toMatchObject({
      code: 'DOCUMENT_PHOTO_INVALID',
    });
    const huge = Buffer.alloc(MAX_DOCUMENT_PHOTO_BYTES + 1);
    huge.set([0xff, 0xd8, 0xff]);
    await expect(registrationSlipPdf(facts, { ...base, documentPhoto: huge })).rejects.toMatchObject({ code: 'DOCUMENT_PHOTO_TOO_LARGE' });
  });

  it('refuses a JPEG that only has the magic bytes, rather than writing a broken PDF', async () => {
    await expect(registrationSlipPdf(facts, { ...base, documentPhoto: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]) })).rejects.toMatchObject({
      code: 'DOCUMENT_PHOTO_INVALID',
    });
  });
});
