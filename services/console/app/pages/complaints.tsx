import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import {
  AGENCY_LABELS,
  COMPLAINT_CATEGORY_LABELS,
  COMPLAINT_STATUS_LABELS,
  REPLY_CHANNEL_LABELS,
  RESOLUTION_LABELS,
  formatDateTime,
  place,
} from '../i18n.ts';
import { ActionMessage, Chips, LiveBar, Notice, useAction, usePoll } from '../ui.tsx';

interface Complaint {
  readonly complaintId: string;
  readonly status: string;
  readonly category: string;
  readonly area: string;
  readonly description: string;
  readonly location: string | null;
  readonly reporter: { anonymous: boolean; name?: string; phone?: string };
  readonly receivedAt: string;
  readonly replyDueAt: string;
  readonly assignee: string | null;
  readonly resolution: { resolution: string } | string | null;
  readonly firstReplyAt: string | null;
  readonly overdue: boolean;
  readonly revision: number;
}

const resolutionLabel = (r: { resolution: string } | string) => {
  const code = typeof r === 'string' ? r : r.resolution;
  return RESOLUTION_LABELS[code] ?? code;
};

function dueText(c: Complaint) {
  if (c.firstReplyAt) return `已于 ${formatDateTime(c.firstReplyAt)} 回复`;
  return c.overdue
    ? `⚠ 已超过回复期限（${formatDateTime(c.replyDueAt)}）`
    : `请于 ${formatDateTime(c.replyDueAt)} 前回复`;
}

