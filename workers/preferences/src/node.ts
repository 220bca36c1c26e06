import { DurableObject } from 'cloudflare:workers';
export class PreferenceNode extends DurableObject<PreferencesEnv> {}
