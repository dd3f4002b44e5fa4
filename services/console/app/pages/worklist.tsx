import { api, type SessionUser } from '../api.ts';
import { SLOT_LABELS, SLOT_STATUS_LABELS, formatDate, formatDateTime, place } from '../i18n.ts';
import { dismiss, onQueueChange, queued, type QueuedCheck } from '../offline.ts';
import { URGENCY_LABELS, urgency, type Roster, type RosterEntry } from '../roster.ts';
import { LiveBar, Notice, usePoll, type Navigate } from '../ui.tsx';
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
              <strong>{q.personName}</strong> {String(q.body.date)} {SLOT_LABELS[String(q.body.slot)]} {Number(q.body.temperatureC).toFixed(1)} °C
            </div>
            {q.state === 'waiting' ? <Notice kind="info">等待网络恢复后发送（记录于 {formatDateTime(q.queuedAt)}）。</Notice> : null}
            {q.state === 'conflict' ? (
              <Notice kind="warn">未发送：{q.message} 本机这条记录没有记入。</Notice>
            ) : null}
            {q.state === 'failed' ? <Notice kind="error">未发送：{q.message}</Notice> : null}
            {q.state !== 'waiting' ? (
              <button type="button" class="btn btn-small" onClick={() => dismiss(props.user.id, q.checkId)}>
                知道了，移除
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function WorklistPage(props: { user: SessionUser; navigate: Navigate }) {
  const poll = usePoll(() => api<Roster>('GET', '/roster'), []);
  const roster = poll.data;
  const entries = roster ? [...roster.entries].sort((a, b) => urgency(a) - urgency(b) || a.personName.localeCompare(b.personName, 'zh-CN')) : [];
  const mine = props.user.role === 'caller';
  return (
    <>
      <h1 tabIndex={-1}>{mine ? '今日随访' : '居家隔离名单'}</h1>
      {roster ? (
        <p class="muted">
          {formatDate(roster.date)} · 上午 {roster.slotWindows.am.opens}–{roster.slotWindows.am.closes} · 下午 {roster.slotWindows.pm.opens}–{roster.slotWindows.pm.closes}
        </p>
      ) : null}
      <LiveBar {...poll} />
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
      {roster && entries.length === 0 ? <Notice kind="info">今天您负责的社区没有居家隔离人员。</Notice> : null}
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
    </>
  );
}
