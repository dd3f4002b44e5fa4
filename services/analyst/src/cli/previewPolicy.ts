import type { Command } from 'commander';
import type { EventStore } from '@fangyi/eventstore';
import { loadDistrict } from '@fangyi/service-kit';
import {
  PreviewRequestSchema,
  runPolicyPreview,
  todayPolicyOf,
  type Comparison,
  type Figures,
  type PolicyPreview,
} from '../preview/index.ts';
import { table } from './table.ts';

export interface PreviewCommandContext {
  readonly withStore: <T>(run: (store: EventStore) => Promise<T>) => Promise<T>;
  readonly out: (text: string) => void;
  readonly json: () => boolean;
  readonly timeZone: () => string;
  /** A usage mistake (exit code 2). */
  readonly usageError: (message: string) => Error;
}

/** Request field → the option that gives it, so a refusal names what the analyst typed. */
const OPTIONS: Record<string, string> = {
  periodDays: '--period-days',
  slots: '--slots',
  feverThresholdC: '--fever',
  riskAreas: '--risk-areas',
  earlyMinutes: '--early-minutes',
  checksPerCallerPerDay: '--checks-per-caller',
  from: '--from',
  to: '--to',
  community: '--community',
};

const METRICS: readonly [keyof Omit<Figures, 'daily'>, string][] = [
  ['cases', '隔离案例'],
  ['checksDue', '应查'],
  ['checksDone', '已查'],
  ['checksMissed', '漏报'],
  ['checksNotFollowed', '应查（历史中无此案例）'],
  ['escalations', '异常上报'],
  ['personDays', '隔离人日'],
  ['underQuarantinePeak', '同日最多隔离人数'],
  ['callersNeededPeak', '所需随访员（峰值）'],
];

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

function rowsOf(name: string, c: Comparison): string[][] {
  return METRICS.map(([key, label]) => [
    name,
    label,
    String(c.today[key]),
    String(c.preview[key]),
    signed(c.difference[key]),
  ]);
}

export function previewTable(r: PolicyPreview): string {
  const policy = (p: PolicyPreview['policies']['today']) =>
    `${p.periodDays} 天；时段 ${p.slots.join('、')}（提前 ${p.earlyMinutes} 分钟可查）；发热 ≥ ${p.feverThresholdC} °C；风险地区 ${p.riskAreas === null ? '按记录' : p.riskAreas.join('、')}`;
  const lines = [
    `政策预览 ${r.from} – ${r.to}（截至 ${r.asOf}，${r.timeZone}）`,
    `今日政策：${policy(r.policies.today)}`,
    `预览政策：${policy(r.policies.preview)}`,
    `假设：每名随访员每天 ${r.checksPerCallerPerDay} 次随访`,
    '',
    table(
      ['社区', '指标', '今日', '预览', '差异'],
      [...rowsOf('合计', r.total), ...r.communities.flatMap((c) => rowsOf(c.community, c))],
    ),
    '',
    table(
      ['日期', '隔离人数 今日', '预览', '差异', '应查 今日', '预览', '随访员 今日', '预览'],
      r.total.today.daily.map((d, i) => {
        const p = r.total.preview.daily[i]!;
        return [
          d.date,
          String(d.underQuarantine),
          String(p.underQuarantine),
          signed(p.underQuarantine - d.underQuarantine),
          String(d.checksDue),
          String(p.checksDue),
          String(d.callersNeeded),
          String(p.callersNeeded),
        ];
      }),
    ),
  ];
  return lines.join('\n');
}

/** `fangyi preview-policy`: the history under another follow-up policy, beside today's. */
export function addPreviewPolicyCommand(program: Command, ctx: PreviewCommandContext): void {
  program
    .command('preview-policy')
    .description(
      "replay the history under another follow-up policy and compare with today's: checks due and missed, escalations, people under quarantine, callers needed (settings not given are today's)",
    )
    .option('--period-days <n>', 'days of a home quarantine (today 14)')
    .option(
      '--slots <windows>',
      "the day's check windows, e.g. 07:00-10:00,11:00-14:00,15:00-18:00 (today 06:00-12:00,12:00-21:00)",
    )
    .option('--fever <celsius>', 'fever from this temperature on (today 37.3)')
    .option(
      '--risk-areas <areas>',
      'arrivals from these start a home quarantine, e.g. 湖北省,广东省/深圳市 (default: the cases as recorded)',
    )
    .option(
      '--early-minutes <n>',
      'a check this long before a window opens counts for it (today 30)',
    )
    .option(
      '--checks-per-caller <n>',
      'checks one caller works in a day, for the callers needed (default 40)',
    )
    .option(
      '--from <date>',
      'first business date, YYYY-MM-DD (default: the first day of the earliest case)',
    )
    .option('--to <date>', 'last business date, inclusive (default: today)')
    .option('--community <id>', 'only this community')
    .action(async (o: Record<string, string | undefined>) => {
      const input = Object.fromEntries(
        Object.entries({
          periodDays: o.periodDays,
          slots: o.slots,
          feverThresholdC: o.fever,
          riskAreas: o.riskAreas,
          earlyMinutes: o.earlyMinutes,
          checksPerCallerPerDay: o.checksPerCaller,
          from: o.from,
          to: o.to,
          community: o.community,
        }).filter(([, v]) => v !== undefined),
      );
      const parsed = PreviewRequestSchema.safeParse(input);
      if (!parsed.success) {
        throw ctx.usageError(
          parsed.error.issues
            .map((i) => `${OPTIONS[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`)
            .join('; '),
        );
      }
      const result = await ctx.withStore((store) =>
        runPolicyPreview(store, parsed.data, {
          now: new Date(),
          timeZone: ctx.timeZone(),
          today: todayPolicyOf(
            loadDistrict(process.env, (message) => process.stderr.write(`${message}\n`)),
          ),
        }),
      );
      ctx.out(ctx.json() ? JSON.stringify(result, null, 2) : previewTable(result));
    });
}
