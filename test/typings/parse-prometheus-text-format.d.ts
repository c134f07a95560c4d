// The package ships no types: its one export parses Prometheus text exposition into metric families
// (callers cast to the shape they read).
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
