import type { Envelope } from '@fangyi/contracts';

type D = Record<string, unknown>;
const s = (d: D, k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
const n = (d: D, k: string) => (typeof d[k] === 'number' ? (d[k] as number) : NaN);
const slot = (d: D) => `${s(d, 'date')} ${s(d, 'slot') === 'am' ? '上午' : '下午'}`;
const symptoms = (d: D) => (Array.isArray(d.symptoms) && d.symptoms.length > 0 ? `，症状 ${(d.symptoms as string[]).join('、')}` : '');
const CHANNEL: Record<string, string> = { phone: '电话', wechat: '微信', visit: '上门' };
const MEASURER: Record<string, string> = { self: '本人', 'household-member': '家人', caller: '随访员', 'medical-staff': '医护人员' };
const OUTCOME: Record<string, string> = { completed: '期满解除', 'sent-to-hospital': '送医', 'moved-away': '迁出', 'lost-to-follow-up': '失访' };
const REGISTRATION: Record<string, string> = { local: '本地户籍', outside: '外地户籍' };

/** One line in Chinese for each kind of event, as a timeline shows it to an analyst. */
const SUMMARIES: Record<string, (d: D) => string> = {
  'residents.person-registered': (d) => `登记人员 ${s(d, 'name')}（${REGISTRATION[s(d, 'registration')] ?? s(d, 'registration')}${s(d, 'originProvince') ? `，来自${s(d, 'originProvince')}${s(d, 'originCity')}` : ''}）`,
  'residents.person-arrived': (d) => `${s(d, 'arrivedOn')} 自${s(d, 'originProvince')}${s(d, 'originCity')}抵达`,
  'residents.person-moved-in': (d) => `${s(d, 'movedInOn')} 迁入住户 ${s(d, 'householdId')}`,
  'residents.person-moved-out': () => '迁出',
  'residents.screening-recorded': (d) => `排查：体温 ${n(d, 'temperatureC')} °C${symptoms(d)}`,
  'residents.pass-issued': (d) => `发放通行证（有效至 ${s(d, 'validUntil')}）`,
  'residents.pass-revoked': (d) => `收回通行证（${s(d, 'reason')}）`,
  'residents.quarantine-marked': (d) => `标记为居家隔离（${s(d, 'startDate')} 起）`,
  'residents.quarantine-cleared': () => '解除居家隔离标记',
  'residents.quarantine-assessed': (d) => `到达评估已记录：${s(d, 'outcome') === 'home-quarantine-started' ? '需居家隔离' : '无需隔离'}`,
  'residents.person-forgotten': () => '个人信息已被遗忘（证件号、电话不可读）',
  'quarantine.arrival-assessed': (d) => `到达评估：${s(d, 'note') || s(d, 'reason')}`,
  'quarantine.home-quarantine-started': (d) => `开始居家隔离 ${s(d, 'startDate')}–${s(d, 'endDate')}（${n(d, 'periodDays')} 天），随访员 ${s(d, 'assignedCaller')}`,
  'quarantine.symptom-check-logged': (d) => {
    const by = d.measuredBy as { who?: string } | undefined;
    return `${slot(d)} 体温 ${n(d, 'temperatureC')} °C${symptoms(d)}（${CHANNEL[s(d, 'contactChannel')] ?? s(d, 'contactChannel')}，${MEASURER[by?.who ?? ''] ?? '—'}测量）${d.abnormal ? '，异常' : ''}`;
  },
  'quarantine.symptom-check-corrected': (d) => `更正 ${slot(d)} 体温为 ${n(d, 'temperatureC')} °C${symptoms(d)}`,
  'quarantine.symptom-check-missed': (d) => `${slot(d)} 漏报`,
  'quarantine.check-attempt-failed': (d) => `${slot(d)} 未联系上（${s(d, 'reason')}）`,
  'quarantine.escalation-raised': (d) => `异常上报：${s(d, 'reason') === 'symptoms' ? '症状' : `发热 ${n(d, 'temperatureC')} °C`}`,
  'quarantine.escalation-acknowledged': (d) => `异常已确认（${s(d, 'by')}）`,
  'quarantine.escalation-referred-to-hospital': (d) => `转送医院：${s(d, 'hospital')}`,
  'quarantine.escalation-resolved': (d) => `异常已解除：${s(d, 'note')}`,
  'quarantine.caller-reassigned': (d) => `随访员由 ${s(d, 'previousCaller')} 改为 ${s(d, 'newCaller')}`,
  'quarantine.period-changed': (d) => `隔离期改至 ${s(d, 'newEndDate')}（${s(d, 'reason')}）`,
  'quarantine.home-quarantine-ended': (d) => `结束居家隔离：${OUTCOME[s(d, 'outcome')] ?? s(d, 'outcome')}（${s(d, 'endedOn')}）`,
  'quarantine.supplies-delivered': (d) => `配送物资：${Array.isArray(d.items) ? (d.items as string[]).join('、') : ''}`,
  'quarantine.disinfection-recorded': (d) => `消毒：${s(d, 'place')}`,
  'quarantine.breach-recorded': (d) => `卡口 ${s(d, 'checkpointId')} 发现隔离期间${s(d, 'direction') === 'exit' ? '外出' : '进入'}`,
  'checkpoints.entry-recorded': (d) => `经卡口 ${s(d, 'checkpointId')} 进入，体温 ${n(d, 'temperatureC')} °C${d.fever ? '（发热）' : ''}`,
  'checkpoints.exit-recorded': (d) => `经卡口 ${s(d, 'checkpointId')} 外出，体温 ${n(d, 'temperatureC')} °C`,
  'checkpoints.refusal-recorded': (d) => `卡口 ${s(d, 'checkpointId')} 劝返（${s(d, 'reason')}）`,
  'checkpoints.quarantine-breach-recorded': (d) => `卡口 ${s(d, 'checkpointId')} 记录违反居家隔离`,
  'complaints.complaint-filed': (d) => `被投诉（${s(d, 'category')}）：${s(d, 'description').slice(0, 40)}`,
  'complaints.complaint-triaged': () => '投诉已分派',
  'complaints.investigation-note-added': () => '投诉调查记录',
  'complaints.complaint-resolved': (d) => `投诉处理结果：${s(d, 'resolution')}`,
  'complaints.fine-imposed': (d) => `罚款 ${n(d, 'amountYuan')} 元`,
  'complaints.reward-granted': (d) => `奖励 ${n(d, 'amountYuan')} 元`,
  'complaints.fine-withdrawn': () => '撤销罚款',
  'complaints.reward-withdrawn': () => '撤销奖励',
  'complaints.reporter-replied': () => '已答复投诉人',
  'complaints.complaint-closed': () => '投诉已结案',
  'complaints.complaint-reopened': () => '投诉重新打开',
};

export function summaryOf(event: Envelope): string {
  const make = SUMMARIES[event.type];
  return make ? make((event.data ?? {}) as D) : event.type;
}
