"""Work pages: ``console_patterns`` (under /console/) and ``portal_patterns`` (under /portal/work/)."""

from django.urls import path

from channelops.core.pages import staff_required

from .views import console_items, console_lists, epics, portal, raci

console_patterns = [
    path("work/", console_lists.my_work, name="my_work"),
    path("work/board/", console_lists.board, name="work_board"),
    path("work/new/", console_items.item_new, name="work_item_new"),
    path("work/<int:pk>/", console_items.item_detail, name="work_item"),
    path("work/<int:pk>/tasks/<int:task_pk>/toggle/", console_items.task_toggle, name="work_task_toggle"),
    path("work/<int:pk>/comment/", console_items.comment, name="work_comment"),
    path("work/journeys/", console_lists.journeys, name="work_journeys"),
    path("work/epics/", epics.epics, name="work_epics"),
    path("work/epics/new/", epics.epic_new, name="work_epic_new"),
    path("work/epics/<int:pk>/", epics.epic_detail, name="work_epic"),
    path("work/epics/<int:pk>/change/", staff_required(epics.epic_change.view), name="work_epic_change"),
    path("raci/", raci.matrices, name="raci_matrices"),
    path("raci/<int:pk>/", raci.matrix, name="raci_matrix"),
    path("raci/deliverables/<int:pk>/route/", raci.route, name="raci_route"),
]

portal_patterns = [
    path("", portal.items, name="work_items"),
    path("<int:pk>/", portal.item_detail, name="work_item"),
    path("<int:pk>/tasks/<int:task_pk>/toggle/", portal.task_toggle, name="work_task_toggle"),
    path("<int:pk>/comment/", portal.comment, name="work_comment"),
]
