import { useState } from 'preact/hooks';
import { api, apiText, type SessionUser } from '../api.ts';
import { formatDate, formatTime, localNow, place, riskAreasHeading } from '../i18n.ts';
import { ActionMessage, LiveBar, Notice, download, useAction, usePoll } from '../ui.tsx';
import { workbook } from '../xlsx.ts';

type Figures = Record<string, Record<string, number>>;
interface Report {
  readonly date: string;
  readonly asOf: string;
  readonly total: Figures;
  readonly districts?: readonly ({ district: string } & Figures)[];
  readonly communities: readonly ({ community: string; district?: string } & Figures)[];
}

/** An instant with its year: an as-of question may go back to another year. */
const fullTime = (iso: string) => `${formatDate(localNow(new Date(iso)).date)} ${formatTime(iso)}`;

const districtName = (d: string) => (d === 'unassigned' ? '未划分管区' : `${place(d)}管区`);

/** Communities under their district, each district closed by its subtotal, then the total. */
function rowsOf(
  report: Report,
): { label: string; figures: Figures; kind: 'community' | 'subtotal' | 'total' }[] {
  const community = (c: Report['communities'][number]) => ({
    label: place(c.community),
    figures: c as Figures,
    kind: 'community' as const,
  });
  const districts = report.districts ?? [];
  const rows: { label: string; figures: Figures; kind: 'community' | 'subtotal' | 'total' }[] =
    districts.flatMap((d) => [
      ...report.communities.filter((c) => c.district === d.district).map(community),
      {
        label: `${districtName(d.district)}小计`,
        figures: d as Figures,
        kind: 'subtotal' as const,
      },
    ]);
  // Communities no district lists (an older answer without districts) still show.
  const listed = new Set(districts.map((d) => d.district));
  rows.push(
    ...report.communities.filter((c) => !c.district || !listed.has(c.district)).map(community),
  );
  rows.push({ label: '合计', figures: report.total, kind: 'total' as const });
  return rows;
}

/** A datetime-local value (the district's wall clock) as an instant with the district's offset. */
const instantOf = (local: string) =>
  local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : '';

/** The report's columns: group, field, zh-CN heading. */
const COLUMNS: readonly [string, string, string][] = [
  ['households', 'total', '户数'],
  ['households', 'rental', '出租户'],
  ['households', 'rentalsSuspended', '停租户'],
  ['people', 'registered', '登记人数'],
  ['people', 'outside', '外来人员'],
  ['people', 'outsideFromRiskAreas', ''],
  ['people', 'activePasses', '有效通行证'],
  ['homeQuarantine', 'underQuarantine', '居家隔离'],
  ['homeQuarantine', 'startedOnDate', '当日新增隔离'],
  ['homeQuarantine', 'checksDueOnDate', '应测次数'],
  ['homeQuarantine', 'checksDoneOnDate', '已测次数'],
  ['homeQuarantine', 'missedOnDate', '漏测'],
  ['homeQuarantine', 'escalationsOpen', '未结预警'],
  ['checkpoints', 'open', '开放卡口'],
  ['checkpoints', 'entries', '进入'],
  ['checkpoints', 'exits', '外出'],
  ['checkpoints', 'refusals', '劝返'],
  ['checkpoints', 'breaches', '违反隔离'],
  ['complaints', 'filedOnDate', '当日投诉'],
  ['complaints', 'open', '未结投诉'],
  ['complaints', 'finesYuan', '罚款（元）'],
  ['complaints', 'rewardsYuan', '奖励（元）'],
];

const value = (f: Figures, group: string, field: string) => f[group]?.[field] ?? 0;
/** A column's heading; the risk areas' is the district's (湖北籍 in Kutao). */
const headingOf = ([, field, label]: readonly [string, string, string]) =>
  field === 'outsideFromRiskAreas' ? riskAreasHeading() : label;

export function ReportPage(_props: { user: SessionUser }) {
  const [date, setDate] = useState(localNow().date);
  const [asOf, setAsOf] = useState('');
  const query = () =>
    `date=${encodeURIComponent(date)}${asOf ? `&knownAt=${encodeURIComponent(instantOf(asOf))}` : ''}`;
  const poll = usePoll(() => api<Report>('GET', `/report/daily?${query()}`), [date, asOf], 60_000);
  const action = useAction();
  const report = poll.data;
  const rows = report ? rowsOf(report) : [];
  const csv = () =>
    void action.run(async () => {
      const text = await apiText(`/report/daily?${query()}&format=csv`);
      download(`每日报表-${date}.csv`, 'text/csv;charset=utf-8', `\ufeff${text}`);
      return '已下载 CSV。';
    });
  const xlsx = () =>
    void action.run(async () => {
      if (!report) return;
      const table = [
        ['社区', ...COLUMNS.map(headingOf)],
        ...rows.map((r) => [r.label, ...COLUMNS.map(([g, f]) => value(r.figures, g, f))]),
      ];
      download(
        `每日报表-${date}.xlsx`,
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        workbook(`每日报表 ${date}`.slice(0, 31), table),
      );
      return '已下载 Excel 工作簿。';
    });
  return (
    <>
      <h1 tabIndex={-1}>每日报表</h1>
      <div class="row no-print">
        <label class="field field-inline">
          <span>日期</span>
          <input
            type="date"
            name="date"
            value={date}
            max={localNow().date}
            onInput={(e) => e.currentTarget.value && setDate(e.currentTarget.value)}
          />
        </label>
        <label class="field field-inline">
          <span>截至时间（不填为现在）</span>
          <input
            type="datetime-local"
            name="asOf"
            value={asOf}
            onChange={(e) => setAsOf(e.currentTarget.value)}
            aria-describedby="asof-hint"
          />
        </label>
        {asOf ? (
          <button type="button" class="btn btn-beside-field" onClick={() => setAsOf('')}>
            回到现在
          </button>
        ) : null}
      </div>
      <p id="asof-hint" class="muted no-print">
        填写截至时间，报表只计入那一刻系统已经登记的情况（之后补录的不计入），用于核对当时上报的数字。
      </p>
      <div class="row no-print">
        <button type="button" class="btn" onClick={csv} disabled={action.busy}>
          下载 CSV
        </button>
        <button type="button" class="btn" onClick={xlsx} disabled={action.busy || !report}>
          下载 Excel
        </button>
        <button type="button" class="btn" onClick={() => print()}>
          打印
        </button>
      </div>
      <ActionMessage message={action.message} />
      <div class="no-print">
        <LiveBar {...poll} />
      </div>
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
      {report ? (
        <>
          <p class="muted">
            {formatDate(report.date)} ·{' '}
            {asOf ? `截至 ${fullTime(report.asOf)} 已登记的情况` : `截至 ${fullTime(report.asOf)}`}{' '}
            · 上报街道指挥部
          </p>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="每日报表（可横向滚动）">
            <table class="report">
              <thead>
                <tr>
                  <th scope="col">社区</th>
                  {COLUMNS.map((c) => (
                    <th scope="col" key={`${c[0]}.${c[1]}`}>
                      {headingOf(c)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.label} class={r.kind === 'community' ? undefined : r.kind}>
                    <th scope="row">{r.label}</th>
                    {COLUMNS.map(([g, f]) => (
                      <td key={`${g}.${f}`}>{value(r.figures, g, f)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : !poll.error ? (
        <p class="muted">正在加载报表…</p>
      ) : null}
    </>
  );
}
