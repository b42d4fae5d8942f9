/**
 * The part of the WebExtension APIs the extension uses, typed here instead of through a types package: the
 * Chromium build (MV3: `chrome.*`, promise-based) and the Firefox build (MV2: `browser.*`) call the same names.
 * Only what exists in both is required; `offscreen`, `alarms` and `runtime.getContexts` are Chromium's.
 */

export interface ExtensionEvent<F> {
  addListener(listener: F): void;
}

export interface Port {
  readonly name: string;
  postMessage(message: unknown): void;
  disconnect(): void;
  readonly onMessage: ExtensionEvent<(message: unknown, port: Port) => void>;
  readonly onDisconnect: ExtensionEvent<(port: Port) => void>;
}

export interface StorageChange {
  newValue?: unknown;
  oldValue?: unknown;
}

export interface ToolbarButton {
  setBadgeText(details: { text: string }): Promise<void>;
  setBadgeBackgroundColor(details: { color: string }): Promise<void>;
  setTitle(details: { title: string }): Promise<void>;
}

export interface ExtensionContext {
  contextType: string;
  documentId?: string;
  documentUrl?: string;
}

export interface ExtensionApi {
  runtime: {
    connect(info: { name: string }): Port;
    readonly onConnect: ExtensionEvent<(port: Port) => void>;
    readonly onStartup: ExtensionEvent<() => void>;
    readonly onInstalled: ExtensionEvent<() => void>;
    getURL(path: string): string;
    openOptionsPage(): Promise<void>;
    getContexts?(filter: { contextTypes: string[]; documentUrls?: string[] }): Promise<ExtensionContext[]>;
  };
  storage: {
    local: {
      get(keys: string[]): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
    };
    readonly onChanged: ExtensionEvent<(changes: Record<string, StorageChange>, areaName: string) => void>;
  };
  /** Chromium MV3's toolbar button. */
  action?: ToolbarButton;
  /** Firefox MV2's toolbar button. */
  browserAction?: ToolbarButton;
  offscreen?: {
    createDocument(parameters: { url: string; reasons: string[]; justification: string }): Promise<void>;
    closeDocument(): Promise<void>;
  };
  alarms?: {
    create(name: string, info: { periodInMinutes: number }): Promise<void>;
    clear(name: string): Promise<boolean>;
    readonly onAlarm: ExtensionEvent<(alarm: { name: string }) => void>;
  };
}

/** The extension APIs of this context: Firefox's `browser`, else Chromium's `chrome`. */
export function extensionApi(): ExtensionApi {
  const scope = globalThis as { browser?: ExtensionApi; chrome?: ExtensionApi };
  const api = scope.browser?.runtime === undefined ? scope.chrome : scope.browser;
  if (api?.runtime === undefined) throw new Error('Starling: not running inside a browser extension');
  return api;
}

/** The toolbar button of either build. */
export function toolbarButton(api: ExtensionApi): ToolbarButton | undefined {
  return api.action ?? api.browserAction;
}
