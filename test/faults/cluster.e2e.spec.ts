import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { requireInfra } from '@fangyi/testkit';
import { Load, Stack, converge, createTopics, leaderOf, report, script } from './harness.ts';

/**
 * A three-node Kafka cluster of the suite's own (infra/kafka/cluster.sh, ports from
 * FANGYI_FAULTS_CLUSTER_PORTS, default 18192 18292 18392): topics with replication factor 3 and
 * min.insync.replicas 2, the relay's producer with acks=all. The node leading the quarantine
 * topic's first partition is killed with SIGKILL mid-load and stays dead.
 */
describe('a three-broker Kafka cluster with one broker killed mid-load: nothing lost', {
  timeout: 300_000,
}, () => {
  const databaseUrl = requireInfra('postgres');
  const redisUrl = requireInfra('redis');
  const clusterEnv = {
    KAFKA_CLUSTER_PORTS: process.env.FANGYI_FAULTS_CLUSTER_PORTS ?? '18192 18292 18392',
  };
  let stack: Stack;

  beforeAll(async () => {
    const out = await script('infra/kafka/cluster.sh', ['start'], clusterEnv);
    const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)![1]!;
    stack = new Stack({ label: 'cluster', databaseUrl, redisUrl, brokers, tap: true });
    // The services create missing topics with a replication factor of 1; on a cluster the operator makes them first.
    await createTopics(brokers, stack.prefix, 3);
    await stack.start();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await script('infra/kafka/cluster.sh', ['stop'], clusterEnv).catch((e: Error) =>
      console.error(e.message),
    );
  }, 90_000);

  it('kills the leader of a partition mid-load; every acknowledged check reaches the roster once', async () => {
    onTestFailed(() => console.error(stack.logs()));
    const caseIds = await stack.startCases(50);
    const load = new Load({
      target: () => stack.replicas[0]!.base,
      slots: stack.slotsOf(caseIds),
      ratePerSecond: 80,
    });
    await load.sentAtLeast(300);
    const leader = await leaderOf(stack.brokers, stack.topic);
    const pid = Number(
      (await script('infra/kafka/cluster.sh', ['pid', String(leader)], clusterEnv)).trim(),
    );
    process.kill(pid, 'SIGKILL');
    const at = load.sent;
    await load.done;
    const { verdict, seconds } = await converge(stack, caseIds, load.acks, load.endedAt, 120_000);
    report(
      'one of three brokers SIGKILL',
      verdict,
      seconds,
      `node ${leader} (leader of partition 0) killed at check ${at}, left dead; refused ${load.describeRefused()}`,
    );
    expect(load.refusedCount, load.describeRefused()).toBe(0);
    expect(verdict.lost, 'lost').toBe(0);
    expect(verdict.doubled, 'doubled').toBe(0);
  });
});
