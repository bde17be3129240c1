import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { PermanentJobError, recordedMessage } from '../../src/jobs/define-task.js';
import { createLogger, withoutParams } from '../../src/logger.js';

const failed = () => {
  const cause = Object.assign(new Error('date/time field value out of range'), { code: '22008' });
  return new DrizzleQueryError(
    'insert into expenses (description) values ($1)',
    ['my secret note\nsecond line'],
    cause,
  );
};

describe("what a failed job's record says", () => {
  it('gives the task its own words for a permanent failure', () => {
    expect(recordedMessage(new PermanentJobError('No amount found in the message'))).toBe(
      'No amount found in the message',
    );
  });

  it('never the text of a failed statement: only its SQLSTATE', () => {
    const message = recordedMessage(failed());
    expect(message).toBe('The job failed with a database error (SQLSTATE 22008)');
    expect(recordedMessage(new TypeError('x is undefined'))).toBe(
      'The job failed with an unexpected error',
    );
  });
});

describe('logs of failed statements', () => {
  it('keep the statement and drop its parameters, in the message and the stack', () => {
    const error = failed();
    expect(error.message).toContain('my secret note');
    expect(withoutParams(error.message)).toBe(
      'Failed query: insert into expenses (description) values ($1)\nparams: [not logged]',
    );
    const stack = withoutParams(error.stack as string);
    expect(stack).not.toContain('secret');
    expect(stack).toMatch(/\n {4}at /);
  });

  it('the app logger scrubs errors under err, error and in message strings', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const child = createLogger({ logLevel: 'info' }, sink);
    child.error({ err: failed() }, 'unexpected error in resolver');
    child.error({ error: failed() }, `job failed: ${failed().message}`);
    const text = lines.join('');
    expect(text).toContain('insert into expenses');
    expect(text).not.toContain('secret');
  });
});
