// From source only (tests, `npm start`, the bench): loads the pool's TypeScript worker (workerData.tsWorker)
// through tsx inside the worker thread. Under Node 20, `--import tsx` in a worker's execArgv does not register
// tsx's loader there (tsx registers in the main thread only), so the worker registers it itself.
// A production bundle loads dist/cpu-worker.js directly and never needs this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const worker = await import(workerData.tsWorker);
export default worker.default;
