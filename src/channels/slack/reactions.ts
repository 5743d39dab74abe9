/**
 * Slack reactions are named (`eyes`, `+1`), while agents and the core speak Unicode emoji.
 * A small table covers the emoji an assistant uses; `:name:` or a bare name passes through.
 */
const NAMES: Record<string, string> = {
  '👍': '+1',
  '👎': '-1',
  '👀': 'eyes',
  '✅': 'white_check_mark',
  '❌': 'x',
  '❤️': 'heart',
  '❤': 'heart',
  '🎉': 'tada',
  '🙏': 'pray',
  '😂': 'joy',
  '🔥': 'fire',
  '🤔': 'thinking_face',
  '⏳': 'hourglass_flowing_sand',
  '⚠️': 'warning',
  '🚀': 'rocket',
  '👌': 'ok_hand',
  '😊': 'blush',
};

export function slackReactionName(emoji: string): string {
  const trimmed = emoji.trim();
  const known = NAMES[trimmed];
  if (known) return known;
  const name = trimmed.replace(/^:|:$/g, '');
  if (!/^[a-z0-9_+'-]{1,100}$/.test(name)) {
    throw new Error(`slack: "${emoji}" is not a reaction Slack knows; use a name such as "eyes" or "+1"`);
  }
  return name;
}
