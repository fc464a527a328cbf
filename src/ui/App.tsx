import { useEffect } from 'react';
import { PANELS, type PanelId } from '../state/url-state';
import { useUrlStore } from '../state/url-store';
import { BackendNotice } from './components/BackendNotice';
import { StatusBar } from './components/StatusBar';
import { DataPanel } from './panels/DataPanel';
import { ProbingPanel } from './panels/ProbingPanel';
import { RetrievalPanel } from './panels/RetrievalPanel';
import { SamplingPanel } from './panels/SamplingPanel';
import { TrainingPanel } from './panels/TrainingPanel';

const TITLES: Record<PanelId, string> = {
  data: 'Data',
  sampling: 'Sampling',
  training: 'Training',
  probing: 'Probing',
  retrieval: 'Retrieval',
};

export function App() {
  const panel = useUrlStore((s) => s.panel);
  const setPanel = useUrlStore((s) => s.setPanel);

  useEffect(() => {
    document.title = `${TITLES[panel]} · DDAE Playground`;
  }, [panel]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>
          DDAE <span>Playground</span>
        </h1>
        <div className="tabs" role="tablist" aria-label="Panels">
          {PANELS.map((id) => (
            <a
              key={id}
              role="tab"
              href={`#/${id}`}
              aria-selected={panel === id}
              className={panel === id ? 'tab active' : 'tab'}
              onClick={(e) => {
                e.preventDefault();
                setPanel(id);
              }}
            >
              {TITLES[id]}
            </a>
          ))}
        </div>
      </header>
      <BackendNotice />
      <main className="panel" role="tabpanel" aria-label={TITLES[panel]}>
        {panel === 'data' ? (
          <DataPanel />
        ) : panel === 'sampling' ? (
          <SamplingPanel />
        ) : panel === 'training' ? (
          <TrainingPanel />
        ) : panel === 'probing' ? (
          <ProbingPanel />
        ) : (
          <RetrievalPanel />
        )}
      </main>
      <StatusBar />
    </div>
  );
}
