/**
 * Leg records as GitHub Actions artifacts, one small JSON file each. Artifacts belong to the
 * workflow run, every job of it can list and download them, and each leg has its own name, so
 * matrix jobs never overwrite each other (as they do with job outputs). Needs the runner's
 * ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, which every job step gets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactClient } from '@actions/artifact';
import { mapStrings } from '../report/redact.js';
import type { LegRecord } from '../types/leg-record.js';
import { legArtifactName, selectLegArtifacts } from './gather.js';
import type { CollectedLegs, LegHandoff } from './handoff.js';
import { parseLegRecord } from './record.js';

const FILE = 'leg.json';

export interface ArtifactHandoffOptions {
  /** The image the legs belong to (the first tag). */
  image: string;
  /** Scratch directory for the files uploaded and downloaded (inside the run directory). */
  dir: string;
  /**
   * Removes secrets from text (Redactor.redact). An artifact is readable by anyone who can read
   * the run and is never masked by the runner, and a failed leg's error and log tail may hold
   * what the build printed: every string of the record passes through this before upload.
   */
  redact?: (text: string) => string;
}

export class ArtifactHandoff implements LegHandoff {
  private loaded?: Promise<ArtifactClient>;

  constructor(private readonly opts: ArtifactHandoffOptions) {}

  /** Loaded on first use: the artifact client (and the Azure SDK under it) would double the bundle's start-up for every mode. */
  private client(): Promise<ArtifactClient> {
    this.loaded ??= import('@actions/artifact').then((m) => new m.DefaultArtifactClient());
    return this.loaded;
  }

  async publish(record: LegRecord): Promise<string> {
    const name = legArtifactName(record.image, record.platform, record.attempt);
    const dir = path.join(this.opts.dir, 'out', name);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, FILE);
    const safe = this.opts.redact ? mapStrings(record, this.opts.redact) : record;
    fs.writeFileSync(file, JSON.stringify(safe, null, 2) + '\n');
    // One day is enough: merge runs in the same workflow run, minutes later.
    await (await this.client()).uploadArtifact(name, [file], dir, { retentionDays: 1 });
    return name;
  }

  async collect(expected: string[]): Promise<CollectedLegs> {
    const client = await this.client();
    const { artifacts } = await client.listArtifacts({ latest: true });
    const { chosen, ignored } = selectLegArtifacts(artifacts.map((a) => a.name), this.opts.image, expected);
    const records = new Map<string, LegRecord>();
    const unreadable = new Map<string, string>();
    for (const [platform, name] of chosen) {
      const artifact = artifacts.find((a) => a.name === name)!;
      const dir = path.join(this.opts.dir, 'in', name);
      try {
        fs.rmSync(dir, { recursive: true, force: true });
        await client.downloadArtifact(artifact.id, { path: dir });
        const record = parseLegRecord(fs.readFileSync(path.join(dir, FILE), 'utf8'), name);
        if (record.platform !== platform || record.image !== this.opts.image) {
          throw new Error(`leg record ${name} is for ${record.image} ${record.platform}, not ${this.opts.image} ${platform}`);
        }
        records.set(platform, record);
      } catch (err) {
        unreadable.set(platform, (err as Error).message);
      }
    }
    return { records, unreadable, ignored };
  }
}
