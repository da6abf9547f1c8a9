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
        }
    }

    /// The statuses in which the action is allowed.
    pub fn allowed_from(self) -> &'static [AgentStatus] {
        use AgentStatus::*;
        match self {
            Action::Escalate => &[None],
            Action::Accept => &[Pending],
            Action::SendMessage | Action::BusinessAssist | Action::Resolve => &[Assigned],
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
        Action::SendMessage
        | Action::BusinessAssist
        | Action::KnowledgeRecommend
        | Action::ViewDetails
        | Action::ConsolidateSolution => current,
    })
}

/// What the chat endpoint does with a customer's message, by session status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerTurn {
    /// The bot answers (and may escalate).
    BotAnswers,
    /// An agent is on the way: store the message, tell the customer to hold on.
    WaitForAgent,
    /// An agent is talking: store the message for the agent; the bot stays silent.
    ForwardToAgent,
    /// The previous conversation is closed: start a new bot session.
    StartNewSession,
}

pub fn customer_turn(current: AgentStatus) -> CustomerTurn {
    match current {
        AgentStatus::None => CustomerTurn::BotAnswers,
        AgentStatus::Pending => CustomerTurn::WaitForAgent,
        AgentStatus::Assigned => CustomerTurn::ForwardToAgent,
        AgentStatus::Resolved => CustomerTurn::StartNewSession,
    }
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
        assert_eq!(allowed, 12);
    }

    #[test]
    fn the_customer_side_follows_the_status() {
        assert_eq!(customer_turn(None), CustomerTurn::BotAnswers);
        assert_eq!(customer_turn(Pending), CustomerTurn::WaitForAgent);
        assert_eq!(customer_turn(Assigned), CustomerTurn::ForwardToAgent);
        assert_eq!(customer_turn(Resolved), CustomerTurn::StartNewSession);
    }

    #[test]
    fn a_rejection_names_the_current_state() {
        let err = transition(Pending, Action::Resolve).unwrap_err();
        assert_eq!(err.to_string(), "cannot resolve while the session is pending");
    }
}
