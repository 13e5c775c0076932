import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export interface DiscordPosterOptions {
  webhookUrl: string;
  image: string;
  title: string;
  publicUrl: string;
  dataDir: string;
  /** The versioned path (/v/<etag>/<name>.png) of the image's current render. */
  versionedPath: (name: string) => Promise<string | null>;
  logger: Logger;
  fetch?: typeof fetch;
}

/**
 * Keeps one Discord message showing the current image: the first run posts it, later runs edit it
 * in place (no channel spam). Each edit points at a new versioned URL, because Discord caches an
 * image URL for good; the message id survives restarts in the data dir.
 */
export class DiscordPoster {
  private lastPath: string | null = null;
  private running: Promise<'posted' | 'edited' | 'unchanged' | 'failed'> | null = null;
  private readonly stateFile: string;
  private readonly http: typeof fetch;

  constructor(private readonly o: DiscordPosterOptions) {
    this.stateFile = path.join(o.dataDir, 'discord-message.json');
    this.http = o.fetch ?? fetch;
  }

  /** Posts or edits the message; resolves to what it did. Never throws. A run already under way is
   *  joined rather than raced, so two timers can never post two messages. */
  run(now: number): Promise<'posted' | 'edited' | 'unchanged' | 'failed'> {
    this.running ??= this.update(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async update(now: number): Promise<'posted' | 'edited' | 'unchanged' | 'failed'> {
    try {
      const imagePath = await this.o.versionedPath(this.o.image);
      if (!imagePath) throw new Error(`unknown image "${this.o.image}"`);
      if (imagePath === this.lastPath) return 'unchanged';
      const body = JSON.stringify({
        embeds: [
          {
            title: this.o.title,
            image: { url: `${this.o.publicUrl.replace(/\/+$/, '')}${imagePath}` },
            timestamp: new Date(now).toISOString(),
          },
        ],
        allowed_mentions: { parse: [] },
      });
      const messageId = this.readMessageId();
      const outcome = messageId && (await this.edit(messageId, body)) ? 'edited' : await this.post(body);
      this.lastPath = imagePath;
      return outcome;
    } catch (err) {
      // The webhook URL embeds its token: log the cause, never the URL.
      this.o.logger.warn({ err: { message: (err as Error).message } }, 'discord webhook update failed');
      return 'failed';
    }
  }

  private async edit(id: string, body: string): Promise<boolean> {
    const res = await this.http(`${this.o.webhookUrl}/messages/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (res.status === 404) return false; // deleted by someone: post a new one
    if (!res.ok) throw new Error(`edit answered HTTP ${res.status}`);
    return true;
  }

  private async post(body: string): Promise<'posted'> {
    const res = await this.http(`${this.o.webhookUrl}?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (!res.ok) throw new Error(`post answered HTTP ${res.status}`);
    const { id } = (await res.json()) as { id?: string };
    if (id) writeFileSync(this.stateFile, JSON.stringify({ id }));
    return 'posted';
  }

  private readMessageId(): string | null {
    try {
      return (JSON.parse(readFileSync(this.stateFile, 'utf8')) as { id?: string }).id ?? null;
    } catch {
      return null;
    }
  }
}
