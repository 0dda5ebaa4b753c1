import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv.ts';

describe('RFC 4180 CSV', () => {
  it('quotes only fields with a comma, quote, CR or LF and doubles quotes', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r'].map(csvField)).toEqual([
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '"cr\r"',
    ]);
  });

  it('writes null and undefined as empty fields and ends every record with CRLF', () => {
    expect(toCsv(['a', 'b', 'c'], [[null, 3, true], [undefined, 0, false]])).toBe('a,b,c\r\n,3,true\r\n,0,false\r\n');
  });
});
