import type { RosterEntry, SlotStatus } from '../roster/status.ts';

/** The roster as a page for follow-up callers, in zh-CN: one row a person, both slots of the day. */
const LABELS: Record<SlotStatus, string> = {
  'done-normal': '已随访·正常',
  'done-abnormal': '已随访·异常',
  missed: '已漏报',
  pending: '待随访',
  overdue: '已逾期',
  'before-registration': '登记前',
};

/** Why an attempt to reach the person failed. */
const ATTEMPT_REASONS: Record<string, string> = {
  'no-answer': '无人接听',
  'phone-off': '关机',
  refused: '拒绝配合',
  other: '其他原因',
};

const ESCALATION_STATUS: Record<string, string> = { open: '待确认', acknowledged: '已确认' };

const escapeHtml = (value: unknown) =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function slotCell(slot: RosterEntry['am']): string {
  const t = slot.temperatureC === null ? '' : ` ${slot.temperatureC.toFixed(1)}℃`;
  // Failed attempts are shown beside the status: the slot stays open, but the caller did try.
  const tried =
    slot.attempts > 0
      ? `<br><small class="attempts">未接通 ×${slot.attempts}${slot.lastAttemptReason ? `（${escapeHtml(ATTEMPT_REASONS[slot.lastAttemptReason] ?? slot.lastAttemptReason)}）` : ''}</small>`
      : '';
  return `<td class="${slot.status}">${LABELS[slot.status]}${escapeHtml(t)}${tried}</td>`;
}

function escalationCell(e: RosterEntry): string {
  if (e.openEscalations.length === 0) return '<td>—</td>';
  const items = e.openEscalations.map(
    (x) =>
      `${escapeHtml(x.date)} ${x.slot === 'am' ? '上午' : '下午'} ${x.temperatureC.toFixed(1)}℃ · ${ESCALATION_STATUS[x.status] ?? x.status}`,
  );
  return `<td class="escalation">${items.join('<br>')}</td>`;
}

export interface RosterPageModel {
  readonly date: string;
  readonly timeZone: string;
  readonly asOf: string;
  /** When the page was made, in the district's local time, for people. */
  readonly asOfLocal?: string;
  /** A community's name (the district's configuration); the id when not given. */
  readonly placeLabel?: (id: string) => string;
  readonly entries: readonly RosterEntry[];
  /** The cursor of the next page, if any: shown as a 下一页 form carrying the date. */
  readonly next?: string | null;
  readonly totals: {
    readonly people: number;
    readonly doneNormal: number;
    readonly doneAbnormal: number;
    readonly pending: number;
    readonly overdue: number;
    readonly missed: number;
    readonly openEscalations: number;
  };
}

export function renderRosterPage(m: RosterPageModel): string {
  const placeLabel = m.placeLabel ?? ((id: string) => id);
  const rows = m.entries
    .map(
      (e) => `<tr>
  <td>${escapeHtml(e.personName)}</td><td>${escapeHtml(placeLabel(e.community))}</td><td>第 ${e.day} / ${e.periodDays} 天</td>
  ${slotCell(e.am)}${slotCell(e.pm)}
  <td>${e.lastTemperatureC === null ? '—' : `${e.lastTemperatureC.toFixed(1)}℃`}</td>${escalationCell(e)}<td>${escapeHtml(e.assignedCaller)}</td>
  <td class="id">${escapeHtml(e.caseId)}</td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="30">
<title>防疫 · 居家隔离随访名单 ${escapeHtml(m.date)}</title>
<style>
 body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 1.5rem; color: #1f2328; }
 h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
 .meta { color: #59636e; margin-bottom: 1rem; }
 table { border-collapse: collapse; width: 100%; }
 th, td { border-bottom: 1px solid #d1d9e0; padding: .45rem .6rem; text-align: left; }
 th { background: #f6f8fa; }
 .done-normal { color: #1a7f37; } .done-abnormal { color: #fff; background: #cf222e; }
 .pending { color: #9a6700; } .overdue { color: #fff; background: #bc4c00; } .missed { color: #fff; background: #6e7781; } .before-registration { color: #59636e; }
 .attempts { opacity: .85; } .escalation { color: #cf222e; }
 .id { font-family: ui-monospace, monospace; font-size: .75rem; color: #59636e; }
 .totals span { margin-right: 1.2rem; }
</style>
</head>
<body>
<h1>居家隔离随访名单（每日上午、下午两次）</h1>
<div class="meta">日期 ${escapeHtml(m.date)} · 时区 ${escapeHtml(m.timeZone)} · 更新于 ${escapeHtml(m.asOfLocal ?? m.asOf)}
 <form style="display:inline" method="get" action="/"> · 查看日期 <input type="date" name="date" value="${escapeHtml(m.date)}"> <button>查看</button></form></div>
<div class="totals"><span>本页 ${m.totals.people} 人</span><span>正常 ${m.totals.doneNormal}</span><span>异常 ${m.totals.doneAbnormal}</span><span>待随访 ${m.totals.pending}</span><span>已逾期 ${m.totals.overdue}</span><span>已漏报 ${m.totals.missed}</span><span>未处理预警 ${m.totals.openEscalations}</span></div>
<table>
<thead><tr><th>姓名</th><th>社区</th><th>隔离天数</th><th>上午</th><th>下午</th><th>最近体温</th><th>未处理预警</th><th>随访人员</th><th>案件编号</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="9">当日无居家隔离人员</td></tr>'}
</tbody>
</table>
${m.next ? `<form method="get" action="/"><input type="hidden" name="date" value="${escapeHtml(m.date)}"><input type="hidden" name="cursor" value="${escapeHtml(m.next)}"><button>下一页</button></form>` : ''}
</body>
</html>`;
}
