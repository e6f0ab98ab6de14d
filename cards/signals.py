from django.dispatch import Signal

# Sent after the transaction that moved a card has committed.
# kwargs: card_id, event_id, action, from_state, to_state, actor_id, source.
card_transitioned = Signal()
