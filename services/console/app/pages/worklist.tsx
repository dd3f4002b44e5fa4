import { api, type SessionUser } from '../api.ts';
import { SLOT_LABELS, SLOT_STATUS_LABELS, formatDate, formatDateTime, place } from '../i18n.ts';
import { dismiss, onQueueChange, queued, type QueuedCheck } from '../offline.ts';
import { URGENCY_LABELS, instantOf, urgency, type Roster, type RosterEntry } from '../roster.ts';
import { Chips, LiveBar, Notice, usePoll, type Navigate } from '../ui.tsx';
import { useEffect, useState } from 'preact/hooks';

function SlotBadge(props: { slot: 'am' | 'pm'; entry: RosterEntry }) {
  const s = props.entry[props.slot];
  return (
    <span class={`slot slot-${s.status}`}>
      {SLOT_LABELS[props.slot]} {SLOT_STATUS_LABELS[s.status] ?? s.status}
      {s.temperatureC !== null ? ` ${s.temperatureC.toFixed(1)}°` : ''}
    </span>
  );
}

export function OfflineQueue(props: { user: SessionUser }) {
  const [items, setItems] = useState<QueuedCheck[]>(queued(props.user.id));
  useEffect(() => onQueueChange(() => setItems(queued(props.user.id))), [props.user.id]);
  if (items.length === 0) return null;
  return (
    <section class="card" aria-labelledby="queue-title">
      <h2 id="queue-title">本机待发送的记录</h2>
      <ul class="plain">
        {items.map((q) => (
          <li key={q.checkId} class="queue-item">
            <div>
              <strong>{q.personName}</strong> {String(q.body.date)}{' '}
              {SLOT_LABELS[String(q.body.slot)]} {Number(q.body.temperatureC).toFixed(1)} °C
            </div>
            {q.state === 'waiting' ? (
              <Notice kind="info">
                等待网络恢复后发送（记录于 {formatDateTime(q.queuedAt)}）。
              </Notice>
            ) : null}
            {q.state === 'conflict' ? (
              <Notice kind="warn">未发送：{q.message} 本机这条记录没有记入。</Notice>
            ) : null}
            {q.state === 'failed' ? <Notice kind="error">未发送：{q.message}</Notice> : null}
            {q.state !== 'waiting' ? (
              <button
                type="button"
                class="btn btn-small"
                onClick={() => dismiss(props.user.id, q.checkId)}
              >
                知道了，移除
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Who may look at the roster as it stood at an earlier instant: everyone who reads it but the callers, whose list is today's work. */
const LOOKS_BACK = new Set(['report-officer', 'analyst', 'admin', 'registrar']);

const CUT_KINDS = ['asOf', 'knownAt'] as const;
const CUT_LABELS = { asOf: '当时实况', knownAt: '当时系统所知' };

/** 200 a request, the most the roster API gives: a caller's whole list in one. */
const PAGE = 200;

export function WorklistPage(props: { user: SessionUser; navigate: Navigate }) {
  const mine = props.user.role === 'caller';
  const looksBack = LOOKS_BACK.has(props.user.role);
  const [cutKind, setCutKind] = useState<'asOf' | 'knownAt'>('asOf');
  const [cutAt, setCutAt] = useState('');
  const cutQuery = cutAt ? `&${cutKind}=${encodeURIComponent(instantOf(cutAt))}` : '';
  // A roster as of an instant does not change: no need to ask again every 15 s.
  const poll = usePoll(
    () => api<Roster>('GET', `/roster?limit=${PAGE}${cutQuery}`),
    [cutQuery],
    cutAt ? 3_600_000 : 15_000,
  );
  const roster = poll.data;
  // Pages after the first, asked for with 显示更多; forgotten when the first page is asked again.
  const [more, setMore] = useState<{
    of: Roster;
    entries: readonly RosterEntry[];
    next: string | null;
  } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const extra = more && more.of === roster ? more : null;
  const next = extra ? extra.next : (roster?.next ?? null);
  const loadMore = async () => {
    if (!roster || !next) return;
    setLoadingMore(true);
    try {
      const page = await api<Roster>(
        'GET',
        `/roster?limit=${PAGE}${cutQuery}&cursor=${encodeURIComponent(next)}`,
      );
      setMore({
        of: roster,
        entries: [...(extra?.entries ?? []), ...page.entries],
        next: page.next,
      });
    } finally {
      setLoadingMore(false);
    }
  };
  const all = roster ? [...roster.entries, ...(extra?.entries ?? [])] : [];
  const entries = all.sort(
    (a, b) => urgency(a) - urgency(b) || a.personName.localeCompare(b.personName, 'zh-CN'),
  );
  return (
    <>
      <h1 tabIndex={-1}>{mine ? '今日随访' : '居家隔离名单'}</h1>
      {looksBack ? (
        <form class="as-of-form" aria-label="以往的名单" onSubmit={(e) => e.preventDefault()}>
          <label class="field field-inline">
            <span>查看某一时刻（不填为现在）</span>
            <input
              type="datetime-local"
              name="rosterAt"
              step={1}
              value={cutAt}
              onChange={(e) => setCutAt(e.currentTarget.value)}
              aria-describedby="roster-at-hint"
            />
          </label>
          <Chips
            legend="按"
            name="cut"
            single
            options={CUT_KINDS}
            labels={CUT_LABELS}
            value={[cutKind]}
            onChange={(v) => setCutKind(v[0] ?? 'asOf')}
          />
          {cutAt ? (
            <button type="button" class="btn btn-beside-field" onClick={() => setCutAt('')}>
              回到现在
            </button>
          ) : null}
          <p id="roster-at-hint" class="muted">
            “当时实况”计入那一刻之前发生的一切，包括事后补录的随访；“当时系统所知”只计入那一刻已经登记的，用于核对当时看到的名单。
          </p>
        </form>
      ) : null}
      {roster ? (
        <p class="muted">
          {formatDate(roster.date)} · 上午 {roster.slotWindows.am.opens}–
          {roster.slotWindows.am.closes} · 下午 {roster.slotWindows.pm.opens}–
          {roster.slotWindows.pm.closes}
          {roster.cut
            ? ` · ${roster.cut.knownAt ? '截至该时刻系统所知' : '该时刻实况'}：${formatDateTime(roster.asOf)}`
            : ''}
        </p>
      ) : null}
      {cutAt ? null : <LiveBar {...poll} />}
      <OfflineQueue user={props.user} />
      {poll.error ? <Notice kind="error">{poll.error}（显示的是上次的名单）</Notice> : null}
      {roster ? (
        <dl class="totals">
          <div>
            <dt>隔离人数</dt>
            <dd>{roster.totals.people}</dd>
          </div>
          <div>
            <dt>待测</dt>
            <dd>{roster.totals.pending}</dd>
          </div>
          <div>
            <dt>超时</dt>
            <dd>{roster.totals.overdue}</dd>
          </div>
          <div>
            <dt>漏测</dt>
            <dd>{roster.totals.missed}</dd>
          </div>
          <div>
            <dt>预警</dt>
            <dd>{roster.totals.openEscalations}</dd>
          </div>
        </dl>
      ) : null}
      {!roster && !poll.error ? <p class="muted">正在加载名单…</p> : null}
      {roster && entries.length === 0 ? (
        <Notice kind="info">
          {cutAt ? '那一刻您负责的社区没有居家隔离人员。' : '今天您负责的社区没有居家隔离人员。'}
        </Notice>
      ) : null}
      <ol class="worklist" aria-label="按紧急程度排序的随访名单">
        {entries.map((e) => {
          const u = urgency(e);
          return (
            <li key={e.caseId}>
              <a
                class={`work-item urgency-${u}`}
                href={`#/case/${encodeURIComponent(e.caseId)}`}
                onClick={(ev) => {
                  ev.preventDefault();
                  props.navigate(`/case/${encodeURIComponent(e.caseId)}`);
                }}
              >
                <span class="work-head">
                  <strong class="work-name">{e.personName}</strong>
                  <span class="work-meta">
                    {place(e.community)} · 第 {e.day}/{e.periodDays} 天
                  </span>
                </span>
                <span class="work-urgency">
                  {u <= 1 ? <span aria-hidden="true">⚠ </span> : null}
                  {URGENCY_LABELS[u]}
                </span>
                <span class="work-slots">
                  <SlotBadge slot="am" entry={e} />
                  <SlotBadge slot="pm" entry={e} />
                </span>
              </a>
            </li>
          );
        })}
      </ol>
      {next ? (
        <p class="row">
          <button type="button" class="btn" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? '正在加载…' : `显示更多（已显示 ${entries.length} 人）`}
          </button>
        </p>
      ) : null}
    </>
  );
}
