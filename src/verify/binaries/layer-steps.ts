/**
 * Which Dockerfile step made each layer, from the image config's history: the entries without
 * `empty_layer` line up with the layers, oldest first. BuildKit writes `RUN /bin/sh -c npm ci #
 * buildkit` and `COPY /out/app /app # buildkit`; the words a user wrote are kept, the noise dropped.
 */
import type { ImageConfig } from '../../types/oci.js';

/** The step behind each layer, bottom first; undefined where the history does not say. */
export function layerSteps(config: ImageConfig, layerCount: number): Array<string | undefined> {
  const history = Array.isArray(config.history) ? config.history : [];
  const withLayers = history.filter((h) => typeof h === 'object' && h !== null && h.empty_layer !== true);
  // A history that does not line up (squashed or hand-made images) names no step rather than the wrong one.
  if (withLayers.length !== layerCount) return new Array<string | undefined>(layerCount).fill(undefined);
  return withLayers.map((h) => cleanStep(typeof h.created_by === 'string' ? h.created_by : typeof h.comment === 'string' ? h.comment : ''));
}

/** `RUN /bin/sh -c npm ci # buildkit` → `RUN npm ci`; undefined for an empty step. */
export function cleanStep(createdBy: string): string | undefined {
  let text = createdBy.trim().replace(/\s+# buildkit$/, '');
  // The classic builder: `/bin/sh -c #(nop)  COPY file:… in /app` and `/bin/sh -c apt-get …`.
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(text);
  if (nop) text = nop[1] as string;
  else if (text.startsWith('/bin/sh -c ')) text = `RUN ${text.slice('/bin/sh -c '.length)}`;
  text = text.replace(/^RUN \|\d+ (?:\S+=\S* )*\/bin\/sh -c /, 'RUN ').replace(/^RUN \/bin\/sh -c /, 'RUN ');
  text = text.replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
