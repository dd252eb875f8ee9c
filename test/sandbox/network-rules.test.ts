/** The egress firewall, read as text: what it drops and what it forwards. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { egressRuleset } from '../../src/sandbox/namespace/network.js';

describe('egress ruleset', () => {
  const rules = egressRuleset('nimbus_t', '10.213.0.0/16', [9000, 9001], ['192.0.2.0/24']);

  it('never forwards to the metadata range, loopback, other sandboxes or denied networks', () => {
    const deny = /iifname "nbx\*" ip daddr \{ ([^}]+) \} drop/.exec(rules)?.[1] ?? '';
    for (const net of ['169.254.0.0/16', '127.0.0.0/8', '10.213.0.0/16', '192.0.2.0/24']) assert.ok(deny.includes(net), net);
    assert.match(rules, /iifname "nbx\*" oifname "nbx\*" drop/);
    assert.match(rules, /iifname "nbx\*" meta nfproto ipv6 drop/);
  });

  it('drops everything sandboxes send to the host, Nimbus’s ports by name', () => {
    assert.match(rules, /elements = \{ 9000, 9001 \}/);
    assert.match(rules, /iifname "nbx\*" meta l4proto \{ tcp, udp \} th dport @nimbus_ports drop/);
    const input = rules.slice(rules.indexOf('chain input'), rules.indexOf('chain forward'));
    assert.match(input, /iifname "nbx\*" drop\n/);
  });

  it('masquerades sandbox traffic leaving the host', () => {
    assert.match(rules, /ip saddr 10\.213\.0\.0\/16 oifname != "nbx\*" masquerade/);
  });

  it('accepts an empty port list', () => {
    assert.doesNotMatch(egressRuleset('t', '10.213.0.0/16', [], []), /elements/);
  });
});
