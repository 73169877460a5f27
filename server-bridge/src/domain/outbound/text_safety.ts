/**
 * Making untrusted text (visitor messages, names, notification text) safe to post as the bot.
 *
 * Mentions: Mattermost finds mentions by splitting the message into words on every character that
 * is not a letter, a number or one of `: . - _ @`, trimming leading `: . - _`, and looking for words
 * that start with `@` (server: mention_parser_standard.go); the web app highlights `\B@name`. A
 * ZERO WIDTH JOINER (U+200D, a format character, Unicode category Cf) right after the `@` is such a
 * separator, so `@‍channel` becomes the words `@` and `channel`: nobody is notified, and the text
 * still reads `@channel`. Every `@` that is not directly preceded by a letter or digit is
 * neutralised this way — so e-mail addresses (`anna@example.com`) stay intact and clickable.
 *
 * Images: `![alt](url)` would make every reader's client fetch `url`. Inline images become plain
 * links (`[alt](url)`); any other `![` is escaped (`\![`), which Markdown shows as the same text.
 */
export const ZERO_WIDTH_JOINER = '\u200D';

const MENTION_AT = /(?<![\p{L}\p{N}])@(?=[\p{L}\p{N}_.\-:])/gu;

/** Inserts a zero-width joiner after every `@` that could start a mention. Idempotent. */
export function neutraliseMentions(text: string): string {
    return text.replace(MENTION_AT, `@${ZERO_WIDTH_JOINER}`);
}

// An inline image: `![label](destination "optional title")`, label without unescaped brackets
// (one level of nested brackets allowed), destination without spaces or in <angle brackets>.
const INLINE_IMAGE = /(?<!\\)!\[((?:[^[\]\\\n]|\\.|\[[^[\]\n]*\])*)\]\((\s*(?:<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*)\)/g;
const OTHER_IMAGE_START = /(?<!\\)!\[/g;

/** Turns Markdown images into links so that nothing is loaded automatically. Idempotent. */
export function neutraliseImages(text: string): string {
    const linked = text.replace(INLINE_IMAGE, (_match, label: string, destination: string) =>
        `[${label.trim() === '' ? 'image' : label}](${destination})`);
    return linked.replace(OTHER_IMAGE_START, '\\![');
}

/** Everything mirrored from i-Reserve goes through this before it is posted. */
export function safeMessageText(text: string): string {
    return neutraliseMentions(neutraliseImages(text.replace(/\r\n?/g, '\n')));
}

/** A short, single-line value (a name) inside our own Markdown: escaped, one line, no mentions. */
export function safeInline(value: string, maxLength = 200): string {
    const oneLine = value.replace(/\s+/g, ' ').trim();
    const clipped = [...oneLine].length > maxLength ? `${[...oneLine].slice(0, maxLength - 1).join('')}…` : oneLine;
    return neutraliseMentions(clipped.replace(/[\\`*_~[\]<>|#!]/g, (char) => `\\${char}`));
}

/**
 * A URL (already a valid http(s) URL, as the event schema ensures) as it may appear in a post:
 * normalised, and with every character that Markdown or the mention parser could read as more than
 * an address percent-encoded — `@` (a mention after a `/`), brackets and parentheses (a link or an
 * image), `*`, `_`, `~` and `` ` `` (emphasis, code). Percent-encoding these leaves the address the same.
 */
export function safeUrl(url: string): string {
    const href = new URL(url).href;
    const start = href.indexOf('//') + 2;
    const hostEnd = href.indexOf('/', start);
    const origin = hostEnd === -1 ? href : href.slice(0, hostEnd);
    const rest = hostEnd === -1 ? '' : href.slice(hostEnd);
    return origin + rest.replace(/[@()[\]*_~`!<>'"\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function runeLength(text: string): number {
    let n = 0;
    for (const _ of text) {
        n += 1;
    }
    return n;
}
