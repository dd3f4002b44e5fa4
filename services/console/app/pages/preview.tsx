import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type SessionUser } from '../api.ts';
import { communityIds, formatDate, place } from '../i18n.ts';
import { ActionMessage, useAction } from '../ui.tsx';

/**
 * The policy preview (`/analyst/policy-preview`): the district's recorded history replayed under
 * another follow-up policy, beside today's. The form sends what the analyst typed as it stands;
 * the service validates it, and a refusal is shown under the field it names.
 */

interface Daily {
  readonly date: string;
  readonly underQuarantine: number;
  readonly checksDue: number;
  readonly callersNeeded: number;
}
interface Figures {
  readonly cases: number;
  readonly checksDue: number;
  readonly checksDone: number;
  readonly checksMissed: number;
  readonly checksNotFollowed: number;
  readonly escalations: number;
  readonly personDays: number;
  readonly underQuarantinePeak: number;
  readonly callersNeededPeak: number;
  readonly daily: readonly Daily[];
}
interface Comparison {
  readonly today: Figures;
  readonly preview: Figures;
  readonly difference: Figures;
}
interface Policy {
  readonly periodDays: number;
  readonly slots: readonly string[];
  readonly feverThresholdC: number;
  readonly riskAreas: readonly string[] | null;
  readonly earlyMinutes: number;
}
export interface PolicyPreview {
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly checksPerCallerPerDay: number;
  readonly policies: { readonly today: Policy; readonly preview: Policy };
  readonly total: Comparison;
  readonly communities: readonly ({ readonly community: string } & Comparison)[];
}

/** The figures of a side, in the order the tables show them. */
const COLUMNS: readonly [keyof Omit<Figures, 'daily'>, string][] = [
  ['cases', '隔离人数'],
  ['checksDue', '应测次数'],
  ['checksDone', '已测'],
  ['checksMissed', '漏测'],
  ['checksNotFollowed', '无随访记录'],
  ['escalations', '异常上报'],
  ['personDays', '隔离人日'],
  ['underQuarantinePeak', '单日最多隔离'],
  ['callersNeededPeak', '最忙一天需随访员'],
];

const SIDES: readonly [keyof Comparison, string][] = [
  ['today', '今日政策'],
  ['preview', '预演政策'],
  ['difference', '差额'],
];

/** A difference with its sign: +3, −2, 0. */
const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

interface Slot {
  readonly key: number;
  readonly opens: string;
  readonly closes: string;
}
let slotKey = 0;
/** A time field cannot hold 24:00: a window to midnight shows, and is entered, as ending at 23:59. */
const MIDNIGHT_SHOWN = '23:59';
const slotsOf = (windows: readonly string[]): Slot[] =>
  windows.map((w) => {
    const [opens = '', closes = ''] = w.split('-');
    return { key: ++slotKey, opens, closes: closes === '24:00' ? MIDNIGHT_SHOWN : closes };
  });
const windowsOf = (slots: readonly Slot[]) =>
  slots.map((s) => `${s.opens}-${s.closes === MIDNIGHT_SHOWN ? '24:00' : s.closes}`).join(',');

type FieldName =
  | 'periodDays'
  | 'slots'
  | 'feverThresholdC'
  | 'riskAreas'
  | 'earlyMinutes'
  | 'checksPerCallerPerDay'
  | 'from'
  | 'to'
  | 'community';

/** What to do about a refused field, in Chinese (the service's own message is for developers). */
function fieldHelp(field: FieldName, message: string): string {
  switch (field) {
    case 'periodDays':
      return '隔离天数应为 1 到 60 之间的整数。';
    case 'feverThresholdC':
      return '发热标准应在 34.0 到 43.0 °C 之间。';
    case 'earlyMinutes':
      return '提前分钟数应为 0 到 120 之间的整数。';
    case 'checksPerCallerPerDay':
      return '每人每天随访次数应为 1 到 1000 之间的整数。';
    case 'riskAreas':
      return '风险地区请写省份或“省份/城市”，多个用逗号隔开，如：湖北省,广东省/深圳市。';
    case 'from':
      return '请填写有效的开始日期。';
    case 'to':
      if (/before/.test(message)) return '结束日期不能早于开始日期。';
      if (/at most/.test(message)) return '日期范围最长十年。';
      return '请填写有效的结束日期。';
    case 'community':
      return '请选择一个您负责的社区。';
    case 'slots':
      if (/overlap/.test(message)) return '时段之间有重叠，请调整开始或结束时间。';
      if (/closes before/.test(message)) return '每个时段的结束时间应晚于开始时间。';
      if (/at least/.test(message)) return '至少需要一个随访时段。';
      if (/at most/.test(message)) return '每天最多六个随访时段。';
      return '请为每个时段填写开始和结束时间（如 07:00 到 10:00）。';
  }
}

