/**
 * Gratuitous ARP on takeover: which addresses move (the controller's owners before and
 * after), and the announcement frame byte for byte (RFC 5227 2.3; checked against tshark's
 * reading of the same bytes in the lab test).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/control/config-load.js';
import { Controller } from '../../src/control/controller.js';
import { garpFrame, movedAddresses, ownership } from '../../src/forward/garp.js';

const lab = loadConfig(path.join(import.meta.dirname, '../../fixtures/configs/lab.yaml'));

describe('garp', () => {
  it('announcement frame, untagged: broadcast, sender = target = the address, tha zero, 60 bytes', () => {
    const f = garpFrame('198.51.100.21', 0, '02:00:00:00:00:13');
    expect(f.length).toBe(60);
    expect(f.subarray(0, 42).toString('hex')).toBe(
      'ffffffffffff' + '020000000013' + '0806' + '0001' + '0800' + '06' + '04' + '0001' + '020000000013' + 'c6336415' + '000000000000' + 'c6336415',
    );
    expect(f.subarray(42).every((b) => b === 0)).toBe(true);
  });

  it('tagged for a CA IP on its VLAN: 802.1Q tag before the ARP type, 64 bytes', () => {
    const f = garpFrame('10.127.134.1', 1001, '02:00:00:00:00:13');
    expect(f.length).toBe(64);
    expect(f.subarray(12, 18).toString('hex')).toBe('8100' + '03e9' + '0806');
    expect(f.subarray(18 + 14, 18 + 18).toString('hex')).toBe('0a7f8601');
    expect(f.subarray(18 + 24, 18 + 28).toString('hex')).toBe('0a7f8601');
  });

  it('gw1 down: its GRE VIP and CA IP move to the standby, its single tunnel IP to the other active', () => {
    const ctl = new Controller(lab);
    const before = ownership(ctl);
    expect([...before.values()].map((a) => [a.kind, a.ip, a.vlan, ctl.gatewayName(a.owner)])).toEqual([
      ['gre_vip', '198.51.100.21', 0, 'gw1'],
      ['gre_vip', '198.51.100.22', 0, 'gw2'],
      ['ca_ip', '10.127.134.1', 1001, 'gw1'],
      ['tunnel_ip', '198.51.100.23', 0, 'gw1'],
    ]);
    ctl.gatewayDown('gw1', 1000);
    const moved = movedAddresses(before, ownership(ctl));
    expect(moved.map((a) => [a.ip, a.vlan, ctl.gatewayName(a.from), ctl.gatewayName(a.owner)])).toEqual([
      ['198.51.100.21', 0, 'gw1', 'gw3'],
      ['10.127.134.1', 1001, 'gw1', 'gw3'],
      ['198.51.100.23', 0, 'gw1', 'gw2'],
    ]);
    // back as standby with preempt off: nothing moves
    const mid = ownership(ctl);
    ctl.gatewayUp('gw1', 2000);
    expect(movedAddresses(mid, ownership(ctl))).toEqual([]);
  });
});
