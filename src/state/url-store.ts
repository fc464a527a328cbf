/** The URL hash as a store: panels and shareable settings read from it and write to it. */
import { create } from 'zustand';
import { formatHash, type PanelId, parseHash, type UrlParams, type UrlState } from './url-state';

interface UrlStore extends UrlState {
  setPanel: (panel: PanelId) => void;
  setParams: (patch: Partial<UrlParams>) => void;
}

const initial = typeof location === 'undefined' ? parseHash('') : parseHash(location.hash);

export const useUrlStore = create<UrlStore>((set, get) => {
  const write = (next: UrlState) => {
    const hash = formatHash(next);
    if (typeof location !== 'undefined' && location.hash !== hash) history.replaceState(null, '', hash);
    set(next);
  };
  return {
    ...initial,
    setPanel: (panel) => {
      const next = { panel, params: get().params };
      // A panel change is a navigation: keep it in history so Back works.
      if (typeof location !== 'undefined') location.hash = formatHash(next);
      set(next);
    },
    setParams: (patch) => write({ panel: get().panel, params: { ...get().params, ...patch } }),
  };
});

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => useUrlStore.setState(parseHash(location.hash)));
}
