/**
 * A name fragment derived from a list item's value (a CIDR block, an e-mail address, an ID), so that
 * removing one item of a list renames, and so replaces, nothing else: `10.50.0.0/16` -> `10-50-0-0-16`.
 */
export const nameFor = (value: string): string =>
    value
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
