// The security-critical modules under mutation testing, each with the test files that cover it. A module's
// mutants run only against its own test files (not the whole suite), so a run takes minutes.
export const modules = {
  signature: {
    mutate: ['src/slack/signature.ts'],
    tests: ['signature', 'events'],
  },
  'oauth-states': {
    mutate: ['src/store/oauth-states.ts', 'src/store/sqlite/oauth-states.ts'],
    tests: ['oauth-states', 'crypto-versions', 'oauth-concurrent-callbacks', 'store'],
  },
  crypto: {
    mutate: ['src/crypto/keys.ts', 'src/crypto/secret-box.ts'],
    tests: ['secret-box', 'key-file', 'crypto-versions', 'encryption'],
  },
  input: {
    mutate: ['src/input.ts'],
    tests: ['input'],
  },
};
