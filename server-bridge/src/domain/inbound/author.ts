/**
 * Who wrote a reply, as i-Reserve is told. Pure. The relay looks the Mattermost user up, then the
 * e-mail in the licence's directory (exact, case-insensitive, whole address), and hands both here.
 */
export interface MattermostAuthor {
    id: string;
    username: string;
    /** '' when Mattermost hides e-mail addresses from the bot (PrivacySettings.ShowEmailAddress). */
    email?: string | null;
    first_name?: string | null;
    last_name?: string | null;
    nickname?: string | null;
}

export interface ReplyAuthor {
    ireserve_user_id?: string;
    email?: string;
    name: string;
    username: string;
    mattermost_user_id: string;
}

/** How the author was mapped: `matched` = an i-Reserve user; otherwise why not (the reply still goes). */
export type AuthorMatch = 'matched' | 'email_hidden' | 'no_directory_match';

/** `First Last`, else the nickname, else the username — what Mattermost shows by default. */
export function displayName(user: MattermostAuthor): string {
    const full = [user.first_name ?? '', user.last_name ?? ''].map((part) => part.trim()).filter((part) => part !== '').join(' ');
    if (full !== '') {
        return full;
    }
    const nickname = (user.nickname ?? '').trim();
    return nickname !== '' ? nickname : user.username;
}

export function mapAuthor(user: MattermostAuthor, match: {ireserve_user_id: string} | undefined): {author: ReplyAuthor; match: AuthorMatch} {
    const email = (user.email ?? '').trim();
    const author: ReplyAuthor = {
        ...(match ? {ireserve_user_id: match.ireserve_user_id} : {}),
        ...(email !== '' ? {email} : {}),
        name: displayName(user),
        username: user.username,
        mattermost_user_id: user.id,
    };
    return {author, match: match ? 'matched' : email === '' ? 'email_hidden' : 'no_directory_match'};
}

/** Plain words for the log and the job: why a reply goes with the Mattermost name only. */
export function describeAuthorMatch(match: AuthorMatch): string {
    switch (match) {
    case 'matched':
        return 'mapped to an i-Reserve user by e-mail';
    case 'email_hidden':
        return 'Mattermost hides e-mail addresses from the bot, so the reply goes with the Mattermost display name (give the bot the system_admin role or set PrivacySettings.ShowEmailAddress to map authors)';
    case 'no_directory_match':
        return 'no i-Reserve user has this e-mail address, so the reply goes with the Mattermost display name';
    }
}
