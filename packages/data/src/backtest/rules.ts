// The rule set a backtest replays: a change (any section, any field) merged over the forum's rules,
// and checked as a settings change would be. Pure; shared by the API and the CLI, whose rules file
// is any JSON, so its shape is checked here before the merge.
import { banModes, checkModerationSettings, defaultModerationSettings, mergeModerationSettings, ParleyError, type Ban, type ModerationSettings, type ModerationSettingsPatch } from '@parley/domain';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws invalid_settings naming what is wrong; returns the full rule set to replay. */
export function backtestRules(current: ModerationSettings, change: unknown): ModerationSettings {
  if (!isRecord(change)) throw new ParleyError('invalid_settings', { message: 'rules must be an object of moderation settings (sections such as blocklist, links, newCommenter).' });
  for (const [section, value] of Object.entries(change)) {
    if (!(section in defaultModerationSettings)) {
      throw new ParleyError('invalid_settings', { message: `rules.${section} is not a moderation section; the sections are ${Object.keys(defaultModerationSettings).join(', ')}.` });
    }
    if (!isRecord(value)) throw new ParleyError('invalid_settings', { message: `rules.${section} must be an object.` });
  }
  return checkModerationSettings(mergeModerationSettings(current, change as ModerationSettingsPatch));
}

const banKinds: readonly string[] = ['user', 'email', 'ip', 'range'];
const maxBans = 1000;

/**
 * Bans to replay with (the log keeps none): `[{kind, value, mode?, expiresAt?, reason?}]`, checked
 * here for the CLI's file (the API's schema says the same). A value that names nothing matches
 * nothing, as in the bans phase. Throws invalid_field naming the bad entry.
 */
export function backtestBans(input: unknown): Ban[] {
  if (input === undefined) return [];
  const bad = (message: string): never => {
    throw new ParleyError('invalid_field', { message });
  };
  if (!Array.isArray(input) || input.length > maxBans) bad(`bans must be a list of at most ${maxBans} bans.`);
  return (input as unknown[]).map((b, i): Ban => {
    const at = `bans[${i}]`;
    if (!isRecord(b)) return bad(`${at} must be an object {kind, value, mode?, expiresAt?, reason?}.`);
    if (typeof b.kind !== 'string' || !banKinds.includes(b.kind)) bad(`${at}.kind must be one of ${banKinds.join(', ')}.`);
    if (typeof b.value !== 'string' || b.value.length === 0 || b.value.length > 320) bad(`${at}.value must be 1 to 320 characters.`);
    if (b.mode !== undefined && !(banModes as readonly unknown[]).includes(b.mode)) bad(`${at}.mode must be ban or shadow.`);
    const expiresAt = b.expiresAt === undefined || b.expiresAt === null ? null : new Date(String(b.expiresAt));
    if (expiresAt !== null && (typeof b.expiresAt !== 'string' || Number.isNaN(expiresAt.getTime()))) bad(`${at}.expiresAt must be a date and time (ISO 8601) or null.`);
    if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > 500)) bad(`${at}.reason must be at most 500 characters.`);
    return { kind: b.kind as Ban['kind'], value: b.value as string, expiresAt, reason: (b.reason as string | undefined) ?? '', mode: (b.mode as Ban['mode']) ?? 'ban' };
  });
}
