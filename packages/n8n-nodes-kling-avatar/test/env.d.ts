// Vite's `?raw` imports, used by tests instead of file-system access.
declare module '*.svg?raw' {
  const content: string;
  export default content;
}
