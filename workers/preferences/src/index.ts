import { WorkerEntrypoint } from 'cloudflare:workers';
export { PreferenceNode } from './node';
export default class PreferencesService extends WorkerEntrypoint<PreferencesEnv> {}
