/** Bad input to an emulator action; `code` is Slack-style, and routes answer 404 for unknown_* and not_installed, else 400. */
export class EmulatorError extends Error {
  override name = 'EmulatorError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get status(): 400 | 404 {
    return this.code.startsWith('unknown_') || this.code === 'not_installed' ? 404 : 400;
  }
}
