import { useEffect, useState } from 'preact/hooks';
import { OfflineError, api, uuidv7, type SessionUser } from '../api.ts';
import {
  ATTEMPT_LABELS,
  DISINFECTION_PLACE_LABELS,
  REACHED_LABELS,
  SLOT_LABELS,
  SLOT_STATUS_LABELS,
  SUPPLY_LABELS,
  SYMPTOM_LABELS,
  formatDate,
  formatDateTime,
  localNow,
  place,
} from '../i18n.ts';
import { enqueue, onQueueChange } from '../offline.ts';
import type { Escalation, Roster, RosterEntry } from '../roster.ts';
import {
  ActionMessage,
  Chips,
  LiveBar,
  Notice,
  useAction,
  usePoll,
  type Navigate,
} from '../ui.tsx';
import { OfflineQueue } from './worklist.tsx';

interface RosterCheck {
  readonly checkId: string;
  readonly temperatureC: number;
  readonly abnormal: boolean;
  readonly symptoms: readonly string[];
  readonly reachedVia: string;
  readonly occurredAt: string;
  readonly by: string;
}
interface RosterCase {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly periodDays: number;
  readonly checks: Record<string, { am?: RosterCheck; pm?: RosterCheck }>;
  readonly openEscalations?: readonly Escalation[];
}
interface Person {
  readonly phone: string | null;
  readonly householdId: string | null;
  readonly originProvince?: string | null;
  readonly originCity?: string | null;
}
interface Household {
  readonly address: string;
}

const SYMPTOMS = Object.keys(SYMPTOM_LABELS);
const QUICK_TEMPERATURES = ['36.2', '36.4', '36.5', '36.6', '36.8', '37.0'];
const FEVER = 37.3;

const minutesOf = (clock: string) => {
  const [h, m] = clock.split(':').map(Number);
  return h! * 60 + m!;
};

/** The slot a caller is most likely logging now: the afternoon once it is open and not done, else the morning. */
function currentSlot(roster: Roster, entry: RosterEntry | undefined): 'am' | 'pm' {
  const now = localNow().minutes;
  const pmOpen = now >= minutesOf(roster.slotWindows.pm.opens) - 30;
  if (pmOpen && !entry?.pm.status.startsWith('done')) return 'pm';
  if (entry?.am.status.startsWith('done') && pmOpen) return 'pm';
  return 'am';
}

