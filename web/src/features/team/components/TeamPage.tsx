import { useRoster } from '../api/roster';
import { CapacityPanel } from './CapacityPanel';
import { MetricsPanel } from './MetricsPanel';
import { AgentSessionsPanel } from './AgentSessionsPanel';

/** The supervisors' view: how the queue and the team are doing, and each agent's capacity. */
export function TeamPage({ isSupervisor, rosterEnabled }: { isSupervisor: boolean; rosterEnabled: boolean }) {
  const roster = useRoster(rosterEnabled && isSupervisor);
  if (!isSupervisor) {
    return (
      <main className="page-pad">
        <p data-testid="team-forbidden">The team view is for supervisors.</p>
      </main>
    );
  }
  return (
    <main className="team" data-testid="team-page" aria-label="Team">
      <MetricsPanel />
      <CapacityPanel roster={roster.data ?? []} rosterLoading={rosterEnabled && roster.isPending} rosterError={roster.error} />
      {roster.data ? <AgentSessionsPanel roster={roster.data} /> : null}
    </main>
  );
}
