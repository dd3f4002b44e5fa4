import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { ASSESSMENT_REASON_LABELS, communityIds, localNow, place } from '../i18n.ts';
import { ActionMessage, Chips, Notice, useAction } from '../ui.tsx';

interface PersonView {
  readonly personId: string;
  readonly name: string;
  readonly underQuarantine: boolean;
  readonly quarantineAssessment:
    | { status?: string; outcome?: string; reason?: string; caseId?: string | null }
    | string
    | null;
}

const KIND_LABELS: Record<string, string> = {
  'owner-occupied': '自住',
  rental: '出租房屋',
  'apartment-hotel': '公寓旅馆',
};

/** The arrival's answer in plain words: was a home quarantine started, and if not, why not. */
function assessmentText(p: PersonView): { kind: 'ok' | 'info' | 'warn'; text: string } {
  const a = p.quarantineAssessment;
  if (a === null) return { kind: 'info', text: `${p.name} 已登记，没有抵达记录，无需评估。` };
  if (typeof a === 'string' || a.status === 'pending' || !a.outcome)
    return { kind: 'info', text: `${p.name} 已登记，正在评估是否需要居家隔离…` };
  if (a.outcome === 'home-quarantine-started')
    return {
      kind: 'warn',
      text: `${p.name}：已开始 14 天居家隔离（${ASSESSMENT_REASON_LABELS[a.reason ?? ''] ?? a.reason}），已分派随访员。`,
    };
  return {
    kind: 'ok',
    text: `${p.name}：不需要居家隔离，因为${ASSESSMENT_REASON_LABELS[a.reason ?? ''] ?? a.reason}。`,
  };
}

export function RegistrarPage(props: { user: SessionUser }) {
  const communities = props.user.communities.includes('*')
    ? communityIds()
    : props.user.communities;
  const [community, setCommunity] = useState(communities[0] ?? '');
  const [grid, setGrid] = useState('');
  const [address, setAddress] = useState('');
  const [kind, setKind] = useState<string[]>(['rental']);
  const [householdId, setHouseholdId] = useState('');
  const [name, setName] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [phone, setPhone] = useState('');
  const [registration, setRegistration] = useState<string[]>(['outside']);
  const [originProvince, setOriginProvince] = useState('湖北省');
  const [originCity, setOriginCity] = useState('武汉市');
  const [arrivedOn, setArrivedOn] = useState(localNow().date);
  const [person, setPerson] = useState<PersonView | null>(null);
  const household = useAction();
  const register = useAction();

  const addHousehold = (e: Event) => {
    e.preventDefault();
    void household.run(async () => {
      const answer = await api<{ householdId: string }>('POST', '/residents/households', {
        community,
        grid: grid.trim() || `${community}-01`,
        address: address.trim(),
        kind: kind[0],
      });
      setHouseholdId(answer.householdId);
      return `住户已登记：${place(community)} ${address.trim()}。下面可以登记住在这里的人。`;
    });
  };

  const addPerson = (e: Event) => {
    e.preventDefault();
    setPerson(null);
    void register.run(async () => {
      const outside = registration[0] === 'outside';
      const answer = await api<{ personId: string }>('POST', '/residents/people', {
        householdId,
        name: name.trim(),
        idNumber: idNumber.trim().toUpperCase(),
        phone: phone.trim(),
        registration: registration[0],
        ...(outside || arrivedOn
          ? { originProvince: originProvince.trim(), originCity: originCity.trim() }
          : {}),
        ...(arrivedOn ? { arrivedOn } : {}),
      });
      // The assessment is made by the quarantine service from the arrival's event: ask until it is in.
      for (let i = 0; i < 20; i++) {
        const view = await api<PersonView>(
          'GET',
          `/residents/people/${encodeURIComponent(answer.personId)}`,
        );
        setPerson(view);
        const a = view.quarantineAssessment;
        if (a === null || (typeof a === 'object' && a.outcome)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      setName('');
      setIdNumber('');
      setPhone('');
      return '';
    });
  };

  const answer = person ? assessmentText(person) : null;
  return (
    <>
      <h1 tabIndex={-1}>登记</h1>
      <section class="card" aria-labelledby="hh-title">
        <h2 id="hh-title">1. 登记住户</h2>
        <form onSubmit={addHousehold}>
          <label class="field">
            <span>社区</span>
            <select
              name="community"
              value={community}
              onChange={(e) => setCommunity(e.currentTarget.value)}
            >
              {communities.map((c) => (
                <option key={c} value={c}>
                  {place(c)}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>网格（可不填）</span>
            <input
              name="grid"
              value={grid}
              onInput={(e) => setGrid(e.currentTarget.value)}
              placeholder={`${community}-01`}
            />
          </label>
          <label class="field">
            <span>地址</span>
            <input
              name="address"
              required
              value={address}
              onInput={(e) => setAddress(e.currentTarget.value)}
              placeholder="如 牟家村 12 号 3 户"
            />
          </label>
          <Chips
            legend="住户类型"
            name="kind"
            options={Object.keys(KIND_LABELS)}
            labels={KIND_LABELS}
            value={kind}
            onChange={setKind}
            single
          />
          <ActionMessage message={household.message} />
          <button
            type="submit"
            class="btn btn-primary btn-block"
            disabled={household.busy || !address.trim()}
          >
            登记住户
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="person-title">
        <h2 id="person-title">2. 登记人员与抵达</h2>
        <form onSubmit={addPerson}>
          <label class="field">
            <span>住户编号</span>
            <input
              name="householdId"
              required
              value={householdId}
              onInput={(e) => setHouseholdId(e.currentTarget.value.trim())}
              placeholder="登记住户后自动填入"
            />
          </label>
          <label class="field">
            <span>姓名</span>
            <input
              name="name"
              required
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>身份证号</span>
            <input
              name="idNumber"
              required
              autoComplete="off"
              value={idNumber}
              onInput={(e) => setIdNumber(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>手机号</span>
            <input
              name="phone"
              type="tel"
              inputMode="tel"
              required
              value={phone}
              onInput={(e) => setPhone(e.currentTarget.value)}
            />
          </label>
          <Chips
            legend="户籍"
            name="registration"
            options={['local', 'outside']}
            labels={{ local: '本地户籍', outside: '外地户籍' }}
            value={registration}
            onChange={setRegistration}
            single
          />
          <label class="field">
            <span>来源省份</span>
            <input
              name="originProvince"
              value={originProvince}
              onInput={(e) => setOriginProvince(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>来源城市</span>
            <input
              name="originCity"
              value={originCity}
              onInput={(e) => setOriginCity(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>抵达日期（本地人员无抵达可清空）</span>
            <input
              name="arrivedOn"
              type="date"
              value={arrivedOn}
              onInput={(e) => setArrivedOn(e.currentTarget.value)}
            />
          </label>
          <ActionMessage message={register.message} />
          {answer ? <Notice kind={answer.kind}>{answer.text}</Notice> : null}
          <button
            type="submit"
            class="btn btn-primary btn-block"
            disabled={
              register.busy || !householdId || !name.trim() || !idNumber.trim() || !phone.trim()
            }
          >
            {register.busy ? '正在登记…' : '登记人员'}
          </button>
        </form>
      </section>
    </>
  );
}
