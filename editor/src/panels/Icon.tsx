import { memo } from "react";

/**
 * A tiny stroke icon set (24×24 paths) so icons render the same everywhere, with no icon
 * font or emoji font. Catalog `icon` names map here; unknown names fall back by category.
 */
const PATHS: Record<string, string> = {
  webhook: "M18 16.98h-5.99c-1.1 0-1.95.94-2.48 1.9A4 4 0 0 1 2 17c.01-.7.2-1.4.57-2M6 17l3.13-5.78c.53-.97.1-2.18-.5-3.1a4 4 0 1 1 6.89-4.06M12 6l3.13 5.73C15.66 12.7 16.9 13 18 13a4 4 0 0 1 0 8",
  play: "M6 4l14 8-14 8z",
  clock: "M12 7v5l3 2M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  filter: "M3 4h18l-7 8.5V19l-4 2v-8.5z",
  shuffle: "M3 7h4l10 10h4M3 17h4l3-3M14 10l3-3h4M18 4l3 3-3 3M18 14l3 3-3 3",
  reply: "M9 14L4 9l5-5M4 9h10a6 6 0 0 1 6 6v5",
  scroll: "M8 21h11a2 2 0 0 0 2-2v-1H10v1a2 2 0 0 1-4 0V5a2 2 0 0 0-2-2 2 2 0 0 0-2 2v2h4M19 17V5a2 2 0 0 0-2-2H4M10 8h6M10 12h6",
  split: "M16 3h5v5M8 3H3v5M12 22v-8.3a4 4 0 0 0-1.17-2.83L3 3M21 3l-7.83 7.83",
  route: "M6 3v12M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9",
  globe: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18",
  code: "M16 18l6-6-6-6M8 6l-6 6 6 6",
  timer: "M10 2h4M12 14l3-3M12 22a8 8 0 1 0 0-16 8 8 0 0 0 0 16z",
  copy: "M8 8h12v12H8zM4 16V4h12",
  radio: "M4.9 19.1a10 10 0 0 1 0-14.2M19.1 4.9a10 10 0 0 1 0 14.2M7.8 16.2a6 6 0 0 1 0-8.4M16.2 7.8a6 6 0 0 1 0 8.4M12 13a1 1 0 1 0 0-2 1 1 0 0 0 0 2z",
  send: "M22 2L11 13M22 2l-7 20-4-9-9-4z",
  refresh: "M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5",
  list: "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01",
  link: "M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7",
  note: "M4 4h16v11l-5 5H4zM15 20v-5h5",
  layout: "M3 3h7v7H3zM14 3h7v7h-7zM14 14h7v7h-7zM3 14h7v7H3z",
  undo: "M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3",
  redo: "M15 14l5-5-5-5M20 9H9a5 5 0 0 0 0 10h3",
  import: "M12 3v12M7 10l5 5 5-5M5 21h14",
  export: "M12 15V3M7 8l5-5 5 5M5 21h14",
  sun: "M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4",
  moon: "M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z",
  trash: "M3 6h18M8 6V4h8v2M6 6l1 15h10l1-15",
  duplicate: "M8 8h12v12H8zM4 16V4h12",
  zap: "M13 2L3 14h9l-1 8 10-12h-9z",
  diamond: "M12 2l10 10-10 10L2 12z",
  circle: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  mqtt: "M4 11a9 9 0 0 1 9 9M4 4a16 16 0 0 1 16 16M5 20a1 1 0 1 0 0-2 1 1 0 0 0 0 2z",
};

const BY_TYPE: Record<string, string> = {
  webhook: "webhook", manual: "play", schedule: "clock", poll: "refresh", "mqtt-in": "mqtt", "mqtt-out": "send",
  filter: "filter", switch: "route", dedupe: "copy", transform: "shuffle", code: "code", delay: "timer",
  split: "split", http: "globe", respond: "reply", log: "scroll",
};
const BY_CATEGORY: Record<string, string> = { trigger: "zap", logic: "diamond", action: "circle" };

export function iconName(icon: string | undefined, type: string, category: string): string {
  if (icon && PATHS[icon]) return icon;
  return BY_TYPE[type] ?? BY_CATEGORY[category] ?? "circle";
}

function IconImpl({ name, size = 16 }: { name: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden focusable="false">
      <path d={PATHS[name] ?? PATHS.circle} />
    </svg>
  );
}

export const Icon = memo(IconImpl);
