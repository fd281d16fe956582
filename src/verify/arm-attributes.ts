/**
 * Reads the build attributes that ARM toolchains record in a 32-bit binary's `.ARM.attributes`
 * section. The ELF header only says "ARM"; Tag_CPU_arch is what tells an ARMv7 binary (which dies
 * with SIGILL on a Raspberry Pi Zero) from an ARMv6 one. Format: ARM IHI 0045 ("Addenda to, and
 * Errata in, the ABI for the Arm Architecture"), section "Build Attributes".
 */

/** The attributes multiarch uses, from the `aeabi` vendor's file-scope subsection. */
export interface ArmAttributes {
  /** Tag_CPU_arch (6): the architecture version the code needs. */
  cpuArch?: number;
  /** Tag_CPU_name (5), e.g. `7-A` or `ARM1176JZF-S`. */
  cpuName?: string;
  /** Tag_CPU_arch_profile (7): `A`, `R`, `M` or `S`. */
  profile?: string;
  /** Tag_ABI_VFP_args (28): 1 means floating-point arguments go in VFP registers (hard-float). */
  vfpArgs?: number;
}

/** Tag_CPU_arch values, by number, with the ARM architecture level each needs. */
const CPU_ARCH: ReadonlyArray<readonly [name: string, level: number]> = [
  ['pre-v4', 4], ['v4', 4], ['v4T', 4], ['v5T', 5], ['v5TE', 5], ['v5TEJ', 5],
  ['v6', 6], ['v6KZ', 6], ['v6T2', 6], ['v6K', 6], ['v7', 7], ['v6-M', 6], ['v6S-M', 6],
  ['v7E-M', 7], ['v8-A', 8], ['v8-R', 8], ['v8-M.baseline', 8], ['v8-M.mainline', 8],
  ['v8.1-A', 8], ['v8.2-A', 8], ['v8.3-A', 8], ['v8.1-M.mainline', 8], ['v9-A', 9]
];

/** `v7` for Tag_CPU_arch 10; undefined for values newer than this table. */
export function cpuArchName(cpuArch: number): string | undefined {
  return CPU_ARCH[cpuArch]?.[0];
}

/** The architecture level (5, 6, 7, 8, 9) a Tag_CPU_arch value needs, matching Docker's arm/vN variants. */
export function cpuArchLevel(cpuArch: number): number | undefined {
  return CPU_ARCH[cpuArch]?.[1];
}

const FORMAT_VERSION = 0x41; // 'A'
const TAG_FILE = 1;
const TAG_CPU_NAME = 5;
const TAG_CPU_ARCH = 6;
const TAG_CPU_ARCH_PROFILE = 7;
const TAG_ABI_VFP_ARGS = 28;
const TAG_COMPATIBILITY = 32;

/** Parses a `.ARM.attributes` section. Throws a plain Error on malformed input. */
export function parseArmAttributes(data: Buffer, littleEndian: boolean): ArmAttributes {
  if (data[0] !== FORMAT_VERSION) throw new Error(`unknown attributes format version ${data[0] ?? 'none'}`);
  const u32 = (pos: number): number => {
    if (pos + 4 > data.length) throw new Error('attributes truncated');
    return littleEndian ? data.readUInt32LE(pos) : data.readUInt32BE(pos);
  };
  const out: ArmAttributes = {};
  let pos = 1;
  while (pos < data.length) {
    const length = u32(pos);
    const end = pos + length;
    if (length < 5 || end > data.length) throw new Error(`attributes subsection of ${length} bytes does not fit`);
    const vendorEnd = data.indexOf(0, pos + 4);
    if (vendorEnd < 0 || vendorEnd >= end) throw new Error('attributes vendor name is not terminated');
    if (data.toString('latin1', pos + 4, vendorEnd) === 'aeabi') parseVendor(data, vendorEnd + 1, end, u32, out);
    pos = end;
  }
  return out;
}

function parseVendor(data: Buffer, start: number, end: number, u32: (pos: number) => number, out: ArmAttributes): void {
  let pos = start;
  while (pos < end) {
    const tag = readUleb(data, pos, end);
    const size = u32(tag.next);
    const subEnd = pos + size;
    if (size < 5 || subEnd > end) throw new Error(`attributes sub-subsection of ${size} bytes does not fit`);
    if (tag.value === TAG_FILE) parseFileAttributes(data, tag.next + 4, subEnd, out);
    pos = subEnd;
  }
}

function parseFileAttributes(data: Buffer, start: number, end: number, out: ArmAttributes): void {
  let pos = start;
  while (pos < end) {
    const tag = readUleb(data, pos, end);
    pos = tag.next;
    if (tag.value === TAG_CPU_NAME || tag.value === 4 || tag.value === 67) {
      const text = readString(data, pos, end);
      if (tag.value === TAG_CPU_NAME) out.cpuName = text.value;
      pos = text.next;
    } else if (tag.value === TAG_COMPATIBILITY) {
      pos = readString(data, readUleb(data, pos, end).next, end).next;
    } else if (tag.value < 32 || tag.value % 2 === 0) {
      // Tags below 32 are all integers except the names above; from 32 on, even means integer.
      const value = readUleb(data, pos, end);
      if (tag.value === TAG_CPU_ARCH) out.cpuArch = value.value;
      if (tag.value === TAG_CPU_ARCH_PROFILE) out.profile = value.value === 0 ? undefined : String.fromCharCode(value.value);
      if (tag.value === TAG_ABI_VFP_ARGS) out.vfpArgs = value.value;
      pos = value.next;
    } else {
      pos = readString(data, pos, end).next;
    }
  }
}

function readUleb(data: Buffer, pos: number, end: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < end && shift < 35; i++, shift += 7) {
    const byte = data[i] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new Error('attributes ULEB128 value truncated');
}

function readString(data: Buffer, pos: number, end: number): { value: string; next: number } {
  const nul = data.indexOf(0, pos);
  if (nul < 0 || nul >= end) throw new Error('attributes string is not terminated');
  return { value: data.toString('latin1', pos, nul), next: nul + 1 };
}
