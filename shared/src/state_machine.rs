//! The agent-side state machine, pure: no I/O, no clock, no SDK types.
//!
//! The store asks [`Action::required_status`] for the status its conditional write must find,
//! so the rules here and the conditions in DynamoDB cannot drift apart.

use crate::domain::AgentStatus;
use std::fmt;

/// Everything a caller can try to do with a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The bot or an upstream event hands the session to a human.
    Escalate,
    /// An agent takes the session (CAS).
    Accept,
    /// An agent writes to the customer.
    SendMessage,
    /// An agent queries business systems.
    BusinessAssist,
    /// An agent asks for knowledge; allowed before accepting.
    KnowledgeRecommend,
    /// An agent reads the card and the history.
    ViewDetails,
    /// An agent closes the session (CAS).
    Resolve,
    /// An agent turns the resolution into a FAQ candidate.
    ConsolidateSolution,
    /// The assignee (or a supervisor) hands the session back to the queue, in its old place.
    Release,
    /// The assignee (or a supervisor) hands the session to another agent.
    Transfer,
    /// A session waiting too long at its priority is raised one level.
    Age,
    /// An assigned session without agent activity for too long goes back to the queue.
    AutoRelease,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Escalate => "escalate",
            Action::Accept => "accept",
            Action::SendMessage => "send a message",
            Action::BusinessAssist => "use business assist",
            Action::KnowledgeRecommend => "request knowledge",
            Action::ViewDetails => "view details",
            Action::Resolve => "resolve",
            Action::ConsolidateSolution => "consolidate a solution",
            Action::Release => "release",
            Action::Transfer => "transfer",
            Action::Age => "raise the priority of",
            Action::AutoRelease => "auto-release",
        }
    }

    /// The statuses in which the action is allowed.
    pub fn allowed_from(self) -> &'static [AgentStatus] {
        use AgentStatus::*;
        match self {
            Action::Escalate => &[None],
            Action::Accept => &[Pending],
            Action::SendMessage | Action::BusinessAssist | Action::Resolve => &[Assigned],
            Action::Release | Action::Transfer | Action::AutoRelease => &[Assigned],
            Action::Age => &[Pending],
            Action::KnowledgeRecommend | Action::ViewDetails => &[Pending, Assigned, Resolved],
            Action::ConsolidateSolution => &[Resolved],
        }
    }

    /// The single status a conditional write for this action must find.
    /// Only actions that write to the session have one.
    pub fn required_status(self) -> Option<AgentStatus> {
        match self.allowed_from() {
            [only] => Some(*only),
            _ => None,
        }
    }
}

/// An action attempted in a state that forbids it: a 409 at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRejected {
    pub action: Action,
    pub current: AgentStatus,
}

impl fmt::Display for TransitionRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} while the session is {}", self.action.name(), self.current)
    }
}

impl std::error::Error for TransitionRejected {}