function Trend(props: { points: readonly { label: string; t: number }[] }) {
  if (props.points.length < 2) return null;
  const w = 300;
  const h = 90;
  const min = 35.5;
  const max = 39.5;
  const x = (i: number) => 10 + (i * (w - 20)) / (props.points.length - 1);
  const y = (t: number) =>
    h - 10 - ((Math.min(max, Math.max(min, t)) - min) / (max - min)) * (h - 20);
  const path = props.points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.t).toFixed(1)}`)
    .join(' ');
  return (
    <figure class="trend">
      <svg
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label={`体温趋势：${props.points.map((p) => `${p.label} ${p.t.toFixed(1)}°C`).join('，')}`}
      >
        <line x1="0" x2={w} y1={y(FEVER)} y2={y(FEVER)} class="trend-fever" />
        <text x={w - 4} y={y(FEVER) - 4} text-anchor="end" class="trend-label">
          37.3 °C
        </text>
        <path d={path} class="trend-line" />
        {props.points.map((p, i) => (
          <circle
            key={i}
            cx={x(i)}
            cy={y(p.t)}
            r="3.5"
            class={p.t >= FEVER ? 'trend-dot-fever' : 'trend-dot'}
          />
        ))}
      </svg>
      <figcaption class="muted">体温趋势（虚线为 37.3 °C 发热线）</figcaption>
    </figure>
  );
}

function CheckForm(props: {
  user: SessionUser;
  rc: RosterCase;
  roster: Roster;
  entry: RosterEntry | undefined;
  onDone: () => void;
}) {
  const [slot, setSlot] = useState<'am' | 'pm'>(currentSlot(props.roster, props.entry));
  const [temperature, setTemperature] = useState('');
  const [symptoms, setSymptoms] = useState<string[]>([]);
  const [reachedVia, setReachedVia] = useState<string[]>(['phone']);
  const action = useAction();
  const t = Number(temperature.replace(',', '.'));
  const valid = temperature !== '' && Number.isFinite(t) && t >= 34 && t <= 43;
  const abnormal = valid && (t >= FEVER || symptoms.length > 0);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!valid) {
      action.setMessage({ kind: 'error', text: '请填写体温（34.0–43.0 °C）。' });
      return;
    }
    const checkId = uuidv7();
    const body = {
      checkId,
      date: props.roster.date,
      slot,
      temperatureC: Math.round(t * 10) / 10,
      symptoms,
      reachedVia: reachedVia[0] ?? 'phone',
      checkedAt: new Date().toISOString(),
    };
    void action.run(async () => {
      try {
        const answer = await api<{
          abnormal: boolean;
          escalationId: string | null;
          alreadyRecorded?: boolean;
        }>('POST', `/quarantine/cases/${encodeURIComponent(props.rc.caseId)}/checks`, body);
        setTemperature('');
        setSymptoms([]);
        props.onDone();
        return answer.abnormal
          ? `已登记：${SLOT_LABELS[slot]} ${body.temperatureC.toFixed(1)} °C，情况异常，已生成预警，请尽快处理。`
          : `已登记：${SLOT_LABELS[slot]} ${body.temperatureC.toFixed(1)} °C，正常。`;
      } catch (error) {
        if (!(error instanceof OfflineError)) throw error;
        enqueue({
          checkId,
          userId: props.user.id,
          caseId: props.rc.caseId,
          personName: props.rc.personName,
          body,
        });
        setTemperature('');
        setSymptoms([]);
        return {
          kind: 'warn' as const,
          text: `没有网络：这条记录已存在本机（${SLOT_LABELS[slot]} ${body.temperatureC.toFixed(1)} °C），恢复网络后会自动发送，只记一次。`,
        };
      }
    });
  };
  return (
    <section class="card" aria-labelledby="check-title">
      <h2 id="check-title">登记体温</h2>
      <form onSubmit={submit} noValidate>
        <Chips
          legend="时段"
          name="slot"
          options={['am', 'pm'] as const}
          labels={{
            am: `上午（${props.entry ? SLOT_STATUS_LABELS[props.entry.am.status] : ''}）`,
            pm: `下午（${props.entry ? SLOT_STATUS_LABELS[props.entry.pm.status] : ''}）`,
          }}
          value={[slot]}
          onChange={(v) => setSlot(v[0]!)}
          single
        />
        <fieldset class="chips">
          <legend>体温（°C）</legend>
          <div class="chip-row">
            {QUICK_TEMPERATURES.map((q) => (
              <button
                type="button"
                key={q}
                class={`chip${temperature === q ? ' chip-on' : ''}`}
                aria-pressed={temperature === q}
                data-temperature={q}
                onClick={() => setTemperature(q)}
              >
                {q}
              </button>
            ))}
          </div>
          <label class="field field-inline">
            <span>其他读数</span>
            <input
              name="temperatureC"
              inputMode="decimal"
              pattern="[0-9]*[.,]?[0-9]*"
              placeholder="如 37.8"
              autoComplete="off"
              value={temperature}
              onInput={(e) => setTemperature(e.currentTarget.value.trim())}
              aria-describedby="temp-hint"
            />
          </label>
          <small id="temp-hint" class="muted">
            37.3 °C 及以上为发热，会生成预警。
          </small>
        </fieldset>
        <Chips
          legend="症状（没有就不选）"
          name="symptom"
          options={SYMPTOMS}
          labels={SYMPTOM_LABELS}
          value={symptoms}
          onChange={setSymptoms}
        />
        <Chips
          legend="联系方式"
          name="reachedVia"
          options={['phone', 'wechat', 'visit']}
          labels={REACHED_LABELS}
          value={reachedVia}
          onChange={setReachedVia}
          single
        />
        <ActionMessage message={action.message} />
        <button
          type="submit"
          class={`btn btn-block ${abnormal ? 'btn-danger' : 'btn-primary'}`}
          disabled={action.busy || !valid}
        >
          {action.busy
            ? '正在登记…'
            : !valid
              ? '请先选择或填写体温'
              : abnormal
                ? `登记：异常（${t.toFixed(1)} °C${symptoms.length ? '，有症状' : ''}），生成预警`
                : `登记：${t.toFixed(1)} °C 正常，无症状`}
        </button>
      </form>
    </section>
  );
}

function AttemptForm(props: {
  rc: RosterCase;
  roster: Roster;
  entry: RosterEntry | undefined;
  onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<string[]>(['no-answer']);
  const [note, setNote] = useState('');
  const action = useAction();
  const slot = currentSlot(props.roster, props.entry);
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('POST', `/quarantine/cases/${encodeURIComponent(props.rc.caseId)}/check-attempts`, {
        date: props.roster.date,
        slot,
        reason: reason[0],
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setNote('');
      setOpen(false);
      props.onDone();
      return `已记录：${SLOT_LABELS[slot]}未联系上（${ATTEMPT_LABELS[reason[0]!]}）。这个时段仍待随访。`;
    });
  };
  return (
    <section class="card" aria-labelledby="attempt-title">
      <h2 id="attempt-title">未联系上</h2>
      <ActionMessage message={action.message} />
      {open ? (
        <form onSubmit={submit}>
          <Chips
            legend="原因"
            name="attemptReason"
            options={Object.keys(ATTEMPT_LABELS)}
            labels={ATTEMPT_LABELS}
            value={reason}
            onChange={setReason}
            single
          />
          <label class="field">
            <span>说明（可不填）</span>
            <input name="note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <div class="row">
            <button type="submit" class="btn btn-primary" disabled={action.busy}>
              记录未联系上
            </button>
            <button type="button" class="btn" onClick={() => setOpen(false)}>
              取消
            </button>
          </div>
        </form>
      ) : (
        <button type="button" class="btn btn-block" onClick={() => setOpen(true)}>
          记录未接通 / 未联系上（{SLOT_LABELS[slot]}）
        </button>
      )}
    </section>
  );
}

type LoggedCheck = { date: string; slot: 'am' | 'pm'; check: RosterCheck };

/** Replaces a check logged wrongly (a misread thermometer, the wrong person): the history keeps both, with the reason. */
function CorrectionForm(props: {
  rc: RosterCase;
  checks: readonly LoggedCheck[];
  onDone: () => void;
}) {
  const recent = props.checks.slice(-6).reverse();
  // Until the caller picks one, the latest check (a check just logged is the likeliest to be wrong).
  const [chosen, setChosen] = useState('');
  const [temperature, setTemperature] = useState('');
  const [symptoms, setSymptoms] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const action = useAction();
  const target = recent.find((c) => `${c.date}|${c.slot}` === chosen) ?? recent[0];
  if (!target) return null;
  const t = Number(temperature.replace(',', '.'));
  const valid =
    temperature !== '' && Number.isFinite(t) && t >= 34 && t <= 43 && reason.trim() !== '';
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const temperatureC = Math.round(t * 10) / 10;
      const answer = await api<{ abnormal: boolean; escalationId: string | null }>(
        'POST',
        `/quarantine/cases/${encodeURIComponent(props.rc.caseId)}/checks`,
        {
          checkId: uuidv7(),
          date: target.date,
          slot: target.slot,
          temperatureC,
          symptoms,
          reachedVia: target.check.reachedVia,
          correction: true,
          correctionReason: reason.trim(),
        },
      );
      setTemperature('');
      setReason('');
      props.onDone();
      const text = `已更正：${formatDate(target.date)} ${SLOT_LABELS[target.slot]} ${target.check.temperatureC.toFixed(1)} °C → ${temperatureC.toFixed(1)} °C。`;
      return answer.escalationId
        ? { kind: 'warn' as const, text: `${text}更正后情况异常，已生成预警。` }
        : text;
    });
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="fix-title">
      <h3 id="fix-title">更正体温记录</h3>
      <label class="field">
        <span>要更正的记录</span>
        <select
          name="correctCheck"
          value={`${target.date}|${target.slot}`}
          onChange={(e) => setChosen(e.currentTarget.value)}
        >
          {recent.map((c) => (
            <option key={`${c.date}|${c.slot}`} value={`${c.date}|${c.slot}`}>
              {formatDate(c.date)} {SLOT_LABELS[c.slot]} {c.check.temperatureC.toFixed(1)} °C
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>正确的体温（°C）</span>
        <input
          name="correctTemperature"
          inputMode="decimal"
          autoComplete="off"
          placeholder="如 36.6"
          value={temperature}
          onInput={(e) => setTemperature(e.currentTarget.value.trim())}
        />
      </label>
      <Chips
        legend="症状（没有就不选）"
        name="correctSymptom"
        options={SYMPTOMS}
        labels={SYMPTOM_LABELS}
        value={symptoms}
        onChange={setSymptoms}
      />
      <label class="field">
        <span>更正原因</span>
        <input
          name="correctionReason"
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          placeholder="如 读数记错，复核为 36.6"
        />
      </label>
      <ActionMessage message={action.message} />
      <button type="submit" class="btn btn-block" disabled={action.busy || !valid}>
        {valid ? `更正为 ${t.toFixed(1)} °C` : '请填写正确的体温和更正原因'}
      </button>
    </form>
  );
}

function SuppliesForm(props: { caseId: string; onDone: () => void }) {
  const [items, setItems] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('POST', `/quarantine/cases/${encodeURIComponent(props.caseId)}/supplies`, {
        items,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      const text = `已记录配送物资：${items.map((i) => SUPPLY_LABELS[i] ?? i).join('、')}。`;
      setItems([]);
      setNote('');
      props.onDone();
      return text;
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="supplies-title">
      <h3 id="supplies-title">配送物资</h3>
      <Chips
        legend="送了什么"
        name="supply"
        options={Object.keys(SUPPLY_LABELS)}
        labels={SUPPLY_LABELS}
        value={items}
        onChange={setItems}
      />
      <label class="field">
        <span>物资说明（可不填）</span>
        <input
          name="suppliesNote"
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
          placeholder="如 米面油各一份"
        />
      </label>
      <ActionMessage message={action.message} />
      <button type="submit" class="btn btn-block" disabled={action.busy || items.length === 0}>
        {items.length === 0 ? '请先选择物资' : '记录配送'}
      </button>
    </form>
  );
}

function DisinfectionForm(props: { caseId: string; onDone: () => void }) {
  const [where, setWhere] = useState<string[]>(['home']);
  const [note, setNote] = useState('');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('POST', `/quarantine/cases/${encodeURIComponent(props.caseId)}/disinfections`, {
        place: where[0],
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setNote('');
      props.onDone();
      return `已记录消毒：${DISINFECTION_PLACE_LABELS[where[0]!]}。`;
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="disinfect-title">
      <h3 id="disinfect-title">消毒</h3>
      <Chips
        legend="消毒地点"
        name="disinfectionPlace"
        options={Object.keys(DISINFECTION_PLACE_LABELS)}
        labels={DISINFECTION_PLACE_LABELS}
        value={where}
        onChange={setWhere}
        single
      />
      <label class="field">
        <span>消毒说明（可不填）</span>
        <input
          name="disinfectionNote"
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
          placeholder="如 门把手、楼道已喷洒"
        />
      </label>
      <ActionMessage message={action.message} />
      <button type="submit" class="btn btn-block" disabled={action.busy}>
        记录消毒
      </button>
    </form>
  );
}

/** What the caller does for the household besides the checks: corrections, supplies, disinfection. */
function CareCard(props: { rc: RosterCase; checks: readonly LoggedCheck[]; onDone: () => void }) {
  const counts = usePoll(
    () =>
      api<{ suppliesDelivered: number; disinfections: number }>(
        'GET',
        `/quarantine/cases/${encodeURIComponent(props.rc.caseId)}`,
      ),
    [props.rc.caseId],
    60_000,
  );
  const done = () => {
    props.onDone();
    void counts.refresh();
  };
  return (
    <section class="card" aria-labelledby="care-title">
      <h2 id="care-title">更正与上门服务</h2>
      <p class="muted">
        {counts.data
          ? `已配送物资 ${counts.data.suppliesDelivered} 次 · 已消毒 ${counts.data.disinfections} 次`
          : (counts.error ?? '正在读取…')}
      </p>
      <CorrectionForm rc={props.rc} checks={props.checks} onDone={done} />
      <SuppliesForm caseId={props.rc.caseId} onDone={done} />
      <DisinfectionForm caseId={props.rc.caseId} onDone={done} />
    </section>
  );
}

function EscalationCard(props: { caseId: string; escalation: Escalation; onDone: () => void }) {
  const e = props.escalation;
  const [hospital, setHospital] = useState('');
  const [note, setNote] = useState('');
  const action = useAction();
  const base = `/quarantine/cases/${encodeURIComponent(props.caseId)}/escalations/${encodeURIComponent(e.escalationId)}`;
  const step = (url: string, body: unknown, done: string) =>
    void action.run(async () => {
      await api('POST', `${base}/${url}`, body);
      props.onDone();
      return done;
    });
  return (
    <article class="card card-alert" aria-labelledby={`esc-${e.escalationId}`}>
      <h2 id={`esc-${e.escalationId}`}>
        <span aria-hidden="true">⚠ </span>预警：
        {e.reason === 'fever' ? '发热' : e.reason === 'symptoms' ? '有症状' : '发热且有症状'}{' '}
        {e.temperatureC.toFixed(1)} °C
      </h2>
      <p>
        {formatDate(e.date)} {SLOT_LABELS[e.slot]} · 产生于 {formatDateTime(e.raisedAt)} ·{' '}
        {e.status === 'open' ? '尚未确认' : `已由 ${e.acknowledgedBy ?? ''} 确认`}
      </p>
      <ActionMessage message={action.message} />
      {e.status === 'open' ? (
        <button
          type="button"
          class="btn btn-primary btn-block"
          disabled={action.busy}
          onClick={() => step('acknowledgement', {}, '已确认预警：请跟进，转诊或解除。')}
        >
          确认预警（我来跟进）
        </button>
      ) : (
        <div class="stack">
          <label class="field">
            <span>转诊医院</span>
            <input
              name="hospital"
              value={hospital}
              onInput={(ev) => setHospital(ev.currentTarget.value)}
              placeholder="如 青岛市第八人民医院"
            />
          </label>
          <button
            type="button"
            class="btn btn-block"
            disabled={action.busy || !hospital.trim()}
            onClick={() => step('referral', { hospital: hospital.trim() }, '已转诊。')}
          >
            转诊
          </button>
          <label class="field">
            <span>解除说明</span>
            <input
              name="resolveNote"
              value={note}
              onInput={(ev) => setNote(ev.currentTarget.value)}
              placeholder="如 复测体温正常"
            />
          </label>
          <button
            type="button"
            class="btn btn-block"
            disabled={action.busy || !note.trim()}
            onClick={() => step('resolution', { note: note.trim() }, '已解除预警。')}
          >
            解除预警
          </button>
        </div>
      )}
    </article>
  );
}

export function CasePage(props: { caseId: string; user: SessionUser; navigate: Navigate }) {
  const poll = usePoll(async () => {
    const [rc, roster] = await Promise.all([
      api<RosterCase>('GET', `/roster/cases/${encodeURIComponent(props.caseId)}`),
      api<Roster>('GET', '/roster'),
    ]);
    return { rc, roster, entry: roster.entries.find((e) => e.caseId === props.caseId) };
  }, [props.caseId]);
  const contact = usePoll(
    async () => {
      if (!poll.data) return null;
      const person = await api<Person>(
        'GET',
        `/residents/people/${encodeURIComponent(poll.data.rc.personId)}`,
      );
      const household = person.householdId
        ? await api<Household>(
            'GET',
            `/residents/households/${encodeURIComponent(person.householdId)}`,
          ).catch(() => null)
        : null;
      return { person, household };
    },
    [poll.data?.rc.personId],
    120_000,
  );
  // A check sent from the phone's queue (or refused there) shows on this page at once.
  useEffect(() => {
    const stop = onQueueChange(() => void poll.refresh());
    return () => void stop();
  }, [props.caseId]);
  const data = poll.data;
  const back = (
    <a class="back" href="#/worklist">
      ← 返回名单
    </a>
  );
  if (!data) {
    return (
      <>
        {back}
        <h1 tabIndex={-1}>隔离对象</h1>
        {poll.error ? <Notice kind="error">{poll.error}</Notice> : <p class="muted">正在加载…</p>}
      </>
    );
  }
  const { rc, roster, entry } = data;
  const checks = Object.entries(rc.checks)
    .flatMap(([date, slots]) =>
      (['am', 'pm'] as const).flatMap((s) =>
        slots[s] ? [{ date, slot: s, check: slots[s] }] : [],
      ),
    )
    .sort((a, b) => (a.date + a.slot < b.date + b.slot ? -1 : 1)) as LoggedCheck[];
  const escalations = entry?.openEscalations ?? rc.openEscalations ?? [];
  const phone = contact.data?.person.phone;
  const canLog = props.user.role === 'caller' || props.user.role === 'admin';
  return (
    <>
      {back}
      <h1 tabIndex={-1}>{rc.personName}</h1>
      {['analyst', 'report-officer', 'registrar', 'admin'].includes(props.user.role) ? (
        <a class="btn btn-small" href={`#/timeline/${encodeURIComponent(rc.personId)}`}>
          查看时间线
        </a>
      ) : null}
      <p class="muted">
        {place(rc.community)} · 居家隔离第 {entry?.day ?? '—'}/{rc.periodDays} 天 ·{' '}
        {formatDate(rc.startDate)} 至 {formatDate(rc.endDate)}
      </p>
      <LiveBar {...poll} />
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
      <section class="card" aria-labelledby="contact-title">
        <h2 id="contact-title">联系</h2>
        {phone ? (
          <a class="btn btn-primary btn-block" href={`tel:${phone.replace(/[^\d+]/g, '')}`}>
            拨打电话 {phone}
          </a>
        ) : (
          <p class="muted">
            {contact.error
              ? `联系方式暂时读不到：${contact.error}`
              : phone === null
                ? '没有登记手机号。'
                : '正在读取联系方式…'}
          </p>
        )}
        {contact.data?.household ? <p>地址：{contact.data.household.address}</p> : null}
      </section>
      {/* One container each, so a list that grows above a form never remounts (and wipes) it. */}
      <div>
        {escalations.map((e) => (
          <EscalationCard
            key={e.escalationId}
            caseId={rc.caseId}
            escalation={e}
            onDone={() => void poll.refresh()}
          />
        ))}
      </div>
      <div>
        {canLog ? (
          <CheckForm
            key="check"
            user={props.user}
            rc={rc}
            roster={roster}
            entry={entry}
            onDone={() => void poll.refresh()}
          />
        ) : null}
      </div>
      <div>
        {canLog ? (
          <AttemptForm
            key="attempt"
            rc={rc}
            roster={roster}
            entry={entry}
            onDone={() => void poll.refresh()}
          />
        ) : null}
      </div>
      <div>
        {canLog ? (
          <CareCard key="care" rc={rc} checks={checks} onDone={() => void poll.refresh()} />
        ) : null}
      </div>
      <OfflineQueue user={props.user} />
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">最近的体温记录</h2>
        <Trend
          points={checks.slice(-10).map((c) => ({
            label: `${c.date.slice(5)}${SLOT_LABELS[c.slot]}`,
            t: c.check.temperatureC,
          }))}
        />
        {checks.length === 0 ? <p class="muted">还没有体温记录。</p> : null}
        <ul class="plain checks">
          {checks
            .slice(-8)
            .reverse()
            .map((c) => (
              <li key={c.check.checkId}>
                <span>
                  {formatDate(c.date)} {SLOT_LABELS[c.slot]}
                </span>
                <strong class={c.check.abnormal ? 'text-danger' : ''}>
                  {c.check.temperatureC.toFixed(1)} °C {c.check.abnormal ? '（异常）' : '（正常）'}
                </strong>
                <span class="muted">
                  {c.check.symptoms.length
                    ? c.check.symptoms.map((s) => SYMPTOM_LABELS[s] ?? s).join('、')
                    : '无症状'}{' '}
                  · {REACHED_LABELS[c.check.reachedVia] ?? c.check.reachedVia} ·{' '}
                  {formatDateTime(c.check.occurredAt)}
                </span>
              </li>
            ))}
        </ul>
      </section>
    </>
  );
}
