// The rule set a backtest replays: a change (any section, any field) merged over the forum's rules,
// and checked as a settings change would be. Pure; shared by the API and the CLI, whose rules file
// is any JSON, so its shape is checked here before the merge.
import { checkModerationSettings, defaultModerationSettings, mergeModerationSettings, ParleyError, type ModerationSettings, type ModerationSettingsPatch } from '@parley/domain';

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
