// A vote is one upsert that also returns the value it replaced (prev), so the score delta is
// known without reading first; concurrent votes by one voter serialize on the row.
export const upsertVote = `INSERT INTO votes AS v (post_id, voter, value, prev) VALUES ($1, $2, $3, 0)
  ON CONFLICT (post_id, voter) DO UPDATE SET prev = v.value, value = EXCLUDED.value, updated_at = now()
  RETURNING value, prev`;
