import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, OfflineError } from './api.ts';
import { problemText } from './i18n.ts';

export type Navigate = (path: string) => void;

/** A message for the user from whatever went wrong. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return problemText(error.problem);
  if (error instanceof OfflineError) return '没有网络连接。请检查信号后重试。';
  return '出了点问题，请刷新页面后重试。';
}

/** A status line read out by screen readers; never colour alone (it says what it is). */
export function Notice(props: {
  kind: 'ok' | 'error' | 'info' | 'warn';
  children: ComponentChildren;
}) {
  const icon = { ok: '✓', error: '✕', info: 'ℹ', warn: '⚠' }[props.kind];
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      <span aria-hidden="true" class="notice-icon">
        {icon}
      </span>
      {props.children}
    </p>
  );
}

/**
 * Polls a loader every `everyMs` while the page is visible and not paused; each answer replaces
 * the list only, never a form. A failed refresh keeps the last list and says so.
 */
export function usePoll<T>(load: () => Promise<T>, deps: readonly unknown[], everyMs = 15_000) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const refresh = async () => {
    try {
      const value = await loadRef.current();
      setData(value);
      setError(null);
      setUpdatedAt(new Date());
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    setData(null);
    void refresh();
  }, deps);
  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, everyMs);
    return () => clearInterval(timer);
  }, [paused, everyMs, ...deps]);
  return { data, error, paused, setPaused, refresh, updatedAt };
}

export function LiveBar(props: {
  paused: boolean;
  setPaused: (p: boolean) => void;
  updatedAt: Date | null;
  refresh: () => void;
}) {
  const time = props.updatedAt
    ? new Intl.DateTimeFormat('zh-CN', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hour12: false,
      }).format(props.updatedAt)
    : '—';
  return (
    <div class="livebar">
      <span>
        {props.paused ? '已暂停自动更新' : '自动更新中'} · 更新于 {time}
      </span>
      <span class="livebar-actions">
        <button type="button" class="btn btn-small" onClick={() => props.refresh()}>
          立即刷新
        </button>
        <button
          type="button"
          class="btn btn-small"
          aria-pressed={props.paused}
          onClick={() => props.setPaused(!props.paused)}
        >
          {props.paused ? '恢复更新' : '暂停更新'}
        </button>
      </span>
    </div>
  );
}

/** A form's submit state: busy while sending, then a message. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error' | 'warn'; text: string } | null>(
    null,
  );
  const run = async (
    action: () => Promise<string | { kind: 'ok' | 'warn'; text: string } | undefined>,
  ) => {
    setBusy(true);
    setMessage(null);
    try {
      const done = await action();
      if (typeof done === 'string' && done) setMessage({ kind: 'ok', text: done });
      else if (done && typeof done === 'object') setMessage(done);
      return true;
    } catch (e) {
      setMessage({ kind: 'error', text: errorText(e) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, setMessage, run };
}

export function ActionMessage(props: {
  message: { kind: 'ok' | 'error' | 'warn'; text: string } | null;
}) {
  return props.message ? <Notice kind={props.message.kind}>{props.message.text}</Notice> : null;
}

export function Chips<T extends string>(props: {
  legend: string;
  options: readonly T[];
  labels: Record<string, string>;
  value: readonly T[];
  onChange: (v: T[]) => void;
  single?: boolean;
  name: string;
}) {
  return (
    <fieldset class="chips">
      <legend>{props.legend}</legend>
      <div class="chip-row">
        {props.options.map((o) => {
          const on = props.value.includes(o);
          return (
            <button
              type="button"
              key={o}
              class={`chip${on ? ' chip-on' : ''}`}
              aria-pressed={on}
              data-name={props.name}
              data-value={o}
              onClick={() =>
                props.onChange(
                  props.single
                    ? [o]
                    : on
                      ? props.value.filter((v) => v !== o)
                      : [...props.value, o],
                )
              }
            >
              {on ? <span aria-hidden="true">✓ </span> : null}
              {props.labels[o] ?? o}
            </button>
          );
        })}
      </div>
    </fieldset>
  );
}

/** Downloads text or bytes as a file, from the page (no URL carries anything). */
export function download(name: string, type: string, content: BlobPart) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
