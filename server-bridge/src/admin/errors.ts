import type {FieldIssue} from '../contract/index.js';
import type {FailureKind} from '../domain/errors.js';

/**
 * Typed outcomes of the admin service, mapped to HTTP by the admin routes (http/routes/admin/).
 * Messages are plain language for an admin and never carry a secret.
 */

/**
 * The settings cannot be saved: a field is malformed, or Mattermost refused what it names
 * (token rejected, not a bot, channel not found…). Nothing was saved. → 400.
 */
export class InvalidSettings extends Error {
    override name = 'InvalidSettings';
    readonly issues: FieldIssue[];
    constructor(readonly field: string, message: string, readonly code = 'invalid', issues?: FieldIssue[]) {
        super(message);
        this.issues = issues ?? [{field, message}];
    }
}

/** No integration for this licence (operators only ever see this: others get 403 first). → 404. */
export class IntegrationNotFound extends Error {
    override name = 'IntegrationNotFound';
    constructor(readonly licence: string) {
        super(`There is no integration for licence ${licence}.`);
    }
}

/** No delivery with this id (in the state the operation needs) for this licence. → 404. */
export class DeliveryNotFound extends Error {
    override name = 'DeliveryNotFound';
    constructor(readonly id: number) {
        super(`There is no failed delivery ${id} for this licence.`);
    }
}

/** Mattermost could not answer a read the admin asked for (channel list). → 502. */
export class MattermostUnavailable extends Error {
    override name = 'MattermostUnavailable';
    constructor(readonly kind: FailureKind, message: string) {
        super(message);
    }
}

/** Creating an integration needs the operator token; an admin key can only replace its own. → 403. */
export class CreateRefused extends Error {
    override name = 'CreateRefused';
    constructor() {
        super('Creating an integration needs the operator token (BRIDGE_ADMIN_TOKEN).');
    }
}

/** Two requests created the same licence at once; this one lost and saved nothing. → 409. */
export class ConcurrentChange extends Error {
    override name = 'ConcurrentChange';
    constructor(readonly licence: string) {
        super(`The integration for licence ${licence} was created by another request at the same time; nothing was saved. Read it and try again.`);
    }
}
