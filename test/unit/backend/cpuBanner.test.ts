// Selecting the cpu backend must not print tfjs-backend-cpu's "Hi, looks like you are running
// TensorFlow.js in Node.js" banner (selection already reports why native backends were skipped),
// and must leave IS_NODE as it is: only the banner goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend';

test('selectBackend(cpu) computes without the Node.js banner and keeps IS_NODE', async () => {
  const warned: string[] = [];
  const logged: string[] = [];
  const origWarn = console.warn;
  const origLog = console.log;
  console.warn = (...a: unknown[]) => {
    warned.push(a.map(String).join(' '));
  };
  console.log = (...a: unknown[]) => {
    logged.push(a.map(String).join(' '));
  };
  try {
    const info = await selectBackend({ prefer: 'cpu' });
    assert.equal(info.name, 'cpu');
    const t = tf.add(tf.tensor1d([1, 2, 3]), 1);
    assert.deepEqual(Array.from(t.dataSync()), [2, 3, 4]);
    t.dispose();
  } finally {
    console.warn = origWarn;
    console.log = origLog;
  }
  assert.equal(
    [...warned, ...logged].filter((m) => /looks like you are running TensorFlow\.js in Node\.js/.test(m)).length,
    0,
    `banner printed: ${JSON.stringify(warned)}`,
  );
  assert.equal(tf.env().get('IS_NODE'), true);
});
