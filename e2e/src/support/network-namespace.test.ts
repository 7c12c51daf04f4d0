import { describe, expect, it } from 'vitest';
import { cutRuleCommand, inNamespace, netnsPlan, setupCommands, teardownCommands } from './network-namespace.js';

describe('netnsPlan', () => {
  it('names the namespace after the pid and keeps interface names within the kernel limit of 15', () => {
    const plan = netnsPlan(4_194_303);
    expect(plan.name).toBe('certscrape-e2e-4194303');
    expect(plan.hostInterface.length).toBeLessThanOrEqual(15);
    expect(plan.nsInterface.length).toBeLessThanOrEqual(15);
    expect(plan.hostInterface).not.toBe(plan.nsInterface);
  });

  it('puts both ends in one /30 of 10.213.0.0/16: host .1, namespace .2 of the block', () => {
    for (const pid of [1, 63, 64, 12345, 16383, 16384, 999_999]) {
      const { hostAddress, nsAddress } = netnsPlan(pid);
      const h = hostAddress.split('.').map(Number);
      const n = nsAddress.split('.').map(Number);
      expect(h.slice(0, 2)).toEqual([10, 213]);
      expect(n.slice(0, 3)).toEqual(h.slice(0, 3));
      expect((h[3] ?? 0) % 4).toBe(1);
      expect(n[3]).toBe((h[3] ?? 0) + 1);
    }
  });

  it('gives different pids different blocks (parallel runs do not collide)', () => {
    expect(netnsPlan(100).hostAddress).not.toBe(netnsPlan(101).hostAddress);
  });
});

describe('namespace commands', () => {
  const plan = netnsPlan(4242);

  it('creates the namespace before moving the veth peer into it, and brings loopback up', () => {
    const cmds = setupCommands(plan).map((a) => a.join(' '));
    expect(cmds[0]).toBe(`ip netns add ${plan.name}`);
    expect(cmds.indexOf(`ip link set ${plan.nsInterface} netns ${plan.name}`)).toBeGreaterThan(0);
    expect(cmds).toContain(`ip -n ${plan.name} addr add ${plan.nsAddress}/30 dev ${plan.nsInterface}`);
    expect(cmds).toContain(`ip -n ${plan.name} link set lo up`);
  });

  it('tears down the namespace and the host end of the link', () => {
    expect(teardownCommands(plan).map((a) => a.join(' '))).toEqual([`ip netns del ${plan.name}`, `ip link del ${plan.hostInterface}`]);
  });

  it('the cut drops TCP to exactly the apiserver address and port, inside the namespace; -D removes the same rule', () => {
    const add = cutRuleCommand(plan, '-I', '10.213.16.145', 6443);
    expect(add.slice(0, 4)).toEqual(inNamespace(plan, ['iptables']).slice(0, 4));
    expect(add.join(' ')).toContain('-I OUTPUT -d 10.213.16.145/32 -p tcp --dport 6443');
    expect(add.at(-1)).toBe('DROP');
    const del = cutRuleCommand(plan, '-D', '10.213.16.145', 6443);
    expect(del.join(' ').replace(' -D ', ' -I ')).toBe(add.join(' '));
  });
});
