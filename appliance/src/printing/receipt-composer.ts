/**
 * Lays out the migrant's thermal receipt as a ReceiptDocument (what goes on the paper, top to
 * bottom); the escpos encoder turns it into bytes. Layout is in character columns of font A:
 * 48 on 80 mm paper, 32 on 58 mm (Epson TM-T20 spec, firmware-bridge receipt-document.ts).
 */
import type { ReceiptBlock, ReceiptDocument, PaperWidth } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { PAPER } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import type { ReceiptCatalogue } from './receipt-catalogue.ts';
import type { ReceiptFacts } from './receipt-facts.ts';

export interface ComposeOptions {
  paperWidth: PaperWidth;
  /** Printed as the help line when set (config `receipts.helpLine`). */
  helpLine?: string;
  /** A copy asked for after the original printed: marked so two "originals" never exist. */
  copy?: boolean;
  /** Extra sections after "what happens next", already in the receipt's language (e.g. the terms of the jobs asked for, recruitment/). */
  sections?: ReadonlyArray<{ title: string; lines: readonly string[] }>;
}

/**
 * QR module size in dots: a version-7 symbol (45 modules, what the ZLMC1 payload needs at ECC M)
 * is 225 dots (28 mm at 203 dpi) on 80 mm paper, 180 dots on 58 mm. Both scan from arm's length.
 */
const QR_MODULE = { 58: 4, 80: 5 } as const;

/**
 * The receipt printer is sent code page 437 and the catalogue keeps to ASCII, but names of
 * offices come from config: accents are folded (é → e) and anything else becomes '?', so a
 * stray character can never make the encoder refuse the whole receipt.
 */
export function printable(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, (c) => (/\s/.test(c) ? ' ' : '?'));
}

/** Greedy word wrap; words longer than the line are split. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of printable(text).split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function composeReceipt(facts: ReceiptFacts, text: ReceiptCatalogue, options: ComposeOptions): ReceiptDocument {
  const columns: number = PAPER[options.paperWidth].columns;
  const rule: ReceiptBlock = { kind: 'text', text: '-'.repeat(columns) };
  const blocks: ReceiptBlock[] = [];
  const centred = (s: string, extra: Partial<Extract<ReceiptBlock, { kind: 'text' }>> = {}, width = columns) => {
    for (const line of wrap(s, width)) blocks.push({ kind: 'text', text: line, align: 'center', ...extra });
  };

  centred(text.t('country'), { bold: true, size: 2 }, Math.floor(columns / 2));
  centred(text.t('centre'), { bold: true });
  centred(facts.officeName);
  blocks.push(rule);
  if (options.copy) centred(text.t('copy'), { bold: true });

  const rows: Array<[string, string]> = [
    [text.t('labels.number'), facts.registrationNumber],
    [text.t('labels.name'), facts.name],
    [text.t('labels.nationality'), facts.nationality],
    [text.t('labels.document'), `${facts.documentType === 'passport' ? 'P' : facts.documentType === 'visa' ? 'V' : 'ID'} ${facts.documentNumberMasked}`],
    [text.t('labels.date'), facts.dateTime],
    [text.t('labels.office'), facts.officeCode],
    [text.t('labels.officer'), facts.officerId],
  ];
  const labelWidth = Math.min(14, Math.max(...rows.map(([l]) => printable(l).length)) + 2);
  for (const [label, value] of rows) {
    const lines = wrap(value, columns - labelWidth);
    lines.forEach((line, i) => {
      blocks.push({ kind: 'text', text: `${(i === 0 ? printable(label) : '').padEnd(labelWidth)}${line}` });
    });
  }
  blocks.push(rule);
  centred(text.t('registered'), { bold: true, size: 2 }, Math.floor(columns / 2));
  blocks.push({ kind: 'qr', data: facts.qr, moduleSize: QR_MODULE[options.paperWidth], ecc: 'M' });
  centred(text.t('verify'));
  blocks.push(rule);

  blocks.push({ kind: 'text', text: printable(text.t('nextSteps.title')), bold: true });
  for (const [i, key] of ['nextSteps.step1', 'nextSteps.step2', 'nextSteps.step3'].entries()) {
    for (const [j, line] of wrap(text.t(key), columns - 3).entries()) blocks.push({ kind: 'text', text: `${j === 0 ? `${i + 1}. ` : '   '}${line}` });
  }
  for (const section of options.sections ?? []) {
    blocks.push(rule, { kind: 'text', text: printable(section.title), bold: true });
    for (const line of section.lines) {
      if (line === '') blocks.push({ kind: 'feed', lines: 1 });
      else for (const part of wrap(line, columns)) blocks.push({ kind: 'text', text: part });
    }
  }
  blocks.push({ kind: 'feed', lines: 1 });
  const help = options.helpLine ? text.t('help', { helpLine: options.helpLine }) : text.t('helpNoLine');
  for (const line of wrap(help, columns)) blocks.push({ kind: 'text', text: line });
  centred(text.t('keep'), { bold: true });
  blocks.push({ kind: 'feed', lines: 1 }, { kind: 'cut' });
  return { blocks };
}
