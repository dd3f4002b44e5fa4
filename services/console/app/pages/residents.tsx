import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import {
  ASSESSMENT_REASON_LABELS,
  communityIds,
  HOUSEHOLD_KIND_LABELS,
  PASS_ELIGIBILITY_LABELS,
  PASS_REVOCATION_LABELS,
  PASS_STATUS_LABELS,
  RENTAL_SUSPENSION_LABELS,
  SYMPTOM_LABELS,
  addDays,
  formatDate,
  localNow,
  place,
} from '../i18n.ts';
import { ActionMessage, Chips, Notice, useAction, usePoll, type Navigate } from '../ui.tsx';

/** What the registrar at the door asks: who lives here, have they been screened, may they have a pass. */

type By = 'name' | 'idNumber' | 'address';
const BY_LABELS: Record<By, string> = { name: '姓名', idNumber: '身份证号', address: '地址' };
const BY_HINTS: Record<By, string> = {
  name: '姓名开头几个字，如 王',
  idNumber: '18 位身份证号',
  address: '地址开头，如 牟家村 12',
};

interface FoundPerson {
  readonly personId: string;
  readonly name: string;
  readonly householdId: string;
  readonly community: string;
  readonly address: string | null;
  readonly status: 'living' | 'moved-out';
}
interface FoundHousehold {
  readonly householdId: string;
  readonly community: string;
  readonly address: string;
  readonly kind: string;
}
interface SearchAnswer {
  readonly by: By;
  readonly items: readonly (FoundPerson | FoundHousehold)[];
  readonly next: string | null;
}

interface Screening {
  readonly date: string;
  readonly temperatureC: number;
  readonly symptoms?: readonly string[];
  readonly result: 'normal' | 'abnormal';
}
interface PassView {
  readonly status: string;
  readonly validUntil?: string;
  readonly revokedReason?: string | null;
}
interface Person {
  readonly personId: string;
  readonly status: string;
  readonly householdId: string;
  readonly community: string;
  readonly name: string;
  readonly idNumber: string | null;
  readonly phone: string | null;
  readonly registration: string;
  readonly originProvince: string | null;
  readonly originCity: string | null;
  readonly lastArrival: { arrivedOn: string; originProvince: string; originCity: string } | null;
  readonly quarantineAssessment: { status?: string; outcome?: string; reason?: string } | null;
  readonly latestScreening: Screening | null;
  readonly underQuarantine: boolean;
  readonly pass: PassView;
  readonly passEligibility: string;
}
interface Household {
  readonly householdId: string;
  readonly community: string;
  readonly address: string;
  readonly kind: string;
  readonly grid: string;
  readonly rental: { status: 'open' } | { status: 'suspended'; reason: string; since: string };
}
interface HouseholdPeople {
  readonly people: readonly {
    personId: string;
    name: string;
    registration: string;
    latestScreening: Screening | null;
    pass: PassView;
    underQuarantine: boolean;
  }[];
}

const screeningText = (s: Screening | null) =>
  s
    ? `${formatDate(s.date)} ${s.temperatureC.toFixed(1)} °C ${s.result === 'normal' ? '正常' : '异常'}`
    : '未排查';
const passText = (p: PassView) =>
  `${PASS_STATUS_LABELS[p.status] ?? p.status}${p.status === 'active' && p.validUntil ? `（至 ${formatDate(p.validUntil)}）` : ''}${p.status === 'revoked' && p.revokedReason ? `（${PASS_REVOCATION_LABELS[p.revokedReason] ?? p.revokedReason}）` : ''}`;
const isPerson = (item: FoundPerson | FoundHousehold): item is FoundPerson => 'personId' in item;

