// The shape of one planned resource, shared by the mocks, the VPC model and every reader of a plan.
/** One registered resource as the plan reports it. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    /** Inputs as sent to the engine; secrets read `[secret]`, unknowns `[unknown]`. */
    inputs: Record<string, unknown>;
    options: { protect: boolean; retainOnDelete: boolean; deleteBeforeReplace: boolean; ignoreChanges: string[]; dependsOn: string[] };
    /** URNs whose outputs this resource's inputs use, or that it depends on explicitly. */
    dependencies: string[];
    /** Per top-level input, the URNs whose outputs its value came from (only inputs that have any). */
    propertyDependencies?: Record<string, string[]>;
    /**
     * What the (mock) provider returned: the physical ID and, where the type has one, the ARN; for
     * an awsx VPC (a component, without an ID of its own) the VPC's and its subnets' IDs.
     */
    state: { id: string; arn?: string; networkIds?: string[] };
    /** The URNs its `aliases` option names (only when it has any): what the engine matches in the state before this URN. */
    aliases?: string[];
}
