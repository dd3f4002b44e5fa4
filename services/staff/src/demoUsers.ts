import type { User } from '@fangyi/service-kit';

/** The demo district's staff: one user per role, scoped to the communities they work in. */
export const KUTAO_COMMUNITIES = [
  'kutao',
  'moujia',
  'wenzhang',
  'zhengzhang',
  'zhangcun',
  'edinburgh',
] as const;

export const ESTATES = ['taoyuanju', 'enma-villas', 'yishan-bancheng-1'] as const;

export const DEMO_USERS: readonly User[] = [
  { id: 'caller-moujia-1', name: '牟家社区随访员', role: 'caller', communities: ['moujia'] },
  { id: 'caller-zhangcun-1', name: '张村社区随访员', role: 'caller', communities: ['zhangcun'] },
  { id: 'caller-wenzhang-1', name: '文张社区随访员', role: 'caller', communities: ['wenzhang'] },
  {
    id: 'caller-zhengzhang-1',
    name: '郑张社区随访员',
    role: 'caller',
    communities: ['zhengzhang'],
  },
  {
    id: 'registrar-kutao',
    name: '枯桃管区登记员',
    role: 'registrar',
    communities: [...KUTAO_COMMUNITIES],
  },
  {
    id: 'registrar-zhangcunhe',
    name: '张村河管区登记员',
    role: 'registrar',
    communities: ['nanzhang'],
  },
  {
    id: 'checkpoint-staff-zhangcun',
    name: '张村卡口值班员',
    role: 'checkpoint-staff',
    communities: ['zhangcun'],
  },
  {
    id: 'checkpoint-staff-joint',
    name: '联合卡口值班员',
    role: 'checkpoint-staff',
    communities: ['kutao', 'wenzhang', 'zhengzhang', 'nanzhang'],
  },
  {
    id: 'complaint-handler-kutao',
    name: '枯桃管区投诉处理员',
    role: 'complaint-handler',
    communities: [...KUTAO_COMMUNITIES, ...ESTATES],
  },
  {
    id: 'estate-officer-taoyuanju',
    name: '桃源居信息员',
    role: 'complaint-handler',
    communities: ['taoyuanju'],
  },
  { id: 'report-officer-kutao', name: '报表材料专员', role: 'report-officer', communities: ['*'] },
  { id: 'analyst-kutao', name: '数据分析员', role: 'analyst', communities: ['*'] },
  { id: 'admin-kutao', name: '总指挥', role: 'admin', communities: ['*'] },
];

export function demoUser(id: string): User {
  const user = DEMO_USERS.find((u) => u.id === id);
  if (!user) throw new Error(`no demo user ${id}`);
  return user;
}
