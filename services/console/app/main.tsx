import { render, type JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, whenSignedOut, type SessionUser } from './api.ts';
import { ROLE_LABELS, place, placesReady } from './i18n.ts';
import { flush, onQueueChange, queued } from './offline.ts';
import { AdminPage } from './pages/admin.tsx';
import { CasePage } from './pages/case.tsx';
import { CheckpointPage } from './pages/checkpoint.tsx';
import { ComplaintsPage } from './pages/complaints.tsx';
import { LoginPage } from './pages/login.tsx';
import { PolicyPreviewPage } from './pages/preview.tsx';
import { RegistrarPage } from './pages/registrar.tsx';
import { ReportPage } from './pages/report.tsx';
import { FindPage, HouseholdPage, PersonPage } from './pages/residents.tsx';
import { TimelinePage, TimelineSearchPage } from './pages/timeline.tsx';
import { WorklistPage } from './pages/worklist.tsx';
import './styles.css';

/** The pages of each role, in the order the menu shows them; the first is where they land. */
const PAGES: Record<string, readonly { path: string; label: string }[]> = {
  caller: [{ path: '/worklist', label: '今日随访' }],
  registrar: [
    { path: '/registrar', label: '登记' },
    { path: '/find', label: '查找' },
    { path: '/worklist', label: '隔离名单' },
  ],
  'checkpoint-staff': [{ path: '/checkpoint', label: '卡口登记' }],
  'complaint-handler': [{ path: '/complaints', label: '投诉处理' }],
  'report-officer': [
    { path: '/report', label: '每日报表' },
    { path: '/worklist', label: '隔离名单' },
    { path: '/timeline', label: '时间线' },
  ],
  analyst: [
    { path: '/report', label: '每日报表' },
    { path: '/timeline', label: '时间线' },
    { path: '/preview', label: '政策预演' },
    { path: '/worklist', label: '隔离名单' },
  ],
  admin: [
    { path: '/admin', label: '账号管理' },
    { path: '/worklist', label: '隔离名单' },
    { path: '/registrar', label: '登记' },
    { path: '/find', label: '查找' },
    { path: '/checkpoint', label: '卡口' },
    { path: '/complaints', label: '投诉' },
    { path: '/report', label: '报表' },
    { path: '/timeline', label: '时间线' },
    { path: '/preview', label: '预演' },
  ],
};

/** Detail pages and the menu entry they belong under. */
const SECTION_OF: Record<string, string> = {
  '/person/': '/find',
  '/household/': '/find',
  '/case/': '/worklist',
};
const sectionOf = (path: string) =>
  Object.entries(SECTION_OF).find(([prefix]) => path.startsWith(prefix))?.[1] ?? path;

