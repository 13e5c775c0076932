// Starts the database reader thread from TypeScript source (under tsx or vitest). A worker does not
// inherit the parent's loader hooks on Node 20, so it registers tsx itself before importing the
// entry. The build (dist/) runs the compiled read-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
