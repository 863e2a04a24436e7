/**
 * ONNX Runtime 1.29+ on Linux and macOS keeps a telemetry database and a device id under
 * ~/.cache/Microsoft/DeveloperTools/ (or $XDG_CACHE_HOME/Microsoft) and uploads usage events to
 * Microsoft. ORT_DISABLE_TELEMETRY=1 turns all of it off (nothing created, nothing sent), but only
 * if it is in the process environment before the runtime initialises, which onnxruntime-node does
 * lazily at the first session. Forced, not defaulted: an offline analyst tool sends nothing.
 */
export const ORT_TELEMETRY_VARIABLE = 'ORT_DISABLE_TELEMETRY';

/**
 * Call before the first ONNX Runtime session. On the main thread process.env writes reach the
 * native getenv(); in a worker thread process.env is a private copy, so sessions are created on
 * the main thread (and child processes inherit the variable).
 */
export function disableRuntimeTelemetry(): void {
  process.env[ORT_TELEMETRY_VARIABLE] = '1';
}
