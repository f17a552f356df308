// Surviving mutants that cannot change what the code does, each with the reason. They are not ignored: they
// count against the score like any survivor; `npm run test:mutation` marks them as explained, and names any
// survivor that is not listed here (a missing test, or a new equivalent mutant to list with its reason).
// A mutant is matched by its file, mutator, the code it replaces and its replacement, not by line number.
export const equivalent = [
  {
    file: 'src/store/oauth-states.ts',
    mutator: 'ConditionalExpression',
    original: 'poolOffset + NONCE_BYTES > pool.length',
    replacement: 'true',
    reason: 'refilling the nonce pool for every state costs a CSPRNG call each time; the nonces are as random',
  },
  {
    file: 'src/store/oauth-states.ts',
    mutator: 'EqualityOperator',
    original: 'poolOffset + NONCE_BYTES > pool.length',
    replacement: 'poolOffset + NONCE_BYTES >= pool.length',
    reason: 'refilling one nonce early leaves the last 16 pool bytes unused; the nonces are as random',
  },
  {
    file: 'src/store/oauth-states.ts',
    mutator: 'ConditionalExpression',
    original: "version !== '' && version !== STATE_VERSION",
    replacement: 'false',
    reason: 'the MAC covers the version, so a state of another version fails the MAC check just after',
  },
  {
    file: 'src/store/sqlite/oauth-states.ts',
    mutator: 'BlockStatement',
    original: '{\n      this.release(claim);\n    }',
    replacement: '{}',
    reason: 'the callback releases every claim in its own finally, and verifyStateParam (the library path) is not used',
  },
  {
    file: 'src/crypto/secret-box.ts',
    mutator: 'ArrayDeclaration',
    original: '[]',
    replacement: '["Stryker was here"]',
    reason: 'a default old key that is a string only adds an id no sealed value carries',
  },
  {
    file: 'src/input.ts',
    mutator: 'ConditionalExpression',
    original: "typeof a === 'string'",
    replacement: 'true',
    reason: 'Buffer.from(buffer) is a copy of the same bytes: only the cost differs',
  },
  {
    file: 'src/input.ts',
    mutator: 'ConditionalExpression',
    original: "typeof b === 'string'",
    replacement: 'true',
    reason: 'Buffer.from(buffer) is a copy of the same bytes: only the cost differs',
  },
  {
    file: 'src/input.ts',
    mutator: 'ConditionalExpression',
    original: "url.startsWith('/')",
    replacement: 'false',
    reason:
      'a path has no scheme, so the absolute-form pattern leaves it unchanged too: the early return saves the match',
  },
  {
    file: 'src/plugins/guess-limit.ts',
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    reason: 'no Accept header is read as any other text without text/html: both are a script, answered in text',
  },
  {
    file: 'src/plugins/guess-limit.ts',
    mutator: 'StringLiteral',
    original: "'text/plain; charset=utf-8'",
    replacement: '""',
    reason: 'with no type set, Fastify sends a string as text/plain; charset=utf-8: the same header',
  },
  {
    file: 'src/plugins/guess-limit.ts',
    mutator: 'StringLiteral',
    original: "'guessed'",
    replacement: '""',
    reason: 'an undecorated request reads guessed as undefined, which the hook takes for false just the same',
  },
  {
    file: 'src/plugins/guess-limit.ts',
    mutator: 'ConditionalExpression',
    original: '!suspects.has(key)',
    replacement: 'false',
    reason: "asking the limiter's store about every address gives the same answers: the suspects only spare the lookup",
  },
  {
    file: 'src/routes/slack-events.ts',
    mutator: 'MethodExpression',
    original: "value.filter((v): v is string => typeof v === 'string')",
    replacement: 'value',
    reason: "both stores match the tokens lists' strings exactly: a number, null, object or list there matches no user",
  },
  {
    file: 'src/routes/slack-events.ts',
    mutator: 'ConditionalExpression',
    original: "typeof v === 'string'",
    replacement: 'true',
    reason: "both stores match the tokens lists' strings exactly: a number, null, object or list there matches no user",
  },
  {
    file: 'src/routes/slack-events.ts',
    mutator: 'ConditionalExpression',
    original: "typeof value === 'string'",
    replacement: 'true',
    reason:
      'Node joins a repeated x-slack-* header into one string (only set-cookie is an array): it is a string or absent',
  },
  {
    file: 'src/routes/slack-events.ts',
    mutator: 'ArrayDeclaration',
    original: '[]',
    replacement: '["Stryker was here"]',
    reason: 'a tokens list that is not a list then names a user id no Slack user has: it revokes nothing either',
  },
  {
    file: 'src/routes/slack-events.ts',
    mutator: 'StringLiteral',
    original: "'text/plain; charset=utf-8'",
    replacement: '""',
    reason: 'with no type set, Fastify sends a string as text/plain; charset=utf-8: the same header',
  },
  {
    file: 'src/routes/slack-events.ts',
    mutator: 'ConditionalExpression',
    original: "typeof eventTime !== 'number'",
    replacement: 'false',
    reason: 'Number.isFinite, just after, is false for anything not a number; the typeof is for TypeScript',
  },
];
