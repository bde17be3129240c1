/**
 * A stop signal this soon after the first is the same one relayed: Ctrl-C reaches the whole
 * process group, and npm forwards the SIGINT it got to its child as well. Only a later signal
 * means "stop now, skip the drain".
 */
export const REPEATED_SIGNAL_MS = 1000;
