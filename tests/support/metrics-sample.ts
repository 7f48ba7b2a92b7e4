/** A sample's value in a Prometheus scrape, or undefined when the scrape has no such sample. */
export const sample = (metrics: string, name: string, labels = '') => metrics.match(new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} (\\S+)$`, 'm'))?.[1];
