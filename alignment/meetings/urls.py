"""URLs of the meetings, included by alignment/urls.py into the `alignment:` namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from alignment.meetings.views import occurrences as note_views
from alignment.meetings.views import series as meeting_views
from alignment.meetings.views import shares as share_views

urlpatterns: list[URLPattern] = [
    path("meetings/", meeting_views.meeting_list, name="meeting-list"),
    path("meetings/series/new/", meeting_views.series_create, name="series-create"),
    path(
        "meetings/series/one-on-ones/",
        meeting_views.schedule_one_on_ones,
        name="schedule-one-on-ones",
    ),
    path("meetings/series/joint/", meeting_views.schedule_joint_meeting, name="schedule-joint"),
    path("meetings/series/<int:series_id>/", meeting_views.series_detail, name="series-detail"),
    path("meetings/series/<int:series_id>/edit/", meeting_views.series_edit, name="series-edit"),
    path(
        "meetings/series/<int:series_id>/cancel/",
        meeting_views.series_cancel,
        name="series-cancel",
    ),
    path(
        "meetings/series/<int:series_id>/hand-over/",
        meeting_views.series_hand_over,
        name="series-hand-over",
    ),
    path("meetings/<int:occurrence_id>/", note_views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:occurrence_id>/agenda/", note_views.meeting_agenda, name="meeting-agenda"),
    path("meetings/<int:occurrence_id>/share/", share_views.agenda_share, name="agenda-share"),
    path(
        "meetings/<int:occurrence_id>/minutes/", note_views.meeting_minutes, name="meeting-minutes"
    ),
    path(
        "meetings/<int:occurrence_id>/minutes/final/",
        note_views.minutes_final,
        name="meeting-minutes-final",
    ),
    path(
        "meetings/<int:occurrence_id>/attendance/",
        note_views.meeting_attendance,
        name="meeting-attendance",
    ),
    path("meetings/<int:occurrence_id>/decisions/", note_views.decision_add, name="decision-add"),
    path("meetings/<int:occurrence_id>/actions/", note_views.action_add, name="action-add"),
    path("meetings/actions/<int:item_id>/done/", note_views.action_toggle, name="action-toggle"),
    path(
        "meetings/<int:occurrence_id>/answer/", note_views.meeting_respond, name="meeting-respond"
    ),
    path("meetings/<int:occurrence_id>/move/", note_views.meeting_move, name="meeting-move"),
    path("meetings/<int:occurrence_id>/cancel/", note_views.meeting_cancel, name="meeting-cancel"),
    path("meetings/answer/<str:token>/", meeting_views.meeting_answer, name="meeting-answer"),
    path("meetings/profile/", meeting_views.profile, name="meeting-profile"),
    path("meetings/profile/feed/revoke/", meeting_views.feed_revoke, name="feed-revoke"),
    path("calendar/<str:token>.ics", meeting_views.calendar_feed, name="calendar-feed"),
]
