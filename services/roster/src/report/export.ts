import { stringify } from 'csv-stringify/sync';
import type { SheetData } from 'write-excel-file/node';
import { placeLabel } from '@fangyi/contracts';
import { UNKNOWN_DISTRICT, type DailyFigures, type DailyReport } from './daily.ts';
import { FIGURE_LABELS } from './page.ts';

/** A district's name as the street office writes it: 枯桃管区. */
export const districtLabel = (district: string) => (district === UNKNOWN_DISTRICT ? '未划分管区' : `${placeLabel(district)}管区`);

type Section = keyof DailyFigures;
const figureColumns = (Object.entries(FIGURE_LABELS) as [Section, readonly [string, Record<string, string>]][]).flatMap(([section, [title, figures]]) =>
  Object.entries(figures).map(([key, label]) => ({ section, key, heading: `${title}·${label}` })),
);

/** The headings of the exported sheet, in zh-CN. */
export const REPORT_HEADINGS: readonly string[] = ['日期', '级别', '管区', '社区', ...figureColumns.map((c) => c.heading)];

/**
 * The report as rows for a sheet: each district's communities, then the district's subtotal, and
 * the whole last; names in Chinese.
 */
export function reportRows(report: DailyReport): (string | number)[][] {
  const figures = (f: DailyFigures) => figureColumns.map((c) => (f[c.section] as Record<string, number>)[c.key]!);
  const rows: (string | number)[][] = [];
  for (const d of report.districts) {
    for (const c of report.communities.filter((x) => x.district === d.district)) rows.push([report.date, '社区', districtLabel(d.district), placeLabel(c.community), ...figures(c)]);
    rows.push([report.date, '管区小计', districtLabel(d.district), '', ...figures(d)]);
  }
  rows.push([report.date, '合计', '', '', ...figures(report.total)]);
  return rows;
}

/**
 * CSV for Excel in a Chinese locale: UTF-8 with a byte-order mark (without it Excel reads the
 * bytes as GBK and 合计 turns to garbage), every field quoted, CRLF line ends.
 */
export function reportCsv(report: DailyReport): string {
  return stringify([REPORT_HEADINGS, ...reportRows(report)], { bom: true, quoted: true, quoted_empty: true, record_delimiter: 'windows' });
}

/** The report as an .xlsx workbook: one sheet, Chinese headings in a frozen header row. */
export async function reportWorkbook(report: DailyReport): Promise<Buffer> {
  const header = REPORT_HEADINGS.map((value) => ({ value, fontWeight: 'bold' as const, wrap: true }));
  const data: SheetData = [header, ...reportRows(report).map((row) => row.map((value) => ({ value })))];
  // Loaded on the first workbook asked for: it costs a process about 20 MB, and most never write one.
  const { default: writeXlsxFile } = await import('write-excel-file/node');
  return writeXlsxFile(data, {
    sheet: `每日报表 ${report.date}`,
    stickyRowsCount: 1,
    columns: REPORT_HEADINGS.map((_, i) => ({ width: i < 4 ? 12 : 10 })),
  }).toBuffer();
}
