/**
 * The questions `omniclaw setup` asks on a terminal, behind a small interface so that the
 * wizard's steps do not depend on the prompt library. @clack/prompts loads only here, when
 * setup runs on a terminal. Ctrl-C at any question ends setup; what was saved stays saved.
 */
export interface Choice {
  value: string;
  label: string;
  hint?: string;
}

export interface Prompts {
  intro(title: string): Promise<void>;
  outro(message: string): Promise<void>;
  select(message: string, choices: Choice[]): Promise<string>;
  /** An answer with a default shown and taken on Enter. */
  text(message: string, initial: string): Promise<string>;
  password(message: string): Promise<string>;
  confirm(message: string): Promise<boolean>;
}

const CANCELLED = 'setup cancelled; the steps finished before this one are saved';

async function clack() {
  return import('@clack/prompts');
}

function answered<T>(isCancel: (v: unknown) => v is symbol, value: T | symbol): T {
  if (isCancel(value)) throw new Error(CANCELLED);
  return value;
}

export const clackPrompts: Prompts = {
  intro: async (title) => (await clack()).intro(title),
  outro: async (message) => (await clack()).outro(message),
  async select(message, choices) {
    const c = await clack();
    return answered<string>(c.isCancel, await c.select({ message, options: choices }));
  },
  async text(message, initial) {
    const c = await clack();
    const value = answered<string>(
      c.isCancel,
      await c.text({ message, placeholder: initial, defaultValue: initial }),
    );
    return value.trim() || initial;
  },
  async password(message) {
    const c = await clack();
    return answered<string>(
      c.isCancel,
      await c.password({
        message,
        validate: (v) => (v?.trim() ? undefined : 'Paste it here (it is not shown)'),
      }),
    ).trim();
  },
  async confirm(message) {
    const c = await clack();
    return answered<boolean>(c.isCancel, await c.confirm({ message }));
  },
};