function ComplaintActions(props: {
  user: SessionUser;
  complaint: Complaint;
  onDone: (text: string) => void;
}) {
  const c = props.complaint;
  const [agency, setAgency] = useState<string[]>(['community']);
  const [note, setNote] = useState('');
  const [resolution, setResolution] = useState<string[]>(['substantiated']);
  const [channel, setChannel] = useState<string[]>([
    c.reporter.anonymous ? 'public-note' : 'phone',
  ]);
  const [message, setMessage] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const base = `/complaints/${encodeURIComponent(c.complaintId)}`;
  const step = (path: string, body: unknown, done: string, after?: () => void) =>
    void action.run(async () => {
      await api('POST', `${base}/${path}`, body);
      after?.();
      props.onDone(done);
      return done;
    });
  return (
    <div class="stack">
      <ActionMessage message={action.message} />
      {c.status === 'received' ? (
        <>
          <Chips
            legend="责任单位"
            name="agency"
            options={Object.keys(AGENCY_LABELS)}
            labels={AGENCY_LABELS}
            value={agency}
            onChange={setAgency}
            single
          />
          <button
            type="button"
            class="btn btn-primary btn-block"
            disabled={action.busy}
            onClick={() =>
              step(
                'triage',
                { assignee: props.user.id, agency: agency[0], priority: 'normal' },
                '已分派给我，开始调查。',
              )
            }
          >
            分派给我
          </button>
        </>
      ) : null}
      {c.status === 'triaged' || c.status === 'investigating' ? (
        <>
          <label class="field">
            <span>调查记录 / 办结说明</span>
            <textarea
              name="note"
              rows={3}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            class="btn btn-block"
            disabled={action.busy || !note.trim()}
            onClick={() =>
              step('notes', { note: note.trim() }, '已添加调查记录。', () => setNote(''))
            }
          >
            添加调查记录
          </button>
          <Chips
            legend="办结结论"
            name="resolution"
            options={['substantiated', 'unsubstantiated', 'not-our-responsibility']}
            labels={RESOLUTION_LABELS}
            value={resolution}
            onChange={setResolution}
            single
          />
          <button
            type="button"
            class="btn btn-primary btn-block"
            disabled={action.busy || !note.trim()}
            onClick={() =>
              step(
                'resolution',
                { resolution: resolution[0], note: note.trim() },
                '已办结。请回复投诉人后关闭。',
                () => setNote(''),
              )
            }
          >
            办结
          </button>
        </>
      ) : null}
      {c.status !== 'closed' && c.status !== 'received' ? (
        <>
          <Chips
            legend="回复方式"
            name="replyChannel"
            options={Object.keys(REPLY_CHANNEL_LABELS)}
            labels={REPLY_CHANNEL_LABELS}
            value={channel}
            onChange={setChannel}
            single
          />
          <label class="field">
            <span>回复内容</span>
            <textarea
              name="reply"
              rows={3}
              value={message}
              onInput={(e) => setMessage(e.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            class="btn btn-block"
            disabled={action.busy || !message.trim()}
            onClick={() =>
              step('reply', { channel: channel[0], message: message.trim() }, '已记录回复。', () =>
                setMessage(''),
              )
            }
          >
            回复投诉人
          </button>
        </>
      ) : null}
      {c.status === 'resolved' ? (
        <button
          type="button"
          class="btn btn-primary btn-block"
          disabled={action.busy}
          onClick={() => step('closure', {}, '投诉已关闭。')}
        >
          关闭投诉
        </button>
      ) : null}
      {c.status === 'closed' ? (
        <>
          <label class="field">
            <span>重新打开的原因</span>
            <input
              name="reopenReason"
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            class="btn btn-block"
            disabled={action.busy || !reason.trim()}
            onClick={() =>
              step('reopening', { reason: reason.trim() }, '已重新打开。', () => setReason(''))
            }
          >
            重新打开
          </button>
        </>
      ) : null}
    </div>
  );
}

export function ComplaintsPage(props: { user: SessionUser }) {
  const [show, setShow] = useState<string[]>(['open']);
  const poll = usePoll(
    () => api<{ items: Complaint[]; overdue: number; total: number }>('GET', '/complaints'),
    [],
  );
  const [openId, setOpenId] = useState<string | null>(null);
  const [lastDone, setLastDone] = useState<string | null>(null);
  const items = (poll.data?.items ?? [])
    .filter((c) => show[0] === 'all' || c.status !== 'closed')
    .sort(
      (a, b) =>
        Number(b.overdue) - Number(a.overdue) ||
        (a.firstReplyAt ? 1 : 0) - (b.firstReplyAt ? 1 : 0) ||
        a.replyDueAt.localeCompare(b.replyDueAt),
    );
  return (
    <>
      <h1 tabIndex={-1}>投诉处理</h1>
      <LiveBar {...poll} />
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
      {poll.data ? (
        <p class="muted">
          共 {poll.data.total} 条，超期未回复 {poll.data.overdue} 条
        </p>
      ) : null}
      {lastDone ? <Notice kind="ok">{lastDone}</Notice> : null}
      <Chips
        legend="显示"
        name="show"
        options={['open', 'all']}
        labels={{ open: '未关闭的', all: '全部' }}
        value={show}
        onChange={setShow}
        single
      />
      {poll.data && items.length === 0 ? <Notice kind="info">没有需要处理的投诉。</Notice> : null}
      <ul class="plain">
        {items.map((c) => (
          <li key={c.complaintId} class={`card complaint${c.overdue ? ' card-alert' : ''}`}>
            <button
              type="button"
              class="complaint-head"
              aria-expanded={openId === c.complaintId}
              onClick={() => setOpenId(openId === c.complaintId ? null : c.complaintId)}
            >
              <span class="complaint-title">
                <strong>{COMPLAINT_CATEGORY_LABELS[c.category] ?? c.category}</strong> ·{' '}
                {place(c.area)} · {COMPLAINT_STATUS_LABELS[c.status] ?? c.status}
              </span>
              <span class="complaint-desc">{c.description}</span>
              <span class={c.overdue ? 'text-danger' : 'muted'}>{dueText(c)}</span>
            </button>
            {openId === c.complaintId ? (
              <div class="complaint-body">
                <p>
                  受理于 {formatDateTime(c.receivedAt)} · 投诉人：
                  {c.reporter.anonymous
                    ? '匿名'
                    : `${c.reporter.name ?? ''} ${c.reporter.phone ?? ''}`}
                  {c.assignee ? ` · 处理人：${c.assignee}` : ''}
                  {c.resolution ? ` · 结论：${resolutionLabel(c.resolution)}` : ''}
                </p>
                <ComplaintActions
                  user={props.user}
                  complaint={c}
                  onDone={(text) => {
                    setLastDone(
                      `${COMPLAINT_CATEGORY_LABELS[c.category] ?? c.category}（${place(c.area)}）：${text}`,
                    );
                    void poll.refresh();
                  }}
                />
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
}
