import { useState } from 'preact/hooks';
import { api, uuidv7, type SessionUser } from '../api.ts';
import { REFUSAL_LABELS, STAFF_ROLE_LABELS, formatDateTime, place } from '../i18n.ts';
import { ActionMessage, Chips, LiveBar, Notice, useAction, usePoll } from '../ui.tsx';

interface Checkpoint {
  readonly checkpointId: string;
  readonly name: string;
  readonly location: string;
  readonly status: string;
  readonly communities: readonly { community: string }[];
  readonly shiftOnDuty: { since: string; staffCount: number } | null;
}

type Lookup = 'idNumber' | 'passNumber' | 'name';
const LOOKUP_LABELS: Record<Lookup, string> = {
  idNumber: '身份证号',
  passNumber: '通行证号',
  name: '仅姓名',
};

/** Starts a shift at the checkpoint: the signed-in user on duty (and whoever they add); a shift on duty is handed over with a note. */
function ShiftForm(props: { user: SessionUser; checkpoint: Checkpoint; onDone: () => void }) {
  const onDuty = props.checkpoint.shiftOnDuty !== null;
  const [open, setOpen] = useState(!onDuty);
  const [role, setRole] = useState<string[]>(['community-staff']);
  const [others, setOthers] = useState('');
  const [note, setNote] = useState('');
  const action = useAction();
  const community =
    props.checkpoint.communities.find((c) => props.user.communities.includes(c.community))
      ?.community ??
    props.checkpoint.communities[0]?.community ??
    '';
  const start = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      // Colleagues are named by the user, one a line or separated by commas; each gets an id of their own on this shift.
      const names = others
        .split(/[,，、\n]/)
        .map((n) => n.trim())
        .filter(Boolean);
      const staff = [
        { id: props.user.id, name: props.user.name, community, role: role[0] },
        ...names.map((name, i) => ({
          id: `${props.user.id}-with-${i + 1}`,
          name,
          community,
          role: 'volunteer',
        })),
      ];
      await api(
        'POST',
        `/checkpoints/${encodeURIComponent(props.checkpoint.checkpointId)}/shifts`,
        {
          staff,
          startedAt: new Date().toISOString(),
          ...(onDuty ? { handoverNote: note.trim() } : {}),
        },
      );
      setOthers('');
      setNote('');
      setOpen(false);
      props.onDone();
      return `已开始值班：${props.checkpoint.name}，${staff.length} 人在岗${onDuty ? '，已与上一班交接' : ''}。`;
    });
  };
  if (!open) {
    return (
      <>
        <ActionMessage message={action.message} />
        <button type="button" class="btn btn-block" onClick={() => setOpen(true)}>
          {onDuty ? '交接班（我来接班）' : '开始值班'}
        </button>
      </>
    );
  }
  return (
    <form onSubmit={start}>
      <h3>{onDuty ? '交接班' : '开始值班'}</h3>
      <Chips
        legend={`我的身份（${props.user.name}）`}
        name="staffRole"
        options={Object.keys(STAFF_ROLE_LABELS)}
        labels={STAFF_ROLE_LABELS}
        value={role}
        onChange={setRole}
        single
      />
      <label class="field">
        <span>同班其他人员姓名（可不填，用逗号分隔）</span>
        <input
          name="otherStaff"
          value={others}
          onInput={(e) => setOthers(e.currentTarget.value)}
          placeholder="如 张伟，李娜"
        />
      </label>
      {onDuty ? (
        <label class="field">
          <span>交接说明</span>
          <input
            name="handoverNote"
            required
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
            placeholder="如 物资已清点，无异常"
          />
        </label>
      ) : null}
      <ActionMessage message={action.message} />
      <div class="row">
        <button
          type="submit"
          class="btn btn-primary"
          disabled={action.busy || (onDuty && !note.trim())}
        >
          {onDuty ? '交接并开始值班' : '开始值班'}
        </button>
        {onDuty ? (
          <button type="button" class="btn" onClick={() => setOpen(false)}>
            取消
          </button>
        ) : null}
      </div>
    </form>
  );
}

