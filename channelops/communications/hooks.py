"""Hooks of partner communications (``channelops.core.hooks``): other parts and apps listen here.

- ``mailing_sent(mailing)``: a mailing's send finished (every recipient sent, failed or
  suppressed); called inside the transaction that marks it sent. The chat reminder (a webhook
  event) and the Friday figures hang on it.
- ``recipient_event(event)``: an ``Event`` row was recorded (open, click, unsubscribe, bounce,
  complaint, failed, feedback, delivered); called in the recording transaction. Engagement per
  partner and the outgoing webhook events hang on it.
"""

from channelops.core.hooks import Hook

mailing_sent = Hook("mailing_sent", "mailing")
recipient_event = Hook("recipient_event", "event")