/** The arrival's answer in plain words: was a home quarantine started, and if not, why not. */
export function assessmentSentence(name: string, a: Person['quarantineAssessment']): string {
  if (a === null) return `${name}没有抵达记录，无需评估居家隔离。`;
  if (a.status === 'pending' || !a.outcome)
    return `${name}的抵达正在评估是否需要居家隔离，请稍后刷新。`;
  const reason = ASSESSMENT_REASON_LABELS[a.reason ?? ''] ?? a.reason ?? '';
  if (a.outcome === 'home-quarantine-started')
    return `${name}：已开始 14 天居家隔离（${reason}）。`;
  return `${name}：没有开始居家隔离，因为${reason}。`;
}

export function FindPage(props: { user: SessionUser; navigate: Navigate }) {
  const communities = props.user.communities.includes('*')
    ? communityIds()
    : props.user.communities;
  const [by, setBy] = useState<By[]>(['name']);
  const [q, setQ] = useState('');
  const [community, setCommunity] = useState('');
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const action = useAction();
  const find = (cursor: string | null) =>
    void action.run(async () => {
      const params = new URLSearchParams({ by: by[0]!, q: q.trim(), limit: '20' });
      if (community) params.set('community', community);
      if (cursor) params.set('cursor', cursor);
      const page = await api<SearchAnswer>('GET', `/residents/search?${params}`);
      setAnswer(cursor && answer ? { ...page, items: [...answer.items, ...page.items] } : page);
      return '';
    });
  return (
    <>
      <h1 tabIndex={-1}>查找住户与人员</h1>
      <section class="card" aria-labelledby="find-title">
        <h2 id="find-title">查找</h2>
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setAnswer(null);
            find(null);
          }}
        >
          <Chips
            legend="按什么查找"
            name="by"
            options={['name', 'idNumber', 'address'] as const}
            labels={BY_LABELS}
            value={by}
            onChange={setBy}
            single
          />
          <label class="field">
            <span>{BY_LABELS[by[0]!]}</span>
            <input
              name="q"
              value={q}
              autoComplete="off"
              placeholder={BY_HINTS[by[0]!]}
              onInput={(e) => setQ(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>社区</span>
            <select
              name="community"
              value={community}
              onChange={(e) => setCommunity(e.currentTarget.value)}
            >
              <option value="">我负责的全部社区</option>
              {communities.map((c) => (
                <option key={c} value={c}>
                  {place(c)}
                </option>
              ))}
            </select>
          </label>
          <ActionMessage message={action.message} />
          <button
            type="submit"
            class="btn btn-primary btn-block"
            disabled={action.busy || !q.trim()}
          >
            {action.busy ? '正在查找…' : '查找'}
          </button>
        </form>
      </section>
      {answer ? (
        <section class="card" aria-labelledby="found-title">
          <h2 id="found-title">
            查找结果（{answer.items.length}
            {answer.next ? '+' : ''}）
          </h2>
          {answer.items.length === 0 ? (
            <p class="muted">没有找到。请换个写法，或换一种查找方式。</p>
          ) : null}
          <ul class="plain found">
            {answer.items.map((item) =>
              isPerson(item) ? (
                <li key={item.personId}>
                  <a class="work-item" href={`#/person/${encodeURIComponent(item.personId)}`}>
                    <strong>{item.name}</strong>
                    <span class="work-meta">
                      {place(item.community)} · {item.address ?? '地址未知'}
                      {item.status === 'moved-out' ? ' · 已搬离' : ''}
                    </span>
                  </a>
                </li>
              ) : (
                <li key={item.householdId}>
                  <a class="work-item" href={`#/household/${encodeURIComponent(item.householdId)}`}>
                    <strong>{item.address}</strong>
                    <span class="work-meta">
                      {place(item.community)} · {HOUSEHOLD_KIND_LABELS[item.kind] ?? item.kind}
                    </span>
                  </a>
                </li>
              ),
            )}
          </ul>
          {answer.next ? (
            <button
              type="button"
              class="btn btn-block"
              disabled={action.busy}
              onClick={() => find(answer.next)}
            >
              显示更多
            </button>
          ) : null}
        </section>
      ) : null}
    </>
  );
}

