/**
 * Facts about EC2 instance types that decide what a host can boot and how it sees its disks,
 * from the EC2 user guide's instance-type pages:
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html (the `g` of a
 * family such as `m7g`, `t4g`, `c6gn` marks AWS Graviton, arm64; `a1` is the first Graviton),
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html (families not on
 * the Nitro System, which expose EBS volumes as Xen devices `/dev/xvd*` instead of NVMe),
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-mac-instances.html (Mac instances run macOS only).
 */

/** The CPU architecture of an instance type's family, as AMIs and downloads name it. */
export type Architecture = "x86_64" | "arm64";

const familyOf = (instanceType: string) => instanceType.split(".")[0];

/** arm64 for Graviton families (`a1`, and a generation digit followed by `g`: `t4g`, `m7gd`, `c6gn`, `im4gn`, `g5g`), else x86_64. */
export function instanceArchitecture(instanceType: string): Architecture {
    const family = familyOf(instanceType);
    return family === "a1" || /^[a-z]+\d+g[a-z-]*$/.test(family) ? "arm64" : "x86_64";
}

/** Families on the Xen hypervisor (not Nitro): their EBS volumes appear as `/dev/xvd*`, not as NVMe devices. */
export const XEN_FAMILIES = [
    "t1",
    "t2",
    "m1",
    "m2",
    "m3",
    "m4",
    "c1",
    "c3",
    "c4",
    "cc2",
    "cr1",
    "r3",
    "r4",
    "x1",
    "x1e",
    "d2",
    "h1",
    "i2",
    "i3",
    "g2",
    "g3",
    "p2",
    "p3",
    "f1",
    "hs1",
];

/** Whether the instance type runs on Xen (`i3.metal` is the Nitro exception of its family). */
export const isXen = (instanceType: string) => XEN_FAMILIES.includes(familyOf(instanceType)) && !instanceType.endsWith(".metal");

/** Mac families run macOS on dedicated hosts: no Linux AMI boots on them. */
export const isMac = (instanceType: string) => familyOf(instanceType).startsWith("mac");

/** A1 (the first Graviton) lacks the Armv8.2 features Amazon Linux 2023 requires: AL2023 does not boot on it. */
export const isA1 = (instanceType: string) => familyOf(instanceType) === "a1";

/** Burstable families whose nano to large sizes all have 2 vCPUs (t2 has 1 up to small). */
const BURSTABLE_TWO_VCPU = new Set(["t3", "t3a", "t4g"]);
const T2_VCPUS: Record<string, number> = { nano: 1, micro: 1, small: 1, medium: 2, large: 2 };

/**
 * vCPUs of an instance type, from its size where AWS's naming fixes it (`large` 2, `xlarge` 4,
 * `<n>xlarge` 4n, `medium` 1, the burstable exceptions); undefined where it does not (`metal`,
 * the smaller sizes of other families). https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html
 */
export function instanceVcpus(instanceType: string): number | undefined {
    const [family, size = ""] = instanceType.split(".");
    if (family === "t2" && size in T2_VCPUS) return T2_VCPUS[size];
    if (BURSTABLE_TWO_VCPU.has(family) && ["nano", "micro", "small", "medium", "large"].includes(size)) return 2;
    if (size === "medium") return 1;
    if (size === "large") return 2;
    if (size === "xlarge") return 4;
    const multiple = /^(\d+)xlarge$/.exec(size);
    return multiple ? 4 * Number(multiple[1]) : undefined;
}
