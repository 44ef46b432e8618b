"""Writing a planned batch of demo partners (``channelops.demo.plan``, ``channelops.demo.planned``) with bulk inserts.

Each ``write_*`` function inserts one part of the story for a batch, in the caller's transaction,
with ``bulk_create`` (``bulk_create_with_history`` where the model keeps an audit history, dated
when the thing happened). The rows are built exactly as the services build them — the same model
constructors, the same derived fields (content hashes, license payloads and their signatures,
badge credentials and their proofs, identity hashes) — but without the services' per-row side
effects that make no sense for the past: no e-mails, no outbox messages, no notifications (see
docs/demo.md, "How the data is made"). Randomness comes from ``random.Random`` seeded with the seed,
the batch and the part, so each part is deterministic on its own.

One module a part of the story, in the order ``demo_build`` writes them: ``partners`` (partners,
their status history and programs; applications), ``people`` (portal users, memberships, contacts;
engagement), ``agreements`` (acceptances, prompts, reminders), ``records`` (practitioner records),
``nfr`` (NFR requests and licenses), ``badges``, ``awards`` (business and enablement plans,
partner certifications) and ``reviews`` (account reviews, once every batch is in); ``context``
holds what every batch needs.
"""
