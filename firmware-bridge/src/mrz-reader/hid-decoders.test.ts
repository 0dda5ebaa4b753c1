import { describe, expect, it } from 'vitest';
import { FrameParser, type FrameRead } from './frame-parser.ts';
import { HidKeyboardDecoder, SUBSTITUTE } from './hid-keyboard-decoder.ts';
import { HidPosDecoder, hidPosPayload } from './hid-pos-decoder.ts';
import { TD3_SPECIMEN } from './icao-specimens.ts';
import { typeOnKeyboard } from './keyboard-report-encoder.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => [...Buffer.from(s, 'latin1')];

describe('HidKeyboardDecoder (boot-keyboard reports from a keyboard-wedge reader)', () => {
  it('types shifted letters, digits, shift+comma as "<", repeated keys, and Enter as CR', () => {
    const d = new HidKeyboardDecoder();
    // Each report: modifiers, reserved, six usage ids. Left shift = 02, right shift = 20.
    const recording = [
      '02 00 13 00 00 00 00 00', // left shift + usage 13 ('p') → 'P'
      '00 00 00 00 00 00 00 00', // release
      '20 00 36 00 00 00 00 00', // right shift + usage 36 (',') → '<'
      '00 00 00 00 00 00 00 00', // release
      '20 00 36 00 00 00 00 00', // '<' again: a new key-down after the release
      '00 00 00 00 00 00 00 00', // release
      '02 00 18 00 00 00 00 00', // shift + 18 ('u') → 'U'
      '02 00 18 00 00 00 00 00', // same key still held (repeat report): types nothing
      '02 00 00 00 00 00 00 00', // key up, shift still down
      '00 00 1e 00 00 00 00 00', // 1E → '1'
      '00 00 1e 27 00 00 00 00', // 27 ('0') pressed while 1E held: only the new key types → '0'
      '00 00 00 00 00 00 00 00', // release
      '00 00 01 01 01 01 01 01', // ErrorRollOver in every slot: phantom state, ignored
      '00 00 00 00 00 00 00 00', // release
      '00 00 28 00 00 00 00 00', // 28 Enter → CR
      '00 00 00 00 00 00 00 00', // release
    ];
    const out = Buffer.concat(recording.map((r) => d.push(hex(r))));
    expect(out.toString('latin1')).toBe('P<<U10\r');
  });

  it('turns unmapped keys and Ctrl/Alt chords into SUB so the parser drops the line instead of misreading it', () => {
    const d = new HidKeyboardDecoder();
    const out = Buffer.concat([
      d.push(hex('00 00 3a 00 00 00 00 00')), // 3A = F1: no character
      d.push(hex('00 00 00 00 00 00 00 00')),
      d.push(hex('01 00 04 00 00 00 00 00')), // left Ctrl + 'a'
      d.push(hex('00 00 00 00 00 00 00 00')),
      d.push(hex('00 00 04 00 00 00 00 00')), // 'a' without shift: lower case, not an MRZ character
    ]);
    expect([...out]).toEqual([SUBSTITUTE, SUBSTITUTE, 0x61]);
  });

  it('skips a report id when the device numbers its reports, and ignores short reports', () => {
    const d = new HidKeyboardDecoder({ reportId: true });
    expect(d.push(hex('01 02 00 04 00 00 00 00 00')).toString()).toBe('A'); // report id 01, shift + 'a'
    expect(d.push(hex('01'))).toHaveLength(0);
  });

  it('feeds the frame parser: a whole TD3 typed as key-down/release pairs is read as one document', () => {
    const d = new HidKeyboardDecoder();
    const reads: FrameRead[] = [];
    const parser = new FrameParser({ onRead: (r) => reads.push(r), onRejected: () => {} });
    for (const report of typeOnKeyboard(`${TD3_SPECIMEN.join('\n')}\n`)) parser.push(d.push(report));
    parser.dispose();
    expect(reads.map((r) => r.lines)).toEqual([[...TD3_SPECIMEN]]);
  });
});

describe('Access-IS HID POS reports', () => {
  // A TD3 OCR message `1C 02 line1 0D line2 0D 03 1D` (94 bytes) split over two 64-byte input reports.
  const report1 = Buffer.from([
    0xbf, // length byte: bit 7 set (masked off), bits 0–6 = 0x3F = 63 payload bytes follow
    0x1c, // FS: start of an OCR message
    0x02, // STX
    ...ascii('P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<'), // line 1, 44 bytes
    0x0d, // CR between lines
    ...ascii('L898902C36UTO740'), // first 16 bytes of line 2 (2 + 44 + 1 + 16 = 63)
  ]);
  const report2 = Buffer.concat([
    Buffer.from([
      0x1f, // length byte: bit 7 clear, 31 payload bytes
      ...ascii('8122F1204159ZE184226B<<<<<10'), // rest of line 2, 28 bytes
      0x0d, // CR after line 2
      0x03, // ETX
      0x1d, // GS: end of the OCR message
    ]),
    Buffer.alloc(64 - 32), // padding to the fixed report size
  ]);

  it('strips the length byte (bit 7 masked) and the padding', () => {
    expect(report1).toHaveLength(64);
    expect(report2).toHaveLength(64);
    expect(hidPosPayload(report1)).toHaveLength(63);
    const p2 = hidPosPayload(report2);
    expect(p2).toHaveLength(31);
    expect([...p2.subarray(-3)]).toEqual([0x0d, 0x03, 0x1d]);
  });

  it('assembles the OCR lines from the concatenated reports', () => {
    const d = new HidPosDecoder();
    expect(d.push(report1)).toEqual([]);
    expect(d.push(report2)).toEqual([{ kind: 'ocr', lines: [...TD3_SPECIMEN] }]);
    expect(d.discardedBytes).toBe(0);
  });

  it('recognises barcode and magnetic-stripe messages as what they are', () => {
    const d = new HidPosDecoder();
    const barcode = Buffer.from([0x09, 0x1e, 0x02, ...ascii('QABCD'), 0x03, 0x1f]); // 9 bytes: 1E 02 'Q' "ABCD" 03 1F
    const msr = Buffer.from([0x06, 0x0e, 0x02, ...ascii('%B1'), 0x03]); // 0E 02 "%B1" 03 (0F follows next report)
    const msrEnd = Buffer.from([0x01, 0x0f]);
    const msgs = [...d.push(barcode), ...d.push(msr), ...d.push(msrEnd)];
    expect(msgs).toEqual([
      { kind: 'barcode', symbology: 'Q', data: Buffer.from('ABCD') },
      { kind: 'msr', data: Buffer.from('%B1') },
    ]);
  });

  it('survives a corrupt length byte larger than the report', () => {
    expect(hidPosPayload(Buffer.from([0x7f, 0x41, 0x42]))).toEqual(Buffer.from('AB'));
    expect(hidPosPayload(Buffer.alloc(0))).toHaveLength(0);
  });

  it('feeds the frame parser, which reports the Access-IS framing', () => {
    const reads: FrameRead[] = [];
    const rejected: unknown[] = [];
    const parser = new FrameParser({ onRead: (r) => reads.push(r), onRejected: (r) => rejected.push(r) });
    parser.push(hidPosPayload(report1));
    parser.push(hidPosPayload(report2));
    parser.flush();
    expect(reads.map((r) => [r.framing, r.lines])).toEqual([['access-is', [...TD3_SPECIMEN]]]);
    expect(rejected).toEqual([]);
  });
});
