import { SHIPPED_DISTRICT, type District } from '@fangyi/service-kit';
import type { DailyFigures } from './daily.ts';

/** The names a page or sheet shows for ids, from the district's configuration. */
export interface ReportLabels {
  place(id: string): string;
  district(id: string): string;
  /** The heading of the people from the risk areas (湖北籍 in Kutao). */
  readonly riskAreasHeading: string;
}

export const reportLabelsOf = (district: District): ReportLabels => ({
  place: district.placeLabel,
  district: (id) => (id === 'unassigned' ? '未划分管区' : `${district.districtLabel(id)}管区`),
  riskAreasHeading: district.config.riskAreas.heading,
});

/** The shipped Kutao district's names. */
export const SHIPPED_REPORT_LABELS: ReportLabels = reportLabelsOf(SHIPPED_DISTRICT);

type FigureLabels = {
  readonly [S in keyof DailyFigures]: readonly [
    string,
    { readonly [K in keyof DailyFigures[S]]: string },
  ];
};

/** zh-CN names of the daily report's figures, in the order the street office reads them; the risk-area heading from the configuration. */
export function figureLabels(labels: ReportLabels): FigureLabels {
  return {
    ...FIGURE_LABELS,
    people: [
      FIGURE_LABELS.people[0],
      { ...FIGURE_LABELS.people[1], outsideFromRiskAreas: labels.riskAreasHeading },
    ],
  };
}

/** zh-CN names of the daily report's figures, in the order the street office reads them. */
export const FIGURE_LABELS: FigureLabels = {
  households: [
    '住户',
    {
      total: '总户数',
      ownerOccupied: '自住',
      rental: '出租房屋',
      apartmentHotel: '公寓旅馆',
      rentalsSuspended: '暂停出租',
    },
  ],
  people: [
    '人员',
    {
      registered: '登记人数',
      local: '本地户籍',
      outside: '外来人员',
      outsideFromRiskAreas: SHIPPED_DISTRICT.config.riskAreas.heading,
      screenedOnDate: '当日排查',
      abnormalScreeningsOnDate: '排查异常',
      activePasses: '有效通行证',
    },
  ],
  homeQuarantine: [
    '居家隔离',
    {
      underQuarantine: '在隔离',
      startedOnDate: '当日新增',
      endedOnDate: '当日解除',
      checksDueOnDate: '应随访',
      checksDoneOnDate: '已随访',
      missedOnDate: '漏报',
      escalationsRaisedOnDate: '当日预警',
      escalationsOpen: '未处理预警',
    },
  ],
  checkpoints: [
    '卡口',
    {
      open: '卡口数',
      entries: '进入',
      exits: '外出',
      refusals: '劝返',
      feverOnEntry: '发热',
      breaches: '隔离人员外出',
    },
  ],
  complaints: [
    '投诉举报',
    {
      filedOnDate: '当日受理',
      open: '待处理',
      resolvedOnDate: '当日办结',
      substantiatedRentalReports: '违规出租属实（累计）',
      finesYuan: '累计罚款（元）',
      rewardsYuan: '累计奖励（元）',
    },
  ],
};

const escapeHtml = (value: unknown) =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export interface ReportPageModel {
  readonly date: string;
  readonly asOfLocal: string;
  readonly total: DailyFigures;
  readonly communities: readonly ({ community: string; district: string } & DailyFigures)[];
  readonly districts: readonly ({ district: string } & DailyFigures)[];
  /** Names for ids; default the shipped Kutao district's. */
  readonly labels?: ReportLabels;
}

/** The daily report as a page: one row per community and the district total, figures grouped by section. */
export function renderReportPage(m: ReportPageModel): string {
  const labels = m.labels ?? SHIPPED_REPORT_LABELS;
  const sections = Object.entries(figureLabels(labels)) as [
    keyof DailyFigures,
    readonly [string, Record<string, string>],
  ][];
  const groupHeader = sections
    .map(([, [title, figures]]) => `<th colspan="${Object.keys(figures).length}">${title}</th>`)
    .join('');
  const figureHeader = sections
    .flatMap(([, [, figures]]) => Object.values(figures).map((label) => `<th>${label}</th>`))
    .join('');
  const cells = (f: DailyFigures) =>
    sections
      .flatMap(([section, [, figures]]) =>
        Object.keys(figures).map((k) => `<td>${(f[section] as Record<string, number>)[k]}</td>`),
      )
      .join('');
  const rows = m.districts
    .flatMap((d) => [
      ...m.communities
        .filter((c) => c.district === d.district)
        .map((r) => `<tr><th>${escapeHtml(labels.place(r.community))}</th>${cells(r)}</tr>`),
      `<tr class="district"><th>${escapeHtml(labels.district(d.district))}小计</th>${cells(d)}</tr>`,
    ])
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>防疫 · 每日报表 ${escapeHtml(m.date)}</title>
<style>
 body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 1.5rem; color: #1f2328; }
 h1 { font-size: 1.3rem; margin: 0 0 .3rem; } .meta { color: #59636e; margin-bottom: 1rem; }
 table { border-collapse: collapse; font-size: .85rem; }
 th, td { border: 1px solid #d1d9e0; padding: .3rem .45rem; text-align: right; white-space: nowrap; }
 thead th { background: #f6f8fa; text-align: center; } tbody th { text-align: left; } tfoot, tr.district { font-weight: 600; background: #f6f8fa; }
</style>
</head>
<body>
<h1>每日报表（报街道指挥部）</h1>
<div class="meta">日期 ${escapeHtml(m.date)} · 生成于 ${escapeHtml(m.asOfLocal)}
 <form style="display:inline" method="get" action="/report/daily"> · 日期 <input type="date" name="date" value="${escapeHtml(m.date)}"><input type="hidden" name="format" value="html"> <button>查看</button></form></div>
<table>
<thead><tr><th rowspan="2">社区</th>${groupHeader}</tr><tr>${figureHeader}</tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th>合计</th>${cells(m.total)}</tr></tfoot>
</table>
</body>
</html>`;
}
