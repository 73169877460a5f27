/** A part of the bridge the scenario needs is not there (yet): the scenario is skipped and says so. */
export class FeatureMissing extends Error {
    override name = 'FeatureMissing';
}
