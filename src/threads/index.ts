export { startModuleWorker, workerBootScript } from './worker.ts';
