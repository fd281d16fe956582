/** `multiarch verify REF`: a registry reference or `oci-layout://DIR[:tag]` → an ImageSource and a root reference. */
import { RegistryClient } from '../registry/client.js';
import { resolveCredentials } from '../registry/credentials.js';
import { OciLayout } from '../registry/layout.js';
import { parseReference } from '../registry/reference.js';
import { RemoteSource } from '../registry/remote.js';
import type { ImageSource } from '../registry/source.js';
import { isIndexMediaType } from '../types/oci.js';

export async function resolveVerifyTarget(ref: string): Promise<{ source: ImageSource; reference: string }> {
  if (ref.startsWith('oci-layout://')) {
    const rest = ref.slice('oci-layout://'.length);
    const m = /^(.*?)(?::([\w][\w.-]{0,127}))?$/.exec(rest)!;
    const layout = await OciLayout.open(m[1]!);
    if (m[2]) return { source: layout, reference: m[2] };
    // A layout written by multiarch lists one index; verify that rather than index.json itself.
    const { index } = await layout.readIndex();
    const only = index.manifests.length === 1 ? index.manifests[0] : undefined;
    return { source: layout, reference: only && isIndexMediaType(only.mediaType) ? only.digest : '' };
  }
  const parsed = parseReference(ref);
  const credentials = await resolveCredentials(parsed.registry, { onSecret: () => undefined });
  const client = new RegistryClient({ registry: parsed.registry, credentials });
  return { source: new RemoteSource(client, parsed.repository), reference: parsed.digest ?? parsed.tag ?? 'latest' };
}
