// Preloaded (node --require) into the gateways and workers the fault suite starts: a process
// that exits on its own after a stop signal says which one it got, so a report can tell a stop
// from outside the suite (another process on a shared machine) from a crash. Listening changes
// nothing: the app installs its own SIGINT/SIGTERM handlers anyway.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => process.stderr.write(`fault suite witness: received ${signal}\n`));
}
