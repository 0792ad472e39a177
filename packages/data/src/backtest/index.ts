export { Replay, authorKey, linksOf, verdicts, type PastComment, type ReplayOptions, type Verdict } from './replay.ts';
export { fates, fateOf, isFalsePositive, isMiss, laterStatusEventTypes, Tally, type Fate, type Matrix, type SampleItem, type TallyResult } from './tally.ts';
export { backtestBans, backtestRules } from './rules.ts';
export { lockBacktest } from './lock.ts';
export { BacktestCancelled, runBacktest, type BacktestOptions, type BacktestProgress, type BacktestResult } from './run.ts';
