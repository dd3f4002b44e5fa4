import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { ROLE_LABELS, formatDateTime, place } from '../i18n.ts';
import { ActionMessage, Notice, useAction, usePoll, type Navigate } from '../ui.tsx';

/** The analyst's view of one person's story across residents, quarantine, checkpoints and complaints. */

interface Entry {
  readonly eventId: string;
  readonly type: string;
  readonly context: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly actor: { id: string; role: string };
  readonly summary: string;
  readonly causedBy: string | null;
  readonly causes: readonly string[];
  readonly relation: string;
}
interface Timeline {
  readonly personId: string;
  readonly name: string | null;
  readonly community: string;
  readonly entries: readonly Entry[];
}

const CONTEXT_LABELS: Record<string, string> = {
  residents: '人员登记',
  quarantine: '居家隔离',
  checkpoints: '卡口',
  complaints: '投诉',
};

const actorText = (a: Entry['actor']) =>
  a.role === 'system' ? `系统自动（${a.id}）` : `${ROLE_LABELS[a.role] ?? a.role} ${a.id}`;

/** Brings an entry into view and gives it focus (the hash holds the page, so no #anchor links). */
const goTo = (eventId: string) => {
  const el = document.getElementById(`entry-${eventId}`);
  if (!el) return;
  el.scrollIntoView({ block: 'center' });
  el.focus();
};

export function TimelineSearchPage(props: { user: SessionUser; navigate: Navigate }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<
    readonly { personId: string; name: string; community: string; address: string | null }[] | null
  >(null);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const text = q.trim();
    void action.run(async () => {
      // A person id pasted from elsewhere opens at once; an ID number or a name is looked up.
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
        props.navigate(`/timeline/${encodeURIComponent(text)}`);
        return '';
      }
      const by = /^\d{17}[\dxX]$/.test(text) ? 'idNumber' : 'name';
      const answer = await api<{
        items: { personId: string; name: string; community: string; address: string | null }[];
      }>('GET', `/residents/search?${new URLSearchParams({ by, q: text, limit: '50' })}`);
      setFound(answer.items);
      return '';
    });
  };
  return (
    <>
      <h1 tabIndex={-1}>人员时间线</h1>
      <section class="card" aria-labelledby="tl-find">
        <h2 id="tl-find">查找人员</h2>
        <form role="search" onSubmit={submit}>
          <label class="field">
            <span>姓名、身份证号或人员编号</span>
            <input
              name="q"
              value={q}
              autoComplete="off"
              onInput={(e) => setQ(e.currentTarget.value)}
              placeholder="如 李明"
            />
          </label>
          <ActionMessage message={action.message} />
          <button
            type="submit"
            class="btn btn-primary btn-block"
            disabled={action.busy || !q.trim()}
          >
            查找
          </button>
        </form>
      </section>
      {found ? (
        <section class="card" aria-labelledby="tl-found">
          <h2 id="tl-found">查找结果（{found.length}）</h2>
          {found.length === 0 ? <p class="muted">没有找到这个人。</p> : null}
          <ul class="plain found">
            {found.map((p) => (
              <li key={p.personId}>
                <a class="work-item" href={`#/timeline/${encodeURIComponent(p.personId)}`}>
                  <strong>{p.name}</strong>
                  <span class="work-meta">
                    {place(p.community)} · {p.address ?? '地址未知'}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

export function TimelinePage(props: { personId: string; user: SessionUser }) {
  const poll = usePoll(
    () => api<Timeline>('GET', `/analyst/people/${encodeURIComponent(props.personId)}/timeline`),
    [props.personId],
    60_000,
  );
  const back = (
    <a class="back" href="#/timeline">
      ← 查找其他人
    </a>
  );
  const t = poll.data;
  if (!t) {
    return (
      <>
        {back}
        <h1 tabIndex={-1}>人员时间线</h1>
        {poll.error ? <Notice kind="error">{poll.error}</Notice> : <p class="muted">正在加载…</p>}
      </>
    );
  }
  const number = new Map(t.entries.map((e, i) => [e.eventId, i + 1]));
  const byId = new Map(t.entries.map((e) => [e.eventId, e]));
  const link = (eventId: string) => {
    const target = byId.get(eventId);
    return (
      <button
        type="button"
        class="btn btn-small btn-link"
        key={eventId}
        onClick={() => goTo(eventId)}
      >
        #{number.get(eventId)} {target ? target.summary.slice(0, 24) : ''}
      </button>
    );
  };
  return (
    <>
      {back}
      <h1 tabIndex={-1}>{t.name ?? '（姓名已删除）'}的时间线</h1>
      <p class="muted">
        {place(t.community)} · 共 {t.entries.length} 条记录，按发生时间排列
      </p>
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
      <ol class="plain timeline">
        {t.entries.map((e, i) => {
          // A fact entered well after it happened (a late check, a back-dated shift) says so.
          const late = Date.parse(e.recordedAt) - Date.parse(e.occurredAt) > 5 * 60_000;
          return (
            <li key={e.eventId} id={`entry-${e.eventId}`} tabIndex={-1} class="timeline-entry">
              <div class="timeline-head">
                <span class="timeline-no">#{i + 1}</span>
                <time dateTime={e.occurredAt}>{formatDateTime(e.occurredAt)}</time>
                <span class="timeline-context">{CONTEXT_LABELS[e.context] ?? e.context}</span>
              </div>
              <p class="timeline-summary">{e.summary}</p>
              <p class="muted">
                {actorText(e.actor)}
                {late ? ` · 补录于 ${formatDateTime(e.recordedAt)}` : ''}
              </p>
              {e.causedBy && byId.has(e.causedBy) ? (
                <div class="timeline-links">起因：{link(e.causedBy)}</div>
              ) : null}
              {e.causes.length > 0 ? (
                <div class="timeline-links">
                  引起：{e.causes.filter((c) => byId.has(c)).map(link)}
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </>
  );
}
