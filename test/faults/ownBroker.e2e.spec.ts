import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { requireInfra } from '@fangyi/testkit';
import { Load, Stack, converge, ownBrokerPid, report, script } from './harness.ts';

/**
 * Faults of the broker itself, on a single-node broker of the suite's own (infra/kafka/start.sh on
 * FANGYI_FAULTS_KAFKA_PORT, default 18092): never the broker the other tests share. First the
 * command service starts while that broker is not running at all; then, with it up, the broker is
 * frozen with SIGSTOP for 20 s mid-load and resumed.
 */
describe('faults of the broker: commands are accepted while Kafka is down or frozen, and the roster catches up', {
  timeout: 300_000,
}, () => {
  const databaseUrl = requireInfra('postgres');
  const redisUrl = requireInfra('redis');
  const port = Number(process.env.FANGYI_FAULTS_KAFKA_PORT ?? 18092);
  const brokers = `127.0.0.1:${port}`;
  const brokerEnv = { KAFKA_PORT: String(port) };
  let stack: Stack;
  let paused: number | undefined;

  beforeAll(async () => {
    // A broker of ours left over from an interrupted run would make "Kafka down" untrue.
    await script('infra/kafka/stop.sh', [], brokerEnv);
    stack = new Stack({ label: 'broker', databaseUrl, redisUrl, brokers, worker: false });
    await stack.start();
  }, 180_000);

  afterAll(async () => {
    if (paused) process.kill(paused, 'SIGCONT');
    await stack?.stop();
    await script('infra/kafka/stop.sh', [], brokerEnv).catch((e: Error) =>
      console.error(e.message),
    );
  }, 90_000);

  const showLogs = () => onTestFailed(() => console.error(stack.logs()));

  it('Kafka down while the command service starts: it answers commands, and the roster catches up once Kafka is up', async () => {
    showLogs();
    const ready = (await (await fetch(`${stack.replicas[0]!.base}/ready`)).json()) as {
      checks: Record<string, string>;
    };
    expect(
      Object.entries(ready.checks)
        .filter(([k]) => k.startsWith('processor:quarantine-'))
        .map(([, v]) => v),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^starting/)]));
    const caseIds = await stack.startCases(50);
    const load = new Load({
      target: () => stack.replicas[0]!.base,
      slots: stack.slotsOf(caseIds),
      ratePerSecond: 100,
    });
    await load.done;
    expect(load.refusedCount, load.describeRefused()).toBe(0);
    const t0 = Date.now();
    await script('infra/kafka/start.sh', [], brokerEnv);
    const brokerUp = (Date.now() - t0) / 1000;
    stack.startWorker();
    await stack.startTap();
    const { verdict, seconds } = await converge(stack, caseIds, load.acks, t0, 120_000);
    report(
      'Kafka down while the command service starts',
      verdict,
      seconds,
      `every check and case start accepted with no broker; broker up in ${brokerUp.toFixed(1)} s, time counted from its start; refused ${load.describeRefused()}`,
    );
    expect(verdict.lost, 'lost').toBe(0);
    expect(verdict.doubled, 'doubled').toBe(0);
  });

  it('the broker paused (SIGSTOP) for 20 s mid-load, then resumed: commands keep being accepted, the roster catches up', async () => {
    showLogs();
    const caseIds = await stack.startCases(50);
    const load = new Load({
      target: () => stack.replicas[0]!.base,
      slots: stack.slotsOf(caseIds),
      ratePerSecond: 40,
    });
    await load.sentAtLeast(100);
    const pid = ownBrokerPid(port);
    process.kill(pid, 'SIGSTOP');
    paused = pid;
    const from = Date.now();
    await sleep(20_000);
    process.kill(pid, 'SIGCONT');
    paused = undefined;
    const resumedAt = Date.now();
    await load.done;
    const during = load.acks.filter((a) => a.ackAt >= from && a.ackAt <= resumedAt).length;
    const { verdict, seconds } = await converge(
      stack,
      caseIds,
      load.acks,
      Math.max(resumedAt, load.endedAt),
      120_000,
    );
    report(
      'broker paused 20 s',
      verdict,
      seconds,
      `${during} checks accepted while it was frozen; refused ${load.describeRefused()}`,
    );
    expect(load.refusedCount, load.describeRefused()).toBe(0);
    expect(during).toBeGreaterThan(600);
    expect(verdict.lost, 'lost').toBe(0);
    expect(verdict.doubled, 'doubled').toBe(0);
  });
});