const FIELDS: readonly FieldName[] = [
  'periodDays',
  'slots',
  'feverThresholdC',
  'riskAreas',
  'earlyMinutes',
  'checksPerCallerPerDay',
  'from',
  'to',
  'community',
];

/** The refusal's errors, by the form's field (`body.slots` → slots). */
function fieldErrorsOf(error: unknown): Partial<Record<FieldName, string>> {
  if (!(error instanceof ApiError)) return {};
  const out: Partial<Record<FieldName, string>> = {};
  for (const e of error.problem.errors ?? []) {
    const name = e.field.split('.').find((p) => (FIELDS as readonly string[]).includes(p)) as
      | FieldName
      | undefined;
    if (name && !out[name]) out[name] = fieldHelp(name, e.message);
  }
  return out;
}

const policyText = (p: Policy) =>
  `隔离 ${p.periodDays} 天；每天 ${p.slots.length} 个随访时段（${p.slots.join('、')}）；体温 ${p.feverThresholdC.toFixed(1)} °C 及以上为发热；时段开始前 ${p.earlyMinutes} 分钟内的登记也算；${p.riskAreas === null ? '隔离对象按实际登记' : `来自${p.riskAreas.join('、')}的抵达人员需隔离`}`;

/** The busiest day of a side (the first of equals), or null with no days. */
function busiest(daily: readonly Daily[]): Daily | null {
  return daily.reduce<Daily | null>(
    (best, d) => (!best || d.callersNeeded > best.callersNeeded ? d : best),
    null,
  );
}

