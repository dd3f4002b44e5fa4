import { useState } from 'preact/hooks';
import { api, apiText, type SessionUser } from '../api.ts';
import { formatDate, localNow, place, riskAreasHeading } from '../i18n.ts';
import { ActionMessage, LiveBar, Notice, download, useAction, usePoll } from '../ui.tsx';
import { workbook } from '../xlsx.ts';

type Figures = Record<string, Record<string, number>>;
interface Report {
  readonly date: string;
  readonly total: Figures;
  readonly communities: readonly ({ community: string } & Figures)[];
}

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
const headingOf = ([, field, label]: readonly [string, string, string]) => (field === 'outsideFromRiskAreas' ? riskAreasHeading() : label);

export function ReportPage(_props: { user: SessionUser }) {
  const [date, setDate] = useState(localNow().date);
  const poll = usePoll(() => api<Report>('GET', `/report/daily?date=${encodeURIComponent(date)}`), [date], 60_000);
  const action = useAction();
  const report = poll.data;
  const rows = report ? [...report.communities.map((c) => ({ label: place(c.community), figures: c as Figures })), { label: '管区合计', figures: report.total }] : [];
  const csv = () =>
    void action.run(async () => {
      const text = await apiText(`/report/daily?date=${encodeURIComponent(date)}&format=csv`);
      download(`每日报表-${date}.csv`, 'text/csv;charset=utf-8', `\ufeff${text}`);
      return '已下载 CSV。';
    });
  const xlsx = () =>
    void action.run(async () => {
      if (!report) return;
      const table = [['社区', ...COLUMNS.map(headingOf)], ...rows.map((r) => [r.label, ...COLUMNS.map(([g, f]) => value(r.figures, g, f))])];
      download(`每日报表-${date}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', workbook(`每日报表 ${date}`.slice(0, 31), table));
      return '已下载 Excel 工作簿。';
    });
  return (
    <>
      <h1 tabIndex={-1}>每日报表</h1>
      <div class="row no-print">
        <label class="field field-inline">
          <span>日期</span>
          <input type="date" name="date" value={date} max={localNow().date} onInput={(e) => e.currentTarget.value && setDate(e.currentTarget.value)} />
        </label>
      </div>
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
          <p class="muted">{formatDate(report.date)} · 上报街道指挥部</p>
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
                  <tr key={r.label}>
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
