/**
 * Splits text into pieces of at most `maxRunes` code points (Mattermost counts a message's length
 * in runes) without losing or reordering anything: the pieces joined give back the text exactly.
 *
 * Each cut is made at the most sensible boundary found in the last half of the allowed window,
 * in this order of preference: after a blank line (paragraph), after a line break, after the
 * whitespace that follows the end of a sentence, after any whitespace, and finally between two
 * grapheme clusters (so an emoji sequence, a letter with its accents or a neutralised `@` is
 * never torn apart). Whitespace at a cut stays at the end of the earlier piece.
 */
export function splitText(text: string, maxRunes: number): string[] {
    if (maxRunes < 16) {
        throw new RangeError('maxRunes must be at least 16');
    }
    const runes = Array.from(text);
    if (runes.length <= maxRunes) {
        return [text];
    }
    const pieces: string[] = [];
    let start = 0;
    while (runes.length - start > maxRunes) {
        const cut = findCut(runes, start, start + maxRunes);
        pieces.push(runes.slice(start, cut).join(''));
        start = cut;
    }
    pieces.push(runes.slice(start).join(''));
    return pieces;
}

const SENTENCE_END = new Set(['.', '!', '?', '…', '。', '！', '？']);

function isSpace(rune: string | undefined): boolean {
    return rune !== undefined && /^\s$/u.test(rune);
}

/** The index (exclusive end of the piece) to cut at, in (start, limit]. */
function findCut(runes: string[], start: number, limit: number): number {
    const floor = start + Math.floor((limit - start) / 2);
    // A cut at index i means the piece is runes[start..i) and the next starts at runes[i].
    const candidates: Array<(i: number) => boolean> = [
        (i) => runes[i - 1] === '\n' && runes[i - 2] === '\n' && !isSpace(runes[i]),
        (i) => runes[i - 1] === '\n' && !isSpace(runes[i]),
        (i) => isSpace(runes[i - 1]) && !isSpace(runes[i]) && SENTENCE_END.has(lastNonSpace(runes, i - 1) ?? ''),
        (i) => isSpace(runes[i - 1]) && !isSpace(runes[i]),
    ];
    for (const good of candidates) {
        for (let i = limit; i > floor; i--) {
            if (good(i)) {
                return i;
            }
        }
    }
    return graphemeCut(runes, floor, limit);
}

function lastNonSpace(runes: string[], before: number): string | undefined {
    for (let i = before - 1; i >= 0 && i >= before - 8; i--) {
        if (!isSpace(runes[i])) {
            return runes[i];
        }
    }
    return undefined;
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/** The last grapheme-cluster boundary in (floor, limit], looking at a small window around it. */
function graphemeCut(runes: string[], floor: number, limit: number): number {
    const from = Math.max(floor, limit - 64);
    const window = runes.slice(from, Math.min(runes.length, limit + 64));
    let best = -1;
    let offset = 0; // in runes from `from`
    for (const {segment} of segmenter.segment(window.join(''))) {
        if (offset > 0 && from + offset <= limit) {
            best = from + offset;
        }
        offset += Array.from(segment).length;
        if (from + offset > limit) {
            break;
        }
    }
    if (from + offset === limit) {
        best = limit;
    }
    return best > floor ? best : limit;
}
