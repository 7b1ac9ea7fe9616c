/**
 * Sending operator alerts: one per condition per window, whichever instance
 * sees the condition first (a Store claim with the window as its TTL; an
 * in-memory note as well, which is all there is while the store itself is
 * down). Each alert is a JSON POST signed like a tenant webhook
 * (x-ciro-signature = HMAC-SHA256 of the body, x-ciro-timestamp inside the
 * body too), carrying the current trace. A delivery that fails gives its
 * claim back, so the next pass tries again instead of the alert being lost.
 */
import type { AlertsConfig } from '../config.ts';
import type { Log, Metrics } from '../deps.ts';
import { signWebhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../sponsorship/facts/webhook.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

export type AlertKind = 'relayer_balance_low' | 'budget_threshold' | 'daily_ceiling_threshold' | 'webhook_fail_open' | 'store_unavailable' | 'chain_unavailable';

export interface Alert {
  kind: AlertKind;
  severity: 'warning' | 'critical';
  /** What the condition is about (a relayer, a tenant's budget in a period, `store`): the dedupe key with the kind. */
  subject: string;
  summary: string;
  details: Record<string, unknown>;
}

/** The secret that signs alerts: CIRO_SECRET_OPERATOR__<ref> (secretsFromEnv keys it `OPERATOR/<ref>`). */
export const alertSecretKey = (ref: string): string => `OPERATOR/${ref}`;

export interface AlertSenderOptions {
  config: AlertsConfig;
  secret: string | undefined;
  store: Store;
  fetch: typeof fetch;
  metrics: Metrics;
  log: Log;
  nowMs?: () => number;
}

export class AlertSender {
  private readonly sent = new Map<string, number>();
  private readonly nowMs: () => number;
  private readonly instance = crypto.randomUUID();

  constructor(private readonly o: AlertSenderOptions) {
    this.nowMs = o.nowMs ?? (() => Date.now());
  }

  get enabled(): boolean {
    return this.o.config.webhook !== undefined && this.o.secret !== undefined;
  }

  /** Sends unless this condition was already alerted in this window; `storeDown` skips the Store claim. Never throws. */
  async raise(a: Alert, opts: { storeDown?: boolean } = {}): Promise<boolean> {
    const hook = this.o.config.webhook;
    if (!hook || this.o.secret === undefined) return false;
    const windowMs = this.o.config.windowSeconds * 1000;
    const window = Math.floor(this.nowMs() / windowMs);
    // Per severity: a condition that worsens (a budget from 80% to spent) is sent again within the window.
    const key = Keys.alertSent(`${a.kind}:${a.severity}`, a.subject, window);
    this.forgetOld(window);
    if (this.sent.has(key)) return this.dedupe(a);
    let claimed = false;
    if (!opts.storeDown) {
      try {
        const { created } = await this.o.store.setIfAbsent(key, this.instance, { ttlMs: windowMs });
        if (!created) {
          this.sent.set(key, window);
          return this.dedupe(a);
        }
        claimed = true;
      } catch {
        // The store failing must not silence the alert (it may be what the alert is about).
      }
    }
    const timestamp = Math.floor(this.nowMs() / 1000);
    const body = JSON.stringify({
      ...a,
      window: { start: (window * windowMs) / 1000, end: ((window + 1) * windowMs) / 1000 },
      timestamp,
    });
    const ok = await this.post(hook.url, hook.timeoutMs, body, timestamp);
    if (ok) {
      this.sent.set(key, window);
      this.o.metrics.alert(a.kind, 'sent');
      this.o.log('alert.sent', { kind: a.kind, subject: a.subject, summary: a.summary });
      return true;
    }
    if (claimed) await this.o.store.deleteIfEquals(key, this.instance).catch(() => undefined);
    this.o.metrics.alert(a.kind, 'failed');
    this.o.log('alert.failed', { kind: a.kind, subject: a.subject });
    return false;
  }

  private dedupe(a: Alert): boolean {
    this.o.metrics.alert(a.kind, 'deduplicated');
    return false;
  }

  private forgetOld(window: number): void {
    for (const [k, w] of this.sent) if (w < window) this.sent.delete(k);
  }

  private async post(url: string, timeoutMs: number, body: string, timestamp: number): Promise<boolean> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await this.o.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: await signWebhookBody(this.o.secret!, body),
          [TIMESTAMP_HEADER]: String(timestamp),
        },
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
