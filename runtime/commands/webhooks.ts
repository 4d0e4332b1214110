import { ConfigError, loadConfig } from '../config';
import { replayDeliveries } from '../inbox/deliveries';
import { unipileClientFrom } from '../inbox/reconciler';
import { listWebhooks, registerWebhooks } from '../inbox/registration';
import { withContext } from './database';
import { parseFlags, parseSince } from './options';
import { UsageError, type Command } from './types';

export const webhooksCommand: Command = {
  name: 'webhooks',
  summary: 'Register the UniPile webhooks, list them, or replay deliveries that failed',
  usage: `sequencer webhooks register --public-url URL [--name-prefix sequencer] [--force]
sequencer webhooks list
sequencer webhooks replay [--since 24h]

register  creates the five UniPile webhooks (messaging, users, email, email_tracking, account_status)
          pointing at URL/webhooks/unipile, each sending X-Webhook-Secret (SEQUENCER_WEBHOOK_SECRET) and
          a JSON Content-Type. Idempotent by name (<prefix>-<source>): a webhook with our name but
          another URL or secret is replaced; --force replaces all five (e.g. after rotating the secret).
          Needs UNIPILE_DSN, UNIPILE_API_KEY and SEQUENCER_WEBHOOK_SECRET.
list      prints the webhooks UniPile has for this API key.
replay    applies again the stored deliveries that failed (and any a crash left half-way), oldest
          first; --since limits it to deliveries received from then on (30m, 2h, 3d or an ISO time).`,
  async run(args) {
    const [action, ...rest] = args;
    const config = loadConfig();
    switch (action) {
      case 'register': {
        const flags = parseFlags(rest, ['--public-url', '--name-prefix'], ['--force']);
        const publicUrl = flags.get('public-url');
        if (!publicUrl) throw new UsageError('--public-url is required: the base URL UniPile can reach the runtime at');
        if (!config.webhookSecret) throw new ConfigError(['SEQUENCER_WEBHOOK_SECRET: set it (at least 16 characters) before registering; the runtime checks every delivery against it']);
        const results = await registerWebhooks(unipileClientFrom(config), {
          publicUrl,
          secret: config.webhookSecret,
          namePrefix: flags.get('name-prefix'),
          force: flags.has('force'),
        });
        for (const r of results) console.log(`${r.outcome.padEnd(9)}  ${r.name.padEnd(28)}  ${r.id}`);
        return 0;
      }
      case 'list': {
        parseFlags(rest, []);
        const hooks = await listWebhooks(unipileClientFrom(config));
        if (hooks.length === 0) console.log('no webhooks registered');
        for (const w of hooks) console.log([w.id, w.name ?? '-', w.source ?? '-', w.request_url ?? '-'].join('  '));
        return 0;
      }
      case 'replay': {
        const flags = parseFlags(rest, ['--since']);
        const since = flags.has('since') ? parseSince(flags.get('since')!) : undefined;
        return withContext(config, async (ctx) => {
          const s = await replayDeliveries(ctx, { since });
          console.log(`replayed: ${s.processed} processed, ${s.ignored} ignored, ${s.failed} still failing, ${s.skipped} skipped (being replayed elsewhere)`);
          return s.failed ? 1 : 0;
        });
      }
      default:
        throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'give an action: register, list or replay');
    }
  },
};
