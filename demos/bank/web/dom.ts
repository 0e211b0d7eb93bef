/**
 * The few browser APIs the bank demo's web page uses, typed here because the project compiles without the DOM
 * library (it is a Node-first package; adding `lib: ["DOM"]` would retype timers and more in every file).
 */

/** An element, as far as the page uses one. */
export interface PageElement {
  innerHTML: string;
  textContent: string | null;
  disabled: boolean;
  readonly dataset: Record<string, string | undefined>;
  addEventListener(type: 'click', listener: () => void): void;
}

interface PageDocument {
  readonly body: PageElement;
  getElementById(id: string): PageElement | null;
}

/** A Web Worker, as far as the page uses one. */
export interface WebWorker {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}

/** What a worker's global scope offers the teller. */
export interface WorkerScope {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
}

const page = globalThis as unknown as {
  document: PageDocument;
  Worker: new (url: URL, options: { type: 'module' }) => WebWorker;
  requestAnimationFrame(callback: () => void): number;
};

/** The page's document. */
export const document: PageDocument = page.document;

/** Starts a module Web Worker. */
export function startWorker(url: URL): WebWorker {
  return new page.Worker(url, { type: 'module' });
}

/** Calls `callback` before the next repaint. */
export function nextFrame(callback: () => void): void {
  page.requestAnimationFrame(callback);
}

/** Finds an element that the page's HTML must have. */
export function element(id: string): PageElement {
  const found = page.document.getElementById(id);
  if (!found) throw new Error(`bank page: no element #${id}`);
  return found;
}