/// The status after `action` from `current`, or why it is not allowed.
pub fn transition(current: AgentStatus, action: Action) -> Result<AgentStatus, TransitionRejected> {
    if !action.allowed_from().contains(&current) {
        return Err(TransitionRejected { action, current });
    }
    Ok(match action {
        Action::Escalate => AgentStatus::Pending,
        Action::Accept => AgentStatus::Assigned,
        Action::Resolve => AgentStatus::Resolved,
        Action::Release | Action::AutoRelease => AgentStatus::Pending,
        Action::Transfer => AgentStatus::Assigned,
        Action::Age => AgentStatus::Pending,
        Action::SendMessage
        | Action::BusinessAssist
        | Action::KnowledgeRecommend
        | Action::ViewDetails
        | Action::ConsolidateSolution => current,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgentStatus::*;

    const ALL_STATUSES: [AgentStatus; 4] = [None, Pending, Assigned, Resolved];

    fn rejected(current: AgentStatus, action: Action) -> bool {
        transition(current, action) == Err(TransitionRejected { action, current })
    }

    #[test]
    fn escalation_moves_a_bot_session_to_pending() {
        assert_eq!(transition(None, Action::Escalate), Ok(Pending));
    }

    #[test]
    fn a_session_cannot_be_escalated_twice() {
        for status in [Pending, Assigned, Resolved] {
            assert!(rejected(status, Action::Escalate), "{status}");
        }
    }

    #[test]
    fn accept_moves_pending_to_assigned() {
        assert_eq!(transition(Pending, Action::Accept), Ok(Assigned));
    }

    #[test]
    fn a_second_accept_is_rejected() {
        assert!(rejected(Assigned, Action::Accept));
    }

    #[test]
    fn accept_is_rejected_outside_pending() {
        for status in [None, Assigned, Resolved] {
            assert!(rejected(status, Action::Accept), "{status}");
        }
    }

    #[test]
    fn pending_cannot_resolve_directly() {
        assert!(rejected(Pending, Action::Resolve));
    }

    #[test]
    fn resolve_moves_assigned_to_resolved() {
        assert_eq!(transition(Assigned, Action::Resolve), Ok(Resolved));
    }

    #[test]
    fn a_resolved_session_cannot_be_resolved_again() {
        assert!(rejected(Resolved, Action::Resolve));
        assert!(rejected(None, Action::Resolve));
    }

    #[test]
    fn only_assigned_sessions_take_agent_messages() {
        assert_eq!(transition(Assigned, Action::SendMessage), Ok(Assigned));
        for status in [None, Pending, Resolved] {
            assert!(rejected(status, Action::SendMessage), "{status}");
        }
    }

    #[test]
    fn business_assist_needs_an_assigned_session() {
        assert_eq!(transition(Assigned, Action::BusinessAssist), Ok(Assigned));
        for status in [None, Pending, Resolved] {
            assert!(rejected(status, Action::BusinessAssist), "{status}");
        }
    }

    #[test]
    fn knowledge_can_be_requested_before_accepting() {
        for status in [Pending, Assigned, Resolved] {
            assert_eq!(transition(status, Action::KnowledgeRecommend), Ok(status));
        }
        assert!(rejected(None, Action::KnowledgeRecommend));
    }

    #[test]
    fn details_are_for_escalated_sessions_only() {
        for status in [Pending, Assigned, Resolved] {
            assert_eq!(transition(status, Action::ViewDetails), Ok(status));
        }
        assert!(rejected(None, Action::ViewDetails));
    }

    #[test]
    fn solutions_are_consolidated_only_after_resolving() {
        assert_eq!(transition(Resolved, Action::ConsolidateSolution), Ok(Resolved));
        for status in [None, Pending, Assigned] {
            assert!(rejected(status, Action::ConsolidateSolution), "{status}");
        }
    }

    #[test]
    fn writing_actions_have_exactly_one_required_status() {
        assert_eq!(Action::Escalate.required_status(), Some(None));
        assert_eq!(Action::Accept.required_status(), Some(Pending));
        assert_eq!(Action::SendMessage.required_status(), Some(Assigned));
        assert_eq!(Action::Resolve.required_status(), Some(Assigned));
        assert_eq!(Action::ConsolidateSolution.required_status(), Some(Resolved));
        assert_eq!(Action::ViewDetails.required_status(), Option::None);
        assert_eq!(Action::Release.required_status(), Some(Assigned));
        assert_eq!(Action::Transfer.required_status(), Some(Assigned));
        assert_eq!(Action::Age.required_status(), Some(Pending));
        assert_eq!(Action::AutoRelease.required_status(), Some(Assigned));
    }

    #[test]
    fn every_allowed_transition_lands_in_a_known_state() {
        let actions = [
            Action::Escalate,
            Action::Accept,
            Action::SendMessage,
            Action::BusinessAssist,
            Action::KnowledgeRecommend,
            Action::ViewDetails,
            Action::Resolve,
            Action::ConsolidateSolution,
            Action::Release,
            Action::Transfer,
            Action::Age,
            Action::AutoRelease,
        ];
        let mut allowed = 0;
        for status in ALL_STATUSES {
            for action in actions {
                if transition(status, action).is_ok() {
                    allowed += 1;
                }
            }
        }
        // 1 escalate + 1 accept + 3 assigned-only + 3 + 3 viewing + 1 consolidate
        // + release, transfer, auto-release (assigned) + age (pending)
        assert_eq!(allowed, 16);
    }

    #[test]
    fn release_returns_an_assigned_session_to_the_queue() {
        assert_eq!(transition(Assigned, Action::Release), Ok(Pending));
        for status in [None, Pending, Resolved] {
            assert!(rejected(status, Action::Release), "{status}");
        }
    }

    #[test]
    fn transfer_keeps_the_session_assigned() {
        assert_eq!(transition(Assigned, Action::Transfer), Ok(Assigned));
        for status in [None, Pending, Resolved] {
            assert!(rejected(status, Action::Transfer), "{status}");
        }
    }

    #[test]
    fn aging_applies_only_while_pending() {
        assert_eq!(transition(Pending, Action::Age), Ok(Pending));
        for status in [None, Assigned, Resolved] {
            assert!(rejected(status, Action::Age), "{status}");
        }
    }

    #[test]
    fn auto_release_returns_an_idle_assigned_session_to_the_queue() {
        assert_eq!(transition(Assigned, Action::AutoRelease), Ok(Pending));
        for status in [None, Pending, Resolved] {
            assert!(rejected(status, Action::AutoRelease), "{status}");
        }
    }

    #[test]
    fn a_released_session_can_be_accepted_again_and_a_transferred_one_resolved() {
        let released = transition(Assigned, Action::Release).unwrap();
        assert_eq!(transition(released, Action::Accept), Ok(Assigned));
        let transferred = transition(Assigned, Action::Transfer).unwrap();
        assert_eq!(transition(transferred, Action::Resolve), Ok(Resolved));
        let aged = transition(Pending, Action::Age).unwrap();
        assert_eq!(transition(aged, Action::Accept), Ok(Assigned));
    }

    #[test]
    fn a_rejection_names_the_current_state() {
        let err = transition(Pending, Action::Resolve).unwrap_err();
        assert_eq!(err.to_string(), "cannot resolve while the session is pending");
    }
}