export function CheckpointPage(props: { user: SessionUser }) {
  const list = usePoll(() => api<{ checkpoints: Checkpoint[] }>('GET', '/checkpoints'), [], 60_000);
  const open = (list.data?.checkpoints ?? []).filter((c) => c.status === 'open');
  const [chosen, setChosen] = useState('');
  const checkpoint = open.find((c) => c.checkpointId === chosen) ?? open[0];
  const [lookup, setLookup] = useState<Lookup[]>(['idNumber']);
  const [who, setWho] = useState('');
  const [temperature, setTemperature] = useState('');
  const [passValid, setPassValid] = useState<string[]>(['yes']);
  const [reason, setReason] = useState<string[]>(['no-pass']);
  const [note, setNote] = useState('');
  const action = useAction();
  const refusal = useAction();
  const identity = () =>
    who.trim()
      ? { [lookup[0]!]: lookup[0] === 'idNumber' ? who.trim().toUpperCase() : who.trim() }
      : {};

  const cross = (direction: 'entries' | 'exits') =>
    void action.run(async () => {
      if (!checkpoint) throw new Error('no checkpoint');
      const t = Number(temperature.replace(',', '.'));
      const answer = await api<{
        fever: boolean;
        refusalRequired: boolean;
        breachId: string | null;
      }>('POST', `/checkpoints/${encodeURIComponent(checkpoint.checkpointId)}/${direction}`, {
        ...identity(),
        temperatureC: t,
        passValid: passValid[0] === 'yes',
        at: new Date().toISOString(),
        crossingId: uuidv7(),
      });
      const parts = [`已记录${direction === 'entries' ? '进入' : '外出'}：${t.toFixed(1)} °C。`];
      if (answer.breachId)
        parts.push('⚠ 此人正在居家隔离，已记录违反隔离，请通知随访员并劝其回家。');
      if (answer.refusalRequired) parts.push('体温异常：请劝返，并在下方记录劝返。');
      setWho('');
      setTemperature('');
      return parts.join(' ');
    });

  const refuse = () =>
    void refusal.run(async () => {
      if (!checkpoint) throw new Error('no checkpoint');
      await api('POST', `/checkpoints/${encodeURIComponent(checkpoint.checkpointId)}/refusals`, {
        ...identity(),
        reason: reason[0],
        note: note.trim(),
        at: new Date().toISOString(),
        refusalId: uuidv7(),
      });
      setWho('');
      setNote('');
      return `已记录劝返（${REFUSAL_LABELS[reason[0]!]}）。`;
    });

  const t = Number(temperature.replace(',', '.'));
  const tempValid = temperature !== '' && t >= 34 && t <= 43;
  return (
    <>
      <h1 tabIndex={-1}>卡口登记</h1>
      <LiveBar {...list} />
      {list.error ? <Notice kind="error">{list.error}</Notice> : null}
      {list.data && open.length === 0 ? (
        <Notice kind="info">您负责的社区目前没有开放的卡口。</Notice>
      ) : null}
      {checkpoint ? (
        <section class="card" aria-labelledby="cp-title">
          <h2 id="cp-title">卡口与班次</h2>
          <label class="field">
            <span>卡口</span>
            <select
              name="checkpoint"
              value={checkpoint.checkpointId}
              onChange={(e) => setChosen(e.currentTarget.value)}
            >
              {open.map((c) => (
                <option key={c.checkpointId} value={c.checkpointId}>
                  {c.name}（{c.communities.map((x) => place(x.community)).join('、')}）
                </option>
              ))}
            </select>
          </label>
          <p>
            {checkpoint.shiftOnDuty
              ? `在岗班次：${formatDateTime(checkpoint.shiftOnDuty.since)} 起，${checkpoint.shiftOnDuty.staffCount} 人`
              : '⚠ 现在没有在岗班次：请先开始值班。'}
          </p>
          <ShiftForm
            key={checkpoint.checkpointId}
            user={props.user}
            checkpoint={checkpoint}
            onDone={() => void list.refresh()}
          />
        </section>
      ) : null}
      {checkpoint ? (
        <section class="card" aria-labelledby="cross-title">
          <h2 id="cross-title">登记通行</h2>
          <Chips
            legend="怎样识别此人"
            name="lookup"
            options={['idNumber', 'passNumber', 'name'] as const}
            labels={LOOKUP_LABELS}
            value={lookup}
            onChange={setLookup}
            single
          />
          <label class="field">
            <span>{LOOKUP_LABELS[lookup[0]!]}（不填则记为身份不明）</span>
            <input
              name="who"
              value={who}
              autoComplete="off"
              inputMode={lookup[0] === 'name' ? 'text' : 'text'}
              onInput={(e) => setWho(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>体温（°C）</span>
            <input
              name="temperatureC"
              inputMode="decimal"
              value={temperature}
              placeholder="如 36.5"
              onInput={(e) => setTemperature(e.currentTarget.value.trim())}
            />
          </label>
          <Chips
            legend="通行证"
            name="passValid"
            options={['yes', 'no']}
            labels={{ yes: '有效', no: '无效或没有' }}
            value={passValid}
            onChange={setPassValid}
            single
          />
          <ActionMessage message={action.message} />
          <div class="row">
            <button
              type="button"
              class="btn btn-primary"
              disabled={action.busy || !tempValid}
              onClick={() => cross('entries')}
            >
              登记进入
            </button>
            <button
              type="button"
              class="btn"
              disabled={action.busy || !tempValid}
              onClick={() => cross('exits')}
            >
              登记外出
            </button>
          </div>
          <h3>劝返</h3>
          <Chips
            legend="劝返原因"
            name="refusalReason"
            options={Object.keys(REFUSAL_LABELS)}
            labels={REFUSAL_LABELS}
            value={reason}
            onChange={setReason}
            single
          />
          <label class="field">
            <span>说明</span>
            <input
              name="refusalNote"
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
              placeholder="如 无通行证，已告知办理方式"
            />
          </label>
          <ActionMessage message={refusal.message} />
          <button
            type="button"
            class="btn btn-danger btn-block"
            disabled={refusal.busy}
            onClick={refuse}
          >
            记录劝返
          </button>
        </section>
      ) : null}
    </>
  );
}
