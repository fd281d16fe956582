/** An ImageSource over one repository of a registry, so the checks read remote images like layouts. */
import type { Readable } from 'node:stream';
import type { RegistryClient } from './client.js';
import type { FetchedManifest, ImageSource } from './source.js';

export class RemoteSource implements ImageSource {
  readonly name: string;

  constructor(
    readonly client: RegistryClient,
    readonly repo: string
  ) {
    this.name = `${client.registry}/${repo}`;
  }

  getManifest(reference: string, size?: number): Promise<FetchedManifest> {
    return this.client.getManifest(this.repo, reference, size);
  }

  getBlob(digest: string, size?: number): Promise<Buffer> {
    return this.client.getBlob(this.repo, digest, size);
  }

  openBlob(digest: string, size?: number): Promise<Readable> {
    return this.client.openBlob(this.repo, digest, size);
  }

  /** Bytes read through the client, which sources over other repositories of it share. */
  bytesRead(): number {
    return this.client.bytesRead();
  }
}
