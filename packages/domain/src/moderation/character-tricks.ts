// Text dressed up to slip past word filters. Deliberately small and documented rather than a full
// Unicode confusables table (UTS #39): three patterns that cover what comment spam actually does,
// chosen so that ordinary writing in any one script, emoji sequences and Persian/Indic joiners
// never trip them.
//   - zero-width characters between two Latin letters ("vi\u200Bagra");
//   - one word mixing Latin with Cyrillic or Greek letters ("pаypal" with a Cyrillic "а");
//   - three or more "styled" letters: mathematical alphanumerics (𝐟𝐫𝐞𝐞), full-width (ｆｒｅｅ)
//     or circled letters (ⓕⓡⓔⓔ), which fonts show as ordinary letters.

const hiddenInWord = /\p{Script=Latin}[\u200B-\u200D\u2060\uFEFF\u00AD]+\p{Script=Latin}/u;
const word = /[\p{L}\p{M}]+/gu;
const latin = /\p{Script=Latin}/u;
const lookAlikeScript = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const styled = /[\u{1D400}-\u{1D7FF}\uFF21-\uFF3A\uFF41-\uFF5A\u24B6-\u24E9]/gu;

export type CharacterTrick = 'zero_width' | 'mixed_scripts' | 'styled_letters';

export function characterTricks(text: string): CharacterTrick[] {
  const found: CharacterTrick[] = [];
  if (hiddenInWord.test(text)) found.push('zero_width');
  // most comments use one script: only a text with both kinds of letters needs the word scan
  if (lookAlikeScript.test(text) && latin.test(text)) for (const [w] of text.matchAll(word)) {
    if (latin.test(w) && lookAlikeScript.test(w)) {
      found.push('mixed_scripts');
      break;
    }
  }
  if ((text.match(styled)?.length ?? 0) >= 3) found.push('styled_letters');
  return found;
}