const routeOf = () => (location.hash.replace(/^#/, '') || '/').split('?')[0]!;

/** Renews the session while the console is in use (each renewal: another 30 minutes). */
const RENEW_MS = 5 * 60_000;

function App() {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [route, setRoute] = useState(routeOf());
  const [ended, setEnded] = useState(false);
  const [online, setOnline] = useState(navigator.onLine);
  const [waiting, setWaiting] = useState(0);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    const onHash = () => setRoute(routeOf());
    addEventListener('hashchange', onHash);
    whenSignedOut(() => {
      setUser(null);
      setEnded(true);
    });
    // Pages render once the session and the district's place names are both in.
    const session = api<SessionUser & { signedIn: boolean; ended?: boolean }>(
      'GET',
      '/staff/session',
    );
    Promise.all([session, placesReady]).then(
      ([s]) => {
        setUser(s.signedIn ? s : null);
        if (s.ended) setEnded(true);
      },
      () => placesReady.then(() => setUser(null)),
    );
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    addEventListener('online', on);
    addEventListener('offline', off);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener('online', on);
      removeEventListener('offline', off);
    };
  }, []);

  useEffect(() => {
    if (!user) return;
    const renew = setInterval(() => {
      if (document.visibilityState !== 'visible' || !navigator.onLine) return;
      api<SessionUser & { signedIn: boolean }>('GET', '/staff/session').then(
        (s) => {
          if (s.signedIn) return setUser(s);
          setUser(null);
          setEnded(true);
        },
        () => {},
      );
    }, RENEW_MS);
    const count = () => setWaiting(queued(user.id).length);
    count();
    const stop = onQueueChange(count);
    const send = () => void flush(user.id);
    send();
    addEventListener('online', send);
    const retry = setInterval(send, 20_000);
    return () => {
      clearInterval(renew);
      clearInterval(retry);
      stop();
      removeEventListener('online', send);
    };
  }, [user?.id]);

  const navigate = (path: string) => {
    location.hash = path;
  };
  // Move focus to the page's heading when the page changes, for keyboards and screen readers.
  useEffect(() => {
    mainRef.current?.querySelector('h1')?.focus();
  }, [route, user?.id]);

  if (user === undefined)
    return (
      <main class="page" ref={mainRef}>
        <p class="muted">正在加载…</p>
      </main>
    );
  if (user === null) {
    return (
      <main class="page page-narrow" ref={mainRef} id="main">
        <LoginPage
          ended={ended}
          onSignedIn={(u) => {
            setEnded(false);
            setUser(u);
            const first = PAGES[u.role]?.[0]?.path ?? '/worklist';
            if (
              !PAGES[u.role]?.some((p) => sectionOf(route).startsWith(p.path)) &&
              !route.startsWith('/case/')
            )
              navigate(first);
          }}
        />
      </main>
    );
  }

  const pages = PAGES[user.role] ?? [];
  const path = route === '/' ? (pages[0]?.path ?? '/worklist') : route;
  const signOut = async () => {
    if (
      queued(user.id).some((q) => q.state === 'waiting') &&
      !confirm('还有未发送的体温记录，退出后会保留在本机，下次登录时继续发送。确定退出吗？')
    )
      return;
    await api('DELETE', '/staff/session').catch(() => {});
    setUser(null);
    setEnded(false);
  };

  let page: JSX.Element;
  if (path.startsWith('/case/'))
    page = (
      <CasePage
        caseId={decodeURIComponent(path.slice('/case/'.length))}
        user={user}
        navigate={navigate}
      />
    );
  else if (path === '/worklist') page = <WorklistPage user={user} navigate={navigate} />;
  else if (path === '/checkpoint') page = <CheckpointPage user={user} />;
  else if (path === '/registrar') page = <RegistrarPage user={user} />;
  else if (path === '/complaints') page = <ComplaintsPage user={user} />;
  else if (path === '/report') page = <ReportPage user={user} />;
  else if (path === '/admin') page = <AdminPage user={user} />;
  else if (path === '/find') page = <FindPage user={user} navigate={navigate} />;
  else if (path.startsWith('/person/'))
    page = (
      <PersonPage
        personId={decodeURIComponent(path.slice('/person/'.length))}
        user={user}
        navigate={navigate}
      />
    );
  else if (path.startsWith('/household/'))
    page = (
      <HouseholdPage
        householdId={decodeURIComponent(path.slice('/household/'.length))}
        user={user}
      />
    );
  else if (path === '/preview') page = <PolicyPreviewPage user={user} />;
  else if (path === '/timeline') page = <TimelineSearchPage user={user} navigate={navigate} />;
  else if (path.startsWith('/timeline/'))
    page = (
      <TimelinePage personId={decodeURIComponent(path.slice('/timeline/'.length))} user={user} />
    );
  else page = <h1 tabIndex={-1}>没有这个页面</h1>;

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is a link to #main; the handler only moves focus there without changing the route */}
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        跳到正文
      </a>
      <header class="topbar">
        <div class="brand">防疫工作台</div>
        <div class="who">
          <span class="who-name">{user.name}</span>
          <span class="who-role">
            {ROLE_LABELS[user.role] ?? user.role} · {user.communities.map(place).join('、')}
          </span>
        </div>
        <button type="button" class="btn btn-small btn-quiet" onClick={signOut}>
          退出
        </button>
      </header>
      {pages.length > 1 ? (
        <nav class="tabs" aria-label="功能">
          {pages.map((p) => (
            <a
              key={p.path}
              href={`#${p.path}`}
              class={`tab${sectionOf(path).startsWith(p.path) ? ' tab-on' : ''}`}
              aria-current={sectionOf(path).startsWith(p.path) ? 'page' : undefined}
            >
              {p.label}
            </a>
          ))}
        </nav>
      ) : null}
      {!online || waiting > 0 ? (
        <div class={`netbar${online ? '' : ' netbar-off'}`} role="status">
          {online ? '' : '没有网络：体温记录会先存在本机，恢复网络后自动发送。'}
          {waiting > 0 ? ` 本机待处理记录 ${waiting} 条。` : ''}
        </div>
      ) : null}
      <main
        class={`page${path === '/report' || path === '/preview' ? ' page-wide' : ''}`}
        id="main"
        ref={mainRef}
        tabIndex={-1}
      >
        {page}
      </main>
    </>
  );
}

addEventListener('unhandledrejection', (event) => {
  if (event.reason instanceof ApiError) event.preventDefault();
});
render(<App />, document.getElementById('app')!);
