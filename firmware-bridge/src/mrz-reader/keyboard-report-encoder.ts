/**
 * The inverse of HidKeyboardDecoder for MRZ text: the boot-keyboard reports a keyboard-wedge reader sends
 * (key-down with left shift for upper case and `<`, then an all-zero release; '\n' is Enter). Used to
 * replay a reader in tests and to drive a HID device seam without hardware.
 */
export function typeOnKeyboard(text: string): Buffer[] {
  const reports: Buffer[] = [];
  for (const ch of text) {
    let mod = 0;
    let usage: number;
    if (ch >= 'A' && ch <= 'Z') {
      mod = 0x02;
      usage = 0x04 + ch.charCodeAt(0) - 0x41;
    } else if (ch >= '1' && ch <= '9') usage = 0x1e + ch.charCodeAt(0) - 0x31;
    else if (ch === '0') usage = 0x27;
    else if (ch === '<') {
      mod = 0x02;
      usage = 0x36;
    } else if (ch === '\n') usage = 0x28;
    else throw new RangeError(`no key for ${JSON.stringify(ch)} in an MRZ`);
    reports.push(Buffer.from([mod, 0, usage, 0, 0, 0, 0, 0]), Buffer.alloc(8));
  }
  return reports;
}
