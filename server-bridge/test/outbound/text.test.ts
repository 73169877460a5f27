import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {conversationMessageSchema} from '../../src/domain/outbound/events.js';
import {MAX_MESSAGE_RUNES, messageParts} from '../../src/domain/outbound/post_formats.js';
import {splitText} from '../../src/domain/outbound/split.js';
import {neutraliseImages, neutraliseMentions, runeLength, safeInline, safeMessageText, ZERO_WIDTH_JOINER as ZWJ} from '../../src/domain/outbound/text_safety.js';

import {mentionWords} from './support.js';

describe('text safety (pure)', {timeout: 60_000}, () => {
    const mentionCases: Array<[string, string]> = [
        ['@channel', `@${ZWJ}channel`],
        ['hi @all and @here!', `hi @${ZWJ}all and @${ZWJ}here!`],
        ['(@ben)', `(@${ZWJ}ben)`],
        ['-@all', `-@${ZWJ}all`],
        ['_@channel', `_@${ZWJ}channel`],
        ['x:@here', `x:@${ZWJ}here`],
        ['@@channel', `@@${ZWJ}channel`],
        ['**@someone**', `**@${ZWJ}someone**`],
        ['anna@example.com', 'anna@example.com'],
        ['first.last@example.com', 'first.last@example.com'],
        ['a @ b, 5 @ 3', 'a @ b, 5 @ 3'],
        ['@Ben.Backup-2', `@${ZWJ}Ben.Backup-2`],
        ['@ÆØÅ', `@${ZWJ}ÆØÅ`],
    ];
    for (const [input, output] of mentionCases) {
        test(`neutraliseMentions(${JSON.stringify(input)})`, () => {
            assert.equal(neutraliseMentions(input), output);
            assert.deepEqual(mentionWords(neutraliseMentions(input)), [], 'no word Mattermost would take for a mention');
            assert.equal(neutraliseMentions(neutraliseMentions(input)), output, 'idempotent');
        });
    }

    test('images become links (nothing loads), other "![" is escaped, code is left readable', () => {
        assert.equal(neutraliseImages('![cat](https://x.example/cat.png)'), '[cat](https://x.example/cat.png)');
        assert.equal(neutraliseImages('![](https://x.example/a.png "title")'), '[image](https://x.example/a.png "title")');
        assert.equal(neutraliseImages('![a [nested] label](<https://x.example/a b.png>)'), '[a [nested] label](<https://x.example/a b.png>)');
        assert.equal(neutraliseImages('![ref][1]\n\n[1]: https://x.example/p.png'), '\\![ref][1]\n\n[1]: https://x.example/p.png');
        assert.equal(neutraliseImages('Wow![sic]'), 'Wow\\![sic]');
        assert.equal(neutraliseImages('already \\![escaped](u)'), 'already \\![escaped](u)');
        assert.equal(neutraliseImages(neutraliseImages('![x](y) ![z]')), neutraliseImages('![x](y) ![z]'), 'idempotent');
    });

    test('safeInline escapes Markdown, joins lines, neutralises mentions and clips long names', () => {
        assert.equal(safeInline('Anna *the* [Boss]\n@here'), `Anna \\*the\\* \\[Boss\\] @${ZWJ}here`);
        assert.equal(runeLength(safeInline('x'.repeat(500), 100)), 100);
    });

    test('safeMessageText normalises line endings', () => {
        assert.equal(safeMessageText('a\r\nb\rc'), 'a\nb\nc');
    });
});

describe('splitting (pure)', {timeout: 60_000}, () => {
    test('short text is one piece; long text is cut at paragraph, line, sentence, space, then grapheme boundaries', () => {
        assert.deepEqual(splitText('short', 100), ['short']);
        const paragraphs = `${'a'.repeat(60)}\n\n${'b'.repeat(60)}`;
        assert.deepEqual(splitText(paragraphs, 100), [`${'a'.repeat(60)}\n\n`, 'b'.repeat(60)]);
        const lines = `${'a '.repeat(30)}\n${'b'.repeat(60)}`;
        assert.deepEqual(splitText(lines, 100), [`${'a '.repeat(30)}\n`, 'b'.repeat(60)]);
        const sentences = `${'word '.repeat(10)}end. ${'more '.repeat(20)}`;
        assert.equal(splitText(sentences, 80)[0], `${'word '.repeat(10)}end. `);
        const emoji = '👩‍👩‍👧‍👦'.repeat(40); // 7 runes per family emoji, no spaces at all
        const pieces = splitText(emoji, 100);
        assert.equal(pieces.join(''), emoji);
        assert.ok(pieces.every((piece) => runeLength(piece) <= 100));
        assert.ok(pieces.every((piece) => piece.startsWith('👩')), 'an emoji sequence is never torn apart');
    });

    test('pieces are never longer than the limit and always join back to the text', () => {
        let seed = 7;
        const random = () => {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            return seed / 2 ** 31;
        };
        const alphabet = ['a', 'b', ' ', '\n', '.', 'é', '😀', '@', 'ß', '\n\n', '. '];
        for (let round = 0; round < 30; round++) {
            const text = Array.from({length: 500 + Math.floor(random() * 3000)}, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
            const limit = 16 + Math.floor(random() * 400);
            const pieces = splitText(text, limit);
            assert.equal(pieces.join(''), text);
            assert.ok(pieces.every((piece) => runeLength(piece) <= limit && piece !== ''));
        }
    });

    test('messageParts: every post within Mattermost\'s limit even with a long name and many mentions', () => {
        const schema = conversationMessageSchema(1024);
        const text = '@all '.repeat(20_000);
        const parts = messageParts(schema.parse({conversation_id: 'c', message_id: 'm', sender: {type: 'visitor', name: 'N'.repeat(200)}, text}));
        assert.ok(parts.length >= 7);
        for (const part of parts) {
            assert.ok(runeLength(part.message) <= MAX_MESSAGE_RUNES, `${runeLength(part.message)} runes`);
            assert.deepEqual(mentionWords(part.message), []);
        }
    });
});
