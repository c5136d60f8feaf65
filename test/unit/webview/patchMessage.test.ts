// The timeline's `patch` message (answer panel → host → trm/patch): valid messages pass, each
// incomplete or contradictory one is rejected naming the field, and the host's conversion gives the
// trm/patch arguments the debug adapter's schema accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPatchMessage, validateWebviewToHost, type PatchMessage } from '../../../src/protocol/timeline';
import { patchArgs } from '../../../src/extension/timeline/dapConvert';
import { TRM_REQUESTS } from '../../../src/protocol/debugger';

describe('timeline patch message', () => {
  const valid: PatchMessage[] = [
    { type: 'patch', op: 'zero', tensor: 'z', cell: 0 },
    { type: 'patch', op: 'zero', tensor: 'y', cell: 80 },
    { type: 'patch', op: 'copy', tensor: 'z', cell: 40 },
    { type: 'patch', op: 'skip' },
    { type: 'patch', op: 'freeze', tensor: 'z' },
    { type: 'patch', op: 'clear' },
  ];

  it('accepts each action of the patch bar', () => {
    for (const m of valid) {
      assert.equal(validateWebviewToHost(m), undefined, JSON.stringify(m));
      assert.ok(isPatchMessage(m));
    }
  });

  it('rejects incomplete or contradictory patches, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'patch', op: 'zero', cell: 3 }, /tensor: zero needs y or z/],
      [{ type: 'patch', op: 'zero', tensor: 'z' }, /cell: zero needs an answer cell/],
      [{ type: 'patch', op: 'copy', tensor: 'y' }, /cell: copy needs an answer cell/],
      [{ type: 'patch', op: 'skip', tensor: 'z' }, /tensor: skip takes no tensor/],
      [{ type: 'patch', op: 'freeze', tensor: 'z', cell: 2 }, /cell: freeze acts on the whole update/],
      [{ type: 'patch', op: 'freeze' }, /tensor: freeze needs y or z/],
      [{ type: 'patch', op: 'zero', tensor: 'both', cell: 1 }, /tensor/],
      [{ type: 'patch', op: 'zero', tensor: 'z', cell: -1 }, /cell/],
      [{ type: 'patch', op: 'zero', tensor: 'z', cell: 1.5 }, /cell/],
      [{ type: 'patch', op: 'set', tensor: 'z', cell: 1 }, /op/],
    ];
    for (const [m, re] of bad) {
      const problem = validateWebviewToHost(m);
      assert.ok(problem, `accepted ${JSON.stringify(m)}`);
      assert.match(problem, re);
      assert.equal(isPatchMessage(m), false);
    }
  });

  it('becomes trm/patch arguments at the current stop that the adapter accepts', () => {
    assert.deepEqual(patchArgs(valid[0]), { op: 'zero', tensor: 'z', cells: [0] });
    assert.deepEqual(patchArgs(valid[2]), { op: 'copy', tensor: 'z', cells: [40], source: 'B' });
    assert.deepEqual(patchArgs(valid[3]), { op: 'skip' });
    assert.deepEqual(patchArgs(valid[4]), { op: 'freeze', tensor: 'z' });
    assert.deepEqual(patchArgs(valid[5]), { op: 'clear' });
    for (const m of valid) {
      const args = JSON.parse(JSON.stringify(patchArgs(m))) as unknown;
      assert.equal(TRM_REQUESTS.patch.args(args, 'trm/patch'), undefined, JSON.stringify(args));
      assert.equal((args as { step?: number }).step, undefined, 'no address: the current stop');
    }
  });
});
