// A comment's moderation facts: a known reader in an open thread, overridable field by field.
import { defaultModerationSettings, type ModerationContext, type ModerationSettings } from '@parley/domain';

export const now = new Date('2026-12-07T12:00:00.000Z');
export const dayMs = 24 * 60 * 60 * 1000;

export function aContext(overrides: Partial<ModerationContext> = {}): ModerationContext {
  return {
    now,
    text: 'A thoughtful reply about the article.',
    links: [],
    author: { userId: '9', email: 'ada@example.org', ip: '203.0.113.7' },
    accountAgeMs: 400 * dayMs,
    approvedCount: 12,
    firstGuestEmailComment: false,
    threadClosed: false,
    msSinceWidgetLoad: 45_000,
    honeypot: '',
    recentTexts: [],
    bans: [],
    ...overrides,
  };
}

type Changes = { [K in keyof ModerationSettings]?: Partial<ModerationSettings[K]> };

/** The defaults with some phases' fields changed. */
export function settingsWith(changes: Changes = {}): ModerationSettings {
  const s = structuredClone(defaultModerationSettings) as ModerationSettings;
  for (const key of Object.keys(changes) as (keyof ModerationSettings)[]) Object.assign(s[key], changes[key]);
  return s;
}
