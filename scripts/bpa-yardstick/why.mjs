// Why multiarch and build-push-action differ on a yardstick case, as read from both runs' logs.
// Keyed by `job(matrix) / step name`, as the report names the row.
export const WHY = {};
