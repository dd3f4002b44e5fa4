import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { ActionMessage, Notice, useAction } from '../ui.tsx';

export function LoginPage(props: { ended: boolean; onSignedIn: (user: SessionUser) => void }) {
  const [loginName, setLoginName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const user = await api<SessionUser>('POST', '/staff/session', { loginName, password });
      setPassword('');
      props.onSignedIn(user);
    });
  };
  return (
    <section aria-labelledby="login-title" class="card login">
      <h1 id="login-title" tabIndex={-1}>
        防疫工作台 · 登录
      </h1>
      <p class="muted">枯桃管区工作人员专用。账号由管理员开通。</p>
      {props.ended ? <Notice kind="info">登录已过期或已退出，请重新登录。</Notice> : null}
      <form onSubmit={submit} noValidate>
        <label class="field">
          <span>登录名</span>
          <input
            name="loginName"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={loginName}
            onInput={(e) => setLoginName(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>密码</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ActionMessage message={action.message} />
        <button
          type="submit"
          class="btn btn-primary btn-block"
          disabled={action.busy || !loginName || !password}
        >
          {action.busy ? '正在登录…' : '登录'}
        </button>
      </form>
    </section>
  );
}
