/** An image whose PID 1 ignores SIGTERM and never exits (sleep inherits the ignored TERM too). */
export const HANG_DOCKERFILE = 'FROM busybox:1.35\nENTRYPOINT ["sh", "-c", "trap \'\' TERM; echo started; while true; do sleep 1; done", "hang"]\n';
