import type { Agency, ComplaintStatus, Resolution } from '@fangyi/contracts';

// zh-CN labels for status notes, which reporters and staff read; codes stay English.

export const STATUS_LABELS: Readonly<Record<ComplaintStatus, string>> = {
  received: '已受理',
  triaged: '已分派',
  investigating: '调查处理中',
  resolved: '已处理',
  closed: '已办结',
};

export const RESOLUTION_LABELS: Readonly<Record<Resolution, string>> = {
  substantiated: '查证属实',
  unsubstantiated: '查无实据',
  duplicate: '重复投诉',
  'not-our-responsibility': '不属本单位职责',
};

export const AGENCY_LABELS: Readonly<Record<Agency, string>> = {
  district: '管区',
  community: '社区',
  'estate-officer': '小区信息员',
  'police-station': '派出所',
  'street-office': '街道办事处',
  'property-management': '物业',
};
