/**
 * The daily office report (A4 PDF): totals of one day broken down by every field the registration records
 * (report-data.ts sections), each a row with a bar, and a small column chart of the week. Counts only: no names
 * or document numbers appear. Sections flow onto further pages.
 */
import type { Bucket, DailyReportData } from './report-data.ts';
import { A4, type Pdf, pdfText, renderPdf } from './pdf-support.ts';

export interface DailyReportOptions {
  officeName: string;
  generatedAt: string;
}

const BAR = '#2b6cb0';

export function dailyReportPdf(data: DailyReportData, options: DailyReportOptions): Promise<Buffer> {
  return renderPdf({ title: `Daily registration report ${data.officeCode} ${data.date}`, subject: 'Labour Migration Centre daily report' }, (doc) => {
    const left = A4.margin;
    const width = A4.width - 2 * A4.margin;
    doc.font('Helvetica-Bold').fontSize(16).text('Daily registration report', left, A4.margin, { width });
    doc.font('Helvetica').fontSize(11).text(`${pdfText(options.officeName)} (${data.officeCode})`, { width });
    doc.text(`Day: ${data.date}`, { width });
    doc.moveDown(0.5).font('Helvetica-Bold').fontSize(13).text(`Registrations finalized: ${data.total}`, { width });

    doc.moveDown(0.8);
    weekChart(doc, data.lastSevenDays, left, doc.y, width, 110);

    for (const { title, buckets } of data.sections) {
      // A section starts on a new page rather than leaving its heading alone at the foot of one.
      if (doc.y + 16 + 12 * Math.min(buckets.length, 3) > A4.height - A4.margin) doc.addPage();
      doc.moveDown(0.8).font('Helvetica-Bold').fontSize(11).text(title, left, doc.y, { width });
      barRows(doc, buckets, data.total, left, width);
    }
    doc
      .moveDown(1)
      .font('Helvetica-Oblique')
      .fontSize(8)
      .fillColor('#444')
      .text(
        'Sex, age and nationality come from the machine-readable zone of the travel document; the other sections from the details ' +
          'the officer recorded. "not recorded": a registration saved without that detail; "none": an optional detail left empty.',
        left,
        doc.y,
        { width },
      )
      .text(`Generated ${options.generatedAt}.`, { width })
      .fillColor('black');
  });
}

function barRows(doc: Pdf, buckets: Bucket[], total: number, left: number, width: number): void {
  const labelW = 260;
  const countW = 60;
  const barMax = width - labelW - countW - 10;
  for (const b of buckets) {
    if (doc.y + 15 > A4.height - A4.margin) doc.addPage();
    const y = doc.y + 3;
    doc.font('Helvetica').fontSize(9).fillColor('black').text(pdfText(b.label), left, y, { width: labelW, height: 11, ellipsis: true, lineBreak: false });
    const w = total > 0 ? (b.count / total) * barMax : 0;
    if (w > 0) doc.rect(left + labelW, y, Math.max(w, 1), 9).fill(BAR);
    doc.fillColor('black').text(String(b.count), left + labelW + barMax + 10, y, { width: countW, align: 'right', lineBreak: false });
    doc.x = left;
    doc.y = y + 12;
  }
}

function weekChart(doc: Pdf, days: Bucket[], left: number, top: number, width: number, height: number): void {
  const max = Math.max(1, ...days.map((d) => d.count));
  const plotH = height - 28;
  const slot = width / days.length;
  doc.font('Helvetica').fontSize(8).fillColor('black');
  doc.text('Registrations per day, last 7 days', left, top, { width });
  const base = top + 14 + plotH;
  doc.moveTo(left, base).lineTo(left + width, base).lineWidth(0.5).stroke();
  days.forEach((d, i) => {
    const h = (d.count / max) * (plotH - 10);
    const x = left + i * slot + slot * 0.2;
    if (h > 0) doc.rect(x, base - h, slot * 0.6, h).fill(i === days.length - 1 ? '#c05621' : BAR);
    doc.fillColor('black').text(String(d.count), x, base - h - 10, { width: slot * 0.6, align: 'center', lineBreak: false });
    doc.text(d.label.slice(5), x, base + 3, { width: slot * 0.6, align: 'center', lineBreak: false });
  });
  doc.x = left;
  doc.y = base + 16;
}
