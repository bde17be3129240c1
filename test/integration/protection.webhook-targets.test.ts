import { describe, expect, it } from 'vitest';
import { guardedLookup, WebhookTargetError } from '../../src/jobs/webhook-delivery.js';
import { useTestApp } from '../helpers/app.js';

/** Notification webhooks reach public addresses only (no allow-list set here). */
const t = useTestApp();
const SETTINGS = `mutation($url: String) { updateSettings(input: { notificationWebhookUrl: $url }) { user { notificationWebhookUrl notificationWebhookSecret } } }`;

describe('notification webhook targets', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://api.localhost/hook',
    'http://10.0.0.5/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00::1]/hook',
    'http://0.0.0.0/hook',
  ])('refuses %s', async (url) => {
    const { token } = await t.signUp();
    const res = await t.gql(SETTINGS, { url }, token);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'notificationWebhookUrl',
    });
  });

  it('accepts a public URL and gives its owner a signing secret, kept across changes', async () => {
    const { token } = await t.signUp();
    const first = await t.gql(SETTINGS, { url: 'https://hooks.example.com/a' }, token);
    const secret = first.data?.updateSettings.user.notificationWebhookSecret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const second = await t.gql(SETTINGS, { url: 'https://hooks.example.com/b' }, token);
    expect(second.data?.updateSettings.user.notificationWebhookSecret).toBe(secret);
  });

  it('checks the address a name resolves to when connecting (DNS rebinding)', async () => {
    const lookup = guardedLookup(new Set());
    const error = await new Promise<Error | null>((resolve) =>
      lookup('localhost', {}, (err) => resolve(err)),
    );
    expect(error).toBeInstanceOf(WebhookTargetError);
    const allowed = await new Promise<Error | null>((resolve) =>
      guardedLookup(new Set(['localhost']))('localhost', {}, (err) => resolve(err)),
    );
    expect(allowed).toBeNull();
  });
});
