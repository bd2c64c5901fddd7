from django.urls import path, re_path

from accounts import import_views, signin_views, views
from accounts.wizard import AddMailboxWizard

app_name = "accounts"

# OpenAdds.start makes 8 hex digits; any other shape is not an add of ours.
ADD_ID = r"(?P<add_id>[0-9a-f]{8})"
add_wizard = AddMailboxWizard.as_view(url_name="accounts:add_step", done_step_name="done")

urlpatterns = [
    path("help/mailboxes/", views.guide, name="guide"),
    path("mailboxes/", views.mailbox_list, name="list"),
    path("mailboxes/bulk/", views.bulk, name="bulk"),
    path("mailboxes/import/", import_views.upload, name="import"),
    re_path(r"^mailboxes/import/template\.(?P<fmt>csv|xlsx)$", import_views.template, name="import_template"),
    path("mailboxes/import/<int:pk>/", import_views.detail, name="import_detail"),
    path("mailboxes/import/<int:pk>/start/", import_views.start, name="import_start"),
    path("mailboxes/import/<int:pk>/status/", import_views.status, name="import_status"),
    path("mailboxes/import/<int:pk>/result.csv", import_views.result, name="import_result"),
    path("mailboxes/import/<int:pk>/discard/", import_views.discard, name="import_discard"),
    re_path(r"^mailboxes/export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("mailboxes/add/", views.add_start, name="add_start"),
    re_path(rf"^mailboxes/add/{ADD_ID}/$", add_wizard, name="add"),
    re_path(rf"^mailboxes/add/{ADD_ID}/check/$", views.add_check, name="add_check"),
    re_path(rf"^mailboxes/add/{ADD_ID}/back/(?P<step>[a-z_]+)/$", views.add_back, name="add_back"),
    re_path(rf"^mailboxes/add/{ADD_ID}/sign-in/$", signin_views.add_sign_in, name="add_sign_in"),
    path("mailboxes/oauth/callback/", signin_views.callback, name="oauth_callback"),
    re_path(rf"^mailboxes/add/{ADD_ID}/(?P<step>[a-z_]+)/$", add_wizard, name="add_step"),
    path("mailboxes/<int:pk>/", views.mailbox_detail, name="detail"),
    path("mailboxes/<int:pk>/edit/", views.edit, name="edit"),
    path("mailboxes/<int:pk>/password/", views.change_password, name="change_password"),
    path("mailboxes/<int:pk>/pause/", views.pause, name="pause"),
    path("mailboxes/<int:pk>/resume/", views.resume, name="resume"),
    path("mailboxes/<int:pk>/check/", views.check_now, name="check"),
    path("mailboxes/<int:pk>/reconnect/", signin_views.reconnect, name="reconnect"),
    path("mailboxes/<int:pk>/delete/", views.delete, name="delete"),
    path("mailboxes/notices/<int:pk>/dismiss/", views.dismiss_notice, name="dismiss_notice"),
]
