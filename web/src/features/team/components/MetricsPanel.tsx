import type { MetricsSummary, Priority } from '@/lib/api-types';
import { Badge } from '@/components/ui/Badge';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { formatDuration } from '@/lib/format';
import { useMetricsSummary } from '../api/get-metrics';
import { DayCharts } from './DayCharts';

const PRIORITIES: Priority[] = ['highest', 'high', 'medium', 'low', 'info'];
const NONE = '—';

export function seconds(v: number | null | undefined): string {
  return typeof v === 'number' ? formatDuration(v * 1000) : NONE;
}

export function percent(v: number | null | undefined): string {
  return typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : NONE;
}

function Metric({ name, label, value, sub, wide = false }: { name: string; label: string; value: string; sub?: React.ReactNode; wide?: boolean }) {
  return (
    <div className={`metric${wide ? ' metric-wide' : ''}`} data-testid={`metric-${name}`}>
      <div className="metric-label">{label}</div>
      <div className="metric-value" title={value === NONE ? 'Nothing to measure yet' : undefined}>
        {value}
      </div>
      {sub ? <div className="metric-sub">{sub}</div> : null}
    </div>
  );
}

export function MetricsView({ m }: { m: MetricsSummary }) {
  return (
    <>
      <div className="metrics">
        <Metric
          name="pending"
          label="Waiting now"
          value={String(m.pending)}
          wide
          sub={
            <span className="by-priority" data-testid="pending-by-priority">
              {PRIORITIES.map((p) => (
                <Badge key={p} tone={`priority-${p}`} title={`${p} priority`}>
                  {p} {m.pending_by_priority[p] ?? 0}
                </Badge>
              ))}
            </span>
          }
        />
        <Metric name="longest-wait" label="Longest wait" value={seconds(m.longest_wait_seconds)} sub="the oldest pending session" />
        <Metric name="assigned" label="Assigned now" value={String(m.assigned)} sub="held by agents" />
        <Metric name="agents-active" label="Agents active" value={String(m.agents_active)} sub="holding at least one session" />
        <Metric name="resolved" label="Resolved (24 h)" value={String(m.resolved_last_24h)} sub={`${m.accepted_last_24h} accepted, ${m.escalated_last_24h} escalated`} />
        <Metric name="median-wait" label="Median wait (24 h)" value={seconds(m.median_wait_seconds_24h)} sub="escalation to accept" />
        <Metric name="median-handle" label="Median handle (24 h)" value={seconds(m.median_handle_seconds_24h)} sub="accept to resolve" />
        <Metric name="deflection" label="Bot deflection (24 h)" value={percent(m.deflection_rate_24h)} sub="answered without a human" />
        <Metric name="faq-hit-rate" label="FAQ hit rate (24 h)" value={percent(m.faq_hit_rate_24h)} sub="bot answers from a FAQ" />
      </div>
      <p className="metrics-day" data-testid="metrics-day">
        <span>
          Released <strong>{m.released_last_24h}</strong>
        </span>
        <span>
          Transferred <strong>{m.transferred_last_24h}</strong>
        </span>
        <span>
          Raised by waiting <strong>{m.aged_last_24h}</strong>
        </span>
        <span>
          Auto-released <strong>{m.auto_released_last_24h}</strong>
        </span>
        <span>
          Solutions approved <strong>{m.solutions_approved_24h}</strong> / rejected <strong>{m.solutions_rejected_24h}</strong>
        </span>
      </p>
      <DayCharts m={m} />
    </>
  );
}

/** The team's figures, refreshed on every queue change (live) and at least every 15 s. */
export function MetricsPanel() {
  const metrics = useMetricsSummary();
  return (
    <section aria-labelledby="metrics-title" data-testid="metrics-panel">
      <div className="team-head">
        <h2 id="metrics-title">Queue and team</h2>
        {metrics.data ? (
          <span className="muted small" data-testid="metrics-updated" data-generated-at={metrics.data.generated_at}>
            as of {new Date(metrics.data.generated_at).toLocaleTimeString()}
          </span>
        ) : null}
        {metrics.isFetching ? <span className="refreshing" aria-hidden="true" title="Refreshing" /> : null}
        <button type="button" className="btn btn-small" data-testid="metrics-refresh" onClick={() => void metrics.refetch()} disabled={metrics.isFetching}>
          Refresh
        </button>
      </div>
      {metrics.isPending ? <Spinner label="Loading the figures" /> : null}
      <ErrorMessage error={metrics.error} title={metrics.data ? 'Figures not refreshed; showing the last ones' : 'Could not load the figures'} onRetry={() => void metrics.refetch()} />
      {metrics.data ? <MetricsView m={metrics.data} /> : null}
    </section>
  );
}
