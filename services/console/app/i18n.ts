/** zh-CN texts: labels, the district's time zone, and plain sentences for every refusal code. */

export const TIME_ZONE = 'Asia/Shanghai';

export const ROLE_LABELS: Record<string, string> = {
  caller: '随访员',
  registrar: '登记员',
  'checkpoint-staff': '卡口值班员',
  'complaint-handler': '投诉处理员',
  'report-officer': '报表材料专员',
  analyst: '数据分析员',
  admin: '管理员',
};

// Place names are the district's configuration, not texts of the app: see places.ts.
export { communityIds, estateIds, place, placesReady, riskAreasHeading } from './places.ts';

export const SYMPTOM_LABELS: Record<string, string> = {
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
  other: '其他',
};
export const ATTEMPT_LABELS: Record<string, string> = {
  'no-answer': '无人接听',
  'phone-off': '关机',
  refused: '拒绝配合',
  other: '其他原因',
};
export const REACHED_LABELS: Record<string, string> = {
  phone: '电话',
  wechat: '微信',
  visit: '上门',
};
export const SLOT_LABELS: Record<string, string> = { am: '上午', pm: '下午' };
export const SLOT_STATUS_LABELS: Record<string, string> = {
  'done-normal': '已测·正常',
  'done-abnormal': '已测·异常',
  pending: '待测',
  overdue: '已超时',
  missed: '已漏测',
  'not-due': '无需测',
  'before-registration': '登记前，无需测',
};
export const COMPLAINT_STATUS_LABELS: Record<string, string> = {
  received: '已受理',
  triaged: '已分派',
  investigating: '调查中',
  resolved: '已办结',
  closed: '已关闭',
};
export const COMPLAINT_CATEGORY_LABELS: Record<string, string> = {
  'illegal-rental': '违规出租',
  'quarantine-breach': '违反隔离',
  sanitation: '环境卫生',
  'checkpoint-conduct': '卡口执勤',
  supplies: '生活物资',
  other: '其他',
};
export const RESOLUTION_LABELS: Record<string, string> = {
  substantiated: '属实',
  unsubstantiated: '不属实',
  duplicate: '重复投诉',
  'not-our-responsibility': '非本单位职责',
};
export const REPLY_CHANNEL_LABELS: Record<string, string> = {
  phone: '电话',
  wechat: '微信',
  'in-person': '当面',
  letter: '书面',
  'public-note': '公开留言',
};
export const AGENCY_LABELS: Record<string, string> = {
  district: '管区',
  community: '社区',
  'estate-officer': '小区信息员',
  'police-station': '派出所',
  'street-office': '街道办',
  'property-management': '物业',
};
export const REFUSAL_LABELS: Record<string, string> = {
  'no-pass': '无通行证',
  fever: '体温异常',
  'outside-person': '外来人员',
  quarantined: '居家隔离中',
  other: '其他',
};
export const ASSESSMENT_REASON_LABELS: Record<string, string> = {
  'from-risk-area': '来自风险地区，14 天内抵达',
  'not-from-risk-area': '不是来自风险地区',
  'period-already-over': '抵达已超过 14 天，隔离期已过',
  'already-under-quarantine': '此人已在居家隔离中',
};

export const SUPPLY_LABELS: Record<string, string> = {
  thermometer: '体温计',
  disinfectant: '消毒用品',
  food: '食品',
  medicine: '药品',
  other: '其他',
};
export const DISINFECTION_PLACE_LABELS: Record<string, string> = {
  home: '住所',
  vehicle: '车辆',
  street: '街道',
};
export const PASS_STATUS_LABELS: Record<string, string> = {
  none: '未办理',
  active: '有效',
  expired: '已过期',
  revoked: '已收回',
};
export const PASS_REVOCATION_LABELS: Record<string, string> = {
  'home-quarantine-started': '开始居家隔离',
  'abnormal-screening': '排查发现异常',
  'new-arrival': '新近抵达，需重新排查',
  'moved-out': '已搬离',
  lost: '遗失',
  misuse: '违规使用',
  other: '其他',
};
/** Why a pass cannot be issued now (the person's passEligibility). */
export const PASS_ELIGIBILITY_LABELS: Record<string, string> = {
  eligible: '可以办理通行证',
  'under-quarantine': '正在居家隔离，不能办理通行证',
  'not-screened': '还没有排查记录，请先登记上门排查',
  'latest-screening-abnormal': '最近一次排查异常，不能办理通行证',
  'screened-before-arrival': '最近一次排查早于抵达，请重新排查',
  'moved-out': '已搬离本辖区',
};
export const RENTAL_SUSPENSION_LABELS: Record<string, string> = {
  'illegal-rental-report': '违规出租举报属实',
  'community-rental-ban': '社区暂停对外出租',
  other: '其他原因',
};
export const HOUSEHOLD_KIND_LABELS: Record<string, string> = {
  'owner-occupied': '自住',
  rental: '出租房屋',
  'apartment-hotel': '公寓旅馆',
};
export const STAFF_ROLE_LABELS: Record<string, string> = {
  'community-staff': '社区工作人员',
  police: '民警',
  volunteer: '志愿者',
  property: '物业',
};
export const ACTOR_ROLE_LABELS: Record<string, string> = { system: '系统' };

