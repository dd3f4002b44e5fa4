import { stringify } from 'csv-stringify/sync';
import type { SheetData } from 'write-excel-file/node';
import type { DailyFigures, DailyReport } from './daily.ts';
import { SHIPPED_REPORT_LABELS, figureLabels, type ReportLabels } from './page.ts';

type Section = keyof DailyFigures;
const figureColumns = (labels: ReportLabels) =>
  (
    Object.entries(figureLabels(labels)) as [Section, readonly [string, Record<string, string>]][]
  ).flatMap(([section, [title, figures]]) =>
    Object.entries(figures).map(([key, label]) => ({ section, key, heading: `${title}·${label}` })),
  );

/** The headings of the exported sheet, in zh-CN (the risk-area heading from the configuration). */
export const reportHeadings = (labels: ReportLabels): readonly string[] => [
  '日期',
  '级别',
  '管区',
  '社区',
  ...figureColumns(labels).map((c) => c.heading),
];
/** The shipped Kutao district's headings. */
export const REPORT_HEADINGS: readonly string[] = reportHeadings(SHIPPED_REPORT_LABELS);

/**
 * The report as rows for a sheet: each district's communities, then the district's subtotal, and
 * the whole last; names in Chinese.
 */
export function reportRows(
  report: DailyReport,
  labels: ReportLabels = SHIPPED_REPORT_LABELS,
): (string | number)[][] {
  const columns = figureColumns(labels);
  const figures = (f: DailyFigures) =>
    columns.map((c) => (f[c.section] as Record<string, number>)[c.key]!);
  const rows: (string | number)[][] = [];
  for (const d of report.districts) {
    for (const c of report.communities.filter((x) => x.district === d.district))
      rows.push([
        report.date,
        '社区',
        labels.district(d.district),
        labels.place(c.community),
        ...figures(c),
      ]);
    rows.push([report.date, '管区小计', labels.district(d.district), '', ...figures(d)]);
  }
  rows.push([report.date, '合计', '', '', ...figures(report.total)]);
  return rows;
}

/**
 * CSV for Excel in a Chinese locale: UTF-8 with a byte-order mark (without it Excel reads the
 * bytes as GBK and 合计 turns to garbage), every field quoted, CRLF line ends.
 */
export function reportCsv(
  report: DailyReport,
  labels: ReportLabels = SHIPPED_REPORT_LABELS,
): string {
  return stringify([reportHeadings(labels), ...reportRows(report, labels)], {
    bom: true,
    quoted: true,
    quoted_empty: true,
    record_delimiter: 'windows',
  });
}

/** The report as an .xlsx workbook: one sheet, Chinese headings in a frozen header row. */
export async function reportWorkbook(
  report: DailyReport,
  labels: ReportLabels = SHIPPED_REPORT_LABELS,
): Promise<Buffer> {
  const headings = reportHeadings(labels);
  const header = headings.map((value) => ({ value, fontWeight: 'bold' as const, wrap: true }));
  const data: SheetData = [
    header,
    ...reportRows(report, labels).map((row) => row.map((value) => ({ value }))),
  ];
  // Loaded on the first workbook asked for: it costs a process about 20 MB, and most never write one.
  const { default: writeXlsxFile } = await import('write-excel-file/node');
  return writeXlsxFile(data, {
    sheet: `每日报表 ${report.date}`,
    stickyRowsCount: 1,
    columns: headings.map((_, i) => ({ width: i < 4 ? 12 : 10 })),
  }).toBuffer();
}
