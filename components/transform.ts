/**
 * Changes one child resource's arguments before it is created, as SST's `transform` does: edit
 * `args` in place or return new ones. For changes across a whole topology, pass Pulumi
 * `transformations` in the options of `createPlatform` instead.
 */
export type Transform<Args> = (args: Args, name: string) => Args | void;

/** `args` after the caller's transform, if any. */
export function transformed<Args>(name: string, args: Args, transform?: Transform<Args>): Args {
    return transform ? (transform(args, name) ?? args) : args;
}
