"""channelops.core.hooks: how one app's rule runs on another app's change (docs/architecture.md)."""

from __future__ import annotations

import pytest

from channelops.core.hooks import Hook


def test_a_hook_calls_its_functions_in_registration_order_with_keyword_arguments():
    hook = Hook("thing_changed", "thing, by")
    seen = []

    def first(*, thing, by):
        seen.append(("first", thing, by))

    def second(**kwargs):
        seen.append(("second", kwargs["thing"], kwargs["by"]))

    hook.register(first)
    hook.register(second)
    hook.call(thing=7, by="ada")
    assert seen == [("first", 7, "ada"), ("second", 7, "ada")]


def test_registering_a_function_again_replaces_it_in_its_place():
    hook = Hook("thing_changed")
    seen = []

    def a(**kw):
        seen.append("a")

    def b(**kw):
        seen.append("b")

    hook.register(a)
    hook.register(b)
    hook.register(a)  # AppConfig.ready running twice
    hook.call()
    assert seen == ["a", "b"]
    assert hook.functions == [a, b]


def test_an_exception_reaches_the_calling_service_and_later_functions_do_not_run():
    hook = Hook("thing_changed")
    seen = []

    def boom(**kw):
        raise RuntimeError("disk on fire")

    hook.register(boom)
    hook.register(lambda **kw: seen.append("late"))
    with pytest.raises(RuntimeError, match="disk on fire"):
        hook.call()
    assert seen == []


def test_registered_holds_a_function_for_the_block_only():
    hook = Hook("thing_changed")
    seen = []

    def look(**kw):
        seen.append(kw)

    with hook.registered(look):
        hook.call(n=1)
    hook.call(n=2)
    assert seen == [{"n": 1}]
    assert hook.functions == []


def test_the_apps_register_on_the_owners_hooks_in_the_order_the_signals_ran():
    from channelops.accounts import hooks as accounts_hooks
    from channelops.badges.services import on_records_changed
    from channelops.core.events import event_published
    from channelops.core.outbox import email_delivered
    from channelops.crm import activities as crm_activities
    from channelops.enablement.hooks import practitioner_records_changed
    from channelops.enablement.services.awards import evaluation, workflow
    from channelops.notifications import hooks as notification_hooks
    from channelops.partners import hooks as partners_hooks
    from channelops.webhooks import listeners as webhook_listeners
    from channelops.webhooks import services as webhook_services
    from channelops.work import gitlab_mirror, partner_hooks
    from channelops.work.hooks import work_item_changed

    assert work_item_changed.functions == [
        gitlab_mirror.on_work_item_changed,
        workflow._on_work_item_changed,
        notification_hooks.work_item_changed,
        webhook_listeners.work_item_changed,
    ]
    assert practitioner_records_changed.functions == [evaluation._on_records_changed, on_records_changed]
    # the default journeys first, so a workflow assigning the same journey finds it open
    assert partners_hooks.partner_person_added.functions == [
        partner_hooks._assign_default_journeys,
        partner_hooks._workflows_person_added,
        notification_hooks.defaults_on_partner_person_added,
    ]
    assert partners_hooks.partner_person_changed.functions == [
        partner_hooks._workflows_person_changed,
        notification_hooks.defaults_on_partner_person_changed,
    ]
    assert accounts_hooks.person_created.functions == [notification_hooks.defaults_on_person_created]
    assert accounts_hooks.person_access_changed.functions == [notification_hooks.defaults_on_access_changed]
    assert partners_hooks.application_changed.functions == [
        notification_hooks.application_changed,
        webhook_listeners.application_changed,
    ]
    assert event_published.functions == [crm_activities.log_review, webhook_services.event_fan_out]
    assert email_delivered.functions == [crm_activities.log_email]
