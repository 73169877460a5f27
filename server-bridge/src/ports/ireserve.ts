/**
 * What the bridge needs from i-Reserve: one signed POST to an integration's callback URL.
 * `deliver` resolves on a 2xx answer and throws UpstreamError('ireserve', …) otherwise:
 * 408, 429, 5xx and network failures are retryable; other statuses (incl. redirects) are permanent.
 */
export interface SignedCallback {
    url: string;
    /** The exact bytes that were signed. */
    body: string;
    /** Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature). */
    headers: Record<string, string>;
}

export interface IReservePort {
    deliver(callback: SignedCallback): Promise<{status: number}>;
}
