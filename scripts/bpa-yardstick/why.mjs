// Why multiarch and build-push-action differ on a yardstick case, as read from both runs' logs.
// Keyed by `job(matrix) / step name`, as the report names the row.
const BINARY_FILES =
  'by design: multiarch writes a type=local output one directory per platform (`linux_amd64/…`, as buildx lays out a multi-platform build) and builds the image beside it, so digest and imageid name its verified index; BPA writes the single platform\'s files at the top (with mode=max its provenance.json beside them) and has no image';
const ALWAYS_INDEX =
  'by design: multiarch always pushes an OCI index (here of one platform) it composed and verified; BPA on the docker driver with the classic store pushes the bare platform manifest. Both pull the same';

export const WHY = {
  'error-buildx / Build':
    'both fail, as BPA\'s CI expects; multiarch fails earlier: it sets QEMU up itself for linux/386 (planned as emulated on amd64, which runs 386 natively; a finding, not fixed here) and its binfmt image cannot be pulled on this stack, so no build ran and there is no record. BPA leaves QEMU to setup-qemu-action, builds, and fails on the base image\'s missing platforms',
  'docker-driver / Build': ALWAYS_INDEX,
  'digest(docker, false, true) / Build': ALWAYS_INDEX,
  'provenance(binary, /tmp/buildx-build, mode=max) / Build': BINARY_FILES,
  'provenance(binary, /tmp/buildx-build) / Build': BINARY_FILES,
  'call-check / Build': 'multiarch annotates each check warning on its Dockerfile line for `call: check` too; BPA reads warnings from the metadata file, which a `--call check` run does not write, so it annotates none'
};