function ComparisonRows(props: { comparison: Comparison; label?: string }) {
  return (
    <>
      {SIDES.map(([side, name], i) => (
        <tr key={side} class={side === 'difference' ? 'difference' : undefined} data-side={side}>
          {props.label !== undefined && i === 0 ? (
            <th scope="rowgroup" rowSpan={3} class="group">
              {props.label}
            </th>
          ) : null}
          <th scope="row">{name}</th>
          {COLUMNS.map(([key]) => (
            <td key={key}>
              {side === 'difference'
                ? signed(props.comparison[side][key])
                : props.comparison[side][key]}
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

function Result(props: { result: PolicyPreview }) {
  const r = props.result;
  const peakToday = busiest(r.total.today.daily);
  const peakPreview = busiest(r.total.preview.daily);
  const due = r.total.difference.checksDue;
  const byDate = new Map(r.total.today.daily.map((d) => [d.date, d]));
  return (
    <section aria-labelledby="pv-result">
      <h2 id="pv-result" tabIndex={-1}>
        预演结果
      </h2>
      <p class="muted">
        {formatDate(r.from)} 至 {formatDate(r.to)}，按 {r.checksPerCallerPerDay} 次/人/天计算随访员
      </p>
      <dl class="facts">
        <dt>今日政策</dt>
        <dd>{policyText(r.policies.today)}</dd>
        <dt>预演政策</dt>
        <dd>{policyText(r.policies.preview)}</dd>
      </dl>
      <p class="preview-headline" role="status">
        预演政策下全辖区应测 {r.total.preview.checksDue} 次，比今日政策
        {due === 0 ? '持平' : due > 0 ? `多 ${due} 次` : `少 ${-due} 次`}；最忙的一天
        {peakPreview
          ? `（${formatDate(peakPreview.date)}）需要 ${peakPreview.callersNeeded} 名随访员`
          : '没有需要随访的日子'}
        ，今日政策下最忙的一天
        {peakToday
          ? `（${formatDate(peakToday.date)}）需要 ${peakToday.callersNeeded} 名`
          : '没有需要随访的日子'}
        。
      </p>
      <h3 id="pv-total">全辖区</h3>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="pv-total">
        <table class="report preview-table" data-table="total">
          <thead>
            <tr>
              <th scope="col">政策</th>
              {COLUMNS.map(([key, label]) => (
                <th scope="col" key={key}>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <ComparisonRows comparison={r.total} />
          </tbody>
        </table>
      </div>
      <h3 id="pv-communities">各社区</h3>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="pv-communities">
        <table class="report preview-table" data-table="communities">
          <thead>
            <tr>
              <th scope="col">社区</th>
              <th scope="col">政策</th>
              {COLUMNS.map(([key, label]) => (
                <th scope="col" key={key}>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          {r.communities.map((c) => (
            <tbody key={c.community} data-community={c.community}>
              <ComparisonRows comparison={c} label={place(c.community)} />
            </tbody>
          ))}
        </table>
      </div>
      {r.communities.length === 0 ? <p class="muted">这段时间没有居家隔离的人。</p> : null}
      <details class="card preview-daily">
        <summary>每日明细（全辖区，{r.total.preview.daily.length} 天）</summary>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="每日明细">
          <table class="report preview-table" data-table="daily">
            <thead>
              <tr>
                <th scope="col">日期</th>
                <th scope="col">隔离人数（今日/预演）</th>
                <th scope="col">应测次数（今日/预演）</th>
                <th scope="col">需随访员（今日/预演）</th>
              </tr>
            </thead>
            <tbody>
              {r.total.preview.daily.map((d) => {
                const t = byDate.get(d.date);
                return (
                  <tr key={d.date}>
                    <th scope="row">{d.date}</th>
                    <td>
                      {t?.underQuarantine ?? 0} / {d.underQuarantine}
                    </td>
                    <td>
                      {t?.checksDue ?? 0} / {d.checksDue}
                    </td>
                    <td>
                      {t?.callersNeeded ?? 0} / {d.callersNeeded}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

/** A labelled input with its refusal under it. */
type InputName = Exclude<FieldName, 'slots' | 'community' | 'from' | 'to'>;

/** The policy's numbers, each a field with its keypad and what it changes. */
const NUMBER_FIELDS: readonly {
  name: InputName;
  label: string;
  hint: string;
  mode: 'numeric' | 'decimal';
}[] = [
  {
    name: 'periodDays',
    label: '隔离天数',
    hint: '按默认天数开始的隔离改为这个天数',
    mode: 'numeric',
  },
  {
    name: 'feverThresholdC',
    label: '发热标准（°C）',
    hint: '达到或超过即为发热，上报异常',
    mode: 'decimal',
  },
  {
    name: 'earlyMinutes',
    label: '可提前登记（分钟）',
    hint: '时段开始前多少分钟内的登记算作这个时段',
    mode: 'numeric',
  },
  {
    name: 'checksPerCallerPerDay',
    label: '每名随访员每天随访次数',
    hint: '用来估算需要多少随访员',
    mode: 'numeric',
  },
];

function Field(props: {
  name: FieldName;
  label: string;
  hint?: string;
  error?: string;
  children: preact.ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={`pv-${props.name}`}>
        <span>{props.label}</span>
      </label>
      {props.children}
      {props.hint ? (
        <span class="muted field-hint" id={`pv-${props.name}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span class="field-error" id={`pv-${props.name}-error`} role="alert">
          <span aria-hidden="true">✕ </span>
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

const describedBy = (name: string, hint: boolean, error: string | undefined) =>
  [hint ? `pv-${name}-hint` : '', error ? `pv-${name}-error` : ''].filter(Boolean).join(' ') ||
  undefined;

export function PolicyPreviewPage(props: { user: SessionUser }) {
  const wide = props.user.communities.includes('*');
  const [form, setForm] = useState<Record<Exclude<FieldName, 'slots'>, string>>({
    periodDays: '',
    feverThresholdC: '',
    riskAreas: '',
    earlyMinutes: '',
    checksPerCallerPerDay: '40',
    from: '',
    to: '',
    community: wide ? '' : (props.user.communities[0] ?? ''),
  });
  const [slots, setSlotsAs] = useState<Slot[]>([]);
  // Today's windows until the analyst changes them: then the rows are sent, else today's apply.
  const [slotsChanged, setSlotsChanged] = useState(false);
  const setSlots = (next: (all: Slot[]) => Slot[]) => {
    setSlotsAs(next);
    setSlotsChanged(true);
  };
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [result, setResult] = useState<PolicyPreview | null>(null);
  const action = useAction();
  const set = (name: Exclude<FieldName, 'slots'>) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setForm((f) => ({ ...f, [name]: value }));
  };

  // The form starts from today's policy, as the service answers it.
  useEffect(() => {
    const scope = wide ? '' : `?community=${encodeURIComponent(form.community)}`;
    api<PolicyPreview>('GET', `/analyst/policy-preview${scope}`).then(
      (r) => {
        const t = r.policies.today;
        setForm((f) => ({
          ...f,
          periodDays: String(t.periodDays),
          feverThresholdC: t.feverThresholdC.toFixed(1),
          earlyMinutes: String(t.earlyMinutes),
          riskAreas: t.riskAreas?.join(',') ?? '',
        }));
        setSlotsAs(slotsOf(t.slots));
      },
      () => setSlotsAs(slotsOf(['07:00-10:00'])),
    );
  }, []);

  const submit = (e: Event) => {
    e.preventDefault();
    setErrors({});
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim()) body[k] = v.trim();
    if (slotsChanged) body.slots = windowsOf(slots);
    void action.run(async () => {
      try {
        setResult(await api<PolicyPreview>('POST', '/analyst/policy-preview', body));
        // The answer is below the form: bring it into view for the keyboard and the phone.
        setTimeout(() => document.getElementById('pv-result')?.focus(), 0);
        return '';
      } catch (error) {
        setErrors(fieldErrorsOf(error));
        throw error;
      }
    });
  };

  const input = (name: InputName, mode: 'numeric' | 'decimal' | 'text', hinted = false) => (
    <input
      id={`pv-${name}`}
      name={name}
      inputMode={mode}
      autoComplete="off"
      value={form[name]}
      onInput={set(name)}
      aria-invalid={errors[name] ? true : undefined}
      aria-describedby={describedBy(name, hinted, errors[name])}
    />
  );
  const setSlot = (key: number, part: 'opens' | 'closes', value: string) =>
    setSlots((all) => all.map((s) => (s.key === key ? { ...s, [part]: value } : s)));

  return (
    <>
      <h1 tabIndex={-1}>政策预演</h1>
      <p class="muted">
        把已经登记的隔离和随访记录，按另一套随访政策重新算一遍，和今日政策对比：应测、漏测、异常上报和需要多少随访员。只做计算，不改动任何记录。
      </p>
      <form class="card preview-form" onSubmit={submit} noValidate>
        <h2>预演政策</h2>
        <div class="preview-grid">
          {NUMBER_FIELDS.map((f) => (
            <Field key={f.name} name={f.name} label={f.label} hint={f.hint} error={errors[f.name]}>
              {input(f.name, f.mode, true)}
            </Field>
          ))}
        </div>
        <fieldset class="slots" aria-describedby={errors.slots ? 'pv-slots-error' : undefined}>
          <legend>每天的随访时段</legend>
          <ol class="plain slot-rows">
            {slots.map((s, i) => (
              <li key={s.key} class="slot-row" data-slot-row={i + 1}>
                <span class="slot-no">时段 {i + 1}</span>
                <label class="field">
                  <span>开始</span>
                  <input
                    type="time"
                    name={`slot-${i + 1}-opens`}
                    aria-label={`时段 ${i + 1} 开始`}
                    value={s.opens}
                    onInput={(e) => setSlot(s.key, 'opens', e.currentTarget.value)}
                    aria-invalid={errors.slots ? true : undefined}
                  />
                </label>
                <label class="field">
                  <span>结束</span>
                  <input
                    type="time"
                    name={`slot-${i + 1}-closes`}
                    aria-label={`时段 ${i + 1} 结束`}
                    value={s.closes}
                    onInput={(e) => setSlot(s.key, 'closes', e.currentTarget.value)}
                    aria-invalid={errors.slots ? true : undefined}
                  />
                </label>
                <button
                  type="button"
                  class="btn btn-small btn-beside-field"
                  aria-label={`删除时段 ${i + 1}`}
                  disabled={slots.length <= 1}
                  onClick={() => setSlots((all) => all.filter((x) => x.key !== s.key))}
                >
                  删除
                </button>
              </li>
            ))}
          </ol>
          <p class="muted field-hint" id="pv-slots-hint">
            一条体温记录算作它所在的时段；结束填 23:59 表示到午夜。最多六个时段。
          </p>
          <button
            type="button"
            class="btn btn-small"
            disabled={slots.length >= 6}
            onClick={() => setSlots((all) => [...all, { key: ++slotKey, opens: '', closes: '' }])}
          >
            ＋ 添加时段
          </button>
          {errors.slots ? (
            <p class="field-error" id="pv-slots-error" role="alert">
              <span aria-hidden="true">✕ </span>
              {errors.slots}
            </p>
          ) : null}
        </fieldset>
        <Field
          name="riskAreas"
          label="风险地区（不填：按实际登记的隔离）"
          hint="省份或“省份/城市”，多个用逗号隔开，如：湖北省,广东省/深圳市"
          error={errors.riskAreas}
        >
          {input('riskAreas', 'text', true)}
        </Field>
        <div class="preview-grid">
          <Field name="from" label="从（不填：最早的隔离）" error={errors.from}>
            <input
              id="pv-from"
              type="date"
              name="from"
              value={form.from}
              onInput={set('from')}
              aria-invalid={errors.from ? true : undefined}
              aria-describedby={describedBy('from', false, errors.from)}
            />
          </Field>
          <Field name="to" label="到（不填：今天）" error={errors.to}>
            <input
              id="pv-to"
              type="date"
              name="to"
              value={form.to}
              onInput={set('to')}
              aria-invalid={errors.to ? true : undefined}
              aria-describedby={describedBy('to', false, errors.to)}
            />
          </Field>
          <Field name="community" label="社区" error={errors.community}>
            <select
              id="pv-community"
              name="community"
              value={form.community}
              onChange={set('community')}
              aria-invalid={errors.community ? true : undefined}
            >
              {wide ? <option value="">全部社区</option> : null}
              {(wide ? communityIds() : props.user.communities).map((c) => (
                <option key={c} value={c}>
                  {place(c)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <ActionMessage message={action.message} />
        <button type="submit" class="btn btn-primary btn-block" disabled={action.busy}>
          {action.busy ? '正在计算…' : '开始预演'}
        </button>
      </form>
      {result ? <Result result={result} /> : null}
      <section class="card" aria-labelledby="pv-rules">
        <h2 id="pv-rules">怎么算</h2>
        <p>
          两边用的是同一份已登记的记录，只是政策不同。隔离天数：按默认天数开始的隔离改按新的天数，人工调整过的天数照样顺延，提前结束（送医、迁出、失访等）的仍在那天结束。应测：隔离期内每天每个时段，时段结束之后才算应测，登记之前的时段不算（除非补录了那个时段的体温）。已测：一条体温记录算哪个时段，看随访员联系上本人的时间落在哪个时段里；不在任何时段里的，算作之后
          {form.earlyMinutes || '30'}{' '}
          分钟内开始的那个时段；原来登记时选的时段不看，所以改了时段，同一条记录可能算到别的时段，时段里没有记录的就是漏测。体温达到发热标准或有任何症状，这个时段上报一次异常。填了风险地区时，只保留来自这些地区的抵达人员的隔离，来自这些地区但当时没有隔离的人从抵达那天开始算，他们没有随访记录，应测的次数记为“无随访记录”，不算漏测。需要的随访员：每个社区每天应测次数除以每人每天随访次数，向上取整，全辖区是各社区之和，表里是最忙的一天。
        </p>
      </section>
    </>
  );
}
