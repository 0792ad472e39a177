// the phases' helpers `pass` and `combine` stay inside: too generic a name for the domain's root
export { banModes, phaseNames, reasonSources, type BanMode, type ReasonSource, type Ban, type Decision, type ModerationContext, type ModerationRejectCode, type Phase, type PhaseName, type Reason } from './types.ts';
export * from './settings.ts';
export * from './pipeline.ts';
export { threadClosedPhase } from './thread-closed.ts';
export { bansPhase, banApplies, canonicalAddress } from './bans.ts';
export { blocklistPhase } from './blocklist.ts';
export { linksPhase } from './links.ts';
export { newCommenterPhase, isNewCommenter, newCommenterReasons } from './new-commenter.ts';
export { spamHeuristicsPhase, minRepeatedTextLength, normaliseForRepeat } from './spam-heuristics.ts';
export { characterTricks, type CharacterTrick } from './character-tricks.ts';
export * from './ban-record.ts';