function ScreeningForm(props: { person: Person; onDone: () => void }) {
  const today = localNow().date;
  const [date, setDate] = useState(today);
  const [temperature, setTemperature] = useState('');
  const [symptoms, setSymptoms] = useState<string[]>([]);
  const action = useAction();
  const t = Number(temperature.replace(',', '.'));
  const valid = temperature !== '' && Number.isFinite(t) && t >= 34 && t <= 43;
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const answer = await api<{ result: string; passRevoked: boolean }>(
        'POST',
        `/residents/people/${encodeURIComponent(props.person.personId)}/screenings`,
        { date, temperatureC: Math.round(t * 10) / 10, symptoms },
      );
      setTemperature('');
      setSymptoms([]);
      props.onDone();
      const text = `已登记排查：${formatDate(date)} ${t.toFixed(1)} °C，${answer.result === 'normal' ? '正常' : '异常'}。`;
      return answer.result === 'normal'
        ? text
        : {
            kind: 'warn' as const,
            text: `${text}${answer.passRevoked ? '原有通行证已收回。' : ''}请通知随访员跟进。`,
          };
    });
  };
  return (
    <section class="card" aria-labelledby="screen-title">
      <h2 id="screen-title">登记上门排查</h2>
      <form onSubmit={submit} noValidate>
        <label class="field">
          <span>排查日期</span>
          <input
            name="screeningDate"
            type="date"
            max={today}
            value={date}
            onInput={(e) => e.currentTarget.value && setDate(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>体温（°C）</span>
          <input
            name="screeningTemperature"
            inputMode="decimal"
            placeholder="如 36.5"
            autoComplete="off"
            value={temperature}
            onInput={(e) => setTemperature(e.currentTarget.value.trim())}
          />
        </label>
        <Chips
          legend="症状（没有就不选）"
          name="screeningSymptom"
          options={Object.keys(SYMPTOM_LABELS)}
          labels={SYMPTOM_LABELS}
          value={symptoms}
          onChange={setSymptoms}
        />
        <ActionMessage message={action.message} />
        <button type="submit" class="btn btn-primary btn-block" disabled={action.busy || !valid}>
          {valid
            ? `登记排查：${t.toFixed(1)} °C${symptoms.length ? '，有症状' : ''}`
            : '请填写体温（34.0–43.0 °C）'}
        </button>
      </form>
    </section>
  );
}

/** A registered person back from elsewhere: the quarantine context decides on the arrival a moment later, and the answer says what it decided and why. */
function ArrivalForm(props: { person: Person; onDone: () => void }) {
  const today = localNow().date;
  const [arrivedOn, setArrivedOn] = useState(today);
  const [province, setProvince] = useState('');
  const [city, setCity] = useState('');
  const [answer, setAnswer] = useState<{ kind: 'warn' | 'info' | 'ok'; text: string } | null>(null);
  const action = useAction();
  const id = encodeURIComponent(props.person.personId);
  const submit = (e: Event) => {
    e.preventDefault();
    setAnswer(null);
    void action.run(async () => {
      const recorded = await api<{ passRevoked: boolean }>(
        'POST',
        `/residents/people/${id}/arrivals`,
        { arrivedOn, originProvince: province.trim(), originCity: city.trim() },
      );
      // Asked until the decision on this arrival is in (it is made from the arrival's event).
      let view: Person | null = null;
      for (let i = 0; i < 20; i++) {
        view = await api<Person>('GET', `/residents/people/${id}`);
        const a = view.quarantineAssessment as { outcome?: string; arrivedOn?: string } | null;
        if (a?.outcome && (a.arrivedOn === undefined || a.arrivedOn === arrivedOn)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const a = view?.quarantineAssessment ?? null;
      setAnswer({
        kind: a?.outcome === 'home-quarantine-started' ? 'warn' : a?.outcome ? 'ok' : 'info',
        text: `${assessmentSentence(props.person.name, a)}${recorded.passRevoked ? '原有通行证已收回，需重新排查。' : ''}`,
      });
      setProvince('');
      setCity('');
      props.onDone();
      return '';
    });
  };
  return (
    <section class="card" aria-labelledby="arrival-title">
      <h2 id="arrival-title">登记抵达（外出返回）</h2>
      <form onSubmit={submit}>
        <label class="field">
          <span>抵达日期</span>
          <input
            name="arrivalDate"
            type="date"
            max={today}
            value={arrivedOn}
            onInput={(e) => e.currentTarget.value && setArrivedOn(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>从哪个省份来</span>
          <input
            name="arrivalProvince"
            value={province}
            onInput={(e) => setProvince(e.currentTarget.value)}
            placeholder="如 湖北省"
          />
        </label>
        <label class="field">
          <span>从哪个城市来</span>
          <input
            name="arrivalCity"
            value={city}
            onInput={(e) => setCity(e.currentTarget.value)}
            placeholder="如 武汉市"
          />
        </label>
        <ActionMessage message={action.message} />
        {answer ? <Notice kind={answer.kind}>{answer.text}</Notice> : null}
        <button
          type="submit"
          class="btn btn-primary btn-block"
          disabled={action.busy || !province.trim() || !city.trim()}
        >
          {action.busy ? '正在登记并评估…' : '登记抵达'}
        </button>
      </form>
    </section>
  );
}

function PassCard(props: { person: Person; onDone: () => void }) {
  const today = localNow().date;
  const [validUntil, setValidUntil] = useState(addDays(today, 13));
  const [reason, setReason] = useState<string[]>(['lost']);
  const [note, setNote] = useState('');
  const action = useAction();
  const p = props.person;
  const base = `/residents/people/${encodeURIComponent(p.personId)}/pass`;
  const issue = () =>
    void action.run(async () => {
      await api('POST', base, { validUntil });
      props.onDone();
      return `已办理通行证，有效期至 ${formatDate(validUntil)}。`;
    });
  const revoke = () =>
    void action.run(async () => {
      await api('POST', `${base}/revocation`, {
        reason: reason[0],
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setNote('');
      props.onDone();
      return `已收回通行证（${PASS_REVOCATION_LABELS[reason[0]!]}）。`;
    });
  const manual = ['lost', 'misuse', 'other'];
  return (
    <section class="card" aria-labelledby="pass-title">
      <h2 id="pass-title">通行证</h2>
      <p>
        状态：<strong>{passText(p.pass)}</strong>
      </p>
      <ActionMessage message={action.message} />
      {p.pass.status === 'active' ? (
        <div class="stack">
          <Chips
            legend="收回原因"
            name="revokeReason"
            options={manual}
            labels={PASS_REVOCATION_LABELS}
            value={reason}
            onChange={setReason}
            single
          />
          <label class="field">
            <span>说明（可不填）</span>
            <input name="revokeNote" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button
            type="button"
            class="btn btn-danger btn-block"
            disabled={action.busy}
            onClick={revoke}
          >
            收回通行证
          </button>
        </div>
      ) : p.passEligibility === 'eligible' ? (
        <div class="stack">
          <label class="field">
            <span>有效期至（最多 30 天）</span>
            <input
              name="validUntil"
              type="date"
              min={today}
              max={addDays(today, 29)}
              value={validUntil}
              onInput={(e) => e.currentTarget.value && setValidUntil(e.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            class="btn btn-primary btn-block"
            disabled={action.busy}
            onClick={issue}
          >
            办理通行证
          </button>
        </div>
      ) : (
        <Notice kind="info">
          {PASS_ELIGIBILITY_LABELS[p.passEligibility] ?? p.passEligibility}
        </Notice>
      )}
    </section>
  );
}

const TIMELINE_ROLES = ['analyst', 'report-officer', 'registrar', 'admin'];

export function PersonPage(props: { personId: string; user: SessionUser; navigate: Navigate }) {
  const poll = usePoll(
    () => api<Person>('GET', `/residents/people/${encodeURIComponent(props.personId)}`),
    [props.personId],
    60_000,
  );
  const household = usePoll(
    async () =>
      poll.data
        ? api<Household>(
            'GET',
            `/residents/households/${encodeURIComponent(poll.data.householdId)}`,
          )
        : null,
    [poll.data?.householdId],
    120_000,
  );
  const p = poll.data;
  const back = (
    <a class="back" href="#/find">
      ← 返回查找
    </a>
  );
  if (!p) {
    return (
      <>
        {back}
        <h1 tabIndex={-1}>人员</h1>
        {poll.error ? <Notice kind="error">{poll.error}</Notice> : <p class="muted">正在加载…</p>}
      </>
    );
  }
  const canWrite = props.user.role === 'registrar' || props.user.role === 'admin';
  return (
    <>
      {back}
      <h1 tabIndex={-1}>{p.name}</h1>
      <p class="muted">
        {place(p.community)} · {p.registration === 'outside' ? '外地户籍' : '本地户籍'}
        {p.status === 'moved-out' ? ' · 已搬离' : ''}
      </p>
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
      <section class="card" aria-labelledby="who-title">
        <h2 id="who-title">基本情况</h2>
        <dl class="facts">
          <dt>住址</dt>
          <dd>
            {household.data ? (
              <a class="inline-link" href={`#/household/${encodeURIComponent(p.householdId)}`}>
                {household.data.address}
              </a>
            ) : (
              '—'
            )}
          </dd>
          <dt>身份证号</dt>
          <dd>{p.idNumber ?? '—'}</dd>
          <dt>手机号</dt>
          <dd>{p.phone ?? '—'}</dd>
          <dt>来源地</dt>
          <dd>{p.originProvince ? `${p.originProvince}${p.originCity ?? ''}` : '—'}</dd>
          <dt>最近抵达</dt>
          <dd>
            {p.lastArrival
              ? `${formatDate(p.lastArrival.arrivedOn)}（自${p.lastArrival.originProvince}${p.lastArrival.originCity}）`
              : '无'}
          </dd>
          <dt>居家隔离</dt>
          <dd>{p.underQuarantine ? '正在居家隔离' : '未在隔离'}</dd>
          <dt>最近排查</dt>
          <dd>{screeningText(p.latestScreening)}</dd>
        </dl>
        <Notice
          kind={p.quarantineAssessment?.outcome === 'home-quarantine-started' ? 'warn' : 'info'}
        >
          {assessmentSentence(p.name, p.quarantineAssessment)}
        </Notice>
        {TIMELINE_ROLES.includes(props.user.role) ? (
          <a class="btn btn-block" href={`#/timeline/${encodeURIComponent(p.personId)}`}>
            查看此人时间线
          </a>
        ) : null}
      </section>
      <div>
        {canWrite && p.status !== 'moved-out' ? (
          <ScreeningForm key="screening" person={p} onDone={() => void poll.refresh()} />
        ) : null}
      </div>
      <div>
        {canWrite && p.status !== 'moved-out' ? (
          <PassCard key="pass" person={p} onDone={() => void poll.refresh()} />
        ) : null}
      </div>
      <div>
        {canWrite && p.status !== 'moved-out' ? (
          <ArrivalForm key="arrival" person={p} onDone={() => void poll.refresh()} />
        ) : null}
      </div>
    </>
  );
}

function RentalCard(props: { household: Household; onDone: () => void }) {
  const [reason, setReason] = useState<string[]>(['community-rental-ban']);
  const [note, setNote] = useState('');
  const action = useAction();
  const h = props.household;
  const url = `/residents/households/${encodeURIComponent(h.householdId)}/rental-suspension`;
  if (h.kind === 'owner-occupied') return null;
  const suspend = () =>
    void action.run(async () => {
      await api('POST', url, { reason: reason[0], ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
      props.onDone();
      return `已暂停对外出租（${RENTAL_SUSPENSION_LABELS[reason[0]!]}）。外地人员不能再登记入住。`;
    });
  const lift = () =>
    void action.run(async () => {
      await api('DELETE', url, note.trim() ? { note: note.trim() } : undefined);
      setNote('');
      props.onDone();
      return '已恢复出租。';
    });
  return (
    <section class="card" aria-labelledby="rental-title">
      <h2 id="rental-title">出租</h2>
      <p>
        {h.rental.status === 'suspended' ? (
          <strong>
            <span aria-hidden="true">⚠ </span>已暂停出租：{formatDate(h.rental.since)} 起，
            {RENTAL_SUSPENSION_LABELS[h.rental.reason] ?? h.rental.reason}
          </strong>
        ) : (
          '可以出租。'
        )}
      </p>
      <ActionMessage message={action.message} />
      {h.rental.status === 'open' ? (
        <Chips
          legend="暂停原因"
          name="rentalReason"
          options={Object.keys(RENTAL_SUSPENSION_LABELS)}
          labels={RENTAL_SUSPENSION_LABELS}
          value={reason}
          onChange={setReason}
          single
        />
      ) : null}
      <label class="field">
        <span>说明（可不填）</span>
        <input name="rentalNote" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      {h.rental.status === 'open' ? (
        <button
          type="button"
          class="btn btn-danger btn-block"
          disabled={action.busy}
          onClick={suspend}
        >
          暂停对外出租
        </button>
      ) : (
        <button type="button" class="btn btn-block" disabled={action.busy} onClick={lift}>
          恢复出租
        </button>
      )}
    </section>
  );
}

export function HouseholdPage(props: { householdId: string; user: SessionUser }) {
  const id = encodeURIComponent(props.householdId);
  const poll = usePoll(
    async () => {
      const [household, people] = await Promise.all([
        api<Household>('GET', `/residents/households/${id}`),
        api<HouseholdPeople>('GET', `/residents/households/${id}/people`),
      ]);
      return { household, people };
    },
    [props.householdId],
    60_000,
  );
  const back = (
    <a class="back" href="#/find">
      ← 返回查找
    </a>
  );
  if (!poll.data) {
    return (
      <>
        {back}
        <h1 tabIndex={-1}>住户</h1>
        {poll.error ? <Notice kind="error">{poll.error}</Notice> : <p class="muted">正在加载…</p>}
      </>
    );
  }
  const { household: h, people } = poll.data;
  const canWrite = props.user.role === 'registrar' || props.user.role === 'admin';
  return (
    <>
      {back}
      <h1 tabIndex={-1}>{h.address}</h1>
      <p class="muted">
        {place(h.community)} · {HOUSEHOLD_KIND_LABELS[h.kind] ?? h.kind} · 网格 {h.grid}
      </p>
      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title">住在这里的人（{people.people.length}）</h2>
        {people.people.length === 0 ? <p class="muted">还没有登记住在这里的人。</p> : null}
        <ul class="plain found">
          {people.people.map((m) => (
            <li key={m.personId}>
              <a class="work-item" href={`#/person/${encodeURIComponent(m.personId)}`}>
                <strong>
                  {m.name}
                  {m.underQuarantine ? ' · 居家隔离中' : ''}
                </strong>
                <span class="work-meta">
                  {m.registration === 'outside' ? '外地' : '本地'} · 排查：
                  {screeningText(m.latestScreening)} · 通行证：{passText(m.pass)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      {canWrite ? <RentalCard household={h} onDone={() => void poll.refresh()} /> : null}
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
    </>
  );
}
