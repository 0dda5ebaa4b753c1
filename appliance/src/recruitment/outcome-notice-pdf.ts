/**
 * The printed notice a migrant is handed when shortlisted or selected (issue #17 item 5): A4, in the migrant's
 * language, with the vacancy's terms as they were shown when interest was recorded, so the contract can be
 * checked against them before signing (contract substitution). English under it for the office file when the
 * migrant's language is another.
 */
import { A4, type Pdf, pdfText, renderPdf } from '../documents/pdf-support.ts';
import { type ReceiptLanguage, receiptCatalogue } from '../printing/receipt-catalogue.ts';
import type { OutcomeNotice } from './outcome-notices.ts';
import { termsBlock } from './terms-text.ts';

function section(doc: Pdf, notice: OutcomeNotice, language: ReceiptLanguage, left: number, width: number, small: boolean): void {
  const c = receiptCatalogue(language);
  const size = small ? 8.5 : 11;
  doc.font('Helvetica-Bold').fontSize(small ? 10 : 16).text(pdfText(c.t('recruitment.notice.title')), left, doc.y, { width, align: small ? 'left' : 'center' });
  doc.moveDown(0.3).font('Helvetica-Bold').fontSize(size + 1).text(pdfText(c.t(`recruitment.notice.${notice.status}`)), left, doc.y, { width });
  doc.font('Helvetica').fontSize(size).text(`${c.t('labels.number')}: ${notice.registrationNumber}   ${c.t('labels.date')}: ${notice.statusOn}`, left, doc.y + 4, { width });
  if (notice.vacancy) {
    const b = termsBlock(notice.vacancy, language);
    doc.moveDown(0.4).font('Helvetica-Bold').fontSize(size + 1).text(pdfText(b.title), left, doc.y, { width });
    if (b.demo) doc.font('Helvetica-Bold').fontSize(size).fillColor('#a00').text(pdfText(b.demo), left, doc.y, { width }).fillColor('black');
    for (const [label, value] of b.rows) {
      const y = doc.y + 2;
      doc.font('Helvetica-Bold').fontSize(size).text(pdfText(label), left, y, { width: 140 });
      doc.font('Helvetica').fontSize(size).text(pdfText(value), left + 145, y, { width: width - 145 });
    }
    doc.moveDown(0.3).font('Helvetica-Bold').fontSize(size).text(pdfText(b.costs), left, doc.y, { width });
  } else {
    doc.font('Helvetica').fontSize(size).text(`Vacancy ${pdfText(notice.vacancyId)}`, left, doc.y + 4, { width });
  }
  doc.moveDown(0.4).font('Helvetica').fontSize(size).text(pdfText(c.t('recruitment.notice.next')), left, doc.y, { width });
}

export function outcomeNoticePdf(notice: OutcomeNotice, o: { officeName: string; generatedAt: string }): Promise<Buffer> {
  return renderPdf({ title: `Job notice ${notice.registrationNumber}`, subject: 'Labour Migration Centre recruitment notice' }, (doc) => {
    const left = A4.margin;
    const width = A4.width - 2 * A4.margin;
    doc.font('Helvetica-Bold').fontSize(14).text('ZIMBABWE - Labour Migration Centre', left, A4.margin, { width, align: 'center' });
    doc.font('Helvetica').fontSize(11).text(pdfText(o.officeName), { width, align: 'center' });
    doc.moveTo(left, doc.y + 6).lineTo(left + width, doc.y + 6).stroke();
    doc.y += 16;
    section(doc, notice, notice.language, left, width, false);
    if (notice.language !== 'en') {
      doc.moveDown(1).fillColor('#444');
      doc.moveTo(left, doc.y).lineTo(left + width, doc.y).dash(3, { space: 3 }).stroke().undash();
      doc.y += 8;
      doc.font('Helvetica-Oblique').fontSize(8).text('English, for the office file:', left, doc.y, { width });
      section(doc, notice, 'en', left, width, true);
      doc.fillColor('black');
    }
    doc.fontSize(7).fillColor('#666').text(`Generated ${o.generatedAt}. Candidacy ${notice.candidacyId}.`, left, A4.height - A4.margin - 10, { width, align: 'center', lineBreak: false }).fillColor('black');
  });
}
