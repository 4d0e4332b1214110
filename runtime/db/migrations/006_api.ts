/** Idempotency-Key records of the API: a repeated POST with the same key replays the first answer. */
export const apiIdempotency = (s: string) => `
CREATE TABLE ${s}.api_idempotency (
  key          text NOT NULL,
  method       text NOT NULL,
  path         text NOT NULL,
  request_hash text NOT NULL,
  status       integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, method, path)
);
CREATE INDEX api_idempotency_created_idx ON ${s}.api_idempotency (created_at);
`;
