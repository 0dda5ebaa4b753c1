/**
 * The daily office report (A4 PDF): totals of one day broken down by sex, age group, district
 * of origin and intended occupation, each a row with a bar, and a small column chart of the
 * week. Counts only: no names or document numbers appear.
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

    const sections: Array<[string, Bucket[]]> = [
      ['By sex', data.bySex],
      ['By age group (age on the day)', data.byAgeGroup],
      ['By district of origin', data.byDistrict],
      ['By intended occupation', data.byOccupation],
    ];
    for (const [title, buckets] of sections) {
      doc.moveDown(0.8).font('Helvetica-Bold').fontSize(11).text(title, left, doc.y, { width });
      barRows(doc, buckets, data.total, left, width);
    }
    doc
      .moveDown(1)
      .font('Helvetica-Oblique')
      .fontSize(8)
      .fillColor('#444')
      .text(
        'District of origin and intended occupation are not captured by the registration form yet: every registration is ' +
          'counted as "not recorded" until they are. Age and sex come from the machine-readable zone of the travel document.',
        left,
        doc.y,
        { width },
      )
      .text(`Generated ${options.generatedAt}.`, { width })
      .fillColor('black');
  });
}

function barRows(doc: Pdf, buckets: Bucket[], total: number, left: number, width: number): void {
  const labelW = 130;
  const countW = 60;
  const barMax = width - labelW - countW - 10;
  for (const b of buckets) {
    const y = doc.y + 3;
    doc.font('Helvetica').fontSize(9).fillColor('black').text(b.label, left, y, { width: labelW, lineBreak: false });
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
