import { defineConfig } from 'vite';

// No framework plugin: Vite's own transform compiles TSX with React's automatic runtime, which is all a
// production build needs (@vitejs/plugin-react adds fast refresh, and its optional Babel peer conflicts with
// Jest's Babel 7 in one lockfile).
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rolldownOptions: {
      // react-router marks its modules "use client" for React Server Components; a browser bundle has none.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