/** Plain sentences for the services' problem+json codes: what happened, and what to do. */
const CODE_MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: '登录已过期，请重新登录。',
  FORBIDDEN: '您的账号没有这项操作的权限。如需开通，请联系管理员。',
  NOT_FOUND: '没有找到这条记录，可能已被删除或不在您负责的社区。',
  VALIDATION_FAILED: '填写的内容有误，请检查标出的项目后再提交。',
  MALFORMED_JSON: '提交的内容无法识别，请刷新页面后重试。',
  CONCURRENCY_CONFLICT: '这条记录刚被别人改过。请刷新后再操作。',
  PRECONDITION_FAILED: '这条记录刚被别人改过。请刷新后再操作。',
  TOO_MANY_REQUESTS: '操作太频繁，请稍等一分钟再试。',
  BODY_TOO_LARGE: '提交的内容太长，请精简后再试。',
  TEMPERATURE_OUT_OF_RANGE: '体温应在 34.0 到 43.0 °C 之间，请核对读数。',
  INTERNAL: '系统出错了，请稍后再试；如果一直这样，请联系管理员。',
  NOT_READY: '系统正在启动，请稍后再试。',
  SIGN_IN_FAILED: '登录名或密码不正确，或账号已停用。请核对后重试。',
  SIGN_IN_LOCKED: '这个登录名连续输错密码，已暂时锁定。请 5 分钟后再试。',
  STAFF_ACCOUNT_EXISTS: '这个登录名已被占用，请换一个。',
  STAFF_ACCOUNT_NOT_FOUND: '没有这个账号。',
  STAFF_ACCOUNT_ALREADY_DISABLED: '这个账号已经停用。',
  STAFF_ACCOUNT_NOT_DISABLED: '这个账号没有停用，无需启用。',
  STAFF_ACCOUNT_SELF: '不能停用自己正在使用的账号。',
  SLOT_ALREADY_CHECKED:
    '这个时段已经有人登记过体温，不能重复登记。请看最近的体温记录，有出入请联系登记的同事。',
  SLOT_NOT_OPEN_YET: '这个时段还没开始，暂时不能登记。',
  CHECK_IN_FUTURE: '不能登记未来日期的体温。',
  CHECK_OUTSIDE_PERIOD: '这一天不在隔离期内。',
  QUARANTINE_NOT_ACTIVE: '这个隔离已经结束，不能再登记。',
  CASE_NOT_FOUND: '没有找到这个隔离对象，可能不在您负责的社区。',
  ESCALATION_NOT_FOUND: '没有找到这条预警。',
  ESCALATION_ALREADY_ACKNOWLEDGED: '这条预警已经有人确认过了。',
  ESCALATION_CLOSED: '这条预警已经处理完毕。',
  ESCALATION_NOT_ACKNOWLEDGED: '请先确认这条预警，再转诊或解除。',
  COMPLAINT_NOT_RESOLVED: '请先办结这条投诉，再关闭。',
  COMPLAINT_NOT_TRIAGED: '请先分派这条投诉。',
  COMPLAINT_CLOSED: '这条投诉已关闭。如需继续处理，请先重新打开。',
  COMPLAINT_ALREADY_CLOSED: '这条投诉已经关闭。',
  COMPLAINT_NOT_OPEN: '这条投诉已经办结，不能再做这项操作。',
  COMPLAINT_NOT_REOPENABLE: '只有已关闭的投诉才能重新打开。',
  REPLY_REQUIRED: '关闭前请先回复投诉人。',
  REPORTER_NOT_CONTACTABLE: '投诉人是匿名的，没有留联系方式：请选择“公开留言”回复。',
  PUBLIC_NOTE_NOT_A_REPLY: '投诉人留了联系方式，请通过电话、微信等方式直接回复。',
  ASSIGNEE_NOT_A_HANDLER: '这个人不负责这个区域的投诉，请换一位处理人。',
  CROSSING_PERSON_UNKNOWN: '查无此人：证件号或通行证号没有登记。可按“身份不明”记录，或劝返。',
  PASS_UNKNOWN: '查无此通行证号。请核对号码。',
  PASS_NOT_OF_PERSON: '这张通行证不是此人的。',
  NO_OPEN_SHIFT: '这个卡口现在没有在岗班次，请先开始值班。',
  CROSSING_IN_FUTURE: '时间不能晚于现在。',
  PERSON_ALREADY_REGISTERED: '这个人已经登记过了。',
  PERSON_ALREADY_EXISTS: '这个人已经登记过了。',
  HOUSEHOLD_UNKNOWN: '没有找到这个住户，请先登记住户。',
  HOUSEHOLD_ALREADY_EXISTS: '这个住户已经登记过了。',
  PERSON_ALREADY_UNDER_QUARANTINE: '此人已在居家隔离中。',
  DATE_IN_FUTURE: '日期不能晚于今天。',
  PERSON_NOT_FOUND: '没有找到这个人。请核对证件号码。',
  HOUSEHOLD_NOT_FOUND: '没有找到这个住户。',
  COMPLAINT_NOT_FOUND: '没有找到这条投诉。',
  CHECKPOINT_NOT_FOUND: '没有找到这个卡口。',
  CHECKPOINT_NOT_OPEN: '这个卡口已关闭。',
  CHECKPOINT_CLOSED: '这个卡口已关闭，不能再开始值班或登记。',
  SHIFT_ALREADY_OPEN: '这个卡口已有班次在岗：请填写交接说明后交接班。',
  SHIFT_OVERLAPS_PREVIOUS: '开始时间早于上一班次，请核对时间。',
  SHIFT_BEFORE_OPENING: '开始时间早于卡口开设时间，请核对时间。',
  SHIFT_IN_FUTURE: '时间不能晚于现在。',
  STAFF_REQUIRED: '请至少填写一名值班人员。',
  STAFF_REPEATED: '同一名值班人员填写了两次，请删去重复的。',
  NOTHING_TO_CORRECT: '这个时段还没有体温记录，无需更正：请直接登记。',
  SCREENING_ALREADY_RECORDED: '这次排查已经登记过了，不必重复提交。',
  PASS_NOT_ALLOWED: '现在不能办理通行证：需无居家隔离，且最近一次排查正常并晚于抵达。',
  PASS_ALREADY_ACTIVE: '此人已有有效通行证，如需重新办理，请先收回原证。',
  PASS_VALIDITY_INVALID: '有效期应从今天起、最多 30 天，请重新选择日期。',
  NO_ACTIVE_PASS: '此人没有有效的通行证，无需收回。',
  PERSON_MOVED_OUT: '此人已搬离本辖区，不能再做这项登记。',
  PERSON_FORGOTTEN: '此人的个人信息已按规定删除，不能再登记新的情况。',
  RENTAL_SUSPENDED: '这个住户已暂停对外出租，不能登记外来人员入住。',
  RENTAL_ALREADY_SUSPENDED: '这个住户已经暂停出租了。',
  RENTAL_NOT_SUSPENDED: '这个住户没有暂停出租，无需恢复。',
  RENTAL_SUSPENSION_NOT_APPLICABLE: '只有出租房屋和公寓旅馆才能暂停出租。',
  DATE_BEFORE_BIRTH: '日期早于出生日期，请核对。',
};

