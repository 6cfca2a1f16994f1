import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { AnnouncerProvider } from './components/Announcer';
import { loadRuntimeConfig } from './runtime-config';
import { SessionProvider } from './session';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
try {
  const config = await loadRuntimeConfig();
  root.render(
    <StrictMode>
      <BrowserRouter>
        <SessionProvider>
          <AnnouncerProvider>
            <App config={config} />
          </AnnouncerProvider>
        </SessionProvider>
      </BrowserRouter>
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <main className="page">
      <h1>QuickBooks integration</h1>
      <p role="alert">{(error as Error).message}</p>
    </main>,
  );
}
