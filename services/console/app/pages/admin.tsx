import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { ROLE_LABELS, communityIds, estateIds, formatDateTime, place } from '../i18n.ts';
import { ActionMessage, Chips, LiveBar, Notice, useAction, usePoll } from '../ui.tsx';

interface Account {
  readonly loginName: string;
  readonly displayName: string;
  readonly role: string;
  readonly communities: readonly string[];
  readonly status: 'active' | 'disabled';
  readonly changedAt: string;
}

const ROLES = Object.keys(ROLE_LABELS);

function AccountRow(props: { account: Account; me: string; onDone: () => void }) {
  const a = props.account;
  const [password, setPassword] = useState('');
  const [open, setOpen] = useState(false);
  const action = useAction();
  const base = `/staff/accounts/${encodeURIComponent(a.loginName)}`;
  const step = (path: string, body: unknown, done: string) =>
    void action.run(async () => {
      await api('POST', `${base}/${path}`, body);
      setPassword('');
      props.onDone();
      return done;
    });
  return (
    <li class="card account">
      <div class="account-head">
        <strong>{a.displayName}</strong> <span class="muted">{a.loginName}</span>
        <span class={a.status === 'active' ? 'badge badge-ok' : 'badge badge-off'}>
          {a.status === 'active' ? '在用' : '已停用'}
        </span>
      </div>
      <p class="muted">
        {ROLE_LABELS[a.role] ?? a.role} · {a.communities.map(place).join('、')} · 更新于{' '}
        {formatDateTime(a.changedAt)}
      </p>
      <ActionMessage message={action.message} />
      <button
        type="button"
        class="btn btn-small"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {open ? '收起' : '管理'}
      </button>
      {open ? (
        <div class="stack">
          <label class="field">
            <span>新密码（至少 10 位）</span>
            <input
              type="password"
              name={`password-${a.loginName}`}
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            class="btn"
            disabled={action.busy || password.length < 10}
            onClick={() => step('password', { password }, '密码已重置，请告知本人。')}
          >
            重置密码
          </button>
          {a.loginName === props.me ? null : a.status === 'active' ? (
            <button
              type="button"
              class="btn btn-danger"
              disabled={action.busy}
              onClick={() =>
                step('disabling', { reason: '管理员停用' }, '账号已停用，正在使用的登录也已失效。')
              }
            >
              停用账号
            </button>
          ) : (
            <button
              type="button"
              class="btn"
              disabled={action.busy}
              onClick={() => step('enabling', {}, '账号已启用。')}
            >
              启用账号
            </button>
          )}
        </div>
      ) : null}
    </li>
  );
}

export function AdminPage(props: { user: SessionUser }) {
  const poll = usePoll(() => api<{ accounts: Account[] }>('GET', '/staff/accounts'), [], 30_000);
  const [loginName, setLoginName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<string[]>(['caller']);
  const [communities, setCommunities] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const action = useAction();
  const create = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('POST', '/staff/accounts', {
        loginName: loginName.trim(),
        displayName: displayName.trim(),
        role: role[0],
        communities,
        password,
      });
      const done = `已创建账号 ${loginName.trim()}（${ROLE_LABELS[role[0]!]}）。请把登录名和密码告知本人。`;
      setLoginName('');
      setDisplayName('');
      setPassword('');
      setCommunities([]);
      void poll.refresh();
      return done;
    });
  };
  return (
    <>
      <h1 tabIndex={-1}>账号管理</h1>
      <section class="card" aria-labelledby="new-title">
        <h2 id="new-title">新建账号</h2>
        <form onSubmit={create} noValidate>
          <label class="field">
            <span>登录名（小写字母、数字、-）</span>
            <input
              name="loginName"
              autoCapitalize="none"
              spellcheck={false}
              value={loginName}
              onInput={(e) => setLoginName(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>姓名</span>
            <input
              name="displayName"
              value={displayName}
              onInput={(e) => setDisplayName(e.currentTarget.value)}
            />
          </label>
          <Chips
            legend="角色"
            name="role"
            options={ROLES}
            labels={ROLE_LABELS}
            value={role}
            onChange={setRole}
            single
          />
          <Chips
            legend="负责社区（可多选）"
            name="community"
            options={['*', ...communityIds(), ...estateIds()]}
            labels={Object.fromEntries(
              ['*', ...communityIds(), ...estateIds()].map((c) => [c, place(c)]),
            )}
            value={communities}
            onChange={setCommunities}
          />
          <label class="field">
            <span>初始密码（至少 10 位）</span>
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <ActionMessage message={action.message} />
          <button type="submit" class="btn btn-primary btn-block" disabled={action.busy}>
            创建账号
          </button>
        </form>
      </section>
      <h2>全部账号</h2>
      <LiveBar {...poll} />
      {poll.error ? <Notice kind="error">{poll.error}</Notice> : null}
      <ul class="plain">
        {(poll.data?.accounts ?? []).map((a) => (
          <AccountRow
            key={a.loginName}
            account={a}
            me={props.user.id}
            onDone={() => void poll.refresh()}
          />
        ))}
      </ul>
    </>
  );
}
