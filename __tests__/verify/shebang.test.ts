import { detectShebang } from '../../src/verify/shebang.js';

test.each([
  ['#!/bin/sh\necho', { interpreter: '/bin/sh', line: '/bin/sh', crlf: false }],
  ['#! /usr/bin/env python3\n', { interpreter: '/usr/bin/env', arg: 'python3', line: ' /usr/bin/env python3', crlf: false }],
  ['#!/usr/bin/env -S node --harmony  \n', { interpreter: '/usr/bin/env', arg: '-S node --harmony', line: '/usr/bin/env -S node --harmony  ', crlf: false }],
  ['#!/bin/bash\r\n', { interpreter: '/bin/bash\r', line: '/bin/bash\r', crlf: true }],
  ['#!/bin/sh', { interpreter: '/bin/sh', line: '/bin/sh', crlf: false }],
  ['#!\n', { interpreter: '', line: '', crlf: false }]
])('%j', (text, expected) => {
  expect(detectShebang(Buffer.from(text))).toEqual(expected);
});

test('not a script', () => {
  expect(detectShebang(Buffer.from('\x7fELF'))).toBeNull();
  expect(detectShebang(Buffer.alloc(0))).toBeNull();
  expect(detectShebang(Buffer.from('#'))).toBeNull();
});

test('only the first 256 bytes count, as in the kernel', () => {
  const sb = detectShebang(Buffer.from('#!/bin/' + 'x'.repeat(400)));
  expect(sb?.interpreter.length).toBe(254);
});