const FIELD_LABELS: Record<string, string> = {
  loginName: '登录名',
  password: '密码',
  displayName: '姓名',
  role: '角色',
  communities: '负责社区',
  temperatureC: '体温',
  slot: '时段',
  date: '日期',
  reason: '原因',
  note: '说明',
  message: '回复内容',
  name: '姓名',
  idNumber: '身份证号',
  phone: '手机号',
  address: '地址',
  grid: '网格',
  originProvince: '来源省份',
  originCity: '来源城市',
  arrivedOn: '抵达日期',
  hospital: '医院',
  passNumber: '通行证号',
  personId: '人员',
  q: '查找内容',
  by: '查找方式',
  asOf: '截至时间',
  validUntil: '有效期至',
  correctionReason: '更正原因',
  items: '物资',
  place: '地点',
  staff: '值班人员',
  startedAt: '开始时间',
  handoverNote: '交接说明',
  symptomNote: '症状说明',
  periodDays: '隔离天数',
  slots: '随访时段',
  feverThresholdC: '发热标准',
  riskAreas: '风险地区',
  earlyMinutes: '可提前登记分钟',
  checksPerCallerPerDay: '每名随访员每天随访次数',
  from: '开始日期',
  to: '结束日期',
  community: '社区',
};

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly { field: string; message: string }[];
}

export const fieldLabel = (field: string) => {
  const last =
    field
      .split('.')
      .filter((p) => !/^\d+$/.test(p))
      .pop() ?? field;
  return FIELD_LABELS[last] ?? last;
};

/** One sentence for a refusal, naming the fields at fault. */
export function problemText(p: Problem): string {
  const base =
    CODE_MESSAGES[p.code] ?? `操作没有完成（${p.code}）。请检查后重试，仍不行请联系管理员。`;
  const fields = [...new Set((p.errors ?? []).map((e) => fieldLabel(e.field)))];
  return fields.length > 0 &&
    (p.code === 'VALIDATION_FAILED' || p.status === 409 || p.status === 422)
    ? `${base}（${fields.join('、')}）`
    : base;
}

const dateTimeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const timeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const partsFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export const formatDateTime = (iso: string | null | undefined) =>
  iso ? dateTimeFormat.format(new Date(iso)) : '—';
export const formatTime = (iso: string | null | undefined) =>
  iso ? timeFormat.format(new Date(iso)) : '—';
export const formatDate = (date: string) => {
  const [y, m, d] = date.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
};

/** The district's local date (YYYY-MM-DD) and minutes since midnight. */
export function localNow(now = new Date()): { date: string; minutes: number } {
  const parts = Object.fromEntries(partsFormat.formatToParts(now).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour) % 24;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: hour * 60 + Number(parts.minute),
  };
}

export const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
