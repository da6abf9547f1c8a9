import type { ReactNode } from 'react';

export function Badge({ tone = 'neutral', children, title }: { tone?: string; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const PRIORITY_LABEL: Record<string, string> = {
  highest: 'Highest',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export function PriorityBadge({ priority }: { priority: string | null | undefined }) {
  if (!priority) return null;
  return (
    <Badge tone={`priority-${priority}`} title={`Priority: ${priority}`}>
      {PRIORITY_LABEL[priority] ?? priority}
    </Badge>
  );
}

export function TierBadge({ level }: { level: string | null | undefined }) {
  if (!level) return null;
  return (
    <Badge tone={`tier-${level}`} title={`Member level: ${level}`}>
      {level.charAt(0).toUpperCase() + level.slice(1)}
    </Badge>
  );
}
