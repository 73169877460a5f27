import type {Db} from './database.js';

export interface DirectoryUser {
    ireserve_user_id: string;
    email: string;
}

/**
 * The i-Reserve user directory of one licence (pushed with PUT …/users), used to map a Mattermost
 * reply's author to an i-Reserve user by exact, case-insensitive e-mail match on the whole address.
 */
export class DirectoryRepository {
    constructor(private readonly db: Db) {}

    /** Replaces the whole directory of the licence atomically. */
    async replace(licence: string, users: readonly DirectoryUser[]): Promise<void> {
        await this.db.transaction().execute(async (trx) => {
            await trx.deleteFrom('directory_users').where('licence', '=', licence).execute();
            for (let start = 0; start < users.length; start += 500) {
                const chunk = users.slice(start, start + 500);
                if (chunk.length > 0) {
                    await trx.insertInto('directory_users').values(chunk.map((user) => ({
                        licence,
                        ireserve_user_id: user.ireserve_user_id,
                        email: user.email,
                        email_lower: user.email.toLowerCase(),
                    }))).execute();
                }
            }
        });
    }

    async list(licence: string): Promise<DirectoryUser[]> {
        return this.db.selectFrom('directory_users').select(['ireserve_user_id', 'email'])
            .where('licence', '=', licence).orderBy('ireserve_user_id').execute();
    }

    /** Exact match on the whole address, ignoring case; undefined when none (or the e-mail is empty). */
    async findByEmail(licence: string, email: string): Promise<DirectoryUser | undefined> {
        if (email.trim() === '') {
            return undefined;
        }
        return this.db.selectFrom('directory_users').select(['ireserve_user_id', 'email'])
            .where('licence', '=', licence).where('email_lower', '=', email.trim().toLowerCase())
            .orderBy('ireserve_user_id').executeTakeFirst();
    }
}
