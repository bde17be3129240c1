/**
 * Delivering a notification to a user's webhook without letting the URL reach inside our network
 * (blind SSRF): only public unicast addresses are connected to, checked on the address the
 * connection actually uses (a name that resolves to a public address when the URL is saved and
 * to 127.0.0.1 when it is used, DNS rebinding, is refused too). Hosts in `allowPrivate`
 * (WEBHOOK_ALLOW_PRIVATE_HOSTS, for development) skip the check. Redirects are not followed.
 *
 * Deliveries are signed the Standard Webhooks way (the `standardwebhooks` package):
 * `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<HMAC-SHA256>` over
 * `id.timestamp.body`, with the user's own secret (`User.notificationWebhookSecret`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import ipaddr from 'ipaddr.js';
import { Webhook } from 'standardwebhooks';
import { traceHeaders, withSpan } from '../telemetry.js';

/** Whether an address is public unicast (not loopback, private, link-local, metadata, …). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

export class WebhookTargetError extends Error {}

/** A new signing secret, in Standard Webhooks' `whsec_` form. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * Why a URL may not be saved as a webhook, or undefined: checks what can be known without DNS
 * (literal addresses, `localhost`); names are checked again on every delivery.
 */
export function webhookUrlProblem(url: URL, allowPrivate: ReadonlySet<string>): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowPrivate.has(host)) return undefined;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'points at this machine';
  if (ipaddr.isValid(host) && !isPublicAddress(host)) return 'is not a public address';
  return undefined;
}

/** dns.lookup, refusing any non-public address unless the host is allowed. */
export function guardedLookup(allowPrivate: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...(options as LookupOptions), all: true }, (error, found) => {
      if (error) {
        callback(error, '', 4);
        return;
      }
      const addresses = found as LookupAddress[];
      const allowed = allowPrivate.has(hostname.toLowerCase());
      const refused = addresses.find((entry) => !allowed && !isPublicAddress(entry.address));
      if (refused || addresses.length === 0) {
        callback(new WebhookTargetError(`${hostname} resolves to a non-public address`), '', 4);
        return;
      }
      if ((options as LookupOptions).all) callback(null, addresses as never, 4);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}

export interface Delivery {
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  readonly timeoutMs: number;
  readonly allowPrivate: ReadonlySet<string>;
}

/** POSTs `body`, signed; resolves with the HTTP status (the response body is discarded). */
export function deliverWebhook(delivery: Delivery): Promise<number> {
  const url = new URL(delivery.url);
  // A literal address skips DNS and so the lookup below: this checks it.
  const problem = webhookUrlProblem(url, delivery.allowPrivate);
  if (problem) return Promise.reject(new WebhookTargetError(`The webhook URL ${problem}`));
  const id = `msg_${randomUUID()}`;
  const timestamp = new Date();
  const signature = new Webhook(delivery.secret).sign(id, timestamp, delivery.body);
  const client = url.protocol === 'https:' ? https : http;
  const attributes = {
    'http.request.method': 'POST',
    'server.address': url.hostname,
    'url.full': `${url.origin}${url.pathname}`,
  };
  return withSpan('webhook POST', { kind: SpanKind.CLIENT, attributes }, async (set) => {
    const status = await post(client, url, delivery, {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
      // The receiver may continue this trace.
      ...traceHeaders(),
    });
    set({ 'http.response.status_code': status });
    return status;
  });
}

function post(
  client: typeof http | typeof https,
  url: URL,
  delivery: Delivery,
  extraHeaders: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(delivery.body),
          'user-agent': 'ledgerline-notifications',
          ...extraHeaders,
        },
        lookup: guardedLookup(delivery.allowPrivate),
        timeout: delivery.timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('Webhook timed out')));
    request.on('error', reject);
    request.end(delivery.body);
  });
}
