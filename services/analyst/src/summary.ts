import type { Envelope } from '@fangyi/contracts';

/**
 * One line in Chinese for each kind of event, as a timeline shows it to an analyst: made from the
 * event's structured fields (codes through the tables below), never from a note a policy wrote
 * in English for the log (the arrival policy's `note`, a case's `reasonNote`). Free text people
 * typed (a resolution note, a complaint's description) is theirs and shown as they wrote it;
 * ids (callers, checkpoints, households) are shown as ids.
 */
type D = Record<string, unknown>;
const s = (d: D, k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
const n = (d: D, k: string) => (typeof d[k] === 'number' ? (d[k] as number) : NaN);
const list = (d: D, k: string) =>
  Array.isArray(d[k]) ? (d[k] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
/** A code through its table (a code the table lacks shows as it is, so that the test finds it). */
const label = (table: Record<string, string>, code: string) => table[code] ?? (code || '—');
const labels = (table: Record<string, string>, codes: readonly string[]) =>
  codes.map((c) => label(table, c)).join('、');

const SLOT: Record<string, string> = { am: '上午', pm: '下午' };
const SYMPTOM: Record<string, string> = {
  cough: '咳嗽',
  'sore-throat': '咽痛',
  fatigue: '乏力',
  'shortness-of-breath': '气促',
  'muscle-ache': '肌肉酸痛',
  headache: '头痛',
  chills: '寒战',
  diarrhoea: '腹泻',
  'loss-of-taste-or-smell': '嗅觉味觉减退',
  'runny-nose': '流涕',
  other: '其他症状',
};
const CHANNEL: Record<string, string> = { phone: '电话', wechat: '微信', visit: '上门' };
const MEASURER: Record<string, string> = {
  self: '本人',
  'household-member': '家人',
  caller: '随访员',
  'medical-staff': '医护人员',
};
const OUTCOME: Record<string, string> = {
  completed: '期满解除',
  'sent-to-hospital': '送医',
  'moved-away': '迁出',
  'lost-to-follow-up': '失访',
};
const REGISTRATION: Record<string, string> = { local: '本地户籍', outside: '外地户籍' };
const HOUSEHOLD_KIND: Record<string, string> = {
  'owner-occupied': '自住',
  rental: '出租房屋',
  'apartment-hotel': '公寓旅馆',
};
const RENTAL_SUSPENSION: Record<string, string> = {
  'illegal-rental-report': '违规出租举报属实',
  'community-rental-ban': '社区暂停对外出租',
  other: '其他原因',
};
const PASS_REVOCATION: Record<string, string> = {
  'home-quarantine-started': '开始居家隔离',
  'abnormal-screening': '排查发现异常',
  'new-arrival': '新近抵达，需重新排查',
  'moved-out': '已搬离',
  lost: '遗失',
  misuse: '违规使用',
  other: '其他原因',
};
const FORGOTTEN: Record<string, string> = {
  'subject-request': '本人申请',
  'retention-expired': '保存期满',
  'legal-order': '依法要求',
  other: '其他原因',
};
const ASSESSMENT: Record<string, string> = {
  'from-risk-area': '来自风险地区',
  'not-from-risk-area': '不是来自风险地区',
  'period-already-over': '抵达已久，隔离期已过',
  'already-under-quarantine': '已在居家隔离中',
};
const START_REASON: Record<string, string> = {
  'arrival-from-risk-area': '来自风险地区',
  'close-contact': '密切接触者',
  'symptoms-reported': '报告有症状',
  other: '其他原因',
};
const ESCALATION: Record<string, string> = {
  fever: '发热',
  symptoms: '有症状',
  'fever-and-symptoms': '发热且有症状',
};
const ATTEMPT: Record<string, string> = {
  'no-answer': '无人接听',
  'phone-off': '关机',
  refused: '拒绝配合',
  other: '其他原因',
};
const SUPPLY: Record<string, string> = {
  thermometer: '体温计',
  disinfectant: '消毒用品',
  food: '食品',
  medicine: '药品',
  other: '其他物资',
};
const DISINFECTION: Record<string, string> = { home: '住所', vehicle: '车辆', street: '街道' };
const DIRECTION: Record<string, string> = { entry: '进入', exit: '外出' };
const CHECKPOINT_KIND: Record<string, string> = {
  road: '道路卡口',
  alley: '小巷卡口',
  'estate-gate': '小区门岗',
};
const STAFF_ROLE: Record<string, string> = {
  'community-staff': '社区工作人员',
  police: '民警',
  volunteer: '志愿者',
  property: '物业',
};
const REFUSAL: Record<string, string> = {
  'no-pass': '无通行证',
  fever: '体温异常',
  'outside-person': '外来人员',
  quarantined: '居家隔离中',
  other: '其他原因',
};
const COMPLAINT_CHANNEL: Record<string, string> = {
  phone: '电话',
  'wechat-group': '微信群',
  'in-person': '当面',
  letter: '来信',
};
const CATEGORY: Record<string, string> = {
  'illegal-rental': '违规出租',
  'quarantine-breach': '违反隔离',
  sanitation: '环境卫生',
  'checkpoint-conduct': '卡口执勤',
  supplies: '生活物资',
  other: '其他',
};
const AGENCY: Record<string, string> = {
  district: '管区',
  community: '社区',
  'estate-officer': '小区信息员',
  'police-station': '派出所',
  'street-office': '街道办',
  'property-management': '物业',
};
const PRIORITY: Record<string, string> = { low: '低', normal: '一般', high: '高', urgent: '紧急' };
const RESOLUTION: Record<string, string> = {
  substantiated: '属实',
  unsubstantiated: '不属实',
  duplicate: '重复投诉',
  'not-our-responsibility': '非本单位职责',
};
const REPLY_CHANNEL: Record<string, string> = {
  phone: '电话',
  wechat: '微信',
  'in-person': '当面',
  letter: '书面',
  'public-note': '公开留言',
};
const WITHDRAWAL: Record<string, string> = {
  'resolution-changed': '处理结果已变更',
  'household-corrected': '住户已更正',
};
const ROLE: Record<string, string> = {
  registrar: '登记员',
  caller: '随访员',
  'checkpoint-staff': '卡口值班员',
  'complaint-handler': '投诉处理员',
  'report-officer': '报表材料专员',
  analyst: '数据分析员',
  admin: '管理员',
};

/** 2026-12-02 → 2026年12月2日. */
const day = (date: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : date;
};
const slot = (d: D) => `${day(s(d, 'date'))}${label(SLOT, s(d, 'slot'))}`;
const symptoms = (d: D) =>
  list(d, 'symptoms').length > 0 ? `，症状：${labels(SYMPTOM, list(d, 'symptoms'))}` : '';
const temperature = (d: D) =>
  Number.isFinite(n(d, 'temperatureC')) ? `${n(d, 'temperatureC').toFixed(1)} °C` : '未测';
const origin = (d: D) => `${s(d, 'originProvince')}${s(d, 'originCity')}`;
/** Free text someone typed, after a colon, if there is any. */
const typed = (d: D, k: string, max = 60) =>
  s(d, k).trim() ? `：${s(d, k).trim().slice(0, max)}` : '';

const SUMMARIES: Record<string, (d: D) => string> = {
  'residents.household-registered': (d) => `登记住户（${label(HOUSEHOLD_KIND, s(d, 'kind'))}）`,
  'residents.rental-suspended': (d) =>
    `${day(s(d, 'suspendedOn'))} 暂停对外出租（${label(RENTAL_SUSPENSION, s(d, 'reason'))}）`,
  'residents.rental-suspension-lifted': (d) => `${day(s(d, 'liftedOn'))} 恢复对外出租`,
  'residents.person-registered': (d) =>
    `登记人员 ${s(d, 'name')}（${label(REGISTRATION, s(d, 'registration'))}${s(d, 'originProvince') ? `，来自${origin(d)}` : ''}）`,
  'residents.person-arrived': (d) => `${day(s(d, 'arrivedOn'))} 自${origin(d)}抵达`,
  'residents.person-moved-in': (d) => `${day(s(d, 'movedInOn'))} 迁入住户 ${s(d, 'householdId')}`,
  'residents.person-moved-out': (d) =>
    `${s(d, 'movedOutOn') ? `${day(s(d, 'movedOutOn'))} ` : ''}迁出${s(d, 'destination') ? `，去往${s(d, 'destination')}` : ''}`,
  'residents.screening-recorded': (d) =>
    `${s(d, 'date') ? `${day(s(d, 'date'))} ` : ''}上门排查：体温 ${temperature(d)}${symptoms(d)}，${s(d, 'result') === 'abnormal' ? '异常' : '正常'}`,
  'residents.pass-issued': (d) => `发放通行证（有效至 ${day(s(d, 'validUntil'))}）`,
  'residents.pass-revoked': (d) => `收回通行证（${label(PASS_REVOCATION, s(d, 'reason'))}）`,
  'residents.quarantine-marked': (d) => `标记为居家隔离（${day(s(d, 'startDate'))}起）`,
  'residents.quarantine-cleared': (d) =>
    `解除居家隔离标记${s(d, 'endedOn') ? `（${day(s(d, 'endedOn'))}，${label(OUTCOME, s(d, 'outcome'))}）` : ''}`,
  'residents.quarantine-assessed': (d) =>
    `到达评估已记录：${s(d, 'outcome') === 'home-quarantine-started' ? '需居家隔离' : '无需隔离'}（${label(ASSESSMENT, s(d, 'reason'))}）`,
  'residents.id-number-reserved': () => '身份证号已登记占用（同一证件号不能重复登记）',
  'residents.person-forgotten': (d) =>
    `个人信息已按规定删除（${label(FORGOTTEN, s(d, 'reason'))}；证件号、电话不可读）`,
  'quarantine.arrival-assessed': (d) => {
    const from = `${day(s(d, 'arrivedOn'))}自${origin(d)}抵达`;
    switch (s(d, 'reason')) {
      case 'from-risk-area':
        return `到达评估：${from}，来自风险地区，居家隔离至 ${day(s(d, 'periodEndDate'))}`;
      case 'not-from-risk-area':
        return `到达评估：${from}，不是来自风险地区，无需居家隔离`;
      case 'period-already-over':
        return `到达评估：${from}，隔离期已过，无需居家隔离`;
      case 'already-under-quarantine':
        return `到达评估：${from}，已在居家隔离中，不再另行隔离`;
      default:
        return `到达评估：${from}，${s(d, 'outcome') === 'home-quarantine-started' ? '需居家隔离' : '无需居家隔离'}`;
    }
  },
  'quarantine.home-quarantine-started': (d) =>
    `开始居家隔离 ${day(s(d, 'startDate'))}至${day(s(d, 'endDate'))}（${n(d, 'periodDays')} 天，${label(START_REASON, s(d, 'reason'))}），随访员 ${s(d, 'assignedCaller')}`,
  'quarantine.symptom-check-logged': (d) => {
    const by = d.measuredBy as { who?: string } | undefined;
    return `${slot(d)} 体温 ${temperature(d)}${symptoms(d)}（${label(CHANNEL, s(d, 'contactChannel'))}，${label(MEASURER, by?.who ?? '')}测量）${d.abnormal ? '，异常' : ''}`;
  },
  'quarantine.symptom-check-corrected': (d) =>
    `更正 ${slot(d)} 体温为 ${temperature(d)}${symptoms(d)}${typed(d, 'correctionReason')}`,
  'quarantine.symptom-check-missed': (d) => `${slot(d)} 漏报`,
  'quarantine.check-attempt-failed': (d) =>
    `${slot(d)} 未联系上（${label(ATTEMPT, s(d, 'reason'))}）`,
  'quarantine.escalation-raised': (d) =>
    `异常上报：${label(ESCALATION, s(d, 'reason'))}${s(d, 'reason') === 'symptoms' ? '' : ` ${temperature(d)}`}${symptoms(d)}`,
  'quarantine.escalation-acknowledged': (d) => `异常已确认（${s(d, 'by')}）`,
  'quarantine.escalation-overdue': (d) =>
    `异常上报 ${n(d, 'overdueAfterMinutes')} 分钟内无人确认，已超时`,
  'quarantine.escalation-referred-to-hospital': (d) => `转送医院：${s(d, 'hospital')}`,
  'quarantine.escalation-resolved': (d) => `异常已解除${typed(d, 'note')}`,
  'quarantine.caller-reassigned': (d) =>
    `随访员由 ${s(d, 'previousCaller')} 改为 ${s(d, 'newCaller')}${typed(d, 'reason')}`,
  'quarantine.period-changed': (d) =>
    `隔离期改至 ${day(s(d, 'newEndDate'))}（共 ${n(d, 'periodDays')} 天）${typed(d, 'reason')}`,
  'quarantine.home-quarantine-ended': (d) =>
    `结束居家隔离：${label(OUTCOME, s(d, 'outcome'))}（${day(s(d, 'endedOn'))}）`,
  'quarantine.supplies-delivered': (d) => `配送物资：${labels(SUPPLY, list(d, 'items'))}`,
  'quarantine.disinfection-recorded': (d) => `消毒：${label(DISINFECTION, s(d, 'place'))}`,
  'quarantine.breach-recorded': (d) =>
    `卡口 ${s(d, 'checkpointId')} 发现隔离期间${label(DIRECTION, s(d, 'direction'))}`,
  'checkpoints.checkpoint-opened': (d) =>
    `开设卡口 ${s(d, 'name')}（${label(CHECKPOINT_KIND, s(d, 'kind'))}，${s(d, 'location')}）`,
  'checkpoints.checkpoint-merged-into': (d) => `卡口并入 ${s(d, 'mergedInto')}`,
  'checkpoints.checkpoint-closed': (d) => `卡口关闭${typed(d, 'reason')}`,
  'checkpoints.shift-started': (d) => {
    const staff = Array.isArray(d.staff) ? (d.staff as { name?: string; role?: string }[]) : [];
    return `开始值班：${staff.map((p) => `${p.name ?? ''}（${label(STAFF_ROLE, p.role ?? '')}）`).join('、')}`;
  },
  'checkpoints.shift-ended': (d) => `交班${typed(d, 'handoverNote')}`,
  'checkpoints.entry-recorded': (d) =>
    `经卡口 ${s(d, 'checkpointId')} 进入，体温 ${temperature(d)}${d.fever ? '（发热）' : ''}`,
  'checkpoints.exit-recorded': (d) =>
    `经卡口 ${s(d, 'checkpointId')} 外出，体温 ${temperature(d)}${d.fever ? '（发热）' : ''}`,
  'checkpoints.refusal-recorded': (d) =>
    `卡口 ${s(d, 'checkpointId')} 劝返（${label(REFUSAL, s(d, 'reason'))}）`,
  'checkpoints.quarantine-breach-recorded': (d) =>
    `卡口 ${s(d, 'checkpointId')} 记录违反居家隔离（${label(DIRECTION, s(d, 'direction'))}）`,
  'complaints.reporter-forgotten': (d) =>
    `投诉人信息已按规定删除（${label(FORGOTTEN, s(d, 'reason'))}）`,
  'complaints.complaint-filed': (d) =>
    `被投诉（${label(CATEGORY, s(d, 'category'))}，${label(COMPLAINT_CHANNEL, s(d, 'channel'))}）${typed(d, 'description', 40)}`,
  'complaints.complaint-triaged': (d) =>
    `投诉已分派给${label(AGENCY, s(d, 'agency'))} ${s(d, 'assignee')}（优先级：${label(PRIORITY, s(d, 'priority'))}）`,
  'complaints.investigation-note-added': () => '投诉调查记录',
  'complaints.complaint-resolved': (d) => `投诉处理结果：${label(RESOLUTION, s(d, 'resolution'))}`,
  'complaints.fine-imposed': (d) => `罚款 ${n(d, 'amountYuan')} 元`,
  'complaints.reward-granted': (d) => `奖励 ${n(d, 'amountYuan')} 元`,
  'complaints.fine-withdrawn': (d) =>
    `撤销罚款 ${n(d, 'amountYuan')} 元（${label(WITHDRAWAL, s(d, 'reason'))}）`,
  'complaints.reward-withdrawn': (d) =>
    `撤销奖励 ${n(d, 'amountYuan')} 元（${label(WITHDRAWAL, s(d, 'reason'))}）`,
  'complaints.reporter-replied': (d) => `已答复投诉人（${label(REPLY_CHANNEL, s(d, 'channel'))}）`,
  'complaints.complaint-closed': () => '投诉已结案',
  'complaints.complaint-reopened': (d) => `投诉重新打开${typed(d, 'reason')}`,
  'staff.account-created': (d) => `开设账号 ${s(d, 'loginName')}（${label(ROLE, s(d, 'role'))}）`,
  'staff.account-disabled': (d) => `停用账号 ${s(d, 'loginName')}${typed(d, 'reason')}`,
  'staff.account-enabled': (d) => `启用账号 ${s(d, 'loginName')}`,
  'staff.password-reset': (d) => `重置账号 ${s(d, 'loginName')} 的密码`,
};

/** The types with a summary of their own (the test holds it to every registered type). */
export const SUMMARIZED_TYPES: readonly string[] = Object.keys(SUMMARIES);

export function summaryOf(event: Envelope): string {
  const make = SUMMARIES[event.type];
  return make ? make((event.data ?? {}) as D) : `其他记录`;
}
