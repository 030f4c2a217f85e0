from django.urls import include, path

from headway.okrs.views import board, coach, key_results, objectives

app_name = "okrs"

urlpatterns = [
    path("okrs/", board.board, name="board"),
    path("okrs/cycle/<int:cycle_id>/", board.board, name="board-cycle"),
    path("okrs/cycle/<int:cycle_id>/team/<int:team_id>/", board.board_team, name="board-team"),
    path("okrs/alignment/", board.alignment, name="alignment"),
    path("okrs/coach/", coach.report, name="coach-report"),
    path("okrs/cycle/<int:cycle_id>/coach/", coach.report, name="coach-report"),
    path("okrs/cycle/<int:cycle_id>/coach/recount/", coach.recount, name="coach-recount"),
    path("okrs/coach/settings/", coach.settings, name="coach-settings"),
    path("objectives/new/", objectives.create, name="objective-create"),
    path("objectives/lint/", coach.lint, name="objective-lint"),
    path("objectives/<int:objective_id>/", objectives.objective, name="objective"),
    path("objectives/<int:objective_id>/edit/", objectives.edit, name="objective-edit"),
    path("objectives/<int:objective_id>/archive/", objectives.archive, name="objective-archive"),
    path(
        "objectives/<int:objective_id>/unarchive/",
        objectives.unarchive,
        name="objective-unarchive",
    ),
    path("objectives/<int:objective_id>/move/", objectives.move, name="objective-move"),
    path(
        "objectives/<int:objective_id>/key-results/new/",
        key_results.create,
        name="key-result-create",
    ),
    path("key-results/<int:kr_id>/edit/", key_results.edit, name="key-result-edit"),
    path("key-results/<int:kr_id>/move/", key_results.move, name="key-result-move"),
    path("key-results/<int:kr_id>/delete/", key_results.delete, name="key-result-delete"),
    path("key-results/<int:kr_id>/check-in/", key_results.check_in, name="checkin"),
    # The quarterly rhythm, one module per area.
    path("", include("headway.okrs.urls_cycles")),
    path("", include("headway.okrs.urls_carry")),
    path("", include("headway.okrs.urls_report")),
    path("", include("headway.okrs.urls_rhythm")),
]
